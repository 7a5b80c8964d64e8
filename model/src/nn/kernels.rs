//! Slice kernels behind the fused CPU operations of [`super::fused`] (native only).
//!
//! The flex backend evaluates `exp` and `sigmoid` one scalar libm call at a time (and autodiff recomputes
//! a sigmoid in its backward). These kernels use a branch-free Cephes-style `exp` (relative error about
//! 2e-7, i.e. a few ulp) written so that LLVM vectorises it, compiled for AVX-512 and AVX2 and chosen at run
//! time, with fixed-width partial sums so every result is independent of the thread count.

use rayon::prelude::*;

/// Lanes of the partial sums of reductions (one AVX-512 register of `f32`).
const LANES: usize = 16;

/// `exp(x)`, branch-free: `2^n * p(r)` with `x = n ln 2 + r`, `|r| <= ln 2 / 2`. Inputs are clamped to
/// `[-87.3, 88.3]`, so the result is a normal float (the sigmoid and softmax callers never need more).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23: adding it rounds to an integer
    let x = x.clamp(-87.3, 88.3);
    let t = x * std::f32::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4; // x - n ln 2, ln 2 split in two
    let mut p = 1.987_569_1e-4;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    // n sits in the low mantissa bits of t.
    let scale = f32::from_bits(((t.to_bits() as i32 - 0x4B40_0000 + 127) << 23) as u32);
    y * scale
}

