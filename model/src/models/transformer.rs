//! An encoder-decoder Transformer (the reference design's first future-work item): token embeddings
//! plus sinusoidal positions, pre-layer-norm encoder and decoder stacks ([`crate::nn::transformer`]),
//! a final layer norm on each side and an output layer.
//!
//! Training is full teacher forcing, parallel over the target positions: each position reads the gold
//! prefix through the causal mask, so the per-step coin of the recurrent models does not apply (the
//! ratio is ignored). Decoding keeps each decoder layer's keys and values in the state, so a step
//! computes one position, and beam search reorders the cache with the rest of the state.
//!
//! The attention a step returns (heatmap, `<unk>` replacement, copying) is the last decoder layer's
//! cross-attention averaged over its heads. With copy attention (`copy`, see [`super::copy`]) that
//! attention is mixed with the vocabulary by a gate on the decoder's output.
//!
//! Sizes: `decoder.hidden_size` is the model size (both sides' embeddings are that wide, so
//! `embedding_size` must equal it), `num_layers` and `dropout` per side, heads and feed-forward size
//! in [`TransformerConfig`].

use burn::nn::{Dropout, DropoutConfig, Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::nn::transformer::{
    DecoderLayer, EncoderLayer, KeyValues, LayerSizes, causal_mask, padding_mask, positions,
};
use crate::nn::{dropout, embedding, linear, linear_forward};
use crate::rng::Rng;

use super::copy;
use super::cost::{self, BatchShape, Product};
use super::{DecoderState, ModelConfig, ModelKind, Seq2Seq, Step};

/// The Transformer's sizes that the recurrent models lack; the defaults are a common starting point
/// (4 heads, a feed-forward layer 4x the model size of 256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformerConfig {
    /// Attention heads per layer; the model size must be a multiple of it.
    pub heads: usize,
    /// The hidden size of each feed-forward block.
    pub feed_forward_size: usize,
}

impl Default for TransformerConfig {
    fn default() -> Self {
        Self {
            heads: 4,
            feed_forward_size: 1024,
        }
    }
}

#[derive(Module, Debug)]
pub struct TransformerSeq2Seq {
    pub src_embedding: Embedding,
    pub encoder: Vec<EncoderLayer>,
    pub encoder_norm: LayerNorm,
    pub tgt_embedding: Embedding,
    pub decoder: Vec<DecoderLayer>,
    pub decoder_norm: LayerNorm,
    pub dropout: Dropout,
    /// `[D, V]`.
    pub output: Linear,
    /// Copy attention: `[D, 1]`, the pre-activation of `p_gen`.
    pub copy_gate: Option<Linear>,
}

#[derive(Debug, Clone)]
pub struct TransformerState {
    /// Per decoder layer: the keys and values of the target positions decoded so far (none before
    /// the first step).
    pub cache: Vec<Option<KeyValues>>,
    /// Per decoder layer: the keys and values of the encoder outputs, computed once.
    pub cross: Vec<KeyValues>,
    /// `[B, 1, 1, S]` the additive source mask.
    pub padding: Tensor<4>,
    /// The position of the next target token.
    pub position: usize,
    /// Copy attention: the source ids `[B, S]`.
    pub src: Option<Tensor<2, Int>>,
}

impl DecoderState for TransformerState {
    fn select(&self, batch_indices: Tensor<1, Int>) -> Self {
        let rows = || batch_indices.clone();
        Self {
            cache: self
                .cache
                .iter()
                .map(|c| c.as_ref().map(|c| c.select(rows())))
                .collect(),
            cross: self.cross.iter().map(|c| c.select(rows())).collect(),
            padding: self.padding.clone().select(0, rows()),
            position: self.position,
            src: self.src.as_ref().map(|s| s.clone().select(0, rows())),
        }
    }
}

impl TransformerSeq2Seq {
    pub fn new(config: &ModelConfig, device: &Device) -> Self {
        assert_eq!(config.kind, ModelKind::Transformer);
        let (encoder, decoder) = (&config.encoder, &config.decoder);
        let d = decoder.hidden_size;
        for side in [encoder, decoder] {
            assert!(
                side.hidden_size == d && side.embedding_size == d,
                "the Transformer has one model size: embedding and hidden sizes of both sides must be equal"
            );
        }
        assert!(
            !config.copy || encoder.vocab_size == decoder.vocab_size,
            "copy attention needs one vocabulary for both sides"
        );
        let options = config.transformer.unwrap_or_default();
        let sizes = |dropout| LayerSizes {
            d_model: d,
            heads: options.heads,
            feed_forward_size: options.feed_forward_size,
            dropout,
        };
        Self {
            src_embedding: embedding(encoder.vocab_size, d, device),
            encoder: (0..encoder.num_layers)
                .map(|_| EncoderLayer::new(sizes(encoder.dropout), device))
                .collect(),
            encoder_norm: LayerNormConfig::new(d).init(device),
            tgt_embedding: embedding(decoder.vocab_size, d, device),
            decoder: (0..decoder.num_layers)
                .map(|_| DecoderLayer::new(sizes(decoder.dropout), device))
                .collect(),
            decoder_norm: LayerNormConfig::new(d).init(device),
            dropout: DropoutConfig::new(decoder.dropout).init(),
            output: linear(d, decoder.vocab_size, true, device),
            copy_gate: config.copy.then(|| linear(d, 1, true, device)),
        }
    }

