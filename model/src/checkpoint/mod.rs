//! Self-describing checkpoints: a folder holding
//!
//! - `config.json` ([`CheckpointConfig`]): format version, the model's nested configuration, the
//!   tokenizer of each side, the weight precision, and the names of the other files;
//! - the tokenizers' files (for the word tokenizers, `src_vocab.json` and `tgt_vocab.json`);
//! - the weights (`model.bpk`), a burnpack record in f32 or f16;
//! - the card (`card.json`, [`Card`]): the data, training, scores and sample generations;
//! - retrieval models: the pool of training functions (`retrieval.json`, [`RetrievalIndex`]).
//!
//! Native code reads the folder; the browser fetches `config.json`, then every file it names, and
//! calls [`Checkpoint::from_files`]. Loading checks, before touching the weights, that the kind is the
//! one asked for and that the vocabularies have the sizes the weights were trained with.

pub mod card;
mod config;
pub mod manifest;

use std::path::Path;

use burn::module::{Module, ModuleMapper, Param};
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, DType};
use serde::{Deserialize, Serialize};

pub use card::Card;
pub use config::{
    CARD_FILE, CONFIG_FILE, CheckpointConfig, FORMAT_VERSION, TokenizerConfigs, WEIGHTS_FILE,
};

use crate::models::{AnyModel, ModelConfig, ModelKind};
use crate::retrieval::{IndexError, RETRIEVAL_FILE, RetrievalIndex};
use crate::tokenizer::Tokenizer;
use crate::vocab::VocabError;

/// How the weights are stored on disk; models always compute in f32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    F32,
    /// Half the size; loading converts back to f32.
    F16,
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
    #[error("{file}: invalid checkpoint card: {source}")]
    Card {
        file: String,
        source: serde_json::Error,
    },
    #[error("{0}: named in {CONFIG_FILE} but missing")]
    MissingFile(String),
    #[error("{file}: corrupt or truncated ({why})")]
    Corrupt { file: String, why: String },
    #[error(
        "checkpoint format version {found} is not supported (this build reads versions 1 and {FORMAT_VERSION})"
    )]
    Version { found: u32 },
    #[error("checkpoint is an `{found}` model, expected `{expected}`")]
    WrongKind {
        found: ModelKind,
        expected: ModelKind,
    },
    #[error(transparent)]
    Vocab(#[from] VocabError),
    #[error(transparent)]
    Retrieval(#[from] IndexError),
    #[error("{which} vocabulary has {tokens} tokens but the weights expect {expected}")]
    VocabSize {
        which: &'static str,
        tokens: usize,
        expected: usize,
    },
    #[error("{file}: the weights do not fit a `{kind}` model with this configuration: {message}")]
    Weights {
        file: String,
        kind: ModelKind,
        message: String,
    },
}

/// A model with everything needed to use it.
#[derive(Debug)]
pub struct Checkpoint {
    pub config: CheckpointConfig,
    pub card: Card,
    /// Descriptions to ids.
    pub source: Box<dyn Tokenizer>,
    /// Ids to code.
    pub target: Box<dyn Tokenizer>,
    pub model: AnyModel,
    /// Retrieval models: the pool their neighbours come from.
    pub retrieval: Option<RetrievalIndex>,
}

/// The files of a checkpoint, in memory: `config.json` and the files it names, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckpointFiles {
    pub files: Vec<(String, Vec<u8>)>,
}

