//! `zkt-eth node`: a local Anvil dev node that outlives single commands.
//!
//! The node runs in the foreground (the resolved `anvil`, see [`crate::toolchain::anvil_path`])
//! on 127.0.0.1 and is recorded in [`NODE_RECORD`] (relative to the current directory, like the
//! other commands' default `build/`) while it runs: `deploy-verifier` without `--rpc-url` deploys
//! to it, and the `deployment.json` it writes sends `verify-onchain` there. Ctrl-C (SIGINT),
//! SIGTERM or SIGHUP stop the node and remove the record. A record whose node no longer answers
//! (e.g. after `kill -9`) is ignored.

use super::{print_json, say};
use crate::artifacts;
use crate::chain::{self, LocalNode, LocalNodeConfig};
use anyhow::{bail, Context};
use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Where a running `zkt-eth node` records itself, relative to the current directory.
pub const NODE_RECORD: &str = "build/node.json";

/// How long a recorded node may take to answer before it counts as gone.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// `zkt-eth node`.
#[derive(Args, Debug)]
pub struct NodeCommandArgs {
    /// TCP port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8545)]
    pub port: u16,
    /// Chain id (default: Anvil's 31337, the local dev chain).
    #[arg(long)]
    pub chain_id: Option<u64>,
    /// Print one JSON object {url, chain_id, pid, accounts, …} once the node is ready.
    #[arg(long)]
    pub json: bool,
}

/// What `zkt-eth node` writes to [`NODE_RECORD`] while it runs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct NodeRecord {
    /// JSON-RPC URL.
    pub url: String,
    /// The node's chain id.
    pub chain_id: u64,
    /// Process id of the Anvil process.
    pub pid: u32,
    /// Process id of the `zkt-eth node` process that owns it (signal it to stop the node).
    pub owner_pid: u32,
    /// Funded dev accounts.
    pub accounts: Vec<String>,
}

/// Reads [`NODE_RECORD`].
fn read_record() -> Option<Result<NodeRecord, String>> {
    let bytes = std::fs::read(NODE_RECORD).ok()?;
    Some(serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
}

/// Whether the node at `url` answers with `chain_id`.
async fn answers(url: &str, chain_id: u64) -> bool {
    matches!(
        tokio::time::timeout(PROBE_TIMEOUT, chain::chain_id(url)).await,
        Ok(Ok(id)) if id == chain_id
    )
}

/// The node recorded in [`NODE_RECORD`], if there is one and it answers with the recorded chain
/// id. A record that is unreadable or whose node is gone is reported on stderr and ignored.
pub async fn live_record() -> Option<NodeRecord> {
    match read_record()? {
        Err(e) => {
            eprintln!("note: ignoring {NODE_RECORD}: not a node record ({e})");
            None
        }
        Ok(rec) if answers(&rec.url, rec.chain_id).await => Some(rec),
        Ok(rec) => {
            eprintln!(
                "note: ignoring {NODE_RECORD}: the node it records ({}, pid {}) no longer answers",
                rec.url, rec.pid
            );
            None
        }
    }
}

/// Removes [`NODE_RECORD`] if it still describes `rec` (another node may have replaced it).
fn remove_record_if_ours(rec: &NodeRecord) {
    if let Some(Ok(on_disk)) = read_record() {
        if on_disk == *rec {
            let _ = std::fs::remove_file(NODE_RECORD);
        }
    }
}

/// Run the node until a signal (or until Anvil exits on its own, which is an error).
pub async fn node(a: &NodeCommandArgs) -> anyhow::Result<()> {
    if let Some(Ok(rec)) = read_record() {
        if answers(&rec.url, rec.chain_id).await {
            bail!(
                "a node is already running at {} (chain id {}, anvil pid {}), recorded in {NODE_RECORD}: \
                 use it, or stop it first (Ctrl-C in its terminal, or `kill {}`)",
                rec.url,
                rec.chain_id,
                rec.pid,
                rec.owner_pid
            );
        }
    }
    // Register before spawning so that an early Ctrl-C still cleans up.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&stop)).context("could not install a signal handler")?;
    }
    // Anvil exits at once on a busy port, but the spawner only notices at its timeout: check first.
    if a.port != 0 {
        if let Err(e) = std::net::TcpListener::bind(("127.0.0.1", a.port)) {
            bail!(
                "port {} on 127.0.0.1 is not available ({e}): is another node using it? pass --port 0 \
                 for any free port, or another --port",
                a.port
            );
        }
    }
    let config = LocalNodeConfig {
        chain_id: a.chain_id,
        port: Some(a.port),
        ..LocalNodeConfig::default()
    };
    let mut local = LocalNode::spawn_with(&config).map_err(|e| {
        if a.port == 0 {
            anyhow::Error::new(e)
        } else {
            anyhow::Error::new(e).context(format!(
                "could not start Anvil on 127.0.0.1:{} (is another node using the port? pass \
                 --port 0 for any free port)",
                a.port
            ))
        }
    })?;
    let rec = NodeRecord {
        url: local.endpoint(),
        chain_id: local.chain_id(),
        pid: local.pid(),
        owner_pid: std::process::id(),
        accounts: local.dev_addresses().iter().map(ToString::to_string).collect(),
    };
    artifacts::write_atomic(Path::new(NODE_RECORD), serde_json::to_string_pretty(&rec)?.as_bytes())?;
    let dev_chain = chain::is_local_dev_chain(&rec.url, rec.chain_id);
    if a.json {
        let accounts: Vec<_> = local
            .dev_addresses()
            .iter()
            .zip(local.dev_keys())
            .map(|(addr, key)| json!({"address": addr.to_string(), "private_key": key}))
            .collect();
        print_json(&json!({
            "url": rec.url, "chain_id": rec.chain_id, "pid": rec.pid, "owner_pid": rec.owner_pid,
            "record": NODE_RECORD, "local_dev_chain": dev_chain, "accounts": accounts,
        }))?;
    } else {
        say!(
            "Anvil node running at {} (chain id {}, pid {})",
            rec.url,
            rec.chain_id,
            rec.pid
        );
        say!("recorded in {NODE_RECORD}: `zkt-eth deploy-verifier` without --rpc-url deploys to it");
        if let (Some(addr), Some(key)) = (local.dev_addresses().first(), local.dev_keys().first()) {
            say!("dev account {addr}, private key {key} (publicly known: local testing only)");
        }
    }
    use std::io::Write as _;
    std::io::stdout().flush()?;
    eprintln!("Ctrl-C stops the node and removes {NODE_RECORD}");

    loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        if let Some(status) = local.try_wait()? {
            // Ctrl-C in a terminal reaches Anvil too; give our own handler a moment to see it.
            tokio::time::sleep(Duration::from_millis(300)).await;
            if stop.load(Ordering::SeqCst) {
                break;
            }
            remove_record_if_ours(&rec);
            bail!(
                "Anvil (pid {}) exited unexpectedly ({status}); removed {NODE_RECORD}",
                rec.pid
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    remove_record_if_ours(&rec);
    drop(local);
    eprintln!("stopped the node at {}; removed {NODE_RECORD}", rec.url);
    Ok(())
}
