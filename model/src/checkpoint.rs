//! Self-describing checkpoints: a directory holding
//!
//! - `config.json`: format version, model kind and hyperparameters ([`ModelConfig`]), weight precision;
//! - `src_vocab.json`, `tgt_vocab.json`: the vocabularies ([`Vocab`]);
//! - `model.bpk`: the weights as a burnpack record, in f32 or f16.
//!
//! Native code loads the directory; the browser fetches the four files and calls
//! [`Checkpoint::from_bytes`]. Loading checks, before touching the weights, that the kind is the one
//! asked for and that the vocabularies have the sizes the weights were trained with.

use std::path::Path;

use burn::module::{Module, ModuleMapper, Param};
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, DType};
use serde::{Deserialize, Serialize};

use crate::models::{AnyModel, ModelConfig, ModelKind};
use crate::vocab::{Vocab, VocabError};

/// Bumped when the layout of the files or of the weights changes incompatibly.
pub const FORMAT_VERSION: u32 = 1;
pub const CONFIG_FILE: &str = "config.json";
pub const SRC_VOCAB_FILE: &str = "src_vocab.json";
pub const TGT_VOCAB_FILE: &str = "tgt_vocab.json";
pub const WEIGHTS_FILE: &str = "model.bpk";

/// How the weights are stored on disk; models always compute in f32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    F32,
    /// Half the size; loading converts back to f32.
    F16,
}

/// The contents of `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointConfig {
    pub format_version: u32,
    pub model: ModelConfig,
    pub precision: Precision,
    /// Free-form facts about the run (epochs, scores...), kept but not interpreted here.
    #[serde(default)]
    pub metadata: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{CONFIG_FILE}: invalid checkpoint configuration: {0}")]
    Config(serde_json::Error),
    #[error(
        "checkpoint format version {found} is not supported (this build reads version {FORMAT_VERSION})"
    )]
    Version { found: u32 },
    #[error("checkpoint is an `{found}` model, expected `{expected}`")]
    WrongKind {
        found: ModelKind,
        expected: ModelKind,
    },
    #[error(transparent)]
    Vocab(#[from] VocabError),
    #[error("{which} vocabulary has {tokens} tokens but the weights expect {expected}")]
    VocabSize {
        which: &'static str,
        tokens: usize,
        expected: usize,
    },
    #[error(
        "{WEIGHTS_FILE}: the weights do not fit a `{kind}` model with this configuration: {message}"
    )]
    Weights { kind: ModelKind, message: String },
}

/// A model with everything needed to use it.
#[derive(Debug)]
pub struct Checkpoint {
    pub config: CheckpointConfig,
    pub src_vocab: Vocab,
    pub tgt_vocab: Vocab,
    pub model: AnyModel,
}

/// The four files of a checkpoint, in memory.
#[derive(Debug, Clone)]
pub struct CheckpointFiles {
    pub config_json: String,
    pub src_vocab_json: String,
    pub tgt_vocab_json: String,
    pub weights: Vec<u8>,
}

/// Casts every float parameter to `dtype` (the record stores whatever dtype the module holds).
struct CastParams(DType);

impl ModuleMapper for CastParams {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let dtype = self.0;
        param.map(|t| t.cast(dtype))
    }
}

impl Checkpoint {
    /// Serialises `model` with its vocabularies; `metadata` goes into `config.json` as is.
    pub fn to_files(
        model: &AnyModel,
        model_config: &ModelConfig,
        src_vocab: &Vocab,
        tgt_vocab: &Vocab,
        precision: Precision,
        metadata: serde_json::Value,
    ) -> Result<CheckpointFiles, CheckpointError> {
        let config = CheckpointConfig {
            format_version: FORMAT_VERSION,
            model: model_config.clone(),
            precision,
            metadata,
        };
        check_vocab_sizes(&config.model, src_vocab, tgt_vocab)?;
        let weights = model.valid();
        let weights = match precision {
            Precision::F32 => weights,
            Precision::F16 => weights.map(&mut CastParams(DType::F16)),
        };
        let bytes = record_of(weights)
            .into_bytes()
            .map_err(|e| weights_error(model_config.kind, e))?;
        Ok(CheckpointFiles {
            config_json: serde_json::to_string_pretty(&config).map_err(CheckpointError::Config)?,
            src_vocab_json: src_vocab.to_json(),
            tgt_vocab_json: tgt_vocab.to_json(),
            weights: bytes.to_vec(),
        })
    }

    /// Parses and checks a checkpoint held in memory; the model is created on `device`.
    /// `expected`: fail unless the checkpoint holds this kind of model.
    pub fn from_files(
        files: &CheckpointFiles,
        expected: Option<ModelKind>,
        device: &Device,
    ) -> Result<Self, CheckpointError> {
        Self::from_bytes(
            &files.config_json,
            &files.src_vocab_json,
            &files.tgt_vocab_json,
            files.weights.clone(),
            expected,
            device,
        )
    }

