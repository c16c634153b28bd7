
    // ── block: InputRange (src/blocks/input_range.rs, docs/protocols/lookup.md) ──
    /// The range lookup (0, x, x) at ζ^(n/N₀): (h·(β + (θ + θ²)·x) − 1)/Z_n(ζ); its share of the
    /// LogUp sum is (N₀/n)·h. c = [x, h, N₀/n].
    function _inputRange(State memory st, uint256[3] memory c) internal pure {
        uint256 a = mulmod(addmod(st.theta, mulmod(st.theta, st.theta, R), R), c[0], R);
        _identity(st, mulmod(addmod(mulmod(c[1], addmod(st.beta, a, R), R), R - 1, R), st.inv[0], R));
        st.logup = addmod(st.logup, mulmod(c[2], c[1], R), R);
    }
    {%- if folded %}

    /// A folded range lookup (0, x, x) at ζ^(n/N₀) (blocks/fold.rs): no h and no identity; the
    /// share (N₀/n)/(β + (θ + θ²)·x) goes to the running sum. c = [x, N₀/n].
    function _inputRangeFolded(State memory st, uint256[2] memory c) internal pure {
        uint256 a = mulmod(addmod(st.theta, mulmod(st.theta, st.theta, R), R), c[0], R);
        _foldShare(st, c[1], addmod(st.beta, a, R));
    }
    {%- endif %}

    /// The padding identity x·S/Z_N₀ at ζ^(n/N₀), S the indicator of the padding positions
    /// (InputRange: `selector_over_vanishing`), `sel` = S/Z_N₀ there, computed from the batched
    /// inversion by the caller.
    function _inputPadding(State memory st, uint256 x, uint256 sel) internal pure {
        _identity(st, mulmod(x, sel, R));
    }
