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

/// Rows of `[rows, 4H]` work per rayon task of the LSTM kernels (a few tasks per step at the reference size).
fn lstm_rows(hidden: usize) -> usize {
    (4096 / hidden.max(1)).max(1)
}

/// The forward pass of [`lstm_cell`] on contiguous data: `(gates σ(z) [N, 4H], c, σ(2c), h)`.
fn lstm_forward(
    z: &[f32],
    c_prev: &[f32],
    hidden: usize,
) -> (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>) {
    let n = z.len() / (4 * hidden);
    let (mut gates, mut c, mut s2c, mut h) = (
        vec![0.0; n * 4 * hidden],
        vec![0.0; n * hidden],
        vec![0.0; n * hidden],
        vec![0.0; n * hidden],
    );
    let rows = lstm_rows(hidden);
    gates
        .par_chunks_mut(rows * 4 * hidden)
        .zip(c.par_chunks_mut(rows * hidden))
        .zip(s2c.par_chunks_mut(rows * hidden))
        .zip(h.par_chunks_mut(rows * hidden))
        .enumerate()
        .for_each(|(k, (((gates, c), s2c), h))| {
            let r = k * rows..k * rows + c.len() / hidden;
            let z = &z[r.start * 4 * hidden..r.end * 4 * hidden];
            let cp = if c_prev.is_empty() {
                c_prev
            } else {
                &c_prev[r.start * hidden..r.end * hidden]
            };
            kernels::lstm_cell_rows(z, cp, hidden, gates, c, s2c, h);
        });
    (gates, c, s2c, h)
}

/// The `o` block of `d_z`, passed from the backward of `h` to the backward of `c` of the same cell (see
/// [`lstm_cell`]); `None` when `h` received no gradient.
type SharedGrad = std::sync::Arc<std::sync::Mutex<Option<Vec<f32>>>>;

