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

    /// Refuses sizes no model can be built with (what the constructors would otherwise panic on) and
    /// models too large to build, so that a damaged `config.json` gives an error rather than a crash
    /// or an allocation of many gigabytes.
    pub fn check(&self) -> Result<(), String> {
        for (name, side) in [("encoder", &self.encoder), ("decoder", &self.decoder)] {
            let sizes = [
                side.vocab_size,
                side.embedding_size,
                side.hidden_size,
                side.num_layers,
            ];
            if sizes.contains(&0) {
                return Err(format!(
                    "{name}: vocab_size, embedding_size, hidden_size and num_layers must be at least 1"
                ));
            }
            if !(0.0..1.0).contains(&side.dropout) {
                return Err(format!("{name}: dropout {} is not in [0, 1)", side.dropout));
            }
        }
        let (encoder, decoder) = (&self.encoder, &self.decoder);
        if (self.copy || self.kind.info().retrieves) && encoder.vocab_size != decoder.vocab_size {
            return Err("copy attention needs one vocabulary for both sides".into());
        }
        if self.kind.info().retrieves && !self.copy {
            return Err("the retrieval model copies: it needs copy attention".into());
        }
        match self.kind {
            ModelKind::Transformer => self.check_transformer()?,
            _ => {
                // The decoder starts from the encoder's final state of each layer.
                if encoder.hidden_size != decoder.hidden_size
                    || encoder.num_layers != decoder.num_layers
                {
                    return Err("the encoder and the decoder must have the same hidden size and number of layers".into());
                }
                if encoder.bidirectional && !encoder.hidden_size.is_multiple_of(2) {
                    return Err("a bidirectional encoder needs an even hidden size".into());
                }
            }
        }
        let parameters = self.parameter_estimate();
        if parameters > MAX_PARAMETERS {
            return Err(format!(
                "about {parameters} parameters, more than the {MAX_PARAMETERS} this library builds"
            ));
        }
        Ok(())
    }

    fn check_transformer(&self) -> Result<(), String> {
        let d = self.decoder.hidden_size;
        for side in [&self.encoder, &self.decoder] {
            if side.hidden_size != d || side.embedding_size != d {
                return Err("the Transformer has one model size: embedding and hidden sizes of both sides must be equal".into());
            }
        }
        let options = self.transformer.unwrap_or_default();
        if options.heads == 0 || !d.is_multiple_of(options.heads) || options.feed_forward_size == 0
        {
            return Err(format!(
                "the model size {d} must be a multiple of the heads ({}), and the feed-forward size at least 1",
                options.heads
            ));
        }
        Ok(())
    }

    /// An upper bound of the weights' count, within a small factor: embeddings, output layer and
    /// per layer a few square matrices of the widest size. Saturates instead of overflowing.
    fn parameter_estimate(&self) -> usize {
        let feed_forward = self.transformer.map_or(0, |t| t.feed_forward_size);
        let side = |s: &SideConfig| {
            let width = s.embedding_size.max(s.hidden_size).max(feed_forward);
            let embedding = s.vocab_size.saturating_mul(s.embedding_size);
            let layers = s
                .num_layers
                .saturating_mul(width.saturating_mul(width).saturating_mul(8));
            embedding.saturating_add(layers)
        };
        let output = self
            .decoder
            .vocab_size
            .saturating_mul(self.decoder.hidden_size.saturating_mul(3));
        side(&self.encoder)
            .saturating_add(side(&self.decoder))
            .saturating_add(output)
    }

    /// Whether the source holds retrieved training functions besides the description: always for
    /// the retrieval model, and for a Transformer trained with neighbours.
    pub fn reads_neighbours(&self) -> bool {
        self.kind.info().retrieves || self.retrieval.is_some()
    }
}

/// The most weights [`ModelConfig::check`] lets a configuration ask for: 4 GB of f32, far above
/// any model trained here (the largest has about 9 million).
pub const MAX_PARAMETERS: usize = 1_000_000_000;

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
        let config = Self::parse(value)?;
        config.check().map_err(serde::de::Error::custom)?;
        Ok(config)
    }
}

impl ModelConfig {
    /// The nested form, or the flat form of older checkpoints.
    fn parse(value: serde_json::Value) -> Result<Self, serde_json::Error> {
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
    fn configs_no_model_can_be_built_with_are_refused_when_read() {
        let refused = |edit: &dyn Fn(&mut serde_json::Value), message: &str| {
            let mut json =
                serde_json::to_value(ModelConfig::new(ModelKind::Transformer, 10, 10)).unwrap();
            edit(&mut json);
            let error = serde_json::from_value::<ModelConfig>(json).unwrap_err();
            assert!(error.to_string().contains(message), "{error}");
        };
        refused(
            &|j| j["decoder"]["embedding_size"] = 64.into(),
            "one model size",
        );
        refused(
            &|j| j["transformer"]["heads"] = 0.into(),
            "multiple of the heads",
        );
        refused(&|j| j["encoder"]["num_layers"] = 0.into(), "at least 1");
        refused(&|j| j["decoder"]["dropout"] = 1.0.into(), "not in [0, 1)");
        refused(
            &|j| j["encoder"]["vocab_size"] = 1_000_000_000.into(),
            "parameters",
        );
        let mut copy =
            serde_json::to_value(ModelConfig::new(ModelKind::Attention, 10, 12)).unwrap();
        copy["copy"] = true.into();
        let error = serde_json::from_value::<ModelConfig>(copy).unwrap_err();
        assert!(error.to_string().contains("one vocabulary"), "{error}");
        // The defaults of every kind pass.
        for kind in ModelKind::ALL {
            let config = ModelConfig::new(kind, 10, 10);
            let config = ModelConfig {
                copy: kind.info().retrieves,
                ..config
            };
            assert_eq!(config.check(), Ok(()), "{kind}");
        }
    }

    #[test]
    fn nested_form_round_trips() {
        let config = ModelConfig::new(ModelKind::Attention, 10, 20).with_hidden_size(32);
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.contains(r#""encoder":{"vocab_size":10"#), "{json}");
        assert_eq!(serde_json::from_str::<ModelConfig>(&json).unwrap(), config);
        let mut options = config.clone();
        options.copy = true;
        options.decoder.vocab_size = 10; // copying needs one vocabulary
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
