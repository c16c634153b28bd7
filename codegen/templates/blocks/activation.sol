
    // ── block: Activation (src/blocks/activation.rs, docs/protocols/lookup.md) ──
    /// The lifted lookup at ζ^(n/M): (h·(β+a)·(β+b) − 1)/Z_n(ζ), and the share (M/n)·(2β + a + b)·h
    /// of the LogUp sum, with a = kind + θ·q + θ²·z and b = 1 + κ·(y + 2^(s−1) − 2^s·q).
    /// c = [y, q, z, h (at ζ^(n/M)), kind, M/n].
    function _activation(State memory st, uint256[6] memory c) internal pure {
        uint256 th2 = mulmod(st.theta, st.theta, R);
        uint256 a = addmod(c[4], addmod(mulmod(st.theta, c[1], R), mulmod(th2, c[2], R), R), R);
        uint256 b = _tupleB(st, c[0], c[1]);
        uint256 e = mulmod(mulmod(c[3], addmod(st.beta, a, R), R), addmod(st.beta, b, R), R);
        _identity(st, mulmod(addmod(e, R - 1, R), st.inv[0], R));
        uint256 share = mulmod(addmod(addmod(st.beta, st.beta, R), addmod(a, b, R), R), c[3], R);
        st.logup = addmod(st.logup, mulmod(c[5], share, R), R);
    }
    {%- if folded %}

    /// A folded lookup at ζ^(n/M) (blocks/fold.rs): no h and no identity; the share
    /// (M/n)·(2β + a + b)/((β + a)·(β + b)) goes to the running sum. c = [y, q, z, kind, M/n].
    function _activationFolded(State memory st, uint256[5] memory c) internal pure {
        uint256 th2 = mulmod(st.theta, st.theta, R);
        uint256 a = addmod(c[3], addmod(mulmod(st.theta, c[1], R), mulmod(th2, c[2], R), R), R);
        uint256 b = _tupleB(st, c[0], c[1]);
        uint256 num = mulmod(c[4], addmod(addmod(st.beta, st.beta, R), addmod(a, b, R), R), R);
        _foldShare(st, num, mulmod(addmod(st.beta, a, R), addmod(st.beta, b, R), R));
    }
    {%- endif %}
    {%- if wide %}

    /// A wide output (src/model.rs wide_output): only b is looked up, q is the public output
    /// (range-checked by _toField). (h·(β+b) − 1)/Z_n(ζ) and the share (M/n)·h.
    /// c = [y, q (at ζ^(n/M)), h, M/n].
    function _activationWide(State memory st, uint256[4] memory c) internal pure {
        uint256 b = _tupleB(st, c[0], c[1]);
        _identity(st, mulmod(addmod(mulmod(c[2], addmod(st.beta, b, R), R), R - 1, R), st.inv[0], R));
        st.logup = addmod(st.logup, mulmod(c[3], c[2], R), R);
    }
    {%- if folded %}

    /// A folded wide output: the share (M/n)/(β + b) goes to the running sum. c = [y, q, M/n].
    function _activationWideFolded(State memory st, uint256[3] memory c) internal pure {
        _foldShare(st, c[2], addmod(st.beta, _tupleB(st, c[0], c[1]), R));
    }
    {%- endif %}
    {%- endif %}

    /// b = 1 + κ·(y + 2^(s−1) − 2^s·q) with κ = (θ + θ²)·2^(B−1−s).
    function _tupleB(State memory st, uint256 y, uint256 q) internal pure returns (uint256) {
        uint256 kappa = mulmod(addmod(st.theta, mulmod(st.theta, st.theta, R), R), REM_SCALE, R);
        uint256 r = addmod(addmod(y, HALF, R), R - mulmod(TWO_S, q, R), R);
        return addmod(1, mulmod(kappa, r, R), R);
    }
