//! One epoch of training and one pass of validation.

use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use model::batch::{Batch, BatchingConfig, Example};
use model::burn::prelude::*;
use model::models::AnyModel;
use model::rng::{Rng, epoch_seed};
use model::train::{BatchScores, Trainer, score_batch};

/// Trains `model` (on an autodiff device) for one epoch; returns it with the mean batch loss. Stops
/// with an error, before the model is used any further, when a batch's loss is not finite.
pub fn train_epoch(
    mut model: AnyModel,
    trainer: &mut Trainer,
    examples: &[Example],
    batching: &BatchingConfig,
    (seed, epoch): (u64, usize),
    progress: &ProgressBar,
) -> Result<(AnyModel, f64)> {
    let device = model_device(&model);
    let epoch_seed = epoch_seed(seed, epoch);
    device.seed(epoch_seed);
    let mut rng = Rng::new(epoch_seed);
    let batches = batching.epoch_batches(examples, seed, epoch);
    progress.set_length(batches.len() as u64);
    progress.set_position(0);
    let mut total = 0.0;
    for (i, indices) in batches.iter().enumerate() {
        let members: Vec<&Example> = indices.iter().map(|&j| &examples[j]).collect();
        let batch = Batch::new(&members, &device);
        let (next, loss) = trainer.step(model, &batch, &mut rng);
        model = next;
        crate::kill_point::point("batch");
        let loss = f64::from(loss.into_scalar::<f32>());
        if !loss.is_finite() {
            bail!(
                "epoch {}, batch {}/{}: the training loss is {loss}; training stopped",
                epoch + 1,
                i + 1,
                batches.len()
            );
        }
        total += loss;
        progress.set_message(format!("{:.3}", total / (i + 1) as f64));
        progress.inc(1);
        log_progress(progress, i + 1, batches.len(), total / (i + 1) as f64);
    }
    Ok((model, total / batches.len().max(1) as f64))
}

/// Teacher-forced validation of `model` (on a plain device): `(loss, token accuracy %)` over all real
/// target tokens of `examples`.
pub fn validate(
    model: &AnyModel,
    examples: &[Example],
    batch_size: usize,
    device: &Device,
) -> (f64, f64) {
    let mut order: Vec<usize> = (0..examples.len()).collect();
    order.sort_by_key(|&i| (examples[i].src.len(), examples[i].tgt.len()));
    let mut scores = BatchScores::default();
    for chunk in order.chunks(batch_size.max(1)) {
        let members: Vec<&Example> = chunk.iter().map(|&i| &examples[i]).collect();
        let s = score_batch(model, &Batch::new(&members, device));
        scores.loss_sum += s.loss_sum;
        scores.tokens += s.tokens;
        scores.correct += s.correct;
    }
    let tokens = scores.tokens.max(1) as f64;
    (
        scores.loss_sum / tokens,
        100.0 * scores.correct as f64 / tokens,
    )
}

/// Without a terminal (a run in the background, its output in a log) the bar is not drawn: a line
/// every tenth of the epoch says how far it got instead.
fn log_progress(progress: &ProgressBar, done: usize, total: usize, mean_loss: f64) {
    let step = total.div_ceil(10).max(1);
    if progress.is_hidden() && done.is_multiple_of(step) && done < total {
        eprintln!(
            "{} {done}/{total} batches, loss {mean_loss:.3}, {:.0} s",
            progress.prefix(),
            progress.elapsed().as_secs_f64()
        );
    }
}

/// A progress bar with ETA on stderr (drawn only on a terminal).
pub fn progress_bar(prefix: String) -> ProgressBar {
    let bar = ProgressBar::new(0).with_prefix(prefix);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} batches, loss {msg}, ETA {eta}",
        )
        .expect("valid progress template")
        .progress_chars("=> "),
    );
    bar
}

fn model_device(model: &AnyModel) -> Device {
    use model::burn::module::Module;
    model
        .devices()
        .into_iter()
        .next()
        .expect("a model has parameters")
}
