//! The checkpoints this site serves, one folder each under `checkpoints/`: what the picker lists, what
//! `?model=` names and what the page fetches. A site may serve several checkpoints of one model kind
//! (the copy model is an attention model), so the page picks checkpoints, not kinds.

#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use std::fmt;

use model::models::ModelKind;
use serde::{Deserialize, Serialize};

/// One of the site's checkpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SiteModel {
    Rnn,
    Lstm,
    Attention,
    /// Attention with subword pieces, copy attention and a bidirectional encoder.
    Copy,
    /// The copy model reading the closest training function beside the description.
    Retrieval,
    /// The Transformer with copy attention and subword pieces.
    Transformer,
}

impl SiteModel {
    /// Every checkpoint, in the order the picker lists them.
    pub const ALL: [SiteModel; 6] = [
        Self::Rnn,
        Self::Lstm,
        Self::Attention,
        Self::Copy,
        Self::Retrieval,
        Self::Transformer,
    ];

    /// The folder under `checkpoints/`, and the URL and `<select>` value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rnn => "rnn",
            Self::Lstm => "lstm",
            Self::Attention => "attention",
            Self::Copy => "copy",
            Self::Retrieval => "retrieval",
            Self::Transformer => "transformer",
        }
    }

    /// Its folder on the site, relative to the page (and to the worker, which lives beside it).
    pub fn folder(self) -> String {
        format!("checkpoints/{}/", self.name())
    }

    /// The model kind its `config.json` must declare: loading checks it, so that a checkpoint copied
    /// into the wrong folder is reported rather than run under the wrong name.
    pub fn kind(self) -> ModelKind {
        match self {
            Self::Rnn => ModelKind::Rnn,
            Self::Lstm => ModelKind::Lstm,
            Self::Attention | Self::Copy => ModelKind::Attention,
            Self::Retrieval => ModelKind::Retrieval,
            Self::Transformer => ModelKind::Transformer,
        }
    }

    /// The picker's and the result's name: the kind's, except where two checkpoints share a kind.
    pub fn label(self) -> &'static str {
        match self {
            Self::Copy => "LSTM + attention + copy, subword pieces",
            Self::Transformer => "Transformer + copy, subword pieces",
            _ => self.kind().info().summary,
        }
    }

    /// Whether `<unk>` replacement applies: it needs word tokens (subword pieces never write
    /// `<unk>`) and attention (to find the description word a `<unk>` stands for).
    pub fn replaces_unk(self) -> bool {
        self == Self::Attention
    }

    /// The checkpoint named `name`, if the site has one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

impl fmt::Display for SiteModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_labels_differ() {
        for model in SiteModel::ALL {
            assert_eq!(SiteModel::parse(model.name()), Some(model));
        }
        assert_eq!(SiteModel::parse("gpt"), None);
        assert_eq!(SiteModel::Attention.label(), "LSTM + attention");
        let mut labels: Vec<&str> = SiteModel::ALL.iter().map(|m| m.label()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), SiteModel::ALL.len());
        assert_eq!(SiteModel::Copy.kind(), ModelKind::Attention);
        assert_eq!(SiteModel::Retrieval.kind(), ModelKind::Retrieval);
        assert_eq!(SiteModel::Transformer.kind(), ModelKind::Transformer);
    }
}
