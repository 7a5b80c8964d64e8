//! Timing of training steps and greedy decoding at the reference size (native only).
//!
//! Batch 64, sources of 50 and targets of 80 tokens (`<sos>`/`<eos>` included, no padding), vocabularies
//! of 2,302 and 4,691 tokens, random ids from a fixed seed. A training step is forward (teacher forcing
//! 0.5) + backward + clipping + Adam, exactly [`Trainer::step`]; decoding is [`greedy`] for 80 steps
//! without stopping at `<eos>`. Each measurement is preceded by one untimed warm-up run.

use std::time::Instant;

use burn::module::Module;
use burn::prelude::*;
use serde::Serialize;

use crate::batch::{Batch, Example};
use crate::decode::{DecodeConfig, greedy};
use crate::models::cost::BatchShape;
pub use crate::models::cost::Product;
use crate::models::{ModelConfig, ModelKind};
use crate::rng::Rng;
use crate::train::{TrainConfig, Trainer};
use crate::vocab::SPECIALS;

#[derive(Config, Debug)]
pub struct BenchConfig {
    pub models: Vec<ModelKind>,
    /// Timed repetitions of each measurement (the median is reported).
    #[config(default = 3)]
    pub iters: usize,
    #[config(default = 64)]
    pub batch_size: usize,
    /// Source length with `<sos>`/`<eos>`.
    #[config(default = 50)]
    pub src_len: usize,
    /// Target length with `<sos>`/`<eos>`; also the number of greedy steps.
    #[config(default = 80)]
    pub tgt_len: usize,
    #[config(default = 2302)]
    pub src_vocab_size: usize,
    #[config(default = 4691)]
    pub tgt_vocab_size: usize,
    #[config(default = 0)]
    pub seed: u64,
}

/// Seconds per operation (medians over the timed repetitions).
#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    pub model: ModelKind,
    pub parameters: usize,
    /// Forward + backward + optimizer on one batch.
    pub train_step_s: f64,
    /// Greedy decoding of one input.
    pub greedy_one_s: f64,
    /// Greedy decoding of a whole batch.
    pub greedy_batch_s: f64,
    /// The training step's matrix products alone (see [`product_floor`]): no step can be faster.
    pub products_floor_s: f64,
}

/// The matrix products of one training forward pass of `model` at the bench size (see
/// [`crate::models::cost`]; attention scores and contexts are batched vector products, a few percent of
/// the work, and left out).
pub fn forward_products(model: &ModelConfig, bench: &BenchConfig) -> Vec<Product> {
    model.forward_products(&BatchShape {
        batch_size: bench.batch_size,
        src_steps: bench.src_len,
        tgt_steps: bench.tgt_len - 1,
    })
}

/// Seconds the matrix products of a training step take on `device`: each forward product timed on its
/// own, times three (the backward pass computes two products of the same size per forward one: the
/// gradients of the input and of the weight).
pub fn product_floor(products: &[Product], iters: usize, device: &Device) -> f64 {
    products
        .iter()
        .map(|p| {
            let x = Tensor::<2>::ones([p.m, p.k], device);
            let w = Tensor::<2>::ones([p.k, p.n], device);
            // Enough repetitions for a measurable time; the result is read so that nothing is skipped.
            let reps = p.count.max(8);
            let seconds = time(iters, || {
                let mut sum = 0.0f32;
                for _ in 0..reps {
                    sum += x
                        .clone()
                        .matmul(w.clone())
                        .slice([0..1, 0..1])
                        .into_scalar::<f32>();
                }
                assert!(sum > 0.0);
            });
            3.0 * seconds * p.count as f64 / reps as f64
        })
        .sum()
}

/// Floating-point operations of `products` in a training step (forward and backward).
pub fn product_flops(products: &[Product]) -> f64 {
    products
        .iter()
        .map(|p| 3.0 * 2.0 * (p.m * p.k * p.n * p.count) as f64)
        .sum()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Runs `f` once untimed, then `iters` times timed.
fn time(iters: usize, mut f: impl FnMut()) -> f64 {
    f();
    median(
        (0..iters.max(1))
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// Random full-length examples (no specials inside).
fn examples(config: &BenchConfig, rng: &mut Rng) -> Vec<Example> {
    let n = SPECIALS.len();
    let mut ids = |len: usize, vocab: usize| (0..len).map(|_| n + rng.below(vocab - n)).collect();
    (0..config.batch_size)
        .map(|_| Example {
            src: ids(config.src_len - 2, config.src_vocab_size),
            tgt: ids(config.tgt_len - 2, config.tgt_vocab_size),
        })
        .collect()
}

/// Benchmarks each of `config.models` on `device` (a plain device; autodiff is added for training).
pub fn run(config: &BenchConfig, device: &Device) -> Vec<BenchResult> {
    let mut rng = Rng::new(config.seed);
    let examples = examples(config, &mut rng);
    let refs: Vec<&Example> = examples.iter().collect();
    let train_device = device.clone().autodiff();
    let train_batch = Batch::new(&refs, &train_device);
    let batch = Batch::new(&refs, device);
    let decode = DecodeConfig::new()
        .with_max_len(config.tgt_len)
        .with_stop_at_eos(false);
    config
        .models
        .iter()
        .map(|&kind| {
            device.seed(config.seed);
            let model_config = ModelConfig::new(kind, config.src_vocab_size, config.tgt_vocab_size);
            let mut model = Some(model_config.init(&train_device));
            let mut trainer = Trainer::new(TrainConfig::new());
            let mut tf_rng = Rng::new(config.seed);
            let train_step_s = time(config.iters, || {
                let (next, loss) = trainer.step(model.take().unwrap(), &train_batch, &mut tf_rng);
                let loss: f32 = loss.into_scalar();
                assert!(loss.is_finite(), "{kind}: loss {loss}");
                model = Some(next);
            });
            let model = model.unwrap().valid();
            let one = |t: &Tensor<2, Int>| t.clone().narrow(0, 0, 1);
            let greedy_one_s = time(config.iters, || {
                greedy(
                    &model,
                    one(&batch.src),
                    batch.src_mask.clone().narrow(0, 0, 1),
                    &decode,
                );
            });
            let greedy_batch_s = time(config.iters, || {
                greedy(&model, batch.src.clone(), batch.src_mask.clone(), &decode);
            });
            let products = forward_products(&model_config, config);
            BenchResult {
                model: kind,
                products_floor_s: product_floor(&products, config.iters, device),
                parameters: model.num_params(),
                train_step_s,
                greedy_one_s,
                greedy_batch_s,
            }
        })
        .collect()
}
