//! The fused kernels' signatures in wasm, where there is no flex-specific code: every function answers
//! `None`, so callers fall back to Burn's operations without a `cfg` of their own.

use burn::prelude::*;

/// Never: wasm has no fused kernels (natively, unless `SEQ2SEQ_FUSED=0`).
pub fn enabled() -> bool {
    false
}

/// See the native `fused::attention_scores`.
pub fn attention_scores(
    _keys: &Tensor<3>,
    _query: &Tensor<2>,
    _w: &Tensor<1>,
) -> Option<Tensor<2>> {
    None
}

/// See the native `fused::linear_with_known_steps`.
pub fn linear_with_known_steps(
    _x: &Tensor<3>,
    _weight: &Tensor<2>,
    _bias: Option<&Tensor<1>>,
    _known: &[(usize, Tensor<2>)],
) -> Option<Tensor<3>> {
    None
}

/// See the native `fused::weighted_cross_entropy`.
pub fn weighted_cross_entropy(
    _logits: &Tensor<2>,
    _targets: &[i64],
    _weights: &[f32],
) -> Option<Tensor<1>> {
    None
}

/// See the native `fused::lstm_cell`.
pub fn lstm_cell(_z: &Tensor<2>, _c_prev: Option<&Tensor<2>>) -> Option<(Tensor<2>, Tensor<2>)> {
    None
}

/// See the native `fused::sigmoid`.
pub fn sigmoid<const D: usize>(_x: &Tensor<D>) -> Option<Tensor<D>> {
    None
}

/// See the native `fused::dropout`.
pub fn dropout<const D: usize>(_x: &Tensor<D>, _prob: f64) -> Option<Tensor<D>> {
    None
}

/// See the native `fused::split_linear`.
pub fn split_linear<const D: usize>(
    _x: &Tensor<D>,
    _weight: &Tensor<2>,
    _bias: Option<&Tensor<1>>,
) -> Option<Tensor<D>> {
    None
}
