
    // ── block: RunningSum (src/blocks/running_sum.rs, src/sumcheck.rs) ──
    /// (s(ω_nζ) − s(ζ) − logup)/Z_n(ζ), last: logup is the sum of every earlier share.
    /// c = [s(ζ), s(ω_nζ)].
    function _runningSum(State memory st, uint256[2] memory c) internal pure {
        _identity(st, mulmod(addmod(addmod(c[1], R - c[0], R), R - st.logup, R), st.inv[0], R));
    }
