//! The checkpoint card (`card.json`): what the model is, the data it learned from, how it was
//! trained, its scores and a few of its generations. `trainer train` writes one with every checkpoint,
//! `trainer export` completes it (training history, test scores, samples); the trainer's reports and
//! the web app's model line read it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::CheckpointError;
use crate::models::ModelKind;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub model: ModelKind,
    pub data: DataCard,
    /// The epoch these weights are from, with its validation scores (checkpoints written by training).
    #[serde(default)]
    pub epoch: Option<EpochRecord>,
    /// How the weights were trained, from the run folder (exported checkpoints).
    #[serde(default)]
    pub training: Option<Training>,
    /// Greedy decoding of the data's test split with these weights (exported checkpoints).
    #[serde(default)]
    pub test: Option<EvalSummary>,
    /// Fixed descriptions decoded one at a time (greedy) with these weights, as the web app does.
    #[serde(default)]
    pub samples: Vec<Sample>,
    /// The commit of the trainer that wrote (and scored) the checkpoint.
    #[serde(default)]
    pub written_by: Option<String>,
}

impl Card {
    /// A card that knows only the model and the data.
    pub fn new(model: ModelKind, data: DataCard) -> Self {
        Self {
            model,
            data,
            epoch: None,
            training: None,
            test: None,
            samples: Vec::new(),
            written_by: None,
        }
    }

    /// The contents of its file.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a card always serializes")
    }

    /// Parses the card file `file` (named in errors).
    pub fn from_json(bytes: &[u8], file: &str) -> Result<Self, CheckpointError> {
        serde_json::from_slice(bytes).map_err(|source| CheckpointError::Card {
            file: file.to_string(),
            source,
        })
    }
}

/// Where the training pairs come from: enough for `trainer eval` to draw the same splits again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataCard {
    /// A CodeSearchNet-format file; `None` = the trainer's embedded corpus.
    pub file: Option<PathBuf>,
    /// The trainer's preset (`quick`, `reference`, `full`).
    pub preset: String,
    /// Training pairs used instead of the preset's number.
    pub train_size: Option<usize>,
    /// For people, e.g. "embedded corpus, reference preset (10000 / 1000 / 1000 train / valid / test
    /// pairs)".
    #[serde(default)]
    pub description: Option<String>,
}

/// How the weights were trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// The command, commit and hardware of the start and of each resume.
    pub provenance: Vec<Provenance>,
    pub epochs_planned: usize,
    pub epochs_trained: usize,
    /// The epoch with the best validation loss.
    pub best_epoch: Option<usize>,
    pub best_valid_loss: Option<f64>,
    /// Sum of the epochs' wall times, validation included.
    pub wall_seconds: f64,
    pub history: Vec<EpochRecord>,
    /// The checkpoint the run started from (`train --init-from`): `epochs_trained` counts this run's
    /// epochs only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_from: Option<InitFrom>,
}

impl Training {
    /// The wall time these weights took from fresh weights: this run's and, for a run started from a
    /// checkpoint, that checkpoint's (as far as its card says).
    pub fn total_wall_seconds(&self) -> f64 {
        let start = self.init_from.as_ref().and_then(|i| i.wall_seconds);
        self.wall_seconds + start.unwrap_or(0.0)
    }

    /// The epochs a starting checkpoint had been trained for before this run (0 without one).
    pub fn epochs_before(&self) -> usize {
        self.init_from
            .as_ref()
            .and_then(|i| i.epochs_trained)
            .unwrap_or(0)
    }
}

/// A run's starting checkpoint: where it was and how it had been trained, so that the epochs of the
/// new run are not mistaken for all the training the weights had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitFrom {
    pub checkpoint: String,
    /// The epochs the checkpoint had been trained for, as its card says.
    pub epochs_trained: Option<usize>,
    /// The commands that trained it, from its card.
    #[serde(default)]
    pub provenance: Vec<Provenance>,
    /// The wall time its weights had taken to train, from fresh weights (its own starting checkpoint's
    /// included), so that a continued run is plotted at its full cost. Absent on older cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_seconds: Option<f64>,
}

/// Who ran a training run, where: so published numbers can be traced and reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The command line, arguments quoted where the shell needs it.
    pub command: String,
    pub commit: String,
    /// The device and, on the CPU, its model and the number of threads used.
    pub hardware: String,
}

/// One finished epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based.
    pub epoch: usize,
    /// Mean of the batches' training losses (dropout and teacher forcing active, as trained).
    pub train_loss: f64,
    /// Token-level cross-entropy on the validation split, every step fed the gold token, no dropout.
    pub valid_loss: f64,
    /// `exp(valid_loss)`.
    pub valid_perplexity: f64,
    /// Percentage of validation target tokens the model ranks first under teacher forcing.
    pub valid_token_accuracy: f64,
    /// Wall time of the epoch, validation included.
    pub seconds: f64,
}

