
    // ── block: Table (src/blocks/table.rs, docs/protocols/lookup.md) ──
    /// (g·(β + T) − m)/Z_n(ζ) with the kind column in closed form, T_kind(ζ) = (1 − ζ^(n/2))/2
    /// (keys::table_kind_at), and [T_v], [T_f] (vk points vkAt, vkAt + 1) left committed; its LogUp
    /// share is −g. c = [m(ζ), g(ζ)].
    function _table(State memory st, uint256[2] memory c, uint256 vkAt) internal pure {
        uint256 zn = st.inv[0];
        uint256 kindAt = mulmod(addmod(1, R - st.zp[LOG_N - 1], R), INV_TWO, R);
        uint256 id = addmod(mulmod(c[1], addmod(st.beta, kindAt, R), R), R - c[0], R);
        uint256 k = _identity(st, mulmod(id, zn, R));
        uint256 kg = mulmod(mulmod(k, c[1], R), zn, R);
        st.vkCoef[vkAt] = mulmod(kg, st.theta, R);
        st.vkCoef[vkAt + 1] = mulmod(st.vkCoef[vkAt], st.theta, R);
        st.logup = addmod(st.logup, R - c[1], R);
    }
