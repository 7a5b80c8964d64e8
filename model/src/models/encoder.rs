//! The encoder shared by the three models: embedding, dropout, a multi-layer RNN or LSTM.
//!
//! Padding never changes a result: sources are right-padded, a recurrent step only looks at earlier
//! steps, so outputs at real positions do not depend on the padding after them; the final state of
//! each sequence is taken at its last real token (gathered from all steps' states) rather than after the
//! padding; and attention gives padded positions zero weight. No per-step masking is needed.

use burn::nn::{Dropout, DropoutConfig, Embedding};
use burn::prelude::*;

use crate::nn::embedding;
use crate::nn::recurrent::{CellKind, LayerState, Recurrent, RecurrentConfig};

use super::SideConfig;
use super::cost::{self, BatchShape, Product};

#[derive(Module, Debug)]
pub struct Encoder {
    pub embedding: Embedding,
    pub dropout: Dropout,
    pub rnn: Recurrent,
}

/// The encoder's result for a batch.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// Top-layer outputs at every position: `[B, S, H]` (garbage on padding, which attention masks).
    pub outputs: Tensor<3>,
    /// Per layer, the state after each sequence's last real token.
    pub states: Vec<LayerState>,
}

impl Encoder {
    pub fn new(config: &SideConfig, cell: CellKind, device: &Device) -> Self {
        Self {
            embedding: embedding(config.vocab_size, config.embedding_size, device),
            dropout: DropoutConfig::new(config.dropout).init(),
            rnn: RecurrentConfig::new(cell, config.embedding_size, config.hidden_size)
                .with_num_layers(config.num_layers)
                .with_dropout(config.dropout)
                .init(device),
        }
    }

    /// The fused product of each layer and step (see [`super::cost`]), for a cell with `gates` gates.
    pub fn forward_products(config: &SideConfig, gates: usize, shape: &BatchShape) -> Vec<Product> {
        cost::recurrent_stack(
            config.embedding_size,
            config.hidden_size,
            config.num_layers,
            gates,
            shape.batch_size,
            shape.src_steps,
        )
    }

    pub fn vocab_size(&self) -> usize {
        self.embedding.weight.lazy_shape()[0]
    }

    /// `src` `[B, S]`, `src_mask` `[B, S]` (true on real tokens; each row starts with at least one).
    pub fn forward(&self, src: Tensor<2, Int>, src_mask: Tensor<2, Bool>) -> Encoded {
        let [batch_size, src_len] = src.dims();
        let device = src.device();
        let hidden_size = self.rnn.hidden_size;
        let num_layers = self.rnn.num_layers();
        let embedding_size = self.embedding.weight.lazy_shape()[1];
        let mut states = self.rnn.zero_state(batch_size, &device);
        // Per layer, the state at every step.
        let mut hs: Vec<Vec<Tensor<2>>> = vec![Vec::with_capacity(src_len); num_layers];
        let mut cs: Vec<Vec<Tensor<2>>> = vec![Vec::with_capacity(src_len); num_layers];
        for t in 0..src_len {
            let tokens = src.clone().narrow(1, t, 1); // [B, 1]
            let x = self.embedding.forward(tokens);
            let x = x.reshape([batch_size, embedding_size]); // [B, 1, E] -> [B, E]
            self.rnn.step(vec![self.dropout.forward(x)], &mut states);
            for (l, state) in states.iter().enumerate() {
                hs[l].push(state.h.clone());
                if let Some(c) = &state.c {
                    cs[l].push(c.clone());
                }
            }
        }
        // Index of each sequence's last real token, as a gather index: [B, 1, H].
        let last = src_mask.int().sum_dim(1).sub_scalar(1); // [B, 1]
        let last = last
            .reshape([batch_size, 1, 1]) // [B, 1] -> [B, 1, 1]
            .expand([batch_size, 1, hidden_size]);
        let at_last = |steps: Vec<Tensor<2>>| -> (Tensor<3>, Tensor<2>) {
            let all = Tensor::stack::<3>(steps, 1); // S x [B, H] -> [B, S, H]
            let last_state = all
                .clone()
                .gather(1, last.clone())
                .reshape([batch_size, hidden_size]); // [B, 1, H] -> [B, H]
            (all, last_state)
        };
        let mut outputs = None;
        let mut final_states = Vec::with_capacity(num_layers);
        for (l, (h, c)) in hs.into_iter().zip(cs).enumerate() {
            let (all_h, h) = at_last(h);
            let c = (!c.is_empty()).then(|| at_last(c).1);
            if l == num_layers - 1 {
                outputs = Some(all_h);
            }
            final_states.push(LayerState { h, c });
        }
        Encoded {
            outputs: outputs.expect("at least one layer"),
            states: final_states,
        }
    }
}
