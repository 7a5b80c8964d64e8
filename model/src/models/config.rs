//! The hyperparameters of a model, nested by part (Burn's `ExperimentConfig` pattern): a
//! [`ModelConfig`] holds the configuration of its encoder and of its decoder. It is saved in every
//! checkpoint and run folder, so a model can always be rebuilt exactly.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::ModelKind;
use super::transformer::TransformerConfig;
use crate::retrieval::RetrievalConfig;

/// One side of a model: the encoder over the description, or the decoder over the code. The defaults
/// are the reference design's.
#[derive(Config, Debug, PartialEq)]
pub struct SideConfig {
    /// Tokens in this side's vocabulary: the embedding's rows (and, for the decoder, the output layer's
    /// columns).
    pub vocab_size: usize,
    #[config(default = 128)]
    pub embedding_size: usize,
    #[config(default = 256)]
    pub hidden_size: usize,
    #[config(default = 2)]
    pub num_layers: usize,
    /// On embeddings and between recurrent layers, as in the reference.
    #[config(default = 0.5)]
    pub dropout: f64,
    /// Encoders only: also read the description backwards, and give attention both directions.
    #[config(default = false)]
    pub bidirectional: bool,
}

/// Which model and the configuration of each of its parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Value")]
pub struct ModelConfig {
    pub kind: ModelKind,
    pub encoder: SideConfig,
    pub decoder: SideConfig,
    /// Attention models: copy attention (a pointer-generator, See et al. 2017). Each step mixes the
    /// vocabulary distribution with the attention over the source by a learned `p_gen`, so a source
    /// piece can be copied; needs one vocabulary for both sides.
    #[serde(default)]
    pub copy: bool,
    /// Retrieval models: how many neighbours are read and how much of each (see [`crate::retrieval`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retrieval: Option<RetrievalConfig>,
    /// The Transformer: heads and feed-forward size (its model size is the sides' `hidden_size`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transformer: Option<TransformerConfig>,
}

impl ModelConfig {
    /// The reference design's sizes for both sides; for the Transformer, a model size of 256 (the
    /// embeddings too), 3 + 3 layers, dropout 0.1 and [`TransformerConfig`]'s defaults.
    pub fn new(kind: ModelKind, src_vocab_size: usize, tgt_vocab_size: usize) -> Self {
        let config = Self {
            kind,
            encoder: SideConfig::new(src_vocab_size),
            decoder: SideConfig::new(tgt_vocab_size),
            copy: false,
            retrieval: None,
            transformer: None,
        };
        match kind {
            ModelKind::Transformer => ModelConfig {
                transformer: Some(TransformerConfig::default()),
                ..config
            }
            .with_embedding_size(256)
            .with_hidden_size(256)
            .with_num_layers(3)
            .with_dropout(0.1),
            _ => config,
        }
    }

    /// The same embedding size on both sides (so for the other `with_*` methods).
    pub fn with_embedding_size(mut self, size: usize) -> Self {
        self.encoder.embedding_size = size;
        self.decoder.embedding_size = size;
        self
    }

    pub fn with_hidden_size(mut self, size: usize) -> Self {
        self.encoder.hidden_size = size;
        self.decoder.hidden_size = size;
        self
    }

    pub fn with_num_layers(mut self, layers: usize) -> Self {
        self.encoder.num_layers = layers;
        self.decoder.num_layers = layers;
        self
    }

    pub fn with_dropout(mut self, dropout: f64) -> Self {
        self.encoder.dropout = dropout;
        self.decoder.dropout = dropout;
        self
    }

    /// The kind's table label with the options that make it another model ("Attention + copy"), so
    /// that two checkpoints of one kind are told apart in tables.
    pub fn label(&self) -> String {
        let mut label = self.kind.info().label.to_string();
        if !self.kind.info().retrieves {
            if self.retrieval.is_some() {
                label.push_str(" + retrieval");
            }
            if self.copy {
                label.push_str(" + copy");
            }
        }
        label
    }

    /// Whether the source holds retrieved training functions besides the description: always for
    /// the retrieval model, and for a Transformer trained with neighbours.
    pub fn reads_neighbours(&self) -> bool {
        self.kind.info().retrieves || self.retrieval.is_some()
    }
}

/// The nested form.
#[derive(Deserialize)]
struct Nested {
    kind: ModelKind,
    encoder: SideFile,
    decoder: SideFile,
    #[serde(default)]
    copy: bool,
    #[serde(default)]
    retrieval: Option<RetrievalConfig>,
    #[serde(default)]
    transformer: Option<TransformerConfig>,
}

