//! Byte-pair encoding (Sennrich et al. 2016) over words, stored as the `tokenizer.json` of Hugging
//! Face's `tokenizers` library, so that Python's `tokenizers` package loads a checkpoint's file and
//! encodes the same ids (see `tests/hf_tokenizers.rs`).
//!
//! The input is a list of words, each already starting with [`WORD_START`] (`▁`): merges never cross a
//! word, and the `▁` says where a word begins when pieces are joined back. The library reads that input
//! with `encode(words, is_pretokenized=True)`; its JSON has no normaliser and no pre-tokenizer.
//!
//! Ids: the four specials of [`crate::vocab`] first (plain vocabulary entries, never matched inside
//! a text), then the *atomic* words ([`Bpe::atomic`], e.g. `▁<newline>`: added tokens, always one id),
//! then the 256 byte tokens `<0x00>`..`<0xFF>` (byte fallback: a character that the training words did
//! not have becomes its UTF-8 bytes, so no text ever needs `<unk>`), the training words' characters,
//! and one piece per merge. Encoding a word applies the merges by rank, lowest first (leftmost among
//! equals), exactly as the library's BPE model does.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use serde_json::{Value, json};

use crate::vocab::{SPECIALS, UNK};

/// Starts every word (SentencePiece's metasymbol).
pub const WORD_START: char = '▁';

/// A trained byte-pair encoding.
#[derive(Debug, Clone, PartialEq)]
pub struct Bpe {
    /// Id -> piece.
    pieces: Vec<String>,
    index: HashMap<String, usize>,
    /// Words that are always one id (added tokens), in id order after the specials.
    atomic: Vec<String>,
    /// `(left, right)` ids -> (rank, merged id).
    merges: HashMap<(usize, usize), (usize, usize)>,
    /// `(left, right)` ids in rank order (what the JSON stores).
    merge_list: Vec<(usize, usize)>,
}

/// Why a `tokenizer.json` could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {field}: {message}")]
pub struct BpeError {
    pub file: String,
    /// Where in the JSON, e.g. `model.merges[12]`.
    pub field: String,
    pub message: String,
}

/// The byte token of `byte` (the library's byte-fallback spelling).
pub fn byte_piece(byte: u8) -> String {
    format!("<0x{byte:02X}>")
}

/// The byte a byte token stands for.
pub fn piece_byte(piece: &str) -> Option<u8> {
    let hex = piece.strip_prefix("<0x")?.strip_suffix('>')?;
    (hex.len() == 2).then(|| u8::from_str_radix(hex, 16).ok())?
}

impl Bpe {
    /// Learns merges from `words` (each with its count, starting with `▁`) until the vocabulary has
    /// `vocab_size` pieces or no pair occurs twice. The most frequent pair is merged first; ties go to
    /// the pair of lower ids, so the result is the same on every run.
    pub fn train(words: &HashMap<String, usize>, atomic: &[&str], vocab_size: usize) -> Self {
        let mut bpe = Self::base(atomic, alphabet(words));
        let mut words: Vec<(Vec<usize>, usize)> = sorted(words)
            .into_iter()
            .map(|(w, n)| (w.chars().map(|c| bpe.index[&c.to_string()]).collect(), n))
            .collect();
        let mut pairs = PairCounts::new(&words);
        while bpe.pieces.len() < vocab_size {
            let Some(pair) = pairs.most_frequent() else {
                break;
            };
            let merged = format!("{}{}", bpe.pieces[pair.0], bpe.pieces[pair.1]);
            // A piece spelled like a special or a byte token would be two ids for one string.
            if bpe.index.contains_key(&merged) {
                pairs.forget(pair);
                continue;
            }
            let id = bpe.push_piece(merged);
            bpe.push_merge(pair, id);
            pairs.merge(&mut words, pair, id);
        }
        bpe
    }