    /// [`Checkpoint::from_files`] from the four files' contents (what a browser fetches).
    pub fn from_bytes(
        config_json: &str,
        src_vocab_json: &str,
        tgt_vocab_json: &str,
        weights: Vec<u8>,
        expected: Option<ModelKind>,
        device: &Device,
    ) -> Result<Self, CheckpointError> {
        let config: CheckpointConfig =
            serde_json::from_str(config_json).map_err(CheckpointError::Config)?;
        if config.format_version != FORMAT_VERSION {
            return Err(CheckpointError::Version {
                found: config.format_version,
            });
        }
        let kind = config.model.kind;
        if let Some(expected) = expected.filter(|&e| e != kind) {
            return Err(CheckpointError::WrongKind {
                found: kind,
                expected,
            });
        }
        let src_vocab = Vocab::from_json(src_vocab_json, SRC_VOCAB_FILE)?;
        let tgt_vocab = Vocab::from_json(tgt_vocab_json, TGT_VOCAB_FILE)?;
        check_vocab_sizes(&config.model, &src_vocab, &tgt_vocab)?;
        let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(weights))
            .map_err(|e| weights_error(kind, e))?
            .cast_to_module_dtype();
        let model =
            load_record(config.model.init(device), record).map_err(|e| weights_error(kind, e))?;
        Ok(Self {
            config,
            src_vocab,
            tgt_vocab,
            model,
        })
    }

    /// Writes the four files into `dir` (created if needed).
    pub fn save(files: &CheckpointFiles, dir: &Path) -> Result<(), CheckpointError> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        let write = |name: &str, contents: &[u8]| {
            let path = dir.join(name);
            std::fs::write(&path, contents).map_err(|e| io_error(&path, e))
        };
        write(CONFIG_FILE, files.config_json.as_bytes())?;
        write(SRC_VOCAB_FILE, files.src_vocab_json.as_bytes())?;
        write(TGT_VOCAB_FILE, files.tgt_vocab_json.as_bytes())?;
        write(WEIGHTS_FILE, &files.weights)
    }

    /// Reads the four files of `dir`.
    pub fn read(dir: &Path) -> Result<CheckpointFiles, CheckpointError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| io_error(&path, e))
        };
        let text = |name: &str| {
            read(name).and_then(|bytes| {
                String::from_utf8(bytes).map_err(|e| {
                    io_error(
                        &dir.join(name),
                        std::io::Error::new(std::io::ErrorKind::InvalidData, e),
                    )
                })
            })
        };
        Ok(CheckpointFiles {
            config_json: text(CONFIG_FILE)?,
            src_vocab_json: text(SRC_VOCAB_FILE)?,
            tgt_vocab_json: text(TGT_VOCAB_FILE)?,
            weights: read(WEIGHTS_FILE)?,
        })
    }

    /// [`Checkpoint::read`] then [`Checkpoint::from_files`].
    pub fn load(
        dir: &Path,
        expected: Option<ModelKind>,
        device: &Device,
    ) -> Result<Self, CheckpointError> {
        Self::from_files(&Self::read(dir)?, expected, device)
    }
}

/// The record of the concrete model, so parameter paths do not depend on the `AnyModel` variant.
fn record_of(model: AnyModel) -> ModuleRecord {
    match model {
        AnyModel::Rnn(m) | AnyModel::Lstm(m) => m.into_record(),
        AnyModel::Attention(m) => m.into_record(),
    }
}

fn load_record(
    model: AnyModel,
    record: ModuleRecord,
) -> Result<AnyModel, burn::store::RecordError> {
    Ok(match model {
        AnyModel::Rnn(m) => AnyModel::Rnn(m.try_load_record(record)?),
        AnyModel::Lstm(m) => AnyModel::Lstm(m.try_load_record(record)?),
        AnyModel::Attention(m) => AnyModel::Attention(m.try_load_record(record)?),
    })
}

fn check_vocab_sizes(
    config: &ModelConfig,
    src: &Vocab,
    tgt: &Vocab,
) -> Result<(), CheckpointError> {
    for (which, vocab, expected) in [
        ("source", src, config.src_vocab_size),
        ("target", tgt, config.tgt_vocab_size),
    ] {
        if vocab.len() != expected {
            return Err(CheckpointError::VocabSize {
                which,
                tokens: vocab.len(),
                expected,
            });
        }
    }
    Ok(())
}

fn weights_error(kind: ModelKind, error: impl std::fmt::Display) -> CheckpointError {
    CheckpointError::Weights {
        kind,
        message: error.to_string(),
    }
}

fn io_error(path: &Path, source: std::io::Error) -> CheckpointError {
    CheckpointError::Io {
        path: path.display().to_string(),
        source,
    }
}
