//! Fused operations for the flex CPU backend, with hand-written backward passes (native only).
//!
//! Each function takes and returns ordinary tensors. When its inputs live on flex (plain, or under
//! autodiff with the default checkpointing) it runs a kernel of [`super::kernels`] and, under autodiff,
//! registers one backward step; it returns `None` otherwise and the caller falls back to the same
//! formula written with Burn's operations (GPU backends, wasm).
//!
//! Why: on flex, Burn's composite formulations cost one allocation and one full pass per operation, the
//! `exp` inside is a scalar libm call, and autodiff recomputes a sigmoid in its backward. Measured at the
//! reference size, these are about a quarter of a training step (see `model::bench`).

mod attention;
mod dropout;
mod linear;
mod loss;
mod lstm;
mod sigmoid;
mod split_linear;
#[cfg(test)]
mod tests;

pub use attention::attention_scores;
pub use dropout::dropout;
pub use linear::linear_with_known_steps;
pub use loss::weighted_cross_entropy;
pub use lstm::lstm_cell;
pub use sigmoid::sigmoid;
pub use split_linear::split_linear;

use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Flex, TensorMetadata};
use burn::prelude::*;
use burn::tensor::DType;

pub(super) type Ad = Autodiff<Flex, NoCheckpointing>;

/// A flex tensor, plain or under autodiff.
pub(super) enum Input {
    Plain(FlexTensor),
    Tracked(FloatTensor<Ad>),
}

/// Whether the fused kernels are used: on unless the environment sets `SEQ2SEQ_FUSED=0` (to time or
/// debug the plain-Burn formulation on the same machine, back to back).
pub fn enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var("SEQ2SEQ_FUSED").map_or(true, |v| v != "0"))
}

impl Input {
    fn of<const D: usize>(tensor: &Tensor<D>) -> Option<Self> {
        if !enabled() {
            return None;
        }
        if let Ok(t) = tensor.clone().try_into_primitive::<Flex>() {
            return (t.dtype() == DType::F32).then_some(Input::Plain(t));
        }
        let t = tensor.clone().try_into_primitive::<Ad>().ok()?;
        (t.primitive().dtype() == DType::F32).then_some(Input::Tracked(t))
    }
}

/// The data of `t` as one contiguous `f32` slice (copied only when `t` is a strided view).
pub(super) fn contiguous(t: FlexTensor) -> FlexTensor {
    if t.as_slice::<f32>().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}

pub(super) fn slice(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().expect("a contiguous f32 tensor")
}

pub(super) fn flex(data: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(data, shape.into()))
}

pub(super) fn shape_of(t: &FlexTensor) -> Shape {
    t.shape()
}
