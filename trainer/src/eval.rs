//! `trainer eval`: decode a test set with a checkpoint and score the outputs ([`crate::metrics`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use model::burn::prelude::Device;
use model::checkpoint::Checkpoint;
use model::decode::{DecodeConfig, Hypothesis};
use model::generate::{best, output};
use model::tokenizer::Encoding;
use model::vocab::SOS;
use serde::{Deserialize, Serialize};

use crate::baseline::bm25_answers;
use crate::corpus::preset::Preset;
use crate::corpus::{Pair, load_pairs, within_limits};
use crate::data::DataSpec;
use crate::device::{DEVICE_HELP, device};
use crate::metrics::{
    EvalSummary, Example, SyntaxChecker, attention_spread, evaluate, exact_match, token_accuracy,
};
use crate::pool_args::PoolArgs;
use crate::search_args::SearchArgs;

/// `trainer eval`.
#[derive(clap::Args, Debug, Clone)]
pub struct EvalArgs {
    /// A checkpoint folder (e.g. runs/attention/best).
    #[arg(long, value_name = "DIR")]
    pub checkpoint: PathBuf,
    /// Which split of the data the checkpoint was trained on: test, valid or train.
    #[arg(long, default_value = "test", value_parser = ["test", "valid", "train"])]
    pub split: String,
    /// Evaluate on every pair of this CodeSearchNet-format file instead (within the length limits
    /// unless --all).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["split", "preset"])]
    pub data: Option<PathBuf>,
    /// Take the split from this preset of the checkpoint's data instead of the preset it was trained
    /// on: a model trained on `full` scored on `reference`'s 1,000 test pairs, beside the models trained
    /// there. Every preset draws from the same package-disjoint splits, so no test pair was trained on.
    #[arg(long, value_name = "PRESET")]
    pub preset: Option<Preset>,
    /// With --data: keep pairs beyond the limits too (descriptions are cut to 50 tokens).
    #[arg(long, requires = "data")]
    pub all: bool,
    #[command(flatten)]
    pub search: SearchArgs,
    #[command(flatten)]
    pub pool: PoolArgs,
    /// Score a baseline instead of the checkpoint's model: bm25 answers with the code of the training
    /// pair (of the checkpoint's own data) whose docstring is closest.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<Baseline>,
    /// Evaluate the first N pairs only.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Write one JSON line per example (description, reference, prediction, scores).
    #[arg(long, value_name = "FILE.jsonl")]
    pub predictions: Option<PathBuf>,
    #[arg(long, value_name = "NAME", default_value = "cpu", help = DEVICE_HELP)]
    pub device: String,
}

impl EvalArgs {
    /// Evaluation of `checkpoint` on its own test split, or on every pair of `data` within the limits,
    /// with beam width `beam` on the CPU; the library's callers (`export`, the results folder) use these.
    pub fn new(checkpoint: &Path, data: Option<PathBuf>, beam: usize) -> Self {
        Self {
            checkpoint: checkpoint.to_path_buf(),
            split: "test".into(),
            data,
            preset: None,
            all: false,
            search: SearchArgs::beam(beam),
            pool: PoolArgs::default(),
            baseline: None,
            limit: None,
            json: false,
            predictions: None,
            device: "cpu".into(),
        }
    }
}

/// A model-free answer to score beside the models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Baseline {
    /// The code of the training pair whose docstring is closest by BM25.
    Bm25,
}

/// One evaluated example, as written to the predictions file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub func_name: String,
    pub docstring_tokens: Vec<String>,
    /// CodeSearchNet-style reference tokens.
    pub reference: Vec<String>,
    /// The output in layout form.
    pub predicted_tokens: Vec<String>,
    /// The output as Python source.
    pub predicted_code: String,
    pub token_accuracy: f64,
    pub exact_match: bool,
    pub syntax_valid: bool,
}

/// Pairs decoded per batch (sorted by length, so batches hold similar lengths).
const EVAL_BATCH: usize = 64;

