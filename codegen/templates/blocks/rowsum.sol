
    // ── block: RowSum (src/blocks/rowsum.rs, docs/protocols/rowsum.md) ──
    /// Z_K(ζ), N·(ζ^M − 1), N·(ω_N·ζ^M − 1) into slots at, at + 1, at + 2 of the batched inversion.
    function _rowsumDenominators(uint256[] memory d, uint256 at, uint256 zk, uint256 zm, uint256 n, uint256 omegaN)
        internal
        pure
    {
        d[at] = addmod(zk, R - 1, R);
        d[at + 1] = mulmod(n, addmod(zm, R - 1, R), R);
        d[at + 2] = mulmod(n, addmod(mulmod(omegaN, zm, R), R - 1, R), R);
    }

    /// (RS1)/Z_K and (RS2)/Z_K with [Ŵ], [B̂] left committed (RowSum::identities).
    /// c = [R(ζ), R(ω_K⁻¹ζ), x(ζ^M), y(c·ζ), first inversion slot, log2 K, vk index of [Ŵ]];
    /// [B̂] is the next vk point.
    function _rowsum(State memory st, uint256[7] memory c) internal pure {
        uint256 zkInv = st.inv[c[4]];
        uint256 start = st.inv[c[4] + 1];
        uint256 iZeta = mulmod(start, addmod(st.zp[c[5]], R - 1, R), R);
        uint256 rs1 = mulmod(addmod(c[0], R - mulmod(addmod(1, R - iZeta, R), c[1], R), R), zkInv, R);
        uint256 g = _identity(st, rs1);
        st.vkCoef[c[6]] = mulmod(g, R - mulmod(c[2], zkInv, R), R);
        st.vkCoef[c[6] + 1] = mulmod(g, R - start, R);
        _identity(st, mulmod(st.inv[c[4] + 2], addmod(c[0], R - c[3], R), R));
    }

    /// (RS1)/Z_K and (RS2)/Z_K for a layer whose bias is a column of [Ŵ] (RowSum::identities with a
    /// BiasColumn): x(ζ^M) becomes x̃(ζ^M) = x(ζ^M) + (1 − pad)·ω_N^p·Z_K(ζ)/(N·(ζ^M − ω_N^p)), and
    /// there is no [B̂]. c = _rowsum's first seven, then (1 − pad)·ω_N^p; slot at + 3 holds
    /// 1/(N·(ζ^M − ω_N^p)).
    function _rowsumBiasColumn(State memory st, uint256[8] memory c) internal pure {
        uint256 zkInv = st.inv[c[4]];
        uint256 zk = addmod(st.zp[c[5]], R - 1, R);
        uint256 iZeta = mulmod(st.inv[c[4] + 1], zk, R);
        uint256 x = addmod(c[2], mulmod(mulmod(c[7], zk, R), st.inv[c[4] + 3], R), R);
        uint256 rs1 = mulmod(addmod(c[0], R - mulmod(addmod(1, R - iZeta, R), c[1], R), R), zkInv, R);
        uint256 g = _identity(st, rs1);
        st.vkCoef[c[6]] = mulmod(g, R - mulmod(x, zkInv, R), R);
        _identity(st, mulmod(st.inv[c[4] + 2], addmod(c[0], R - c[3], R), R));
    }
    {%- if batched %}

    /// A RowSum instance of several layers (RowSum::identities with λ): (RS1)/Z_K's scalar part,
    /// whose γ power the parts' [Ŵ_t] terms take. c = [R(ζ), R(ω_K⁻¹ζ), first inversion slot,
    /// log2 K]. Then one _rowsumPart per layer and _rowsumBatchEnd.
    function _rowsumBatchStart(State memory st, uint256[4] memory c) internal pure {
        uint256 zkInv = st.inv[c[2]];
        uint256 zk = addmod(st.zp[c[3]], R - 1, R);
        uint256 iZeta = mulmod(st.inv[c[2] + 1], zk, R);
        uint256 rs1 = mulmod(addmod(c[0], R - mulmod(addmod(1, R - iZeta, R), c[1], R), R), zkInv, R);
        st.rs = [_identity(st, rs1), st.lambda, 0, 0, zk, zkInv];
    }

    /// Layer t of a batched instance (weight λ_t = λ^(t+1), rs[1]): [Ŵ_t] takes −γ·λ_t·x̃_t(ζ^M)/Z_K(ζ);
    /// λ_t·y_t(c·ζ) joins (RS2).
    /// c = [x(ζ^M), y(c·ζ), vk index of [Ŵ_t], inversion slot, coefficient, kind]. Kind 1, a bias
    /// column: x̃ = x + coefficient·Z_K(ζ)·inv (coefficient (1 − pad)·ω_N^p). Kind 0, a slotted bias:
    /// [B̂]'s coefficient gains λ_t·coefficient·inv (coefficient ω_N^s, inv 1/(N·(ζ^M − ω_N^s))).
    function _rowsumPart(State memory st, uint256[6] memory c) internal pure {
        uint256[6] memory rs = st.rs;
        uint256 x = c[0];
        if (c[5] == 1) {
            x = addmod(x, mulmod(mulmod(c[4], rs[4], R), st.inv[c[3]], R), R);
        } else {
            rs[3] = addmod(rs[3], mulmod(rs[1], mulmod(c[4], st.inv[c[3]], R), R), R);
        }
        st.vkCoef[c[2]] = mulmod(rs[0], R - mulmod(mulmod(rs[1], x, R), rs[5], R), R);
        rs[2] = addmod(rs[2], mulmod(rs[1], c[1], R), R);
        rs[1] = mulmod(rs[1], st.lambda, R);
    }

    /// The end of a batched instance: [B̂] takes −γ·Σ λ_t·L_s(ζ^M)/Z_K(ζ) (vk index c[2], or none
    /// when type(uint256).max), and (RS2)/Z_K = (R(ζ) − Σ λ_t·y_t(c·ζ))/(N·(ω_N·ζ^M − 1)).
    /// c = [R(ζ), inversion slot of N·(ω_N·ζ^M − 1), vk index of [B̂]].
    function _rowsumBatchEnd(State memory st, uint256[3] memory c) internal pure {
        uint256[6] memory rs = st.rs;
        if (c[2] != type(uint256).max) st.vkCoef[c[2]] = mulmod(rs[0], R - rs[3], R);
        _identity(st, mulmod(st.inv[c[1]], addmod(c[0], R - rs[2], R), R));
    }
    {%- endif %}