#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// Compiles `$body` (a function of slices) three times — AVX-512, AVX2 + FMA, baseline — and dispatches on
/// the running CPU.
macro_rules! multiversion {
    ($(#[$m:meta])* pub fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? $body:block) => {
        $(#[$m])*
        pub fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
                unsafe fn v4($($arg: $ty),*) $(-> $ret)? { body($($arg),*) }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn v3($($arg: $ty),*) $(-> $ret)? { body($($arg),*) }
                if std::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU supports the enabled features.
                    return unsafe { v4($($arg),*) };
                }
                if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                    // SAFETY: as above.
                    return unsafe { v3($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}

multiversion! {
    /// `out[i] = sigmoid(x[i])`.
    pub fn sigmoid_into(x: &[f32], out: &mut [f32]) {
        for (o, &x) in out.iter_mut().zip(x) {
            *o = sigmoid(x);
        }
    }
}

multiversion! {
    /// `out[i] = g[i] s[i] (1 - s[i])`: the sigmoid's backward from its output `s`.
    pub fn sigmoid_backward_into(s: &[f32], g: &[f32], out: &mut [f32]) {
        for ((o, &s), &g) in out.iter_mut().zip(s).zip(g) {
            *o = g * s * (1.0 - s);
        }
    }
}

/// `sum_i f(a[i], b[i], c[i])` over equal-length slices with `LANES` partial sums: vectorisable (fixed-size
/// chunks, no bounds checks) and the same order on every run.
#[inline(always)]
fn sum_by_lanes(a: &[f32], b: &[f32], c: &[f32], f: impl Fn(f32, f32, f32) -> f32) -> f32 {
    let (a_chunks, a_tail) = a.as_chunks::<LANES>();
    let (b_chunks, b_tail) = b.as_chunks::<LANES>();
    let (c_chunks, c_tail) = c.as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for ((a, b), c) in a_chunks.iter().zip(b_chunks).zip(c_chunks) {
        for l in 0..LANES {
            acc[l] += f(a[l], b[l], c[l]);
        }
    }
    let tail: f32 = a_tail
        .iter()
        .zip(b_tail)
        .zip(c_tail)
        .map(|((&a, &b), &c)| f(a, b, c))
        .sum();
    acc.iter().sum::<f32>() + tail
}

multiversion! {
    /// Per row of `logits` `[N, V]`: `lse[n] = log sum_j exp(logits[n, j])`.
    pub fn log_sum_exp_rows(logits: &[f32], vocab: usize, lse: &mut [f32]) {
        for (row, out) in logits.chunks_exact(vocab).zip(lse.iter_mut()) {
            let mut maxes = [f32::NEG_INFINITY; LANES];
            let (chunks, tail) = row.as_chunks::<LANES>();
            for chunk in chunks {
                for l in 0..LANES {
                    maxes[l] = maxes[l].max(chunk[l]);
                }
            }
            let max = tail
                .iter()
                .chain(&maxes)
                .fold(f32::NEG_INFINITY, |m, &x| m.max(x));
            let sum = sum_by_lanes(row, row, row, |x, _, _| exp(x - max));
            *out = max + sum.ln();
        }
    }
}

multiversion! {
    /// Cross-entropy backward per row: `grad[n, j] = scale[n] (exp(logits[n, j] - lse[n]) - [j = target[n]])`.
    pub fn cross_entropy_backward_rows(
        logits: &[f32],
        vocab: usize,
        lse: &[f32],
        targets: &[i64],
        scale: &[f32],
        grad: &mut [f32]
    ) {
        for (n, (row, out)) in logits.chunks_exact(vocab).zip(grad.chunks_exact_mut(vocab)).enumerate() {
            let (lse, scale) = (lse[n], scale[n]);
            for (o, &x) in out.iter_mut().zip(row) {
                *o = scale * exp(x - lse);
            }
            out[targets[n] as usize] -= scale;
        }
    }
}

/// Rows of `[rows, cols]` data per rayon task for elementwise kernels.
pub fn par_rows(cols: usize) -> usize {
    (16_384 / cols.max(1)).max(1)
}

/// `sigmoid` of a whole buffer, split across threads.
pub fn par_sigmoid(x: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; x.len()];
    out.par_chunks_mut(16_384)
        .zip(x.par_chunks(16_384))
        .for_each(|(o, x)| sigmoid_into(x, o));
    out
}

/// The sigmoid's backward from its output, split across threads.
pub fn par_sigmoid_backward(s: &[f32], g: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; s.len()];
    out.par_chunks_mut(16_384)
        .zip(s.par_chunks(16_384).zip(g.par_chunks(16_384)))
        .for_each(|(o, (s, g))| sigmoid_backward_into(s, g, o));
    out
}

multiversion! {
    /// Additive-attention scores of one batch row: `scores[s] = sum_a w[a] sigmoid(keys[s, a] + query[a])`
    /// for `keys` `[S, A]`.
    pub fn attention_scores_row(keys: &[f32], query: &[f32], w: &[f32], scores: &mut [f32]) {
        let a = query.len();
        for (key, score) in keys.chunks_exact(a).zip(scores.iter_mut()) {
            *score = sum_by_lanes(key, query, w, |k, q, w| w * sigmoid(k + q));
        }
    }
}

multiversion! {
    /// Backward of [`attention_scores_row`] for one batch row, from the score gradients `g` `[S]`:
    /// writes `d_keys` `[S, A]` and `d_query` `[A]`, adds `sum_s g[s] sigmoid(..)` to `d_w` `[A]`.
    pub fn attention_scores_backward_row(
        keys: &[f32],
        query: &[f32],
        w: &[f32],
        g: &[f32],
        d_keys: &mut [f32],
        d_query: &mut [f32],
        d_w: &mut [f32]
    ) {
        let a = query.len();
        d_query.fill(0.0);
        for ((key, d_key), &g) in keys.chunks_exact(a).zip(d_keys.chunks_exact_mut(a)).zip(g) {
            let inputs = key.iter().zip(query).zip(w);
            let outputs = d_key.iter_mut().zip(d_query.iter_mut()).zip(d_w.iter_mut());
            for (((&k, &q), &w), ((dk, dq), dw)) in inputs.zip(outputs) {
                let s = sigmoid(k + q);
                let d = g * w * s * (1.0 - s);
                *dk = d;
                *dq += d;
                *dw += g * s;
            }
        }
    }
}

multiversion! {
    /// LSTM cell forward on rows of fused pre-activations `z` `[N, 4H]` laid out `[i, f, o, g]` (the
    /// candidate's weights doubled, see [`super::recurrent`]) and the previous cell `c_prev` `[N, H]` (empty:
    /// zeros). Writes `gates` `[N, 4H]` = `σ(z)`, `c = f c_prev + i g` with `g = 2σ(z_g) - 1`,
    /// `s2c = σ(2c)` and `h = o tanh(c)` with `tanh(c) = 2 s2c - 1` (`[N, H]` each): Burn's formulation,
    /// operation for operation (the backward passes below recompute `g` and `tanh(c)`).
    pub fn lstm_cell_rows(
        z: &[f32],
        c_prev: &[f32],
        hidden: usize,
        gates: &mut [f32],
        c: &mut [f32],
        s2c: &mut [f32],
        h: &mut [f32]
    ) {
        let rows = z.chunks_exact(4 * hidden).zip(gates.chunks_exact_mut(4 * hidden));
        let outputs = c.chunks_exact_mut(hidden).zip(s2c.chunks_exact_mut(hidden)).zip(h.chunks_exact_mut(hidden));
        for (n, ((z, gates), ((c, s2c), h))) in rows.zip(outputs).enumerate() {
            for (s, &z) in gates.iter_mut().zip(z) {
                *s = sigmoid(z);
            }
            let (i, rest) = gates.split_at(hidden);
            let (f, rest) = rest.split_at(hidden);
            let (o, sg) = rest.split_at(hidden);
            if c_prev.is_empty() {
                for ((c, &i), &sg) in c.iter_mut().zip(i).zip(sg) {
                    *c = i * (sg * 2.0 - 1.0);
                }
            } else {
                let c_prev = &c_prev[n * hidden..(n + 1) * hidden];
                for ((((c, &i), &f), &sg), &cp) in c.iter_mut().zip(i).zip(f).zip(sg).zip(c_prev) {
                    *c = f * cp + i * (sg * 2.0 - 1.0);
                }
            }
            for (((h, s2c), &c), &o) in h.iter_mut().zip(s2c.iter_mut()).zip(&*c).zip(o) {
                *s2c = sigmoid(c * 2.0);
                *h = o * (*s2c * 2.0 - 1.0);
            }
        }
    }
}

multiversion! {
    /// Backward of `h = o tanh(c)` from `d_h` `[N, H]`: `d_z_o = d_h tanh(c) o (1 - o)` and
    /// `d_c = 4 d_h o s2c (1 - s2c)` (`[N, H]` each); `gates` and `s2c` as written by [`lstm_cell_rows`].
    pub fn lstm_hidden_backward_rows(
        gates: &[f32],
        s2c: &[f32],
        d_h: &[f32],
        hidden: usize,
        d_z_o: &mut [f32],
        d_c: &mut [f32]
    ) {
        let inputs = gates.chunks_exact(4 * hidden).zip(s2c.chunks_exact(hidden)).zip(d_h.chunks_exact(hidden));
        let outputs = d_z_o.chunks_exact_mut(hidden).zip(d_c.chunks_exact_mut(hidden));
        for (((gates, s2c), d_h), (d_z_o, d_c)) in inputs.zip(outputs) {
            let o = &gates[2 * hidden..3 * hidden];
            for ((((dzo, dc), &o), &s), &dh) in d_z_o.iter_mut().zip(d_c.iter_mut()).zip(o).zip(s2c).zip(d_h) {
                *dzo = dh * (s * 2.0 - 1.0) * (o * (1.0 - o));
                *dc = (dh * o) * 2.0 * (s * (1.0 - s)) * 2.0;
            }
        }
    }
}

multiversion! {
    /// Backward of `c = f c_prev + i g` from `d_c` `[N, H]`: writes `d_z` `[N, 4H]` (its `o` block is
    /// `d_z_o`, or zeros when that is empty) and, unless it is empty, `d_c_prev = d_c f` `[N, H]`.
    pub fn lstm_cell_backward_rows(
        gates: &[f32],
        c_prev: &[f32],
        d_c: &[f32],
        d_z_o: &[f32],
        hidden: usize,
        d_z: &mut [f32],
        d_c_prev: &mut [f32]
    ) {
        for (n, (gates, d_z)) in gates.chunks_exact(4 * hidden).zip(d_z.chunks_exact_mut(4 * hidden)).enumerate() {
            let row = n * hidden..(n + 1) * hidden;
            let d_c = &d_c[row.clone()];
            let (i, rest) = gates.split_at(hidden);
            let (f, rest) = rest.split_at(hidden);
            let sg = &rest[hidden..];
            let (dz_i, rest) = d_z.split_at_mut(hidden);
            let (dz_f, rest) = rest.split_at_mut(hidden);
            let (dz_o, dz_g) = rest.split_at_mut(hidden);
            for ((((dzi, dzg), &i), &sg), &dc) in dz_i.iter_mut().zip(dz_g.iter_mut()).zip(i).zip(sg).zip(d_c) {
                *dzi = dc * (sg * 2.0 - 1.0) * (i * (1.0 - i));
                *dzg = (dc * i) * 2.0 * (sg * (1.0 - sg));
            }
            if c_prev.is_empty() {
                dz_f.fill(0.0);
            } else {
                for (((dzf, &f), &cp), &dc) in dz_f.iter_mut().zip(f).zip(&c_prev[row.clone()]).zip(d_c) {
                    *dzf = dc * cp * (f * (1.0 - f));
                }
            }
            if d_z_o.is_empty() {
                dz_o.fill(0.0);
            } else {
                dz_o.copy_from_slice(&d_z_o[row.clone()]);
            }
            if !d_c_prev.is_empty() {
                for ((dcp, &f), &dc) in d_c_prev[row].iter_mut().zip(f).zip(d_c) {
                    *dcp = dc * f;
                }
            }
        }
    }
}

multiversion! {
    /// `out[r, j] = bias[j] + sum_k x[r, k] weight[k, j]` over the columns `start..start + width` of
    /// `weight` `[K, n]`, for `x` `[rows, K]` and `out` `[rows, width]`: the block of a product that one
    /// thread owns (see `fused::split_linear`). Four weight rows at a time, each read once for all rows
    /// of `x`; every sum runs in the order of `k`, whatever the block.
    pub fn linear_columns(x: &[f32], weight: &[f32], bias: &[f32], n: usize, start: usize, out: &mut [f32]) {
        let k_len = weight.len() / n;
        let rows = x.len() / k_len;
        let width = out.len() / rows;
        for out in out.chunks_exact_mut(width) {
            match bias.is_empty() {
                false => out.copy_from_slice(&bias[start..start + width]),
                true => out.fill(0.0),
            }
        }
        let w = |k: usize| &weight[k * n + start..k * n + start + width];
        let mut k = 0;
        while k + 4 <= k_len {
            let (w0, w1, w2, w3) = (w(k), w(k + 1), w(k + 2), w(k + 3));
            for (x, out) in x.chunks_exact(k_len).zip(out.chunks_exact_mut(width)) {
                let (x0, x1, x2, x3) = (x[k], x[k + 1], x[k + 2], x[k + 3]);
                for j in 0..width {
                    out[j] += x0 * w0[j] + x1 * w1[j] + x2 * w2[j] + x3 * w3[j];
                }
            }
            k += 4;
        }
        for k in k..k_len {
            for (x, out) in x.chunks_exact(k_len).zip(out.chunks_exact_mut(width)) {
                for (o, &w) in out.iter_mut().zip(w(k)) {
                    *o += x[k] * w;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_accurate() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x < 88.0 {
            let exact = (x as f64).exp();
            worst = worst.max(((exp(x) as f64 - exact) / exact).abs());
            x += 0.0137;
        }
        assert!(worst < 5e-7, "relative error {worst}");
        assert_eq!(sigmoid(-200.0).min(1e-30), sigmoid(-200.0));
        assert_eq!(sigmoid(200.0), 1.0);
    }
}
