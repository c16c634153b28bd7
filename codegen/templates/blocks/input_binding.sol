
    // ── block: InputBinding (src/blocks/input_binding.rs, docs/protocols/input_binding.md) ──
    /// The identity (x₀ − c)/Z_{N₀} with [x₀] and C left committed: it adds 0 to the identities'
    /// constant and records [x₀]'s commitment index and γᵉ/Z_{N₀}(ζ) (inversion slot invAt), so that
    /// `_fold` puts γᵉ·([x₀] − C)/Z_{N₀}(ζ) into the quotient claim.
    function _inputBinding(State memory st, uint256 x0, uint256 invAt) internal pure {
        uint256 g = _identity(st, 0);
        st.bind = [x0, mulmod(g, st.inv[invAt], R)];
    }
