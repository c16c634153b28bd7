//! Locating and driving the Ethereum toolchain: `forge`, `anvil`, `cast` and `solc`.
//!
//! The toolchain is pinned through npm (`package.json` / `package-lock.json`, embedded in the
//! binary as [`PACKAGE_JSON`] / [`PACKAGE_LOCK`]): `npm ci` installs Foundry (`forge`, `anvil`,
//! `cast`) into `node_modules/.bin` and the solc-js compiler, which the `tools/solc` shim
//! ([`SOLC_SHIM`]) wraps so that it behaves like a native `solc`.
//!
//! Every program is resolved in this order, and the first hit wins ([`locate`], [`solc`]):
//!
//! 1. an explicit override: `ZKT_ETH_FORGE` / `ZKT_ETH_ANVIL` / `ZKT_ETH_CAST` / `ZKT_ETH_SOLC`
//!    (the program itself), else `ZKT_ETH_ROOT` (a directory holding `node_modules/` and
//!    `tools/solc`, e.g. a zkt-eth checkout). An override that does not hold the program is an
//!    error, never a silent fall-through;
//! 2. `PATH` (for `solc`, only a compiler of version >= [`MIN_NATIVE_SOLC`]);
//! 3. the current project: the nearest directory at or above the working directory with
//!    `node_modules/.bin/<tool>` (for `solc`: `tools/solc` and `node_modules/solc`);
//! 4. the zkt-eth home toolchain, `$ZKT_ETH_HOME/toolchain` (default `~/.zkt-eth/toolchain`),
//!    which `zkt-eth toolchain install` populates with the pinned `npm ci`.
//!
//! Nothing depends on the directory the binary was built in, so a `cargo install`ed `zkt-eth`
//! works from any directory.
//!
//! Solidity is compiled through [`foundry_compilers`] with explicit [`CompilerSettings`]: by
//! default those of the repository's `foundry.toml` ([`CompilerSettings::FOUNDRY`]), so bytecode
//! built here matches `forge build` output for the same compiler version; a consumer project's
//! `foundry.toml` can be read with [`CompilerSettings::from_foundry_toml`].

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

/// Environment variable naming a directory that holds `node_modules/` and `tools/solc` (e.g. a
/// zkt-eth checkout after `npm ci`); when set, every tool must be found there.
pub const ROOT_ENV: &str = "ZKT_ETH_ROOT";

/// Environment variable overriding the zkt-eth home directory (default `~/.zkt-eth`); the
/// toolchain lives in its `toolchain/` subdirectory.
pub const HOME_ENV: &str = "ZKT_ETH_HOME";

/// Lowest `solc` version accepted: generated verifiers need `pragma ^0.8.24` and EVM version
/// `cancun` (`mcopy`), both introduced in 0.8.24.
pub const MIN_NATIVE_SOLC: (u64, u64, u64) = (0, 8, 24);

/// The solc-js version pinned in [`PACKAGE_JSON`]; generated verifiers state it in their header.
pub const PINNED_SOLC: &str = "0.8.30";

/// The pinned npm manifest (Foundry, solc-js, snarkjs), written by `zkt-eth toolchain install`.
pub const PACKAGE_JSON: &str = include_str!("../package.json");

/// The npm lockfile that pins every package of [`PACKAGE_JSON`] with its integrity hash.
pub const PACKAGE_LOCK: &str = include_str!("../package-lock.json");

/// The `tools/solc` shim (Node.js) that makes the pinned solc-js behave like a native `solc`.
pub const SOLC_SHIM: &str = include_str!("../tools/solc");

/// A program of the toolchain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Tool {
    /// Foundry's build and test tool.
    Forge,
    /// Foundry's local Ethereum node.
    Anvil,
    /// Foundry's RPC command-line client.
    Cast,
    /// The Solidity compiler (native, or the solc-js shim).
    Solc,
}

