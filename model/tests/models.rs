//! Shapes, attention, padding invariance, teacher forcing and seeding of the models and the attention
//! model's options (bidirectional encoder, copy attention).

mod common;

use burn::prelude::*;
use burn::tensor::activation::softmax;
use common::*;
use model::models::{DecoderState, ModelKind, Seq2Seq};
use model::rng::Rng;
use model::vocab::SOS;

fn device() -> Device {
    Device::flex()
}

#[test]
fn shapes() {
    let device = device();
    let batch = batch(&toy_examples(), &device);
    let [b, s] = batch.src.dims();
    let t = batch.tgt.dims()[1];
    for config in tiny_variants() {
        let (kind, tgt_vocab) = (config.kind, config.decoder.vocab_size);
        let model = seeded(&config, 1, &device);
        assert_eq!(model.kind(), kind);
        assert_eq!(
            (model.src_vocab_size(), model.tgt_vocab_size()),
            (SRC_VOCAB, tgt_vocab)
        );
        let logits = model.forward(
            batch.src.clone(),
            batch.src_mask.clone(),
            batch.tgt.clone(),
            0.5,
            &mut Rng::new(0),
        );
        assert_eq!(logits.dims(), [b, t - 1, tgt_vocab], "{kind}");
        let state = model.encode(batch.src.clone(), batch.src_mask.clone());
        let step = model.decode_step(Tensor::full([b], SOS as i64, &device), state);
        assert_eq!(step.logits.dims(), [b, tgt_vocab]);
        assert_eq!(
            step.attention.map(|a| a.dims()),
            kind.info().attends.then_some([b, s])
        );
        assert_eq!(step.p_gen.map(|p| p.dims()), config.copy.then_some([b]));
        // Beam search expands and reorders states.
        let rows = Tensor::from_data(TensorData::new(vec![3i64, 3, 0], [3]), &device);
        let step = model.decode_step(
            Tensor::full([3], SOS as i64, &device),
            step.state.select(rows),
        );
        assert_eq!(step.logits.dims(), [3, tgt_vocab]);
    }
}

#[test]
fn attention_rows_sum_to_one_and_ignore_padding() {
    let device = device();
    let batch = batch(&toy_examples(), &device);
    let [b, s] = batch.src.dims();
    let model = seeded(&tiny_config(ModelKind::Attention), 2, &device);
    let mask: Vec<bool> = batch.src_mask.clone().into_data().try_to_vec().unwrap();
    assert!(mask.iter().any(|m| !m), "the toy batch has padding");
    let mut state = model.encode(batch.src.clone(), batch.src_mask.clone());
    let mut tokens = Tensor::full([b], SOS as i64, &device);
    for _ in 0..3 {
        let step = model.decode_step(tokens, state);
        let weights = floats(step.attention.unwrap());
        for row in 0..b {
            let w = &weights[row * s..(row + 1) * s];
            assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            for (j, &x) in w.iter().enumerate() {
                if !mask[row * s + j] {
                    assert_eq!(x, 0.0, "padding position {j} of row {row}");
                } else {
                    assert!(x > 0.0);
                }
            }
        }
        tokens = step.logits.argmax(1).reshape([b]);
        state = step.state;
    }
}

/// Appends `extra` padding columns to the sources.
fn pad_more(
    src: Tensor<2, Int>,
    src_mask: Tensor<2, Bool>,
    extra: usize,
) -> (Tensor<2, Int>, Tensor<2, Bool>) {
    let [b, _] = src.dims();
    let device = src.device();
    let src = Tensor::cat(vec![src, Tensor::zeros([b, extra], &device)], 1);
    let pad_mask = Tensor::<2, Int>::zeros([b, extra], &device).bool();
    (src, Tensor::cat(vec![src_mask, pad_mask], 1))
}

#[test]
fn extra_padding_changes_nothing() {
    let device = device();
    let batch = batch(&toy_examples(), &device);
    let (src_padded, mask_padded) = pad_more(batch.src.clone(), batch.src_mask.clone(), 5);
    for config in tiny_variants() {
        let model = seeded(&config, 3, &device);
        for ratio in [1.0, 0.0] {
            let run = |src: Tensor<2, Int>, mask: Tensor<2, Bool>| {
                floats(model.forward(src, mask, batch.tgt.clone(), ratio, &mut Rng::new(4)))
            };
            let plain = run(batch.src.clone(), batch.src_mask.clone());
            let padded = run(src_padded.clone(), mask_padded.clone());
            assert_close(&plain, &padded, 1e-5);
        }
    }
}

