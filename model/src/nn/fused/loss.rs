//! Masked cross-entropy over the vocabulary in one pass forward and one backward.

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::flex::FlexTensor;
use burn::prelude::*;
use rayon::prelude::*;

use super::super::kernels;
use super::*;

/// `sum_n weight[n] (logsumexp(logits[n]) - logits[n, targets[n]])` as a `[1]` tensor, for `logits`
/// `[N, V]`: the masked mean cross-entropy in one pass forward and one backward, never materialising
/// `log_softmax` or a one-hot matrix.
pub fn weighted_cross_entropy(
    logits: &Tensor<2>,
    targets: &[i64],
    weights: &[f32],
) -> Option<Tensor<1>> {
    let [n, vocab] = logits.dims();
    assert_eq!(targets.len(), n);
    let forward = |x: &FlexTensor| -> (Vec<f32>, FlexTensor) {
        let xs = slice(x);
        let mut lse = vec![0.0; n];
        let rows = kernels::par_rows(vocab);
        lse.par_chunks_mut(rows)
            .zip(xs.par_chunks(rows * vocab))
            .for_each(|(l, x)| kernels::log_sum_exp_rows(x, vocab, l));
        let loss: f64 = (0..n)
            .map(|i| weights[i] as f64 * (lse[i] - xs[i * vocab + targets[i] as usize]) as f64)
            .sum();
        (lse, flex(vec![loss as f32], [1]))
    };
    #[derive(Debug)]
    struct CrossEntropyBackward;
    impl Backward<Flex, 1> for CrossEntropyBackward {
        type State = (FlexTensor, Vec<f32>, Vec<i64>, Vec<f32>);
        fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
            let (x, lse, targets, weights) = ops.state;
            unary::<Flex, _>(ops.parents, ops.node, grads, |g| {
                let g = slice(&contiguous(g))[0];
                let scale: Vec<f32> = weights.iter().map(|w| w * g).collect();
                let [n, vocab] = shape_of(&x).dims::<2>();
                let mut grad = vec![0.0; n * vocab];
                let rows = kernels::par_rows(vocab);
                grad.par_chunks_mut(rows * vocab)
                    .zip(slice(&x).par_chunks(rows * vocab))
                    .enumerate()
                    .for_each(|(c, (out, x))| {
                        let r = c * rows..(c * rows + out.len() / vocab);
                        let (lse, t, s) = (&lse[r.clone()], &targets[r.clone()], &scale[r]);
                        kernels::cross_entropy_backward_rows(x, vocab, lse, t, s, out);
                    });
                flex(grad, [n, vocab])
            });
        }
    }
    Some(match Input::of(logits)? {
        Input::Plain(x) => Tensor::from_primitive::<Flex>(forward(&contiguous(x)).1),
        Input::Tracked(x) => {
            let (x, node) = x.into_parts();
            let x = contiguous(x);
            let (lse, loss) = forward(&x);
            let out = match CrossEntropyBackward
                .prepare::<NoCheckpointing>([node])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => {
                    prep.finish((x, lse, targets.to_vec(), weights.to_vec()), loss)
                }
                OpsKind::UnTracked(prep) => prep.finish(loss),
            };
            Tensor::from_primitive::<Ad>(out)
        }
    })
}
