//! The three models of the reference design behind one interface, [`Seq2Seq`].
//!
//! Training, decoding, checkpoints and the benchmark only use this interface (or [`AnyModel`], which
//! chooses the model at run time), so a new model (a Transformer, a copy-attention model) is a new file
//! here, a [`ModelKind`] variant and an [`AnyModel`] arm — nothing outside this folder branches on the
//! kind of model.

pub mod attention;
pub mod encoder;
pub mod recurrent;

use std::fmt;
use std::str::FromStr;

use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::module::linear;
use serde::{Deserialize, Serialize};

pub use attention::{AttentionSeq2Seq, AttentionState};
pub use recurrent::{RecurrentSeq2Seq, RecurrentState};

use crate::rng::Rng;

/// What one decoding step produces.
#[derive(Debug, Clone)]
pub struct Step<S> {
    /// `[B, V]` unnormalised scores of the next token.
    pub logits: Tensor<2>,
    /// The state after this step, for the next one.
    pub state: S,
    /// `[B, S]` attention over the source positions (attention models only), rows sum to 1.
    pub attention: Option<Tensor<2>>,
}

/// Everything decoding needs between steps (hidden/cell states, encoder outputs, source mask...).
pub trait DecoderState: Clone {
    /// The rows `batch_indices` `[N]` of every per-sequence tensor, in that order: beam search expands
    /// each input into `k` hypotheses and reorders them after each step.
    fn select(&self, batch_indices: Tensor<1, Int>) -> Self;
}

/// A sequence-to-sequence model: encode a padded source batch once, then decode token by token.
pub trait Seq2Seq {
    type State: DecoderState;

    fn kind(&self) -> ModelKind;
    fn src_vocab_size(&self) -> usize;
    fn tgt_vocab_size(&self) -> usize;

    /// `src` `[B, S]` (`<sos> tokens <eos> <pad>...`), `src_mask` `[B, S]` true on real tokens.
    fn encode(&self, src: Tensor<2, Int>, src_mask: Tensor<2, Bool>) -> Self::State;

    /// One step: `prev_tokens` `[B]` (the previous output, `<sos>` first) -> logits `[B, V]` and state.
    fn decode_step(&self, prev_tokens: Tensor<1, Int>, state: Self::State) -> Step<Self::State>;

    /// Training forward pass: logits `[B, T-1, V]`, where position `t` predicts `tgt[:, t + 1]`.
    ///
    /// Teacher forcing as in the reference: before each step after the first a coin from `rng` decides,
    /// for the whole batch, whether the step is fed the gold token (probability `teacher_forcing_ratio`) or
    /// the model's own argmax. This default runs [`Seq2Seq::decode_step`]; models override it with a
    /// faster equivalent (one output projection for all steps).
    fn forward(
        &self,
        src: Tensor<2, Int>,
        src_mask: Tensor<2, Bool>,
        tgt: Tensor<2, Int>,
        teacher_forcing_ratio: f64,
        rng: &mut Rng,
    ) -> Tensor<3> {
        let [batch_size, tgt_len] = tgt.dims();
        let forced = teacher_forcing_coins(tgt_len - 1, teacher_forcing_ratio, rng);
        let mut state = self.encode(src, src_mask);
        let mut input = tgt.clone().narrow(1, 0, 1).reshape([batch_size]); // [B, 1] -> [B]
        let mut logits = Vec::with_capacity(tgt_len - 1);
        for t in 0..tgt_len - 1 {
            let step = self.decode_step(input, state);
            state = step.state;
            input = match forced.get(t + 1) {
                Some(false) => step.logits.clone().detach().argmax(1).reshape([batch_size]), // [B, 1] -> [B]
                // The input after the last step is never used.
                _ => tgt.clone().narrow(1, t + 1, 1).reshape([batch_size]), // [B, 1] -> [B]
            };
            logits.push(step.logits);
        }
        Tensor::stack(logits, 1)
    }
}