    /// The vocabulary before any merge: specials, atomic words, byte tokens, `chars`.
    fn base(atomic: &[&str], chars: Vec<char>) -> Self {
        let mut bpe = Self {
            pieces: Vec::new(),
            index: HashMap::new(),
            atomic: atomic.iter().map(|s| s.to_string()).collect(),
            merges: HashMap::new(),
            merge_list: Vec::new(),
        };
        for piece in SPECIALS.iter().copied().chain(atomic.iter().copied()) {
            bpe.push_piece(piece.to_string());
        }
        for byte in 0..=255u8 {
            bpe.push_piece(byte_piece(byte));
        }
        for c in chars {
            if !bpe.index.contains_key(&c.to_string()) {
                bpe.push_piece(c.to_string());
            }
        }
        bpe
    }

    fn push_piece(&mut self, piece: String) -> usize {
        let id = self.pieces.len();
        self.index.insert(piece.clone(), id);
        self.pieces.push(piece);
        id
    }

    fn push_merge(&mut self, pair: (usize, usize), merged: usize) {
        self.merges.insert(pair, (self.merge_list.len(), merged));
        self.merge_list.push(pair);
    }

    pub fn vocab_size(&self) -> usize {
        self.pieces.len()
    }

    /// The atomic words (added tokens), e.g. `▁<newline>`.
    pub fn atomic(&self) -> &[String] {
        &self.atomic
    }

    pub fn piece(&self, id: usize) -> &str {
        self.pieces.get(id).map_or(SPECIALS[UNK], String::as_str)
    }

    pub fn id(&self, piece: &str) -> Option<usize> {
        self.index.get(piece).copied()
    }

    /// The ids of one word (which should start with `▁`): atomic words found in it are one id each,
    /// the rest is split into characters (or bytes) and merged.
    pub fn encode_word(&self, word: &str, ids: &mut Vec<usize>) {
        let mut rest = word;
        while !rest.is_empty() {
            match self.first_atomic(rest) {
                Some((start, atomic)) => {
                    self.encode_plain(&rest[..start], ids);
                    ids.push(self.index[atomic]);
                    rest = &rest[start + atomic.len()..];
                }
                None => {
                    self.encode_plain(rest, ids);
                    break;
                }
            }
        }
    }

    /// The leftmost atomic word in `text` (the longest of those starting there).
    fn first_atomic(&self, text: &str) -> Option<(usize, &str)> {
        self.atomic
            .iter()
            .filter_map(|a| text.find(a.as_str()).map(|at| (at, a.as_str())))
            .min_by_key(|&(at, a)| (at, Reverse(a.len())))
    }

    fn encode_plain(&self, text: &str, ids: &mut Vec<usize>) {
        let mut symbols: Vec<usize> = Vec::with_capacity(text.len());
        let mut utf8 = [0u8; 4];
        for c in text.chars() {
            match self.index.get(c.encode_utf8(&mut utf8) as &str) {
                Some(&id) => symbols.push(id),
                None => symbols.extend(
                    c.encode_utf8(&mut utf8)
                        .bytes()
                        .map(|b| self.index[&byte_piece(b)]),
                ),
            }
        }
        loop {
            let best = symbols
                .windows(2)
                .enumerate()
                .filter_map(|(at, w)| self.merges.get(&(w[0], w[1])).map(|&(r, m)| (r, at, m)))
                .min();
            let Some((_, at, merged)) = best else { break };
            symbols[at] = merged;
            symbols.remove(at + 1);
        }
        ids.extend(symbols);
    }
}

/// Every character of `words`, most frequent first (ties by the character).
fn alphabet(words: &HashMap<String, usize>) -> Vec<char> {
    let mut counts: HashMap<char, usize> = HashMap::new();
    for (word, n) in words {
        for c in word.chars() {
            *counts.entry(c).or_default() += n;
        }
    }
    let mut chars: Vec<(char, usize)> = counts.into_iter().collect();
    chars.sort_by_key(|&(c, n)| (Reverse(n), c));
    chars.into_iter().map(|(c, _)| c).collect()
}

