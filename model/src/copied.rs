//! What a copy model took from its source: for each generated piece, the source position it was
//! copied from, if it was copied; and a retrieval model's neighbour as code with the copied tokens
//! marked, which the web page shows beside the output.
//!
//! The attribution reads the model's own mixture. A piece's probability is
//! `p_gen × P_vocab(piece) + (1 − p_gen) × Σ attention` over the source positions holding that piece.
//! The first term is at most `p_gen`, so when the copy term is larger than `p_gen` copying gave the
//! piece most of its probability: it counts as copied, from the position with the most attention.
//! This is a lower bound (a piece copied with a weaker margin is not marked), never a guess.

use std::ops::Range;

use crate::generate::Generation;
use crate::tokenizer::{Tokenizer, detokenize_spans};
use crate::vocab::{SOS, SPECIALS};

/// Per generated piece (the rows of [`Generation::attention`] without `<eos>`): the column of
/// [`Generation::src_tokens`] it was copied from, or `None` when the vocabulary produced it (or the
/// model has no copy attention).
pub fn copied_columns(generation: &Generation) -> Vec<Option<usize>> {
    let (Some(attention), Some(p_gen)) = (&generation.attention, &generation.p_gen) else {
        return vec![None; generation.pieces.len()];
    };
    let src = &generation.src_tokens;
    generation
        .pieces
        .iter()
        .zip(attention.iter().zip(p_gen))
        .map(|(piece, (row, &p_gen))| {
            let holding = || (0..src.len()).filter(|&c| src[c] == *piece);
            let copy: f32 = holding().map(|c| row[c]).sum::<f32>() * (1.0 - p_gen);
            (copy > p_gen)
                .then(|| holding().max_by(|&a, &b| row[a].total_cmp(&row[b])))
                .flatten()
        })
        .collect()
}

/// The columns of [`Generation::src_tokens`] that hold neighbour `n`'s pieces (after the `<sos>`
/// that starts it); empty when there is no such neighbour.
pub fn neighbour_columns(generation: &Generation, n: usize) -> Range<usize> {
    let src = &generation.src_tokens;
    let end_of_inner = src.len().saturating_sub(1);
    let mut starts = (1..end_of_inner).filter(|&c| src[c] == SPECIALS[SOS]);
    let Some(start) = starts.nth(n).map(|c| c + 1) else {
        return 0..0;
    };
    let end = starts.next().unwrap_or(end_of_inner);
    start..end
}

/// A neighbour's code with each of its tokens located and marked.
#[derive(Debug, Clone, PartialEq)]
pub struct NeighbourView {
    /// The function as the pool holds it.
    pub code: String,
    /// Its tokens in order (layout markers left out).
    pub tokens: Vec<ViewToken>,
}

/// One token of a [`NeighbourView`].
#[derive(Debug, Clone, PartialEq)]
pub struct ViewToken {
    /// Its bytes in [`NeighbourView::code`].
    pub range: Range<usize>,
    /// A piece of it was copied into the output.
    pub copied: bool,
    /// The model read all of it (a neighbour is cut to the config's `max_neighbour_pieces`).
    pub read: bool,
}

impl NeighbourView {
    /// The code in runs of equal marking: `(text, copied, read)`, for a view to render as spans.
    pub fn runs(&self) -> Vec<(&str, bool, bool)> {
        let mut runs: Vec<(Range<usize>, bool, bool)> = Vec::new();
        let mut at = 0;
        for token in &self.tokens {
            let read = token.read;
            push_run(&mut runs, at..token.range.start, false, read);
            push_run(&mut runs, token.range.clone(), token.copied, read);
            at = token.range.end;
        }
        let read = self.tokens.last().is_none_or(|t| t.read);
        push_run(&mut runs, at..self.code.len(), false, read);
        runs.into_iter()
            .map(|(range, copied, read)| (&self.code[range], copied, read))
            .collect()
    }
}

/// Appends `range` to the last run when the marking is the same, as a new run otherwise.
fn push_run(
    runs: &mut Vec<(Range<usize>, bool, bool)>,
    range: Range<usize>,
    copied: bool,
    read: bool,
) {
    if range.is_empty() {
        return;
    }
    match runs.last_mut() {
        Some(last) if last.1 == copied && last.2 == read && last.0.end == range.start => {
            last.0.end = range.end;
        }
        _ => runs.push((range, copied, read)),
    }
}

