//! The reference design's LSTM with Bahdanau attention.
//!
//! Each step attends with the previous top-layer state `s_{t-1}`, feeds `[embedding; context]` to the
//! first decoder layer, and predicts from `[output; context; embedding]`. The source mask travels in the
//! state, so padding gets exactly zero attention.
//!
//! Options (in [`ModelConfig`]): a bidirectional encoder (`encoder.bidirectional`), whose outputs of
//! both directions are the attention's keys; copy attention (`copy`, see [`super::copy`]), for which
//! the steps return log-probabilities of the mixture and their `p_gen`.

use burn::nn::{Dropout, DropoutConfig, Embedding, Linear};
use burn::prelude::*;

use crate::nn::attention::{AttentionMemory, BahdanauAttention, BahdanauAttentionConfig};
use crate::nn::recurrent::{CellKind, LayerState, Recurrent, RecurrentConfig};
use crate::nn::{embedding, linear};
use crate::rng::Rng;

use super::copy;
use super::cost::{self, BatchShape, Product};
use super::encoder::Encoder;
use super::teacher_forcing::{teacher_forcing_coins, unroll};
use super::{DecoderState, ModelConfig, ModelKind, Seq2Seq, Step};

#[derive(Module, Debug)]
pub struct AttentionSeq2Seq {
    pub encoder: Encoder,
    pub embedding: Embedding,
    pub dropout: Dropout,
    pub attention: BahdanauAttention,
    /// First layer's input: `[embedding; context]`.
    pub decoder: Recurrent,
    /// `[H + K + E, V]` on `[output; context; embedding]` (`K`: the encoder's output size).
    pub output: Linear,
    /// Copy attention: `[H + K + E, 1]`, the pre-activation of `p_gen`.
    pub copy_gate: Option<Linear>,
    /// `attention`, or `retrieval` (the same network over a source with neighbours, see
    /// [`super::retrieval`]).
    #[module(skip)]
    pub kind: ModelKind,
}

#[derive(Debug, Clone)]
pub struct AttentionState {
    pub layers: Vec<LayerState>,
    pub memory: AttentionMemory,
    /// Copy attention: the source ids `[B, S]`, which the attention's weight is copied to.
    pub src: Option<Tensor<2, Int>>,
}

impl DecoderState for AttentionState {
    fn select(&self, batch_indices: Tensor<1, Int>) -> Self {
        Self {
            layers: self
                .layers
                .iter()
                .map(|l| l.select(batch_indices.clone()))
                .collect(),
            memory: self.memory.select(batch_indices.clone()),
            src: self
                .src
                .as_ref()
                .map(|s| s.clone().select(0, batch_indices)),
        }
    }
}

impl AttentionSeq2Seq {
    /// `config.kind` must be `attention` or `retrieval` (which needs copy attention).
    pub fn new(config: &ModelConfig, device: &Device) -> Self {
        assert!(
            matches!(config.kind, ModelKind::Attention | ModelKind::Retrieval),
            "AttentionSeq2Seq is the attention or retrieval model, not `{}`",
            config.kind
        );
        assert!(
            config.kind != ModelKind::Retrieval || config.copy,
            "the retrieval model copies: it needs copy attention"
        );
        let side = &config.decoder;
        let (e, h) = (side.embedding_size, side.hidden_size);
        // The encoder's outputs are the attention's keys and the context it returns.
        let k = Encoder::output_size(&config.encoder);
        assert!(
            !config.copy || config.encoder.vocab_size == side.vocab_size,
            "copy attention needs one vocabulary for both sides"
        );
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
            copy_gate: config.copy.then(|| linear(h + k + e, 1, true, device)),
            kind: config.kind,
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
            Encoder::output_size(&config.encoder),
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
        self.kind
    }

    fn src_vocab_size(&self) -> usize {
        self.encoder.vocab_size()
    }

    fn tgt_vocab_size(&self) -> usize {
        self.embedding.weight.lazy_shape()[0]
    }

    fn encode(&self, src: Tensor<2, Int>, src_mask: Tensor<2, Bool>) -> AttentionState {
        let encoded = self.encoder.forward(src.clone(), src_mask.clone());
        AttentionState {
            layers: encoded.states,
            memory: self.attention.memory(encoded.outputs, src_mask),
            src: self.copy_gate.is_some().then_some(src),
        }
    }

    fn decode_step(
        &self,
        prev_tokens: Tensor<1, Int>,
        state: AttentionState,
    ) -> Step<AttentionState> {
        let (features, state, weights) = self.features(prev_tokens, state);
        let logits = self.output.forward(features.clone());
        let (logits, p_gen) = match (&self.copy_gate, &state.src) {
            (Some(gate), Some(src)) => {
                let (log_p, p_gen) =
                    copy::mix(logits, gate.forward(features), weights.clone(), src.clone());
                (log_p, Some(p_gen.flatten(0, 1))) // [B, 1] -> [B]
            }
            _ => (logits, None),
        };
        Step {
            logits,
            state,
            attention: Some(weights),
            p_gen,
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
        if let Some(gate) = &self.copy_gate {
            return self.forward_copy(gate, tgt, teacher_forcing_ratio, rng, state);
        }
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

impl AttentionSeq2Seq {
    /// The training pass with copy attention: as [`unroll`], but a step fed its own prediction takes
    /// the argmax of the mixture, and the output is `log p` of the mixture.
    fn forward_copy(
        &self,
        gate: &Linear,
        tgt: Tensor<2, Int>,
        teacher_forcing_ratio: f64,
        rng: &mut Rng,
        mut state: AttentionState,
    ) -> Tensor<3> {
        let [batch_size, tgt_len] = tgt.dims();
        let src = state.src.clone().expect("copy models keep the source ids");
        let forced = teacher_forcing_coins(tgt_len - 1, teacher_forcing_ratio, rng);
        let gold = |t: usize| tgt.clone().narrow(1, t, 1).reshape([batch_size]); // [B, 1] -> [B]
        let mut input = gold(0);
        let (mut features, mut weights) = (Vec::new(), Vec::new());
        for t in 0..tgt_len - 1 {
            let (f, next, w) = self.features(input, state);
            state = next;
            input = match forced.get(t + 1) {
                Some(true) | None => gold(t + 1),
                Some(false) => {
                    let logits = self.output.forward(f.clone().detach());
                    let g = gate.forward(f.clone().detach());
                    let (log_p, _) = copy::mix(logits, g, w.clone().detach(), src.clone());
                    log_p.argmax(1).reshape([batch_size]) // [B, 1] -> [B]
                }
            };
            features.push(f);
            weights.push(w);
        }
        let features = Tensor::stack::<3>(features, 1); // T-1 x [B, F] -> [B, T-1, F]
        let weights = Tensor::stack::<3>(weights, 1); // T-1 x [B, S] -> [B, T-1, S]
        let [_, steps, src_len] = weights.dims();
        let src = src
            .reshape([batch_size, 1, src_len]) // [B, S] -> [B, 1, S]
            .expand([batch_size, steps, src_len]);
        let logits = self.output.forward(features.clone());
        copy::mix(logits, gate.forward(features), weights, src).0
    }
}
