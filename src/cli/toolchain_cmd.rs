//! `zkt-eth toolchain install | status | which`: the pinned Ethereum toolchain outside a checkout.
//!
//! `install` writes the package.json / package-lock.json and the `tools/solc` shim embedded in the
//! binary ([`toolchain::PACKAGE_JSON`], [`toolchain::PACKAGE_LOCK`], [`toolchain::SOLC_SHIM`]) into
//! a staging directory beside the home toolchain, runs the pinned `npm ci` there, checks that
//! forge and solc start, and only then moves it into place, so a failed install leaves the
//! previous toolchain (or nothing) behind. `status` reports where every program was found
//! (the resolution order is documented in [`crate::toolchain`]).

use super::{print_json, say};
use crate::artifacts;
use crate::toolchain::{self, Tool};
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `zkt-eth toolchain`.
#[derive(Args, Debug)]
pub struct ToolchainArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ToolchainCommand,
}

/// `zkt-eth toolchain` subcommands.
#[derive(Subcommand, Debug)]
pub enum ToolchainCommand {
    /// Install the pinned forge/anvil/cast 1.7.1 and solc-js 0.8.30 (`npm ci`, needs Node.js >= 20
    /// and npm) into $ZKT_ETH_HOME/toolchain (default ~/.zkt-eth/toolchain).
    Install(InstallArgs),
    /// Show which forge, anvil, cast and solc zkt-eth uses, where they were found and their
    /// versions; exits non-zero when forge, anvil or solc is missing.
    Status(StatusArgs),
    /// Print the path of one program, e.g. for `solc = "…"` in a project's foundry.toml.
    Which(WhichArgs),
}

/// `zkt-eth toolchain install`.
#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Install here instead of $ZKT_ETH_HOME/toolchain (found later only through ZKT_ETH_ROOT).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Reinstall even when the same pinned toolchain is already installed.
    #[arg(long)]
    pub force: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `zkt-eth toolchain status`.
#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `zkt-eth toolchain which`.
#[derive(Args, Debug)]
pub struct WhichArgs {
    /// The program.
    #[arg(value_enum)]
    pub tool: Tool,
    /// Machine-readable output: `{tool, path}`.
    #[arg(long)]
    pub json: bool,
}

impl ToolchainArgs {
    /// Whether the subcommand asked for `--json`.
    pub fn json(&self) -> bool {
        match &self.command {
            ToolchainCommand::Install(a) => a.json,
            ToolchainCommand::Status(a) => a.json,
            ToolchainCommand::Which(a) => a.json,
        }
    }
}

/// Run a `zkt-eth toolchain` subcommand.
pub fn run(a: &ToolchainArgs) -> anyhow::Result<()> {
    match &a.command {
        ToolchainCommand::Install(a) => install(a),
        ToolchainCommand::Status(a) => status(a),
        ToolchainCommand::Which(a) => {
            let path = toolchain::locate(a.tool)?.path;
            if a.json {
                return print_json(&serde_json::json!({"tool": format!("{:?}", a.tool).to_lowercase(), "path": path}));
            }
            say!("{}", path.display());
            Ok(())
        }
    }
}

/// The files `install` writes before running npm, with their unix modes.
fn pinned_files() -> [(&'static str, &'static str, u32); 3] {
    [
        ("package.json", toolchain::PACKAGE_JSON, 0o644),
        ("package-lock.json", toolchain::PACKAGE_LOCK, 0o644),
        ("tools/solc", toolchain::SOLC_SHIM, 0o755),
    ]
}

/// Whether `dir` holds exactly this binary's pinned toolchain, installed.
fn is_current(dir: &Path) -> bool {
    pinned_files()
        .iter()
        .all(|(rel, text, _)| std::fs::read_to_string(dir.join(rel)).is_ok_and(|t| t == *text))
        && dir.join("node_modules/.package-lock.json").is_file()
        && ["forge", "anvil", "cast"]
            .iter()
            .all(|t| dir.join("node_modules/.bin").join(t).is_file())
}

