//! What a copy model took from its source: for each generated piece, the source position it was
//! copied from, if it was copied; and the output and a retrieval model's neighbour as code with the
//! copied tokens marked, which the web page shows side by side.
//!
//! The attribution reads the model's own mixture. A piece's probability is
//! `p_gen × P_vocab(piece) + (1 − p_gen) × Σ attention` over the source positions holding that piece.
//! The first term is at most `p_gen`, so when the copy term is larger than `p_gen` copying gave the
//! piece most of its probability: it counts as copied, from the position with the most attention.
//! This is a lower bound (a piece copied with a weaker margin is not marked), never a guess.

use std::ops::Range;

use serde::{Deserialize, Serialize};

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

/// Which source a copied token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    Description,
    Neighbour,
}

impl Origin {
    /// The source holding `column` of a generation's `src_tokens`, given the columns of its
    /// description and of its neighbours (`None` for `<sos>`, `<eos>`).
    fn of(column: usize, description: &Range<usize>, neighbours: &[Range<usize>]) -> Option<Self> {
        if description.contains(&column) {
            return Some(Self::Description);
        }
        neighbours
            .iter()
            .any(|n| n.contains(&column))
            .then_some(Self::Neighbour)
    }
}

/// Code with each of its tokens located and marked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeView {
    pub code: String,
    /// Its tokens in order (layout markers left out).
    pub tokens: Vec<ViewToken>,
}

/// One token of a [`CodeView`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewToken {
    /// Its bytes in [`CodeView::code`].
    pub range: Range<usize>,
    /// A piece of it was copied: in the output, from where; in a neighbour, into the output.
    pub copied: Option<Origin>,
    /// The model read all of it (a neighbour is cut to the config's `max_neighbour_pieces`; output
    /// tokens are always read).
    pub read: bool,
}

/// A run of equally marked text of a [`CodeView`].
#[derive(Debug, Clone, PartialEq)]
pub struct Run<'a> {
    pub text: &'a str,
    pub copied: Option<Origin>,
    pub read: bool,
}

impl CodeView {
    /// The code in runs of equal marking, for a view to render as spans (the text between tokens
    /// is unmarked).
    pub fn runs(&self) -> Vec<Run<'_>> {
        let mut runs: Vec<(Range<usize>, Option<Origin>, bool)> = Vec::new();
        let mut at = 0;
        for token in &self.tokens {
            push_run(&mut runs, at..token.range.start, None, token.read);
            push_run(&mut runs, token.range.clone(), token.copied, token.read);
            at = token.range.end;
        }
        let read = self.tokens.last().is_none_or(|t| t.read);
        push_run(&mut runs, at..self.code.len(), None, read);
        runs.into_iter()
            .map(|(range, copied, read)| Run {
                text: &self.code[range],
                copied,
                read,
            })
            .collect()
    }

    /// The tokens marked as copied.
    pub fn copied(&self) -> usize {
        self.tokens.iter().filter(|t| t.copied.is_some()).count()
    }

    /// `words` as code, each word marked by what `mark` says of the range of pieces it was encoded
    /// as (`target` encodes each word on its own, as every tokenizer here does), and the number of
    /// pieces of all the words.
    fn of_words(
        words: &[String],
        target: &dyn Tokenizer,
        mark: impl Fn(Range<usize>) -> (Option<Origin>, bool),
    ) -> (Self, usize) {
        let (code, spans) = detokenize_spans(words);
        let mut tokens = Vec::new();
        let mut piece = 0;
        for (word, range) in words.iter().zip(spans) {
            let pieces = piece..piece + target.encode_words(std::slice::from_ref(word)).ids.len();
            piece = pieces.end;
            if !range.is_empty() {
                let (copied, read) = mark(pieces);
                tokens.push(ViewToken {
                    range,
                    copied,
                    read,
                });
            }
        }
        (Self { code, tokens }, piece)
    }
}

