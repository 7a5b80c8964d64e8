//! The decoding options `eval` and `generate` share: the search, its length controls and the rules.

use model::checkpoint::Checkpoint;
use model::decode::{DecodeConfig, Search};

/// How to decode (flattened into `trainer eval` and `trainer generate`).
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct SearchArgs {
    /// Beam width (1 = greedy).
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub beam: usize,
    /// With --beam: finished hypotheses are ranked by log-probability / length^A (0 = none).
    #[arg(long, value_name = "A", default_value_t = 1.0)]
    pub length_penalty: f32,
    /// Subtract P from the log-probability of ending at every step: longer outputs for larger P
    /// (0 = none). Choose it on the validation split (`eval --split valid`).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub eos_penalty: f32,
    /// Never generate `<unk>` (the next most probable token instead).
    #[arg(long)]
    pub forbid_unk: bool,
    /// Word-token attention models: replace each `<unk>` by the description word it attends to
    /// most (Luong et al. 2015).
    #[arg(long, conflicts_with = "forbid_unk")]
    pub replace_unk: bool,
    /// Decode without the syntax rules (brackets, strings, indentation), to compare.
    #[arg(long)]
    pub unconstrained: bool,
    /// Maximum generated ids (default: 80 for word tokens, 256 for subword pieces).
    #[arg(long, value_name = "N")]
    pub max_len: Option<usize>,
}

impl Default for SearchArgs {
    /// Greedy with the syntax rules, as the commands default.
    fn default() -> Self {
        Self::beam(1)
    }
}

impl SearchArgs {
    /// The defaults with beam width `width`.
    pub fn beam(width: usize) -> Self {
        Self {
            beam: width,
            length_penalty: 1.0,
            eos_penalty: 0.0,
            forbid_unk: false,
            replace_unk: false,
            unconstrained: false,
            max_len: None,
        }
    }

    /// Refuses options the checkpoint's model cannot honour.
    pub fn check(&self, checkpoint: &Checkpoint) -> anyhow::Result<()> {
        let kind = checkpoint.config.model.kind;
        if self.replace_unk && !kind.info().attends {
            anyhow::bail!(
                "--replace-unk needs a model with attention (this checkpoint is {kind}): the \
                 replacement is the description word the model attends to most"
            );
        }
        Ok(())
    }

    /// The decoding these options ask for.
    pub fn decode_config(&self) -> DecodeConfig {
        let search = match Search::with_beam_width(self.beam) {
            Search::Beam { width, .. } => Search::Beam {
                width,
                length_penalty: self.length_penalty,
            },
            greedy => greedy,
        };
        DecodeConfig::new()
            .with_search(search)
            .with_forbid_unk(self.forbid_unk)
            .with_replace_unk(self.replace_unk)
            .with_syntax(!self.unconstrained)
            .with_eos_penalty(self.eos_penalty)
            .with_max_len_option(self.max_len)
    }

    /// "greedy" or "beam K", with the options that differ from the defaults.
    pub fn describe(&self) -> String {
        let mut text = match self.beam {
            0 | 1 => "greedy".to_string(),
            k => format!("beam {k}, length penalty {}", self.length_penalty),
        };
        if self.eos_penalty != 0.0 {
            text += &format!(", <eos> penalty {}", self.eos_penalty);
        }
        if self.replace_unk {
            text += ", <unk> replaced";
        }
        if self.unconstrained {
            text += ", unconstrained";
        }
        text
    }
}
