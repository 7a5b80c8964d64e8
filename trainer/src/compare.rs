//! `trainer compare`: trains and evaluates several models on the same data and writes a report folder:
//!
//! ```text
//! OUT/MODEL/...           each model's training run (see `train::run_dir`), plus
//! OUT/MODEL/eval-test.json, predictions-test.jsonl (and -extra for --extra-test)
//! OUT/report/             the results folder (see `results`)
//! ```

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use model::models::ModelKind;

use crate::corpus::Pair;
use crate::data::{DataArgs, TokenArgs};
use crate::device::device;
use crate::eval::load_checkpoint;
use crate::results::{
    ModelResult, ReportOptions, evaluate_bm25, evaluate_checkpoint, write_report,
};
use crate::train::run_dir::{BEST_DIR, RUN_FILE};
use crate::train::{TrainArgs, TrainSettings};

/// `trainer compare`.
#[derive(clap::Args, Debug, Clone)]
pub struct CompareArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Models to compare, comma-separated (default: the reference's rnn, lstm and attention;
    /// retrieval needs --tokens subwords).
    #[arg(long, value_delimiter = ',', default_values_t = ModelKind::REFERENCE)]
    pub models: Vec<ModelKind>,
    #[command(flatten)]
    pub tokens: TokenArgs,
    #[command(flatten)]
    pub settings: TrainSettings,
    /// The report folder (default: runs/compare-PRESET).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue runs already in --out instead of starting them over.
    #[arg(long)]
    pub resume: bool,
    /// Also evaluate on this CodeSearchNet-format file (e.g. the CodeSearchNet sample).
    #[arg(long, value_name = "FILE")]
    pub extra_test: Option<PathBuf>,
    /// Beam width for evaluation (1 = greedy).
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub beam: usize,
}

pub fn run(args: &CompareArgs) -> Result<PathBuf> {
    let started = Instant::now();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/compare-{}", args.data.preset)));
    let device = device(&args.settings.device)?;
    let mut results = Vec::new();
    let mut test_pairs: Vec<Pair> = Vec::new();
    let mut data = String::new();
    for &kind in &args.models {
        let run_dir = out.join(kind.name());
        let mut settings = args.settings.clone();
        // --copy is an option of the attention and Transformer models; the others train without it.
        settings.copy &= kind.copy_is_an_option();
        let train = TrainArgs {
            model: kind,
            data: args.data.clone(),
            tokens: args.tokens.clone(),
            settings,
            out: Some(run_dir.clone()),
            resume: args.resume && run_dir.join(RUN_FILE).exists(),
            force: !args.resume,
            init_from: None,
            keep_epochs: false,
        };
        let outcome = crate::train::run(&train)?;
        data = outcome.config.data.describe_short();
        let best = run_dir.join(BEST_DIR);
        let checkpoint = load_checkpoint(&best, &device)?;
        let (test, extra_test, pairs) = evaluate_checkpoint(
            &best,
            &checkpoint,
            args.extra_test.as_deref(),
            args.beam,
            &run_dir,
            &device,
        )?;
        test_pairs = pairs;
        results.push(ModelResult {
            label: kind.info().label.to_string(),
            model: kind,
            checkpoint: best,
            epochs: outcome.state.epochs_done,
            best_epoch: outcome.state.best_epoch,
            best_valid_loss: outcome.state.best_valid_loss,
            train_seconds: outcome.seconds,
            test,
            extra_test,
            history: outcome.state.history,
        });
    }
    let report = out.join("report");
    // Every model trained on the same data: the first one's training pairs are the baseline's pool.
    let baseline = match results.first() {
        Some(first) => {
            let checkpoint = load_checkpoint(&first.checkpoint, &device)?;
            let save_to = report.join("bm25");
            Some(evaluate_bm25(
                &first.checkpoint,
                &checkpoint,
                args.extra_test.as_deref(),
                &save_to,
            )?)
        }
        None => None,
    };
    let options = ReportOptions {
        data,
        extra_test: args.extra_test.as_deref(),
        beam: args.beam,
        seconds: started.elapsed().as_secs_f64(),
        baseline,
    };
    write_report(&report, &options, &results, &test_pairs, &device)?;
    Ok(report)
}
