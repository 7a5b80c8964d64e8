//! Per-epoch metrics of a run, written as CSV and JSON and drawn as training curves.

use std::path::Path;

use anyhow::Result;

use super::run_dir::{CURVES_SVG, METRICS_CSV, METRICS_JSON, write_atomic, write_json};
use crate::plot::training_curves;

/// Epoch records are part of a checkpoint's card, so their type lives with the card.
pub use model::checkpoint::card::EpochRecord;

const CSV_HEADER: &str =
    "epoch,train_loss,valid_loss,valid_perplexity,valid_token_accuracy,seconds";

/// The history as CSV text.
pub fn to_csv(history: &[EpochRecord]) -> String {
    let mut csv = format!("{CSV_HEADER}\n");
    for r in history {
        csv.push_str(&format!(
            "{},{:.6},{:.6},{:.4},{:.3},{:.2}\n",
            r.epoch,
            r.train_loss,
            r.valid_loss,
            r.valid_perplexity,
            r.valid_token_accuracy,
            r.seconds
        ));
    }
    csv
}

/// Writes `metrics.csv`, `curves.svg` and `metrics.json` of a run into `dir`, the JSON last: a run
/// stopped before it finished has a `metrics.json` behind its state (see [`is_current`]).
pub fn write(dir: &Path, model_name: &str, history: &[EpochRecord]) -> Result<()> {
    write_atomic(&dir.join(METRICS_CSV), to_csv(history).as_bytes())?;
    training_curves(dir.join(CURVES_SVG), &[(model_name, losses(history))])?;
    write_json(&dir.join(METRICS_JSON), &history)?;
    Ok(())
}

/// Whether the metrics in `dir` hold the epochs of `history` (all three files, since the JSON is
/// written last).
pub fn is_current(dir: &Path, history: &[EpochRecord]) -> bool {
    let epochs = |records: &[EpochRecord]| records.iter().map(|r| r.epoch).collect::<Vec<_>>();
    std::fs::read_to_string(dir.join(METRICS_JSON))
        .ok()
        .and_then(|text| serde_json::from_str::<Vec<EpochRecord>>(&text).ok())
        .is_some_and(|written| epochs(&written) == epochs(history))
}

/// `(epoch, train_loss, valid_loss)` per epoch, the form the curves plot takes.
pub fn losses(history: &[EpochRecord]) -> Vec<crate::plot::EpochLosses> {
    history
        .iter()
        .map(|r| (r.epoch, r.train_loss, r.valid_loss))
        .collect()
}
