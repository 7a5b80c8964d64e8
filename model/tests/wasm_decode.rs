//! The same checkpoint decodes to the same tokens natively and in wasm.
//!
//! `fixtures/tiny_attention/` is a tiny attention model (vocabularies 13/11, embedding 8, hidden 32)
//! trained natively on the toy pairs of `common`. Both builds load it from bytes and greedy-decode the
//! toy sources; both must produce `EXPECTED`, recorded from a native run.
//!
//! Native: `cargo test --release -p model --test wasm_decode`
//! wasm (Node), from the workspace root:
//! ```sh
//! rustup target add wasm32-unknown-unknown
//! CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
//!     cargo install wasm-bindgen-cli --version 0.2.130      # once; no --locked
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!     cargo test --release -p model --target wasm32-unknown-unknown --test wasm_decode
//! ```
//! The shipped `checkpoints/copy/` (subword pieces, copy attention, syntax-aware decoding) and
//! `checkpoints/retrieval/` (the same network reading the closest training function, retrieved by
//! BM25 from its pool) must also decode the sample descriptions of their cards, recorded natively by
//! `trainer export`, to the same tokens in wasm.
//!
//! Regenerate the fixture and `EXPECTED` (after a change of the weight format or of the models):
//! `cargo test --release -p model --test wasm_decode -- --ignored --nocapture`, then paste the printed
//! list into `EXPECTED`.

mod common;

use burn::prelude::*;
use common::*;
use model::checkpoint::{Checkpoint, CheckpointFiles};
use model::decode::{DecodeConfig, Flow, greedy, greedy_async};
use model::generate::generate_async;
use model::models::ModelKind;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Greedy outputs of the fixture for the toy sources, recorded natively.
const EXPECTED: &[&[usize]] = &[&[6, 5, 4], &[8, 7], &[5, 4, 10, 9], &[9, 5]];

/// The named files of the folder `dir` (relative to this file), built into the test: wasm has no file
/// system to load a checkpoint from.
macro_rules! built_in_files {
    ($dir:literal: $($name:literal),+ $(,)?) => {
        CheckpointFiles {
            files: vec![$((
                $name.to_string(),
                include_bytes!(concat!($dir, "/", $name)).to_vec(),
            )),+],
        }
    };
}

/// The fixture is kept in checkpoint format 1 (no card, fixed file names), which still loads.
fn fixture() -> CheckpointFiles {
    built_in_files!("fixtures/tiny_attention":
        "config.json", "src_vocab.json", "tgt_vocab.json", "model.bpk")
}

fn decode(files: &CheckpointFiles) -> Vec<Vec<usize>> {
    let device = Device::flex();
    let checkpoint =
        Checkpoint::from_files(files, Some(ModelKind::Attention), &device).expect("fixture loads");
    let b = batch(&toy_examples(), &device);
    greedy(
        &checkpoint.model,
        b.src,
        b.src_mask,
        &DecodeConfig::new().with_max_len(10),
    )
    .into_iter()
    .map(|h| h.tokens)
    .collect()
}

#[test]
fn fixture_decodes_to_the_recorded_tokens() {
    assert_eq!(decode(&fixture()), EXPECTED);
}

/// [`decode`] through the async loop that the web app awaits (WebGPU reads back only asynchronously).
async fn decode_async(files: &CheckpointFiles) -> Vec<Vec<usize>> {
    let device = Device::flex();
    let checkpoint =
        Checkpoint::from_files(files, Some(ModelKind::Attention), &device).expect("fixture loads");
    let b = batch(&toy_examples(), &device);
    let config = DecodeConfig::new().with_max_len(10);
    let mut steps = 0;
    let hyps = greedy_async(
        &checkpoint.model,
        b.src,
        b.src_mask,
        &config,
        None,
        async |_: &[&[usize]]| {
            steps += 1;
            Flow::Continue
        },
    )
    .await
    .expect("read-backs");
    // The hook runs once per decoding step: as many as the longest hypothesis took.
    let longest = hyps
        .iter()
        .map(|h| h.tokens.len() + usize::from(h.finished));
    assert_eq!(steps, longest.max().unwrap());
    hyps.into_iter().map(|h| h.tokens).collect()
}

