//! Locating and driving the Ethereum toolchain: `solc`, `anvil` and `forge`.
//!
//! The toolchain is pinned through npm (`package.json` / `package-lock.json` at the repository
//! root): `npm ci` installs Foundry (`forge`, `anvil`, `cast`) into `node_modules/.bin` and the
//! solc-js compiler, which the `tools/solc` shim wraps so that it behaves like a native `solc`.
//! Tools found on `PATH` take precedence, so a developer's own Foundry or solc installation is
//! used when present.
//!
//! Solidity is compiled through [`foundry_compilers`] with the same settings as `foundry.toml`
//! ([`CompilerSettings::FOUNDRY`]), so bytecode built here matches `forge build` output for the
//! same compiler version.

use std::{
    fmt,
    path::{Path, PathBuf},
    process::Command,
};

use foundry_compilers::{
    artifacts::{
        output_selection::OutputSelection, BytecodeHash, EvmVersion, Optimizer, Settings, SettingsMetadata, Severity,
        SolcInput, SolcLanguage, Source, Sources,
    },
    solc::Solc,
};

/// Environment variable that overrides the repository root (the directory holding
/// `node_modules/`, `tools/solc` and `foundry.toml`).
pub const ROOT_ENV: &str = "ZKT_ETH_ROOT";

/// Lowest native `solc` version that is used instead of the pinned shim.
pub const MIN_NATIVE_SOLC: (u64, u64, u64) = (0, 8, 20);

/// Errors from locating or running toolchain programs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolchainError {
    /// No repository root could be determined.
    #[error(
        "could not locate the zkt-eth repository root (no node_modules/ found above the current \
         directory); set {ROOT_ENV} to the checkout that holds package.json and run `npm ci` there"
    )]
    RootNotFound,
    /// A program was found neither on `PATH` nor in `node_modules/.bin`.
    #[error(
        "`{tool}` not found on PATH nor at {}: run `npm ci` in {}",
        root.join("node_modules/.bin").join(tool).display(),
        root.display()
    )]
    ToolNotFound {
        /// The program name.
        tool: &'static str,
        /// The repository root that was searched.
        root: PathBuf,
    },
    /// The pinned npm packages are not installed.
    #[error(
        "npm package `{package}` is missing from {}: run `npm ci` in {}",
        root.join("node_modules").display(),
        root.display()
    )]
    NpmPackageMissing {
        /// The package that was looked for.
        package: &'static str,
        /// The repository root.
        root: PathBuf,
    },
    /// The solc shim needs Node.js, which is not on `PATH`.
    #[error(
        "`node` not found on PATH: the solc shim {} needs Node.js >= 18 (or put a native solc \
         >= {}.{}.{} on PATH)",
        shim.display(), MIN_NATIVE_SOLC.0, MIN_NATIVE_SOLC.1, MIN_NATIVE_SOLC.2
    )]
    NodeMissing {
        /// Path of the shim that needs node.
        shim: PathBuf,
    },
    /// The shim script is missing from the repository.
    #[error("solc shim not found at {}: is {} a zkt-eth checkout?", shim.display(), root.display())]
    ShimMissing {
        /// Expected shim location.
        shim: PathBuf,
        /// The repository root.
        root: PathBuf,
    },
    /// Running `solc` (native or shim) failed.
    #[error("running solc at {}: {message}", path.display())]
    Solc {
        /// The compiler that was run.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The Solidity sources did not compile.
    #[error("Solidity compilation failed:\n{}", errors.join("\n"))]
    Compilation {
        /// The compiler's formatted error messages.
        errors: Vec<String>,
    },
    /// The requested contract is not among the compiled ones.
    #[error(
        "contract `{contract}` not found in the compiler output (available: {})",
        available.join(", ")
    )]
    ContractNotFound {
        /// The requested contract.
        contract: String,
        /// `File.sol:Name` of every compiled contract.
        available: Vec<String>,
    },
    /// The contract compiled to something that cannot be deployed as is.
    #[error("contract `{contract}` cannot be deployed: {reason}")]
    NotDeployable {
        /// The contract.
        contract: String,
        /// Why (abstract/interface, unlinked libraries, ...).
        reason: String,
    },
    /// The input was rejected before compiling.
    #[error("invalid compiler input: {0}")]
    InvalidInput(String),
}

