//! The encoder shared by the models: embedding, dropout, a multi-layer RNN or LSTM, optionally a second
//! one that reads the description backwards (Bahdanau et al. 2014: each position's annotation then
//! summarises both sides of it, so attention has a reason to look there). As in OpenNMT, each direction
//! of a bidirectional encoder has half the hidden size and the two are concatenated, so outputs and
//! final states keep the hidden size the decoder expects, and the encoder costs about what a
//! one-directional one does.
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
    /// Bidirectional encoders: a second stack that reads each description from its end.
    pub backward: Option<Recurrent>,
}

/// The encoder's result for a batch.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// Top-layer outputs at every position: `[B, S, H]` (bidirectional: `[forward; backward]`, `H/2`
    /// each; garbage on padding, which attention masks).
    pub outputs: Tensor<3>,
    /// Per layer, the state after each sequence's last real token (bidirectional: both directions'
    /// final states concatenated, so that the decoder starts from both ends of the description).
    pub states: Vec<LayerState>,
}

impl Encoder {
    pub fn new(config: &SideConfig, cell: CellKind, device: &Device) -> Self {
        assert!(
            !config.bidirectional || config.hidden_size.is_multiple_of(2),
            "a bidirectional encoder splits its hidden size between the directions: it must be even"
        );
        let hidden_size = config.hidden_size / Self::directions(config);
        let stack = || {
            RecurrentConfig::new(cell, config.embedding_size, hidden_size)
                .with_num_layers(config.num_layers)
                .with_dropout(config.dropout)
                .init(device)
        };
        Self {
            embedding: embedding(config.vocab_size, config.embedding_size, device),
            dropout: DropoutConfig::new(config.dropout).init(),
            rnn: stack(),
            backward: config.bidirectional.then(stack),
        }
    }

    /// The size of each position's output (the hidden size, whichever the directions).
    pub fn output_size(config: &SideConfig) -> usize {
        config.hidden_size
    }

    fn directions(config: &SideConfig) -> usize {
        if config.bidirectional { 2 } else { 1 }
    }

    /// The fused product of each layer and step (see [`super::cost`]), for a cell with `gates` gates.
    pub fn forward_products(config: &SideConfig, gates: usize, shape: &BatchShape) -> Vec<Product> {
        let directions = Self::directions(config);
        let stack = cost::recurrent_stack(
            config.embedding_size,
            config.hidden_size / directions,
            config.num_layers,
            gates,
            shape.batch_size,
            shape.src_steps,
        );
        stack.repeat(directions)
    }

    pub fn vocab_size(&self) -> usize {
        self.embedding.weight.lazy_shape()[0]
    }

    /// `src` `[B, S]`, `src_mask` `[B, S]` (true on real tokens; each row starts with at least one).
    pub fn forward(&self, src: Tensor<2, Int>, src_mask: Tensor<2, Bool>) -> Encoded {
        let [batch_size, src_len] = src.dims();
        // Index of each sequence's last real token: [B, 1].
        let last = src_mask.clone().int().sum_dim(1).sub_scalar(1);
        let forward = self.run(&self.rnn, src.clone(), last.clone());
        let Some(backward_rnn) = &self.backward else {
            return forward;
        };
        // Each sequence reversed within its length (padding stays at the end): [B, S].
        let positions = Tensor::<1, Int>::arange(0..src_len as i64, &src.device())
            .reshape([1, src_len]) // [S] -> [1, S]
            .expand([batch_size, src_len]);
        let reversed = last
            .clone()
            .expand([batch_size, src_len])
            .sub(positions.clone());
        let padding = reversed.clone().lower_elem(0);
        let order = reversed.mask_where(padding, positions); // [B, S]: len-1-t, then t on padding
        let backward = self.run(backward_rnn, src.gather(1, order.clone()), last);
        let hidden_size = self.rnn.hidden_size;
        let order = order
            .reshape([batch_size, src_len, 1]) // [B, S] -> [B, S, 1]
            .expand([batch_size, src_len, hidden_size]);
        let backward_outputs = backward.outputs.gather(1, order); // back in source order
        Encoded {
            outputs: Tensor::cat(vec![forward.outputs, backward_outputs], 2), // 2 x [B, S, H/2] -> [B, S, H]
            states: forward
                .states
                .into_iter()
                .zip(backward.states)
                .map(|(f, b)| f.concat(&b))
                .collect(),
        }
    }

    /// One direction: `rnn` over `src`, its top-layer outputs and each layer's state at `last` `[B, 1]`.
    fn run(&self, rnn: &Recurrent, src: Tensor<2, Int>, last: Tensor<2, Int>) -> Encoded {
        let [batch_size, src_len] = src.dims();
        let device = src.device();
        let hidden_size = rnn.hidden_size;
        let num_layers = rnn.num_layers();
        let embedding_size = self.embedding.weight.lazy_shape()[1];
        let mut states = rnn.zero_state(batch_size, &device);
        // Per layer, the state at every step.
        let mut hs: Vec<Vec<Tensor<2>>> = vec![Vec::with_capacity(src_len); num_layers];
        let mut cs: Vec<Vec<Tensor<2>>> = vec![Vec::with_capacity(src_len); num_layers];
        for t in 0..src_len {
            let tokens = src.clone().narrow(1, t, 1); // [B, 1]
            let x = self.embedding.forward(tokens);
            let x = x.reshape([batch_size, embedding_size]); // [B, 1, E] -> [B, E]
            rnn.step(vec![self.dropout.forward(x)], &mut states);
            for (l, state) in states.iter().enumerate() {
                hs[l].push(state.h.clone());
                if let Some(c) = &state.c {
                    cs[l].push(c.clone());
                }
            }
        }
        // The last real token's index as a gather index: [B, 1, H].
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
