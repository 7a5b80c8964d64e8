//! Checkpoint round trips (f32 and f16) and the errors for the wrong kind or vocabularies.

mod common;

use burn::module::{Module, ModuleMapper, Param};
use burn::prelude::*;
use burn::tensor::DType;
use common::*;
use model::checkpoint::{Checkpoint, CheckpointError, Precision};
use model::decode::{DecodeConfig, Hypothesis, greedy};
use model::models::{AnyModel, ModelKind};

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
        let (src_vocab, tgt_vocab) = (vocab_of_size(SRC_VOCAB), vocab_of_size(TGT_VOCAB));
        for precision in [Precision::F32, Precision::F16] {
            let files = Checkpoint::to_files(
                &model,
                &config,
                &src_vocab,
                &tgt_vocab,
                precision,
                serde_json::json!({"epoch": 3}),
            )
            .unwrap();
            let dir = temp_dir(&format!("{kind}-{precision:?}"));
            Checkpoint::save(&files, &dir).unwrap();
            let loaded = Checkpoint::load(&dir, Some(kind), &device).unwrap();
            std::fs::remove_dir_all(&dir).unwrap();
            assert_eq!(loaded.config.model, config);
            assert_eq!(loaded.config.metadata["epoch"], 3);
            assert_eq!(
                (&loaded.src_vocab, &loaded.tgt_vocab),
                (&src_vocab, &tgt_vocab)
            );
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
            if precision == Precision::F16 {
                let f32_size = Checkpoint::to_files(
                    &model,
                    &config,
                    &src_vocab,
                    &tgt_vocab,
                    Precision::F32,
                    Default::default(),
                )
                .unwrap()
                .weights
                .len();
                // Half the tensor bytes; the burnpack header is the same size for both.
                assert!(
                    files.weights.len() * 3 < f32_size * 2,
                    "{} vs {f32_size}",
                    files.weights.len()
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
    let (src_vocab, tgt_vocab) = (vocab_of_size(SRC_VOCAB), vocab_of_size(TGT_VOCAB));
    let files = Checkpoint::to_files(
        &model,
        &config,
        &src_vocab,
        &tgt_vocab,
        Precision::F32,
        Default::default(),
    )
    .unwrap();

    let err = Checkpoint::from_files(&files, Some(ModelKind::Attention), &device).unwrap_err();
    assert!(matches!(err, CheckpointError::WrongKind { .. }));
    assert_eq!(
        err.to_string(),
        "checkpoint is an `lstm` model, expected `attention`"
    );

    let mut bad = files.clone();
    bad.tgt_vocab_json = vocab_of_size(TGT_VOCAB + 2).to_json();
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
    bad.config_json = bad.config_json.replace(
        &format!("\"src_vocab_size\": {SRC_VOCAB}"),
        "\"src_vocab_size\": 20",
    );
    bad.src_vocab_json = vocab_of_size(20).to_json();
    let err = Checkpoint::from_files(&bad, None, &device).unwrap_err();
    assert!(matches!(err, CheckpointError::Weights { .. }), "{err}");

    // Weights of another kind of model under this config.
    let attention = seeded(&tiny_config(ModelKind::Attention), 33, &device);
    let mut bad = files.clone();
    bad.weights = Checkpoint::to_files(
        &attention,
        &tiny_config(ModelKind::Attention),
        &src_vocab,
        &tgt_vocab,
        Precision::F32,
        Default::default(),
    )
    .unwrap()
    .weights;
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
