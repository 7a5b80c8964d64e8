//! A linear layer over a few rows, its output columns split between the CPU's threads (inference).
//!
//! A decoding step multiplies one row per input by every weight matrix: the step streams all the
//! weights (16 MB for the reference Transformer) and does little arithmetic on them. Flex hands such
//! products to one thread (below 192³ multiply-adds), and for one row gemm takes its single-threaded
//! matrix-vector path whatever it is asked, so one core's memory bandwidth bounds the step. Here each
//! thread reads its own block of the weight's columns ([`kernels::linear_columns`]).

use burn::backend::Flex;
use burn::prelude::*;
use rayon::prelude::*;

use super::super::kernels;
use super::*;

/// Below this many rows gemm's own kernels (which pack `x`) are the faster choice.
const MAX_ROWS: usize = 8;
/// Weights smaller than this (in values) fit a core's cache: sharing them costs more than it saves.
const MIN_WEIGHTS: usize = 1 << 16;
/// The narrowest column block worth a thread (one cache line is 16 values).
const MIN_COLUMNS: usize = 128;

/// `x` `[.., K]` times `weight` `[K, N]` plus `bias` `[N]`, for plain (not autodiff) flex tensors of at
/// most [`MAX_ROWS`] rows, on a thread of rayon's pool; `None` otherwise (the caller uses `Linear::forward`).
pub fn split_linear<const D: usize>(
    x: &Tensor<D>,
    weight: &Tensor<2>,
    bias: Option<&Tensor<1>>,
) -> Option<Tensor<D>> {
    let Input::Plain(x) = Input::of(x)? else {
        return None;
    };
    let [k, n] = weight.dims();
    let rows = x.shape().num_elements() / k;
    let parts = rayon::current_num_threads().min(n / MIN_COLUMNS);
    // Off the pool each product would wait for a sleeping thread to wake, and then be woken itself.
    let on_pool = rayon::current_thread_index().is_some();
    if !on_pool || parts < 2 || rows > MAX_ROWS || k * n < MIN_WEIGHTS {
        return None;
    }
    let weight = contiguous(weight.clone().try_into_primitive::<Flex>().ok()?);
    let bias = match bias {
        Some(b) => Some(contiguous(b.clone().try_into_primitive::<Flex>().ok()?)),
        None => None,
    };
    let mut out_shape = x.shape();
    out_shape[D - 1] = n;
    let x = contiguous(x);
    let (x, w, b) = (
        slice(&x),
        slice(&weight),
        bias.as_ref().map_or(&[][..], slice),
    );
    let bounds = |part: usize| (part * n / parts, (part + 1) * n / parts);
    let blocks: Vec<Vec<f32>> = (0..parts)
        .into_par_iter()
        .map(|part| {
            let (start, end) = bounds(part);
            let mut block = vec![0.0; rows * (end - start)]; // [rows, n_i]
            kernels::linear_columns(x, w, b, n, start, &mut block);
            block
        })
        .collect();
    let mut out = vec![0.0f32; rows * n];
    for (part, block) in blocks.iter().enumerate() {
        let (start, end) = bounds(part);
        for (row, values) in block.chunks_exact(end - start).enumerate() {
            out[row * n + start..row * n + end].copy_from_slice(values);
        }
    }
    Some(Tensor::from_primitive::<Flex>(flex(out, out_shape)))
}
