//! `zkt-eth commit-input`: the data owner's side of a committed input
//! (`docs/protocols/input_binding.md`).
//!
//! It quantizes the input at the vk's scale, commits to it with a fresh secret blinding, writes the
//! opening (SECRET: the input and its blinding, which the prover needs) and prints the public
//! commitment (what the owner publishes or signs, and what `verify` takes as its two input words).
//! It needs the vk and the SRS the vk was made from: `--srs F.ptau`, or the `pk.bin` beside the vk
//! (the model's owner), or `--dev --seed`. It never reads the weights.

use super::say;
use crate::artifacts::{self, BuildDir};
use crate::commitment::{self, InputOpening};
use crate::keys::Visibility;
use crate::srs::Srs;
use anyhow::{bail, Context};
use clap::Args;
use rand::SeedableRng;
use serde_json::json;
use std::path::PathBuf;

/// `zkt-eth commit-input`.
#[derive(Args, Debug)]
pub struct CommitInputArgs {
    /// Build directory with vk.bin (set up with `--visibility committed`).
    #[arg(default_value = "build")]
    pub build: PathBuf,
    /// Input JSON (`{"input_data": [[...]]}`); the first row is committed.
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the opening. SECRET: it holds the input and the blinding; give it only to
    /// the prover (`zkt-eth prove --opening`).
    #[arg(short, long, default_value = "input.opening.json")]
    pub out: PathBuf,
    /// The .ptau file the vk was set up from. Default: the SRS in the build directory's pk.bin.
    #[arg(long, conflicts_with = "dev")]
    pub srs: Option<PathBuf>,
    /// The vk was set up with `--dev`: derive the same public-seed SRS (INSECURE).
    #[arg(long)]
    pub dev: bool,
    /// Seed of the --dev SRS (as given to `setup --dev --seed`).
    #[arg(long, default_value_t = 0, requires = "dev")]
    pub seed: u64,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Commit to an input.
pub fn run(a: &CommitInputArgs) -> anyhow::Result<()> {
    let dir = BuildDir(a.build.clone());
    let vk = artifacts::load_vk(&dir.vk())?;
    if vk.input != Visibility::Committed {
        bail!(
            "{}: the input is {}, not committed: run `zkt-eth setup {} --visibility committed` first",
            dir.vk().display(),
            vk.input.name(),
            a.build.display()
        );
    }
    let rows = crate::onnx::read_inputs(&a.input)?;
    let row = rows
        .first()
        .with_context(|| format!("{}: no input rows", a.input.display()))?;
    if row.len() != vk.input_len() {
        bail!(
            "{}: the first row has {} values, the model takes {}",
            a.input.display(),
            row.len(),
            vk.input_len()
        );
    }
    let scale = f64::from(vk.scale_bits).exp2();
    let input: Vec<i64> = row.iter().map(|v| (f64::from(*v) * scale).round() as i64).collect();
    let needed = commitment::srs_len(&vk);
    let g1 = match (&a.srs, a.dev) {
        (Some(path), _) => {
            Srs::from_ptau(path, needed)
                .with_context(|| format!("--srs {}", path.display()))?
                .g1
        }
        (None, true) => Srs::dev(a.seed, needed).g1,
        (None, false) => {
            if !dir.pk().exists() {
                bail!(
                    "no SRS: give the .ptau the vk was set up from (--srs F.ptau), or --dev --seed N for a dev setup ({} not found)",
                    dir.pk().display()
                );
            }
            artifacts::load_pk(&dir)?.g1
        }
    };
    // The SRS must be the vk's: its [τ]₂ is pinned in the vk, its [1]₁ is the generator.
    if g1.len() < needed {
        bail!("the SRS has {} G1 powers, a commitment needs {needed}", g1.len());
    }
    let mut rng = rand_chacha::ChaCha20Rng::from_entropy();
    let opening = commitment::commit_input(&vk, &g1, &input, &mut rng)?;
    check_srs_matches(&vk, &g1)?;
    let text = serde_json::to_string_pretty(&opening.to_json(&vk))?;
    artifacts::write_atomic(&a.out, text.as_bytes())?;
    let c = opening.commitment_hex();
    if a.json {
        return super::print_json(
            &json!({"commitment": c, "opening": a.out, "vk_digest": format!("0x{}", hex::encode(vk.digest()))}),
        );
    }
    say!("commitment: {c}");
    say!(
        "wrote {} (SECRET: the input and its blinding; give it only to the prover: `zkt-eth prove {} --input {} --opening {}`)",
        a.out.display(),
        a.build.display(),
        a.input.display(),
        a.out.display()
    );
    Ok(())
}

/// `e([τ]₁, [1]₂) = e([1]₁, [τ]₂)` with the vk's `[τ]₂`: the SRS is the vk's.
fn check_srs_matches(vk: &crate::keys::VerifyingKey, g1: &[ark_bn254::G1Affine]) -> anyhow::Result<()> {
    use ark_ec::pairing::Pairing;
    use ark_ec::AffineRepr;
    let ok = g1.len() > 1
        && g1[0] == ark_bn254::G1Affine::generator()
        && ark_bn254::Bn254::pairing(g1[1], vk.g2.one) == ark_bn254::Bn254::pairing(g1[0], vk.g2.tau);
    if !ok {
        bail!("this SRS is not the one the vk was set up from (its τ differs): give the vk's .ptau with --srs");
    }
    Ok(())
}

/// Read an opening for `vk` (`prove --opening`).
pub fn load_opening(path: &std::path::Path, vk: &crate::keys::VerifyingKey) -> anyhow::Result<InputOpening> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    InputOpening::from_json(&text, vk).with_context(|| format!("{}", path.display()))
}