/// A side as saved: options added after a checkpoint was written take their defaults (Burn's
/// `Config` derive would require every field).
#[derive(Deserialize)]
struct SideFile {
    vocab_size: usize,
    embedding_size: usize,
    hidden_size: usize,
    num_layers: usize,
    dropout: f64,
    #[serde(default)]
    bidirectional: bool,
}

impl From<SideFile> for SideConfig {
    fn from(side: SideFile) -> Self {
        SideConfig::new(side.vocab_size)
            .with_embedding_size(side.embedding_size)
            .with_hidden_size(side.hidden_size)
            .with_num_layers(side.num_layers)
            .with_dropout(side.dropout)
            .with_bidirectional(side.bidirectional)
    }
}

/// The flat form of checkpoint format 1 (one set of sizes for both sides), which older checkpoints and
/// run folders still have.
#[derive(Deserialize)]
struct Flat {
    kind: ModelKind,
    src_vocab_size: usize,
    tgt_vocab_size: usize,
    embedding_size: usize,
    hidden_size: usize,
    num_layers: usize,
    dropout: f64,
}

/// Either form, told apart by the `encoder` field, so that an error names the field of the form meant
/// (an untagged enum would only say that nothing matched).
impl TryFrom<serde_json::Value> for ModelConfig {
    type Error = serde_json::Error;

    fn try_from(value: serde_json::Value) -> Result<Self, Self::Error> {
        if value.get("encoder").is_some() {
            let Nested {
                kind,
                encoder,
                decoder,
                copy,
                retrieval,
                transformer,
            } = serde_json::from_value(value)?;
            return Ok(Self {
                kind,
                encoder: encoder.into(),
                decoder: decoder.into(),
                copy,
                retrieval,
                transformer,
            });
        }
        let flat: Flat = serde_json::from_value(value)?;
        Ok(
            Self::new(flat.kind, flat.src_vocab_size, flat.tgt_vocab_size)
                .with_embedding_size(flat.embedding_size)
                .with_hidden_size(flat.hidden_size)
                .with_num_layers(flat.num_layers)
                .with_dropout(flat.dropout),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_form_round_trips() {
        let config = ModelConfig::new(ModelKind::Attention, 10, 20).with_hidden_size(32);
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.contains(r#""encoder":{"vocab_size":10"#), "{json}");
        assert_eq!(serde_json::from_str::<ModelConfig>(&json).unwrap(), config);
        let mut options = config.clone();
        options.copy = true;
        options.encoder.bidirectional = true;
        options.retrieval = Some(RetrievalConfig::default());
        options.transformer = Some(TransformerConfig::default());
        let json = serde_json::to_string(&options).unwrap();
        assert_eq!(serde_json::from_str::<ModelConfig>(&json).unwrap(), options);
    }

    #[test]
    fn the_label_names_the_options_that_make_another_model() {
        let mut config = ModelConfig::new(ModelKind::Attention, 10, 10);
        assert_eq!(config.label(), "Attention");
        config.copy = true;
        assert_eq!(config.label(), "Attention + copy");
        config.kind = ModelKind::Retrieval;
        config.retrieval = Some(RetrievalConfig::default());
        assert_eq!(config.label(), ModelKind::Retrieval.info().label);
        assert!(config.reads_neighbours());
        let mut transformer = ModelConfig::new(ModelKind::Transformer, 10, 10);
        transformer.copy = true;
        assert!(!transformer.reads_neighbours());
        transformer.retrieval = Some(RetrievalConfig::default());
        assert_eq!(transformer.label(), "Transformer + retrieval + copy");
        assert!(transformer.reads_neighbours());
    }

    #[test]
    fn options_added_later_default_to_off() {
        let saved = r#"{"kind":"attention","encoder":{"vocab_size":10,"embedding_size":8,
            "hidden_size":16,"num_layers":1,"dropout":0.5},"decoder":{"vocab_size":20,
            "embedding_size":8,"hidden_size":16,"num_layers":1,"dropout":0.5}}"#;
        let config: ModelConfig = serde_json::from_str(saved).unwrap();
        assert!(!config.copy && !config.encoder.bidirectional);
        assert_eq!(config.decoder.vocab_size, 20);
    }

    #[test]
    fn reads_the_flat_form_of_format_1() {
        let flat = r#"{"kind":"lstm","src_vocab_size":10,"tgt_vocab_size":20,"embedding_size":8,
            "hidden_size":16,"num_layers":1,"dropout":0.25}"#;
        let config: ModelConfig = serde_json::from_str(flat).unwrap();
        let expected = ModelConfig::new(ModelKind::Lstm, 10, 20)
            .with_embedding_size(8)
            .with_hidden_size(16)
            .with_num_layers(1)
            .with_dropout(0.25);
        assert_eq!(config, expected);
    }
}
