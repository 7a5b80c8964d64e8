//! `<unk>` replacement (Luong et al. 2015, "Addressing the rare word problem in neural machine
//! translation"): a word-token model writes `<unk>` where the name it wants is outside its
//! vocabulary, and that name is usually in the description. Each `<unk>` becomes the description
//! word its attention row weighs most, among the words that can be a Python name.
//!
//! With syntax-aware decoding `<unk>` is otherwise never written (it is not Python); with
//! replacement on, the rules read it as a name ([`PLACEHOLDER`]) so the model may write it where
//! a name may stand.

use crate::checkpoint::Checkpoint;
use crate::decode::DecodeConfig;
use crate::syntax::{Piece, is_identifier};
use crate::tokenizer::TokenizerConfig;
use crate::vocab::{SPECIALS, UNK};

/// What the syntax rules read `<unk>` as when it is to be replaced: a name.
pub const PLACEHOLDER: &str = "unknown_name";

/// Whether `config` asks for replacement and the checkpoint can do it: a model with attention (what
/// would replace `<unk>` otherwise?) and word targets (one token per id, read back with
/// [`crate::tokenizer::detokenize`]); subword pieces never need `<unk>`.
pub fn applies(checkpoint: &Checkpoint, config: &DecodeConfig) -> bool {
    config.replace_unk
        && checkpoint.config.model.kind.info().attends
        && matches!(
            checkpoint.config.tokenizers.target,
            TokenizerConfig::LayoutWords { .. }
        )
}

/// The target vocabulary as the syntax rules read it: `<unk>` a name when it is to be replaced.
pub fn syntax_pieces(checkpoint: &Checkpoint, config: &DecodeConfig) -> Vec<Piece> {
    let mut pieces = checkpoint.target.syntax_pieces();
    if applies(checkpoint, config) && UNK < pieces.len() {
        pieces[UNK] = Piece::Start(PLACEHOLDER.to_string());
    }
    pieces
}

/// `tokens` with each `<unk>` read as [`PLACEHOLDER`], as the syntax rules read it.
pub fn as_names(tokens: Vec<String>) -> Vec<String> {
    tokens
        .into_iter()
        .map(|t| match t == SPECIALS[UNK] {
            true => PLACEHOLDER.to_string(),
            false => t,
        })
        .collect()
}

/// Replaces each `"<unk>"` of `tokens` (one token per attention row) by the entry of `src_tokens`
/// (the attention's columns) with the most attention that is a Python name and not a special token.
/// A `<unk>` whose row weighs no such word stays. Returns how many were replaced.
pub fn replace_unknowns(
    tokens: &mut [String],
    attention: &[Vec<f32>],
    src_tokens: &[String],
) -> usize {
    let unk = SPECIALS[UNK];
    let mut replaced = 0;
    for (token, row) in tokens.iter_mut().zip(attention) {
        if token != unk {
            continue;
        }
        let best = row
            .iter()
            .zip(src_tokens)
            .filter(|(_, word)| !SPECIALS.contains(&word.as_str()) && is_identifier(word))
            .max_by(|a, b| a.0.total_cmp(b.0));
        if let Some((_, word)) = best {
            *token = word.clone();
            replaced += 1;
        }
    }
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn each_unk_takes_the_name_it_attends_to_most() {
        let src = strings(&["<sos>", "read", "the", "manifest", "<eos>"]);
        let mut tokens = strings(&["def", "<unk>", "(", "<unk>", ")"]);
        let attention = vec![
            vec![0.2, 0.2, 0.2, 0.2, 0.2],
            vec![0.0, 0.1, 0.0, 0.8, 0.1], // manifest
            vec![0.2, 0.2, 0.2, 0.2, 0.2],
            vec![0.0, 0.6, 0.3, 0.1, 0.0], // read
            vec![0.2, 0.2, 0.2, 0.2, 0.2],
        ];
        assert_eq!(replace_unknowns(&mut tokens, &attention, &src), 2);
        assert_eq!(tokens, strings(&["def", "manifest", "(", "read", ")"]));
    }

    #[test]
    fn specials_and_words_that_are_not_names_are_never_taken() {
        let src = strings(&["<sos>", "(", "x-y", "<unk>", "value", "<eos>"]);
        let mut tokens = strings(&["<unk>"]);
        let attention = vec![vec![0.3, 0.25, 0.2, 0.15, 0.05, 0.05]];
        assert_eq!(replace_unknowns(&mut tokens, &attention, &src), 1);
        assert_eq!(tokens, strings(&["value"]));
    }

    #[test]
    fn an_unk_with_no_name_to_take_stays() {
        let src = strings(&["<sos>", ".", "<eos>"]);
        let mut tokens = strings(&["return", "<unk>"]);
        let attention = vec![vec![0.3, 0.4, 0.3], vec![0.3, 0.4, 0.3]];
        assert_eq!(replace_unknowns(&mut tokens, &attention, &src), 0);
        assert_eq!(tokens, strings(&["return", "<unk>"]));
    }
}
