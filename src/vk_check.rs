//! `check-vk`: a verifying key is not self-certifying, so everything in it that can be recomputed
//! is recomputed and compared.
//!
//! | part of the vk | how it is checked |
//! |---|---|
//! | encoding | the key re-encodes to the same bytes (canonical: no trailing data, no alias) |
//! | layout | `0 < s < B ≤ 20`, layers chain (`out_len` of one = `in_len` of the next), every matrix domain `M·N ≤ 2^24` |
//! | domain | recomputed from the layer widths and `B` ([`crate::keys::model_domain`]) |
//! | `[1]₂` | the BN254 G2 generator |
//! | `[τ]₂` | one of the pinned public ceremonies ([`crate::ceremony`]), else the key is insecure |
//! | SRS | the given `.ptau` (or pk) powers are consistent and carry the vk's `[τ]₂` |
//! | lookup table | the three column commitments recomputed from the SRS and `B` |
//! | copy layers | each copy's tag and count columns `[Ŝ]`, `[m̂]` recomputed from its map in the vk and the SRS |
//!
//! The weight-row and bias commitments commit the model's secret weights: they cannot be recomputed
//! by anyone but the model owner, and are not checked here. A deployed verifier is checked by
//! comparing its runtime bytecode with the verifier regenerated from the vk (see the CLI).

use crate::keys::{model_domain, VerifyingKey};
use crate::kzg::commit_reference;
use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use serde::Serialize;

/// One named check and its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable name (used in `--json`).
    pub name: &'static str,
    /// `Some(true)` passed, `Some(false)` failed, `None` not checked (missing input).
    pub ok: Option<bool>,
    /// What was compared, or why it failed / was skipped.
    pub detail: String,
}

/// All checks of one vk.
#[derive(Debug, Clone, Serialize)]
pub struct VkReport {
    /// In order of the table in the module docs.
    pub checks: Vec<Check>,
    /// The pinned ceremony `[τ]₂` belongs to, if any.
    pub ceremony: Option<&'static str>,
}

impl VkReport {
    /// Every check ran and passed.
    pub fn all_passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok == Some(true))
    }

    /// The checks that failed (ran and did not pass).
    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.ok == Some(false))
    }

    /// Whether the public parts were all checked and matched, ignoring only the ceremony (for
    /// keys that are insecure on purpose, e.g. on a local dev chain).
    pub fn consistent(&self) -> bool {
        self.checks.iter().all(|c| c.name == "ceremony" || c.ok == Some(true))
    }
}

fn check(name: &'static str, ok: bool, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: Some(ok),
        detail: detail.into(),
    }
}