/// A `solc` executable together with its version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolcPath {
    /// The program to run.
    pub path: PathBuf,
    /// The full version reported by `--version`, e.g. `0.8.30+commit.73712a01.Linux.g++`.
    pub version: String,
    /// `(major, minor, patch)` of [`Self::version`].
    pub semver: (u64, u64, u64),
    /// Whether this is a native binary or the repository's solc-js shim.
    pub kind: SolcKind,
}

/// Where a [`SolcPath`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolcKind {
    /// A native `solc` found on `PATH`.
    Native,
    /// The `tools/solc` shim around the pinned solc-js (or a native solc of the same version).
    Shim,
}

impl fmt::Display for SolcPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            SolcKind::Native => "native",
            SolcKind::Shim => "solc-js shim",
        };
        write!(f, "solc {} ({kind}, {})", self.version, self.path.display())
    }
}

/// Compiler settings shared by `foundry.toml` and [`compile_solidity`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompilerSettings {
    /// Optimizer `runs` (the optimizer is always enabled).
    pub optimizer_runs: usize,
    /// Target EVM version.
    pub evm_version: EvmVersion,
    /// Whether to compile through the Yul IR pipeline.
    pub via_ir: bool,
}

impl CompilerSettings {
    /// The settings of `foundry.toml`'s default profile: optimizer on with 200 runs, EVM
    /// version `cancun`, legacy (non-IR) pipeline, no metadata hash in the bytecode.
    pub const FOUNDRY: Self = Self {
        optimizer_runs: 200,
        evm_version: EvmVersion::Cancun,
        via_ir: false,
    };
}

impl Default for CompilerSettings {
    fn default() -> Self {
        Self::FOUNDRY
    }
}

/// A compiled, deployable contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledContract {
    /// `File.sol:Name` of the contract.
    pub name: String,
    /// The contract ABI as JSON.
    pub abi_json: String,
    /// Creation bytecode (without constructor arguments).
    pub bytecode: Vec<u8>,
    /// Runtime bytecode.
    pub deployed_bytecode: Vec<u8>,
    /// Compiler warnings, formatted.
    pub warnings: Vec<String>,
}

/// Returns the repository root: `$ZKT_ETH_ROOT`, else the nearest directory at or above the
/// current directory that contains `node_modules/`, else this crate's source directory.
pub fn repo_root() -> Result<PathBuf, ToolchainError> {
    if let Some(root) = std::env::var_os(ROOT_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(root));
    }
    if let Ok(cwd) = std::env::current_dir() {
        if let Some(dir) = cwd.ancestors().find(|d| d.join("node_modules").is_dir()) {
            return Ok(dir.to_path_buf());
        }
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if manifest.is_dir() {
        return Ok(manifest.to_path_buf());
    }
    Err(ToolchainError::RootNotFound)
}

/// Finds `name` in the directories of `PATH`, skipping `skip` (compared canonically).
fn find_on_path(name: &str, skip: Option<&Path>) -> Vec<PathBuf> {
    let skip = skip.and_then(|p| p.canonicalize().ok());
    let Some(paths) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name))
        .filter(|p| is_executable(p))
        .filter(|p| match (&skip, p.canonicalize()) {
            (Some(skip), Ok(real)) => &real != skip,
            _ => true,
        })
        .collect()
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// Finds a Foundry program: `PATH` first, else `<root>/node_modules/.bin/<tool>`.
fn foundry_tool(tool: &'static str) -> Result<PathBuf, ToolchainError> {
    if let Some(found) = find_on_path(tool, None).into_iter().next() {
        return Ok(found);
    }
    let root = repo_root()?;
    let local = root.join("node_modules").join(".bin").join(tool);
    if is_executable(&local) {
        Ok(local)
    } else {
        Err(ToolchainError::ToolNotFound { tool, root })
    }
}

/// Path of the `anvil` executable (`PATH` first, else `node_modules/.bin/anvil`).
pub fn anvil_path() -> Result<PathBuf, ToolchainError> {
    foundry_tool("anvil")
}

/// Path of the `forge` executable (`PATH` first, else `node_modules/.bin/forge`).
pub fn forge_path() -> Result<PathBuf, ToolchainError> {
    foundry_tool("forge")
}

/// Path of the `cast` executable (`PATH` first, else `node_modules/.bin/cast`).
pub fn cast_path() -> Result<PathBuf, ToolchainError> {
    foundry_tool("cast")
}

