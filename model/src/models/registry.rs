//! The list of models: each kind's name, labels and description, and [`AnyModel`], the model chosen at
//! run time. Everything outside this folder that needs to know the models (the command line's help
//! and defaults, the tables, the web app's picker, the benchmark, checkpoints) reads them from here.
//!
//! Adding a model is one entry in the [`models!`] list below: it generates the [`ModelKind`] variant,
//! its [`ModelInfo`], the [`AnyModel`] and [`AnyState`] variants and every dispatching `match`.

use std::fmt;
use std::str::FromStr;

use burn::module::Module;
use burn::prelude::*;
use burn::store::{ModuleRecord, RecordError};
use serde::{Deserialize, Serialize};

use super::cost::{BatchShape, Product};
use super::transformer::TransformerSeq2Seq;
use super::{AttentionSeq2Seq, DecoderState, ModelConfig, RecurrentSeq2Seq, Seq2Seq, Step};
use crate::rng::Rng;

/// What people are told about a kind of model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelInfo {
    /// In configs, checkpoints, URLs and on the command line.
    pub name: &'static str,
    /// In result tables, as the reference design names it.
    pub label: &'static str,
    /// A few words for a picker.
    pub summary: &'static str,
    /// One sentence for help texts and documentation.
    pub description: &'static str,
    /// Whether each decoding step weighs the source positions (heatmaps, `<unk>` replacement).
    pub attends: bool,
    /// Whether the source holds retrieved training functions besides the description.
    pub retrieves: bool,
}

/// Generates the registry from one list of `Variant => ModelType { info }` entries. Each model type
/// implements [`Seq2Seq`] and has `fn new(config: &ModelConfig, device: &Device) -> Self` and
/// `fn forward_products(config: &ModelConfig, shape: &BatchShape) -> Vec<Product>`.
macro_rules! models {
    ($($variant:ident => $model:ty {
        name: $name:literal,
        label: $label:literal,
        summary: $summary:literal,
        description: $description:literal,
        attends: $attends:literal,
        retrieves: $retrieves:literal $(,)?
    }),+ $(,)?) => {
        /// Which model; the serde names are the ones used in configs, checkpoints and on the command line.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ModelKind {
            $(#[doc = $description] #[serde(rename = $name)] $variant,)+
        }

        impl ModelKind {
            /// Every model, in the order tables and pickers list them.
            pub const ALL: [ModelKind; [$($name),+].len()] = [$(ModelKind::$variant),+];

            pub fn info(self) -> ModelInfo {
                match self {
                    $(ModelKind::$variant => ModelInfo {
                        name: $name,
                        label: $label,
                        summary: $summary,
                        description: $description,
                        attends: $attends,
                        retrieves: $retrieves,
                    },)+
                }
            }
        }

        /// A model chosen at run time.
        // There is one model per program and `#[derive(Module)]` does not see through a `Box`.
        #[allow(clippy::large_enum_variant)]
        #[derive(Module, Debug)]
        pub enum AnyModel {
            $($variant($model),)+
        }

        /// The decoder state of an [`AnyModel`].
        // Tensors are handles: the size difference is a few pointers, not tensor data.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone)]
        pub enum AnyState {
            $($variant(<$model as Seq2Seq>::State),)+
        }

        impl ModelConfig {
            /// A freshly initialised model of `self.kind` (seed the device first for reproducible weights).
            pub fn init(&self, device: &Device) -> AnyModel {
                match self.kind {
                    $(ModelKind::$variant => AnyModel::$variant(<$model>::new(self, device)),)+
                }
            }
        }

        impl ModelConfig {
            /// The matrix products of one training forward pass of this model (see [`super::cost`]).
            pub fn forward_products(&self, shape: &BatchShape) -> Vec<Product> {
                match self.kind {
                    $(ModelKind::$variant => <$model>::forward_products(self, shape),)+
                }
            }
        }

        impl AnyModel {
            /// The weights as a record of the concrete model, so that parameter paths do not depend on
            /// the `AnyModel` variant (what checkpoints store).
            pub fn to_record(self) -> ModuleRecord {
                match self {
                    $(AnyModel::$variant(m) => m.into_record(),)+
                }
            }

            /// This model with the weights of `record` (see [`AnyModel::to_record`]).
            pub fn with_record(self, record: ModuleRecord) -> Result<Self, RecordError> {
                Ok(match self {
                    $(AnyModel::$variant(m) => AnyModel::$variant(m.try_load_record(record)?),)+
                })
            }
        }

        impl DecoderState for AnyState {
            fn select(&self, batch_indices: Tensor<1, Int>) -> Self {
                match self {
                    $(AnyState::$variant(s) => AnyState::$variant(s.select(batch_indices)),)+
                }
            }
        }

        impl Seq2Seq for AnyModel {
            type State = AnyState;

            fn kind(&self) -> ModelKind {
                match self {
                    $(AnyModel::$variant(m) => m.kind(),)+
                }
            }

            fn src_vocab_size(&self) -> usize {
                match self {
                    $(AnyModel::$variant(m) => m.src_vocab_size(),)+
                }
            }

            fn tgt_vocab_size(&self) -> usize {
                match self {
                    $(AnyModel::$variant(m) => m.tgt_vocab_size(),)+
                }
            }

            fn encode(&self, src: Tensor<2, Int>, src_mask: Tensor<2, Bool>) -> AnyState {
                match self {
                    $(AnyModel::$variant(m) => AnyState::$variant(m.encode(src, src_mask)),)+
                }
            }

            fn decode_step(&self, prev_tokens: Tensor<1, Int>, state: AnyState) -> Step<AnyState> {
                match (self, state) {
                    $((AnyModel::$variant(m), AnyState::$variant(s)) => {
                        let step = m.decode_step(prev_tokens, s);
                        Step {
                            logits: step.logits,
                            state: AnyState::$variant(step.state),
                            attention: step.attention,
                            p_gen: step.p_gen,
                        }
                    })+
                    #[allow(unreachable_patterns)]
                    _ => panic!(
                        "decoder state of another kind of model passed to a `{}` model",
                        self.kind()
                    ),
                }
            }

            fn forward(
                &self,
                src: Tensor<2, Int>,
                src_mask: Tensor<2, Bool>,
                tgt: Tensor<2, Int>,
                teacher_forcing_ratio: f64,
                rng: &mut Rng,
            ) -> Tensor<3> {
                match self {
                    $(AnyModel::$variant(m) => m.forward(src, src_mask, tgt, teacher_forcing_ratio, rng),)+
                }
            }

            fn attention_by_head(
                &self,
                src: Tensor<2, Int>,
                src_mask: Tensor<2, Bool>,
                tgt: Tensor<2, Int>,
            ) -> Option<Tensor<5>> {
                match self {
                    $(AnyModel::$variant(m) => m.attention_by_head(src, src_mask, tgt),)+
                }
            }
        }
    };
}

