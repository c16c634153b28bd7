//! The Rust verifier: decode, replay the transcript, run each block's algebra, accumulate with
//! Shplonk, and one pairing-product check. It reads only the vk, the public values and the proof bytes; the Solidity
//! verifier (`codegen/`) is a line-by-line translation of [`verify`].

use crate::field::fr_to_i64;
use crate::keys::{VerifyingKey, Visibility};
use crate::proof::{DecodeError, Proof};
use crate::protocol::{build_claims, resolve, AlgebraError, Challenges, Layout, Public};
use crate::transcript::{Tag, Transcript, Words};
use ark_bn254::Fr;
use ark_ec::AffineRepr;
use ark_ff::{One, Zero};

/// Every public output is an `OUTPUT_BITS`-bit signed integer, `[−2^63, 2^63)` (`check_public`;
/// Solidity `OUTPUT_BITS`, `_toField` with `OUTPUT_WINDOW = 2^(OUTPUT_BITS−1)`).
pub const OUTPUT_BITS: u32 = 64;

/// Why a proof was rejected. `Malformed` variants are encoding problems; the rest are false proofs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The proof bytes are malformed.
    #[error("malformed proof: {0}")]
    Malformed(#[from] DecodeError),
    /// Public inputs or outputs have the wrong count.
    #[error("expected {expected} public {what}, got {got}")]
    PublicLength {
        /// "inputs" or "outputs".
        what: &'static str,
        /// Expected count.
        expected: usize,
        /// Actual count.
        got: usize,
    },
    /// A public input is outside the lookup window.
    #[error("public input {index} is outside the model's input window")]
    InputOutOfWindow {
        /// Index of the input.
        index: usize,
    },
    /// A public output is outside the lookup window (no honest proof has one).
    #[error("public output {index} is outside the model's output window")]
    OutputOutOfWindow {
        /// Index of the output.
        index: usize,
    },
    /// The input commitment is missing, unexpected or malformed.
    #[error("input commitment: {0}")]
    Commitment(&'static str),
    /// A field check of the algebra failed.
    #[error("algebra check failed: {0}")]
    Algebra(#[from] AlgebraError),
    /// The proof's inversion hint is not the inverse of the verifier's denominators' product.
    #[error("the proof's inversion hint (its last word) is not the inverse of the verifier's denominators (tampered proof, or a proof for other public values)")]
    InverseMismatch,
    /// The final pairing check failed: some opening or block identity is false.
    #[error("pairing check failed: an opening or a block identity does not hold (tampered proof, wrong public values, or another model's proof)")]
    PairingFailed,
}

/// Replay the transcript: absorb everything in protocol order and draw the challenges.
pub fn replay(vk: &VerifyingKey, layout: &Layout, public: &Public, proof: &Proof) -> Challenges {
    let mut t = Transcript::new();
    let mut w = Words::default();
    w.0.push(vk.digest());
    t.absorb(Tag::VkDigest, &w.0);
    absorb_public(&mut t, public);
    let points = |ps: &[ark_bn254::G1Affine]| {
        let mut w = Words::default();
        ps.iter().for_each(|p| {
            w.point(p);
        });
        w
    };
    t.absorb(Tag::Witness, &points(&proof.commits[..layout.r1_end]).0);
    let (theta, beta, lambda) = (t.squeeze(), t.squeeze(), t.squeeze());
    t.absorb(Tag::Inverses, &points(&proof.commits[layout.r1_end..layout.r2_end]).0);
    let gamma = t.squeeze();
    t.absorb(Tag::Quotient, &points(&proof.commits[layout.r2_end..]).0);
    let zeta = t.squeeze();
    let mut w = Words::default();
    proof.evals.iter().for_each(|s| {
        w.scalar(s);
    });
    t.absorb(Tag::Evaluations, &w.0);
    let nu = t.squeeze();
    t.absorb(Tag::Openings, &points(&proof.openings[..1]).0);
    let xi = t.squeeze();
    Challenges {
        theta,
        beta,
        lambda,
        gamma,
        zeta,
        nu,
        xi,
    }
}

/// Absorb `[n_in, inputs…, n_out, outputs…]`, then the input commitment's `x, y` for a committed
/// input.
pub fn absorb_public(t: &mut Transcript, public: &Public) {
    let mut w = Words::default();
    w.int(public.inputs.len() as u64);
    public.inputs.iter().for_each(|x| {
        w.scalar(x);
    });
    w.int(public.outputs.len() as u64);
    public.outputs.iter().for_each(|x| {
        w.scalar(x);
    });
    if let Some(c) = &public.commitment {
        w.point(c);
    }
    t.absorb(Tag::PublicValues, &w.0);
}

/// Check the public values' shape against the vk.
pub fn check_public(vk: &VerifyingKey, public: &Public) -> Result<(), VerifyError> {
    let expected_in = if vk.input == Visibility::Public {
        vk.input_len()
    } else {
        0
    };
    if public.inputs.len() != expected_in {
        return Err(VerifyError::PublicLength {
            what: "inputs",
            expected: expected_in,
            got: public.inputs.len(),
        });
    }
    if public.commitment.is_some() != (vk.input == Visibility::Committed) {
        return Err(VerifyError::Commitment(if public.commitment.is_some() {
            "this verifying key's input is not committed; drop the input commitment"
        } else {
            "this verifying key's input is committed: give its commitment (`zkt-eth commit-input`)"
        }));
    }
    if public.commitment.is_some_and(|c| c.is_zero()) {
        return Err(VerifyError::Commitment(
            "the input commitment is the point at infinity, which no input opening produces",
        ));
    }
    // G1 of BN254 has cofactor 1: on the curve means in the group.
    if public.commitment.is_some_and(|c| !c.is_on_curve()) {
        return Err(VerifyError::Commitment("the input commitment is not a point of G1"));
    }
    if public.outputs.len() != vk.output_len() {
        return Err(VerifyError::PublicLength {
            what: "outputs",
            expected: vk.output_len(),
            got: public.outputs.len(),
        });
    }
    let half = 1i64 << (vk.lookup_bits - 1);
    let in_window = |x: &Fr| fr_to_i64(*x).is_some_and(|v| (-half..half).contains(&v));
    if let Some(index) = public.inputs.iter().position(|x| !in_window(x)) {
        return Err(VerifyError::InputOutOfWindow { index });
    }
    // Every output is a 64-bit integer ([`OUTPUT_BITS`]), [−2^63, 2^63): this keeps the int256 → Fr map injective on
    // chain (v and v + r would otherwise be the same field element), holds every table value
    // `f(q)` (a SELU or softplus output may leave the lookup window), and is a wide output's range
    // check, on which the uniqueness of its rescale rests (`model::wide_output`,
    // docs/protocols/lookup.md#wide-outputs-the-logits-leave-the-window).
    if let Some(index) = public.outputs.iter().position(|x| fr_to_i64(*x).is_none()) {
        return Err(VerifyError::OutputOutOfWindow { index });
    }
    Ok(())
}

/// Verify `proof_bytes` for `vk` and the public values.
pub fn verify(vk: &VerifyingKey, public: &Public, proof_bytes: &[u8]) -> Result<(), VerifyError> {
    let layout = Layout::new(vk);
    let proof = Proof::from_bytes(proof_bytes, &layout)?;
    check_public(vk, public)?;
    let ch = replay(vk, &layout, public, &proof);
    let claims = build_claims(vk, &layout, public, &proof.evals, &ch)?;
    // The batched inversion's hint: one product instead of an inversion (Solidity `_batchInverse`).
    let cx = crate::protocol::ClaimCx::new(vk, &layout, public, &proof.evals, &ch)?;
    let product: Fr = crate::protocol::inversion_set(&cx).into_iter().product();
    if product.is_zero() {
        return Err(AlgebraError::DegenerateChallenge.into());
    }
    if product * proof.inverse != Fr::one() {
        return Err(VerifyError::InverseMismatch);
    }
    let divs = layout.divisor_values(&layout.point_values(ch.zeta));
    let ok = crate::shplonk::verify(
        &claims,
        &divs,
        ch.nu,
        ch.xi,
        (proof.openings[0], proof.openings[1]),
        |b| resolve(vk, &proof.commits, public, b),
        &vk.g2,
    );
    if !ok {
        return Err(VerifyError::PairingFailed);
    }
    Ok(())
}

/// Public values from quantized integers.
pub fn public_from_ints(inputs: &[i64], outputs: &[i64]) -> Public {
    let f = |v: &[i64]| v.iter().map(|x| crate::field::fr_from_i64(*x)).collect::<Vec<Fr>>();
    Public {
        inputs: f(inputs),
        outputs: f(outputs),
        commitment: None,
    }
}
