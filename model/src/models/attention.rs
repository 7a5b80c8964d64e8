//! The reference design's LSTM with Bahdanau attention.
//!
//! Each step attends with the previous top-layer state `s_{t-1}`, feeds `[embedding; context]` to the
//! first decoder layer, and predicts from `[output; context; embedding]`. The source mask travels in the
//! state, so padding gets exactly zero attention.

use burn::nn::{Dropout, DropoutConfig, Embedding, Linear};
use burn::prelude::*;

use crate::nn::attention::{AttentionMemory, BahdanauAttention, BahdanauAttentionConfig};
use crate::nn::recurrent::{CellKind, LayerState, Recurrent, RecurrentConfig};
use crate::nn::{embedding, linear};
use crate::rng::Rng;

use super::encoder::Encoder;
use super::{DecoderState, ModelConfig, ModelKind, Seq2Seq, Step, unroll};

#[derive(Module, Debug)]
pub struct AttentionSeq2Seq {
    pub encoder: Encoder,
    pub embedding: Embedding,
    pub dropout: Dropout,
    pub attention: BahdanauAttention,
    /// First layer's input: `[embedding; context]`.
    pub decoder: Recurrent,
    /// `[H + H + E, V]` on `[output; context; embedding]`.
    pub output: Linear,
}

#[derive(Debug, Clone)]
pub struct AttentionState {
    pub layers: Vec<LayerState>,
    pub memory: AttentionMemory,
}

impl DecoderState for AttentionState {
    fn select(&self, batch_indices: Tensor<1, Int>) -> Self {
        Self {
            layers: self
                .layers
                .iter()
                .map(|l| l.select(batch_indices.clone()))
                .collect(),
            memory: self.memory.select(batch_indices),
        }
    }
}

impl AttentionSeq2Seq {
    /// `config.kind` must be `attention`.
    pub fn new(config: &ModelConfig, device: &Device) -> Self {
        assert_eq!(
            config.kind,
            ModelKind::Attention,
            "AttentionSeq2Seq is the attention model"
        );
        let (e, h) = (config.embedding_size, config.hidden_size);
        Self {
            encoder: Encoder::new(config, CellKind::Lstm, device),
            embedding: embedding(config.tgt_vocab_size, e, device),
            dropout: DropoutConfig::new(config.dropout).init(),
            attention: BahdanauAttentionConfig::new(h, h, h).init(device),
            decoder: RecurrentConfig::new(CellKind::Lstm, e + h, h)
                .with_num_layers(config.num_layers)
                .with_dropout(config.dropout)
                .init(device),
            output: linear(h + h + e, config.tgt_vocab_size, true, device),
        }
    }

    /// One decoder step up to the output layer: (`[output; context; embedding]` `[B, 2H + E]`, state,
    /// attention weights `[B, S]`).
    fn features(
        &self,
        prev_tokens: Tensor<1, Int>,
        mut state: AttentionState,
    ) -> (Tensor<2>, AttentionState, Tensor<2>) {
        let [batch_size] = prev_tokens.dims();
        let x = self.embedding.forward(prev_tokens.reshape([batch_size, 1])); // [B] -> [B, 1] -> [B, 1, E]
        let embedding_size = x.dims()[2];
        let x = self
            .dropout
            .forward(x.reshape([batch_size, embedding_size])); // [B, 1, E] -> [B, E]
        let query = state.layers.last().expect("at least one layer").h.clone();
        let (context, weights) = self.attention.forward(&state.memory, query);
        let top = self
            .decoder
            .step(vec![x.clone(), context.clone()], &mut state.layers);
        (Tensor::cat(vec![top, context, x], 1), state, weights)
    }
}

impl Seq2Seq for AttentionSeq2Seq {
    type State = AttentionState;

    fn kind(&self) -> ModelKind {
        ModelKind::Attention
    }

    fn src_vocab_size(&self) -> usize {
        self.encoder.vocab_size()
    }

    fn tgt_vocab_size(&self) -> usize {
        self.embedding.weight.lazy_shape()[0]
    }

    fn encode(&self, src: Tensor<2, Int>, src_mask: Tensor<2, Bool>) -> AttentionState {
        let encoded = self.encoder.forward(src, src_mask.clone());
        AttentionState {
            layers: encoded.states,
            memory: self.attention.memory(encoded.outputs, src_mask),
        }
    }

    fn decode_step(
        &self,
        prev_tokens: Tensor<1, Int>,
        state: AttentionState,
    ) -> Step<AttentionState> {
        let (features, state, weights) = self.features(prev_tokens, state);
        Step {
            logits: self.output.forward(features),
            state,
            attention: Some(weights),
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
        let state = self.encode(src, src_mask);
        unroll(
            tgt,
            teacher_forcing_ratio,
            rng,
            state,
            |tokens, state| {
                let (features, state, _) = self.features(tokens, state);
                (features, state)
            },
            &self.output,
        )
    }
}
