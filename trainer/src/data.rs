//! The data an experiment trains and evaluates on: which file, which preset, how many training pairs,
//! and the vocabularies and id sequences built from them.
//!
//! A [`DataSpec`] is saved in every checkpoint's card, so `eval` finds the same test split the model
//! was trained beside without being told again.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use model::batch::Example;
use model::checkpoint::card::DataCard;
use model::retrieval::{Document, RetrievalConfig, RetrievalIndex, retrieve};
use model::tokenizer::{
    DocstringWords, LayoutWords, MAX_SRC_LEN, Subwords, Tokenizer, TokenizerConfig, detokenize,
};
use model::vocab::Vocab;
use serde::{Deserialize, Serialize};

use crate::corpus::preset::{self, Preset, Splits};
use crate::corpus::stats::VOCAB_MIN_FREQ;
use crate::corpus::{Pair, embedded_corpus_path, load_pairs};

/// Where the pairs come from and how many of each split are used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSpec {
    /// A CodeSearchNet-format file with `partition` fields; `None` = the embedded corpus.
    pub file: Option<PathBuf>,
    pub preset: Preset,
    /// Overrides the preset's number of training pairs.
    pub train_size: Option<usize>,
}

/// The data options shared by `train` and `compare`.
#[derive(clap::Args, Debug, Clone)]
pub struct DataArgs {
    /// quick (2,000 / 200 / 200 pairs), reference (10,000 / 1,000 / 1,000) or full (every pair within
    /// the limits).
    #[arg(long, default_value = "quick")]
    pub preset: Preset,
    /// Training pairs to use instead of the preset's number.
    #[arg(long, value_name = "N")]
    pub train_size: Option<usize>,
    /// A CodeSearchNet-format .jsonl(.gz) file with `partition` fields (train/valid/test) instead of the
    /// embedded corpus.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
}

impl DataArgs {
    pub fn spec(&self) -> DataSpec {
        DataSpec {
            file: self.data.clone(),
            preset: self.preset,
            train_size: self.train_size,
        }
    }
}

impl DataSpec {
    pub fn path(&self) -> &Path {
        self.file
            .as_deref()
            .unwrap_or_else(|| embedded_corpus_path())
    }

    /// One line for logs and reports, e.g. `embedded corpus, quick preset (2,000 / 200 / 200 pairs)`.
    pub fn describe(&self, splits: &Splits) -> String {
        format!(
            "{} ({} / {} / {} train / valid / test pairs)",
            self.describe_short(),
            splits.train.len(),
            splits.valid.len(),
            splits.test.len()
        )
    }

    /// The file and preset, e.g. `embedded corpus, quick preset`.
    pub fn describe_short(&self) -> String {
        match &self.file {
            None => format!("embedded corpus, {} preset", self.preset),
            Some(path) => format!("{}, {} preset", path.display(), self.preset),
        }
    }

    /// The same file with another preset's sizes (and no training-size override).
    pub fn with_preset(self, preset: Preset) -> Self {
        Self {
            preset,
            train_size: None,
            ..self
        }
    }

    /// Reads the file and draws the splits.
    pub fn load(&self) -> Result<Splits> {
        let path = self.path();
        let pairs = load_pairs(path).with_context(|| format!("reading {}", path.display()))?;
        let mut sizes = self.preset.sizes();
        if let Some(n) = self.train_size {
            if n == 0 {
                bail!("--train-size must be at least 1");
            }
            sizes[0] = Some(n);
        }
        preset::select_sized(&pairs, sizes).map_err(|message| {
            anyhow::anyhow!(
                "{}: {message} (choose a smaller --train-size or --preset full)",
                path.display()
            )
        })
    }
}

/// Which tokens a new run learns its vocabulary of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Tokens {
    /// The reference design's: one id per docstring word and per Python token, `<unk>` for the rare.
    #[default]
    Words,
    /// Learned subword pieces (BPE) shared by both sides: no `<unk>`, names can be copied.
    Subwords,
}

/// The tokenizer options of `train` and `compare`.
#[derive(clap::Args, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenArgs {
    /// words (the reference's vocabularies) or subwords (a shared BPE of --vocab-size pieces).
    #[arg(long, default_value = "words")]
    #[serde(default)]
    pub tokens: Tokens,
    /// Pieces in the subword vocabulary, specials and byte tokens included.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SUBWORDS)]
    #[serde(default = "default_subwords")]
    pub vocab_size: usize,
}

