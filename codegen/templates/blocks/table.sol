
    // ── block: Table (src/blocks/table.rs, src/sumcheck.rs, docs/protocols/lookup.md) ──
    /// T_kind(ζ) = Σ_l c_l·ν^l with ν = ζ^(n/K), K = 2^{{ log_kinds }} kind slots
    /// (lookup_table::LookupTable::kind_at), by Horner.
    function _kindAt(State memory st) internal pure returns (uint256 k) {
        uint256 nu = st.zp[LOG_N - {{ log_kinds }}];
        {%- for c in kind_coefficients_desc %}
        {%- if loop.first %}
        k = {{ c }};
        {%- else %}
        k = addmod(mulmod(k, nu, R), {{ c }}, R);
        {%- endif %}
        {%- endfor %}
    }

    /// (((s(ω_nζ) − s(ζ) − logup)·P − E)·(β + T) + m·P)/Z_n(ζ), last: logup is the sum of every
    /// earlier committed share, E/P = foldE/foldP the sum of the folded ones (_foldShare), and the
    /// table side m/(β + T) is folded into the running sum. T = kindAt + θ·[T_v] + θ²·[T_f]:
    /// the kind column in closed form, kindAt = T_kind(ζ), a polynomial in ζ^(n/K) evaluated by the
    /// caller (lookup_table::LookupTable::kind_at), and [T_v], [T_f] (vk points vkAt, vkAt + 1) left
    /// committed. c = [m(ζ), s(ζ), s(ω_nζ)].
    function _table(State memory st, uint256[3] memory c, uint256 vkAt, uint256 kindAt) internal pure {
        uint256 zn = st.inv[0];
        uint256 d = addmod(addmod(c[2], R - c[1], R), R - st.logup, R);
        {%- if folded %}
        // d·P − E: the folded shares multiplied through, and m·P.
        d = addmod(mulmod(d, st.foldP, R), R - st.foldE, R);
        uint256 id = addmod(mulmod(d, addmod(st.beta, kindAt, R), R), mulmod(c[0], st.foldP, R), R);
        {%- else %}
        uint256 id = addmod(mulmod(d, addmod(st.beta, kindAt, R), R), c[0], R);
        {%- endif %}
        uint256 k = _identity(st, mulmod(id, zn, R));
        uint256 kd = mulmod(mulmod(k, d, R), zn, R);
        st.vkCoef[vkAt] = mulmod(kd, st.theta, R);
        st.vkCoef[vkAt + 1] = mulmod(st.vkCoef[vkAt], st.theta, R);
    }
