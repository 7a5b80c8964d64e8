//! Teacher forcing as in the reference design: before each decoding step after the first, a coin
//! decides, for the whole batch, whether the step is fed the gold token or the model's own argmax.

use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::module::linear;

use crate::rng::Rng;

/// `forced[t]`: whether step `t` of `steps` is fed the gold token. Step 0 always is (`<sos>`); one coin per
/// later step, drawn in order, so the same `rng` state always gives the same coins.
pub fn teacher_forcing_coins(steps: usize, ratio: f64, rng: &mut Rng) -> Vec<bool> {
    (0..steps)
        .map(|t| t == 0 || rng.next_f64() < ratio)
        .collect()
}

/// The decoding loop under teacher forcing shared by the recurrent models: `step(tokens [B], state) ->
/// (features [B, F], state)`, `output` maps features to logits. The output projection of all steps is
/// one `[B*(T-1), F] x [F, V]` product at the end; a step that feeds its argmax to the next one
/// computes its logits on its own, detached (the argmax has no gradient anyway), and on flex those
/// logits are copied into the output instead of being multiplied again
/// ([`crate::nn::fused::linear_with_known_steps`]).
pub(crate) fn unroll<S>(
    tgt: Tensor<2, Int>,
    teacher_forcing_ratio: f64,
    rng: &mut Rng,
    mut state: S,
    mut step: impl FnMut(Tensor<1, Int>, S) -> (Tensor<2>, S),
    output: &Linear,
) -> Tensor<3> {
    let [batch_size, tgt_len] = tgt.dims();
    let forced = teacher_forcing_coins(tgt_len - 1, teacher_forcing_ratio, rng);
    let gold = |t: usize| tgt.clone().narrow(1, t, 1).reshape([batch_size]); // [B, 1] -> [B]
    let mut input = gold(0);
    let mut features = Vec::with_capacity(tgt_len - 1);
    // (step, its detached logits [B, V]) of the steps that fed their argmax forward.
    let mut known = Vec::new();
    for t in 0..tgt_len - 1 {
        let (f, next) = step(input, state);
        state = next;
        input = match forced.get(t + 1) {
            // After the last step (`None`) the input is never used.
            Some(true) | None => gold(t + 1),
            Some(false) => {
                let weight = output.weight.val().detach();
                let bias = output.bias.as_ref().map(|b| b.val().detach());
                let logits = linear(f.clone().detach(), weight, bias); // [B, V]
                let next = logits.clone().argmax(1).reshape([batch_size]); // [B, 1] -> [B]
                known.push((t, logits));
                next
            }
        };
        features.push(f);
    }
    let features = Tensor::stack::<3>(features, 1); // T-1 x [B, F] -> [B, T-1, F]
    // On flex, the logits already computed are copied into the output, not multiplied again.
    crate::nn::fused::linear_with_known_steps(
        &features,
        &output.weight.val(),
        output.bias.as_ref().map(|b| b.val()).as_ref(),
        &known,
    )
    .unwrap_or_else(|| output.forward(features)) // [B, T-1, F] -> [B, T-1, V]
}
