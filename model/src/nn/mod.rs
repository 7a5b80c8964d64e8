//! Layers written for this project rather than taken from `burn::nn`.
//!
//! `burn::nn::Lstm` runs eight small matmuls and a `slice_assign` per time step and has no multi-layer or
//! single-step form; on a CPU the per-operation overhead, not the arithmetic, dominates. These layers do one
//! fused matmul per layer and step and expose a single step, which decoding needs.

pub mod attention;
#[cfg(not(target_arch = "wasm32"))]
pub mod fused;
#[cfg(target_arch = "wasm32")]
#[path = "fused_wasm.rs"]
pub mod fused;
#[cfg(not(target_arch = "wasm32"))]
pub mod kernels;
pub mod recurrent;
pub mod transformer;

use burn::module::Param;
use burn::nn::{Dropout, Embedding, Linear};
use burn::prelude::*;
use burn::tensor::Distribution;

/// A parameter drawn from `U(-bound, bound)`, PyTorch's initialisation for recurrent and linear weights.
pub(crate) fn uniform<const D: usize>(
    shape: [usize; D],
    bound: f64,
    device: &Device,
) -> Param<Tensor<D>> {
    Param::from_tensor(uniform_tensor(shape, bound, device))
}

/// The tensor of [`uniform`], not yet a parameter (a leaf of no graph, so it can be concatenated first).
pub(crate) fn uniform_tensor<const D: usize>(
    shape: [usize; D],
    bound: f64,
    device: &Device,
) -> Tensor<D> {
    Tensor::random(shape, Distribution::Uniform(-bound, bound), device)
}

/// A `Linear` `[d_input, d_output]` initialised now (not lazily, unlike `LinearConfig::init`) so that a
/// seeded device gives the same weights whatever runs next, with PyTorch's `U(-1/sqrt(d_input), ..)`.
pub(crate) fn linear(d_input: usize, d_output: usize, bias: bool, device: &Device) -> Linear {
    let bound = 1.0 / (d_input as f64).sqrt();
    Linear {
        weight: uniform([d_input, d_output], bound, device),
        bias: bias.then(|| uniform([d_output], bound, device)),
    }
}

/// An `Embedding` initialised now from `N(0, 1)` (PyTorch's and Burn's distribution).
pub(crate) fn embedding(n_embedding: usize, d_model: usize, device: &Device) -> Embedding {
    Embedding {
        weight: Param::from_tensor(Tensor::random(
            [n_embedding, d_model],
            Distribution::Normal(0.0, 1.0),
            device,
        )),
    }
}

/// `layer` applied to `x`; outside training, a product of a few rows (a decoding step) is shared
/// between the CPU's threads (see [`fused::split_linear`]).
pub fn linear_forward<const D: usize>(layer: &Linear, x: Tensor<D>) -> Tensor<D> {
    let bias = layer.bias.as_ref().map(|b| b.val());
    fused::split_linear(&x, &layer.weight.val(), bias.as_ref()).unwrap_or_else(|| layer.forward(x))
}

/// `sigmoid(x)`: a fused, vectorised kernel on flex (see [`fused`]), Burn's operation elsewhere.
pub fn sigmoid<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    fused::sigmoid(&x).unwrap_or_else(|| burn::tensor::activation::sigmoid(x))
}

/// `tanh(x) = 2 sigmoid(2x) - 1`.
///
/// Why not `burn::tensor::activation::tanh`: on the flex CPU backend its autodiff backward recomputes
/// `tanh` (a scalar libm call) and calls `powi`, about 3x slower forward + backward than this (measured
/// on `[3200, 256]`); `sigmoid` has a fused backward that reuses its output.
pub fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    sigmoid(x.mul_scalar(2.0)).mul_scalar(2.0).sub_scalar(1.0)
}

/// `layer` applied to `x`: on flex under autodiff with its mask drawn by the fast kernel of
/// [`fused::dropout`], elsewhere by Burn. The identity outside training, as Burn's.
pub fn dropout<const D: usize>(layer: &Dropout, x: Tensor<D>) -> Tensor<D> {
    if !layer.training.is_enabled() || !x.device().is_autodiff() || layer.prob == 0.0 {
        return x;
    }
    fused::dropout(&x, layer.prob).unwrap_or_else(|| layer.forward(x))
}
