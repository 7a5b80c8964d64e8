//! `trainer compare`: trains and evaluates several models on the same data and writes a report folder:
//!
//! ```text
//! OUT/MODEL/...           each model's training run (see `train::run_dir`), plus
//! OUT/MODEL/eval-test.json, predictions-test.jsonl (and -extra for --extra-test)
//! OUT/report/README.md    results table beside the reference's, figures, example generations
//! OUT/report/results.json every summary, with timings
//! OUT/report/*.svg        comparison bars, training curves, BLEU by docstring length, heatmaps
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use model::generate::{GenerateConfig, generate_from_tokens};
use model::models::ModelKind;
use serde::Serialize;

use crate::corpus::Pair;
use crate::data::DataArgs;
use crate::device::device;
use crate::eval::{EvalArgs, eval_pairs, evaluate_pairs, load_checkpoint, write_predictions};
use crate::metrics::EvalSummary;
use crate::plot::{attention_heatmap, bar_chart, bleu_by_length, training_curves};
use crate::report::{code_block, display_name, markdown_table, reference_table};
use crate::train::history::losses;
use crate::train::run_dir::{BEST_DIR, RUN_FILE, write_atomic, write_json};
use crate::train::{TrainArgs, TrainOutcome, TrainSettings};

/// `trainer compare`.
#[derive(clap::Args, Debug, Clone)]
pub struct CompareArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Models to compare, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "rnn,lstm,attention")]
    pub models: Vec<ModelKind>,
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

/// One model's results, as `results.json` lists them.
#[derive(Debug, Serialize)]
pub struct ModelResult {
    pub model: ModelKind,
    pub epochs: usize,
    pub best_epoch: Option<usize>,
    pub best_valid_loss: Option<f64>,
    pub train_seconds: f64,
    pub test: EvalSummary,
    pub extra_test: Option<EvalSummary>,
}

/// Examples shown in the report.
const EXAMPLES: usize = 5;

pub fn run(args: &CompareArgs) -> Result<PathBuf> {
    let started = Instant::now();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/compare-{}", args.data.preset)));
    let device = device(&args.settings.device)?;
    let mut results = Vec::new();
    let mut outcomes = Vec::new();
    let mut test_pairs: Vec<Pair> = Vec::new();
    for &kind in &args.models {
        let run_dir = out.join(kind.name());
        let train = TrainArgs {
            model: kind,
            data: args.data.clone(),
            settings: args.settings.clone(),
            out: Some(run_dir.clone()),
            resume: args.resume && run_dir.join(RUN_FILE).exists(),
            force: !args.resume,
        };
        let outcome = crate::train::run(&train)?;
        let checkpoint = load_checkpoint(&run_dir.join(BEST_DIR), &device)?;
        let config = GenerateConfig::new().with_beam_width(args.beam.max(1));
        let evaluate = |data: Option<&PathBuf>, name: &str| -> Result<(EvalSummary, Vec<Pair>)> {
            let eval = eval_args(&run_dir, data.cloned(), args);
            let (_, pairs) = eval_pairs(&eval, &checkpoint)?;
            let (summary, predictions) = evaluate_pairs(&checkpoint, &pairs, &config, &device);
            write_json(&run_dir.join(format!("eval-{name}.json")), &summary)?;
            write_predictions(
                &run_dir.join(format!("predictions-{name}.jsonl")),
                &predictions,
            )?;
            println!(
                "{kind} on {name}: BLEU {:.2}, token accuracy {:.2}%, exact match {:.2}%, syntax valid {:.2}%",
                summary.bleu, summary.token_accuracy, summary.exact_match, summary.syntax_valid
            );
            Ok((summary, pairs))
        };
        let (test, pairs) = evaluate(None, "test")?;
        test_pairs = pairs;
        let extra_test = match &args.extra_test {
            Some(file) => Some(evaluate(Some(file), "extra")?.0),
            None => None,
        };
        results.push(ModelResult {
            model: kind,
            epochs: outcome.state.epochs_done,
            best_epoch: outcome.state.best_epoch,
            best_valid_loss: outcome.state.best_valid_loss,
            train_seconds: outcome.seconds,
            test,
            extra_test,
        });
        outcomes.push(outcome);
    }
    let report = out.join("report");
    write_report(
        &report,
        args,
        &results,
        &outcomes,
        &test_pairs,
        started.elapsed().as_secs_f64(),
    )?;
    Ok(report)
}

fn eval_args(run_dir: &Path, data: Option<PathBuf>, args: &CompareArgs) -> EvalArgs {
    EvalArgs {
        checkpoint: run_dir.join(BEST_DIR),
        split: "test".into(),
        data,
        all: false,
        beam: args.beam,
        limit: None,
        json: false,
        predictions: None,
        device: args.settings.device.clone(),
    }
}

