//! `trainer export`: rewrites a checkpoint in the compact form the web app fetches (f16 weights) and adds
//! `metadata.json`: how it was trained (command, commit, hardware, epochs, losses), its scores on its
//! test split and a few generations, all computed with the exported weights.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use model::burn::prelude::Device;
use model::checkpoint::{Checkpoint, Precision};
use model::generate::{GenerateConfig, generate};
use model::models::ModelKind;
use serde::{Deserialize, Serialize};

use crate::data::DataSpec;
use crate::eval::{EvalArgs, eval_pairs, evaluate_pairs, load_checkpoint};
use crate::metrics::EvalSummary;
use crate::train::RunConfig;
use crate::train::history::EpochRecord;
use crate::train::provenance::{COMMIT, Provenance};
use crate::train::run_dir::{
    LAST_DIR, RUN_FILE, STATE_FILE, TrainState, read_json, replace_dir, write_json,
};

pub const METADATA_FILE: &str = "metadata.json";

/// Descriptions every exported checkpoint records its output for (the shipped-checkpoint test decodes
/// them again and compares).
pub const SAMPLE_DESCRIPTIONS: [&str; 4] = [
    "Return the name of the user.",
    "Read a JSON file and return its contents.",
    "Check whether the given path is a directory.",
    "Remove all empty lines from a string.",
];

/// `metadata.json` of an exported checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub model: ModelKind,
    /// The data, e.g. "embedded corpus, reference preset (10000 / 1000 / 1000 train / valid / test pairs)".
    pub data: String,
    /// The run the weights come from; absent when they were not trained by `trainer train`.
    pub training: Option<Training>,
    /// Greedy decoding of the checkpoint's test split with the exported weights.
    pub test: EvalSummary,
    /// [`SAMPLE_DESCRIPTIONS`] decoded one at a time (greedy) with the exported weights, as the web app
    /// decodes them.
    pub samples: Vec<Sample>,
    pub precision: Precision,
    /// The commit of the trainer that exported (and scored) the checkpoint.
    pub exported_by: String,
}

/// How the exported weights were trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// The command, commit and hardware of the start and of each resume.
    pub provenance: Vec<Provenance>,
    pub epochs_planned: usize,
    pub epochs_trained: usize,
    /// The epoch whose weights these are (the best validation loss).
    pub best_epoch: Option<usize>,
    pub best_valid_loss: Option<f64>,
    /// Sum of the epochs' wall times, validation included.
    pub wall_seconds: f64,
    pub history: Vec<EpochRecord>,
}

/// One description and what the checkpoint generates for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub description: String,
    /// Layout tokens, without `<eos>`.
    pub tokens: Vec<String>,
    pub code: String,
}

/// `trainer export`.
#[derive(clap::Args, Debug, Clone)]
pub struct ExportArgs {
    /// The checkpoint folder to read (e.g. runs/attention/best).
    #[arg(long, value_name = "DIR")]
    pub checkpoint: PathBuf,
    /// The folder to write.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Weight precision on disk: f16 (half the size) or f32.
    #[arg(long, default_value = "f16", value_parser = ["f16", "f32"])]
    pub precision: String,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &ExportArgs) -> Result<()> {
    if args.out.exists() && !args.force {
        bail!("{} exists; pass --force to replace it", args.out.display());
    }
    let device = Device::flex();
    let checkpoint = load_checkpoint(&args.checkpoint, &device)?;
    let precision = match args.precision.as_str() {
        "f32" => Precision::F32,
        _ => Precision::F16,
    };
    let files = Checkpoint::to_files(
        &checkpoint.model,
        &checkpoint.config.model,
        &checkpoint.src_vocab,
        &checkpoint.tgt_vocab,
        precision,
        checkpoint.config.metadata.clone(),
    )?;
    let exported = Checkpoint::from_bytes(
        &files.config_json,
        &files.src_vocab_json,
        &files.tgt_vocab_json,
        files.weights.clone(),
        None,
        &device,
    )?;
    let metadata = metadata(&args.checkpoint, &exported, &device)?;
    replace_dir(&args.out, |dir| {
        Checkpoint::save(&files, dir)?;
        write_json(&dir.join(METADATA_FILE), &metadata)
    })?;
    println!(
        "wrote {} ({} weights, {:.1} MB); test split: BLEU {:.2}, token accuracy {:.2}%",
        args.out.display(),
        args.precision,
        files.weights.len() as f64 / 1e6,
        metadata.test.bleu,
        metadata.test.token_accuracy
    );
    Ok(())
}

/// Reads `dir/metadata.json`.
pub fn read_metadata(dir: &Path) -> Result<Metadata> {
    read_json(&dir.join(METADATA_FILE))
}

fn metadata(source: &Path, checkpoint: &Checkpoint, device: &Device) -> Result<Metadata> {
    let spec: DataSpec = serde_json::from_value(checkpoint.config.metadata["data"].clone())
        .context("the checkpoint does not say which data it was trained on")?;
    let eval = EvalArgs::new(source, None, 1);
    let (_, pairs) = eval_pairs(&eval, checkpoint)?;
    let (test, _) = evaluate_pairs(checkpoint, &pairs, &GenerateConfig::new(), device);
    let samples = SAMPLE_DESCRIPTIONS
        .iter()
        .map(|&description| {
            let generation =
                generate(checkpoint, &[description], &GenerateConfig::new(), device)?.remove(0);
            Ok(Sample {
                description: description.to_string(),
                tokens: generation.tokens,
                code: generation.code,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Metadata {
        model: checkpoint.config.model.kind,
        data: spec.describe(&spec.load()?),
        training: training(source)?,
        test,
        samples,
        precision: checkpoint.config.precision,
        exported_by: COMMIT.to_string(),
    })
}

/// The training facts: from the run folder around `source` (`RUN/best`), or kept from `source`'s own
/// metadata when it is an exported checkpoint.
fn training(source: &Path) -> Result<Option<Training>> {
    if source.join(METADATA_FILE).exists() {
        return Ok(read_metadata(source)?.training);
    }
    let Some(run) = source.parent().filter(|run| run.join(RUN_FILE).exists()) else {
        return Ok(None);
    };
    let config: RunConfig = read_json(&run.join(RUN_FILE))?;
    let state: TrainState = read_json(&run.join(LAST_DIR).join(STATE_FILE))?;
    Ok(Some(Training {
        provenance: config.provenance,
        epochs_planned: config.epochs,
        epochs_trained: state.epochs_done,
        best_epoch: state.best_epoch,
        best_valid_loss: state.best_valid_loss,
        wall_seconds: state.history.iter().map(|r| r.seconds).sum(),
        history: state.history,
    }))
}
