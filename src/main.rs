//! The `zkt-eth` binary.
use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = zkt_eth::cli::Cli::parse();
    match zkt_eth::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", zkt_eth::cli::error_message(&e));
            std::process::ExitCode::FAILURE
        }
    }
}
