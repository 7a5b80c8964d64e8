//! The results folder `compare` and `report` write from evaluated checkpoints:
//!
//! ```text
//! README.md        results table beside the reference's, training table, figures, example generations
//! results.json     every summary, with training facts
//! comparison.svg   test metrics per model
//! curves.svg       training and validation loss per epoch
//! bleu_by_length.svg
//! bleu_time.svg    test BLEU against training wall time, one line per model (checkpoints with a time)
//! attention-N.svg  the first attention model's weights for example N
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use model::burn::prelude::Device;
use model::checkpoint::Checkpoint;
use model::decode::DecodeConfig;
use model::generate::generate_from_words;
use model::models::ModelKind;
use serde::Serialize;

use crate::corpus::Pair;
use crate::eval::{EvalArgs, eval_pairs, evaluate_pairs, load_checkpoint, write_predictions};
use crate::metrics::EvalSummary;
use crate::plot::{
    attention_heatmap, bar_chart, bleu_against_time, bleu_by_length, training_curves,
};
use crate::tables::{code_block, markdown_table, reference_table};
use crate::train::history::{EpochRecord, losses};
use crate::train::run_dir::{write_atomic, write_json};

/// One model's results, as `results.json` lists them.
#[derive(Debug, Serialize)]
pub struct ModelResult {
    /// The name in tables and legends, e.g. "Attention".
    pub label: String,
    pub model: ModelKind,
    pub checkpoint: PathBuf,
    pub epochs: usize,
    pub best_epoch: Option<usize>,
    pub best_valid_loss: Option<f64>,
    /// Training wall time from fresh weights (the sum of the epochs', a starting checkpoint's included).
    pub train_seconds: f64,
    pub test: EvalSummary,
    pub extra_test: Option<EvalSummary>,
    pub history: Vec<EpochRecord>,
}

/// What the report says about how it was made.
pub struct ReportOptions<'a> {
    /// Where the data comes from, e.g. "embedded corpus, reference preset".
    pub data: String,
    /// The CodeSearchNet-format file the models were also evaluated on.
    pub extra_test: Option<&'a Path>,
    pub beam: usize,
    pub seconds: f64,
}

/// Examples shown in the report.
const EXAMPLES: usize = 5;

/// Evaluates a checkpoint on its own test split and, if given, on `extra_test`; writes each summary
/// (`eval-NAME.json`) and the predictions (`predictions-NAME.jsonl`) into `save_to`. Returns the summaries
/// and the test pairs.
pub fn evaluate_checkpoint(
    checkpoint_dir: &Path,
    checkpoint: &Checkpoint,
    extra_test: Option<&Path>,
    beam: usize,
    save_to: &Path,
    device: &Device,
) -> Result<(EvalSummary, Option<EvalSummary>, Vec<Pair>)> {
    let config = DecodeConfig::new().with_beam_width(beam);
    let evaluate = |data: Option<&Path>, name: &str| -> Result<(EvalSummary, Vec<Pair>)> {
        let eval = EvalArgs::new(checkpoint_dir, data.map(Path::to_path_buf), beam);
        let (_, pairs) = eval_pairs(&eval, checkpoint)?;
        let (summary, predictions) = evaluate_pairs(checkpoint, &pairs, &config, device);
        std::fs::create_dir_all(save_to)
            .with_context(|| format!("cannot create {}", save_to.display()))?;
        write_json(&save_to.join(format!("eval-{name}.json")), &summary)?;
        write_predictions(
            &save_to.join(format!("predictions-{name}.jsonl")),
            &predictions,
        )?;
        println!(
            "{} on {name}: BLEU {:.2}, token accuracy {:.2}%, exact match {:.2}%, syntax valid {:.2}% ({})",
            checkpoint.config.model.kind,
            summary.bleu,
            summary.token_accuracy,
            summary.exact_match,
            summary.syntax_valid,
            checkpoint_dir.display()
        );
        Ok((summary, pairs))
    };
    let (test, pairs) = evaluate(None, "test")?;
    let extra = match extra_test {
        Some(file) => Some(evaluate(Some(file), "extra")?.0),
        None => None,
    };
    Ok((test, extra, pairs))
}