/// The fast training forward equals step-by-step decoding: with ratio 1 fed the gold tokens, with ratio 0
/// fed its own argmax. The Transformer always trains on the gold prefix (it ignores the ratio), and its
/// steps read their predecessors from the key/value cache: they must give what the parallel pass gives.
#[test]
fn forward_matches_step_by_step_decoding() {
    let device = device();
    let batch = batch(&toy_examples(), &device);
    let [b, t] = batch.tgt.dims();
    for config in tiny_variants() {
        let model = seeded(&config, 5, &device);
        let ratios: &[f64] = match config.kind {
            ModelKind::Transformer => &[1.0],
            _ => &[1.0, 0.0],
        };
        for &ratio in ratios {
            let fast = model.forward(
                batch.src.clone(),
                batch.src_mask.clone(),
                batch.tgt.clone(),
                ratio,
                &mut Rng::new(0),
            );
            let mut state = model.encode(batch.src.clone(), batch.src_mask.clone());
            let mut tokens: Tensor<1, Int> = Tensor::full([b], SOS as i64, &device);
            let mut slow = Vec::new();
            for step_index in 0..t - 1 {
                let step = model.decode_step(tokens, state);
                state = step.state;
                tokens = if ratio == 1.0 {
                    batch.tgt.clone().narrow(1, step_index + 1, 1).reshape([b])
                } else {
                    step.logits.clone().argmax(1).reshape([b])
                };
                slow.push(step.logits);
            }
            let slow = Tensor::stack::<3>(slow, 1);
            assert_close(&floats(fast), &floats(slow), 1e-5);
        }
    }
}

#[test]
fn teacher_forcing_coins_are_seeded() {
    let coins = |seed| model::models::teacher_forcing_coins(200, 0.5, &mut Rng::new(seed));
    assert_eq!(coins(1), coins(1));
    assert_ne!(coins(1), coins(2));
    let forced = coins(1).iter().filter(|&&c| c).count();
    assert!((70..130).contains(&forced), "{forced}");
    assert!(
        model::models::teacher_forcing_coins(5, 0.0, &mut Rng::new(0))
            == [true, false, false, false, false]
    );
}

#[test]
fn same_seed_same_result() {
    let device = Device::flex().autodiff();
    let batch = batch(&toy_examples(), &device);
    let run = |seed: u64| {
        // Dropout draws from the same global generator: hold the lock through the forward pass too.
        let _guard = rng_lock();
        device.seed(seed);
        let config = tiny_config(ModelKind::Attention).with_dropout(0.5);
        let model = config.init(&device);
        floats(model.forward(
            batch.src.clone(),
            batch.src_mask.clone(),
            batch.tgt.clone(),
            0.5,
            &mut Rng::new(seed),
        ))
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}

#[test]
fn softmax_of_masked_scores_is_exactly_zero() {
    // The property the attention relies on.
    let device = device();
    let scores = Tensor::<2>::from_floats([[1.0, 2.0, f32::NEG_INFINITY]], &device);
    assert_eq!(floats(softmax(scores, 1))[2], 0.0);
}

/// The project's dropout (the Transformer's): the right share kept and scaled, gradients through the
/// same mask, seeded like Burn's, the identity on a plain device.
#[test]
fn dropout_keeps_the_right_share_scaled_and_passes_gradients_through_the_same_mask() {
    let device = Device::flex().autodiff();
    let layer = burn::nn::DropoutConfig::new(0.25).init();
    let x = Tensor::<2>::ones([100, 101], &device).require_grad(); // an odd count: the last u64 is split
    let run = |seed| {
        let _guard = rng_lock();
        device.seed(seed);
        model::nn::dropout(&layer, x.clone())
    };
    let y = run(3);
    let values = floats(y.clone());
    let kept = values.iter().filter(|&&v| v != 0.0).count() as f64 / values.len() as f64;
    assert!((kept - 0.75).abs() < 0.02, "kept {kept}");
    assert!(
        values
            .iter()
            .all(|&v| v == 0.0 || (v - 1.0 / 0.75).abs() < 1e-6)
    );
    let grad = x.grad(&y.clone().sum().backward()).unwrap();
    assert_eq!(floats(grad), values);
    assert_eq!(floats(run(3)), values);
    assert_ne!(floats(run(4)), values);
    let plain = Tensor::<1>::ones([4], &Device::flex());
    assert_eq!(floats(model::nn::dropout(&layer, plain)), [1.0; 4]);
}
