//! `trainer export`: rewrites a checkpoint in the compact form the web app fetches (f16 weights) with a
//! complete card: how it was trained (command, commit, hardware, epochs, losses), its scores on its
//! test split and a few generations, all computed with the exported weights.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use model::burn::prelude::Device;
use model::checkpoint::card::{Sample, Training};
use model::checkpoint::{CARD_FILE, Card, Checkpoint, Precision};
use model::decode::DecodeConfig;
use model::generate::generate;

use crate::data::DataSpec;
use crate::eval::{EvalArgs, eval_pairs, evaluate_pairs, load_checkpoint};
use crate::train::RunConfig;
use crate::train::provenance::COMMIT;
use crate::train::run_dir::{LAST_DIR, RUN_FILE, STATE_FILE, TrainState, read_json, replace_dir};

/// Descriptions every exported checkpoint records its output for (the shipped-checkpoint test decodes
/// them again and compares).
pub const SAMPLE_DESCRIPTIONS: [&str; 4] = [
    "Return the name of the user.",
    "Read a JSON file and return its contents.",
    "Check whether the given path is a directory.",
    "Remove all empty lines from a string.",
];

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
    // The weights as they will be stored, scored before the card that records the scores is written.
    let mut files = checkpoint.to_files_as(precision, &checkpoint.card)?;
    let rounded = Checkpoint::from_files(&files, None, &device)?;
    let card = card(&args.checkpoint, &rounded, &device)?;
    files.set(CARD_FILE, card.to_json());
    replace_dir(&args.out, |dir| Ok(files.save(dir)?))?;
    let test = card.test.as_ref().expect("export scores the test split");
    println!(
        "wrote {} ({} weights, {:.1} MB); test split: BLEU {:.2}, token accuracy {:.2}%",
        args.out.display(),
        args.precision,
        files.get(&rounded.config.weights)?.len() as f64 / 1e6,
        test.bleu,
        test.token_accuracy
    );
    Ok(())
}

/// The card of the exported checkpoint: the source's, completed with the training facts, the test
/// scores and the samples of the exported weights.
fn card(source: &Path, checkpoint: &Checkpoint, device: &Device) -> Result<Card> {
    let spec = DataSpec::from_card(&checkpoint.card.data)
        .context("the checkpoint does not say which data it was trained on")?;
    let eval = EvalArgs::new(source, None, 1);
    let (_, pairs) = eval_pairs(&eval, checkpoint)?;
    let (test, _) = evaluate_pairs(checkpoint, &pairs, &DecodeConfig::new(), device);
    let samples = SAMPLE_DESCRIPTIONS
        .iter()
        .map(|&description| {
            let generation =
                generate(checkpoint, &[description], &DecodeConfig::new(), device)?.remove(0);
            Ok(Sample {
                description: description.to_string(),
                tokens: generation.tokens,
                code: generation.code,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Card {
        data: spec.card(Some(&spec.load()?)),
        training: training(source, &checkpoint.card)?,
        test: Some(test),
        samples,
        written_by: Some(COMMIT.to_string()),
        ..checkpoint.card.clone()
    })
}

/// The training facts: from the run folder around `source` (`RUN/best`), or kept from `source`'s own
/// card when it is an exported checkpoint.
fn training(source: &Path, card: &Card) -> Result<Option<Training>> {
    if card.training.is_some() {
        return Ok(card.training.clone());
    }
    let Some(run) = source.parent().filter(|run| run.join(RUN_FILE).exists()) else {
        return Ok(None);
    };
    let config: RunConfig = read_json(&run.join(RUN_FILE))?;
    let state: TrainState = read_json(&run.join(LAST_DIR).join(STATE_FILE))?;
    Ok(Some(crate::train::training(&config, &state)))
}