impl CheckpointFiles {
    /// The contents of `name`.
    pub fn get(&self, name: &str) -> Result<&[u8], CheckpointError> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, bytes)| bytes.as_slice())
            .ok_or_else(|| CheckpointError::MissingFile(name.to_string()))
    }

    /// Replaces (or adds) the file `name`.
    pub fn set(&mut self, name: &str, contents: Vec<u8>) {
        match self.files.iter_mut().find(|(n, _)| n == name) {
            Some((_, bytes)) => *bytes = contents,
            None => self.files.push((name.to_string(), contents)),
        }
    }

    /// The parsed `config.json`.
    pub fn config(&self) -> Result<CheckpointConfig, CheckpointError> {
        Ok(CheckpointConfig::parse(&text(CONFIG_FILE, self.get(CONFIG_FILE)?)?)?.0)
    }

    /// These files with a retrieval model's pool added (`retrieval.json`, named in `config.json`).
    pub fn with_retrieval(mut self, index: &RetrievalIndex) -> Result<Self, CheckpointError> {
        let mut config = self.config()?;
        config.retrieval = Some(RETRIEVAL_FILE.to_string());
        let json = serde_json::to_vec_pretty(&config).expect("a config always serializes");
        self.set(CONFIG_FILE, json);
        self.set(RETRIEVAL_FILE, index.to_json());
        Ok(self)
    }

    /// These files with `config.json`'s manifest stating every other file's size and hash.
    pub fn with_manifest(mut self) -> Result<Self, CheckpointError> {
        let mut config = self.config()?;
        config.manifest = config
            .files()
            .into_iter()
            .map(|name| Ok(manifest::FileEntry::of(name, self.get(name)?)))
            .collect::<Result<_, CheckpointError>>()?;
        let json = serde_json::to_vec_pretty(&config).expect("a config always serializes");
        self.set(CONFIG_FILE, json);
        Ok(self)
    }

    /// Checks every file the manifest lists against its size and hash (none without a manifest).
    pub fn check_manifest(&self, config: &CheckpointConfig) -> Result<(), CheckpointError> {
        for entry in &config.manifest {
            entry.check(self.get(&entry.file)?)?;
        }
        Ok(())
    }

    /// Writes every file into `dir` (created if needed), `config.json` with its manifest.
    pub fn save(&self, dir: &Path) -> Result<(), CheckpointError> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        let files = self.clone().with_manifest()?;
        for (name, contents) in &files.files {
            let path = dir.join(name);
            std::fs::write(&path, contents).map_err(|e| io_error(&path, e))?;
        }
        Ok(())
    }

    /// Reads `dir/config.json` and every file it names.
    pub fn read(dir: &Path) -> Result<Self, CheckpointError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| io_error(&path, e))
        };
        let mut files = Self::default();
        files.set(CONFIG_FILE, read(CONFIG_FILE)?);
        for name in files.config()?.files() {
            let contents = read(name)?;
            files.set(name, contents);
        }
        Ok(files)
    }
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
    /// Serialises `model` with its tokenizers and card.
    pub fn to_files(
        model: &AnyModel,
        model_config: &ModelConfig,
        source: &dyn Tokenizer,
        target: &dyn Tokenizer,
        precision: Precision,
        card: &Card,
    ) -> Result<CheckpointFiles, CheckpointError> {
        let config = CheckpointConfig {
            format_version: FORMAT_VERSION,
            model: model_config.clone(),
            tokenizers: TokenizerConfigs {
                source: source.config(),
                target: target.config(),
            },
            precision,
            weights: WEIGHTS_FILE.to_string(),
            card: Some(CARD_FILE.to_string()),
            retrieval: None,
            manifest: Vec::new(),
        };
        check_vocab_sizes(&config.model, source, target)?;
        let weights = model.valid();
        let weights = match precision {
            Precision::F32 => weights,
            Precision::F16 => weights.map(&mut CastParams(DType::F16)),
        };
        let bytes = weights
            .to_record()
            .into_bytes()
            .map_err(|e| weights_error(&config, e))?;
        let mut files = CheckpointFiles::default();
        let config_json = serde_json::to_vec_pretty(&config).expect("a config always serializes");
        files.set(CONFIG_FILE, config_json);
        for (side, tokenizer) in [
            (&config.tokenizers.source, source),
            (&config.tokenizers.target, target),
        ] {
            for (name, contents) in side.files().into_iter().zip(tokenizer.to_files()) {
                files.set(name, contents);
            }
        }
        files.set(&config.weights, bytes.to_vec());
        files.set(CARD_FILE, card.to_json());
        Ok(files)
    }

    /// Parses and checks a checkpoint held in memory; the model is created on `device`.
    /// `expected`: fail unless the checkpoint holds this kind of model.
    pub fn from_files(
        files: &CheckpointFiles,
        expected: Option<ModelKind>,
        device: &Device,
    ) -> Result<Self, CheckpointError> {
        let (config, legacy_card) =
            CheckpointConfig::parse(&text(CONFIG_FILE, files.get(CONFIG_FILE)?)?)?;
        let kind = config.model.kind;
        if let Some(expected) = expected.filter(|&e| e != kind) {
            return Err(CheckpointError::WrongKind {
                found: kind,
                expected,
            });
        }
        files.check_manifest(&config)?;
        let card = match (&config.card, legacy_card) {
            (Some(name), _) => Card::from_json(files.get(name)?, name)?,
            (None, Some(card)) => card,
            (None, None) => unreachable!("format 2 names its card"),
        };
        let load_tokenizer = |side: &crate::tokenizer::TokenizerConfig| {
            let contents = side
                .files()
                .into_iter()
                .map(|name| files.get(name))
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, CheckpointError>(side.load(&contents)?)
        };
        let source = load_tokenizer(&config.tokenizers.source)?;
        let target = load_tokenizer(&config.tokenizers.target)?;
        check_vocab_sizes(&config.model, source.as_ref(), target.as_ref())?;
        let weights = files.get(&config.weights)?.to_vec();
        let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(weights))
            .map_err(|e| weights_error(&config, e))?
            .cast_to_module_dtype();
        let model = config
            .model
            .init(device)
            .with_record(record)
            .map_err(|e| weights_error(&config, e))?;
        let retrieval = match &config.retrieval {
            Some(name) => Some(RetrievalIndex::from_json(files.get(name)?, name)?),
            None if config.model.reads_neighbours() => {
                return Err(CheckpointError::MissingFile(RETRIEVAL_FILE.to_string()));
            }
            None => None,
        };
        Ok(Self {
            config,
            card,
            source,
            target,
            model,
            retrieval,
        })
    }

    /// [`CheckpointFiles::read`] then [`Checkpoint::from_files`].
    pub fn load(
        dir: &Path,
        expected: Option<ModelKind>,
        device: &Device,
    ) -> Result<Self, CheckpointError> {
        Self::from_files(&CheckpointFiles::read(dir)?, expected, device)
    }

    /// This checkpoint's files again (e.g. with another precision or an updated card).
    pub fn to_files_as(
        &self,
        precision: Precision,
        card: &Card,
    ) -> Result<CheckpointFiles, CheckpointError> {
        let files = Self::to_files(
            &self.model,
            &self.config.model,
            self.source.as_ref(),
            self.target.as_ref(),
            precision,
            card,
        )?;
        match &self.retrieval {
            Some(index) => files.with_retrieval(index),
            None => Ok(files),
        }
    }
}

fn text(name: &str, bytes: &[u8]) -> Result<String, CheckpointError> {
    String::from_utf8(bytes.to_vec()).map_err(|e| CheckpointError::Io {
        path: name.to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

fn check_vocab_sizes(
    config: &ModelConfig,
    source: &dyn Tokenizer,
    target: &dyn Tokenizer,
) -> Result<(), CheckpointError> {
    for (which, tokenizer, expected) in [
        ("source", source, config.encoder.vocab_size),
        ("target", target, config.decoder.vocab_size),
    ] {
        if tokenizer.vocab_size() != expected {
            return Err(CheckpointError::VocabSize {
                which,
                tokens: tokenizer.vocab_size(),
                expected,
            });
        }
    }
    Ok(())
}

fn weights_error(config: &CheckpointConfig, error: impl std::fmt::Display) -> CheckpointError {
    CheckpointError::Weights {
        file: config.weights.clone(),
        kind: config.model.kind,
        message: error.to_string(),
    }
}

fn io_error(path: &Path, source: std::io::Error) -> CheckpointError {
    CheckpointError::Io {
        path: path.display().to_string(),
        source,
    }
}