impl TokenArgs {
    /// The options a checkpoint's target tokenizer was learned with.
    pub fn of(target: &TokenizerConfig, vocab_size: usize) -> Self {
        match target {
            TokenizerConfig::Subwords { .. } => Self {
                tokens: Tokens::Subwords,
                vocab_size,
            },
            _ => Self::default(),
        }
    }
}

impl Default for TokenArgs {
    fn default() -> Self {
        Self {
            tokens: Tokens::Words,
            vocab_size: DEFAULT_SUBWORDS,
        }
    }
}

/// Longer targets are left out of training and validation: within the reference's limits a function
/// has at most 108 layout tokens, but one with a long string literal (a blob of data) can take
/// thousands of subword pieces, and its batch would cost as much as hundreds of ordinary ones.
/// Evaluation still scores every test pair.
pub const MAX_TRAIN_TGT_LEN: usize = 256;

/// The subword vocabulary size chosen by measurement (see docs/measurements.md).
pub const DEFAULT_SUBWORDS: usize = 4000;

fn default_subwords() -> usize {
    DEFAULT_SUBWORDS
}

/// The source and target tokenizers of an experiment, their vocabularies built from its training pairs
/// only.
#[derive(Debug)]
pub struct Tokenizers {
    pub source: Box<dyn Tokenizer>,
    pub target: Box<dyn Tokenizer>,
}

impl Tokenizers {
    /// The tokenizers `args` choose, learned from `train`.
    pub fn build_with(train: &[Pair], args: &TokenArgs) -> Result<Self> {
        match args.tokens {
            Tokens::Words => Ok(Self::build(train)),
            Tokens::Subwords => {
                if args.vocab_size < 512 {
                    bail!(
                        "--vocab-size {} is too small: the specials, markers and 256 byte tokens take 263",
                        args.vocab_size
                    );
                }
                let descriptions = train.iter().map(|p| p.docstring_tokens.as_slice());
                let code = train.iter().filter_map(|p| p.layout_tokens.as_deref());
                let (source, target) = Subwords::train(descriptions, code, args.vocab_size);
                Ok(Self {
                    source: Box::new(source),
                    target: Box::new(target),
                })
            }
        }
    }

    /// The reference design's word tokenizers: tokens seen at least [`VOCAB_MIN_FREQ`] times in
    /// `train`, descriptions cut to [`MAX_SRC_LEN`] words.
    pub fn build(train: &[Pair]) -> Self {
        let descriptions = train.iter().map(|p| p.docstring_tokens.as_slice());
        Self {
            source: Box::new(DocstringWords::build(
                descriptions,
                VOCAB_MIN_FREQ,
                MAX_SRC_LEN,
            )),
            target: Box::new(LayoutWords::new(Vocab::build(
                train.iter().filter_map(|p| p.layout_tokens.as_deref()),
                VOCAB_MIN_FREQ,
                None,
            ))),
        }
    }

    /// The id sequences of the pairs that have a target (layout tokens) of at most
    /// [`MAX_TRAIN_TGT_LEN`] ids.
    pub fn examples(&self, pairs: &[Pair]) -> Vec<Example> {
        pairs
            .iter()
            .filter_map(|p| {
                Some(Example {
                    src: self.source.encode_words(&p.docstring_tokens).ids,
                    tgt: self.target.encode_words(p.layout_tokens.as_deref()?).ids,
                })
            })
            .filter(|e| e.tgt.len() <= MAX_TRAIN_TGT_LEN)
            .collect()
    }
}

/// The pool a retrieval model learns with and reads at test time: the training pairs with code
/// (those whose code does not lex back exactly are left out, see [`Document::new`]).
pub fn retrieval_index(train: &[Pair]) -> RetrievalIndex {
    let documents = train.iter().filter_map(|p| {
        Document::new(
            &p.func_name,
            &p.repo,
            &p.docstring_tokens,
            p.layout_tokens.as_deref()?,
        )
    });
    RetrievalIndex::new(documents.collect())
}

