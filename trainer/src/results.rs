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
//! copy-N.svg       the first copy model's weights and p_gen for example N
//! bm25/            the BM25 baseline's summaries and answers (its pool: the first model's training pairs)
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
use crate::eval::{
    EvalArgs, Prediction, eval_pairs, evaluate_baseline, evaluate_pairs, load_checkpoint,
    training_pairs, write_predictions,
};
use crate::generate::write_attention;
use crate::metrics::EvalSummary;
use crate::plot::{bar_chart, bleu_against_time, bleu_by_length, training_curves};
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
    /// The floor every model has to beat, scored on the same pairs.
    pub baseline: Option<BaselineResult>,
}

/// The BM25 baseline beside the models: the code of the training pair whose docstring is closest.
pub struct BaselineResult {
    pub test: EvalSummary,
    pub extra_test: Option<EvalSummary>,
    /// Its answers on the test split, in the order of the test pairs (the examples show them).
    pub test_answers: Vec<String>,
}

/// The baseline's name in tables and examples.
const BASELINE_LABEL: &str = "BM25 baseline (no training)";

/// Examples shown in the report.
const EXAMPLES: usize = 10;
/// Examples that get heatmaps (each is ~0.1 MB of SVG).
const HEATMAPS: usize = 5;

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
        save_evaluation(save_to, name, &summary, &predictions)?;
        print_summary(
            &checkpoint.config.model.kind.to_string(),
            name,
            &summary,
            checkpoint_dir,
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

/// Scores the BM25 baseline on the test split of `checkpoint`'s data and, if given, on `extra_test`,
/// its pool the training pairs of that data; writes its summaries and answers into `save_to`.
pub fn evaluate_bm25(
    checkpoint_dir: &Path,
    checkpoint: &Checkpoint,
    extra_test: Option<&Path>,
    save_to: &Path,
) -> Result<BaselineResult> {
    let pool = training_pairs(checkpoint)?;
    let evaluate = |data: Option<&Path>, name: &str| -> Result<(EvalSummary, Vec<Prediction>)> {
        let eval = EvalArgs::new(checkpoint_dir, data.map(Path::to_path_buf), 1);
        let (_, pairs) = eval_pairs(&eval, checkpoint)?;
        let (summary, predictions) = evaluate_baseline(&pool, &pairs);
        save_evaluation(save_to, name, &summary, &predictions)?;
        print_summary("bm25", name, &summary, checkpoint_dir);
        Ok((summary, predictions))
    };
    let (test, answers) = evaluate(None, "test")?;
    let extra_test = match extra_test {
        Some(file) => Some(evaluate(Some(file), "extra")?.0),
        None => None,
    };
    Ok(BaselineResult {
        test,
        extra_test,
        test_answers: answers.into_iter().map(|p| p.predicted_code).collect(),
    })
}

/// Writes `eval-NAME.json` and `predictions-NAME.jsonl` into `dir`.
fn save_evaluation(
    dir: &Path,
    name: &str,
    summary: &EvalSummary,
    predictions: &[Prediction],
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_json(&dir.join(format!("eval-{name}.json")), summary)?;
    write_predictions(&dir.join(format!("predictions-{name}.jsonl")), predictions)
}

fn print_summary(what: &str, name: &str, summary: &EvalSummary, checkpoint_dir: &Path) {
    println!(
        "{what} on {name}: BLEU {:.2}, token accuracy {:.2}%, exact match {:.2}%, syntax valid {:.2}% ({})",
        summary.bleu,
        summary.token_accuracy,
        summary.exact_match,
        summary.syntax_valid,
        checkpoint_dir.display()
    );
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
            format!("syntax-aware beam search, width {}", options.beam)
        } else {
            "syntax-aware greedy".into()
        },
        options.seconds
    );
    let _ = writeln!(md, "## Results on the test split\n");
    let baseline = options.baseline.as_ref();
    let mut rows: Vec<(String, &EvalSummary)> =
        results.iter().map(|r| (r.label.clone(), &r.test)).collect();
    rows.extend(baseline.map(|b| (BASELINE_LABEL.to_string(), &b.test)));
    md.push_str(&markdown_table(&rows));
    if let Some(file) = options.extra_test {
        let name = file.file_name().unwrap_or(file.as_os_str());
        let _ = writeln!(md, "\n## Results on {}\n", name.to_string_lossy());
        let mut rows: Vec<(String, &EvalSummary)> = results
            .iter()
            .filter_map(|r| Some((r.label.clone(), r.extra_test.as_ref()?)))
            .collect();
        rows.extend(
            baseline.and_then(|b| Some((BASELINE_LABEL.to_string(), b.extra_test.as_ref()?))),
        );
        md.push_str(&markdown_table(&rows));
    }
    if baseline.is_some() {
        let _ = writeln!(
            md,
            "\nThe BM25 baseline answers with the code of the training pair whose docstring is closest \
            (k1 = 1.2, b = 0.75, lower-cased docstring tokens; its pool: the first model's training \
            pairs). It has no vocabulary, so its seed BLEU compares with the references as they are."
        );
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
    let answers = baseline.map(|b| b.test_answers.as_slice());
    md.push_str(&examples_section(
        dir, results, test_pairs, answers, device,
    )?);
    write_atomic(&dir.join("README.md"), md.as_bytes())?;
    write_json(&dir.join("results.json"), &results)?;
    Ok(())
}