fn write_file(path: &Path, text: &str, mode: u32) -> anyhow::Result<()> {
    artifacts::write_atomic(path, text.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("chmod {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

/// Runs `cmd` in `dir`; on failure the error carries the last lines of its output.
fn run_checked(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("could not start {what}"))?;
    if !out.status.success() {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        bail!("{what} failed ({}):\n{tail}", out.status);
    }
    Ok(())
}

/// Removes a directory tree we created, ignoring a missing one.
fn remove_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", dir.display())),
    }
}

/// Fills `staging` with the pinned files and runs `npm ci` there.
fn populate(staging: &Path) -> anyhow::Result<()> {
    for (rel, text, mode) in pinned_files() {
        write_file(&staging.join(rel), text, mode)?;
    }
    eprintln!(
        "• npm ci (pinned forge/anvil/cast, solc-js, snarkjs) in {}…",
        staging.display()
    );
    // --include=dev: the pins are devDependencies, and NODE_ENV=production would skip them.
    // --prefer-offline: the lockfile's integrity hashes make cached tarballs as good as fresh ones.
    run_checked(
        Command::new("npm").current_dir(staging).args([
            "ci",
            "--include=dev",
            "--prefer-offline",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ]),
        "`npm ci`",
    )?;
    for tool in ["forge", "anvil", "cast"] {
        let bin = staging.join("node_modules/.bin").join(tool);
        toolchain::tool_version(&bin).map_err(|e| anyhow::anyhow!("the installed {tool} does not run: {e}"))?;
    }
    run_checked(
        Command::new(staging.join("tools/solc")).arg("--version"),
        "the installed solc shim (`tools/solc --version`)",
    )
}

fn install(a: &InstallArgs) -> anyhow::Result<()> {
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        bail!(
            "the pinned npm Foundry packages exist for linux-amd64 only: install Foundry with foundryup \
             (https://getfoundry.sh) and a native solc >= 0.8.24 instead; zkt-eth finds both on PATH"
        );
    }
    for (prog, why) in [("node", "Node.js >= 20"), ("npm", "npm (it ships with Node.js)")] {
        if !on_path(prog) {
            bail!(
                "`{prog}` not found on PATH: install {why}, then re-run `zkt-eth toolchain install` \
                 (or install Foundry with foundryup and put a native solc >= 0.8.24 on PATH)"
            );
        }
    }
    let dir = match &a.dir {
        Some(d) => std::path::absolute(d).with_context(|| format!("{}", d.display()))?,
        None => toolchain::toolchain_dir().with_context(|| {
            format!(
                "no home directory: set {} (or HOME), or pass --dir",
                toolchain::HOME_ENV
            )
        })?,
    };
    let parent = dir
        .parent()
        .with_context(|| format!("{} has no parent directory", dir.display()))?
        .to_path_buf();
    let name = dir
        .file_name()
        .map_or("toolchain".into(), |n| n.to_string_lossy().into_owned());

    let already = is_current(&dir);
    if already && !a.force {
        eprintln!(
            "the pinned toolchain is already installed in {} (--force reinstalls)",
            dir.display()
        );
    } else {
        std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
        let pid = std::process::id();
        let staging = parent.join(format!(".{name}.staging-{pid}"));
        remove_dir(&staging)?;
        if let Err(e) = populate(&staging) {
            let _ = remove_dir(&staging);
            return Err(e.context(format!(
                "installing the toolchain into {} failed; nothing was changed there",
                dir.display()
            )));
        }
        let old = parent.join(format!(".{name}.old-{pid}"));
        if dir.exists() {
            std::fs::rename(&dir, &old).with_context(|| format!("moving the old {} aside", dir.display()))?;
        }
        if let Err(e) = std::fs::rename(&staging, &dir) {
            let _ = std::fs::rename(&old, &dir);
            let _ = remove_dir(&staging);
            return Err(e).with_context(|| format!("moving the new toolchain to {}", dir.display()));
        }
        remove_dir(&old)?;
    }

    let solc = dir.join("tools/solc");
    let forge = dir.join("node_modules/.bin/forge");
    let record = json!({
        "dir": dir,
        "installed": !already || a.force,
        "forge": forge,
        "forge_version": toolchain::tool_version(&forge).ok(),
        "solc": solc,
        "solc_version": toolchain::PINNED_SOLC,
    });
    if a.json {
        return print_json(&record);
    }
    say!("toolchain ready in {}", dir.display());
    say!("  forge/anvil/cast: {}", dir.join("node_modules/.bin").display());
    say!("  solc (solc-js {} shim): {}", toolchain::PINNED_SOLC, solc.display());
    if a.dir.is_some() {
        say!("  use it with: export {}={}", toolchain::ROOT_ENV, dir.display());
    }
    say!("  remove it with: rm -rf {}", dir.display());
    Ok(())
}