    /// The matrix products of a training forward pass (see [`super::cost`]): per layer the attention
    /// projections, the scores and contexts of every head, the feed-forward block; the output layer.
    pub fn forward_products(config: &ModelConfig, shape: &BatchShape) -> Vec<Product> {
        let d = config.decoder.hidden_size;
        let options = config.transformer.unwrap_or_default();
        let (b, s, t) = (shape.batch_size, shape.src_steps, shape.tgt_steps);
        let heads = b * options.heads;
        let head_size = d / options.heads;
        let product = |m, k, n, count| Product { m, k, n, count };
        // Queries of `q` positions read `k` positions: scores, then contexts.
        let attention = |q: usize, k: usize| {
            [
                product(q, head_size, k, heads),
                product(q, k, head_size, heads),
            ]
        };
        let feed_forward = |rows: usize| {
            [
                product(rows, d, options.feed_forward_size, 1),
                product(rows, options.feed_forward_size, d, 1),
            ]
        };
        let mut products = Vec::new();
        for _ in 0..config.encoder.num_layers {
            products.push(product(b * s, d, 4 * d, 1)); // queries, keys, values, output
            products.extend(attention(s, s));
            products.extend(feed_forward(b * s));
        }
        for _ in 0..config.decoder.num_layers {
            products.push(product(b * t, d, 4 * d, 1)); // self-attention
            products.extend(attention(t, t));
            products.push(product(b * t, d, 2 * d, 1)); // cross-attention queries and output
            products.push(product(b * s, d, 2 * d, 1)); // cross-attention keys and values
            products.extend(attention(t, s));
            products.extend(feed_forward(b * t));
        }
        products.push(cost::output_layer(config, d, shape));
        products
    }

    /// `tokens` `[B, L]` embedded with the positions from `start` on: `[B, L, D]`.
    fn embed(&self, embedding: &Embedding, tokens: Tensor<2, Int>, start: usize) -> Tensor<3> {
        let [_, len] = tokens.dims();
        let x = embedding.forward(tokens); // [B, L] -> [B, L, D]
        let d_model = x.dims()[2];
        let positions = positions(start, len, d_model, &x.device()).reshape([1, len, d_model]); // [L, D] -> [1, L, D]
        dropout(&self.dropout, x + positions)
    }

    /// The decoder over `tgt_in` `[B, T]` from `position` on.
    fn decode(
        &self,
        tgt_in: Tensor<2, Int>,
        state: &TransformerState,
        causal: Option<Tensor<4>>,
    ) -> Decoded {
        let mut x = self.embed(&self.tgt_embedding, tgt_in, state.position);
        let mut caches = Vec::with_capacity(self.decoder.len());
        let mut weights = Vec::with_capacity(self.decoder.len());
        for ((layer, cache), cross) in self.decoder.iter().zip(&state.cache).zip(&state.cross) {
            let out = layer.forward(
                x,
                cache.clone(),
                causal.clone(),
                cross,
                state.padding.clone(),
            );
            x = out.x;
            caches.push(Some(out.cache));
            weights.push(out.cross_weights);
        }
        Decoded {
            features: self.decoder_norm.forward(x),
            caches,
            weights,
        }
    }

    /// The encoder over `src` and the decoder over the gold prefix `tgt[:, :-1]` in one parallel pass
    /// (the causal mask keeps each position from reading later ones): what training and
    /// [`Seq2Seq::attention_by_head`] both read.
    fn teacher_forced(
        &self,
        src: Tensor<2, Int>,
        src_mask: Tensor<2, Bool>,
        tgt: Tensor<2, Int>,
    ) -> (TransformerState, Decoded) {
        let steps = tgt.dims()[1] - 1;
        let state = self.encode(src, src_mask);
        let causal = causal_mask(steps, &tgt.device());
        let decoded = self.decode(tgt.narrow(1, 0, steps), &state, Some(causal));
        (state, decoded)
    }