/// `words` in a fixed order (by text), so training does not depend on hash order.
fn sorted(words: &HashMap<String, usize>) -> Vec<(&str, usize)> {
    let mut list: Vec<(&str, usize)> = words.iter().map(|(w, &n)| (w.as_str(), n)).collect();
    list.sort_unstable();
    list
}

/// How often each adjacent pair occurs over all words, with a max-heap whose stale entries are
/// skipped when popped.
struct PairCounts {
    counts: HashMap<(usize, usize), usize>,
    /// Pair -> indices of the words it occurs in.
    words_with: HashMap<(usize, usize), HashSet<usize>>,
    heap: BinaryHeap<(usize, Reverse<(usize, usize)>)>,
}

impl PairCounts {
    fn new(words: &[(Vec<usize>, usize)]) -> Self {
        let mut pairs = Self {
            counts: HashMap::new(),
            words_with: HashMap::new(),
            heap: BinaryHeap::new(),
        };
        for (i, (symbols, n)) in words.iter().enumerate() {
            pairs.add(i, symbols, *n as isize);
        }
        let entries: Vec<_> = pairs
            .counts
            .iter()
            .map(|(&p, &n)| (n, Reverse(p)))
            .collect();
        pairs.heap.extend(entries);
        pairs
    }

    /// Adds (or with a negative `n`, removes) the pairs of word `i`.
    fn add(&mut self, i: usize, symbols: &[usize], n: isize) {
        for w in symbols.windows(2) {
            let pair = (w[0], w[1]);
            let count = self.counts.entry(pair).or_default();
            *count = count
                .checked_add_signed(n)
                .expect("pair counts stay positive");
            if n > 0 {
                self.words_with.entry(pair).or_default().insert(i);
            }
        }
    }

    /// The pair occurring most often, if any occurs at least twice.
    fn most_frequent(&mut self) -> Option<(usize, usize)> {
        while let Some((n, Reverse(pair))) = self.heap.pop() {
            if self.counts.get(&pair) == Some(&n) && n >= 2 {
                return Some(pair);
            }
        }
        None
    }

    fn forget(&mut self, pair: (usize, usize)) {
        self.counts.remove(&pair);
    }

    /// Replaces `pair` by `merged` in every word holding it, updating the counts.
    fn merge(&mut self, words: &mut [(Vec<usize>, usize)], pair: (usize, usize), merged: usize) {
        let holders = self.words_with.remove(&pair).unwrap_or_default();
        let mut touched = HashSet::new();
        for i in holders {
            let (symbols, n) = &mut words[i];
            let n = *n as isize;
            let old = std::mem::take(symbols);
            self.add(i, &old, -n);
            let mut new = Vec::with_capacity(old.len());
            let mut at = 0;
            while at < old.len() {
                if at + 1 < old.len() && (old[at], old[at + 1]) == pair {
                    new.push(merged);
                    at += 2;
                } else {
                    new.push(old[at]);
                    at += 1;
                }
            }
            self.add(i, &new, n);
            touched.extend(new.windows(2).map(|w| (w[0], w[1])));
            *symbols = new;
        }
        self.counts.remove(&pair);
        for p in touched {
            if let Some(&n) = self.counts.get(&p) {
                self.heap.push((n, Reverse(p)));
            }
        }
    }
}

