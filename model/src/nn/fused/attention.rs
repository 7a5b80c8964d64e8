//! Additive (Bahdanau) attention scores without the `[B, S, A]` energy tensor.

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::prelude::*;
use rayon::prelude::*;

use super::super::kernels;
use super::*;

/// Additive-attention scores `[B, S]`: `sum_a w[a] sigmoid(keys[b, s, a] + query[b, a])` for `keys`
/// `[B, S, A]`, `query` `[B, A]`, `w` `[A]`, without materialising the `[B, S, A]` energy. The backward
/// recomputes the sigmoid (cheaper than storing 3 MB per decoder step).
pub fn attention_scores(keys: &Tensor<3>, query: &Tensor<2>, w: &Tensor<1>) -> Option<Tensor<2>> {
    let [batch_size, src_len, attention_size] = keys.dims();
    let forward = |k: &FlexTensor, q: &FlexTensor, w: &FlexTensor| -> FlexTensor {
        let (k, q, w) = (slice(k), slice(q), slice(w));
        let mut scores = vec![0.0; batch_size * src_len];
        scores
            .par_chunks_mut(src_len)
            .zip(k.par_chunks(src_len * attention_size))
            .zip(q.par_chunks(attention_size))
            .for_each(|((s, k), q)| kernels::attention_scores_row(k, q, w, s));
        flex(scores, [batch_size, src_len])
    };
    #[derive(Debug)]
    struct ScoresBackward;
    impl Backward<Flex, 3> for ScoresBackward {
        type State = (FlexTensor, FlexTensor, FlexTensor);
        fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
            let (k, q, w) = ops.state;
            let g = contiguous(grads.consume::<Flex>(&ops.node));
            let [b, s, a] = shape_of(&k).dims::<3>();
            let (ks, qs, ws, gs) = (slice(&k), slice(&q), slice(&w), slice(&g));
            let mut d_keys = vec![0.0; b * s * a];
            let mut d_query = vec![0.0; b * a];
            let mut d_w_rows = vec![0.0; b * a]; // per batch row, summed below in a fixed order
            d_keys
                .par_chunks_mut(s * a)
                .zip(d_query.par_chunks_mut(a))
                .zip(d_w_rows.par_chunks_mut(a))
                .enumerate()
                .for_each(|(row, ((dk, dq), dw))| {
                    let keys = &ks[row * s * a..(row + 1) * s * a];
                    let query = &qs[row * a..(row + 1) * a];
                    let g = &gs[row * s..(row + 1) * s];
                    kernels::attention_scores_backward_row(keys, query, ws, g, dk, dq, dw);
                });
            let mut d_w = vec![0.0; a];
            for row in d_w_rows.chunks_exact(a) {
                d_w.iter_mut().zip(row).for_each(|(d, r)| *d += r);
            }
            let [pk, pq, pw] = ops.parents;
            for (parent, grad) in [
                (pk, flex(d_keys, [b, s, a])),
                (pq, flex(d_query, [b, a])),
                (pw, flex(d_w, [a])),
            ] {
                if let Some(node) = parent {
                    grads.register::<Flex>(node.id, grad);
                }
            }
        }
    }
    match (Input::of(keys)?, Input::of(query)?, Input::of(w)?) {
        (Input::Plain(k), Input::Plain(q), Input::Plain(w)) => {
            let (k, q, w) = (contiguous(k), contiguous(q), contiguous(w));
            Some(Tensor::from_primitive::<Flex>(forward(&k, &q, &w)))
        }
        (Input::Tracked(k), Input::Tracked(q), Input::Tracked(w)) => {
            let (k, nk) = k.into_parts();
            let (q, nq) = q.into_parts();
            let (w, nw) = w.into_parts();
            let (k, q, w) = (contiguous(k), contiguous(q), contiguous(w));
            let out = forward(&k, &q, &w);
            let out = match ScoresBackward
                .prepare::<NoCheckpointing>([nk, nq, nw])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => prep.finish((k, q, w), out),
                OpsKind::UnTracked(prep) => prep.finish(out),
            };
            Some(Tensor::from_primitive::<Ad>(out))
        }
        _ => None,
    }
}