/// `forced[t]`: whether step `t` of `steps` is fed the gold token. Step 0 always is (`<sos>`); one coin per
/// later step, drawn in order, so the same `rng` state always gives the same coins.
pub fn teacher_forcing_coins(steps: usize, ratio: f64, rng: &mut Rng) -> Vec<bool> {
    (0..steps)
        .map(|t| t == 0 || rng.next_f64() < ratio)
        .collect()
}

/// The decoding loop under teacher forcing shared by the recurrent models: `step(tokens [B], state) ->
/// (features [B, F], state)`, `output` maps features to logits. The output projection of all steps is
/// one `[B*(T-1), F] x [F, V]` product at the end; a step that feeds its argmax to the next one
/// computes its logits on its own, detached (the argmax has no gradient anyway), and on flex those
/// logits are copied into the output instead of being multiplied again
/// ([`crate::nn::fused::linear_with_known_steps`]).
pub(crate) fn unroll<S>(
    tgt: Tensor<2, Int>,
    teacher_forcing_ratio: f64,
    rng: &mut Rng,
    mut state: S,
    mut step: impl FnMut(Tensor<1, Int>, S) -> (Tensor<2>, S),
    output: &Linear,
) -> Tensor<3> {
    let [batch_size, tgt_len] = tgt.dims();
    let forced = teacher_forcing_coins(tgt_len - 1, teacher_forcing_ratio, rng);
    let gold = |t: usize| tgt.clone().narrow(1, t, 1).reshape([batch_size]); // [B, 1] -> [B]
    let mut input = gold(0);
    let mut features = Vec::with_capacity(tgt_len - 1);
    // (step, its detached logits [B, V]) of the steps that fed their argmax forward.
    let mut known = Vec::new();
    for t in 0..tgt_len - 1 {
        let (f, next) = step(input, state);
        state = next;
        input = match forced.get(t + 1) {
            // After the last step (`None`) the input is never used.
            Some(true) | None => gold(t + 1),
            Some(false) => {
                let weight = output.weight.val().detach();
                let bias = output.bias.as_ref().map(|b| b.val().detach());
                let logits = linear(f.clone().detach(), weight, bias); // [B, V]
                let next = logits.clone().argmax(1).reshape([batch_size]); // [B, 1] -> [B]
                known.push((t, logits));
                next
            }
        };
        features.push(f);
    }
    let features = Tensor::stack::<3>(features, 1); // T-1 x [B, F] -> [B, T-1, F]
    // On flex, the logits already computed are copied into the output, not multiplied again.
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(logits) = crate::nn::fused::linear_with_known_steps(
        &features,
        &output.weight.val(),
        output.bias.as_ref().map(|b| b.val()).as_ref(),
        &known,
    ) {
        return logits;
    }
    #[cfg(target_arch = "wasm32")]
    let _ = known;
    output.forward(features) // [B, T-1, F] -> [B, T-1, V]
}

/// Which model; the serde names are the ones used in configs, checkpoints and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Vanilla tanh RNN encoder and decoder.
    Rnn,
    /// LSTM encoder and decoder.
    Lstm,
    /// LSTM encoder and decoder with Bahdanau attention.
    Attention,
}

impl ModelKind {
    pub const ALL: [ModelKind; 3] = [ModelKind::Rnn, ModelKind::Lstm, ModelKind::Attention];

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Rnn => "rnn",
            ModelKind::Lstm => "lstm",
            ModelKind::Attention => "attention",
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ModelKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown model `{s}` (expected rnn, lstm or attention)"))
    }
}

/// Hyperparameters of every model; the defaults are the reference design's.
#[derive(Config, Debug, PartialEq)]
pub struct ModelConfig {
    pub kind: ModelKind,
    pub src_vocab_size: usize,
    pub tgt_vocab_size: usize,
    #[config(default = 128)]
    pub embedding_size: usize,
    #[config(default = 256)]
    pub hidden_size: usize,
    #[config(default = 2)]
    pub num_layers: usize,
    /// On embeddings and between recurrent layers, as in the reference.
    #[config(default = 0.5)]
    pub dropout: f64,
}

