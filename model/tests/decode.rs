//! Greedy decoding and beam search on tiny random models.

mod common;

use burn::prelude::*;
use common::*;
use model::decode::{DecodeConfig, beam_search, greedy};
use model::models::ModelKind;

fn sources(device: &Device) -> (Tensor<2, Int>, Tensor<2, Bool>) {
    let b = batch(&toy_examples(), device);
    (b.src, b.src_mask)
}

#[test]
fn beam_width_one_equals_greedy() {
    let device = Device::flex();
    let (src, src_mask) = sources(&device);
    for kind in ModelKind::ALL {
        let model = seeded(&tiny_config(kind), 21, &device);
        let config = DecodeConfig::new().with_max_len(12).with_beam_width(1);
        let greedy = greedy(&model, src.clone(), src_mask.clone(), &config);
        let beams = beam_search(&model, src.clone(), src_mask.clone(), &config);
        for (g, b) in greedy.iter().zip(&beams) {
            assert_eq!(b.len(), 1);
            assert_eq!(g.tokens, b[0].tokens, "{kind}");
            assert_eq!(g.finished, b[0].finished);
            assert!((g.log_prob - b[0].log_prob).abs() < 1e-4);
            assert_eq!(g.attention, b[0].attention);
        }
    }
}

#[test]
fn beam_search_returns_sorted_scores_no_worse_than_greedy() {
    let device = Device::flex();
    let (src, src_mask) = sources(&device);
    for kind in ModelKind::ALL {
        let model = seeded(&tiny_config(kind), 22, &device);
        let config = DecodeConfig::new().with_max_len(12).with_beam_width(4);
        let beams = beam_search(&model, src.clone(), src_mask.clone(), &config);
        assert_eq!(beams.len(), 4);
        for hyps in &beams {
            assert!(!hyps.is_empty() && hyps.len() <= 4);
            assert!(
                hyps.windows(2).all(|w| w[0].score >= w[1].score),
                "{kind}: not sorted"
            );
            for h in hyps {
                let steps = h.tokens.len() + usize::from(h.finished);
                assert!((h.score - h.log_prob / steps as f32).abs() < 1e-4);
            }
        }
    }
}

#[test]
fn greedy_of_a_batch_equals_greedy_of_each_input() {
    let device = Device::flex();
    let (src, src_mask) = sources(&device);
    let [b, _] = src.dims();
    let config = DecodeConfig::new().with_max_len(12);
    for kind in ModelKind::ALL {
        let model = seeded(&tiny_config(kind), 23, &device);
        let all = greedy(&model, src.clone(), src_mask.clone(), &config);
        for (i, hyp) in all.iter().enumerate() {
            // Each input alone, without the batch's padding.
            let len = src_mask
                .clone()
                .narrow(0, i, 1)
                .int()
                .sum()
                .into_scalar::<i64>() as usize;
            let one = greedy(
                &model,
                src.clone().narrow(0, i, 1).narrow(1, 0, len),
                src_mask.clone().narrow(0, i, 1).narrow(1, 0, len),
                &config,
            );
            assert_eq!(one[0].tokens, hyp.tokens, "{kind} row {i} of {b}");
            assert!((one[0].log_prob - hyp.log_prob).abs() < 1e-4);
        }
    }
}

#[test]
fn attention_matrix_is_generated_by_source() {
    let device = Device::flex();
    let (src, src_mask) = sources(&device);
    let lengths: Vec<i64> = src_mask
        .clone()
        .int()
        .sum_dim(1)
        .into_data()
        .try_into_vec_as()
        .unwrap();
    let model = seeded(&tiny_config(ModelKind::Attention), 24, &device);
    let config = DecodeConfig::new().with_max_len(6).with_stop_at_eos(false);
    for (hyp, &len) in greedy(&model, src, src_mask, &config).iter().zip(&lengths) {
        let attention = hyp.attention.as_ref().expect("attention model");
        assert_eq!(
            attention.len(),
            hyp.tokens.len() + usize::from(hyp.finished)
        );
        for row in attention {
            assert_eq!(row.len(), len as usize);
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }
    let lstm = seeded(&tiny_config(ModelKind::Lstm), 24, &device);
    let (src, src_mask) = sources(&device);
    assert!(
        greedy(&lstm, src, src_mask, &config)
            .iter()
            .all(|h| h.attention.is_none())
    );
}
