//! The files of a training run and how they are written.
//!
//! ```text
//! OUT/run.json          what was asked for (model, data, optimisation, seed, epochs)
//! OUT/best/             checkpoint with the lowest validation loss so far
//! OUT/last/             checkpoint after the last finished epoch, plus what resuming needs:
//!     optimizer.bpk     Adam's moments and step counts
//!     state.json        epochs done, best score, per-epoch history
//! OUT/metrics.csv       one row per epoch
//! OUT/metrics.json      the same history as JSON
//! OUT/curves.svg        train and validation loss per epoch
//! ```
//!
//! Every file and checkpoint folder is replaced atomically (see [`crate::atomic`]), so an interrupted
//! run always leaves a complete `best/` and `last/` (at worst the previous epoch's).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::history::EpochRecord;
use crate::atomic;

pub use crate::atomic::{existing_dir, replace_dir};

pub const RUN_FILE: &str = "run.json";
pub const BEST_DIR: &str = "best";
pub const LAST_DIR: &str = "last";
/// `train --keep-epochs`: `epochs/N/` holds epoch N's checkpoint.
pub const EPOCHS_DIR: &str = "epochs";
pub const OPTIMIZER_FILE: &str = "optimizer.bpk";
pub const STATE_FILE: &str = "state.json";
pub const METRICS_CSV: &str = "metrics.csv";
pub const METRICS_JSON: &str = "metrics.json";
pub const CURVES_SVG: &str = "curves.svg";

/// Where a run is going, saved in `last/state.json` after every epoch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    pub epochs_done: usize,
    pub best_valid_loss: Option<f64>,
    pub best_epoch: Option<usize>,
    pub history: Vec<EpochRecord>,
    /// Training steps (batches) taken: where the learning-rate warm-up resumes.
    #[serde(default)]
    pub steps: usize,
}

/// [`atomic::write_file`] as an `anyhow` result, the form the commands' code returns.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    Ok(atomic::write_file(path, contents)?)
}

/// Reads and parses a JSON file, naming it in errors.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: invalid contents", path.display()))
}

/// Serialises `value` as pretty JSON into `path`, atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, serde_json::to_string_pretty(value)?.as_bytes())
}