/// Appends `range` to the last run when the marking is the same, as a new run otherwise.
fn push_run(
    runs: &mut Vec<(Range<usize>, Option<Origin>, bool)>,
    range: Range<usize>,
    copied: Option<Origin>,
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

/// The generated code with each token marked by where it was copied from; `target` is the
/// checkpoint's target tokenizer. `None` when the tokens do not map back onto the pieces (after
/// `<unk>` replacement, which changes tokens but not pieces).
pub fn output_view(generation: &Generation, target: &dyn Tokenizer) -> Option<CodeView> {
    let description = 1..1 + generation.description_tokens().len();
    let neighbours: Vec<Range<usize>> = (0..generation.neighbours.len())
        .map(|n| neighbour_columns(generation, n))
        .collect();
    let origins: Vec<Option<Origin>> = copied_columns(generation)
        .into_iter()
        .map(|column| column.and_then(|c| Origin::of(c, &description, &neighbours)))
        .collect();
    let (view, pieces) = CodeView::of_words(&generation.tokens, target, |pieces| {
        let origin = pieces
            .filter_map(|p| origins.get(p).copied().flatten())
            .next();
        (origin, true)
    });
    (view.code == generation.code && pieces == generation.pieces.len()).then_some(view)
}

/// Neighbour `n` of a retrieval model's generation as code, its tokens marked where the output
/// copied a piece of them; `target` is the checkpoint's target tokenizer (which encoded the
/// neighbour). `None` when the generation has no neighbour `n`.
pub fn neighbour_view(
    generation: &Generation,
    target: &dyn Tokenizer,
    n: usize,
) -> Option<CodeView> {
    let document = &generation.neighbours.get(n)?.document;
    let columns = neighbour_columns(generation, n);
    let mut copied_pieces = vec![false; columns.len()];
    for column in copied_columns(generation).into_iter().flatten() {
        if columns.contains(&column) {
            copied_pieces[column - columns.start] = true;
        }
    }
    let (view, _) = CodeView::of_words(&document.layout_tokens(), target, |pieces| {
        let copied = pieces.clone().any(|p| copied_pieces.get(p) == Some(&true));
        (
            copied.then_some(Origin::Neighbour),
            pieces.end <= columns.len(),
        )
    });
    Some(view)
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
            src_ids: Vec::new(),
            ids: Vec::new(),
            truncated: false,
            tokens: strings(pieces),
            pieces: strings(pieces),
            code: String::new(),
            finished: false,
            cut: false,
            log_prob: 0.0,
            confidence: Vec::new(),
            alternatives: None,
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
    fn the_views_mark_what_was_copied_from_where() {
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
        let mut g = generation("", "", vec![], vec![]);
        g.src_tokens = [
            vec!["<sos>".to_string()],
            retrieved.source.tokens,
            vec!["<eos>".into()],
        ]
        .concat();
        g.neighbours = vec![Neighbour {
            document,
            score: 1.0,
        }];
        // The output `user_name name`: every piece of `user_name` copied from the neighbour, of
        // `name` from the description (one vocabulary: the sides' pieces are the same).
        let description = 1..1 + g.description_tokens().len();
        let neighbour = neighbour_columns(&g, 0);
        let copied_from = |word: &str, columns: Range<usize>| -> Vec<(String, usize)> {
            let pieces = target.encode_words(&[word.to_string()]).tokens;
            let first = |p: &String| columns.clone().find(|&c| g.src_tokens[c] == *p).unwrap();
            pieces.iter().map(|p| (p.clone(), first(p))).collect()
        };
        let rows = [
            copied_from("user_name", neighbour),
            copied_from("name", description),
        ]
        .concat();
        g.pieces = rows.iter().map(|(p, _)| p.clone()).collect();
        let one_hot = |c: usize| {
            (0..g.src_tokens.len())
                .map(|j| f32::from(u8::from(j == c)))
                .collect()
        };
        g.attention = Some(rows.iter().map(|&(_, c)| one_hot(c)).collect());
        g.p_gen = Some(vec![0.0; rows.len()]);
        g.tokens = strings("user_name name");
        g.code = "user_name name\n".into();

        let view = neighbour_view(&g, &target, 0).unwrap();
        assert_eq!(view.code, code);
        let marked = |view: &CodeView, f: fn(&ViewToken) -> bool| -> Vec<String> {
            let text = |t: &ViewToken| view.code[t.range.clone()].to_string();
            view.tokens.iter().filter(|t| f(t)).map(text).collect()
        };
        assert_eq!(marked(&view, |t| t.copied.is_some()), ["user_name"]);
        assert_eq!(marked(&view, |t| t.read), ["def", "user_name", "("]);
        let runs = view.runs();
        assert_eq!(runs.iter().map(|r| r.text).collect::<String>(), code);
        assert!(runs.contains(&Run {
            text: "user_name",
            copied: Some(Origin::Neighbour),
            read: true
        }));
        assert!(neighbour_view(&g, &target, 1).is_none());

        let output = output_view(&g, &target).unwrap();
        let origins: Vec<Option<Origin>> = output.tokens.iter().map(|t| t.copied).collect();
        assert_eq!(
            origins,
            [Some(Origin::Neighbour), Some(Origin::Description)]
        );
        assert_eq!(output.copied(), 2);
        // Tokens that do not map back onto the pieces (as after <unk> replacement) give no view.
        g.tokens = strings("user_name other");
        assert!(output_view(&g, &target).is_none());
    }
}
