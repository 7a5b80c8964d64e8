//! Dropout with its mask drawn by SplitMix64 on the host: Burn's `random_like(Bernoulli)` on flex draws
//! each element through ChaCha and a generic sampler, about 8% of a Transformer training step (perf, at
//! the bench size); this draws two elements per `u64`. The seed comes from Burn's generator, so a seeded
//! device still gives the same masks.

use burn::prelude::*;
use burn::tensor::Distribution;

use super::Input;
use crate::rng::Rng;

/// `x` with each element zeroed with probability `prob` and the rest scaled by `1 / (1 - prob)`, for
/// `x` on flex under autodiff; `None` otherwise (the caller uses Burn's dropout).
pub fn dropout<const D: usize>(x: &Tensor<D>, prob: f64) -> Option<Tensor<D>> {
    let Some(Input::Tracked(_)) = Input::of(x) else {
        return None;
    };
    let device = x.device();
    let seed: Vec<f32> = Tensor::<1>::random([2], Distribution::Default, &device)
        .into_data()
        .try_to_vec()
        .ok()?;
    let mut rng =
        Rng::new(((seed[0] * 16_777_216.0) as u64) << 24 | (seed[1] * 16_777_216.0) as u64);
    let shape = x.shape();
    let n = shape.num_elements();
    let keep = 1.0 - prob;
    let threshold = (keep * 4_294_967_296.0) as u64; // P(coin < threshold) = keep
    let scale = (1.0 / keep) as f32;
    let mut mask = Vec::with_capacity(n + 1);
    while mask.len() < n {
        let bits = rng.next_u64();
        for coin in [bits >> 32, bits & 0xFFFF_FFFF] {
            mask.push(if coin < threshold { scale } else { 0.0 });
        }
    }
    mask.truncate(n);
    let mask = Tensor::<D>::from_data(TensorData::new(mask, shape), &device);
    Some(x.clone() * mask)
}
