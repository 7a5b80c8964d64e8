//! A retrieval model learns to edit its neighbour: trained on toy pairs whose target is the
//! neighbour's code with the neighbour's name replaced by the description's, it writes the edit for
//! code shapes it never saw; the same network given only the description cannot know the shape.

mod common;

use common::*;
use model::batch::Example;
use model::models::{ModelConfig, ModelKind};
use model::retrieval::RetrievalConfig;
use model::rng::Rng;
use model::vocab::SOS;

/// Ids 4 (`def`) and 5..12 the names; 12..VOCAB the rest of a function's body.
const VOCAB: usize = 30;
const DEF: usize = 4;
const NAMES: std::ops::Range<usize> = 5..12;
const BODY: std::ops::Range<usize> = 12..VOCAB;
const BODY_LEN: usize = 4;

/// The source `name <sos> def other_name body...` and the target `def name body...`.
fn pair(name: usize, other_name: usize, body: &[usize], with_neighbour: bool) -> Example {
    let neighbour = [&[SOS, DEF, other_name][..], body].concat();
    Example {
        src: match with_neighbour {
            true => [&[name][..], &neighbour].concat(),
            false => vec![name],
        },
        tgt: [&[DEF, name][..], body].concat(),
    }
}

fn random_pair(rng: &mut Rng, with_neighbour: bool) -> Example {
    let name = |rng: &mut Rng| NAMES.start + rng.below(NAMES.len());
    let body: Vec<usize> = (0..BODY_LEN)
        .map(|_| BODY.start + rng.below(BODY.len()))
        .collect();
    let (a, b) = (name(rng), name(rng));
    pair(a, b, &body, with_neighbour)
}

fn config() -> ModelConfig {
    let mut config = ModelConfig::new(ModelKind::Retrieval, VOCAB, VOCAB)
        .with_embedding_size(16)
        .with_hidden_size(32)
        .with_num_layers(1)
        .with_dropout(0.0);
    config.copy = true;
    config.encoder.bidirectional = true;
    config.retrieval = Some(RetrievalConfig::default());
    config
}

/// Exact outputs on fresh pairs (bodies drawn anew: almost all unseen) after training on 128 pairs.
fn accuracy(with_neighbour: bool) -> f64 {
    let mut rng = Rng::new(5);
    let train: Vec<Example> = (0..128)
        .map(|_| random_pair(&mut rng, with_neighbour))
        .collect();
    let model = trained(&config(), 11, &train, 200, &mut rng);
    let test: Vec<Example> = (0..32)
        .map(|_| random_pair(&mut rng, with_neighbour))
        .collect();
    exact_share(&model, &test, 10)
}

#[test]
fn a_retrieval_model_edits_its_neighbour() {
    let with = accuracy(true);
    let without = accuracy(false);
    eprintln!("exact outputs: {with} with the neighbour, {without} without");
    assert!(with >= 0.8, "with the neighbour: {with}");
    assert!(without <= 0.1, "description only: {without}");
}
