//! Pinned Powers-of-Tau ceremonies: the `[τ]₂` (and `[τ]₁`) of public ceremonies whose `τ` nobody
//! is believed to know, so that a verifying key can be *checked* to come from one of them instead
//! of declaring it.
//!
//! Every `.ptau` file truncated from one ceremony (snarkjs `powersOfTau28_hez_final_08.ptau` …
//! `_28.ptau`) holds the same `[τ]₁` and `[τ]₂`: they are prefixes of one list of powers. So one
//! point identifies the ceremony, whatever the power of the file.
//!
//! ## Where the pinned values come from
//!
//! **Hermez / Polygon "hez" ceremony** (Perpetual Powers of Tau, 54 contributions and a beacon,
//! ceremony power 28), cross-checked from independent public sources:
//! 1. the files themselves: `powersOfTau28_hez_final_09.ptau` and `_11.ptau`, whose blake2b-512
//!    equal the table published in the snarkjs README (`94f108a8…57cb5`, `47c28211…94d33`), header
//!    `ceremonyPower = 28` and 55 contribution records; `tauG2[1]` and `tauG1[1]` decoded from both;
//! 2. Polygon zkEVM's deployed `FflonkVerifier.sol` (0xPolygonHermez/zkevm-contracts), generated
//!    by snarkjs from a zkey set up on `powersOfTau28_hez_final.ptau`: constants `X2x1, X2x2,
//!    X2y1, X2y2` (= x.c0, x.c1, y.c0, y.c1);
//! 3. zkVerify's Polygon-CDK fflonk verifying key (`X_2`) and other snarkjs PLONK verifiers built
//!    from hez files.
//!
//! All agree. The points were also checked locally: on the curve, `[τ]₂` in the prime-order
//! subgroup, and `e([τ]₁, [1]₂) = e([1]₁, [τ]₂)`; the unit tests below repeat those checks.
//!
//! The PSE continuation (`ppot_0080_*.ptau`, 80 contributions) has a different `τ`; only one
//! public source for its `[τ]₂` was found, so it is not pinned yet.

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use std::str::FromStr;

/// A public ceremony whose `[τ]₂` is pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ceremony {
    /// Short identifier (stable: printed in `--json` output).
    pub id: &'static str,
    /// Human-readable description.
    pub name: &'static str,
    /// File names of the public truncations.
    pub files: &'static str,
    /// The ceremony's own power: files hold at most `2^power` G2 and `2^(power+1) − 1` G1 powers.
    pub power: u32,
    /// `[τ]₂` as decimal strings, arkworks order: x.c0, x.c1, y.c0, y.c1.
    tau_g2: [&'static str; 4],
    /// `[τ]₁` as decimal strings: x, y.
    tau_g1: [&'static str; 2],
}

/// The pinned ceremonies.
pub const PINNED: &[Ceremony] = &[Ceremony {
    id: "ppot-hez",
    name: "Perpetual Powers of Tau (Hermez/Polygon, 54 contributions + beacon)",
    files: "powersOfTau28_hez_final_{08..28}.ptau",
    power: 28,
    tau_g2: [
        "21831381940315734285607113342023901060522397560371972897001948545212302161822",
        "17231025384763736816414546592865244497437017442647097510447326538965263639101",
        "2388026358213174446665280700919698872609886601280537296205114254867301080648",
        "11507326595632554467052522095592665270651932854513688777769618397986436103170",
    ],
    tau_g1: [
        "20728631459180945195599883126918614737332401693345742211369865915898638258639",
        "16919411746124220790029666305490600509628907081923656367900435673631503372016",
    ],
}];

fn fq(s: &str) -> Option<Fq> {
    Fq::from_str(s).ok()
}

impl Ceremony {
    /// The pinned `[τ]₂` (`None` only if a constant above were malformed, which the tests exclude).
    pub fn tau_g2(&self) -> Option<G2Affine> {
        let [a, b, c, d] = self.tau_g2.map(fq);
        let p = G2Affine::new_unchecked(Fq2::new(a?, b?), Fq2::new(c?, d?));
        (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
    }

    /// The pinned `[τ]₁`.
    pub fn tau_g1(&self) -> Option<G1Affine> {
        let [x, y] = self.tau_g1.map(fq);
        let p = G1Affine::new_unchecked(x?, y?);
        p.is_on_curve().then_some(p)
    }
}

/// The pinned ceremony whose `[τ]₂` this is, if any.
pub fn identify(tau_g2: &G2Affine) -> Option<&'static Ceremony> {
    PINNED.iter().find(|c| c.tau_g2().as_ref() == Some(tau_g2))
}

/// One line naming the origin of `[τ]₂`, for setup and check-vk output.
pub fn describe(tau_g2: &G2Affine) -> String {
    match identify(tau_g2) {
        Some(c) => format!("pinned ceremony `{}`: {}", c.id, c.name),
        None => "NOT a pinned ceremony: τ may be known to whoever made this SRS".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Bn254;
    use ark_ec::pairing::Pairing;
    use ark_ec::AffineRepr;

    #[test]
    fn pinned_points_are_valid_and_share_tau() {
        for c in PINNED {
            let (t2, t1) = (c.tau_g2().expect("valid [τ]₂"), c.tau_g1().expect("valid [τ]₁"));
            assert!(!t2.is_zero() && t2 != G2Affine::generator());
            // e([τ]₁, [1]₂) = e([1]₁, [τ]₂)
            assert_eq!(
                Bn254::pairing(t1, G2Affine::generator()),
                Bn254::pairing(G1Affine::generator(), t2)
            );
            assert_eq!(identify(&t2), Some(c));
        }
    }

    #[test]
    fn dev_and_generator_points_are_not_pinned() {
        let dev = crate::srs::Srs::dev(1, 2);
        assert!(identify(&dev.g2[1]).is_none());
        assert!(identify(&G2Affine::generator()).is_none());
        assert!(describe(&dev.g2[1]).contains("NOT"));
    }
}
