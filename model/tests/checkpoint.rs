//! Checkpoint round trips (f32 and f16) and the errors for the wrong kind or vocabularies.

mod common;

use burn::module::{Module, ModuleMapper, Param};
use burn::prelude::*;
use burn::tensor::DType;
use common::*;
use model::checkpoint::{Checkpoint, CheckpointError, Precision};
use model::decode::{DecodeConfig, Hypothesis, greedy};
use model::models::{AnyModel, ModelKind};
use model::retrieval::{Document, RetrievalIndex};
use model::tokenizer::{LayoutWords, Tokenizer, layout_tokens};

/// A pool of two functions.
fn toy_index() -> RetrievalIndex {
    let document = |name: &str, docstring: &str, code: &str| {
        let words: Vec<String> = docstring.split(' ').map(str::to_string).collect();
        Document::new(name, "toy", &words, &layout_tokens(code).unwrap()).unwrap()
    };
    RetrievalIndex::new(vec![
        document(
            "size",
            "Return the size",
            "def size(f):\n    return f.size\n",
        ),
        document(
            "name",
            "Return the name",
            "def name(u):\n    return u.name\n",
        ),
    ])
}

fn decode(model: &AnyModel, device: &Device) -> Vec<Hypothesis> {
    let b = batch(&toy_examples(), device);
    greedy(
        model,
        b.src,
        b.src_mask,
        &DecodeConfig::new().with_max_len(10),
    )
}

struct Cast(DType);
impl ModuleMapper for Cast {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let dtype = self.0;
        param.map(|t| t.cast(dtype))
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "model-checkpoint-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn round_trip_decodes_identically() {
    let device = Device::flex();
    for kind in ModelKind::ALL {
        let config = tiny_config(kind);
        let model = seeded(&config, 31, &device);
        let (source, mut target) = toy_tokenizers();
        let index = kind.info().retrieves.then(toy_index);
        if index.is_some() {
            // The retrieval model copies: one vocabulary size for both sides.
            target = LayoutWords::new(vocab_of_size(SRC_VOCAB));
        }
        let card = toy_card(kind);
        for precision in [Precision::F32, Precision::F16] {
            let mut files =
                Checkpoint::to_files(&model, &config, &source, &target, precision, &card).unwrap();
            if let Some(index) = &index {
                files = files.with_retrieval(index).unwrap();
            }
            let dir = temp_dir(&format!("{kind}-{precision:?}"));
            files.save(&dir).unwrap();
            let loaded = Checkpoint::load(&dir, Some(kind), &device).unwrap();
            std::fs::remove_dir_all(&dir).unwrap();
            assert_eq!(loaded.config.model, config);
            assert_eq!(loaded.retrieval, index);
            assert_eq!(loaded.card, card);
            assert_eq!(
                (loaded.source.config(), loaded.target.config()),
                (source.config(), target.config())
            );
            let ids: Vec<usize> = (0..TGT_VOCAB).collect();
            assert_eq!(loaded.target.tokens(&ids), target.tokens(&ids));
            // f16 storage: the loaded model is the original with weights rounded to f16, exactly.
            let reference = match precision {
                Precision::F32 => model.clone(),
                Precision::F16 => model
                    .clone()
                    .map(&mut Cast(DType::F16))
                    .map(&mut Cast(DType::F32)),
            };
            assert_eq!(
                decode(&loaded.model, &device),
                decode(&reference, &device),
                "{kind} {precision:?}"
            );
            if precision == Precision::F16 && index.is_none() {
                let weights = |files: &model::checkpoint::CheckpointFiles| {
                    files.get("model.bpk").unwrap().len()
                };
                let f32_size = weights(
                    &Checkpoint::to_files(&model, &config, &source, &target, Precision::F32, &card)
                        .unwrap(),
                );
                // Half the tensor bytes; the burnpack header is the same size for both.
                assert!(
                    weights(&files) * 3 < f32_size * 2,
                    "{} vs {f32_size}",
                    weights(&files)
                );
            }
        }
    }
}