/// Neighbour `n` of a retrieval model's generation as code, its tokens marked where the output
/// copied a piece of them; `target` is the checkpoint's target tokenizer (which encoded the
/// neighbour). `None` when the generation has no neighbour `n`.
pub fn neighbour_view(
    generation: &Generation,
    target: &dyn Tokenizer,
    n: usize,
) -> Option<NeighbourView> {
    let document = &generation.neighbours.get(n)?.document;
    let columns = neighbour_columns(generation, n);
    let mut copied_pieces = vec![false; columns.len()];
    for column in copied_columns(generation).into_iter().flatten() {
        if columns.contains(&column) {
            copied_pieces[column - columns.start] = true;
        }
    }
    let words = document.layout_tokens();
    let (code, spans) = detokenize_spans(&words);
    let mut tokens = Vec::new();
    let mut piece = 0;
    for (word, range) in words.iter().zip(spans) {
        let pieces = piece..piece + target.encode_words(std::slice::from_ref(word)).ids.len();
        piece = pieces.end;
        if !range.is_empty() {
            tokens.push(ViewToken {
                range,
                copied: pieces.clone().any(|p| copied_pieces.get(p) == Some(&true)),
                read: pieces.end <= columns.len(),
            });
        }
    }
    Some(NeighbourView { code, tokens })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::Neighbour;
    use crate::retrieval::{Document, RetrievalConfig, RetrievalIndex, retrieve};
    use crate::tokenizer::{Subwords, layout_tokens};

    fn strings(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_string).collect()
    }

    /// A generation of `pieces` over `src_tokens` with the given attention rows and p_gen.
    fn generation(
        src: &str,
        pieces: &str,
        attention: Vec<Vec<f32>>,
        p_gen: Vec<f32>,
    ) -> Generation {
        Generation {
            src_tokens: strings(src),
            truncated: false,
            tokens: strings(pieces),
            pieces: strings(pieces),
            code: String::new(),
            finished: false,
            cut: false,
            log_prob: 0.0,
            attention: Some(attention),
            p_gen: Some(p_gen),
            neighbours: Vec::new(),
        }
    }

    #[test]
    fn a_piece_is_copied_when_copying_outweighs_generating() {
        let src = "<sos> a b <sos> b c <eos>";
        let rows = vec![
            // `b` is at columns 2 and 4: copied from 4, where the attention is.
            vec![0.0, 0.0, 0.3, 0.0, 0.6, 0.0, 0.1],
            // `c`: 0.4 × 0.3 of copying cannot outweigh p_gen 0.6.
            vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.3, 0.7],
            // `x` is nowhere in the source.
            vec![0.0, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0],
        ];
        let g = generation(src, "b c x", rows, vec![0.2, 0.6, 0.0]);
        assert_eq!(copied_columns(&g), vec![Some(4), None, None]);

        let no_copy = Generation { p_gen: None, ..g };
        assert_eq!(copied_columns(&no_copy), vec![None; 3]);
    }

    #[test]
    fn neighbours_are_the_runs_after_each_inner_sos() {
        let g = generation("<sos> a <sos> b c <sos> d <eos>", "", vec![], vec![]);
        assert_eq!(neighbour_columns(&g, 0), 3..5);
        assert_eq!(neighbour_columns(&g, 1), 6..7);
        assert!(neighbour_columns(&g, 2).is_empty());
        let none = generation("<sos> a b <eos>", "", vec![], vec![]);
        assert!(neighbour_columns(&none, 0).is_empty());
    }

    #[test]
    fn the_view_marks_the_neighbour_tokens_that_were_copied_and_read() {
        let code = "def user_name(user):\n    return user.name\n";
        let layout = layout_tokens(code).unwrap();
        let description = strings("Return the user name");
        let (source, target) = Subwords::train([description.as_slice()], [layout.as_slice()], 300);
        let document = Document::new("user_name", "pkg", &description, &layout).unwrap();
        let index = RetrievalIndex::new(vec![document.clone()]);
        // The model reads the pieces of `def user_name (` only.
        let config = RetrievalConfig {
            max_neighbour_pieces: target.encode_words(&layout[..3]).ids.len(),
            ..RetrievalConfig::default()
        };
        let retrieved = retrieve(&index, &config, (&source, &target), &description, |_| false);
        let mut src_tokens = vec!["<sos>".to_string()];
        src_tokens.extend(retrieved.source.tokens.iter().cloned());
        src_tokens.push("<eos>".to_string());
        let mut g = generation("", "", vec![], vec![0.0]);
        g.src_tokens = src_tokens;
        g.neighbours = vec![Neighbour {
            document,
            score: 1.0,
        }];
        // One generated piece, copied from the neighbour's first piece of `user_name`.
        let column = neighbour_columns(&g, 0)
            .find(|&c| g.src_tokens[c].contains("user"))
            .unwrap();
        let mut row = vec![0.0; g.src_tokens.len()];
        row[column] = 1.0;
        g.attention = Some(vec![row]);
        g.pieces = vec![g.src_tokens[column].clone()];

        let view = neighbour_view(&g, &target, 0).unwrap();
        assert_eq!(view.code, code);
        let marked = |f: fn(&ViewToken) -> bool| -> Vec<&str> {
            view.tokens
                .iter()
                .filter(|t| f(t))
                .map(|t| &code[t.range.clone()])
                .collect()
        };
        assert_eq!(marked(|t| t.copied), vec!["user_name"]);
        assert_eq!(marked(|t| t.read), vec!["def", "user_name", "("]);
        let runs = view.runs();
        assert_eq!(runs.iter().map(|r| r.0).collect::<String>(), code);
        assert!(runs.contains(&("user_name", true, true)));
        assert!(neighbour_view(&g, &target, 1).is_none());
    }
}