impl Tool {
    /// Every tool, in the order `zkt-eth toolchain status` reports them.
    pub const ALL: [Self; 4] = [Self::Forge, Self::Anvil, Self::Cast, Self::Solc];

    /// The program name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Forge => "forge",
            Self::Anvil => "anvil",
            Self::Cast => "cast",
            Self::Solc => "solc",
        }
    }

    /// The environment variable that names this program explicitly.
    pub fn env_var(self) -> &'static str {
        match self {
            Self::Forge => "ZKT_ETH_FORGE",
            Self::Anvil => "ZKT_ETH_ANVIL",
            Self::Cast => "ZKT_ETH_CAST",
            Self::Solc => "ZKT_ETH_SOLC",
        }
    }

    /// How to get this program when it is missing.
    pub fn fix(self) -> String {
        let path_hint = match self {
            Self::Solc => format!(
                "put a native solc >= {}.{}.{} on PATH",
                MIN_NATIVE_SOLC.0, MIN_NATIVE_SOLC.1, MIN_NATIVE_SOLC.2
            ),
            tool => format!("put {} on PATH (e.g. with foundryup)", tool.name()),
        };
        format!(
            "run `zkt-eth toolchain install`, or `npm ci` in your project, or {path_hint}, or set {}",
            self.env_var()
        )
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a program was found (see the module documentation for the order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The tool's own environment variable ([`Tool::env_var`]).
    Override(&'static str),
    /// `$ZKT_ETH_ROOT`.
    Root(PathBuf),
    /// A directory of `PATH`.
    Path,
    /// The current project's `node_modules` (the directory is the project).
    Project(PathBuf),
    /// The zkt-eth home toolchain (the directory is the toolchain).
    Home(PathBuf),
}

impl Origin {
    /// A short machine-readable label: `env`, `root`, `path`, `project` or `home`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Override(_) => "env",
            Self::Root(_) => "root",
            Self::Path => "path",
            Self::Project(_) => "project",
            Self::Home(_) => "home",
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Override(var) => write!(f, "${var}"),
            Self::Root(dir) => write!(f, "${ROOT_ENV} ({})", dir.display()),
            Self::Path => f.write_str("PATH"),
            Self::Project(dir) => write!(f, "project node_modules ({})", dir.display()),
            Self::Home(dir) => write!(f, "zkt-eth toolchain ({})", dir.display()),
        }
    }
}

/// A located program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolPath {
    /// Which program.
    pub tool: Tool,
    /// The executable.
    pub path: PathBuf,
    /// Where it was found.
    pub origin: Origin,
}

/// Errors from locating or running toolchain programs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolchainError {
    /// A program was found nowhere.
    #[error("`{tool}` not found (looked at: {}): {}", searched.join("; "), tool.fix())]
    ToolNotFound {
        /// The program.
        tool: Tool,
        /// Every place that was looked at, in order.
        searched: Vec<String>,
    },
    /// An explicit override (environment variable) does not provide the program.
    #[error("{var}={}: {reason}", path.display())]
    BadOverride {
        /// The environment variable.
        var: &'static str,
        /// Its value.
        path: PathBuf,
        /// What is wrong with it and what to do.
        reason: String,
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
    /// A `foundry.toml` could not be read or holds an invalid compiler setting.
    #[error("{}: {reason}", path.display())]
    FoundryConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong.
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
    /// Whether this is a native binary or a solc-js shim.
    pub kind: SolcKind,
    /// Where it was found.
    pub origin: Origin,
}

/// What a [`SolcPath`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolcKind {
    /// A native `solc` binary.
    Native,
    /// A `tools/solc` shim around the pinned solc-js (or a native solc of the same version).
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

