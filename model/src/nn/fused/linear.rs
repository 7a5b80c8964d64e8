//! The output projection when the logits of some steps are already known.

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::prelude::*;
use rayon::prelude::*;

use super::*;

/// `linear(x, weight, bias)` for `x` `[B, T, F]` where the outputs of some steps are already known:
/// `known[k] = (t, logits [B, V])`, the values of `linear(x[:, t], weight, bias)` computed earlier
/// (detached). Those rows are copied instead of multiplied again; the gradient is Burn's `linear`
/// backward over all of `x`, as if every row had been computed here. `None` (use `linear`) off flex,
/// without a bias, or when nothing is known.
pub fn linear_with_known_steps(
    x: &Tensor<3>,
    weight: &Tensor<2>,
    bias: Option<&Tensor<1>>,
    known: &[(usize, Tensor<2>)],
) -> Option<Tensor<3>> {
    use burn::backend::ops::ModuleOps;
    if known.is_empty() {
        return None;
    }
    let [batch_size, steps, features] = x.dims();
    let vocab = weight.dims()[1];
    let mut known_rows: Vec<Option<FlexTensor>> = vec![None; steps];
    for (t, logits) in known {
        let logits = match Input::of(&logits.clone().detach())? {
            Input::Plain(l) => l,
            Input::Tracked(l) => l.into_primitive(),
        };
        known_rows[*t] = Some(contiguous(logits));
    }
    let forward = |x: &FlexTensor, w: FlexTensor, b: FlexTensor| -> FlexTensor {
        let computed: Vec<usize> = (0..steps).filter(|&t| known_rows[t].is_none()).collect();
        let xs = slice(x);
        let mut rows = Vec::with_capacity(batch_size * computed.len() * features);
        for b in 0..batch_size {
            for &t in &computed {
                let start = (b * steps + t) * features;
                rows.extend_from_slice(&xs[start..start + features]);
            }
        }
        let y = (!computed.is_empty()).then(|| {
            contiguous(Flex::linear(
                flex(rows, [batch_size * computed.len(), features]),
                w,
                Some(b),
            ))
        });
        let ys = y.as_ref().map_or(&[][..], slice);
        let mut out = vec![0.0; batch_size * steps * vocab];
        out.par_chunks_mut(steps * vocab)
            .enumerate()
            .for_each(|(b, out)| {
                let mut next = b * computed.len();
                for (t, row) in out.chunks_exact_mut(vocab).enumerate() {
                    match &known_rows[t] {
                        Some(k) => row.copy_from_slice(&slice(k)[b * vocab..(b + 1) * vocab]),
                        None => {
                            row.copy_from_slice(&ys[next * vocab..(next + 1) * vocab]);
                            next += 1;
                        }
                    }
                }
            });
        flex(out, [batch_size, steps, vocab])
    };
    #[derive(Debug)]
    struct LinearBackward;
    impl Backward<Flex, 3> for LinearBackward {
        /// `(x, weight)`.
        type State = (FlexTensor, FlexTensor);
        fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
            let (x, w) = ops.state;
            let g = grads.consume::<Flex>(&ops.node);
            let [px, pw, pb] = ops.parents;
            if let Some(node) = px {
                grads.register::<Flex>(node.id, Flex::linear_x_backward(w, g.clone()));
            }
            if let Some(node) = pw {
                grads.register::<Flex>(node.id, Flex::linear_weight_backward(x, g.clone()));
            }
            if let Some(node) = pb {
                grads.register::<Flex>(node.id, Flex::linear_bias_backward(g));
            }
        }
    }
    match (Input::of(x)?, Input::of(weight)?, Input::of(bias?)?) {
        (Input::Plain(x), Input::Plain(w), Input::Plain(b)) => Some(
            Tensor::from_primitive::<Flex>(forward(&contiguous(x), w, b)),
        ),
        (Input::Tracked(x), Input::Tracked(w), Input::Tracked(b)) => {
            let (x, nx) = x.into_parts();
            let (w, nw) = w.into_parts();
            let (b, nb) = b.into_parts();
            let x = contiguous(x);
            let out = forward(&x, w.clone(), b);
            let out = match LinearBackward
                .prepare::<NoCheckpointing>([nx, nw, nb])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => prep.finish((x, w), out),
                OpsKind::UnTracked(prep) => prep.finish(out),
            };
            Some(Tensor::from_primitive::<Ad>(out))
        }
        _ => None,
    }
}