/// One program's status as JSON.
fn tool_status(tool: Tool) -> (Value, bool) {
    let located = match tool {
        Tool::Solc => toolchain::solc().map(|s| (s.path, s.origin, Ok(s.version), Some(s.kind))),
        _ => toolchain::locate(tool).map(|t| {
            let v = toolchain::tool_version(&t.path);
            (t.path, t.origin, v, None)
        }),
    };
    match located {
        Ok((path, origin, version, kind)) => {
            let ok = version.is_ok();
            (
                json!({
                    "found": true, "path": path, "source": origin.label(), "from": origin.to_string(),
                    "version": version.as_ref().ok(), "error": version.err(),
                    "kind": kind.map(|k| match k {
                        toolchain::SolcKind::Native => "native",
                        toolchain::SolcKind::Shim => "solc-js shim",
                    }),
                }),
                ok,
            )
        }
        Err(e) => (
            json!({"found": false, "error": e.to_string(), "fix": tool.fix()}),
            false,
        ),
    }
}

fn status(a: &StatusArgs) -> anyhow::Result<()> {
    let home = toolchain::toolchain_dir();
    let mut tools = serde_json::Map::new();
    let mut missing = Vec::new();
    for tool in Tool::ALL {
        let (v, ok) = tool_status(tool);
        // cast is optional: zkt-eth itself never runs it.
        if !ok && tool != Tool::Cast {
            missing.push(tool.name());
        }
        tools.insert(tool.name().into(), v);
    }
    let record = json!({
        "home_toolchain": home,
        "home_toolchain_installed": home.as_deref().is_some_and(is_current),
        "root_override": std::env::var_os(toolchain::ROOT_ENV).map(PathBuf::from),
        "tools": tools,
        "ok": missing.is_empty(),
    });
    if a.json {
        print_json(&record)?;
    } else {
        for tool in Tool::ALL {
            let t = &record["tools"][tool.name()];
            if t["found"].as_bool().unwrap_or(false) {
                say!(
                    "{:<5}  {}  [{}]  from {}",
                    tool.name(),
                    t["version"].as_str().or(t["error"].as_str()).unwrap_or("?"),
                    t["path"].as_str().unwrap_or("?"),
                    t["from"].as_str().unwrap_or("?"),
                );
            } else {
                say!("{:<5}  not found", tool.name());
            }
        }
        match &home {
            Some(h) if is_current(h) => println!("home toolchain: {} (installed)", h.display()),
            Some(h) => println!("home toolchain: {} (not installed)", h.display()),
            None => println!("home toolchain: none ($HOME and ${} unset)", toolchain::HOME_ENV),
        }
    }
    if !missing.is_empty() {
        let first = &record["tools"][missing[0]]["error"];
        bail!(
            "missing: {}. {}",
            missing.join(", "),
            first.as_str().unwrap_or_default()
        );
    }
    Ok(())
}