/// Solidity compiler settings: what `create-verifier` measures bytecode size under, and what the
/// generated verifier's header states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompilerSettings {
    /// Whether the optimizer is enabled.
    pub optimizer: bool,
    /// Optimizer `runs` (ignored when the optimizer is off).
    pub optimizer_runs: usize,
    /// Target EVM version (lowered to what the compiler supports).
    pub evm_version: EvmVersion,
    /// Whether to compile through the Yul IR pipeline.
    pub via_ir: bool,
    /// The metadata hash appended to the bytecode.
    pub bytecode_hash: BytecodeHash,
}

impl CompilerSettings {
    /// The settings of this repository's `foundry.toml` (`[profile.default]`), which every figure
    /// in zkt-eth's documentation assumes: optimizer on with 200 runs, EVM version `osaka` (mainnet's),
    /// legacy (non-IR) pipeline, no metadata hash in the bytecode.
    pub const FOUNDRY: Self = Self {
        optimizer: true,
        optimizer_runs: 200,
        evm_version: EvmVersion::Osaka,
        via_ir: false,
        bytecode_hash: BytecodeHash::None,
    };

    /// Foundry's own defaults (forge 1.7), i.e. what a `foundry.toml` that sets nothing gets:
    /// optimizer OFF, 200 runs, EVM version `osaka` (lowered to what solc supports), no via-ir,
    /// IPFS metadata hash.
    pub const FOUNDRY_DEFAULTS: Self = Self {
        optimizer: false,
        optimizer_runs: 200,
        evm_version: EvmVersion::Osaka,
        via_ir: false,
        bytecode_hash: BytecodeHash::Ipfs,
    };

    /// One line for humans, e.g. `optimizer on (200 runs), via-ir off, EVM version osaka`.
    pub fn describe(&self) -> String {
        let optimizer = if self.optimizer {
            format!("optimizer on ({} runs)", self.optimizer_runs)
        } else {
            "optimizer OFF".into()
        };
        format!(
            "{optimizer}, via-ir {}, EVM version {}",
            if self.via_ir { "on" } else { "off" },
            self.evm_version.as_str()
        )
    }

    /// The settings `forge build` uses for the `profile` (e.g. `default`, or `$FOUNDRY_PROFILE`)
    /// of a `foundry.toml` text: [`Self::FOUNDRY_DEFAULTS`], overridden by `[profile.default]`,
    /// then by `[profile.<profile>]`. Reads `optimizer`, `optimizer_runs`, `via_ir`,
    /// `evm_version` and `bytecode_hash`; environment overrides (`FOUNDRY_OPTIMIZER`, …) are not
    /// applied.
    pub fn from_foundry_toml(text: &str, profile: &str) -> Result<Self, String> {
        let doc = toml_edit::Document::parse(text).map_err(|e| format!("not valid TOML: {e}"))?;
        let mut s = Self::FOUNDRY_DEFAULTS;
        let profiles = doc.get("profile").and_then(|p| p.as_table_like());
        let mut names = vec!["default"];
        if profile != "default" {
            names.push(profile);
        }
        for name in names {
            let Some(table) = profiles.and_then(|p| p.get(name)).and_then(|t| t.as_table_like()) else {
                continue;
            };
            let key = |k: &str| table.get(k).and_then(|i| i.as_value());
            let bad = |k: &str, want: &str| format!("[profile.{name}] {k}: expected {want}");
            if let Some(v) = key("optimizer") {
                s.optimizer = v.as_bool().ok_or_else(|| bad("optimizer", "true or false"))?;
            }
            if let Some(v) = key("optimizer_runs") {
                s.optimizer_runs = v
                    .as_integer()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| bad("optimizer_runs", "a non-negative integer"))?;
            }
            if let Some(v) = key("via_ir") {
                s.via_ir = v.as_bool().ok_or_else(|| bad("via_ir", "true or false"))?;
            }
            if let Some(v) = key("evm_version") {
                s.evm_version = v
                    .as_str()
                    .and_then(|e| e.parse().ok())
                    .ok_or_else(|| bad("evm_version", "an EVM version such as \"cancun\""))?;
            }
            if let Some(v) = key("bytecode_hash") {
                s.bytecode_hash = v
                    .as_str()
                    .and_then(|e| e.parse().ok())
                    .ok_or_else(|| bad("bytecode_hash", "\"none\", \"ipfs\" or \"bzzr1\""))?;
            }
        }
        Ok(s)
    }

    /// [`Self::from_foundry_toml`] for the file at `path` and `$FOUNDRY_PROFILE` (default
    /// `default`).
    pub fn from_foundry_toml_file(path: &Path) -> Result<Self, ToolchainError> {
        let err = |reason: String| ToolchainError::FoundryConfig {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let profile = std::env::var("FOUNDRY_PROFILE")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "default".into());
        Self::from_foundry_toml(&text, &profile).map_err(err)
    }
}