models! {
    Rnn => RecurrentSeq2Seq {
        name: "rnn",
        label: "Vanilla RNN",
        summary: "RNN",
        description: "Vanilla tanh RNN encoder and decoder.",
        attends: false,
        retrieves: false,
    },
    Lstm => RecurrentSeq2Seq {
        name: "lstm",
        label: "LSTM",
        summary: "LSTM",
        description: "LSTM encoder and decoder.",
        attends: false,
        retrieves: false,
    },
    Attention => AttentionSeq2Seq {
        name: "attention",
        label: "Attention",
        summary: "LSTM + attention",
        description: "LSTM encoder and decoder with Bahdanau attention.",
        attends: true,
        retrieves: false,
    },
    Retrieval => AttentionSeq2Seq {
        name: "retrieval",
        label: "Retrieval + copy",
        summary: "LSTM + attention + copy, reading the closest training function",
        description: "The attention model with copy attention, reading the description and the most similar training functions (BM25).",
        attends: true,
        retrieves: true,
    },
    Transformer => TransformerSeq2Seq {
        name: "transformer",
        label: "Transformer",
        summary: "Transformer",
        description: "Encoder-decoder Transformer (pre-layer-norm, sinusoidal positions, multi-head attention).",
        attends: true,
        retrieves: false,
    },
}

impl ModelKind {
    /// The reference design's three models: what `compare` and `bench` run by default (the
    /// retrieval model needs subword tokens and a pool).
    pub const REFERENCE: [ModelKind; 3] = [ModelKind::Rnn, ModelKind::Lstm, ModelKind::Attention];

    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Whether copy attention (`ModelConfig::copy`) is an option of this model; the retrieval model
    /// always copies.
    pub fn copy_is_an_option(self) -> bool {
        matches!(self, ModelKind::Attention | ModelKind::Transformer)
    }

    /// Whether this model can read retrieved training functions beside the description
    /// (`ModelConfig::retrieval`, with copy attention); the retrieval model always does.
    pub fn retrieval_is_an_option(self) -> bool {
        matches!(self, ModelKind::Transformer)
    }

    /// The names of every model, e.g. for an error message or a help text: `rnn, lstm or attention`.
    pub fn names() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|k| k.name()).collect();
        match names.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ModelKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown model `{s}` (expected {})", Self::names()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_are_listed() {
        for kind in ModelKind::ALL {
            assert_eq!(kind.name().parse::<ModelKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
        assert_eq!(
            ModelKind::names(),
            "rnn, lstm, attention, retrieval or transformer"
        );
        let error = "gru".parse::<ModelKind>().unwrap_err();
        assert_eq!(
            error,
            "unknown model `gru` (expected rnn, lstm, attention, retrieval or transformer)"
        );
    }
}
