//! Copy attention learns to copy: trained on toy pairs whose target is a fixed frame around the names of
//! the source, a copy model writes names it never saw in any training target; the same model without
//! copy cannot.

mod common;

use common::*;
use model::batch::Example;
use model::models::{ModelConfig, ModelKind};
use model::rng::Rng;

/// Ids 4..8 are the frame (`def`, `(`, `)`, `:`); names are 8..VOCAB.
const VOCAB: usize = 40;
const FRAME: [usize; 4] = [4, 5, 6, 7];
/// Names of the training pairs: 8..30; held-out names: 30..40.
const HELD_OUT: usize = 30;

/// `source: [name_a, name_b]` -> `target: def name_a ( name_b ) :`
fn pair(a: usize, b: usize) -> Example {
    Example {
        src: vec![a, b],
        tgt: vec![FRAME[0], a, FRAME[1], b, FRAME[2], FRAME[3]],
    }
}

fn config(copy: bool) -> ModelConfig {
    let mut config = ModelConfig::new(ModelKind::Attention, VOCAB, VOCAB)
        .with_embedding_size(16)
        .with_hidden_size(32)
        .with_num_layers(1)
        .with_dropout(0.0);
    config.copy = copy;
    config
}

/// Exact copies of held-out names after training `config` on pairs of training names.
fn held_out_accuracy(config: &ModelConfig) -> f64 {
    let mut rng = Rng::new(3);
    let train: Vec<Example> = (0..64)
        .map(|_| pair(8 + rng.below(HELD_OUT - 8), 8 + rng.below(HELD_OUT - 8)))
        .collect();
    let model = trained(config, 7, &train, 150, &mut rng);
    let test: Vec<Example> = (HELD_OUT..VOCAB)
        .map(|a| pair(a, HELD_OUT + (a + 3) % (VOCAB - HELD_OUT)))
        .collect();
    exact_share(&model, &test, 8)
}

#[test]
fn a_copy_model_writes_names_it_never_saw_in_a_target() {
    let copy = held_out_accuracy(&config(true));
    let plain = held_out_accuracy(&config(false));
    assert!(copy >= 0.8, "copy model: {copy}");
    assert!(plain <= 0.2, "without copy: {plain}");
}
