
    // ── block: InputBinding (src/blocks/input_binding.rs, docs/protocols/input_binding.md) ──
    /// The identity x₀ − c − Z_{N₀}·δ = 0, every polynomial left committed: it adds 0 to the
    /// identities' constant and records its γ power and Z_{N₀}(ζ) so that `_fold` puts
    /// [x₀] − C − Z_{N₀}(ζ)·[δ] into the quotient claim. x0, delta: commitment indices.
    function _inputBinding(State memory st, uint256 x0, uint256 delta, uint256 logN0) internal pure {
        uint256 g = _identity(st, 0);
        st.bind = [x0, delta, g, addmod(st.zp[logN0], R - 1, R)];
    }