/// Check `vk` (decoded from `bytes`). `srs` is a prefix of `[τ^i]₁` together with the `[τ]₂` it
/// belongs to (from a `.ptau`, a dev seed, or a proving key); without it the table cannot be
/// recomputed and that check is reported as not run.
pub fn check_vk(vk: &VerifyingKey, bytes: &[u8], srs: Option<(&[G1Affine], &G2Affine)>) -> VkReport {
    let canonical = vk.to_bytes() == bytes;
    let mut checks = vec![check(
        "encoding",
        canonical,
        if canonical {
            "the file re-encodes to the same bytes"
        } else {
            "the file does not re-encode to the same bytes: non-canonical, or its insecure flag is \
             cleared although [τ]₂ is no pinned ceremony"
        },
    )];

    let mut layout = vec![];
    if !(0 < vk.scale_bits && vk.scale_bits < vk.lookup_bits && vk.lookup_bits <= 20) {
        layout.push(format!(
            "need 0 < s < B ≤ 20, got s = {}, B = {}",
            vk.scale_bits, vk.lookup_bits
        ));
    }
    for (k, l) in vk.layers.iter().enumerate() {
        let shape = (l.in_len, l.out_len);
        layout.extend(crate::model::layer_shape_problem(
            k,
            vk.layers.len(),
            shape,
            (l.op, l.mixed),
            vk.scale_bits,
        ));
        if k > 0 && vk.layers[k - 1].out_len != l.in_len {
            layout.push(format!(
                "layer {k}: input length {} ≠ previous output {}",
                l.in_len,
                vk.layers[k - 1].out_len
            ));
        }
    }
    checks.push(if layout.is_empty() {
        check(
            "layout",
            true,
            format!(
                "{} layers, s = {}, B = {}, fold budget 2^{}",
                vk.layers.len(),
                vk.scale_bits,
                vk.lookup_bits,
                vk.fold_log
            ),
        )
    } else {
        check("layout", false, layout.join("; "))
    });

    let widest = vk.layers.iter().flat_map(|l| [l.in_len, l.out_len]).max().unwrap_or(1);
    let lookup_table = crate::lookup_table::LookupTable {
        lookup_bits: vk.lookup_bits.min(20),
        ..vk.lookup_table()
    };
    let domain = model_domain(widest, lookup_table.rows());
    checks.push(check(
        "domain",
        domain == vk.domain,
        format!(
            "recomputed 2^{} (widest tensor {widest}, table {} rows), vk says 2^{}",
            domain.log_size,
            lookup_table.rows(),
            vk.domain.log_size
        ),
    ));
    checks.push(check(
        "g2_generator",
        vk.g2.one == G2Affine::generator(),
        "[1]₂ is the BN254 G2 generator",
    ));

    let pinned = crate::ceremony::identify(&vk.g2.tau);
    checks.push(check(
        "ceremony",
        pinned.is_some(),
        crate::ceremony::describe(&vk.g2.tau),
    ));

    match srs {
        None => {
            checks.push(Check {
                name: "srs",
                ok: None,
                detail: "not checked: pass --srs FILE.ptau (the ceremony file), or --dev --seed N for a dev key".into(),
            });
            checks.push(Check {
                name: "table",
                ok: None,
                detail: "not checked: the lookup table commitments are recomputed from an SRS (--srs)".into(),
            });
            if vk.layers.iter().any(|l| l.op.is_copy()) {
                checks.push(Check {
                    name: "copy",
                    ok: None,
                    detail: "not checked: the copy columns are recomputed from their maps and an SRS (--srs)".into(),
                });
            }
        }
        Some((g1, tau)) => {
            let n = vk.domain.size();
            let powers_ok =
                crate::srs::check_powers(&g1[..g1.len().min(n.max(2))], &[G2Affine::generator(), *tau]).is_ok();
            let same_tau = tau == &vk.g2.tau && powers_ok;
            checks.push(check(
                "srs",
                same_tau && g1.len() >= n,
                if !powers_ok {
                    "the SRS's G1 powers are not consecutive powers of its [τ]₂".to_string()
                } else if !same_tau {
                    "the SRS's [τ]₂ differs from the vk's: this key was not made from this SRS".to_string()
                } else if g1.len() < n {
                    format!("the SRS has {} G1 powers, the table needs {n}", g1.len())
                } else {
                    format!("[τ]₂ matches; {} G1 powers", g1.len())
                },
            ));
            if same_tau && g1.len() >= n && domain == vk.domain {
                let cols = lookup_table.columns(vk.domain);
                let mut bad = vec![];
                for (k, (c, want)) in cols[1..].iter().zip(&vk.table).enumerate() {
                    match commit_reference(g1, &vk.domain.interpolate(c)) {
                        Ok(got) if &got == want => {}
                        Ok(_) => bad.push(["value", "f(value)"][k]),
                        Err(_) => bad.push("(SRS too short)"),
                    }
                }
                checks.push(if bad.is_empty() {
                    check("table", true, format!("{} rows ({} over [-2^{}, 2^{})) recomputed", lookup_table.rows(), lookup_table.kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join(", "), vk.lookup_bits - 1, vk.lookup_bits - 1))
                } else {
                    check("table", false, format!("the committed table differs from the real one in column(s) {}: a tampered table lets the prover prove outputs the model cannot produce", bad.join(", ")))
                });
            } else {
                checks.push(check(
                    "table",
                    false,
                    "not recomputed: the SRS or the domain does not match",
                ));
            }
            if let Some(c) = copy_check(vk, g1, same_tau && g1.len() >= n && domain == vk.domain) {
                checks.push(c);
            }
        }
    }
    VkReport {
        checks,
        ceremony: pinned.map(|c| c.id),
    }
}

/// The copy layers' tag and count columns `[Ŝ]`, `[m̂]` recomputed from their maps in the vk and
/// the SRS (`None` when the vk has no copy layer): a wrong column would let the prover move other
/// values than the map says.
fn copy_check(vk: &VerifyingKey, g1: &[G1Affine], usable: bool) -> Option<Check> {
    let copies: Vec<usize> = (0..vk.layers.len()).filter(|k| vk.layers[*k].op.is_copy()).collect();
    if copies.is_empty() {
        return None;
    }
    if !usable {
        return Some(check(
            "copy",
            false,
            "not recomputed: the SRS or the domain does not match",
        ));
    }
    let bad: Vec<String> = copies
        .iter()
        .filter(|k| {
            let l = &vk.layers[**k];
            let polys =
                crate::keys::copy_polys_of(&l.map, (l.in_len, l.out_len), **k == 0 && vk.input.hidden(), vk.domain);
            let got: Vec<_> = polys.iter().map(|p| commit_reference(g1, p).ok()).collect();
            got != [Some(l.weights), Some(l.bias)]
        })
        .map(|k| k.to_string())
        .collect();
    Some(if bad.is_empty() {
        check("copy", true, format!("{} copy map(s) recomputed", copies.len()))
    } else {
        check(
            "copy",
            false,
            format!(
                "layer(s) {}: the committed copy columns differ from the map: a tampered column lets the prover move other values",
                bad.join(", ")
            ),
        )
    })
}