/// Decodes every pair (its description cut to the model's source limit) and scores the outputs.
/// Pairs without description tokens cannot be decoded and must be filtered out first.
pub fn evaluate_pairs(
    checkpoint: &Checkpoint,
    pairs: &[Pair],
    config: &DecodeConfig,
    device: &Device,
) -> (EvalSummary, Vec<Prediction>) {
    let sources: Vec<Encoding> = pairs
        .iter()
        .map(|p| model::generate::source(checkpoint, &p.docstring_tokens).source)
        .collect();
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_by_key(|&i| sources[i].ids.len());
    let mut hypotheses: Vec<Hypothesis> = vec![Hypothesis::default(); pairs.len()];
    for chunk in order.chunks(EVAL_BATCH) {
        let batch: Vec<Encoding> = chunk.iter().map(|&i| sources[i].clone()).collect();
        for (&i, hyp) in chunk.iter().zip(best(checkpoint, &batch, config, device)) {
            hypotheses[i] = hyp;
        }
    }
    let outputs: Vec<(Vec<String>, String)> = sources
        .iter()
        .zip(&hypotheses)
        .map(|(source, hyp)| output(checkpoint, config, source, hyp))
        .collect();
    let (mut summary, predictions) = score(pairs, outputs, |reference| {
        Some(seed_reference(checkpoint, reference))
    });
    let neighbours_from: Vec<Option<usize>> = sources.iter().map(neighbours_from).collect();
    summary.attention = attention_spread(&hypotheses, &neighbours_from);
    (summary, predictions)
}

/// The attention column of the first neighbour piece of a retrieval model's source (the columns
/// are `<sos>`, the source's ids, `<eos>`; the neighbours follow the description's inner `<sos>`).
fn neighbours_from(source: &Encoding) -> Option<usize> {
    let inner_sos = source.ids.iter().position(|&id| id == SOS)?;
    Some(inner_sos + 2)
}

/// The scores of the BM25 baseline on `pairs`, its pool the training pairs of `pool`.
pub fn evaluate_baseline(pool: &[Pair], pairs: &[Pair]) -> (EvalSummary, Vec<Prediction>) {
    let outputs = bm25_answers(pool, pairs)
        .into_iter()
        .map(|layout| {
            let code = model::tokenizer::detokenize(&layout);
            (layout, code)
        })
        .collect();
    score(pairs, outputs, |_| None)
}

/// Scores `outputs` (layout tokens and code, one per pair); `seed_reference` spells a reference as
/// the model's vocabulary does.
fn score(
    pairs: &[Pair],
    outputs: Vec<(Vec<String>, String)>,
    seed_reference: impl Fn(&[String]) -> Option<Vec<String>>,
) -> (EvalSummary, Vec<Prediction>) {
    let examples: Vec<Example> = pairs
        .iter()
        .zip(&outputs)
        .map(|(p, (out, _))| Example {
            docstring_len: p.docstring_tokens.len(),
            reference: p.code_tokens.clone(),
            hypothesis_layout: out.clone(),
            seed_reference: seed_reference(&p.code_tokens),
        })
        .collect();
    let summary = evaluate(&examples);
    let mut checker = SyntaxChecker::new();
    let predictions = pairs
        .iter()
        .zip(outputs)
        .map(|(p, (out, code))| {
            let plain = model::tokenizer::strip_layout(&out);
            Prediction {
                func_name: p.func_name.clone(),
                docstring_tokens: p.docstring_tokens.clone(),
                reference: p.code_tokens.clone(),
                token_accuracy: 100.0 * token_accuracy(&p.code_tokens, &plain),
                exact_match: exact_match(&p.code_tokens, &plain),
                syntax_valid: checker.is_valid(&code),
                predicted_code: code,
                predicted_tokens: out,
            }
        })
        .collect();
    (summary, predictions)
}

/// `reference` as the model's target vocabulary spells it (the reference design's BLEU compares
/// against that: a rare reference token becomes `<unk>`).
fn seed_reference(checkpoint: &Checkpoint, reference: &[String]) -> Vec<String> {
    let ids = checkpoint.target.encode_words(reference).ids;
    checkpoint.target.tokens(&ids)
}

