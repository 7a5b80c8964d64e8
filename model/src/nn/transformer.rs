//! The layers of a pre-layer-norm Transformer (Vaswani et al. 2017, with the layer norm before each
//! block as in Xiong et al. 2020, which trains without a long warm-up).
//!
//! Written here rather than taken from `burn::nn` because decoding needs two things Burn's layers do not
//! give: the attention weights of every step (for the heatmap and for copying), and a key/value cache
//! that beam search can reorder ([`KeyValues::select`]), so that a decoding step costs one position,
//! not the whole prefix.
//!
//! Masks are additive: `0` where a key may be read, `-inf` where not, broadcast over heads and queries,
//! so a masked position gets exactly zero weight.

use burn::nn::{Dropout, DropoutConfig, LayerNorm, LayerNormConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::{relu, softmax};

use super::{dropout, linear, linear_forward};

/// Multi-head scaled dot-product attention.
#[derive(Module, Debug)]
pub struct MultiHeadAttention {
    /// `[D, D]`.
    pub query: Linear,
    /// `[D, 2D]`: keys and values in one product.
    pub key_value: Linear,
    /// `[D, D]` on the concatenated heads.
    pub output: Linear,
    #[module(skip)]
    pub heads: usize,
}

/// The keys and values of the positions a layer attends to, split into heads: `[B, H, L, D/H]` each.
#[derive(Debug, Clone)]
pub struct KeyValues {
    pub keys: Tensor<4>,
    pub values: Tensor<4>,
}

impl KeyValues {
    /// Rows `indices` of the batch (beam search).
    pub fn select(&self, indices: Tensor<1, Int>) -> Self {
        Self {
            keys: self.keys.clone().select(0, indices.clone()),
            values: self.values.clone().select(0, indices),
        }
    }

    /// These positions followed by `next`'s (the cache of a decoding step).
    pub fn append(self, next: KeyValues) -> Self {
        Self {
            keys: Tensor::cat(vec![self.keys, next.keys], 2),
            values: Tensor::cat(vec![self.values, next.values], 2),
        }
    }
}

impl MultiHeadAttention {
    pub fn new(d_model: usize, heads: usize, device: &Device) -> Self {
        assert!(
            heads > 0 && d_model.is_multiple_of(heads),
            "the model size {d_model} must be a multiple of the number of heads {heads}"
        );
        Self {
            query: linear(d_model, d_model, true, device),
            key_value: linear(d_model, 2 * d_model, true, device),
            output: linear(d_model, d_model, true, device),
            heads,
        }
    }

    /// The keys and values of `x` `[B, L, D]`.
    pub fn key_values(&self, x: Tensor<3>) -> KeyValues {
        let d_model = x.dims()[2];
        let kv = linear_forward(&self.key_value, x); // [B, L, 2D]
        KeyValues {
            keys: split_heads(kv.clone().narrow(2, 0, d_model), self.heads),
            values: split_heads(kv.narrow(2, d_model, d_model), self.heads),
        }
    }

    /// `x` `[B, Lq, D]` attends to `memory` (`[B, H, Lk, D/H]`) under the additive `mask` (broadcast to
    /// `[B, H, Lq, Lk]`): (output `[B, Lq, D]`, weights `[B, H, Lq, Lk]`, rows summing to 1).
    pub fn forward(
        &self,
        x: Tensor<3>,
        memory: &KeyValues,
        mask: Option<Tensor<4>>,
    ) -> (Tensor<3>, Tensor<4>) {
        let query = split_heads(linear_forward(&self.query, x), self.heads); // [B, H, Lq, D/H]
        let head_size = query.dims()[3];
        let scores = query
            .matmul(memory.keys.clone().swap_dims(2, 3)) // [B, H, Lq, D/H] x [B, H, D/H, Lk]
            .div_scalar((head_size as f64).sqrt());
        let scores = match mask {
            Some(mask) => scores + mask,
            None => scores,
        };
        let weights = softmax(scores, 3);
        let context = merge_heads(weights.clone().matmul(memory.values.clone()));
        (linear_forward(&self.output, context), weights)
    }
}

/// `[B, L, D]` -> `[B, H, L, D/H]`.
fn split_heads(x: Tensor<3>, heads: usize) -> Tensor<4> {
    let [batch_size, len, d_model] = x.dims();
    x.reshape([batch_size, len, heads, d_model / heads]) // [B, L, D] -> [B, L, H, D/H]
        .swap_dims(1, 2)
}

/// `[B, H, L, D/H]` -> `[B, L, D]`.
fn merge_heads(x: Tensor<4>) -> Tensor<3> {
    let [batch_size, heads, len, head_size] = x.dims();
    x.swap_dims(1, 2)
        .reshape([batch_size, len, heads * head_size]) // [B, L, H, D/H] -> [B, L, D]
}

/// `[B, L, D]` -> `[B, L, D]`: two products with a ReLU between.
#[derive(Module, Debug)]
pub struct FeedForward {
    pub inner: Linear,
    pub outer: Linear,
    pub dropout: Dropout,
}

impl FeedForward {
    pub fn new(d_model: usize, feed_forward_size: usize, dropout: f64, device: &Device) -> Self {
        Self {
            inner: linear(d_model, feed_forward_size, true, device),
            outer: linear(feed_forward_size, d_model, true, device),
            dropout: DropoutConfig::new(dropout).init(),
        }
    }

    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let hidden = dropout(&self.dropout, relu(linear_forward(&self.inner, x)));
        linear_forward(&self.outer, hidden)
    }
}

