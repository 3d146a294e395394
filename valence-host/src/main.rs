//! The `valence` command-line tool: a thin layer of argument parsing over
//! the `valence_host` library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use valence_host::commands;

/// Valence: predict how positive or negative audio sounds, from a workstation
/// down to a microcontroller.
#[derive(Debug, Parser)]
#[command(name = "valence", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compute the core's log-mel frames of a recording and save them as .npy.
    Mel(commands::mel::MelArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Mel(args) => commands::mel::run(args).map(|frames| {
            eprintln!(
                "wrote {frames} frames of {} mel bands to {}",
                args.spec.n_mels,
                args.out.display()
            );
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
