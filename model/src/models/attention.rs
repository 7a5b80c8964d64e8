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

use super::cost::{self, BatchShape, Product};
use super::encoder::Encoder;
use super::teacher_forcing::unroll;
use super::{DecoderState, ModelConfig, ModelKind, Seq2Seq, Step};

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
        let side = &config.decoder;
        let (e, h) = (side.embedding_size, side.hidden_size);
        // The encoder's outputs are the attention's keys and the context it returns.
        let k = config.encoder.hidden_size;
        Self {
            encoder: Encoder::new(&config.encoder, CellKind::Lstm, device),
            embedding: embedding(side.vocab_size, e, device),
            dropout: DropoutConfig::new(side.dropout).init(),
            attention: BahdanauAttentionConfig::new(k, h, h).init(device),
            decoder: RecurrentConfig::new(CellKind::Lstm, e + k, h)
                .with_num_layers(side.num_layers)
                .with_dropout(side.dropout)
                .init(device),
            output: linear(h + k + e, side.vocab_size, true, device),
        }
    }

    /// The matrix products of a training forward pass (see [`super::cost`]): the recurrent stacks,
    /// the attention's key projection (once) and query projection (each step), the output layer.
    pub fn forward_products(config: &ModelConfig, shape: &BatchShape) -> Vec<Product> {
        let gates = CellKind::Lstm.gates();
        let side = &config.decoder;
        let (e, h, k) = (
            side.embedding_size,
            side.hidden_size,
            config.encoder.hidden_size,
        );
        let mut products = Encoder::forward_products(&config.encoder, gates, shape);
        products.extend(cost::recurrent_stack(
            e + k,
            h,
            side.num_layers,
            gates,
            shape.batch_size,
            shape.tgt_steps,
        ));
        products.push(Product {
            m: shape.batch_size * shape.src_steps,
            k,
            n: h,
            count: 1,
        });
        products.push(Product {
            m: shape.batch_size,
            k: h,
            n: h,
            count: shape.tgt_steps,
        });
        products.push(cost::output_layer(config, h + k + e, shape));
        products
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