/// Runs `<solc> --version` and returns the full version string and its numeric triple.
fn solc_version(path: &Path) -> Result<(String, (u64, u64, u64)), ToolchainError> {
    let err = |message: String| ToolchainError::Solc {
        path: path.to_path_buf(),
        message,
    };
    let out = Command::new(path)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| err(format!("could not start: {e}")))?;
    if !out.status.success() {
        return Err(err(format!(
            "`--version` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("Version:"))
        .ok_or_else(|| err(format!("unexpected `--version` output: {}", stdout.trim())))?
        .trim()
        .to_string();
    let triple = parse_version_triple(&line).ok_or_else(|| err(format!("unparsable version `{line}`")))?;
    Ok((line, triple))
}

/// Parses the leading `MAJOR.MINOR.PATCH` of a version string.
fn parse_version_triple(version: &str) -> Option<(u64, u64, u64)> {
    let core = version.split(['+', '-']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let triple = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(triple)
}

/// Locates `solc`: a native `solc` on `PATH` with version >= [`MIN_NATIVE_SOLC`] first, else
/// the repository's `tools/solc` shim (which runs the pinned solc-js under Node.js).
///
/// Note that a native compiler of another version than the pinned one may produce different
/// bytecode than `forge build` (which always goes through the shim).
pub fn solc() -> Result<SolcPath, ToolchainError> {
    let root = repo_root()?;
    let shim = root.join("tools").join("solc");
    for native in find_on_path("solc", Some(&shim)) {
        if let Ok((version, semver)) = solc_version(&native) {
            if semver >= MIN_NATIVE_SOLC {
                return Ok(SolcPath {
                    path: native,
                    version,
                    semver,
                    kind: SolcKind::Native,
                });
            }
        }
    }
    shim_solc(&root)
}

/// The `tools/solc` shim of `root`, after checking that node and solc-js are installed.
fn shim_solc(root: &Path) -> Result<SolcPath, ToolchainError> {
    let shim = root.join("tools").join("solc");
    if !shim.is_file() {
        return Err(ToolchainError::ShimMissing {
            shim,
            root: root.to_path_buf(),
        });
    }
    if find_on_path("node", None).is_empty() {
        return Err(ToolchainError::NodeMissing { shim });
    }
    if !root.join("node_modules").join("solc").join("package.json").is_file() {
        return Err(ToolchainError::NpmPackageMissing {
            package: "solc",
            root: root.to_path_buf(),
        });
    }
    let (version, semver) = solc_version(&shim)?;
    Ok(SolcPath {
        path: shim,
        version,
        semver,
        kind: SolcKind::Shim,
    })
}

/// Compiles Solidity `sources` (`(source unit name, source text)` pairs, e.g.
/// `("Verifier.sol", "...")`) with [`CompilerSettings::FOUNDRY`] and returns `contract`, given
/// as `Name` or `File.sol:Name`.
///
/// Imports between the given sources resolve by source unit name; other imports are read from
/// the repository root (e.g. `import "contracts/IZkTorchVerifier.sol";`).
pub fn compile_solidity(sources: &[(&str, &str)], contract: &str) -> Result<CompiledContract, ToolchainError> {
    compile_solidity_with(sources, contract, &CompilerSettings::FOUNDRY)
}

/// [`compile_solidity`] with explicit compiler settings.
pub fn compile_solidity_with(
    sources: &[(&str, &str)],
    contract: &str,
    settings: &CompilerSettings,
) -> Result<CompiledContract, ToolchainError> {
    if sources.is_empty() {
        return Err(ToolchainError::InvalidInput("no sources given".into()));
    }
    let (want_file, want_name) = match contract.rsplit_once(':') {
        Some((file, name)) => (Some(file), name),
        None => (None, contract),
    };
    let root = repo_root()?;
    let solc_path = solc()?;
    let solc_err = |e: foundry_compilers::error::SolcError| ToolchainError::Solc {
        path: solc_path.path.clone(),
        message: e.to_string(),
    };
    let mut solc = Solc::new(&solc_path.path).map_err(solc_err)?;
    if root.is_dir() {
        solc.base_path = Some(root.clone());
        solc.allow_paths.insert(root);
    }

    let input_sources: Sources = sources
        .iter()
        .map(|(name, text)| (PathBuf::from(name), Source::new(*text)))
        .collect();
    let input = SolcInput::new(SolcLanguage::Solidity, input_sources, solc_settings(settings)).sanitized(&solc.version);
    let output = solc.compile_exact(&input).map_err(solc_err)?;

    let format = |e: &foundry_compilers::artifacts::Error| {
        e.formatted_message
            .clone()
            .unwrap_or_else(|| format!("{}: {}", e.r#type, e.message))
    };
    let errors: Vec<String> = output
        .errors
        .iter()
        .filter(|e| e.severity == Severity::Error)
        .map(format)
        .collect();
    if !errors.is_empty() {
        return Err(ToolchainError::Compilation { errors });
    }
    let warnings = output
        .errors
        .iter()
        .filter(|e| e.severity == Severity::Warning)
        .map(format)
        .collect();

    let mut available = Vec::new();
    let mut found = None;
    for (file, contracts) in &output.contracts {
        for (name, compiled) in contracts {
            let file = file.display().to_string();
            let matches = name == want_name && want_file.is_none_or(|f| f == file);
            available.push(format!("{file}:{name}"));
            if matches && found.is_none() {
                found = Some((format!("{file}:{name}"), compiled));
            }
        }
    }
    let Some((name, compiled)) = found else {
        return Err(ToolchainError::ContractNotFound {
            contract: contract.to_string(),
            available,
        });
    };

    let not_deployable = |reason: &str| ToolchainError::NotDeployable {
        contract: name.clone(),
        reason: reason.into(),
    };
    let abi = compiled
        .abi
        .as_ref()
        .ok_or_else(|| not_deployable("the compiler returned no ABI"))?;
    let abi_json =
        serde_json::to_string(abi).map_err(|e| not_deployable(&format!("could not serialize the ABI: {e}")))?;
    let evm = compiled.evm.as_ref().ok_or_else(|| not_deployable("no EVM output"))?;
    let bytecode = evm
        .bytecode
        .as_ref()
        .ok_or_else(|| not_deployable("no creation bytecode"))?
        .object
        .as_bytes()
        .ok_or_else(|| not_deployable("the bytecode needs library linking"))?
        .to_vec();
    if bytecode.is_empty() {
        return Err(not_deployable("it is abstract or an interface (empty bytecode)"));
    }
    let deployed_bytecode = evm
        .deployed_bytecode
        .as_ref()
        .and_then(|d| d.bytecode.as_ref())
        .ok_or_else(|| not_deployable("no runtime bytecode"))?
        .object
        .as_bytes()
        .ok_or_else(|| not_deployable("the runtime bytecode needs library linking"))?
        .to_vec();

    Ok(CompiledContract {
        name,
        abi_json,
        bytecode,
        deployed_bytecode,
        warnings,
    })
}

/// Standard-JSON settings equivalent to `foundry.toml`.
fn solc_settings(settings: &CompilerSettings) -> Settings {
    let selection = OutputSelection::common_output_selection(
        ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"].map(String::from),
    );
    let mut out = Settings::new(selection);
    out.optimizer = Optimizer {
        enabled: Some(true),
        runs: Some(settings.optimizer_runs),
        details: None,
    };
    out.evm_version = Some(settings.evm_version);
    out.via_ir = Some(settings.via_ir);
    out.metadata = Some(SettingsMetadata {
        use_literal_content: None,
        bytecode_hash: Some(BytecodeHash::None),
        cbor_metadata: Some(true),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_shim_or_packages_say_what_to_do() {
        let Ok(tmp) = tempfile::tempdir() else {
            return;
        };
        let root = tmp.path();
        let err = shim_solc(root).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("solc shim not found"), "{err}");

        let tools = root.join("tools");
        assert!(std::fs::create_dir_all(&tools).is_ok());
        assert!(std::fs::write(tools.join("solc"), "#!/bin/sh\n").is_ok());
        let err = shim_solc(root).err().map(|e| e.to_string()).unwrap_or_default();
        if !find_on_path("node", None).is_empty() {
            assert!(err.contains("run `npm ci` in"), "{err}");
            assert!(err.contains(&root.display().to_string()), "{err}");
        }

        let err = ToolchainError::ToolNotFound {
            tool: "anvil",
            root: root.to_path_buf(),
        };
        assert!(err.to_string().contains("run `npm ci` in"), "{err}");
    }

    #[test]
    fn parses_version_triples() {
        assert_eq!(
            parse_version_triple("0.8.30+commit.73712a01.Linux.g++"),
            Some((0, 8, 30))
        );
        assert_eq!(parse_version_triple("0.8.20"), Some((0, 8, 20)));
        assert_eq!(
            parse_version_triple("0.8.31-nightly.2025.1.1+commit.x"),
            Some((0, 8, 31))
        );
        assert_eq!(parse_version_triple("0.8"), None);
        assert_eq!(parse_version_triple("a.b.c"), None);
    }
}
