//! The interface every model implements, and what a decoding step returns.
//!
//! Training, decoding, checkpoints and the benchmark only use this interface (or
//! [`super::AnyModel`], which implements it for the model chosen at run time).

use burn::prelude::*;

use crate::rng::Rng;

use super::ModelKind;

/// What one decoding step produces.
#[derive(Debug, Clone)]
pub struct Step<S> {
    /// `[B, V]` unnormalised scores of the next token (log-probabilities for copy models).
    pub logits: Tensor<2>,
    /// The state after this step, for the next one.
    pub state: S,
    /// `[B, S]` attention over the source positions (attention models only), rows sum to 1.
    pub attention: Option<Tensor<2>>,
    /// `[B]` copy models: the probability of generating from the vocabulary rather than copying.
    pub p_gen: Option<Tensor<1>>,
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
    /// The recurrent models feed each step the gold token or their own argmax, by the coins of
    /// [`super::teacher_forcing`]; they share [`super::teacher_forcing::unroll`], which computes the
    /// output layer of all steps in one product. A model that conditions on the whole gold prefix at
    /// once (a Transformer) ignores the coins.
    fn forward(
        &self,
        src: Tensor<2, Int>,
        src_mask: Tensor<2, Bool>,
        tgt: Tensor<2, Int>,
        teacher_forcing_ratio: f64,
        rng: &mut Rng,
    ) -> Tensor<3>;

    /// Models with several attention layers and heads (the Transformer): the cross-attention of every
    /// layer and head while the decoder reads `tgt` `[B, T]` teacher-forced, which is what decoding
    /// `tgt` step by step attends to: `[B, layers, heads, T-1, S]`. `None` for models with a single
    /// attention, whose weights are [`Step::attention`].
    fn attention_by_head(
        &self,
        _src: Tensor<2, Int>,
        _src_mask: Tensor<2, Bool>,
        _tgt: Tensor<2, Int>,
    ) -> Option<Tensor<5>> {
        None
    }
}