/// Which neighbours a pair may be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Neighbours {
    /// Validation and test pairs: any function of the pool.
    Any,
    /// Training pairs: not the pair itself nor a duplicate of its code (and, if the model's config
    /// says so, nothing from its own package).
    OthersThan,
}

impl Tokenizers {
    /// [`Tokenizers::examples`] for a retrieval model: each source carries the pair's neighbours from
    /// `index`.
    pub fn retrieval_examples(
        &self,
        pairs: &[Pair],
        index: &RetrievalIndex,
        config: &RetrievalConfig,
        neighbours: Neighbours,
    ) -> Vec<Example> {
        let sides = (self.source.as_ref(), self.target.as_ref());
        pairs
            .iter()
            .filter_map(|p| {
                let layout = p.layout_tokens.as_deref()?;
                let own_code = detokenize(layout);
                let excluded = |d: &Document| {
                    neighbours == Neighbours::OthersThan
                        && (d.code == own_code
                            || (config.exclude_own_package && d.package == p.repo))
                };
                Some(Example {
                    src: retrieve(index, config, sides, &p.docstring_tokens, excluded)
                        .source
                        .ids,
                    tgt: self.target.encode_words(layout).ids,
                })
            })
            .filter(|e| e.tgt.len() <= MAX_TRAIN_TGT_LEN)
            .collect()
    }
}

impl DataSpec {
    /// The spec as a checkpoint card records it, with its one-line description when known.
    pub fn card(&self, splits: Option<&Splits>) -> DataCard {
        DataCard {
            file: self.file.clone(),
            preset: self.preset.to_string(),
            train_size: self.train_size,
            description: splits.map(|s| self.describe(s)),
        }
    }

    /// The spec a checkpoint card records.
    pub fn from_card(card: &DataCard) -> Result<Self> {
        Ok(Self {
            file: card.file.clone(),
            preset: card.preset.parse().map_err(|e| {
                anyhow::anyhow!(
                    "the checkpoint's card names the preset {:?}: {e}",
                    card.preset
                )
            })?,
            train_size: card.train_size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::tokenizer::layout_tokens;
    use model::vocab::SOS;

    fn pair(package: &str, docstring: &str, code: &str) -> Pair {
        Pair {
            docstring: docstring.to_string(),
            docstring_tokens: docstring.split(' ').map(str::to_string).collect(),
            code: Some(code.to_string()),
            code_tokens: Vec::new(),
            layout_tokens: Some(layout_tokens(code).unwrap()),
            stripped: true,
            repo: package.to_string(),
            func_name: "f".to_string(),
            partition: None,
            url: None,
        }
    }

    /// The neighbour's code in a retrieval source (everything after the first `<sos>`).
    fn neighbour(src: &[usize]) -> &[usize] {
        let sep = src.iter().position(|&id| id == SOS).expect("a neighbour");
        &src[sep + 1..]
    }

    #[test]
    fn training_neighbours_are_never_the_pair_itself_or_a_duplicate() {
        let read = "def read(path):\n    return open(path).read()\n";
        let pairs = [
            pair("a", "read the config file", read),
            pair("a", "read the config file", read), // a duplicate
            pair(
                "b",
                "read a file",
                "def load(p):\n    return p.read_text()\n",
            ),
            pair(
                "a",
                "read the config",
                "def config():\n    return read(CONFIG)\n",
            ),
        ];
        let tokens = TokenArgs {
            tokens: Tokens::Subwords,
            vocab_size: 600,
        };
        let tokenizers = Tokenizers::build_with(&pairs, &tokens).unwrap();
        let index = retrieval_index(&pairs);
        assert_eq!(index.documents().len(), 4);
        let code = |i: usize| {
            tokenizers
                .target
                .encode_words(pairs[i].layout_tokens.as_ref().unwrap())
                .ids
        };
        let first = |config: &RetrievalConfig, neighbours| {
            let examples = tokenizers.retrieval_examples(&pairs[..1], &index, config, neighbours);
            neighbour(&examples[0].src).to_vec()
        };
        let config = RetrievalConfig::default();
        assert_eq!(first(&config, Neighbours::Any), code(0));
        assert_eq!(first(&config, Neighbours::OthersThan), code(3));
        let other_packages = RetrievalConfig {
            exclude_own_package: true,
            ..config
        };
        assert_eq!(first(&other_packages, Neighbours::OthersThan), code(2));
    }
}