/// The sizes every layer shares.
#[derive(Debug, Clone, Copy)]
pub struct LayerSizes {
    pub d_model: usize,
    pub heads: usize,
    pub feed_forward_size: usize,
    pub dropout: f64,
}

fn layer_norm(d_model: usize, device: &Device) -> LayerNorm {
    LayerNormConfig::new(d_model).init(device)
}

/// Self-attention then feed-forward, each as `x + dropout(block(norm(x)))`.
#[derive(Module, Debug)]
pub struct EncoderLayer {
    pub attention_norm: LayerNorm,
    pub attention: MultiHeadAttention,
    pub feed_forward_norm: LayerNorm,
    pub feed_forward: FeedForward,
    pub dropout: Dropout,
}

impl EncoderLayer {
    pub fn new(sizes: LayerSizes, device: &Device) -> Self {
        let d = sizes.d_model;
        Self {
            attention_norm: layer_norm(d, device),
            attention: MultiHeadAttention::new(d, sizes.heads, device),
            feed_forward_norm: layer_norm(d, device),
            feed_forward: FeedForward::new(d, sizes.feed_forward_size, sizes.dropout, device),
            dropout: DropoutConfig::new(sizes.dropout).init(),
        }
    }

    /// `x` `[B, S, D]`, `padding` the additive source mask `[B, 1, 1, S]`.
    pub fn forward(&self, x: Tensor<3>, padding: Tensor<4>) -> Tensor<3> {
        let normed = self.attention_norm.forward(x.clone());
        let memory = self.attention.key_values(normed.clone());
        let (attended, _) = self.attention.forward(normed, &memory, Some(padding));
        let x = x + dropout(&self.dropout, attended);
        let fed = self
            .feed_forward
            .forward(self.feed_forward_norm.forward(x.clone()));
        x + dropout(&self.dropout, fed)
    }
}

/// Masked self-attention, attention over the encoder's outputs, feed-forward.
#[derive(Module, Debug)]
pub struct DecoderLayer {
    pub self_attention_norm: LayerNorm,
    pub self_attention: MultiHeadAttention,
    pub cross_attention_norm: LayerNorm,
    pub cross_attention: MultiHeadAttention,
    pub feed_forward_norm: LayerNorm,
    pub feed_forward: FeedForward,
    pub dropout: Dropout,
}

/// What a decoder layer returns besides its output.
pub struct DecoderLayerOutput {
    pub x: Tensor<3>,
    /// The keys and values of every target position seen so far (the cache for the next step).
    pub cache: KeyValues,
    /// `[B, H, T, S]` the cross-attention's weights.
    pub cross_weights: Tensor<4>,
}

impl DecoderLayer {
    pub fn new(sizes: LayerSizes, device: &Device) -> Self {
        let d = sizes.d_model;
        Self {
            self_attention_norm: layer_norm(d, device),
            self_attention: MultiHeadAttention::new(d, sizes.heads, device),
            cross_attention_norm: layer_norm(d, device),
            cross_attention: MultiHeadAttention::new(d, sizes.heads, device),
            feed_forward_norm: layer_norm(d, device),
            feed_forward: FeedForward::new(d, sizes.feed_forward_size, sizes.dropout, device),
            dropout: DropoutConfig::new(sizes.dropout).init(),
        }
    }