    /// Logits `[.., V]` from `features` `[.., D]`: log-probabilities of the mixture with copy attention
    /// (with `p_gen` `[.., 1]`), the output layer's scores otherwise.
    fn predict<const D: usize>(
        &self,
        features: Tensor<D>,
        weights: Tensor<D>,
        src: Option<Tensor<D, Int>>,
    ) -> (Tensor<D>, Option<Tensor<D>>) {
        let logits = linear_forward(&self.output, features.clone());
        match (&self.copy_gate, src) {
            (Some(gate), Some(src)) => {
                let (log_p, p_gen) = copy::mix(logits, gate.forward(features), weights, src);
                (log_p, Some(p_gen))
            }
            _ => (logits, None),
        }
    }
}

/// What the decoder stack gives for some target positions.
struct Decoded {
    /// `[B, T, D]` after the final layer norm.
    features: Tensor<3>,
    /// Per layer, the keys and values of every target position so far.
    caches: Vec<Option<KeyValues>>,
    /// Per layer, the cross-attention `[B, H, T, S]`.
    weights: Vec<Tensor<4>>,
}

impl Decoded {
    /// The attention a step reports and copies with: the last layer's, averaged over heads, `[B, T, S]`.
    fn attention(&self) -> Tensor<3> {
        let last = self.weights.last().expect("at least one decoder layer");
        let [batch_size, _, len, src_len] = last.dims();
        last.clone()
            .mean_dim(1) // [B, H, T, S] -> [B, 1, T, S]
            .reshape([batch_size, len, src_len]) // [B, 1, T, S] -> [B, T, S]
    }
}

impl Seq2Seq for TransformerSeq2Seq {
    type State = TransformerState;

    fn kind(&self) -> ModelKind {
        ModelKind::Transformer
    }

    fn src_vocab_size(&self) -> usize {
        self.src_embedding.weight.lazy_shape()[0]
    }

    fn tgt_vocab_size(&self) -> usize {
        self.tgt_embedding.weight.lazy_shape()[0]
    }

    fn encode(&self, src: Tensor<2, Int>, src_mask: Tensor<2, Bool>) -> TransformerState {
        let padding = padding_mask(src_mask);
        let mut x = self.embed(&self.src_embedding, src.clone(), 0);
        for layer in &self.encoder {
            x = layer.forward(x, padding.clone());
        }
        let memory = self.encoder_norm.forward(x);
        TransformerState {
            cache: vec![None; self.decoder.len()],
            cross: self
                .decoder
                .iter()
                .map(|layer| layer.cross_attention.key_values(memory.clone()))
                .collect(),
            padding,
            position: 0,
            src: self.copy_gate.is_some().then_some(src),
        }
    }

    fn decode_step(
        &self,
        prev_tokens: Tensor<1, Int>,
        state: TransformerState,
    ) -> Step<TransformerState> {
        let [batch_size] = prev_tokens.dims();
        let tgt_in = prev_tokens.reshape([batch_size, 1]); // [B] -> [B, 1]
        let decoded = self.decode(tgt_in, &state, None);
        let weights = decoded.attention();
        let src_len = weights.dims()[2];
        let weights = weights.reshape([batch_size, src_len]); // [B, 1, S] -> [B, S]
        let d_model = decoded.features.dims()[2];
        let features = decoded.features.reshape([batch_size, d_model]); // [B, 1, D] -> [B, D]
        let (logits, p_gen) = self.predict(features, weights.clone(), state.src.clone());
        Step {
            logits,
            attention: Some(weights),
            p_gen: p_gen.map(|p| p.flatten(0, 1)), // [B, 1] -> [B]
            state: TransformerState {
                cache: decoded.caches,
                position: state.position + 1,
                ..state
            },
        }
    }

    fn forward(
        &self,
        src: Tensor<2, Int>,
        src_mask: Tensor<2, Bool>,
        tgt: Tensor<2, Int>,
        _teacher_forcing_ratio: f64,
        _rng: &mut Rng,
    ) -> Tensor<3> {
        let [batch_size, tgt_len] = tgt.dims();
        let steps = tgt_len - 1;
        let (state, decoded) = self.teacher_forced(src, src_mask, tgt);
        let src = state.src.map(|src| {
            let src_len = src.dims()[1];
            src.reshape([batch_size, 1, src_len]) // [B, S] -> [B, 1, S]
                .expand([batch_size, steps, src_len])
        });
        let attention = decoded.attention();
        self.predict(decoded.features, attention, src).0
    }

    fn attention_by_head(
        &self,
        src: Tensor<2, Int>,
        src_mask: Tensor<2, Bool>,
        tgt: Tensor<2, Int>,
    ) -> Option<Tensor<5>> {
        let (_, decoded) = self.teacher_forced(src, src_mask, tgt);
        Some(Tensor::stack::<5>(decoded.weights, 1)) // layers x [B, H, T-1, S] -> [B, layers, H, T-1, S]
    }
}
