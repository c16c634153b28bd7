//! `zkt-eth create-verifier`: render the Solidity verifier for a vk, measure its runtime bytecode
//! under the consumer's compiler settings, and warn near or over EIP-170.
//!
//! Two output modes:
//! - `--out-dir DIR` writes `<Name>.sol` and everything it imports (`IZkTorchVerifier.sol`,
//!   `ZktTranscript.sol`) into `DIR`, so it compiles on its own, e.g. in `src/zkt/` of a fresh
//!   `forge init` project (imports `./…` unless `--import-prefix` says otherwise);
//! - `-o FILE` (the historical default, `contracts/generated/ModelVerifier.sol`) writes only the
//!   verifier, importing its dependencies from `../` as in this repository's `contracts/` tree.
//!
//! The size check compiles under, in order of precedence: the `--optimizer-runs` /
//! `--no-optimizer` / `--via-ir` / `--evm-version` flags, the nearest `foundry.toml` at or above the
//! output location (what `forge build` will use there, Foundry's defaults included: optimizer
//! OFF), else zkt-eth's own settings ([`CompilerSettings::FOUNDRY`]).

use super::onchain::{EIP170, INTERFACE_SOL, TRANSCRIPT_SOL};
use super::{print_json, say, Phase, INSECURE};
use crate::artifacts;
use crate::keys::VerifyingKey;
use crate::toolchain::{self, CompiledContract, CompilerSettings};
use anyhow::{bail, Context};
use clap::Args;
use foundry_compilers::artifacts::EvmVersion;
use serde_json::json;
use std::path::{Path, PathBuf};

/// `zkt-eth create-verifier`.
#[derive(Args, Debug)]
pub struct CreateVerifierArgs {
    /// The verifying key (vk.bin).
    pub vk: PathBuf,
    /// Output Solidity file: the verifier only, importing IZkTorchVerifier.sol and ZktTranscript.sol
    /// from `--import-prefix` (default `../`, this repository's contracts/ layout).
    #[arg(short, long, default_value = "contracts/generated/ModelVerifier.sol")]
    pub out: PathBuf,
    /// Write the verifier AND everything it imports (IZkTorchVerifier.sol, ZktTranscript.sol) into
    /// this directory, so it compiles on its own (e.g. `src/zkt` of a Foundry project).
    #[arg(long, conflicts_with = "out")]
    pub out_dir: Option<PathBuf>,
    /// Directory prefix of the verifier's imports (default `./` with --out-dir, `../` with -o),
    /// e.g. `zkt/` for a remapping.
    #[arg(long)]
    pub import_prefix: Option<String>,
    /// Contract name.
    #[arg(long, default_value = "ModelVerifier")]
    pub name: String,
    /// Skip compiling (no bytecode size report; needs no solc).
    #[arg(long)]
    pub no_compile: bool,
    /// Measure with the optimizer on and this many runs (overrides foundry.toml).
    #[arg(long, conflicts_with = "no_optimizer")]
    pub optimizer_runs: Option<usize>,
    /// Measure with the optimizer off (overrides foundry.toml).
    #[arg(long)]
    pub no_optimizer: bool,
    /// Measure with the via-IR pipeline (overrides foundry.toml).
    #[arg(long)]
    pub via_ir: bool,
    /// Measure for this EVM version, e.g. cancun (overrides foundry.toml).
    #[arg(long, value_parser = parse_evm_version)]
    pub evm_version: Option<EvmVersion>,
    /// Ignore foundry.toml: start from zkt-eth's settings (optimizer on, 200 runs, osaka).
    #[arg(long)]
    pub no_foundry_toml: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

fn parse_evm_version(s: &str) -> Result<EvmVersion, String> {
    s.parse()
        .map_err(|_| format!("unknown EVM version `{s}` (e.g. shanghai, cancun, prague, osaka)"))
}

/// How close the runtime bytecode is to the EIP-170 limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeStatus {
    /// Below 90% of the limit.
    Ok,
    /// Within 10% of the limit.
    Near,
    /// Over the limit: not deployable on Ethereum mainnet.
    Over,
}

impl SizeStatus {
    /// Classify a runtime size.
    pub fn of(runtime_bytes: usize) -> Self {
        if runtime_bytes > EIP170 {
            Self::Over
        } else if runtime_bytes * 10 > EIP170 * 9 {
            Self::Near
        } else {
            Self::Ok
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Near => "near",
            Self::Over => "over",
        }
    }
}

