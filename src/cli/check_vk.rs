//! `zkt-eth check-vk`: recompute every public part of a verifying key and compare (see
//! [`crate::vk_check`]); optionally check that a deployed contract is the verifier of this vk.

use super::{print_json, say};
use crate::artifacts::{self, BuildDir};
use crate::chain;
use crate::srs::Srs;
use crate::vk_check::{check_vk, Check, VkReport};
use alloy::primitives::Address;
use anyhow::{bail, Context};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// `zkt-eth check-vk`.
#[derive(Args, Debug)]
pub struct CheckVkArgs {
    /// The verifying key (vk.bin).
    pub vk: PathBuf,
    /// The ceremony `.ptau` the key claims to come from: its powers recompute the lookup table.
    /// Default: the proving key's powers, if pk.bin sits beside the vk (the author's own check).
    #[arg(long, conflicts_with = "dev")]
    pub srs: Option<PathBuf>,
    /// Check a key made with `setup --dev` (recomputes the INSECURE dev SRS from its seed).
    #[arg(long)]
    pub dev: bool,
    /// Seed for --dev.
    #[arg(long, default_value_t = 1, requires = "dev")]
    pub seed: u64,
    /// Also check the contract at this address: its runtime bytecode must equal the verifier
    /// regenerated from this vk, and its `vkDigest()` the vk's digest.
    #[arg(long, requires = "rpc_url")]
    pub address: Option<Address>,
    /// JSON-RPC URL for --address.
    #[arg(long)]
    pub rpc_url: Option<String>,
    /// Accept a key whose `[τ]₂` is no pinned ceremony (a --dev or self-made SRS) when every
    /// other check passes: for local testing only.
    #[arg(long)]
    pub allow_insecure: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

fn mark(c: &Check) -> &'static str {
    match c.ok {
        Some(true) => "ok  ",
        Some(false) => "FAIL",
        None => "skip",
    }
}

/// Check a deployed contract against the verifier regenerated from `vk`.
async fn onchain_checks(vk: &crate::keys::VerifyingKey, url: &str, address: Address) -> anyhow::Result<Vec<Check>> {
    let code = chain::code_at(url, address).await?;
    let mut out = vec![Check {
        name: "code",
        ok: Some(!code.is_empty()),
        detail: if code.is_empty() {
            format!("no contract code at {address} on {url}")
        } else {
            format!("{} bytes of runtime code at {address}", code.len())
        },
    }];
    if code.is_empty() {
        return Ok(out);
    }
    let (_, compiled) = super::onchain::build_verifier(vk, "ModelVerifier", "model")?;
    let same = compiled.deployed_bytecode.as_slice() == code.as_ref();
    out.push(Check {
        name: "bytecode",
        ok: Some(same),
        detail: if same {
            "equals the verifier regenerated from this vk (zkt-eth's compiler settings)".into()
        } else {
            format!(
                "differs from the verifier regenerated from this vk ({} vs {} bytes): not this vk's verifier, \
                 or compiled with other settings than zkt-eth's (regenerate and deploy it with zkt-eth)",
                code.len(),
                compiled.deployed_bytecode.len()
            )
        },
    });
    let selector = &alloy::primitives::keccak256("vkDigest()")[..4];
    let res = chain::call(url, address, selector).await?;
    let want = vk.digest();
    let got = (res.success && res.return_data.len() == 32).then(|| res.return_data.to_vec());
    out.push(Check {
        name: "vk_digest",
        ok: Some(got.as_deref() == Some(&want[..])),
        detail: match &got {
            Some(g) => format!("vkDigest() = 0x{}, vk = 0x{}", hex::encode(g), hex::encode(want)),
            None => "vkDigest() did not return a bytes32: not a zkt-eth verifier".into(),
        },
    });
    Ok(out)
}

