//! The LSTM cell as one pass forward and one backward.

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
