//! `trainer report`: evaluates finished checkpoints (e.g. the shipped ones in `checkpoints/`) and writes
//! the results folder `compare` writes, without training. Training facts (epochs, losses, time) come
//! from each checkpoint's card (see [`crate::export`]).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use model::checkpoint::Checkpoint;

use crate::data::DataSpec;
use crate::device::{DEVICE_HELP, device};
use crate::eval::load_checkpoint;
use crate::results::{
    BaselineResult, ModelResult, ReportOptions, evaluate_bm25, evaluate_checkpoint, write_report,
};
use crate::train::run_dir::{BEST_DIR, EPOCHS_DIR, LAST_DIR};

/// `trainer report`.
#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// Checkpoint folders, comma-separated; the first one's test split gives the examples.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "DIRS",
        default_value = "checkpoints/rnn,checkpoints/lstm,checkpoints/attention,checkpoints/copy,checkpoints/retrieval,checkpoints/transformer"
    )]
    pub checkpoints: Vec<PathBuf>,
    /// Also evaluate on this CodeSearchNet-format file (e.g. the CodeSearchNet sample).
    #[arg(long, value_name = "FILE")]
    pub extra_test: Option<PathBuf>,
    /// Beam width for evaluation (1 = greedy).
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub beam: usize,
    /// The results folder to write.
    #[arg(long, value_name = "DIR", default_value = "runs/report")]
    pub out: PathBuf,
    #[arg(long, value_name = "NAME", default_value = "cpu", help = DEVICE_HELP)]
    pub device: String,
}

pub fn run(args: &ReportArgs) -> Result<PathBuf> {
    let started = Instant::now();
    let device = device(&args.device)?;
    let mut results = Vec::new();
    let mut test_pairs = Vec::new();
    let mut data = Vec::new();
    let mut used = HashSet::new();
    let mut baseline = None;
    for dir in &args.checkpoints {
        let checkpoint = load_checkpoint(dir, &device)?;
        let spec = DataSpec::from_card(&checkpoint.card.data).ok();
        data.push(spec);
        // Numbered when two checkpoints' folders have the same name.
        let mut name = folder_name(dir);
        if !used.insert(name.clone()) {
            name = format!("{name}-{}", results.len() + 1);
        }
        let save_to = args.out.join(name);
        let (test, extra_test, pairs) = evaluate_checkpoint(
            dir,
            &checkpoint,
            args.extra_test.as_deref(),
            args.beam,
            &save_to,
            &device,
        )?;
        if test_pairs.is_empty() {
            test_pairs = pairs;
            baseline = baseline_beside(dir, &checkpoint, args, &args.out.join("bm25"));
        }
        results.push(model_result(dir, &checkpoint, test, extra_test)?);
    }
    label_by_data(&mut results, &data);
    let options = ReportOptions {
        data: data
            .first()
            .and_then(|d| d.as_ref())
            .map_or("unknown data".into(), DataSpec::describe_short),
        extra_test: args.extra_test.as_deref(),
        beam: args.beam,
        seconds: started.elapsed().as_secs_f64(),
        baseline,
    };
    write_report(&args.out, &options, &results, &test_pairs, &device)?;
    Ok(args.out.clone())
}

/// The BM25 baseline on the first checkpoint's data; a checkpoint whose card names no data has
/// no training pairs to retrieve from, and the report goes on without the baseline.
fn baseline_beside(
    dir: &Path,
    checkpoint: &Checkpoint,
    args: &ReportArgs,
    save_to: &Path,
) -> Option<BaselineResult> {
    match evaluate_bm25(dir, checkpoint, args.extra_test.as_deref(), save_to) {
        Ok(baseline) => Some(baseline),
        Err(e) => {
            eprintln!("report: no BM25 baseline row: {e:#}");
            None
        }
    }
}

/// Where a checkpoint's predictions go in the results folder: its folder's name, the run's for
/// `RUN/best` and `RUN/last`, `RUN-epoch-N` for `RUN/epochs/N` (`train --keep-epochs`).
fn folder_name(dir: &Path) -> String {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    let parent = dir.parent();
    if let (Some(epoch), Some(EPOCHS_DIR)) = (name(dir), parent.and_then(name).as_deref())
        && let Some(run) = parent.and_then(Path::parent).and_then(name)
    {
        return format!("{run}-epoch-{epoch}");
    }
    match name(dir) {
        Some(n) if n == BEST_DIR || n == LAST_DIR => dir.parent().and_then(name).unwrap_or(n),
        Some(n) => n,
        None => "checkpoint".into(),
    }
}

fn model_result(
    dir: &Path,
    checkpoint: &Checkpoint,
    test: crate::metrics::EvalSummary,
    extra_test: Option<crate::metrics::EvalSummary>,
) -> Result<ModelResult> {
    let kind = checkpoint.config.model.kind;
    let training = checkpoint.card.training.clone();
    let epoch = checkpoint.card.epoch.as_ref().map(|e| e.epoch);
    Ok(ModelResult {
        label: checkpoint.config.model.label(),
        model: kind,
        checkpoint: dir.to_path_buf(),
        // Counted from fresh weights, a starting checkpoint's epochs included, as the time is.
        epochs: training
            .as_ref()
            .map_or(epoch.unwrap_or(0), |t| t.epochs_before() + t.epochs_trained),
        best_epoch: training
            .as_ref()
            .map_or(epoch, |t| t.best_epoch.map(|e| t.epochs_before() + e)),
        best_valid_loss: training
            .as_ref()
            .and_then(|t| t.best_valid_loss)
            .or_else(|| checkpoint.card.epoch.as_ref().map(|e| e.valid_loss)),
        train_seconds: training.as_ref().map_or(0.0, |t| t.total_wall_seconds()),
        history: training.map(|t| t.history).unwrap_or_default(),
        test,
        extra_test,
    })
}

/// Models trained on other data than the first one's get it in their label, e.g. "Attention (full
/// preset)", so two attention models can be told apart.
fn label_by_data(results: &mut [ModelResult], data: &[Option<DataSpec>]) {
    for (result, spec) in results.iter_mut().zip(data) {
        if let (Some(spec), Some(Some(first))) = (spec, data.first())
            && spec != first
        {
            result.label = format!("{} ({})", result.label, spec_label(spec, first));
        }
    }
}

fn spec_label(spec: &DataSpec, first: &DataSpec) -> String {
    if spec.preset != first.preset {
        format!("{} preset", spec.preset)
    } else if let Some(n) = spec.train_size {
        format!("{n} training pairs")
    } else {
        spec.describe_short()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prediction_folders_name_the_run_and_the_epoch() {
        assert_eq!(folder_name(Path::new("checkpoints/copy")), "copy");
        assert_eq!(
            folder_name(Path::new("runs/transformer/best")),
            "transformer"
        );
        assert_eq!(
            folder_name(Path::new("runs/transformer/epochs/3")),
            "transformer-epoch-3"
        );
    }
}