/// Writes the results folder `dir` (see the module docs).
pub fn write_report(
    dir: &Path,
    options: &ReportOptions,
    results: &[ModelResult],
    test_pairs: &[Pair],
    device: &Device,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let groups: Vec<(String, Vec<(&str, f64)>)> = results
        .iter()
        .map(|r| {
            let t = &r.test;
            (
                r.label.clone(),
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
    let curves: Vec<(String, Vec<crate::plot::EpochLosses>)> = results
        .iter()
        .filter(|r| !r.history.is_empty())
        .map(|r| (r.label.clone(), losses(&r.history)))
        .collect();
    training_curves(dir.join("curves.svg"), &curves)?;
    let by_length: Vec<(String, &[crate::metrics::LengthBucket])> = results
        .iter()
        .map(|r| (r.label.clone(), r.test.bleu_by_length.as_slice()))
        .collect();
    bleu_by_length(dir.join("bleu_by_length.svg"), &by_length)?;
    // BLEU against training time, one line per model label through its checkpoints.
    let mut timed: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for r in results.iter().filter(|r| r.train_seconds > 0.0) {
        let point = (r.train_seconds / 3600.0, r.test.bleu);
        match timed.iter_mut().find(|(label, _)| *label == r.label) {
            Some((_, points)) => points.push(point),
            None => timed.push((r.label.clone(), vec![point])),
        }
    }
    let time_plot = !timed.is_empty();
    if time_plot {
        bleu_against_time(dir.join("bleu_time.svg"), &timed)?;
    }

    let mut md = String::new();
    let _ = writeln!(md, "# Model comparison\n");
    let _ = writeln!(
        md,
        "Data: {}; {} test pairs. Decoding: {}. Total time {:.0} s.\n",
        options.data,
        results.first().map_or(0, |r| r.test.n),
        if options.beam > 1 {
            format!("beam search, width {}", options.beam)
        } else {
            "greedy".into()
        },
        options.seconds
    );
    let _ = writeln!(md, "## Results on the test split\n");
    let rows: Vec<(String, &EvalSummary)> =
        results.iter().map(|r| (r.label.clone(), &r.test)).collect();
    md.push_str(&markdown_table(&rows));
    if let Some(file) = options.extra_test {
        let name = file.file_name().unwrap_or(file.as_os_str());
        let _ = writeln!(md, "\n## Results on {}\n", name.to_string_lossy());
        let rows: Vec<(String, &EvalSummary)> = results
            .iter()
            .filter_map(|r| Some((r.label.clone(), r.extra_test.as_ref()?)))
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
            r.label,
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
    if time_plot {
        let _ = writeln!(md, "![BLEU against training time](bleu_time.svg)\n");
    }
    md.push_str(&examples_section(dir, results, test_pairs, device)?);
    write_atomic(&dir.join("README.md"), md.as_bytes())?;
    write_json(&dir.join("results.json"), &results)?;
    Ok(())
}

/// Five test descriptions, spread over the split, with each model's output and the first attention
/// model's heatmap.
fn examples_section(
    dir: &Path,
    results: &[ModelResult],
    test_pairs: &[Pair],
    device: &Device,
) -> Result<String> {
    let mut md = String::from("## Example generations\n\n");
    let count = EXAMPLES.min(test_pairs.len());
    let picks: Vec<&Pair> = (0..count)
        .map(|i| &test_pairs[i * test_pairs.len() / count])
        .collect();
    let checkpoints = results
        .iter()
        .map(|r| Ok((r.label.as_str(), load_checkpoint(&r.checkpoint, device)?)))
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
        let mut heatmap_drawn = false;
        for (label, checkpoint) in &checkpoints {
            let sources = [pair.docstring_tokens.clone()];
            let generation =
                generate_from_words(checkpoint, &sources, &DecodeConfig::new(), device).remove(0);
            let _ = writeln!(md, "{label}:\n\n{}", code_block(&generation.code));
            if let (Some(weights), false) = (&generation.attention, heatmap_drawn) {
                let file = format!("attention-{}.svg", i + 1);
                attention_heatmap(
                    dir.join(&file),
                    &generation.src_tokens,
                    &generation.attention_rows(),
                    weights,
                )?;
                let _ = writeln!(md, "![{label}: attention of example {}]({file})\n", i + 1);
                heatmap_drawn = true;
            }
        }
    }
    Ok(md)
}
