//! `config.json`: the format version, the model's configuration, its tokenizers and the names of every
//! other file of the checkpoint (the manifest a browser fetches by).
//!
//! Format 1 (the first shipped checkpoints, and run folders written before format 2) had a flat model
//! configuration, fixed file names and free-form `metadata`; it is still read: its tokenizers are the
//! word tokenizers under the fixed names, and its card holds the model and the data it names.

use serde::{Deserialize, Serialize};

use super::card::{Card, DataCard};
use super::manifest::FileEntry;
use super::{CheckpointError, Precision};
use crate::models::ModelConfig;
use crate::tokenizer::{MAX_SRC_LEN, SRC_VOCAB_FILE, TGT_VOCAB_FILE, TokenizerConfig};

/// Bumped when the layout of the files or of the weights changes incompatibly.
pub const FORMAT_VERSION: u32 = 2;
pub const CONFIG_FILE: &str = "config.json";
pub const WEIGHTS_FILE: &str = "model.bpk";
pub const CARD_FILE: &str = "card.json";

/// The contents of `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointConfig {
    pub format_version: u32,
    pub model: ModelConfig,
    pub tokenizers: TokenizerConfigs,
    pub precision: Precision,
    /// The weights file.
    pub weights: String,
    /// The card file; `None` for format 1, whose card is made from `config.json` alone.
    pub card: Option<String>,
    /// Retrieval models: the pool of training functions they look neighbours up in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retrieval: Option<String>,
    /// Every other file with its size and hash (written on save; checked on load when present).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manifest: Vec<FileEntry>,
}

/// The tokenizer of each side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenizerConfigs {
    pub source: TokenizerConfig,
    pub target: TokenizerConfig,
}

impl Default for TokenizerConfigs {
    /// The reference design's word tokenizers under the default file names.
    fn default() -> Self {
        Self {
            source: TokenizerConfig::DocstringWords {
                vocab: SRC_VOCAB_FILE.to_string(),
                max_len: MAX_SRC_LEN,
            },
            target: TokenizerConfig::LayoutWords {
                vocab: TGT_VOCAB_FILE.to_string(),
            },
        }
    }
}

impl CheckpointConfig {
    /// Every file of the checkpoint besides `config.json`, each once (both sides of a subword
    /// checkpoint name the same tokenizer file): the tokenizers', the weights, the card, the pool.
    pub fn files(&self) -> Vec<&str> {
        let mut files = self.tokenizers.source.files();
        files.extend(self.tokenizers.target.files());
        files.push(&self.weights);
        files.extend(self.card.as_deref());
        files.extend(self.retrieval.as_deref());
        let mut seen = std::collections::HashSet::new();
        files.retain(|name| seen.insert(*name));
        files
    }

    /// Parses `config.json` of format 2 or 1; `legacy_card` is format 1's card, made from the config.
    pub fn parse(json: &str) -> Result<(Self, Option<Card>), CheckpointError> {
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        let version: Version = serde_json::from_str(json).map_err(CheckpointError::Config)?;
        match version.format_version {
            FORMAT_VERSION => {
                let config: Self = serde_json::from_str(json).map_err(CheckpointError::Config)?;
                if config.card.is_none() {
                    return Err(CheckpointError::Config(serde::de::Error::missing_field(
                        "card",
                    )));
                }
                Ok((config, None))
            }
            1 => {
                let v1: FormatOne = serde_json::from_str(json).map_err(CheckpointError::Config)?;
                Ok(v1.upgrade())
            }
            found => Err(CheckpointError::Version { found }),
        }
    }
}

/// `config.json` of format 1.
#[derive(Deserialize)]
struct FormatOne {
    model: ModelConfig,
    precision: Precision,
    #[serde(default)]
    metadata: serde_json::Value,
}

impl FormatOne {
    fn upgrade(self) -> (CheckpointConfig, Option<Card>) {
        let data =
            serde_json::from_value::<DataCard>(self.metadata["data"].clone()).unwrap_or(DataCard {
                file: None,
                preset: "unknown".to_string(),
                train_size: None,
                description: None,
            });
        let card = Card::new(self.model.kind, data);
        let config = CheckpointConfig {
            format_version: FORMAT_VERSION,
            model: self.model,
            tokenizers: TokenizerConfigs::default(),
            precision: self.precision,
            weights: WEIGHTS_FILE.to_string(),
            card: None,
            retrieval: None,
            manifest: Vec::new(),
        };
        (config, Some(card))
    }
}