#[test]
fn wrong_kind_and_mismatched_vocabularies_are_clear_errors() {
    let device = Device::flex();
    let config = tiny_config(ModelKind::Lstm);
    let model = seeded(&config, 32, &device);
    let (source, target) = toy_tokenizers();
    let card = toy_card(ModelKind::Lstm);
    let files =
        Checkpoint::to_files(&model, &config, &source, &target, Precision::F32, &card).unwrap();

    let err = Checkpoint::from_files(&files, Some(ModelKind::Attention), &device).unwrap_err();
    assert!(matches!(err, CheckpointError::WrongKind { .. }));
    assert_eq!(
        err.to_string(),
        "checkpoint is an `lstm` model, expected `attention`"
    );

    let mut bad = files.clone();
    bad.set(
        "tgt_vocab.json",
        vocab_of_size(TGT_VOCAB + 2).to_json().into_bytes(),
    );
    let err = Checkpoint::from_files(&bad, None, &device).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "target vocabulary has {} tokens but the weights expect {TGT_VOCAB}",
            TGT_VOCAB + 2
        )
    );

    // A config edited to claim another size no longer fits the weights.
    let mut bad = files.clone();
    let config_json = String::from_utf8(bad.get("config.json").unwrap().to_vec()).unwrap();
    let edited = config_json.replacen(
        &format!("\"vocab_size\": {SRC_VOCAB}"),
        "\"vocab_size\": 20",
        1,
    );
    assert_ne!(edited, config_json);
    bad.set("config.json", edited.into_bytes());
    bad.set("src_vocab.json", vocab_of_size(20).to_json().into_bytes());
    let err = Checkpoint::from_files(&bad, None, &device).unwrap_err();
    assert!(matches!(err, CheckpointError::Weights { .. }), "{err}");

    // Weights of another kind of model under this config.
    let mut bad = files.clone();
    let attention_files = tiny_files(ModelKind::Attention, 33, Precision::F32, &device);
    bad.set(
        "model.bpk",
        attention_files.get("model.bpk").unwrap().to_vec(),
    );
    let err = Checkpoint::from_files(&bad, None, &device).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("model.bpk: the weights do not fit a `lstm` model"),
        "{err}"
    );

    // Missing files name the path.
    let err = Checkpoint::load(
        std::path::Path::new("/nonexistent/checkpoint"),
        None,
        &device,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("/nonexistent/checkpoint/config.json"),
        "{err}"
    );
}

#[test]
fn a_retrieval_checkpoint_needs_its_pool() {
    let device = Device::flex();
    let config = tiny_config(ModelKind::Retrieval);
    let model = seeded(&config, 34, &device);
    let (source, _) = toy_tokenizers();
    let target = LayoutWords::new(vocab_of_size(SRC_VOCAB));
    let card = toy_card(ModelKind::Retrieval);
    let files =
        Checkpoint::to_files(&model, &config, &source, &target, Precision::F32, &card).unwrap();
    let err = Checkpoint::from_files(&files, None, &device).unwrap_err();
    assert_eq!(
        err.to_string(),
        "retrieval.json: named in config.json but missing"
    );
    let mut bad = files.with_retrieval(&toy_index()).unwrap();
    bad.set("retrieval.json", b"{\"documents\": [1]}".to_vec());
    let err = Checkpoint::from_files(&bad, None, &device).unwrap_err();
    assert!(err.to_string().starts_with("retrieval.json: "), "{err}");
}

#[test]
fn a_saved_checkpoint_states_its_files_and_refuses_an_altered_one() {
    let device = Device::flex();
    let kind = ModelKind::Attention;
    let files = tiny_files(kind, 7, Precision::F16, &device);
    let dir = temp_dir("manifest");
    files.save(&dir).unwrap();
    let saved = model::checkpoint::CheckpointFiles::read(&dir).unwrap();
    let manifest = saved.config().unwrap().manifest;
    let names: Vec<&str> = manifest.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(names, saved.config().unwrap().files());
    for entry in &manifest {
        assert_eq!(entry.bytes as usize, saved.get(&entry.file).unwrap().len());
    }
    assert!(Checkpoint::from_files(&saved, Some(kind), &device).is_ok());
    // One flipped byte in the weights, or a truncated vocabulary: refused, naming the file.
    for (file, alter) in [
        (
            "model.bpk",
            (|b: &mut Vec<u8>| b[40] ^= 1) as fn(&mut Vec<u8>),
        ),
        ("tgt_vocab.json", |b: &mut Vec<u8>| b.truncate(b.len() - 1)),
    ] {
        let mut altered = saved.clone();
        let mut contents = altered.get(file).unwrap().to_vec();
        alter(&mut contents);
        altered.set(file, contents);
        match Checkpoint::from_files(&altered, Some(kind), &device) {
            Err(CheckpointError::Corrupt { file: named, .. }) => assert_eq!(named, file),
            other => panic!("{file}: {:?}", other.map(|_| ())),
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