fn write_report(
    dir: &Path,
    args: &CompareArgs,
    results: &[ModelResult],
    outcomes: &[TrainOutcome],
    test_pairs: &[Pair],
    seconds: f64,
) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let name = |r: &ModelResult| display_name(r.model.name()).to_string();
    let groups: Vec<(String, Vec<(&str, f64)>)> = results
        .iter()
        .map(|r| {
            let t = &r.test;
            (
                name(r),
                vec![
                    ("BLEU", t.bleu),
                    ("token accuracy %", t.token_accuracy),
                    ("exact match %", t.exact_match),
                    ("syntax valid %", t.syntax_valid),
                ],
            )
        })
        .collect();
    bar_chart(dir.join("comparison.svg"), "Test split", &groups)?;
    let curves: Vec<(String, Vec<crate::plot::EpochLosses>)> = outcomes
        .iter()
        .map(|o| {
            (
                display_name(o.config.model.kind.name()).to_string(),
                losses(&o.state.history),
            )
        })
        .collect();
    training_curves(dir.join("curves.svg"), &curves)?;
    let by_length: Vec<(String, &[crate::metrics::LengthBucket])> = results
        .iter()
        .map(|r| (name(r), r.test.bleu_by_length.as_slice()))
        .collect();
    bleu_by_length(dir.join("bleu_by_length.svg"), &by_length)?;

    let mut md = String::new();
    let data = outcomes
        .first()
        .map(|o| o.config.data.describe_short())
        .unwrap_or_default();
    let _ = writeln!(md, "# Model comparison\n");
    let _ = writeln!(
        md,
        "Data: {data}; {} test pairs. Decoding: {}. Total time {:.0} s.\n",
        results.first().map_or(0, |r| r.test.n),
        if args.beam > 1 {
            format!("beam search, width {}", args.beam)
        } else {
            "greedy".into()
        },
        seconds
    );
    let _ = writeln!(md, "## Results on the test split\n");
    let rows: Vec<(String, &EvalSummary)> = results.iter().map(|r| (name(r), &r.test)).collect();
    md.push_str(&markdown_table(&rows));
    if let Some(file) = &args.extra_test {
        let _ = writeln!(md, "\n## Results on {}\n", file.display());
        let rows: Vec<(String, &EvalSummary)> = results
            .iter()
            .filter_map(|r| Some((name(r), r.extra_test.as_ref()?)))
            .collect();
        md.push_str(&markdown_table(&rows));
    }
    let _ = writeln!(
        md,
        "\nThe reference design's published results, measured on other data with another tokenisation \
        (not directly comparable):\n"
    );
    md.push_str(&reference_table());
    let _ = writeln!(
        md,
        "\n## Training\n\n| Model | Epochs | Best epoch | Best valid loss | Train time |\n| :-- | --: | --: | --: | --: |"
    );
    for r in results {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.3} | {:.0} s |",
            name(r),
            r.epochs,
            r.best_epoch.map_or("-".into(), |e| e.to_string()),
            r.best_valid_loss.unwrap_or(f64::NAN),
            r.train_seconds
        );
    }
    let _ = writeln!(
        md,
        "\n![training curves](curves.svg)\n\n![comparison](comparison.svg)\n\n![BLEU by docstring length](bleu_by_length.svg)\n"
    );
    md.push_str(&examples_section(dir, args, test_pairs)?);
    write_atomic(&dir.join("README.md"), md.as_bytes())?;
    write_json(&dir.join("results.json"), &results)?;
    Ok(())
}

/// Five test descriptions, spread over the split, with each model's output and the attention model's
/// heatmap.
fn examples_section(dir: &Path, args: &CompareArgs, test_pairs: &[Pair]) -> Result<String> {
    let device = device(&args.settings.device)?;
    let root = dir.parent().unwrap_or(dir);
    let mut md = String::from("## Example generations\n\n");
    let picks: Vec<&Pair> = (0..EXAMPLES.min(test_pairs.len()))
        .map(|i| &test_pairs[i * test_pairs.len() / EXAMPLES.min(test_pairs.len())])
        .collect();
    let checkpoints = args
        .models
        .iter()
        .map(|k| {
            Ok((
                *k,
                load_checkpoint(&root.join(k.name()).join(BEST_DIR), &device)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    for (i, pair) in picks.iter().enumerate() {
        let _ = writeln!(md, "### {}. {}\n", i + 1, pair.docstring_tokens.join(" "));
        if let Some(code) = &pair.code {
            let _ = writeln!(
                md,
                "Reference (`{}`):\n\n{}",
                pair.func_name,
                code_block(code)
            );
        }
        for (kind, checkpoint) in &checkpoints {
            let sources = [pair.docstring_tokens.clone()];
            let generation =
                generate_from_tokens(checkpoint, &sources, &GenerateConfig::new(), &device)
                    .remove(0);
            let _ = writeln!(
                md,
                "{}:\n\n{}",
                display_name(kind.name()),
                code_block(&generation.code)
            );
            if let Some(weights) = &generation.attention {
                let file = format!("attention-{}.svg", i + 1);
                attention_heatmap(
                    dir.join(&file),
                    &generation.src_tokens,
                    &generation.attention_rows(),
                    weights,
                )?;
                let _ = writeln!(md, "![attention of example {}]({file})\n", i + 1);
            }
        }
    }
    Ok(md)
}
