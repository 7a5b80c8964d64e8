//! `trainer`: the native command-line program. Each subcommand parses its arguments and calls the library.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "trainer",
    version,
    about = "Text-to-Python seq2seq models: corpora, training, evaluation"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Build or inspect CodeSearchNet-format corpora.
    #[command(subcommand)]
    Corpus(CorpusCommand),
    /// Time training steps and greedy decoding at the reference size.
    Bench(trainer::bench::BenchArgs),
}

#[derive(Subcommand)]
enum CorpusCommand {
    /// Extract docstring/function pairs from wheels, sdists or folders of .py files.
    Build(trainer::corpus::BuildArgs),
    /// Print pairs per split, token length percentiles and vocabulary sizes.
    Stats(trainer::corpus::StatsArgs),
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: the failing step, then each cause (file, line, what was wrong).
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Corpus(CorpusCommand::Build(args))) => trainer::corpus::run_build(&args),
        Some(Command::Corpus(CorpusCommand::Stats(args))) => trainer::corpus::run_stats(&args),
        Some(Command::Bench(args)) => trainer::bench::run(&args),
        // The main job: until training lands, the statistics of the embedded corpus.
        None => trainer::corpus::run_stats(&trainer::corpus::StatsArgs::default()),
    }
}