impl Bpe {
    /// The library's `tokenizer.json`; its decoder turns ids back into the words joined by spaces.
    pub fn to_json(&self) -> String {
        let added: Vec<Value> = self
            .atomic
            .iter()
            .map(|a| {
                json!({"id": self.index[a], "content": a, "single_word": false, "lstrip": false,
                    "rstrip": false, "normalized": false, "special": false})
            })
            .collect();
        let vocab: serde_json::Map<String, Value> = self
            .pieces
            .iter()
            .enumerate()
            .map(|(id, p)| (p.clone(), json!(id)))
            .collect();
        let merges: Vec<Value> = self
            .merge_list
            .iter()
            .map(|&(a, b)| json!([self.pieces[a], self.pieces[b]]))
            .collect();
        let replace = json!({"type": "Replace", "pattern": {"String": WORD_START.to_string()}, "content": " "});
        let strip = json!({"type": "Strip", "content": " ", "start": 1, "stop": 0});
        let decoders = json!([replace, {"type": "ByteFallback"}, {"type": "Fuse"}, strip]);
        let file = json!({
            "version": "1.0",
            "truncation": null,
            "padding": null,
            "added_tokens": added,
            "normalizer": null,
            "pre_tokenizer": null,
            "post_processor": null,
            "decoder": {"type": "Sequence", "decoders": decoders},
            "model": {
                "type": "BPE", "dropout": null, "unk_token": SPECIALS[UNK],
                "continuing_subword_prefix": null, "end_of_word_suffix": null, "fuse_unk": false,
                "byte_fallback": true, "ignore_merges": false,
                "vocab": vocab, "merges": merges,
            },
        });
        serde_json::to_string(&file).expect("JSON values serialise")
    }

    /// Reads a `tokenizer.json` written by [`Bpe::to_json`] (or by the library, if it has the same
    /// layout: a BPE model with byte fallback and the four specials first). `file` names it in errors.
    pub fn from_json(text: &str, file: &str) -> Result<Self, BpeError> {
        let err = |field: &str, message: String| BpeError {
            file: file.to_string(),
            field: field.to_string(),
            message,
        };
        let root: Value =
            serde_json::from_str(text).map_err(|e| err("(file)", format!("invalid JSON: {e}")))?;
        let model = &root["model"];
        if model["type"] != "BPE" {
            return Err(err("model.type", "must be \"BPE\"".into()));
        }
        if model["byte_fallback"] != true {
            return Err(err("model.byte_fallback", "must be true".into()));
        }
        let pieces = read_vocab(&model["vocab"]).map_err(|m| err("model.vocab", m))?;
        let atomic =
            read_added(&root["added_tokens"], &pieces).map_err(|m| err("added_tokens", m))?;
        let mut bpe = Self {
            index: pieces
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, p)| (p, i))
                .collect(),
            pieces,
            atomic,
            merges: HashMap::new(),
            merge_list: Vec::new(),
        };
        let merges = model["merges"]
            .as_array()
            .ok_or_else(|| err("model.merges", "must be a list".into()))?;
        for (rank, merge) in merges.iter().enumerate() {
            let field = format!("model.merges[{rank}]");
            let pair = bpe.read_merge(merge).map_err(|m| err(&field, m))?;
            bpe.push_merge((pair.0, pair.1), pair.2);
        }
        Ok(bpe)
    }

    /// `["a", "b"]` or the older `"a b"` -> (left, right, merged) ids.
    fn read_merge(&self, merge: &Value) -> Result<(usize, usize, usize), String> {
        let (a, b) = match merge {
            Value::Array(parts) if parts.len() == 2 => (
                parts[0].as_str().unwrap_or_default().to_string(),
                parts[1].as_str().unwrap_or_default().to_string(),
            ),
            Value::String(s) => match s.split_once(' ') {
                Some((a, b)) => (a.to_string(), b.to_string()),
                None => return Err(format!("{s:?} is not two pieces")),
            },
            other => return Err(format!("{other} is not a pair of pieces")),
        };
        let id = |p: &str| {
            self.id(p)
                .ok_or_else(|| format!("{p:?} is not in the vocabulary"))
        };
        Ok((id(&a)?, id(&b)?, id(&format!("{a}{b}"))?))
    }
}

