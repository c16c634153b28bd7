
    // ── block: CosetSum (src/blocks/cosetsum.rs, docs/protocols/cosetsum.md) ──
    /// The lifted coset-sum identity c·Σ_k x(ω_w^k·ζ') − y(ζ'^w) = 0, ζ' = ζ^(n/N), divided by Z_n(ζ).
    /// v = [x(ω_w^k·ζ') for k < w, zero up to 4, y(ζ'^w)], c = 2^s/w.
    function _cosetSum(State memory st, uint256[5] memory v, uint256 c) internal pure {
        uint256 sum = addmod(addmod(v[0], v[1], R), addmod(v[2], v[3], R), R);
        _identity(st, mulmod(addmod(mulmod(c, sum, R), R - v[4], R), st.inv[0], R));
    }
