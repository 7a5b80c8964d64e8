//! The reference design's word tokenizers: one id per docstring word ([`DocstringWords`]) and one id
//! per Python token with layout markers ([`LayoutWords`]), each over a [`Vocab`] built from the training
//! split; everything else is `<unk>`.

use super::seam::{Encoding, TokenizeError, Tokenizer, TokenizerConfig};
use super::{detokenize, docstring_tokens, layout_tokens};
use crate::vocab::{Vocab, VocabError};

/// The default vocabulary file names of the source and target sides.
pub const SRC_VOCAB_FILE: &str = "src_vocab.json";
pub const TGT_VOCAB_FILE: &str = "tgt_vocab.json";

/// Descriptions as CodeSearchNet split them ([`docstring_tokens`]), cut to `max_len` words (the
/// reference design's 50: the models are trained on at most that many).
#[derive(Debug, Clone, PartialEq)]
pub struct DocstringWords {
    pub vocab: Vocab,
    pub max_len: usize,
    /// The vocabulary's file name in the checkpoint.
    file: String,
}

/// The reference design's limit on description tokens.
pub const MAX_SRC_LEN: usize = 50;

impl DocstringWords {
    pub fn new(vocab: Vocab, max_len: usize) -> Self {
        Self {
            vocab,
            max_len,
            file: SRC_VOCAB_FILE.to_string(),
        }
    }

    /// A vocabulary of the words seen at least `min_freq` times in `descriptions` (already split into
    /// words), each cut to `max_len` words first, as [`Tokenizer::encode_words`] will cut them.
    pub fn build<'a>(
        descriptions: impl IntoIterator<Item = &'a [String]>,
        min_freq: usize,
        max_len: usize,
    ) -> Self {
        let kept = descriptions
            .into_iter()
            .map(|words| &words[..words.len().min(max_len)]);
        Self::new(Vocab::build(kept, min_freq, None), max_len)
    }

    /// Reads the vocabulary file `file` (named in errors).
    pub fn from_json(json: &str, file: &str, max_len: usize) -> Result<Self, VocabError> {
        Ok(Self {
            vocab: Vocab::from_json(json, file)?,
            max_len,
            file: file.to_string(),
        })
    }
}

impl Tokenizer for DocstringWords {
    fn config(&self) -> TokenizerConfig {
        TokenizerConfig::DocstringWords {
            vocab: self.file.clone(),
            max_len: self.max_len,
        }
    }

    fn to_files(&self) -> Vec<Vec<u8>> {
        vec![self.vocab.to_json().into_bytes()]
    }

    fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    fn encode(&self, text: &str) -> Result<Encoding, TokenizeError> {
        Ok(self.encode_words(&docstring_tokens(text)))
    }

    fn encode_words(&self, words: &[String]) -> Encoding {
        let kept = &words[..words.len().min(self.max_len)];
        Encoding {
            ids: self.vocab.ids(kept),
            tokens: kept.to_vec(),
            truncated: words.len() > self.max_len,
        }
    }

    fn tokens(&self, ids: &[usize]) -> Vec<String> {
        self.vocab.tokens(ids)
    }

    fn text(&self, ids: &[usize]) -> String {
        self.tokens(ids).join(" ")
    }
}

/// Python source as its lexical tokens plus `<newline>` / `<indent>` / `<dedent>` ([`layout_tokens`]);
/// ids back to text through [`detokenize`].
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutWords {
    pub vocab: Vocab,
    /// The vocabulary's file name in the checkpoint.
    file: String,
}

impl LayoutWords {
    pub fn new(vocab: Vocab) -> Self {
        Self {
            vocab,
            file: TGT_VOCAB_FILE.to_string(),
        }
    }

    /// Reads the vocabulary file `file` (named in errors).
    pub fn from_json(json: &str, file: &str) -> Result<Self, VocabError> {
        Ok(Self {
            vocab: Vocab::from_json(json, file)?,
            file: file.to_string(),
        })
    }
}

impl Tokenizer for LayoutWords {
    fn config(&self) -> TokenizerConfig {
        TokenizerConfig::LayoutWords {
            vocab: self.file.clone(),
        }
    }

    fn to_files(&self) -> Vec<Vec<u8>> {
        vec![self.vocab.to_json().into_bytes()]
    }

    fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    fn encode(&self, text: &str) -> Result<Encoding, TokenizeError> {
        let words = layout_tokens(text).map_err(|e| TokenizeError(e.to_string()))?;
        Ok(self.encode_words(&words))
    }

    fn encode_words(&self, words: &[String]) -> Encoding {
        Encoding {
            ids: self.vocab.ids(words),
            tokens: words.to_vec(),
            truncated: false,
        }
    }

    fn tokens(&self, ids: &[usize]) -> Vec<String> {
        self.vocab.tokens(ids)
    }

    fn text(&self, ids: &[usize]) -> String {
        detokenize(&self.tokens(ids))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::UNK;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn docstring_words_cut_to_max_len_and_keep_unknown_words() {
        let vocab = Vocab::build([words("return the name")], 1, None);
        let tokenizer = DocstringWords::new(vocab, 3);
        let encoding = tokenizer.encode("Return the name of it.").unwrap();
        assert_eq!(encoding.tokens, ["Return", "the", "name"]);
        assert!(encoding.truncated);
        assert_eq!(encoding.ids[0], UNK, "capitalised: not in the vocabulary");
        assert_eq!(tokenizer.text(&encoding.ids[1..]), "the name");
        assert!(!tokenizer.encode("the name").unwrap().truncated);
    }

    #[test]
    fn docstring_words_build_their_vocabulary_from_the_words_they_keep() {
        let descriptions = [words("return the name"), words("set the size")];
        let tokenizer = DocstringWords::build(descriptions.iter().map(Vec::as_slice), 1, 2);
        // "name" and "size" are beyond the 2 kept words: never seen by the model, not in the vocabulary.
        assert_ne!(tokenizer.vocab.id("the"), UNK);
        assert_eq!(tokenizer.vocab.id("name"), UNK);
        assert_eq!(tokenizer.vocab.id("size"), UNK);
        assert_ne!(tokenizer.vocab.id("return"), UNK);
        assert_eq!(tokenizer.max_len, 2);
    }

    #[test]
    fn layout_words_round_trip_code() {
        let code = "def f(x):\n    return x\n";
        let vocab = Vocab::build([layout_tokens(code).unwrap()], 1, None);
        let tokenizer = LayoutWords::new(vocab);
        let encoding = tokenizer.encode(code).unwrap();
        assert!(!encoding.ids.contains(&UNK));
        assert_eq!(tokenizer.text(&encoding.ids), code);
        assert!(tokenizer.encode("x = (1,\n").is_err());
    }

    #[test]
    fn configs_name_their_files_and_load_back() {
        let vocab = Vocab::build([words("a b")], 1, None);
        let tokenizers: [Box<dyn Tokenizer>; 2] = [
            Box::new(DocstringWords::new(vocab.clone(), 7)),
            Box::new(LayoutWords::new(vocab)),
        ];
        for tokenizer in tokenizers {
            let config = tokenizer.config();
            let files = tokenizer.to_files();
            assert_eq!(config.files().len(), files.len());
            let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
            let back = config.load(&refs).unwrap();
            assert_eq!(back.config(), config);
            assert_eq!(back.tokens(&[4, 5]), tokenizer.tokens(&[4, 5]));
        }
    }
}
