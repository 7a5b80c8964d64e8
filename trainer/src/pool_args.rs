//! `--retrieve-from FILE`, shared by `eval` and `generate`: a retrieval model reads its neighbours
//! from another corpus than the training pairs it was shipped with (a user's own code base, a larger
//! corpus), without retraining.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use model::checkpoint::Checkpoint;

use crate::corpus::load_pairs;
use crate::data::retrieval_index;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct PoolArgs {
    /// Retrieval models: look neighbours up among every pair with code of this CodeSearchNet-format
    /// file instead of the training pairs saved with the checkpoint.
    #[arg(long, value_name = "FILE")]
    pub retrieve_from: Option<PathBuf>,
}

impl PoolArgs {
    /// Replaces the checkpoint's pool when asked; refuses for a model that reads no neighbours.
    pub fn apply(&self, checkpoint: &mut Checkpoint) -> Result<()> {
        let Some(file) = &self.retrieve_from else {
            return Ok(());
        };
        if checkpoint.retrieval.is_none() {
            bail!(
                "--retrieve-from: this `{}` model reads no neighbours (only models trained with them do)",
                checkpoint.config.model.label()
            );
        }
        let pairs = load_pairs(file).with_context(|| format!("reading {}", file.display()))?;
        let index = retrieval_index(&pairs);
        if index.documents().is_empty() {
            bail!("{}: no pairs with code to retrieve from", file.display());
        }
        checkpoint.retrieval = Some(index);
        Ok(())
    }
}
