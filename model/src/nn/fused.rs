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

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Flex, TensorMetadata};
use burn::prelude::*;
use burn::tensor::DType;
use rayon::prelude::*;

use super::kernels;

type Ad = Autodiff<Flex, NoCheckpointing>;

/// A flex tensor, plain or under autodiff.
enum Input {
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
fn contiguous(t: FlexTensor) -> FlexTensor {
    if t.as_slice::<f32>().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}

fn slice(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().expect("a contiguous f32 tensor")
}

fn flex(data: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(data, shape.into()))
}

fn shape_of(t: &FlexTensor) -> Shape {
    t.shape()
}

/// `sigmoid(x)` (any rank); under autodiff the backward uses the stored output.
pub fn sigmoid<const D: usize>(x: &Tensor<D>) -> Option<Tensor<D>> {
    fn forward(x: FlexTensor) -> FlexTensor {
        let x = contiguous(x);
        flex(kernels::par_sigmoid(slice(&x)), shape_of(&x))
    }
    #[derive(Debug)]
    struct SigmoidBackward;
    impl Backward<Flex, 1> for SigmoidBackward {
        type State = FlexTensor;
        fn backward(self, ops: Ops<FlexTensor, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
            let s = ops.state;
            unary::<Flex, _>(ops.parents, ops.node, grads, |g| {
                let g = contiguous(g);
                flex(
                    kernels::par_sigmoid_backward(slice(&s), slice(&g)),
                    shape_of(&s),
                )
            });
        }
    }
    Some(match Input::of(x)? {
        Input::Plain(x) => Tensor::from_primitive::<Flex>(forward(x)),
        Input::Tracked(x) => {
            let (x, node) = x.into_parts();
            let out = match SigmoidBackward
                .prepare::<NoCheckpointing>([node])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => {
                    let out = forward(x);
                    prep.finish(out.clone(), out)
                }
                OpsKind::UnTracked(prep) => prep.finish(forward(x)),
            };
            Tensor::from_primitive::<Ad>(out)
        }
    })
}

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

#[cfg(test)]
mod tests {
    use burn::tensor::Distribution;
    use burn::tensor::activation::log_softmax;

    use super::*;

    fn random<const D: usize>(shape: [usize; D], device: &Device) -> Tensor<D> {
        Tensor::random(shape, Distribution::Normal(0.0, 2.0), device).require_grad()
    }

    fn assert_close<const D: usize>(a: Tensor<D>, b: Tensor<D>) {
        let (a, b) = (
            a.into_data().try_to_vec::<f32>().unwrap(),
            b.into_data().try_to_vec::<f32>().unwrap(),
        );
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-5 + 1e-4 * y.abs(), "{x} vs {y}");
        }
    }

    #[test]
    fn fused_operations_match_burn_forward_and_backward() {
        let device = Device::flex().autodiff();
        device.seed(7);
        let (b, s, a) = (3, 5, 37); // A not a multiple of the 16 lanes: tails are exercised

        let x = random([b, a], &device);
        let fused = sigmoid(&x).expect("flex");
        let plain = burn::tensor::activation::sigmoid(x.clone());
        let weights = random([b, a], &device).detach();
        let (gf, gp) = (
            (fused.clone() * weights.clone()).sum().backward(),
            (plain.clone() * weights).sum().backward(),
        );
        assert_close(fused, plain);
        assert_close(x.grad(&gf).unwrap(), x.grad(&gp).unwrap());

        let (keys, query, w) = (
            random([b, s, a], &device),
            random([b, a], &device),
            random([a], &device),
        );
        let fused = attention_scores(&keys, &query, &w).expect("flex");
        let plain =
            burn::tensor::activation::sigmoid(keys.clone() + query.clone().reshape([b, 1, a]))
                .reshape([b * s, a])
                .matmul(w.clone().reshape([a, 1]))
                .reshape([b, s]);
        let weights = random([b, s], &device).detach();
        let (gf, gp) = (
            (fused.clone() * weights.clone()).sum().backward(),
            (plain.clone() * weights).sum().backward(),
        );
        assert_close(fused, plain);
        assert_close(keys.grad(&gf).unwrap(), keys.grad(&gp).unwrap());
        assert_close(query.grad(&gf).unwrap(), query.grad(&gp).unwrap());
        assert_close(w.grad(&gf).unwrap(), w.grad(&gp).unwrap());

        let (n, v) = (6, 41);
        let logits = random([n, v], &device);
        let targets: Vec<i64> = vec![0, 3, 40, 7, 7, 12];
        let row_weights = vec![0.25, 0.0, 0.25, 0.25, 0.25, 0.0];
        let fused = weighted_cross_entropy(&logits, &targets, &row_weights).expect("flex");
        let ids = Tensor::<2, Int>::from_data(TensorData::new(targets, [n, 1]), &device);
        let rw = Tensor::<2>::from_data(TensorData::new(row_weights, [n, 1]), &device);
        let plain = (log_softmax(logits.clone(), 1).gather(1, ids).neg() * rw).sum();
        let (gf, gp) = (fused.clone().backward(), plain.clone().backward());
        assert_close(fused, plain);
        assert_close(logits.grad(&gf).unwrap(), logits.grad(&gp).unwrap());
    }
}
