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
    /// Build a dataset file (features, labels, spec, provenance) from recordings
    /// and a label file, or from a pickle / .npy / .npz; --summary only reports.
    Features(commands::features::FeaturesArgs),
    /// Train the MLP on a dataset (k-fold cross-validated with --folds) into a
    /// run directory: weights, model description, report.json, plots.
    Train(commands::train::TrainArgs),
    /// Tune learning rate and batch size by Bayesian optimisation, then train
    /// the final model with the best pair.
    Tune(commands::tune::TuneArgs),
    /// Run the device firmware on recordings under QEMU and check that every
    /// reading equals the host's, bit for bit; print the device's instruction counts.
    Verify(commands::verify::VerifyArgs),
    /// Print what a model file holds: specs, layers, MACs, flash and the RAM
    /// a device's sensor needs for it, label and metadata.
    Inspect(commands::inspect::InspectArgs),
    /// Print the valence readings of recordings, computed by the device's
    /// sensor code: one line per reading (file, end of window in s, valence).
    Predict(commands::predict::PredictArgs),
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
        Command::Features(args) => commands::features::run(args).map(|_| ()),
        Command::Train(args) => commands::train::run(args).map(|_| ()),
        Command::Tune(args) => commands::tune::run(args).map(|_| ()),
        Command::Verify(args) => commands::verify::run(args).map(|_| ()),
        Command::Inspect(args) => commands::inspect::run(args).map(|_| ()),
        Command::Predict(args) => commands::predict::run(args).map(|_| ()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
