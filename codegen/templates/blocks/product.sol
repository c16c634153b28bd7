
    // ── block: Product (src/blocks/product.rs, docs/protocols/product.md) ──
    /// The lifted Hadamard identity x(ζ')·x(−ζ') − y(ζ'²) = 0, ζ' = ζ^(n/N), divided by Z_n(ζ).
    /// c = [x(ζ'), x(−ζ'), y(ζ'²)].
    function _product(State memory st, uint256[3] memory c) internal pure {
        _identity(st, mulmod(addmod(mulmod(c[0], c[1], R), R - c[2], R), st.inv[0], R));
    }