    /// `x` `[B, T, D]`: the new target positions. `cache` holds the earlier positions' keys and values
    /// (none in the training pass, which has all positions at once and masks the future with `causal`
    /// `[1, 1, T, T]`); `cross` the encoder outputs' keys and values, `padding` `[B, 1, 1, S]`.
    pub fn forward(
        &self,
        x: Tensor<3>,
        cache: Option<KeyValues>,
        causal: Option<Tensor<4>>,
        cross: &KeyValues,
        padding: Tensor<4>,
    ) -> DecoderLayerOutput {
        let normed = self.self_attention_norm.forward(x.clone());
        let new = self.self_attention.key_values(normed.clone());
        let cache = match cache {
            Some(earlier) => earlier.append(new),
            None => new,
        };
        let (attended, _) = self.self_attention.forward(normed, &cache, causal);
        let x = x + dropout(&self.dropout, attended);
        let normed = self.cross_attention_norm.forward(x.clone());
        let (read, cross_weights) = self.cross_attention.forward(normed, cross, Some(padding));
        let x = x + dropout(&self.dropout, read);
        let fed = self
            .feed_forward
            .forward(self.feed_forward_norm.forward(x.clone()));
        DecoderLayerOutput {
            x: x + dropout(&self.dropout, fed),
            cache,
            cross_weights,
        }
    }
}

/// The additive mask of `src_mask` `[B, S]` (true on real tokens): `[B, 1, 1, S]`, `-inf` on padding.
pub fn padding_mask(src_mask: Tensor<2, Bool>) -> Tensor<4> {
    let [batch_size, src_len] = src_mask.dims();
    let device = src_mask.device();
    Tensor::<2>::zeros([batch_size, src_len], &device)
        .mask_fill(src_mask.bool_not(), f32::NEG_INFINITY)
        .reshape([batch_size, 1, 1, src_len]) // [B, S] -> [B, 1, 1, S]
}

/// The additive mask that keeps each of `len` target positions from reading later ones: `[1, 1, T, T]`.
pub fn causal_mask(len: usize, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = (0..len * len)
        .map(|i| match i % len > i / len {
            true => f32::NEG_INFINITY,
            false => 0.0,
        })
        .collect();
    Tensor::<2>::from_data(TensorData::new(values, [len, len]), device).reshape([1, 1, len, len]) // [T, T] -> [1, 1, T, T]
}

/// The sinusoidal encodings of positions `start..start + len`: `[len, D]`, `sin` on even and `cos` on
/// odd features (Vaswani et al. 2017). Fixed, so decoding has no length limit the training lacked.
pub fn positions(start: usize, len: usize, d_model: usize, device: &Device) -> Tensor<2> {
    let mut values = Vec::with_capacity(len * d_model);
    for position in start..start + len {
        for i in 0..d_model {
            let rate = 10000f64.powf((i / 2 * 2) as f64 / d_model as f64);
            let angle = position as f64 / rate;
            values.push(if i % 2 == 0 { angle.sin() } else { angle.cos() } as f32);
        }
    }
    Tensor::from_data(TensorData::new(values, [len, d_model]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floats<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn the_causal_mask_hides_later_positions_only() {
        let mask = floats(causal_mask(3, &Device::flex()));
        let inf = f32::NEG_INFINITY;
        assert_eq!(mask, [0.0, inf, inf, 0.0, 0.0, inf, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn masked_keys_get_no_weight_and_rows_sum_to_one() {
        let device = Device::flex();
        device.seed(1);
        let attention = MultiHeadAttention::new(8, 2, &device);
        let x = Tensor::<3>::random([2, 3, 8], burn::tensor::Distribution::Default, &device);
        let src_mask = Tensor::<2, Bool>::from_data(
            TensorData::new(vec![true, true, false, true, true, true], [2, 3]),
            &device,
        );
        let memory = attention.key_values(x.clone());
        let (out, weights) = attention.forward(x, &memory, Some(padding_mask(src_mask)));
        assert_eq!(out.dims(), [2, 3, 8]);
        assert_eq!(weights.dims(), [2, 2, 3, 3]);
        let w = floats(weights);
        for row in w.chunks(3) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{row:?}");
        }
        // Batch row 0, both heads, every query: key 2 is padding.
        for row in w[..18].chunks(3) {
            assert_eq!(row[2], 0.0);
        }
    }

    #[test]
    fn positions_start_where_asked() {
        let device = Device::flex();
        let all = floats(positions(0, 5, 6, &device));
        let tail = floats(positions(3, 2, 6, &device));
        assert_eq!(&all[18..], &tail[..]);
        assert_eq!(&all[..2], &[0.0, 1.0]); // sin 0, cos 0
    }
}
