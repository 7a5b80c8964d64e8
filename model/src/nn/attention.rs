//! Bahdanau (additive) attention: `score(s, h_j) = v^T tanh(W_k h_j + b + W_q s)`, softmax over the
//! source positions with padding masked out.
//!
//! `W_k h_j + b` does not depend on the decoder state, so it is computed once per source sequence
//! ([`BahdanauAttention::memory`]) and each step only adds the projected query.
//!
//! The `[B, S, A]` energy is the costliest elementwise work of the attention model, so it is computed
//! with the fewest passes: `tanh(e) = 1 - 2 sigmoid(-2e)`, hence `v^T tanh(e) = sum(v) - 2 v^T sigmoid(-2e)`,
//! and the softmax ignores the constant `sum(v)`. Keys and query are stored multiplied by -2, so a step is
//! one add, one `sigmoid` and one product with `-2 v` — on flex a single fused kernel that never
//! materialises the energy ([`super::fused::attention_scores`]): the same weights as the textbook formula,
//! without Burn's slow `tanh`.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::softmax;

use super::{linear, sigmoid, uniform};

#[derive(Config, Debug)]
pub struct BahdanauAttentionConfig {
    /// Size of the encoder outputs that are attended to.
    pub key_size: usize,
    /// Size of the decoder state that queries them.
    pub query_size: usize,
    /// Size of the hidden layer of the scoring network.
    pub attention_size: usize,
}

#[derive(Module, Debug)]
pub struct BahdanauAttention {
    /// `W_k` `[key_size, attention_size]` with the bias `b`.
    pub key: Linear,
    /// `W_q` `[query_size, attention_size]`, no bias (`b` is in `key`).
    pub query: Linear,
    /// `v` `[attention_size, 1]`.
    pub score: Param<Tensor<2>>,
}

/// What the attention needs of one batch of source sequences; computed once, used at every step.
#[derive(Debug, Clone)]
pub struct AttentionMemory {
    /// `-2 (W_k h + b)`: `[B, S, A]`.
    pub keys: Tensor<3>,
    /// The encoder outputs `h`: `[B, S, H]`.
    pub values: Tensor<3>,
    /// `[B, S]`, true on padding: those positions get exactly zero weight.
    pub padding: Tensor<2, Bool>,
}

impl AttentionMemory {
    /// Rows `indices` of the batch (beam search).
    pub fn select(&self, indices: Tensor<1, Int>) -> Self {
        Self {
            keys: self.keys.clone().select(0, indices.clone()),
            values: self.values.clone().select(0, indices.clone()),
            padding: self.padding.clone().select(0, indices),
        }
    }
}

impl BahdanauAttentionConfig {
    pub fn init(&self, device: &Device) -> BahdanauAttention {
        BahdanauAttention {
            key: linear(self.key_size, self.attention_size, true, device),
            query: linear(self.query_size, self.attention_size, false, device),
            score: uniform(
                [self.attention_size, 1],
                1.0 / (self.attention_size as f64).sqrt(),
                device,
            ),
        }
    }
}

impl BahdanauAttention {
    /// Projects the encoder outputs `values` `[B, S, H]` once per sequence; `src_mask` `[B, S]` is true on
    /// real tokens.
    pub fn memory(&self, values: Tensor<3>, src_mask: Tensor<2, Bool>) -> AttentionMemory {
        AttentionMemory {
            keys: self.key.forward(values.clone()).mul_scalar(-2.0),
            values,
            padding: src_mask.bool_not(),
        }
    }

    /// `query` `[B, Hq]` -> (context `[B, H]`, weights `[B, S]`).
    pub fn forward(&self, memory: &AttentionMemory, query: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let [batch_size, src_len, _] = memory.keys.dims();
        let query = self.query.forward(query).mul_scalar(-2.0);
        // v^T tanh(e) - sum(v) = -2 v^T sigmoid(-2 e), e = W_k h + b + W_q s
        let scores = additive_scores(&memory.keys, query, self.score.val().mul_scalar(-2.0));
        let weights = softmax(
            scores.mask_fill(memory.padding.clone(), f32::NEG_INFINITY),
            1,
        );
        let hidden_size = memory.values.dims()[2];
        let context = weights
            .clone()
            .reshape([batch_size, 1, src_len]) // [B, S] -> [B, 1, S]
            .matmul(memory.values.clone())
            .reshape([batch_size, hidden_size]); // [B, 1, H] -> [B, H]
        (context, weights)
    }
}

/// `scores[b, s] = sum_a sigmoid(keys[b, s, a] + query[b, a]) w[a]` for `keys` `[B, S, A]`, `query`
/// `[B, A]`, `w` `[A, 1]`. On flex, one fused kernel that never materialises the `[B, S, A]` energy
/// (see [`super::fused::attention_scores`]); elsewhere an add, a sigmoid and a matmul.
fn additive_scores(keys: &Tensor<3>, query: Tensor<2>, w: Tensor<2>) -> Tensor<2> {
    let [batch_size, src_len, attention_size] = keys.dims();
    if let Some(scores) =
        super::fused::attention_scores(keys, &query, &w.clone().reshape([attention_size]))
    // [A, 1] -> [A]
    {
        return scores;
    }
    let query = query.reshape([batch_size, 1, attention_size]); // [B, A] -> [B, 1, A]
    sigmoid(keys.clone() + query) // [B, S, A]
        .reshape([batch_size * src_len, attention_size]) // [B, S, A] -> [B*S, A]
        .matmul(w)
        .reshape([batch_size, src_len]) // [B*S, 1] -> [B, S]
}
