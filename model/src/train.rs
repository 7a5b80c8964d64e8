//! One training step: masked cross-entropy (optionally label-smoothed), backward, global gradient-norm
//! clipping, Adam with an optional linear warm-up.
//!
//! Used by the benchmark and the trainer, so both time and run exactly the same computation.

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use serde::{Deserialize, Serialize};

use crate::batch::Batch;
use crate::models::Seq2Seq;
use crate::rng::Rng;
use crate::vocab::PAD;

/// Optimisation hyperparameters; the defaults are the reference design's. Saved in every run: a
/// field added later takes its default when an older run is read (hence serde's `default`, not
/// Burn's `Config`, which requires every field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    pub learning_rate: f64,
    /// The global L2 norm of all gradients is clipped to this (`torch.nn.utils.clip_grad_norm_`).
    pub max_grad_norm: f64,
    pub teacher_forcing_ratio: f64,
    /// PyTorch's Adam epsilon (Burn's default is 1e-5).
    pub adam_epsilon: f32,
    /// The learning rate rises linearly from `learning_rate / warmup_steps` to `learning_rate` over
    /// this many steps, then stays (0: no warm-up). Transformers diverge without one at Adam's usual
    /// rates.
    pub warmup_steps: usize,
    /// Label smoothing `e` (Szegedy et al. 2016): the training loss is `(1 - e) * NLL + e * the mean
    /// NLL of every vocabulary entry`, so the model is not pushed to certainty. Validation scores
    /// the plain NLL whatever `e` is.
    pub label_smoothing: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            learning_rate: 1e-3,
            max_grad_norm: 1.0,
            teacher_forcing_ratio: 0.5,
            adam_epsilon: 1e-8,
            warmup_steps: 0,
            label_smoothing: 0.0,
        }
    }
}

impl TrainConfig {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_learning_rate(self, learning_rate: f64) -> Self {
        Self {
            learning_rate,
            ..self
        }
    }

    pub fn with_teacher_forcing_ratio(self, teacher_forcing_ratio: f64) -> Self {
        Self {
            teacher_forcing_ratio,
            ..self
        }
    }

    pub fn with_warmup_steps(self, warmup_steps: usize) -> Self {
        Self {
            warmup_steps,
            ..self
        }
    }

    pub fn with_label_smoothing(self, label_smoothing: f64) -> Self {
        Self {
            label_smoothing,
            ..self
        }
    }

    /// The learning rate of step `step` (0-based) under the warm-up.
    pub fn learning_rate_at(&self, step: usize) -> f64 {
        match self.warmup_steps {
            0 => self.learning_rate,
            warmup => self.learning_rate * ((step + 1).min(warmup) as f64 / warmup as f64),
        }
    }
}

/// Mean cross-entropy of `logits` `[B, T-1, V]` against `tgt[:, 1..]` (`tgt` `[B, T]`), ignoring `<pad>`
/// targets. A batch with no real target gives 0, not NaN.
///
/// On flex this is one fused kernel ([`crate::nn::fused::weighted_cross_entropy`]): Burn's `log_softmax`
/// + `gather` take about a dozen full passes over the `[N, V]` logits forward and backward.
pub fn sequence_loss(logits: Tensor<3>, tgt: Tensor<2, Int>) -> Tensor<1> {
    let [batch_size, steps, vocab_size] = logits.dims();
    let n = batch_size * steps;
    let targets = tgt.narrow(1, 1, steps).reshape([n, 1]); // [B, T-1] -> [B*(T-1), 1]
    if crate::nn::fused::enabled() {
        let ids = crate::decode::read_ints(targets.clone());
        let real = ids.iter().filter(|&&t| t != PAD as i64).count().max(1);
        let weights: Vec<f32> = ids
            .iter()
            .map(|&t| {
                if t == PAD as i64 {
                    0.0
                } else {
                    1.0 / real as f32
                }
            })
            .collect();
        let logits = logits.clone().reshape([n, vocab_size]); // [B, T-1, V] -> [N, V]
        if let Some(loss) = crate::nn::fused::weighted_cross_entropy(&logits, &ids, &weights) {
            return loss;
        }
    }
    let real = targets.clone().not_equal_elem(PAD as i64).float(); // [N, 1]
    let log_probs = log_softmax(logits.reshape([n, vocab_size]), 1); // [B, T-1, V] -> [N, V]
    let nll = log_probs.gather(1, targets).neg(); // [N, 1]
    let count = real.clone().sum().clamp_min(1.0);
    (nll * real).sum() / count
}

/// The smoothing term of label smoothing: the mean over real targets of `-mean_v log_softmax(logits)_v`
/// (`logits` `[B, T-1, V]`, `tgt` `[B, T]`). For copy models, whose outputs are already
/// log-probabilities, the softmax leaves them as they are.
pub fn uniform_loss(logits: Tensor<3>, tgt: Tensor<2, Int>) -> Tensor<1> {
    let [batch_size, steps, vocab_size] = logits.dims();
    let n = batch_size * steps;
    let targets = tgt.narrow(1, 1, steps).reshape([n, 1]); // [B, T-1] -> [B*(T-1), 1]
    let real = targets.not_equal_elem(PAD as i64).float(); // [N, 1]
    let log_probs = log_softmax(logits.reshape([n, vocab_size]), 1); // [B, T-1, V] -> [N, V]
    let nll = log_probs.mean_dim(1).neg(); // [N, 1]
    let count = real.clone().sum().clamp_min(1.0);
    (nll * real).sum() / count
}

