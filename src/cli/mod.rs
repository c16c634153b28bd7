//! The `zkt-eth` command line: thin wrappers that exchange files (`crate::artifacts`).
//!
//! Human-readable results go to stdout, progress and per-phase timings to stderr; `--json` replaces
//! stdout with one JSON object for scripts.

mod bench;
mod create_verifier;
mod fixture;
mod local;
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
}

/// Subcommands, in pipeline order.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Quantize an ONNX model and lower it to basic blocks; prints a per-layer report.
    Compile(local::CompileArgs),
    /// Commit the weights and the lookup table: writes pk.bin and vk.bin.
    Setup(local::SetupArgs),
    /// Prove one inference: prints the (dequantized) outputs and timings, writes proof.bin.
    Prove(local::ProveArgs),
    /// Verify a proof with the Rust verifier: exit 0 and "valid", or non-zero naming the failed check.
    Verify(local::VerifyArgs),
    /// Generate the Solidity verifier for a vk (and report its bytecode size).
    CreateVerifier(create_verifier::CreateVerifierArgs),
    /// Deploy the verifier to an RPC node (default: an embedded Anvil), printing its address.
    DeployVerifier(onchain::DeployArgs),
    /// Check a proof against a deployed verifier with eth_call; prints valid/invalid and gas.
    VerifyOnchain(onchain::VerifyOnchainArgs),
    /// Print the exact calldata of `verify(proof, inputs, outputs)` for a proof file.
    EncodeCalldata(onchain::EncodeArgs),
    /// The whole pipeline on an embedded Anvil: compile, setup, prove, deploy, submit, gas.
    Demo(onchain::DemoArgs),
    /// Benchmarks: prove/setup time, memory, proof size, G1/Fr counts, gas, bytecode size.
    Bench(bench::BenchArgs),
    /// Write a forge test fixture (proof, inputs, outputs, vk digest, calldata) and its Solidity loader.
    Fixture(fixture::FixtureArgs),
    /// Install or inspect the Ethereum toolchain (forge, anvil, cast, solc) zkt-eth uses.
    Toolchain(toolchain_cmd::ToolchainArgs),
}

/// Run the CLI.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Compile(a) => local::compile(&a),
        Command::Setup(a) => local::setup(&a),
        Command::Prove(a) => local::prove(&a),
        Command::Verify(a) => local::verify(&a),
        Command::CreateVerifier(a) => create_verifier::run(&a),
        Command::DeployVerifier(a) => runtime()?.block_on(onchain::deploy(&a)),
        Command::VerifyOnchain(a) => runtime()?.block_on(onchain::verify_onchain(&a)),
        Command::EncodeCalldata(a) => onchain::encode(&a),
        Command::Demo(a) => runtime()?.block_on(onchain::demo(&a)),
        Command::Bench(a) => runtime()?.block_on(bench::bench(&a)),
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
        eprintln!("• {name}…");
        Self {
            name,
            start: std::time::Instant::now(),
        }
    }
    pub(crate) fn done(self) -> std::time::Duration {
        let d = self.start.elapsed();
        eprintln!("  {} done in {}", self.name, fmt_duration(d));
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

pub(crate) const INSECURE: &str =
    "INSECURE: this key comes from a --dev SRS with a public seed; anyone can forge proofs for it";