/// The warning for a runtime size near or over EIP-170 under `settings` (read from `from`), with
/// the fix; `None` when the size is comfortably below.
pub fn size_warning(runtime_bytes: usize, settings: &CompilerSettings, from: &str) -> Option<String> {
    let what = match SizeStatus::of(runtime_bytes) {
        SizeStatus::Ok => return None,
        SizeStatus::Near => format!("within 10% of the EIP-170 limit of {EIP170} bytes"),
        SizeStatus::Over => {
            format!("OVER the EIP-170 limit of {EIP170} bytes: it cannot be deployed on Ethereum mainnet")
        }
    };
    let fix = if settings.optimizer {
        "lower `optimizer_runs` in foundry.toml (e.g. 1 favours size over call cost) or try `via_ir = true`; \
         a model this large may need fewer or smaller layers"
            .to_string()
    } else {
        "the optimizer is OFF (Foundry's default when foundry.toml does not set it). Enable it: add \
         `optimizer = true` and `optimizer_runs = 200` under [profile.default] in foundry.toml (the settings \
         zkt-eth's figures assume), then re-run create-verifier"
            .to_string()
    };
    Some(format!(
        "the verifier's runtime bytecode is {runtime_bytes} bytes, {what} (compiled with {}; settings from {from}). Fix: {fix}",
        settings.describe()
    ))
}

/// The compiler settings to measure under, and where they came from.
fn resolve_settings(a: &CreateVerifierArgs, out_dir: &Path) -> anyhow::Result<(CompilerSettings, String)> {
    let (mut s, mut from) = match (a.no_foundry_toml, toolchain::find_foundry_toml(out_dir)) {
        (false, Some(path)) => (
            CompilerSettings::from_foundry_toml_file(&path)?,
            path.display().to_string(),
        ),
        _ => (CompilerSettings::FOUNDRY, "zkt-eth's defaults".to_string()),
    };
    let mut flags = false;
    if let Some(runs) = a.optimizer_runs {
        (s.optimizer, s.optimizer_runs, flags) = (true, runs, true);
    }
    if a.no_optimizer {
        (s.optimizer, flags) = (false, true);
    }
    if a.via_ir {
        (s.via_ir, flags) = (true, true);
    }
    if let Some(v) = a.evm_version {
        (s.evm_version, flags) = (v, true);
    }
    if flags {
        from.push_str(" and the command line");
    }
    Ok((s, from))
}

/// Normalizes an import prefix: empty stays empty (bare source unit names), else ends with `/`.
fn normalize_prefix(p: &str) -> String {
    if p.is_empty() || p.ends_with('/') {
        p.to_string()
    } else {
        format!("{p}/")
    }
}

/// Renders `vk`'s verifier as a standalone source set (verifier, interface, transcript in one
/// directory) and compiles it under `settings`.
pub fn compile_standalone(
    vk: &VerifyingKey,
    name: &str,
    model: &str,
    settings: &CompilerSettings,
) -> anyhow::Result<CompiledContract> {
    let src = crate::solidity::render_with(vk, name, model, "./IZkTorchVerifier.sol", settings)?;
    let unit = format!("{name}.sol");
    Ok(toolchain::compile_solidity_with(
        &[
            (&unit, &src),
            ("IZkTorchVerifier.sol", INTERFACE_SOL),
            ("ZktTranscript.sol", TRANSCRIPT_SOL),
        ],
        name,
        settings,
    )?)
}

fn check_name(name: &str) -> anyhow::Result<()> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        bail!("--name `{name}` is not a Solidity identifier (letters, digits, `_`, not starting with a digit)");
    }
    Ok(())
}