/// Adam with clipping, the learning-rate warm-up and the teacher-forcing ratio, applied to one batch
/// at a time.
pub struct Trainer {
    pub config: TrainConfig,
    optimizer: ModuleOptimizer,
    /// Steps taken so far (the warm-up's clock; a resumed run sets it with [`Trainer::with_steps`]).
    steps: usize,
}

impl Trainer {
    pub fn new(config: TrainConfig) -> Self {
        let optimizer = AdamConfig::new().with_epsilon(config.adam_epsilon).init();
        Self {
            config,
            optimizer,
            steps: 0,
        }
    }

    /// This trainer as if it had taken `steps` steps already.
    pub fn with_steps(self, steps: usize) -> Self {
        Self { steps, ..self }
    }

    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Forward (teacher forcing from `rng`), backward, clip, Adam. `model` must live on an autodiff
    /// device; returns the updated model and the batch's loss (detached, not read back).
    pub fn step<M: Seq2Seq + Module>(
        &mut self,
        model: M,
        batch: &Batch,
        rng: &mut Rng,
    ) -> (M, Tensor<1>) {
        let logits = model.forward(
            batch.src.clone(),
            batch.src_mask.clone(),
            batch.tgt.clone(),
            self.config.teacher_forcing_ratio,
            rng,
        );
        let smoothing = self.config.label_smoothing;
        let loss = match smoothing > 0.0 {
            true => {
                let uniform = uniform_loss(logits.clone(), batch.tgt.clone());
                sequence_loss(logits, batch.tgt.clone()).mul_scalar(1.0 - smoothing)
                    + uniform.mul_scalar(smoothing)
            }
            false => sequence_loss(logits, batch.tgt.clone()),
        };
        let grads = loss.backward();
        let mut grads = GradientsParams::from_grads(grads, &model);
        clip_global_norm(&model, &mut grads, self.config.max_grad_norm);
        let learning_rate = self.config.learning_rate_at(self.steps);
        let model = self.optimizer.step(learning_rate, model, grads);
        self.steps += 1;
        (model, loss.detach())
    }

    /// Adam's state (moments and step counts per parameter), for resuming a run exactly.
    pub fn optimizer_bytes(&self) -> Result<Vec<u8>, burn::store::RecordError> {
        Ok(self.optimizer.into_bytes()?.to_vec())
    }

    /// Restores the state written by [`Trainer::optimizer_bytes`]. The state is keyed by parameter id,
    /// which checkpoints keep, so it applies to the model loaded from the same checkpoint.
    pub fn load_optimizer(self, bytes: Vec<u8>) -> Result<Self, burn::store::RecordError> {
        let optimizer = self
            .optimizer
            .from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))?;
        Ok(Self { optimizer, ..self })
    }
}

/// Teacher-forced scores of one batch, for validation: summed token loss, real target tokens, and how
/// many of them the model ranks first.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BatchScores {
    pub loss_sum: f64,
    pub tokens: usize,
    pub correct: usize,
}

/// [`BatchScores`] of `model` (on a plain device: no dropout) on `batch`, every step fed the gold token.
pub fn score_batch<M: Seq2Seq>(model: &M, batch: &Batch) -> BatchScores {
    let mut rng = Rng::new(0); // unused: a ratio of 1 draws no coin that matters
    let logits = model.forward(
        batch.src.clone(),
        batch.src_mask.clone(),
        batch.tgt.clone(),
        1.0,
        &mut rng,
    );
    let [batch_size, steps, _] = logits.dims();
    let targets = crate::decode::read_ints(batch.tgt.clone().narrow(1, 1, steps));
    let tokens = targets.iter().filter(|&&t| t != PAD as i64).count();
    let mean: f32 = sequence_loss(logits.clone(), batch.tgt.clone()).into_scalar();
    let predicted = crate::decode::read_ints(logits.argmax(2).reshape([batch_size * steps])); // [B, T-1, 1] -> [N]
    let correct = targets
        .iter()
        .zip(&predicted)
        .filter(|(t, p)| **t != PAD as i64 && t == p)
        .count();
    BatchScores {
        loss_sum: f64::from(mean) * tokens as f64,
        tokens,
        correct,
    }
}

/// Scales all gradients by `min(1, max_norm / global_norm)`, on the device (no read-back).
fn clip_global_norm<M: Module>(model: &M, grads: &mut GradientsParams, max_norm: f64) {
    struct SquaredNorms<'a> {
        grads: &'a GradientsParams,
        sums: Vec<Tensor<1>>,
    }
    impl ModuleVisitor for SquaredNorms<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(g) = self.grads.get::<D>(param.id) {
                self.sums.push(g.square().sum());
            }
        }
    }
    struct Scale<'a> {
        grads: &'a mut GradientsParams,
        scale: Tensor<1>,
        ids: Vec<ParamId>,
    }
    impl ModuleVisitor for Scale<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if self.ids.contains(&param.id) {
                return; // a parameter shared by two modules is scaled once
            }
            if let Some(g) = self.grads.remove::<D>(param.id) {
                let scale = self.scale.clone().reshape([1; D]); // [1] -> [1, ..., 1]
                self.grads.register(param.id, g * scale);
                self.ids.push(param.id);
            }
        }
    }

    let mut norms = SquaredNorms {
        grads,
        sums: Vec::new(),
    };
    model.visit(&mut norms);
    if norms.sums.is_empty() {
        return;
    }
    let norm = Tensor::cat(norms.sums, 0).sum().sqrt();
    // max_norm / (norm + 1e-6), at most 1 (PyTorch's formula).
    let scale = (norm.add_scalar(1e-6).recip() * max_norm).clamp_max(1.0);
    model.visit(&mut Scale {
        grads,
        scale,
        ids: Vec::new(),
    });
}
