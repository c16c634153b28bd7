//! The `zkt-eth` command line: thin wrappers that exchange files (`crate::artifacts`).
//!
//! Human-readable results go to stdout, progress and per-phase timings to stderr. `--json` makes
//! stdout hold exactly one JSON object: every human line a command (or a step that `demo` runs)
//! would print is routed to stderr instead (`say!`), and progress bars are switched off.
//! `--quiet` switches progress (bars and phase lines) off as well.

mod bench;
pub(crate) mod check_vk;
mod commit_input;
mod conformance;
mod create_verifier;
mod fixture;
mod local;
mod mock;
mod node;
mod onchain;
mod toolchain_cmd;

use clap::{Parser, Subcommand};

/// Prove ML inference with KZG on BN254 and verify it on Ethereum.
#[derive(Parser, Debug)]
#[command(name = "zkt-eth", version, about, long_about = None)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// No progress on stderr (bars and phase timings); results and errors are still printed.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// Print a human-readable result line: to stdout normally, to stderr when stdout is reserved for
/// one JSON object (`--json`, or a step run by `demo --json`).
macro_rules! say {
    ($($t:tt)*) => {
        if $crate::cli::human_on_stderr() { eprintln!($($t)*) } else { println!($($t)*) }
    };
}
pub(crate) use say;

static HUMAN_ON_STDERR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether human-readable result lines go to stderr (stdout is reserved for JSON).
pub fn human_on_stderr() -> bool {
    HUMAN_ON_STDERR.load(std::sync::atomic::Ordering::Relaxed)
}

fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// A progress line on stderr (silenced by `--quiet`).
pub(crate) fn progress_line(line: &str) {
    if !quiet() {
        eprintln!("{line}");
    }
}

/// Subcommands, in pipeline order.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Quantize an ONNX model and lower it to basic blocks; prints a per-layer report.
    Compile(local::CompileArgs),
    /// Run the witness and check every block's constraints without keys (seconds, before setup).
    Mock(mock::MockArgs),
    /// Commit the weights and the lookup table: writes pk.bin and vk.bin.
    Setup(local::SetupArgs),
    /// Commit to a private input (data owner): writes its secret opening, prints the public commitment.
    CommitInput(commit_input::CommitInputArgs),
    /// Prove one inference: prints the (dequantized) outputs and timings, writes proof.bin.
    Prove(local::ProveArgs),
    /// Verify a proof with the Rust verifier: exit 0 and "valid", or non-zero naming the failed check.
    Verify(local::VerifyArgs),
    /// Recompute every public part of a vk (table, domain, layout, ceremony) and compare; optionally
    /// check that a deployed contract is this vk's verifier.
    CheckVk(check_vk::CheckVkArgs),
    /// Generate the Solidity verifier for a vk (and report its bytecode size).
    CreateVerifier(create_verifier::CreateVerifierArgs),
    /// Run a local Anvil dev node in the foreground, recorded in build/node.json until Ctrl-C.
    Node(node::NodeCommandArgs),
    /// Deploy the verifier (to --rpc-url, else the `zkt-eth node` running, else a throwaway Anvil).
    DeployVerifier(onchain::DeployArgs),
    /// Check a proof against a deployed verifier (code, vk digest, eth_call returns true); gas.
    VerifyOnchain(onchain::VerifyOnchainArgs),
    /// Print the exact calldata of `verify(proof, inputs, outputs)` for a proof file.
    EncodeCalldata(onchain::EncodeArgs),
    /// The whole pipeline on an embedded Anvil: compile, setup, prove, deploy, submit, gas.
    Demo(onchain::DemoArgs),
    /// Run ONNX backend test cases (default: the onnx package's pytorch-converted) through compile,
    /// setup, prove and verify; compare the proven outputs with the expected ones.
    Conformance(conformance::ConformanceArgs),
    /// Benchmarks: prove/setup time, memory, proof size, G1/Fr counts, gas, bytecode size.
    Bench(bench::BenchArgs),
    /// Write a forge test fixture (proof, inputs, outputs, vk digest, calldata) and its Solidity loader.
    Fixture(fixture::FixtureArgs),
    /// Install or inspect the Ethereum toolchain (forge, anvil, cast, solc) zkt-eth uses.
    Toolchain(toolchain_cmd::ToolchainArgs),
}

impl Command {
    /// Whether the command was asked for machine-readable output.
    pub fn json(&self) -> bool {
        match self {
            Command::Compile(a) => a.json,
            Command::Setup(a) => a.json,
            Command::CommitInput(a) => a.json,
            Command::Prove(a) => a.json,
            Command::Verify(a) => a.json,
            Command::CheckVk(a) => a.json,
            Command::Mock(a) => a.json,
            Command::Node(a) => a.json,
            Command::Fixture(a) => a.json,
            Command::Toolchain(a) => a.json(),
            Command::CreateVerifier(a) => a.json,
            Command::DeployVerifier(a) => a.json,
            Command::VerifyOnchain(a) => a.json,
            Command::EncodeCalldata(a) => a.json,
            Command::Demo(a) => a.json,
            Command::Bench(a) => a.json,
            Command::Conformance(a) => a.json,
        }
    }
}

/// Run the CLI.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let json = cli.command.json();
    HUMAN_ON_STDERR.store(json, std::sync::atomic::Ordering::Relaxed);
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    crate::progress::enable(!json && !cli.quiet);
    match cli.command {
        Command::Compile(a) => local::compile(&a),
        Command::Mock(a) => mock::mock(&a),
        Command::Setup(a) => local::setup(&a),
        Command::CommitInput(a) => commit_input::run(&a),
        Command::Prove(a) => local::prove(&a),
        Command::Verify(a) => local::verify(&a),
        Command::CheckVk(a) => runtime()?.block_on(check_vk::check_vk_cmd(&a)),
        Command::CreateVerifier(a) => create_verifier::run(&a),
        Command::Node(a) => runtime()?.block_on(node::node(&a)),
        Command::DeployVerifier(a) => runtime()?.block_on(onchain::deploy(&a)),
        Command::VerifyOnchain(a) => runtime()?.block_on(onchain::verify_onchain(&a)),
        Command::EncodeCalldata(a) => onchain::encode(&a),
        Command::Demo(a) => runtime()?.block_on(onchain::demo(&a)),
        Command::Bench(a) => runtime()?.block_on(bench::bench(&a)),
        Command::Conformance(a) => conformance::run(&a),
        Command::Fixture(a) => fixture::run(&a),
        Command::Toolchain(a) => toolchain_cmd::run(&a),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// A phase timer that reports on stderr.
pub(crate) struct Phase {
    name: &'static str,
    start: std::time::Instant,
}

impl Phase {
    pub(crate) fn start(name: &'static str) -> Self {
        if !quiet() {
            eprintln!("• {name}…");
        }
        Self {
            name,
            start: std::time::Instant::now(),
        }
    }
    pub(crate) fn done(self) -> std::time::Duration {
        let d = self.start.elapsed();
        if !quiet() {
            eprintln!("  {} done in {}", self.name, fmt_duration(d));
        }
        d
    }
}

pub(crate) fn fmt_duration(d: std::time::Duration) -> String {
    if d.as_secs_f64() < 1.0 {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

pub(crate) fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub(crate) const INSECURE: &str = "INSECURE: this key's SRS is not from a pinned ceremony (a --dev SRS \
     with a public seed, or an unrecognised .ptau): whoever knows τ can forge proofs for it";

/// One line for an error and its causes, each cause said once: error types that already quote
/// their source in their own message (`"…: {source}"`) would otherwise repeat it.
pub fn error_message(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg
}