/// Generate the Solidity verifier.
pub fn run(a: &CreateVerifierArgs) -> anyhow::Result<()> {
    check_name(&a.name)?;
    let vk = artifacts::load_vk(&a.vk)?;
    super::check_vk::gate(&a.vk)?;
    let model =
        a.vk.parent()
            .and_then(|p| p.file_name())
            .map_or("model".into(), |n| n.to_string_lossy().into_owned());
    let (verifier_path, dir) = match &a.out_dir {
        Some(dir) => (dir.join(format!("{}.sol", a.name)), dir.clone()),
        None => (
            a.out.clone(),
            a.out.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        ),
    };
    let prefix = normalize_prefix(
        a.import_prefix
            .as_deref()
            .unwrap_or(if a.out_dir.is_some() { "./" } else { "../" }),
    );
    let (settings, from) = resolve_settings(a, &dir)?;
    let src = crate::solidity::render_with(
        &vk,
        &a.name,
        &model,
        &format!("{prefix}IZkTorchVerifier.sol"),
        &settings,
    )?;

    // Compile before writing anything: a missing solc must not leave a half-updated directory.
    let compiled = if a.no_compile {
        None
    } else {
        let p = Phase::start("render and compile the verifier");
        let c = compile_standalone(&vk, &a.name, &model, &settings)
            .context("compiling the verifier (pass --no-compile to only write the source)")?;
        p.done();
        Some(c)
    };
    let solc_version = compiled
        .as_ref()
        .and_then(|_| toolchain::solc().ok())
        .map(|s| s.version);

    let mut files = vec![verifier_path.clone()];
    artifacts::write_atomic(&verifier_path, src.as_bytes())?;
    if a.out_dir.is_some() {
        for (file, text) in [
            ("IZkTorchVerifier.sol", INTERFACE_SOL),
            ("ZktTranscript.sol", TRANSCRIPT_SOL),
        ] {
            let path = dir.join(file);
            artifacts::write_atomic(&path, text.as_bytes())?;
            files.push(path);
        }
    }

    // A verifier for an insecure key is still written, with a loud warning: a file harms nobody,
    // local tests need such verifiers, and the contract says so itself (`insecureSrs()`). The
    // strict gate is `deploy-verifier`, which deploys it only to a local dev chain unless
    // `--allow-insecure` is given.
    if vk.insecure {
        eprintln!(
            "warning: {INSECURE}.\n  {} reports insecureSrs() = true; `zkt-eth deploy-verifier` deploys it only to a \
             local dev chain (chain id {} on a loopback address) unless --allow-insecure is given",
            verifier_path.display(),
            crate::chain::ANVIL_CHAIN_ID
        );
    }
    let size = compiled.as_ref().map(|c| c.deployed_bytecode.len());
    let warning = size.and_then(|n| size_warning(n, &settings, &from));
    if let Some(w) = &warning {
        eprintln!("warning: {w}");
    }
    if a.json {
        return print_json(&json!({
            "out": verifier_path, "files": files, "contract": a.name, "import_prefix": prefix,
            "runtime_bytes": size, "eip170_ok": size.map(|s| s <= EIP170),
            "eip170": size.map(|n| json!({"limit": EIP170, "status": SizeStatus::of(n).label(), "warning": warning})),
            "compiler_settings": {
                "optimizer": settings.optimizer, "optimizer_runs": settings.optimizer_runs,
                "via_ir": settings.via_ir, "evm_version": settings.evm_version.as_str(), "from": from,
            },
            "solc": solc_version,
            "vk_digest": format!("0x{}", hex::encode(vk.digest())), "insecure": vk.insecure,
        }));
    }
    say!("wrote {} (contract {})", verifier_path.display(), a.name);
    for f in &files[1..] {
        say!("wrote {}", f.display());
    }
    if let Some(n) = size {
        say!(
            "runtime bytecode: {n} bytes (EIP-170 limit {EIP170}) with {} ({from})",
            settings.describe()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_warning_names_the_limit_and_the_fix() {
        let off = CompilerSettings {
            optimizer: false,
            ..CompilerSettings::FOUNDRY
        };
        assert_eq!(size_warning(20_000, &off, "foundry.toml"), None);
        let near = size_warning(23_000, &off, "app/foundry.toml").unwrap();
        for needle in [
            "EIP-170",
            "within 10%",
            "optimizer is OFF",
            "Foundry's default",
            "`optimizer = true`",
            "app/foundry.toml",
        ] {
            assert!(near.contains(needle), "{needle:?} missing: {near}");
        }
        let over = size_warning(30_000, &CompilerSettings::FOUNDRY, "zkt-eth's defaults").unwrap();
        assert!(over.contains("OVER") && over.contains("optimizer_runs"), "{over}");
        assert_eq!(SizeStatus::of(24_577).label(), "over");
    }
}