/// Ten test descriptions, spread over the split, with each model's output (a retrieval model's with
/// the function it read), the baseline's answer, and heatmaps of the first attention and the first
/// copy model.
fn examples_section(
    dir: &Path,
    results: &[ModelResult],
    test_pairs: &[Pair],
    baseline_answers: Option<&[String]>,
    device: &Device,
) -> Result<String> {
    let mut md = String::from("## Example generations\n\n");
    let count = EXAMPLES.min(test_pairs.len());
    let picks: Vec<usize> = (0..count).map(|i| i * test_pairs.len() / count).collect();
    let checkpoints = results
        .iter()
        .map(|r| Ok((r.label.as_str(), load_checkpoint(&r.checkpoint, device)?)))
        .collect::<Result<Vec<_>>>()?;
    for (i, &pick) in picks.iter().enumerate() {
        let pair = &test_pairs[pick];
        let _ = writeln!(md, "### {}. {}\n", i + 1, pair.docstring_tokens.join(" "));
        if let Some(code) = &pair.code {
            let _ = writeln!(
                md,
                "Reference (`{}`):\n\n{}",
                pair.func_name,
                code_block(code)
            );
        }
        let mut heatmaps = Heatmaps::default();
        for (label, checkpoint) in &checkpoints {
            let sources = [pair.docstring_tokens.clone()];
            let generation =
                generate_from_words(checkpoint, &sources, &DecodeConfig::new(), device).remove(0);
            let _ = writeln!(md, "{label}:\n\n{}", code_block(&generation.code));
            if let Some(neighbour) = generation.neighbours.first() {
                let document = &neighbour.document;
                let _ = writeln!(
                    md,
                    "It read `{}` from {} (BM25 score {:.1}).\n",
                    document.name, document.package, neighbour.score
                );
            }
            if i < HEATMAPS
                && let Some(file) = heatmaps.draw(dir, i + 1, &generation)?
            {
                let _ = writeln!(md, "![{label}: attention of example {}]({file})\n", i + 1);
            }
        }
        if let Some(answer) = baseline_answers.and_then(|a| a.get(pick)) {
            let _ = writeln!(md, "{BASELINE_LABEL}:\n\n{}", code_block(answer));
        }
    }
    Ok(md)
}

/// Which heatmaps one example has drawn: one for the first model with attention, one for the first
/// with copy attention (its rows give `p_gen`).
#[derive(Default)]
struct Heatmaps {
    attention: bool,
    copy: bool,
}

impl Heatmaps {
    /// Draws `generation`'s heatmap if its kind is not drawn yet; returns the file's name.
    fn draw(
        &mut self,
        dir: &Path,
        example: usize,
        generation: &model::generate::Generation,
    ) -> Result<Option<String>> {
        if generation.attention.is_none() {
            return Ok(None);
        }
        let (drawn, prefix) = match generation.p_gen {
            Some(_) => (&mut self.copy, "copy"),
            None => (&mut self.attention, "attention"),
        };
        if *drawn {
            return Ok(None);
        }
        *drawn = true;
        let file = format!("{prefix}-{example}.svg");
        write_attention(&dir.join(&file), generation)?;
        Ok(Some(file))
    }
}