#[cfg(target_arch = "wasm32")]
#[test]
async fn async_decoding_gives_the_recorded_tokens() {
    assert_eq!(decode_async(&fixture()).await, EXPECTED);
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn async_decoding_gives_the_recorded_tokens() {
    let tokens = futures_lite::future::block_on(decode_async(&fixture()));
    assert_eq!(tokens, EXPECTED);
}

/// The files of the shipped copy checkpoint.
fn shipped_copy() -> CheckpointFiles {
    built_in_files!("../../checkpoints/copy":
        "config.json", "card.json", "tokenizer.json", "model.bpk")
}

/// The files of the shipped retrieval checkpoint: the copy model's, and the pool it retrieves from.
fn shipped_retrieval() -> CheckpointFiles {
    built_in_files!("../../checkpoints/retrieval":
        "config.json", "card.json", "tokenizer.json", "model.bpk", "retrieval.json")
}

/// A shipped checkpoint's generations for its card's samples, as (generated, recorded) tokens, and
/// the names of the functions each retrieved (none for models without retrieval).
fn shipped_transformer() -> CheckpointFiles {
    built_in_files!("../../checkpoints/transformer":
        "config.json", "card.json", "tokenizer.json", "model.bpk")
}

async fn shipped_samples(
    files: CheckpointFiles,
    kind: ModelKind,
) -> Vec<(Vec<String>, Vec<String>, Vec<String>)> {
    let device = Device::flex();
    let checkpoint =
        Checkpoint::from_files(&files, Some(kind), &device).expect("the shipped checkpoint loads");
    assert!(checkpoint.config.model.copy && !checkpoint.card.samples.is_empty());
    let mut samples = Vec::new();
    for sample in &checkpoint.card.samples {
        let description = [sample.description.as_str()];
        let generation = generate_async(
            &checkpoint,
            &description,
            &DecodeConfig::new(),
            &device,
            model::decode::go_on,
        )
        .await
        .expect("the sample generates")
        .remove(0);
        let neighbours = generation.neighbours.iter();
        let names = neighbours.map(|n| n.document.name.clone()).collect();
        samples.push((generation.tokens, sample.tokens.clone(), names));
    }
    samples
}

/// Every sample decodes to its recorded tokens; a retrieval model reads one neighbour for each.
async fn check_shipped(files: CheckpointFiles, kind: ModelKind) {
    for (generated, recorded, neighbours) in shipped_samples(files, kind).await {
        assert_eq!(generated, recorded);
        let wanted = usize::from(kind == ModelKind::Retrieval);
        assert_eq!(neighbours.len(), wanted, "{neighbours:?}");
    }
}

#[cfg(target_arch = "wasm32")]
#[test]
async fn the_shipped_copy_checkpoint_decodes_its_recorded_samples() {
    check_shipped(shipped_copy(), ModelKind::Attention).await;
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_shipped_copy_checkpoint_decodes_its_recorded_samples() {
    futures_lite::future::block_on(check_shipped(shipped_copy(), ModelKind::Attention));
}

#[cfg(target_arch = "wasm32")]
#[test]
async fn the_shipped_retrieval_checkpoint_decodes_its_recorded_samples() {
    check_shipped(shipped_retrieval(), ModelKind::Retrieval).await;
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_shipped_retrieval_checkpoint_decodes_its_recorded_samples() {
    futures_lite::future::block_on(check_shipped(shipped_retrieval(), ModelKind::Retrieval));
}

/// `fixtures/tiny_transformer/` (model size 32, two heads, 2 + 2 layers, trained natively on the toy
/// pairs until it writes their targets) decodes them greedily and with a beam, in wasm as natively,
/// through the key/value cache.
fn transformer_fixture() -> CheckpointFiles {
    built_in_files!("fixtures/tiny_transformer":
        "config.json", "card.json", "src_vocab.json", "tgt_vocab.json", "model.bpk")
}

fn check_transformer(files: &CheckpointFiles) {
    let device = Device::flex();
    let checkpoint = Checkpoint::from_files(files, Some(ModelKind::Transformer), &device)
        .expect("fixture loads");
    let examples = toy_examples();
    let targets: Vec<Vec<usize>> = examples.iter().map(|e| e.tgt.clone()).collect();
    for config in [
        DecodeConfig::new().with_max_len(10),
        DecodeConfig::new().with_max_len(10).with_beam_width(3),
    ] {
        let b = batch(&examples, &device);
        let outputs: Vec<Vec<usize>> =
            model::decode::decode(&checkpoint.model, b.src, b.src_mask, &config, None)
                .into_iter()
                .map(|hyps| hyps[0].tokens.clone())
                .collect();
        assert_eq!(outputs, targets);
    }
}

#[test]
fn the_tiny_transformer_decodes_its_toy_targets() {
    check_transformer(&transformer_fixture());
}

/// Trains and writes the Transformer fixture (a changed weight format or model needs a new one).
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore]
fn regenerate_transformer_fixture() {
    use burn::module::Module;

    let config = tiny_config(ModelKind::Transformer)
        .with_hidden_size(32)
        .with_embedding_size(32);
    let model = trained(
        &config,
        43,
        &toy_examples(),
        400,
        &mut model::rng::Rng::new(0),
    );
    let files = write_fixture(&model.valid(), &config, "tiny_transformer");
    check_transformer(&files);
}

#[cfg(target_arch = "wasm32")]
#[test]
async fn the_shipped_transformer_checkpoint_decodes_its_recorded_samples() {
    check_shipped(shipped_transformer(), ModelKind::Transformer).await;
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_shipped_transformer_checkpoint_decodes_its_recorded_samples() {
    futures_lite::future::block_on(check_shipped(shipped_transformer(), ModelKind::Transformer));
}

/// Trains and writes the fixture, and prints the list for `EXPECTED`.
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore]
fn regenerate_fixture() {
    use burn::module::Module;
    use model::rng::Rng;
    use model::train::{TrainConfig, Trainer};

    let device = Device::flex().autodiff();
    let config = tiny_config(ModelKind::Attention).with_hidden_size(32);
    let mut model = seeded(&config, 41, &device);
    let mut trainer = Trainer::new(
        TrainConfig::new()
            .with_learning_rate(0.01)
            .with_teacher_forcing_ratio(1.0),
    );
    let train = batch(&toy_examples(), &device);
    for _ in 0..200 {
        model = trainer.step(model, &train, &mut Rng::new(0)).0;
    }
    // Written in format 2 (with a card); the committed fixture is still format 1.
    let files = write_fixture(&model.valid(), &config, "tiny_attention");
    println!("EXPECTED = {:?}", decode(&files));
}

/// Writes `model` with the toy tokenizers into `fixtures/NAME/`; returns its files.
#[cfg(not(target_arch = "wasm32"))]
fn write_fixture(
    model: &model::models::AnyModel,
    config: &model::models::ModelConfig,
    name: &str,
) -> CheckpointFiles {
    let (source, target) = toy_tokenizers();
    let files = Checkpoint::to_files(
        model,
        config,
        &source,
        &target,
        model::checkpoint::Precision::F32,
        &toy_card(config.kind),
    )
    .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    files.save(&dir).unwrap();
    files
}