/// `{"piece": id, ...}` -> pieces by id; ids must be 0..n, the specials first.
fn read_vocab(vocab: &Value) -> Result<Vec<String>, String> {
    let map = vocab.as_object().ok_or("must be an object of piece: id")?;
    let mut pieces = vec![None; map.len()];
    for (piece, id) in map {
        let id = id
            .as_u64()
            .map(|i| i as usize)
            .filter(|&i| i < map.len())
            .ok_or_else(|| format!("{piece:?} has id {id}, not one of 0..{}", map.len()))?;
        if pieces[id].replace(piece.clone()).is_some() {
            return Err(format!("id {id} is given twice"));
        }
    }
    let pieces: Vec<String> = pieces.into_iter().map(Option::unwrap_or_default).collect();
    for (id, special) in SPECIALS.iter().enumerate() {
        if pieces.get(id).map(String::as_str) != Some(special) {
            return Err(format!("id {id} must be {special}"));
        }
    }
    for byte in 0..=255u8 {
        if !pieces.contains(&byte_piece(byte)) {
            return Err(format!("the byte token {} is missing", byte_piece(byte)));
        }
    }
    Ok(pieces)
}

/// The added tokens' contents (the atomic words), checked against the vocabulary.
fn read_added(added: &Value, pieces: &[String]) -> Result<Vec<String>, String> {
    let Some(list) = added.as_array() else {
        return Ok(Vec::new());
    };
    list.iter()
        .map(|token| {
            let content = token["content"].as_str().ok_or("an entry has no content")?;
            let id = token["id"].as_u64().map(|i| i as usize);
            if id.and_then(|i| pieces.get(i)).map(String::as_str) != Some(content) {
                return Err(format!("{content:?} does not have its vocabulary id"));
            }
            Ok(content.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(words: &[(&str, usize)]) -> HashMap<String, usize> {
        words.iter().map(|&(w, n)| (w.to_string(), n)).collect()
    }

    fn pieces(bpe: &Bpe, word: &str) -> Vec<String> {
        let mut ids = Vec::new();
        bpe.encode_word(word, &mut ids);
        ids.iter().map(|&i| bpe.piece(i).to_string()).collect()
    }

    #[test]
    fn merges_the_most_frequent_pairs_first() {
        let words = counts(&[("▁low", 5), ("▁lower", 2), ("▁newest", 6), ("▁widest", 3)]);
        let bpe = Bpe::train(&words, &["▁<newline>"], 4 + 1 + 256 + 11 + 3);
        // 11 characters; then "es" (9), "est" (9), "▁l"/"lo" (7).
        assert_eq!(pieces(&bpe, "▁newest"), ["▁", "n", "e", "w", "est"]);
        assert_eq!(bpe.vocab_size(), 4 + 1 + 256 + 11 + 3);
    }

    #[test]
    fn unseen_characters_fall_back_to_bytes_and_atomic_words_stay_whole() {
        let bpe = Bpe::train(&counts(&[("▁ab", 3)]), &["▁<newline>"], 1000);
        assert_eq!(pieces(&bpe, "▁ab"), ["▁ab"]);
        assert_eq!(pieces(&bpe, "▁é"), ["▁", "<0xC3>", "<0xA9>"]);
        assert_eq!(pieces(&bpe, "▁<newline>"), ["▁<newline>"]);
        assert_eq!(piece_byte("<0xA9>"), Some(0xA9));
        assert_eq!(piece_byte("<0xA>"), None);
    }

    #[test]
    fn json_round_trip_and_errors_name_the_field() {
        let bpe = Bpe::train(&counts(&[("▁a b", 3), ("▁ab", 2)]), &["▁<indent>"], 1000);
        let json = bpe.to_json();
        assert_eq!(Bpe::from_json(&json, "tokenizer.json").unwrap(), bpe);
        let broken = json.replace("\"BPE\"", "\"WordPiece\"");
        let message = Bpe::from_json(&broken, "tokenizer.json")
            .unwrap_err()
            .to_string();
        assert_eq!(message, "tokenizer.json: model.type: must be \"BPE\"");
        let message = Bpe::from_json("{", "t.json").unwrap_err().to_string();
        assert!(
            message.starts_with("t.json: (file): invalid JSON"),
            "{message}"
        );
    }
}
