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
//! Checkpoint folders are replaced atomically: written to `NAME.tmp/`, then swapped in by renames, so an
//! interrupted run always leaves a complete `best/` and `last/` (at worst the previous epoch's).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::history::EpochRecord;

pub const RUN_FILE: &str = "run.json";
pub const BEST_DIR: &str = "best";
pub const LAST_DIR: &str = "last";
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
}

/// Writes `contents` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let tmp = tmp_path(path);
    fs::write(&tmp, contents).with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Fills the folder `dir` with `fill` (called on a fresh temporary folder), then swaps it in.
pub fn replace_dir(dir: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let tmp = tmp_path(dir);
    let old = dir.with_extension("old");
    for stale in [&tmp, &old] {
        if stale.exists() {
            fs::remove_dir_all(stale)
                .with_context(|| format!("cannot remove {}", stale.display()))?;
        }
    }
    fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    fill(&tmp)?;
    if dir.exists() {
        fs::rename(dir, &old).with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    fs::rename(&tmp, dir).with_context(|| format!("cannot replace {}", dir.display()))?;
    if old.exists() {
        fs::remove_dir_all(&old).with_context(|| format!("cannot remove {}", old.display()))?;
    }
    Ok(())
}

/// `dir`, or the `dir.old` a swap interrupted between its two renames left behind.
pub fn existing_dir(dir: &Path) -> Option<PathBuf> {
    let old = dir.with_extension("old");
    [dir.to_path_buf(), old].into_iter().find(|d| d.is_dir())
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
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