/// Run the checks and return the report (shared with create-verifier and deploy-verifier).
pub fn local_report(
    vk_path: &std::path::Path,
    srs: Option<&Srs>,
) -> anyhow::Result<(crate::keys::VerifyingKey, VkReport, String)> {
    let bytes = std::fs::read(vk_path).with_context(|| format!("cannot read {}", vk_path.display()))?;
    let vk = artifacts::load_vk(vk_path)?;
    if let Some(s) = srs {
        let report = check_vk(&vk, &bytes, Some((&s.g1, &s.g2[1])));
        return Ok((vk, report, "the given SRS".into()));
    }
    // The author's own check: the powers in pk.bin beside the vk.
    let dir = BuildDir(vk_path.parent().map(|p| p.to_path_buf()).unwrap_or_default());
    if dir.pk().exists() && dir.model().exists() {
        if let Ok(pk) = artifacts::load_pk(&dir) {
            if pk.vk == vk {
                let r = check_vk(&vk, &bytes, Some((&pk.g1, &vk.g2.tau)));
                return Ok((vk, r, format!("the powers in {}", dir.pk().display())));
            }
        }
    }
    let r = check_vk(&vk, &bytes, None);
    Ok((vk, r, "none".into()))
}

/// `zkt-eth check-vk`.
pub async fn check_vk_cmd(a: &CheckVkArgs) -> anyhow::Result<()> {
    let vk0 = artifacts::load_vk(&a.vk)?;
    let srs = if let Some(p) = &a.srs {
        Some(Srs::from_ptau(p, vk0.domain.size().max(2))?)
    } else if a.dev {
        Some(Srs::dev(a.seed, vk0.domain.size().max(2)))
    } else {
        None
    };
    let (vk, mut report, srs_from) = local_report(&a.vk, srs.as_ref())?;
    if let (Some(addr), Some(url)) = (a.address, &a.rpc_url) {
        report.checks.extend(onchain_checks(&vk, url, addr).await?);
    }
    let ok = if a.allow_insecure {
        report.consistent()
    } else {
        report.all_passed()
    };
    if a.json {
        print_json(&json!({
            "vk": a.vk, "ok": ok, "vk_digest": format!("0x{}", hex::encode(vk.digest())),
            "ceremony": report.ceremony, "insecure": vk.insecure, "srs": srs_from, "checks": report.checks,
        }))?;
    } else {
        say!("check-vk {} (SRS: {srs_from})", a.vk.display());
        for c in &report.checks {
            say!("  {} {:<13} {}", mark(c), c.name, c.detail);
        }
    }
    if !ok {
        let failed: Vec<_> = report.failed().map(|c| c.name).collect();
        let skipped: Vec<_> = report
            .checks
            .iter()
            .filter(|c| c.ok.is_none())
            .map(|c| c.name)
            .collect();
        let mut why = vec![];
        if !failed.is_empty() {
            why.push(format!("failed: {}", failed.join(", ")));
        }
        if !skipped.is_empty() {
            why.push(format!("not checked: {} (pass --srs FILE.ptau)", skipped.join(", ")));
        }
        bail!("the verifying key is not trustworthy ({})", why.join("; "));
    }
    if !a.json {
        say!(
            "vk ok{}",
            if vk.insecure {
                " (INSECURE SRS accepted by --allow-insecure)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// The check that `create-verifier` and `deploy-verifier` run before generating or deploying: every
/// recomputable part must match (the ceremony is judged by the commands' insecure policy instead).
/// Parts that need an SRS are checked with `pk.bin` when it sits beside the vk.
pub fn gate(vk_path: &std::path::Path) -> anyhow::Result<VkReport> {
    let (_, report, srs_from) = local_report(vk_path, None)?;
    if !report.consistent() {
        let bad: Vec<String> = report
            .failed()
            .filter(|c| c.name != "ceremony")
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect();
        if !bad.is_empty() {
            bail!(
                "{} failed check-vk ({}): refusing to build a verifier for it",
                vk_path.display(),
                bad.join("; ")
            );
        }
    }
    if report.checks.iter().any(|c| c.ok.is_none()) {
        eprintln!(
            "note: check-vk could not recompute the lookup table (no pk.bin of this vk beside {}); run `zkt-eth check-vk {} --srs FILE.ptau`",
            vk_path.display(),
            vk_path.display()
        );
    } else {
        eprintln!("check-vk: every public part of the vk recomputed and matched (SRS: {srs_from})");
    }
    Ok(report)
}
