
    // ── block: Copy (src/blocks/copy.rs, docs/protocols/copy.md) ──
    /// The lifted copy identities at ζ, each divided by Z_n(ζ), with the tuple κ + θ·tag + θ²·value:
    /// (CP1) h_y·(β + κ + θ·Ŝ(ζ) + θ²·y) − 1 at ζ_y = ζ^(n/M), with [Ŝ] left committed (vk point
    /// vkAt), and (CP2) h_x·(β + κ + θ·ζ_x + θ²·x) − m̂(ζ) at ζ_x = ζ^(n/N), with [m̂] left
    /// committed (vkAt + 1). Share of the LogUp sum: (M/n)·h_y − (N/n)·h_x − (z/n)/(β + κ).
    /// v = [y(ζ_y), h_y(ζ_y), x(ζ_x), h_x(ζ_x), ζ_x]; k = [κ, M/n, N/n, z/n, inversion slot of β + κ, vkAt].
    function _copy(State memory st, uint256[5] memory v, uint256[6] memory k) internal pure {
        uint256 zn = st.inv[0];
        uint256 bk = addmod(st.beta, k[0], R);
        uint256 th2 = mulmod(st.theta, st.theta, R);
        uint256 id = addmod(mulmod(v[1], addmod(bk, mulmod(th2, v[0], R), R), R), R - 1, R);
        uint256 g = _identity(st, mulmod(id, zn, R));
        st.vkCoef[k[5]] = mulmod(mulmod(g, mulmod(v[1], st.theta, R), R), zn, R);
        uint256 a = addmod(bk, addmod(mulmod(st.theta, v[4], R), mulmod(th2, v[2], R), R), R);
        g = _identity(st, mulmod(mulmod(v[3], a, R), zn, R));
        st.vkCoef[k[5] + 1] = mulmod(g, R - zn, R);
        uint256 share = addmod(mulmod(k[1], v[1], R), R - mulmod(k[2], v[3], R), R);
        if (k[3] != 0) {
            share = addmod(share, R - mulmod(k[3], st.inv[k[4]], R), R);
        }
        st.logup = addmod(st.logup, share, R);
    }
