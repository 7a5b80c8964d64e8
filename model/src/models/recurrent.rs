//! The reference design's vanilla-RNN and LSTM models (they differ only in the cell): the encoder's final
//! state, layer by layer, is the decoder's initial state — a fixed-size context — and the output layer
//! sees the decoder's top-layer output only.

use burn::nn::{Dropout, DropoutConfig, Embedding, Linear};
use burn::prelude::*;

use crate::nn::recurrent::{CellKind, LayerState, Recurrent, RecurrentConfig};
use crate::nn::{embedding, linear};
use crate::rng::Rng;

use super::cost::{self, BatchShape, Product};
use super::encoder::Encoder;
use super::teacher_forcing::unroll;
use super::{DecoderState, ModelConfig, ModelKind, Seq2Seq, Step};

#[derive(Module, Debug)]
pub struct RecurrentSeq2Seq {
    pub encoder: Encoder,
    pub embedding: Embedding,
    pub dropout: Dropout,
    pub decoder: Recurrent,
    /// `[H, V]`.
    pub output: Linear,
}

/// The decoder's state per layer.
#[derive(Debug, Clone)]
pub struct RecurrentState {
    pub layers: Vec<LayerState>,
}

impl DecoderState for RecurrentState {
    fn select(&self, batch_indices: Tensor<1, Int>) -> Self {
        Self {
            layers: self
                .layers
                .iter()
                .map(|l| l.select(batch_indices.clone()))
                .collect(),
        }
    }
}

impl RecurrentSeq2Seq {
    /// `config.kind` must be `rnn` or `lstm`.
    pub fn new(config: &ModelConfig, device: &Device) -> Self {
        let cell = cell_of(config.kind);
        let side = &config.decoder;
        Self {
            encoder: Encoder::new(&config.encoder, cell, device),
            embedding: embedding(side.vocab_size, side.embedding_size, device),
            dropout: DropoutConfig::new(side.dropout).init(),
            decoder: RecurrentConfig::new(cell, side.embedding_size, side.hidden_size)
                .with_num_layers(side.num_layers)
                .with_dropout(side.dropout)
                .init(device),
            output: linear(side.hidden_size, side.vocab_size, true, device),
        }
    }

    /// The matrix products of a training forward pass (see [`super::cost`]).
    pub fn forward_products(config: &ModelConfig, shape: &BatchShape) -> Vec<Product> {
        let gates = cell_of(config.kind).gates();
        let side = &config.decoder;
        let mut products = Encoder::forward_products(&config.encoder, gates, shape);
        products.extend(cost::recurrent_stack(
            side.embedding_size,
            side.hidden_size,
            side.num_layers,
            gates,
            shape.batch_size,
            shape.tgt_steps,
        ));
        products.push(cost::output_layer(config, side.hidden_size, shape));
        products
    }

    /// One decoder step up to the output layer: the top-layer output `[B, H]`.
    fn features(
        &self,
        prev_tokens: Tensor<1, Int>,
        mut state: RecurrentState,
    ) -> (Tensor<2>, RecurrentState) {
        let [batch_size] = prev_tokens.dims();
        let x = self.embedding.forward(prev_tokens.reshape([batch_size, 1])); // [B] -> [B, 1] -> [B, 1, E]
        let embedding_size = x.dims()[2];
        let x = self
            .dropout
            .forward(x.reshape([batch_size, embedding_size])); // [B, 1, E] -> [B, E]
        let top = self.decoder.step(vec![x], &mut state.layers);
        (top, state)
    }
}

/// The cell of the `rnn` and `lstm` models.
fn cell_of(kind: ModelKind) -> CellKind {
    match kind {
        ModelKind::Rnn => CellKind::Rnn,
        ModelKind::Lstm => CellKind::Lstm,
        other => panic!("RecurrentSeq2Seq is the rnn or lstm model, not `{other}`"),
    }
}

impl Seq2Seq for RecurrentSeq2Seq {
    type State = RecurrentState;

    fn kind(&self) -> ModelKind {
        match self.decoder.cell() {
            CellKind::Rnn => ModelKind::Rnn,
            CellKind::Lstm => ModelKind::Lstm,
        }
    }

    fn src_vocab_size(&self) -> usize {
        self.encoder.vocab_size()
    }

    fn tgt_vocab_size(&self) -> usize {
        self.embedding.weight.lazy_shape()[0]
    }

    fn encode(&self, src: Tensor<2, Int>, src_mask: Tensor<2, Bool>) -> RecurrentState {
        RecurrentState {
            layers: self.encoder.forward(src, src_mask).states,
        }
    }

    fn decode_step(
        &self,
        prev_tokens: Tensor<1, Int>,
        state: RecurrentState,
    ) -> Step<RecurrentState> {
        let (top, state) = self.features(prev_tokens, state);
        Step {
            logits: self.output.forward(top),
            state,
            attention: None,
            p_gen: None,
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
            |tokens, state| self.features(tokens, state),
            &self.output,
        )
    }
}
