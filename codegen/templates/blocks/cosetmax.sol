
    // ── block: CosetMax (src/blocks/cosetmax.rs, docs/protocols/cosetmax.md) ──
    /// The lifted coset-max identities at ζ' = ζ^(n/N), each divided by Z_n(ζ): the gate
    /// Π_{k<w} (y(ζ'^w) − c·x(ω_w^k·ζ')) (y is c times a member of its window) and the range lookup
    /// (kind, D − o, D − o) of D = y(ζ'^w)/c − x(ζ'), h·(β + kind + (θ + θ²)·(D − o)) − 1 (no member
    /// exceeds it: kind 1, o = 0, the ReLU rows; or, for signed values, kind 0, o = 2^(B−1), the
    /// identity rows), whose share of the LogUp sum is (N/n)·h.
    /// v = [x(ω_w^k·ζ') for k < w, zero up to 4, y(ζ'^w), h(ζ')]; k = [w, c, 1/c, N/n, kind, −o].
    function _cosetMax(State memory st, uint256[6] memory v, uint256[6] memory k) internal pure {
        uint256 y = v[4];
        uint256 gate = 1;
        for (uint256 i = 0; i < k[0]; ++i) {
            gate = mulmod(gate, addmod(y, R - mulmod(k[1], v[i], R), R), R);
        }
        _identity(st, mulmod(gate, st.inv[0], R));
        uint256 d = addmod(addmod(mulmod(y, k[2], R), R - v[0], R), k[5], R);
        uint256 a = addmod(k[4], mulmod(addmod(st.theta, mulmod(st.theta, st.theta, R), R), d, R), R);
        _identity(st, mulmod(addmod(mulmod(v[5], addmod(st.beta, a, R), R), R - 1, R), st.inv[0], R));
        st.logup = addmod(st.logup, mulmod(k[3], v[5], R), R);
    }