/// One description and what the checkpoint generates for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub description: String,
    /// Target tokens, without `<eos>`.
    pub tokens: Vec<String>,
    pub code: String,
}

/// Everything the trainer's evaluation says about one model on one test set (computed by
/// `trainer::metrics`). Percentages are in `0.0..=100.0`; an empty test set gives zeros everywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalSummary {
    /// Number of examples.
    pub n: usize,
    /// Corpus-level smoothed BLEU-4 x 100 (CodeXGLUE's smoothing): the headline ("strict BLEU").
    pub bleu: f64,
    /// The reference design's BLEU (nltk `corpus_bleu`, `method1` smoothing, references through the
    /// model's target vocabulary), to compare with its published table; absent in older cards.
    #[serde(default)]
    pub seed_bleu: Option<f64>,
    /// Percentage of outputs that differ from every other output (a model writing one output for
    /// every input scores `100 / n`).
    #[serde(default)]
    pub distinct_outputs: Option<f64>,
    /// Mean over examples of the position-wise token accuracy, in percent.
    pub token_accuracy: f64,
    /// Percentage of outputs identical to their reference (code tokens).
    pub exact_match: f64,
    /// Percentage of outputs whose detokenized source is valid Python (tree-sitter-python finds no
    /// ERROR or MISSING node, plus the rules it does not enforce; empty outputs are invalid).
    pub syntax_valid: f64,
    /// Mean number of code tokens in the outputs.
    pub mean_length: f64,
    /// Mean number of code tokens in the references, to compare [`Self::mean_length`] with.
    pub reference_mean_length: f64,
    /// Mean seq-rep-4 of the outputs in percent: the share of an output's 4-grams that repeat an
    /// earlier one, averaged over outputs with at least 4 tokens.
    pub repetition_rate: f64,
    /// The same for the references: the baseline repetition of real code.
    pub reference_repetition_rate: f64,
    /// Percentage of outputs whose `()`, `[]`, `{}` do not balance.
    pub unbalanced_brackets: f64,
    /// Corpus BLEU of the examples in each docstring-length bucket.
    pub bleu_by_length: Vec<LengthBucket>,
    /// How attention models spread their attention over the description; absent for the others
    /// and in older cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<AttentionSpread>,
}

/// Where an attention model looks while it writes, over every generated token (`<eos>` included) of
/// a test set. A decoder that ignores the description puts nearly all its weight on the last
/// positions (the final `.` and `<eos>`) whatever it writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionSpread {
    /// Mean entropy of a step's attention row, in nats (0: all weight on one position).
    pub mean_entropy: f64,
    /// The same divided by the entropy of uniform attention over that row (`ln` of its length), so
    /// that descriptions of any length compare: 0 (one position) to 1 (uniform).
    pub normalised_entropy: f64,
    /// Mean share of a row's weight on the description's last two positions, in percent.
    pub last_two_share: f64,
    /// Copy models: the mean probability of generating from the vocabulary rather than copying.
    #[serde(default)]
    pub mean_p_gen: Option<f64>,
    /// Retrieval models: mean share of a row's weight on the neighbours' pieces, in percent (how
    /// much the model reads what it retrieved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbour_share: Option<f64>,
}

/// BLEU of the examples whose docstring length falls in one bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LengthBucket {
    /// The docstring token counts the bucket covers, e.g. `"11-20"` or `"51+"`.
    pub bucket: String,
    /// Number of examples in the bucket.
    pub n: usize,
    /// Corpus BLEU over the bucket; `None` when it is empty.
    pub bleu: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn training(wall_seconds: f64, init_from: Option<InitFrom>) -> Training {
        Training {
            provenance: Vec::new(),
            epochs_planned: 1,
            epochs_trained: 1,
            best_epoch: Some(1),
            best_valid_loss: Some(1.0),
            wall_seconds,
            history: Vec::new(),
            init_from,
        }
    }

    #[test]
    fn a_continued_run_counts_its_starting_checkpoints_time() {
        let start = |wall_seconds| InitFrom {
            checkpoint: "checkpoints/copy".into(),
            epochs_trained: Some(4),
            provenance: Vec::new(),
            wall_seconds,
        };
        assert_eq!(training(100.0, None).total_wall_seconds(), 100.0);
        assert_eq!(
            training(100.0, Some(start(Some(50.0)))).total_wall_seconds(),
            150.0
        );
        // An older card says nothing of the start's time: only this run's is known.
        assert_eq!(
            training(100.0, Some(start(None))).total_wall_seconds(),
            100.0
        );
        // The field round-trips and is optional on reading.
        let json = r#"{"checkpoint": "c", "epochs_trained": 2}"#;
        let old: InitFrom = serde_json::from_str(json).unwrap();
        assert_eq!(old.wall_seconds, None);
    }
}
