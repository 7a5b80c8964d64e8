//! The attention of every layer and head, recomputed after decoding, is the attention decoding
//! reported: its last layer's mean is each step's row.

mod common;

use burn::prelude::*;
use common::*;
use model::decode::DecodeConfig;
use model::generate::generate;
use model::heads::{HeadView, attention_heads};
use model::models::ModelKind;

#[test]
fn the_transformer_s_heads_give_back_the_attention_of_decoding() {
    let device = Device::flex();
    let checkpoint = tiny_checkpoint(ModelKind::Transformer, 3, &device);
    let mut rows_seen = 0;
    // A large <eos> penalty makes the untrained model run to the length limit (unfinished outputs).
    for (description, eos_penalty) in [
        ("w4 w5 w6", 100.0),
        ("w7 w8 w9 w10 w11", 100.0),
        ("w12", 0.0),
    ] {
        let config = DecodeConfig::new()
            .with_max_len(8)
            .with_syntax(false)
            .with_eos_penalty(eos_penalty);
        let generation = &generate(&checkpoint, &[description], &config, &device).unwrap()[0];
        let heads = attention_heads(&checkpoint, generation, &device).expect("a Transformer");
        let decoded = generation.attention.as_ref().unwrap();
        assert_eq!((heads.layers, heads.heads), (2, 2));
        assert_eq!((heads.rows, heads.cols), (decoded.len(), decoded[0].len()));
        let last = heads.matrix(heads.views()[0]);
        for (a, b) in last.iter().zip(decoded) {
            assert_close(a, b, 1e-5);
        }
        // A single head is not the mean (the check above could not fail otherwise).
        let head = heads.matrix(HeadView::Head { layer: 1, head: 0 });
        assert!(
            head.iter()
                .flatten()
                .zip(last.iter().flatten())
                .any(|(x, y)| (x - y).abs() > 1e-4)
        );
        rows_seen += heads.rows;
    }
    assert!(rows_seen > 3, "the outputs were too short to test anything");
}

#[test]
fn models_with_one_attention_have_no_heads() {
    let device = Device::flex();
    let checkpoint = tiny_checkpoint(ModelKind::Attention, 3, &device);
    let generation = &generate(&checkpoint, &["w4 w5"], &DecodeConfig::new(), &device).unwrap()[0];
    assert!(attention_heads(&checkpoint, generation, &device).is_none());
}