impl Default for CompilerSettings {
    fn default() -> Self {
        Self::FOUNDRY
    }
}

/// The nearest `foundry.toml` at or above `start` (made absolute against the working directory).
pub fn find_foundry_toml(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    start.ancestors().map(|d| d.join("foundry.toml")).find(|p| p.is_file())
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

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The zkt-eth home directory: `$ZKT_ETH_HOME`, else `$HOME/.zkt-eth` (`None` without a home).
pub fn home_dir() -> Option<PathBuf> {
    env_path(HOME_ENV).or_else(|| env_path("HOME").map(|h| h.join(".zkt-eth")))
}

/// The home toolchain directory, `<home>/toolchain`, that `zkt-eth toolchain install` populates.
pub fn toolchain_dir() -> Option<PathBuf> {
    home_dir().map(|h| h.join("toolchain"))
}

/// The project root Solidity imports are resolved against: `$ZKT_ETH_ROOT`, else the nearest
/// directory at or above the working directory that holds `foundry.toml` or `node_modules/`,
/// else the working directory.
pub fn repo_root() -> Result<PathBuf, ToolchainError> {
    if let Some(root) = env_path(ROOT_ENV) {
        return Ok(root);
    }
    let cwd =
        std::env::current_dir().map_err(|e| ToolchainError::InvalidInput(format!("no working directory: {e}")))?;
    Ok(cwd
        .ancestors()
        .find(|d| d.join("foundry.toml").is_file() || d.join("node_modules").is_dir())
        .unwrap_or(&cwd)
        .to_path_buf())
}

/// Finds `name` in the directories of `PATH`.
fn find_on_path(name: &str) -> Vec<PathBuf> {
    let Some(paths) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    std::env::split_paths(&paths)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .filter(|p| is_executable(p))
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

/// The project directories searched for `node_modules`: the working directory and its parents.
fn project_dirs() -> Vec<PathBuf> {
    std::env::current_dir()
        .map(|cwd| cwd.ancestors().map(Path::to_path_buf).collect())
        .unwrap_or_default()
}

fn cwd_display() -> String {
    std::env::current_dir().map_or_else(|_| "?".into(), |d| d.display().to_string())
}

/// Locates a program (see the module documentation for the order). For [`Tool::Solc`] this is
/// [`solc`] without the version.
pub fn locate(tool: Tool) -> Result<ToolPath, ToolchainError> {
    if tool == Tool::Solc {
        return solc().map(|s| ToolPath {
            tool,
            path: s.path,
            origin: s.origin,
        });
    }
    let bin = |dir: &Path| dir.join("node_modules").join(".bin").join(tool.name());
    let found = |path: PathBuf, origin: Origin| Ok(ToolPath { tool, path, origin });
    if let Some(path) = env_path(tool.env_var()) {
        if !is_executable(&path) {
            return Err(ToolchainError::BadOverride {
                var: tool.env_var(),
                path,
                reason: format!("not an executable file; point it at a `{tool}` binary or unset it"),
            });
        }
        return found(path, Origin::Override(tool.env_var()));
    }
    if let Some(root) = env_path(ROOT_ENV) {
        let path = bin(&root);
        if !is_executable(&path) {
            return Err(ToolchainError::BadOverride {
                var: ROOT_ENV,
                reason: format!(
                    "{} is missing: run `npm ci` in {}, or unset {ROOT_ENV}",
                    path.display(),
                    root.display()
                ),
                path: root,
            });
        }
        return found(path, Origin::Root(root));
    }
    if let Some(path) = find_on_path(tool.name()).into_iter().next() {
        return found(path, Origin::Path);
    }
    for dir in project_dirs() {
        if is_executable(&bin(&dir)) {
            return found(bin(&dir), Origin::Project(dir));
        }
    }
    let home = toolchain_dir();
    if let Some(home) = &home {
        if is_executable(&bin(home)) {
            return found(bin(home), Origin::Home(home.clone()));
        }
    }
    Err(ToolchainError::ToolNotFound {
        tool,
        searched: searched(tool, home.as_deref()),
    })
}

fn searched(tool: Tool, home: Option<&Path>) -> Vec<String> {
    let project = match tool {
        Tool::Solc => "tools/solc + node_modules/solc",
        _ => "node_modules/.bin",
    };
    vec![
        format!("${} and ${ROOT_ENV} unset", tool.env_var()),
        match tool {
            Tool::Solc => format!(
                "PATH (no solc >= {}.{}.{})",
                MIN_NATIVE_SOLC.0, MIN_NATIVE_SOLC.1, MIN_NATIVE_SOLC.2
            ),
            _ => "PATH".into(),
        },
        format!("{project} in {} and its parents", cwd_display()),
        home.map_or_else(
            || format!("no home toolchain (${HOME_ENV} and $HOME unset)"),
            |h| format!("{} (not installed)", h.display()),
        ),
    ]
}

/// Path of the `anvil` executable ([`locate`]).
pub fn anvil_path() -> Result<PathBuf, ToolchainError> {
    locate(Tool::Anvil).map(|t| t.path)
}

/// Path of the `forge` executable ([`locate`]).
pub fn forge_path() -> Result<PathBuf, ToolchainError> {
    locate(Tool::Forge).map(|t| t.path)
}

/// Path of the `cast` executable ([`locate`]).
pub fn cast_path() -> Result<PathBuf, ToolchainError> {
    locate(Tool::Cast).map(|t| t.path)
}

/// The first line of `<program> --version` (e.g. `forge Version: 1.7.1`).
pub fn tool_version(path: &Path) -> Result<String, String> {
    let out = Command::new(path)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("could not start {}: {e}", path.display()))?;
    if !out.status.success() {
        return Err(format!(
            "`{} --version` failed ({}): {}",
            path.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string())
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

/// Whether `path` is a Node.js script (a solc-js shim) rather than a native binary.
fn is_node_script(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    head.starts_with(b"#!")
        && head
            .split(|b| *b == b'\n')
            .next()
            .is_some_and(|l| l.windows(4).any(|w| w == b"node"))
}

fn version_ok(semver: (u64, u64, u64)) -> bool {
    semver >= MIN_NATIVE_SOLC
}

fn kind_of(path: &Path) -> SolcKind {
    if is_node_script(path) {
        SolcKind::Shim
    } else {
        SolcKind::Native
    }
}

/// Locates `solc` (see the module documentation for the order): `$ZKT_ETH_SOLC`, else the shim
/// of `$ZKT_ETH_ROOT`, else a solc >= [`MIN_NATIVE_SOLC`] on `PATH`, else the shim of the current
/// project, else the shim of the home toolchain.
///
/// A native compiler of another version than the pinned one may produce different bytecode than
/// the pinned solc-js.
pub fn solc() -> Result<SolcPath, ToolchainError> {
    let min = format!("{}.{}.{}", MIN_NATIVE_SOLC.0, MIN_NATIVE_SOLC.1, MIN_NATIVE_SOLC.2);
    if let Some(path) = env_path(Tool::Solc.env_var()) {
        let bad = |reason: String| ToolchainError::BadOverride {
            var: Tool::Solc.env_var(),
            path: path.clone(),
            reason,
        };
        if !is_executable(&path) {
            return Err(bad(
                "not an executable file; point it at a solc binary or unset it".into()
            ));
        }
        let (version, semver) = solc_version(&path).map_err(|e| bad(e.to_string()))?;
        if !version_ok(semver) {
            return Err(bad(format!("solc {version} is older than {min}, which zkt-eth needs")));
        }
        return Ok(SolcPath {
            kind: kind_of(&path),
            path,
            version,
            semver,
            origin: Origin::Override(Tool::Solc.env_var()),
        });
    }
    if let Some(root) = env_path(ROOT_ENV) {
        return match shim_solc(&root, Origin::Root(root.clone()))? {
            Some(s) => Ok(s),
            None => Err(ToolchainError::BadOverride {
                var: ROOT_ENV,
                reason: format!(
                    "no tools/solc shim with node_modules/solc there: run `npm ci` in {} (a zkt-eth \
                     checkout), or unset {ROOT_ENV}",
                    root.display()
                ),
                path: root,
            }),
        };
    }
    for native in find_on_path("solc") {
        if let Ok((version, semver)) = solc_version(&native) {
            if version_ok(semver) {
                return Ok(SolcPath {
                    kind: kind_of(&native),
                    path: native,
                    version,
                    semver,
                    origin: Origin::Path,
                });
            }
        }
    }
    for dir in project_dirs() {
        if let Some(s) = shim_solc(&dir, Origin::Project(dir.clone()))? {
            return Ok(s);
        }
    }
    let home = toolchain_dir();
    if let Some(home) = &home {
        if let Some(s) = shim_solc(home, Origin::Home(home.clone()))? {
            return Ok(s);
        }
    }
    Err(ToolchainError::ToolNotFound {
        tool: Tool::Solc,
        searched: searched(Tool::Solc, home.as_deref()),
    })
}

/// The `tools/solc` shim of the toolchain directory `dir`, when it has one and solc-js is
/// installed there (`Ok(None)` otherwise); an error when it is there but cannot run.
fn shim_solc(dir: &Path, origin: Origin) -> Result<Option<SolcPath>, ToolchainError> {
    let shim = dir.join("tools").join("solc");
    if !shim.is_file() || !dir.join("node_modules").join("solc").join("package.json").is_file() {
        return Ok(None);
    }
    if find_on_path("node").is_empty() {
        return Err(ToolchainError::NodeMissing { shim });
    }
    let (version, semver) = solc_version(&shim)?;
    Ok(Some(SolcPath {
        path: shim,
        version,
        semver,
        kind: SolcKind::Shim,
        origin,
    }))
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

/// Standard-JSON settings for `settings` (what forge passes solc for the same `foundry.toml`).
fn solc_settings(settings: &CompilerSettings) -> Settings {
    let selection = OutputSelection::common_output_selection(
        ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"].map(String::from),
    );
    let mut out = Settings::new(selection);
    out.optimizer = Optimizer {
        enabled: Some(settings.optimizer),
        runs: Some(settings.optimizer_runs),
        details: None,
    };
    out.evm_version = Some(settings.evm_version);
    out.via_ir = Some(settings.via_ir);
    out.metadata = Some(SettingsMetadata {
        use_literal_content: None,
        bytecode_hash: Some(settings.bytecode_hash),
        cbor_metadata: Some(true),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shim_dirs_without_solc_js_are_skipped_and_errors_name_the_fix() {
        let Ok(tmp) = tempfile::tempdir() else {
            return;
        };
        let root = tmp.path();
        let origin = Origin::Project(root.to_path_buf());
        assert!(matches!(shim_solc(root, origin.clone()), Ok(None)));
        let tools = root.join("tools");
        assert!(std::fs::create_dir_all(&tools).is_ok());
        assert!(std::fs::write(tools.join("solc"), SOLC_SHIM).is_ok());
        // The shim alone is not enough: solc-js must be installed beside it.
        assert!(matches!(shim_solc(root, origin), Ok(None)));

        let err = ToolchainError::ToolNotFound {
            tool: Tool::Anvil,
            searched: searched(Tool::Anvil, Some(root)),
        }
        .to_string();
        assert!(err.contains("run `zkt-eth toolchain install`"), "{err}");
        assert!(err.contains("`npm ci` in your project"), "{err}");
        assert!(err.contains("put anvil on PATH"), "{err}");
        assert!(err.contains(&root.display().to_string()), "{err}");
        let err = Tool::Solc.fix();
        assert!(err.contains("native solc >= 0.8.24"), "{err}");
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

    #[test]
    fn embedded_pins_agree() {
        let pkg: serde_json::Value = serde_json::from_str(PACKAGE_JSON).unwrap_or_default();
        assert_eq!(
            pkg["devDependencies"]["solc"], PINNED_SOLC,
            "package.json and PINNED_SOLC disagree"
        );
        let lock: serde_json::Value = serde_json::from_str(PACKAGE_LOCK).unwrap_or_default();
        assert_eq!(
            lock["packages"]["node_modules/solc"]["version"], PINNED_SOLC,
            "run `npm install`"
        );
        assert!(SOLC_SHIM.starts_with("#!/usr/bin/env node"));
    }

    #[test]
    fn reads_foundry_toml_like_forge() {
        let s =
            CompilerSettings::from_foundry_toml("[profile.default]\nsrc = \"src\"\n", "default").unwrap_or_default();
        assert_eq!(s, CompilerSettings::FOUNDRY_DEFAULTS);
        assert!(!s.optimizer, "Foundry's default is optimizer off");

        let repo = include_str!("../foundry.toml");
        assert_eq!(
            CompilerSettings::from_foundry_toml(repo, "default"),
            Ok(CompilerSettings::FOUNDRY),
            "foundry.toml and CompilerSettings::FOUNDRY disagree"
        );

        let text = "[profile.default]\noptimizer = true\noptimizer_runs = 1_000\n\
                    [profile.ci]\nvia_ir = true\nevm_version = \"shanghai\"\n";
        let ci = CompilerSettings::from_foundry_toml(text, "ci").unwrap_or_default();
        assert!(ci.optimizer && ci.via_ir);
        assert_eq!((ci.optimizer_runs, ci.evm_version), (1000, EvmVersion::Shanghai));
        assert_eq!(
            ci.describe(),
            "optimizer on (1000 runs), via-ir on, EVM version shanghai"
        );

        for bad in [
            "optimizer = \"yes\"",
            "optimizer_runs = -1",
            "evm_version = \"nope\"",
            "via_ir = 1",
        ] {
            let text = format!("[profile.default]\n{bad}\n");
            let err = CompilerSettings::from_foundry_toml(&text, "default")
                .err()
                .unwrap_or_default();
            assert!(err.contains("[profile.default]"), "{bad}: {err}");
        }
        assert!(CompilerSettings::from_foundry_toml("[profile", "default").is_err());
    }

    #[test]
    fn node_scripts_are_shims() {
        let Ok(tmp) = tempfile::tempdir() else {
            return;
        };
        let shim = tmp.path().join("solc");
        let bin = tmp.path().join("native");
        assert!(std::fs::write(&shim, SOLC_SHIM).is_ok());
        assert!(std::fs::write(&bin, [0x7f, b'E', b'L', b'F', 0, 0]).is_ok());
        assert_eq!(kind_of(&shim), SolcKind::Shim);
        assert_eq!(kind_of(&bin), SolcKind::Native);
    }
}
