//! `trainer`: the native command-line program. Each subcommand parses its arguments and calls the library.

use std::path::Path;
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
    /// Train one model, validating after every epoch.
    Train(trainer::train::TrainArgs),
    /// Evaluate a checkpoint on its test split or a CodeSearchNet-format file.
    Eval(trainer::eval::EvalArgs),
    /// Generate Python from a description (or a file of them).
    Generate(trainer::generate::GenerateArgs),
    /// Rewrite a checkpoint with f16 weights (the form the web app loads).
    Export(trainer::export::ExportArgs),
    /// Train and evaluate several models on the same data and write a report.
    Compare(trainer::compare::CompareArgs),
    /// Evaluate trained checkpoints (default: the shipped ones) and write the same report.
    Report(trainer::report::ReportArgs),
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
    // Before the rayon pool starts (flush_denormals starts it): a thread takes its allocator arena
    // at its first allocation.
    if std::env::var("SEQ2SEQ_KEEP_MEMORY").as_deref() != Ok("0") {
        trainer::memory::keep_freed_memory();
    }
    if std::env::var("SEQ2SEQ_FLUSH_DENORMALS").as_deref() != Ok("0") {
        model::cpu::flush_denormals();
    }
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: the failing step, then each cause (file, line, what was wrong).
            eprintln!("error: {}", trainer::error_line(&error));
            ExitCode::FAILURE
        }
    }
}

impl Cli {
    fn compare_args(self) -> trainer::compare::CompareArgs {
        match self.command {
            Some(Command::Compare(args)) => args,
            _ => unreachable!("parsed from `trainer compare`"),
        }
    }
}

fn compare(args: &trainer::compare::CompareArgs) -> Result<()> {
    let report = trainer::compare::run(args)?;
    println!("report: {}", report.join("README.md").display());
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Corpus(CorpusCommand::Build(args))) => trainer::corpus::run_build(&args),
        Some(Command::Corpus(CorpusCommand::Stats(args))) => trainer::corpus::run_stats(&args),
        Some(Command::Train(args)) => trainer::train::run(&args).map(|outcome| {
            println!(
                "trained in {:.0} s; best checkpoint: {}",
                outcome.seconds,
                outcome
                    .out
                    .join(trainer::train::run_dir::BEST_DIR)
                    .display()
            )
        }),
        Some(Command::Eval(args)) => trainer::eval::run(&args).map(|_| ()),
        Some(Command::Generate(args)) => trainer::generate::run(&args),
        Some(Command::Compare(args)) => compare(&args),
        Some(Command::Export(args)) => trainer::export::run(&args),
        Some(Command::Report(args)) => trainer::report::run(&args)
            .map(|dir| println!("report: {}", dir.join("README.md").display())),
        Some(Command::Bench(args)) => trainer::bench::run(&args),
        // The main job: what the shipped best model writes, then the quick comparison of the
        // reference's three models trained from scratch on the embedded corpus.
        None => {
            let device = trainer::device::device("cpu")?;
            trainer::showcase::run(Path::new(trainer::showcase::BEST_CHECKPOINT), &device)?;
            compare(&Cli::parse_from(["trainer", "compare"]).compare_args())
        }
    }
}