/// The pairs `args` point at: the checkpoint's own split, or a file.
pub fn eval_pairs(args: &EvalArgs, checkpoint: &Checkpoint) -> Result<(String, Vec<Pair>)> {
    let (name, mut pairs) = match &args.data {
        Some(file) => {
            // The error names the file.
            let pairs = load_pairs(file)?;
            let pairs: Vec<Pair> = pairs
                .into_iter()
                .filter(|p| args.all || within_limits(p))
                .collect();
            (file.display().to_string(), pairs)
        }
        None => {
            let mut spec = DataSpec::from_card(&checkpoint.card.data).context(
                "the checkpoint does not say which data it was trained on; pass --data FILE",
            )?;
            if let Some(preset) = args.preset {
                spec = spec.with_preset(preset);
            }
            let splits = spec.load()?;
            let pairs = match args.split.as_str() {
                "train" => splits.train,
                "valid" => splits.valid,
                _ => splits.test,
            };
            (
                format!("{} split of {}", args.split, spec.describe_short()),
                pairs,
            )
        }
    };
    pairs.retain(|p| !p.docstring_tokens.is_empty() && !p.code_tokens.is_empty());
    if let Some(limit) = args.limit {
        pairs.truncate(limit);
    }
    if pairs.is_empty() {
        bail!("{name}: no pairs to evaluate");
    }
    Ok((name, pairs))
}

/// `trainer eval`.
pub fn run(args: &EvalArgs) -> Result<EvalSummary> {
    let device = device(&args.device)?;
    let mut checkpoint = load_checkpoint(&args.checkpoint, &device)?;
    args.search.check(&checkpoint)?;
    args.pool.apply(&mut checkpoint)?;
    let (name, pairs) = eval_pairs(args, &checkpoint)?;
    let config = args.search.decode_config();
    let started = std::time::Instant::now();
    let (summary, predictions) = match args.baseline {
        Some(Baseline::Bm25) => evaluate_baseline(&training_pairs(&checkpoint)?, &pairs),
        None => evaluate_pairs(&checkpoint, &pairs, &config, &device),
    };
    if let Some(path) = &args.predictions {
        write_predictions(path, &predictions)?;
    }
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        let what = match args.baseline {
            Some(Baseline::Bm25) => "the BM25 baseline (pool: its training pairs)".to_string(),
            None => format!(
                "{} ({})",
                args.checkpoint.display(),
                checkpoint.config.model.kind
            ),
        };
        let search = match args.baseline {
            Some(_) => "retrieval".to_string(),
            None => args.search.describe(),
        };
        println!(
            "{what} on {name}, {} pairs, {search} in {:.0} s",
            summary.n,
            started.elapsed().as_secs_f64()
        );
        print!("{}", crate::tables::summary_table(&summary));
    }
    Ok(summary)
}

/// The training pairs of the checkpoint's own data: the baseline's pool, the pairs the model
/// learned from.
pub fn training_pairs(checkpoint: &Checkpoint) -> Result<Vec<Pair>> {
    let spec = DataSpec::from_card(&checkpoint.card.data).context(
        "the checkpoint does not say which data it was trained on, so the baseline has no pool",
    )?;
    Ok(spec.load()?.train)
}

/// Loads a checkpoint folder, naming it in errors.
pub fn load_checkpoint(dir: &Path, device: &Device) -> Result<Checkpoint> {
    Checkpoint::load(dir, None, device)
        .with_context(|| format!("cannot load checkpoint {}", dir.display()))
}

/// Writes predictions as JSON Lines, atomically.
pub fn write_predictions(path: &Path, predictions: &[Prediction]) -> Result<()> {
    let mut text = Vec::new();
    for p in predictions {
        serde_json::to_writer(&mut text, p)?;
        text.write_all(b"\n")?;
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    crate::train::run_dir::write_atomic(path, &text)
}
