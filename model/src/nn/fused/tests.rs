//! Fused operations against the plain-Burn formulas: values and gradients.

use burn::tensor::Distribution;
use burn::tensor::activation::log_softmax;

use super::*;

fn random<const D: usize>(shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::random(shape, Distribution::Normal(0.0, 2.0), device).require_grad()
}

fn assert_close<const D: usize>(a: Tensor<D>, b: Tensor<D>) {
    assert_within(a, b, |y| 1e-5 + 1e-4 * y.abs());
}

/// Every value of `a` within `tolerance(b)` of the value of `b`.
fn assert_within<const D: usize>(a: Tensor<D>, b: Tensor<D>, tolerance: impl Fn(f32) -> f32) {
    let (a, b) = (
        a.into_data().try_to_vec::<f32>().unwrap(),
        b.into_data().try_to_vec::<f32>().unwrap(),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= tolerance(*y), "{x} vs {y}");
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
    let plain = burn::tensor::activation::sigmoid(keys.clone() + query.clone().reshape([b, 1, a]))
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

/// For sums of K products of unit-sized values, whose rounding depends on their order: an absolute
/// tolerance.
fn assert_sums_close<const D: usize>(a: Tensor<D>, b: Tensor<D>) {
    assert_within(a, b, |_| 1e-4);
}

#[test]
fn split_linear_matches_burn_on_the_pool_and_stays_out_of_the_way_elsewhere() {
    let device = Device::flex();
    device.seed(3);
    // N = 1031: not a multiple of the threads or of the 16 lanes; K = 258: four weight rows at a
    // time leave a tail of two.
    let (k, n) = (258, 1031);
    let weight = Tensor::<2>::random([k, n], Distribution::Normal(0.0, 1.0), &device);
    let bias = Tensor::<1>::random([n], Distribution::Normal(0.0, 1.0), &device);
    for rows in [1, 3, 8] {
        let x = Tensor::<3>::random([1, rows, k], Distribution::Normal(0.0, 1.0), &device);
        let plain = burn::tensor::module::linear(x.clone(), weight.clone(), Some(bias.clone()));
        let (with_bias, without) = rayon::scope(|_| {
            (
                split_linear(&x, &weight, Some(&bias)),
                split_linear(&x, &weight, None),
            )
        });
        assert_sums_close(with_bias.expect("a few rows on the pool"), plain.clone());
        assert_sums_close(
            without.expect("a few rows on the pool"),
            plain - bias.clone().reshape([1, 1, n]),
        );
    }
    let x = Tensor::<3>::random([1, 1, k], Distribution::Normal(0.0, 1.0), &device);
    assert!(split_linear(&x, &weight, None).is_none(), "off the pool");
    let many = Tensor::<2>::random([9, k], Distribution::Normal(0.0, 1.0), &device);
    assert!(
        rayon::scope(|_| split_linear(&many, &weight, None)).is_none(),
        "more rows than gemm's path needs"
    );
    let ad = Device::flex().autodiff();
    let tracked = Tensor::<3>::from_data(x.into_data(), &ad).require_grad();
    let ad_weight = Tensor::<2>::from_data(weight.into_data(), &ad);
    assert!(
        rayon::scope(|_| split_linear(&tracked, &ad_weight, None)).is_none(),
        "training"
    );
}
