//! `trainer export`: rewrites a checkpoint in the compact form the web app fetches (f16 weights).

use std::path::PathBuf;

use anyhow::{Result, bail};
use model::burn::prelude::Device;
use model::checkpoint::{Checkpoint, Precision};

use crate::eval::load_checkpoint;
use crate::train::run_dir::replace_dir;

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
    let checkpoint = load_checkpoint(&args.checkpoint, &Device::flex())?;
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
    replace_dir(&args.out, |dir| Ok(Checkpoint::save(&files, dir)?))?;
    println!(
        "wrote {} ({} weights, {:.1} MB)",
        args.out.display(),
        args.precision,
        files.weights.len() as f64 / 1e6
    );
    Ok(())
}