impl ModelConfig {
    /// A freshly initialised model of `self.kind` (seed the device first for reproducible weights).
    pub fn init(&self, device: &Device) -> AnyModel {
        match self.kind {
            ModelKind::Rnn => AnyModel::Rnn(RecurrentSeq2Seq::new(self, device)),
            ModelKind::Lstm => AnyModel::Lstm(RecurrentSeq2Seq::new(self, device)),
            ModelKind::Attention => AnyModel::Attention(AttentionSeq2Seq::new(self, device)),
        }
    }
}

/// A model chosen at run time.
// There is one model per program and `#[derive(Module)]` does not see through a `Box`.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum AnyModel {
    Rnn(RecurrentSeq2Seq),
    Lstm(RecurrentSeq2Seq),
    Attention(AttentionSeq2Seq),
}

/// The state of an [`AnyModel`].
// Tensors are handles: the size difference is a few pointers, not tensor data.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum AnyState {
    Recurrent(RecurrentState),
    Attention(AttentionState),
}

impl DecoderState for AnyState {
    fn select(&self, batch_indices: Tensor<1, Int>) -> Self {
        match self {
            AnyState::Recurrent(s) => AnyState::Recurrent(s.select(batch_indices)),
            AnyState::Attention(s) => AnyState::Attention(s.select(batch_indices)),
        }
    }
}

impl Seq2Seq for AnyModel {
    type State = AnyState;

    fn kind(&self) -> ModelKind {
        match self {
            AnyModel::Rnn(m) | AnyModel::Lstm(m) => m.kind(),
            AnyModel::Attention(m) => m.kind(),
        }
    }

    fn src_vocab_size(&self) -> usize {
        match self {
            AnyModel::Rnn(m) | AnyModel::Lstm(m) => m.src_vocab_size(),
            AnyModel::Attention(m) => m.src_vocab_size(),
        }
    }

    fn tgt_vocab_size(&self) -> usize {
        match self {
            AnyModel::Rnn(m) | AnyModel::Lstm(m) => m.tgt_vocab_size(),
            AnyModel::Attention(m) => m.tgt_vocab_size(),
        }
    }

    fn encode(&self, src: Tensor<2, Int>, src_mask: Tensor<2, Bool>) -> AnyState {
        match self {
            AnyModel::Rnn(m) | AnyModel::Lstm(m) => AnyState::Recurrent(m.encode(src, src_mask)),
            AnyModel::Attention(m) => AnyState::Attention(m.encode(src, src_mask)),
        }
    }

    fn decode_step(&self, prev_tokens: Tensor<1, Int>, state: AnyState) -> Step<AnyState> {
        fn wrap<S>(step: Step<S>, f: impl FnOnce(S) -> AnyState) -> Step<AnyState> {
            Step {
                logits: step.logits,
                state: f(step.state),
                attention: step.attention,
            }
        }
        match (self, state) {
            (AnyModel::Rnn(m) | AnyModel::Lstm(m), AnyState::Recurrent(s)) => {
                wrap(m.decode_step(prev_tokens, s), AnyState::Recurrent)
            }
            (AnyModel::Attention(m), AnyState::Attention(s)) => {
                wrap(m.decode_step(prev_tokens, s), AnyState::Attention)
            }
            _ => panic!(
                "decoder state of another kind of model passed to a `{}` model",
                self.kind()
            ),
        }
    }

    fn forward(
        &self,
        src: Tensor<2, Int>,
        src_mask: Tensor<2, Bool>,
        tgt: Tensor<2, Int>,
        teacher_forcing_ratio: f64,
        rng: &mut Rng,
    ) -> Tensor<3> {
        match self {
            AnyModel::Rnn(m) | AnyModel::Lstm(m) => {
                m.forward(src, src_mask, tgt, teacher_forcing_ratio, rng)
            }
            AnyModel::Attention(m) => m.forward(src, src_mask, tgt, teacher_forcing_ratio, rng),
        }
    }
}
