//! Tiny seeded models and toy data shared by the tests.
#![allow(dead_code)]

use std::sync::{Mutex, MutexGuard};

use burn::prelude::*;
use model::batch::{Batch, Example};
use model::models::{AnyModel, ModelConfig, ModelKind};

/// Burn's CPU random generator is global: tests that seed it and draw from it hold this lock.
static RNG_LOCK: Mutex<()> = Mutex::new(());

pub fn rng_lock() -> MutexGuard<'static, ()> {
    RNG_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

pub const SRC_VOCAB: usize = 13;
pub const TGT_VOCAB: usize = 11;

/// A tiny model of `kind`; the retrieval model copies, so it has one vocabulary of [`SRC_VOCAB`]; the
/// Transformer has one model size (16) and two heads.
pub fn tiny_config(kind: ModelKind) -> ModelConfig {
    let mut config = ModelConfig::new(kind, SRC_VOCAB, TGT_VOCAB)
        .with_embedding_size(8)
        .with_hidden_size(16)
        .with_num_layers(2)
        .with_dropout(0.0);
    if kind == ModelKind::Transformer {
        config = config.with_embedding_size(16);
        config.transformer = Some(model::models::transformer::TransformerConfig {
            heads: 2,
            feed_forward_size: 32,
        });
    }
    if kind.info().retrieves {
        config.copy = true;
        config.decoder.vocab_size = SRC_VOCAB;
        config.retrieval = Some(Default::default());
    }
    config
}

/// Every model, the attention model with each of its options: bidirectional, copy (one vocabulary of
/// [`SRC_VOCAB`] for both sides), both; and the Transformer with copy.
pub fn tiny_variants() -> Vec<ModelConfig> {
    let mut variants: Vec<ModelConfig> = ModelKind::ALL.into_iter().map(tiny_config).collect();
    for (copy, bidirectional) in [(false, true), (true, false), (true, true)] {
        let mut config = tiny_config(ModelKind::Attention);
        config.encoder.bidirectional = bidirectional;
        config.copy = copy;
        if copy {
            config.decoder.vocab_size = SRC_VOCAB;
        }
        variants.push(config);
    }
    let mut transformer = tiny_config(ModelKind::Transformer);
    transformer.copy = true;
    transformer.decoder.vocab_size = SRC_VOCAB;
    variants.push(transformer);
    variants
}

/// A model whose weights depend only on `seed` (initialisation is eager, under the lock).
pub fn seeded(config: &ModelConfig, seed: u64, device: &Device) -> AnyModel {
    let _guard = rng_lock();
    device.seed(seed);
    config.init(device)
}

/// Toy pairs: the target is the source reversed and shifted into the target vocabulary.
pub fn toy_examples() -> Vec<Example> {
    let sources: [&[usize]; 4] = [&[4, 5, 6], &[7, 8], &[9, 10, 11, 12], &[5, 9]];
    sources
        .iter()
        .map(|s| Example {
            src: s.to_vec(),
            tgt: s
                .iter()
                .rev()
                .map(|&t| 4 + (t - 4) % (TGT_VOCAB - 4))
                .collect(),
        })
        .collect()
}

pub fn batch(examples: &[Example], device: &Device) -> Batch {
    let refs: Vec<&Example> = examples.iter().collect();
    Batch::new(&refs, device)
}

pub fn floats<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().unwrap()
}

pub fn assert_close(a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol, "element {i}: {x} vs {y}");
    }
}

/// A vocabulary of exactly `size` entries (the specials and `w4`, `w5`, ...).
pub fn vocab_of_size(size: usize) -> model::vocab::Vocab {
    let words: Vec<String> = (4..size).map(|i| format!("w{i}")).collect();
    model::vocab::Vocab::build([words], 1, None)
}

/// Word tokenizers over [`vocab_of_size`] vocabularies of the toy sizes.
pub fn toy_tokenizers() -> (
    model::tokenizer::DocstringWords,
    model::tokenizer::LayoutWords,
) {
    (
        model::tokenizer::DocstringWords::new(vocab_of_size(SRC_VOCAB), 50),
        model::tokenizer::LayoutWords::new(vocab_of_size(TGT_VOCAB)),
    )
}

/// A card that names the model and a toy data file.
pub fn toy_card(kind: ModelKind) -> model::checkpoint::Card {
    let data = model::checkpoint::card::DataCard {
        file: Some("toy.jsonl".into()),
        preset: "full".into(),
        train_size: None,
        description: None,
    };
    model::checkpoint::Card::new(kind, data)
}

/// `config` (weights from `seed`) after `steps` full-batch steps on `train` (learning rate 0.01,
/// teacher forcing throughout); `rng` draws what the steps draw.
pub fn trained(
    config: &ModelConfig,
    seed: u64,
    train: &[Example],
    steps: usize,
    rng: &mut model::rng::Rng,
) -> AnyModel {
    use model::train::{TrainConfig, Trainer};
    let device = Device::flex().autodiff();
    let batch = batch(train, &device);
    let mut model = seeded(config, seed, &device);
    let mut trainer = Trainer::new(
        TrainConfig::new()
            .with_learning_rate(0.01)
            .with_teacher_forcing_ratio(1.0),
    );
    for _ in 0..steps {
        model = trainer.step(model, &batch, rng).0;
    }
    model
}

/// The share of `test` whose greedy output (at most `max_len` ids) is exactly its target.
pub fn exact_share(model: &AnyModel, test: &[Example], max_len: usize) -> f64 {
    use burn::module::Module;
    let test_batch = batch(test, &Device::flex());
    let hyps = model::decode::greedy(
        &model.valid(),
        test_batch.src,
        test_batch.src_mask,
        &model::decode::DecodeConfig::new().with_max_len(max_len),
    );
    let correct = hyps
        .iter()
        .zip(test)
        .filter(|(h, e)| h.tokens == e.tgt)
        .count();
    correct as f64 / test.len() as f64
}

/// The files of a checkpoint of `kind`'s tiny model with weights from `seed`, over the toy word
/// tokenizers, its weights at `precision`.
pub fn tiny_files(
    kind: ModelKind,
    seed: u64,
    precision: model::checkpoint::Precision,
    device: &Device,
) -> model::checkpoint::CheckpointFiles {
    let config = tiny_config(kind);
    let model = seeded(&config, seed, device);
    let (source, target) = toy_tokenizers();
    model::checkpoint::Checkpoint::to_files(
        &model,
        &config,
        &source,
        &target,
        precision,
        &toy_card(kind),
    )
    .unwrap()
}

/// A checkpoint (f32, in memory) of `kind`'s tiny model with weights from `seed`.
pub fn tiny_checkpoint(
    kind: ModelKind,
    seed: u64,
    device: &Device,
) -> model::checkpoint::Checkpoint {
    use model::checkpoint::{Checkpoint, Precision};
    let files = tiny_files(kind, seed, Precision::F32, device);
    Checkpoint::from_files(&files, Some(kind), device).unwrap()
}
