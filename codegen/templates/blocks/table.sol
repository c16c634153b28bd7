
    // ── block: Table (src/blocks/table.rs, docs/protocols/lookup.md) ──
    /// (g·(β + T) − m)/Z_n(ζ) with the kind column in closed form, kindAt = T_kind(ζ), a
    /// polynomial in ζ^(n/K) evaluated by the caller (lookup_table::LookupTable::kind_at), and
    /// [T_v], [T_f] (vk points vkAt, vkAt + 1) left committed; its LogUp share is −g.
    /// c = [m(ζ), g(ζ)].
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

    function _table(State memory st, uint256[2] memory c, uint256 vkAt, uint256 kindAt) internal pure {
        uint256 zn = st.inv[0];
        uint256 id = addmod(mulmod(c[1], addmod(st.beta, kindAt, R), R), R - c[0], R);
        uint256 k = _identity(st, mulmod(id, zn, R));
        uint256 kg = mulmod(mulmod(k, c[1], R), zn, R);
        st.vkCoef[vkAt] = mulmod(kg, st.theta, R);
        st.vkCoef[vkAt + 1] = mulmod(st.vkCoef[vkAt], st.theta, R);
        st.logup = addmod(st.logup, R - c[1], R);
    }