/// One LSTM cell on the fused pre-activations `z` `[B, 4H]` (gates `[i, f, o, g]`, the candidate's
/// weights doubled: `g = 2σ(z_g) - 1`) and the previous cell `c_prev` `[B, H]` (`None`: zeros) ->
/// `(h, c)`, `c = σ(z_f) c_prev + σ(z_i) g`, `h = σ(z_o) tanh(c)` — one pass forward, one per output
/// backward, instead of about twenty Burn operations (each a full pass, the slices' backward
/// zero-filling `[B, 4H]` tensors).
///
/// Under autodiff this records two operations: `c` from `(z, c_prev)`, then `h` from `c` alone. The
/// backward of `h` (always run first: it depends on `c`) hands its `d_z_o` to the backward of `c` through
/// a shared slot, which writes the whole `d_z` at once — no mostly-zero `[B, 4H]` gradient and no extra
/// addition.
pub fn lstm_cell(z: &Tensor<2>, c_prev: Option<&Tensor<2>>) -> Option<(Tensor<2>, Tensor<2>)> {
    let [batch_size, gates] = z.dims();
    assert_eq!(gates % 4, 0, "LSTM pre-activations are [B, 4H]");
    let hidden = gates / 4;
    #[derive(Debug)]
    struct CellBackward;
    impl Backward<Flex, 2> for CellBackward {
        /// `(σ(z), c_prev, the o block of d_z)`.
        type State = (std::sync::Arc<Vec<f32>>, FlexTensor, SharedGrad);
        fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
            let (gates, c_prev, d_z_o) = ops.state;
            let d_c = contiguous(grads.consume::<Flex>(&ops.node));
            let d_z_o = d_z_o
                .lock()
                .expect("not poisoned")
                .take()
                .unwrap_or_default();
            let [pz, pc] = ops.parents;
            let hidden = shape_of(&d_c).dims::<2>()[1];
            let n = gates.len() / (4 * hidden);
            let cp = slice(&c_prev);
            let mut d_z = vec![0.0; n * 4 * hidden];
            // Also computed when `c_prev` is not tracked (the zeros of the first step): one `[B, H]` pass.
            let mut d_c_prev = vec![0.0; n * hidden];
            let rows = lstm_rows(hidden);
            let dc = slice(&d_c);
            d_z.par_chunks_mut(rows * 4 * hidden)
                .zip(d_c_prev.par_chunks_mut(rows * hidden))
                .enumerate()
                .for_each(|(k, (d_z, d_cp))| {
                    let r = k * rows * hidden..k * rows * hidden + d_cp.len();
                    let d_z_o = if d_z_o.is_empty() {
                        &[][..]
                    } else {
                        &d_z_o[r.clone()]
                    };
                    kernels::lstm_cell_backward_rows(
                        &gates[4 * r.start..4 * r.end],
                        &cp[r.clone()],
                        &dc[r],
                        d_z_o,
                        hidden,
                        d_z,
                        d_cp,
                    );
                });
            if let Some(node) = pz {
                grads.register::<Flex>(node.id, flex(d_z, [n, 4 * hidden]));
            }
            if let Some(node) = pc {
                grads.register::<Flex>(node.id, flex(d_c_prev, [n, hidden]));
            }
        }
    }
    #[derive(Debug)]
    struct HiddenBackward;
    impl Backward<Flex, 1> for HiddenBackward {
        /// `(σ(z), σ(2c), the o block of d_z, filled here)`.
        type State = (std::sync::Arc<Vec<f32>>, Vec<f32>, SharedGrad);
        fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
            let (gates, s2c, shared) = ops.state;
            let d_h = contiguous(grads.consume::<Flex>(&ops.node));
            let [n, hidden] = shape_of(&d_h).dims::<2>();
            let (mut d_z_o, mut d_c) = (vec![0.0; n * hidden], vec![0.0; n * hidden]);
            let rows = lstm_rows(hidden);
            let dh = slice(&d_h);
            d_z_o
                .par_chunks_mut(rows * hidden)
                .zip(d_c.par_chunks_mut(rows * hidden))
                .enumerate()
                .for_each(|(k, (d_z_o, d_c))| {
                    let r = k * rows * hidden..k * rows * hidden + d_c.len();
                    kernels::lstm_hidden_backward_rows(
                        &gates[4 * r.start..4 * r.end],
                        &s2c[r.clone()],
                        &dh[r],
                        hidden,
                        d_z_o,
                        d_c,
                    );
                });
            *shared.lock().expect("not poisoned") = Some(d_z_o);
            let [pc] = ops.parents;
            if let Some(node) = pc {
                grads.register::<Flex>(node.id, flex(d_c, [n, hidden]));
            }
        }
    }
    let output = |v: Vec<f32>| flex(v, [batch_size, hidden]);
    let c_prev = match c_prev {
        Some(c) => Some(Input::of(c)?),
        None => None,
    };
    match (Input::of(z)?, c_prev) {
        (Input::Plain(z), None) => {
            let (_, c, _, h) = lstm_forward(slice(&contiguous(z)), &[], hidden);
            Some((
                Tensor::from_primitive::<Flex>(output(h)),
                Tensor::from_primitive::<Flex>(output(c)),
            ))
        }
        (Input::Plain(z), Some(Input::Plain(c_prev))) => {
            let (z, c_prev) = (contiguous(z), contiguous(c_prev));
            let (_, c, _, h) = lstm_forward(slice(&z), slice(&c_prev), hidden);
            Some((
                Tensor::from_primitive::<Flex>(output(h)),
                Tensor::from_primitive::<Flex>(output(c)),
            ))
        }
        // Under autodiff the models always pass a cell (zeros at the first step).
        (Input::Tracked(z), Some(Input::Tracked(c_prev))) => {
            let (z, nz) = z.into_parts();
            let (c_prev, nc) = c_prev.into_parts();
            let (z, c_prev) = (contiguous(z), contiguous(c_prev));
            let (gates, c, s2c, h) = lstm_forward(slice(&z), slice(&c_prev), hidden);
            let gates = std::sync::Arc::new(gates);
            let shared = SharedGrad::default();
            let c = match CellBackward
                .prepare::<NoCheckpointing>([nz, nc])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => {
                    prep.finish((gates.clone(), c_prev, shared.clone()), output(c))
                }
                OpsKind::UnTracked(prep) => prep.finish(output(c)),
            };
            let h = match HiddenBackward
                .prepare::<NoCheckpointing>([c.node()])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => prep.finish((gates, s2c, shared), output(h)),
                OpsKind::UnTracked(prep) => prep.finish(output(h)),
            };
            Some((
                Tensor::from_primitive::<Ad>(h),
                Tensor::from_primitive::<Ad>(c),
            ))
        }
        _ => None,
    }
}

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

    /// The output projection with known steps against `linear` over all steps: same values (the known
    /// logits are the same product), same gradients of `x`, `weight` and `bias`.
    #[test]
    fn linear_with_known_steps_matches_linear() {
        let device = Device::flex().autodiff();
        device.seed(5);
        let (b, t, f, v) = (3, 6, 19, 23);
        let (x, w, bias) = (
            random([b, t, f], &device),
            random([f, v], &device),
            random([v], &device),
        );
        let step = |s: usize| {
            burn::tensor::module::linear(
                x.clone().narrow(1, s, 1).reshape([b, f]).detach(),
                w.clone().detach(),
                Some(bias.clone().detach()),
            )
        };
        let known: Vec<(usize, Tensor<2>)> = [0, 2, 3].into_iter().map(|s| (s, step(s))).collect();
        let fused = linear_with_known_steps(&x, &w, Some(&bias), &known).expect("flex");
        let plain = burn::tensor::module::linear(x.clone(), w.clone(), Some(bias.clone()));
        let weights = random([b, t, v], &device).detach();
        let (gf, gp) = (
            (fused.clone() * weights.clone()).sum().backward(),
            (plain.clone() * weights).sum().backward(),
        );
        assert_close(fused, plain);
        assert_close(x.grad(&gf).unwrap(), x.grad(&gp).unwrap());
        assert_close(w.grad(&gf).unwrap(), w.grad(&gp).unwrap());
        assert_close(bias.grad(&gf).unwrap(), bias.grad(&gp).unwrap());
        assert!(linear_with_known_steps(&x, &w, Some(&bias), &[]).is_none());
    }

    /// The LSTM cell against the same formula in Burn's operations (with Burn's own `sigmoid`), for `h`,
    /// `c` and the gradients of `z` and `c_prev` through both outputs, used together and alone.
    #[test]
    fn fused_lstm_cell_matches_burn_forward_and_backward() {
        use burn::tensor::activation::sigmoid as burn_sigmoid;
        let device = Device::flex().autodiff();
        device.seed(11);
        let (b, h) = (5, 37); // H not a multiple of the 16 lanes
        let plain = |z: Tensor<2>, c: Tensor<2>| {
            let gates = burn_sigmoid(z);
            let i = gates.clone().narrow(1, 0, h);
            let f = gates.clone().narrow(1, h, h);
            let o = gates.clone().narrow(1, 2 * h, h);
            let g = gates.narrow(1, 3 * h, h).mul_scalar(2.0).sub_scalar(1.0);
            let c = f * c + i * g;
            let tanh_c = burn_sigmoid(c.clone().mul_scalar(2.0))
                .mul_scalar(2.0)
                .sub_scalar(1.0);
            (o * tanh_c, c)
        };
        for (use_h, use_c) in [(true, true), (true, false), (false, true)] {
            let z = random([b, 4 * h], &device);
            let c_prev = random([b, h], &device);
            let (wh, wc) = (
                random([b, h], &device).detach(),
                random([b, h], &device).detach(),
            );
            let loss = |(h, c): (Tensor<2>, Tensor<2>)| match (use_h, use_c) {
                (true, true) => (h * wh.clone()).sum() + (c * wc.clone()).sum(),
                (true, false) => (h * wh.clone()).sum(),
                _ => (c * wc.clone()).sum(),
            };
            let (fh, fc) = lstm_cell(&z, Some(&c_prev)).expect("flex");
            let (ph, pc) = plain(z.clone(), c_prev.clone());
            assert_close(fh.clone(), ph.clone());
            assert_close(fc.clone(), pc.clone());
            let (gf, gp) = (loss((fh, fc)).backward(), loss((ph, pc)).backward());
            assert_close(z.grad(&gf).unwrap(), z.grad(&gp).unwrap());
            assert_close(c_prev.grad(&gf).unwrap(), c_prev.grad(&gp).unwrap());
        }

        // Two chained steps, the first from an untracked zero cell, and the plain (inference) path.
        let (z1, z2) = (random([b, 4 * h], &device), random([b, 4 * h], &device));
        let zeros = Tensor::<2>::zeros([b, h], &device);
        let (h1, c1) = lstm_cell(&z1, Some(&zeros)).expect("flex");
        let (h2, c2) = lstm_cell(&(z2.clone() + h1.repeat_dim(1, 4)), Some(&c1)).expect("flex");
        let (ph1, pc1) = plain(z1.clone(), zeros.clone());
        let (ph2, pc2) = plain(z2.clone() + ph1.repeat_dim(1, 4), pc1);
        assert_close(h2.clone(), ph2.clone());
        let (gf, gp) = (
            (h2 + c2.mul_scalar(0.5)).sum().backward(),
            (ph2 + pc2.mul_scalar(0.5)).sum().backward(),
        );
        assert_close(z1.grad(&gf).unwrap(), z1.grad(&gp).unwrap());
        assert_close(z2.grad(&gf).unwrap(), z2.grad(&gp).unwrap());

        let z = z1.clone().detach().inner();
        let c = Tensor::<2>::zeros([b, h], &z.device());
        let (fh, fc) = lstm_cell(&z, Some(&c)).expect("flex");
        let (ph, pc) = plain(z.clone(), c.clone());
        assert_close(fh, ph);
        assert_close(fc, pc.clone());
        let (nh, nc) = lstm_cell(&z, None).expect("flex");
        let (ph, _) = plain(z, c);
        assert_close(nh, ph);
        assert_close(nc, pc);
    }
}
