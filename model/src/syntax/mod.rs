//! Syntax-aware decoding: a state machine over Python's tokens that tells the search, at every step,
//! which ids would make the code generated so far impossible to complete as valid Python. Masking
//! them costs the search nothing it could have used: a prefix with a `)` that closes nothing, two
//! names in a row, a `<dedent>` below column zero or an `<eos>` inside an open bracket can never
//! become valid code.
//!
//! Two levels: [`grammar`] knows one logical line (operands and operators per bracket, statement
//! kinds, headers, assignments); this file knows the layout around lines (indentation, which block
//! a line may continue: `else` after `if`, `except` after `try`), string literals that are still
//! open, and subword pieces that are still growing into a token. A few more rules hold for the
//! functions the models write and cannot break ordinary code: the body of the one function never
//! dedents back to column zero, and a logical line that would end (`<newline>`) as an exact repeat
//! of the line before it at the same depth ends the function instead (`<eos>` gets the newline's
//! score): the loop a decoder most often falls into.
//!
//! It knows ids only through what they spell ([`Piece`], from the target tokenizer), so the same
//! rules serve word and subword vocabularies, natively and in wasm. Every function of the embedded
//! corpus passes them (a test of the trainer checks this).

use crate::tokenizer::{DEDENT, INDENT, NEWLINE};
use crate::vocab::{EOS, SPECIALS};

mod grammar;
mod strings;
#[cfg(test)]
mod tests;

pub use grammar::Compound;
use grammar::{Allowed, Line};
use strings::{StringState, string_state};

/// Whether `text` can be a Python name that is not a keyword (`True`, `False`, `None` are not
/// names either).
pub fn is_identifier(text: &str) -> bool {
    grammar::is_name(text) && !grammar::KEYWORDS.contains(&text) && !grammar::VALUES.contains(&text)
}

/// What an id of the target vocabulary spells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// `<pad>`, `<sos>`, `<eos>`, `<unk>` (never part of the code).
    Special,
    Newline,
    Indent,
    Dedent,
    /// Starts a new lexical token with this text.
    Start(String),
    /// Continues the token before it (a subword piece; `None`: a byte that is not ASCII).
    Continue(Option<String>),
}

impl Piece {
    /// The piece of a word tokenizer's token: every token starts a new one.
    pub fn of_token(token: &str) -> Self {
        match token {
            t if SPECIALS.contains(&t) => Piece::Special,
            NEWLINE => Piece::Newline,
            INDENT => Piece::Indent,
            DEDENT => Piece::Dedent,
            t => Piece::Start(t.to_string()),
        }
    }
}

/// The rules compiled for one vocabulary: what each id spells.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonSyntax {
    pieces: Vec<Piece>,
    /// The id of `<newline>`, if the vocabulary has one.
    newline: Option<usize>,
    /// Every printable ASCII character can continue a token (subwords with byte fallback), so a
    /// token may start with a piece that is only the beginning of what it will be (`:` of `:=`).
    /// Otherwise every piece that starts a token must be allowed as it stands.
    prefixes: bool,
    /// The rules only Python has: a line may repeat the one before it, code may follow a
    /// `return` in its block, and a subword piece that spells a parameter already named may start
    /// another parameter's name (`proxy` of `proxy_auth`). Real code does both now and then; generated code that does is
    /// usually stuck in a loop.
    real_code: bool,
}

/// Where one hypothesis stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxState {
    /// The current logical line, up to the token being built.
    line: Line,
    /// The token being built (its pieces so far); `None` on a fresh line or after a finished one.
    word: Option<String>,
    /// Indentation levels.
    depth: usize,
    /// Per depth (index), the compound statement the last statement there was, if it was one.
    blocks: Vec<Option<Compound>>,
    /// The previous line ended a block header (`:`): the next id must be `<indent>`.
    need_indent: bool,
    /// Just after `<indent>`: a statement must follow.
    after_indent: bool,
    /// The line before, at the current depth, was a `return`, `raise`, `break` or `continue`.
    after_terminal: bool,
    /// Nothing generated yet.
    empty: bool,
    /// The finished tokens of the current logical line.
    tokens: Vec<String>,
    /// The previous logical line's depth and tokens.
    previous_line: Option<(usize, Vec<String>)>,
}

impl Default for SyntaxState {
    fn default() -> Self {
        Self::new()
    }
}

/// What may come next, worked out once per step for all ids.
struct Next {
    /// What may start a token after it.
    after: Option<Allowed>,
    /// What the token being built may still grow into.
    growing: Option<Allowed>,
    /// With the token being built finished, the line ends a block header: `<indent>` must follow.
    header: bool,
    /// Tokens that would repeat what came before in a loop (see [`SyntaxState::looping`]).
    looping: Vec<String>,
}

impl SyntaxState {
    pub fn new() -> Self {
        Self {
            line: Line::default(),
            word: None,
            depth: 0,
            blocks: vec![None],
            need_indent: false,
            after_indent: false,
            after_terminal: false,
            empty: true,
            tokens: Vec::new(),
            previous_line: None,
        }
    }

    /// Whether the tokens so far form code that may end here.
    pub fn can_end(&self) -> bool {
        self.may_end(&self.next())
    }

    fn may_end(&self, next: &Next) -> bool {
        let try_open = self.blocks[..self.depth].contains(&Some(Compound::Try))
            || (self.line_start() && self.previous() == Some(Compound::Try));
        !self.empty
            && !self.need_indent
            && !self.after_indent
            && !try_open
            && !next.header
            && (self.line_start() || next.after.as_ref().is_some_and(|a| a.end))
    }

    /// Nothing on the current logical line yet.
    fn line_start(&self) -> bool {
        self.word.is_none() && self.line.is_empty()
    }

    /// The statement before the current line at its depth, if it was a compound one.
    fn previous(&self) -> Option<Compound> {
        self.blocks.get(self.depth).copied().flatten()
    }

    fn in_string(&self) -> bool {
        self.word
            .as_deref()
            .is_some_and(|w| string_state(w) == StringState::Open)
    }

    fn next(&self) -> Next {
        let finished = match &self.word {
            None => Some(self.line.clone()),
            Some(_) if self.in_string() => None,
            Some(word) => self.allowed(&self.line).accepts(word).then(|| {
                let mut line = self.line.clone();
                line.push(word);
                line
            }),
        };
        let after = finished.as_ref().map(|line| self.allowed(line));
        let growing = self.word.as_ref().map(|_| self.allowed(&self.line));
        let header = finished.as_ref().is_some_and(Line::needs_block);
        Next {
            after,
            growing,
            header,
            looping: self.looping(),
        }
    }

    /// The tokens that would start the two loops a decoder falls into inside a line: a name
    /// again in the same dotted chain (`self.x.self`) and the same item again in brackets
    /// (`f(x, x`); generated code starts something else.
    fn looping(&self) -> Vec<String> {
        let tokens: Vec<&str> = self
            .tokens
            .iter()
            .map(String::as_str)
            .chain(self.word.as_deref())
            .collect();
        match tokens.as_slice() {
            [.., "."] => {
                let chain = tokens[..tokens.len() - 1]
                    .rsplit(|t| *t != "." && !grammar::is_name(t))
                    .next()
                    .unwrap_or_default();
                let names = chain.iter().filter(|t| **t != ".");
                names.map(|t| t.to_string()).collect()
            }
            [.., "(" | "[" | "{" | ",", x, ","] if !matches!(*x, "(" | "[" | "{") => {
                vec![x.to_string()]
            }
            _ => Vec::new(),
        }
    }

    /// What may follow `line` (the current one) here.
    fn allowed(&self, line: &Line) -> Allowed {
        // The code is one function: what stands at column zero before its body is its `def` line
        // and its decorators.
        if self.depth == 0 && line.is_empty() {
            return Allowed::only(&["def", "async", "@"]);
        }
        line.allowed(self.previous())
    }

    fn finish_word(&mut self) {
        if let Some(word) = self.word.take() {
            self.line.push(&word);
            self.tokens.push(word);
        }
    }

    /// Whether ending the line here would repeat the line before it (same depth, same tokens).
    fn repeats_previous_line(&self) -> bool {
        let Some((depth, previous)) = &self.previous_line else {
            return false;
        };
        let current = self
            .tokens
            .iter()
            .map(String::as_str)
            .chain(self.word.as_deref());
        *depth == self.depth && previous.iter().map(String::as_str).eq(current)
    }
}

impl PythonSyntax {
    /// `pieces[id]`: what each id of the target vocabulary spells.
    pub fn new(pieces: Vec<Piece>) -> Self {
        let newline = pieces.iter().position(|p| *p == Piece::Newline);
        let prefixes = (b'!'..=b'~').all(|byte| {
            let text = char::from(byte).to_string();
            pieces.contains(&Piece::Continue(Some(text)))
        });
        Self {
            pieces,
            newline,
            prefixes,
            real_code: false,
        }
    }

    /// Python's rules alone, without those for generated code (no line repeating the one before
    /// it, no statement after a `return`, `raise`, `break` or `continue` in its block, no name
    /// started with a piece that spells a taken one): for checking real code.
    pub fn for_real_code(self) -> Self {
        Self {
            real_code: true,
            ..self
        }
    }

    pub fn vocab_size(&self) -> usize {
        self.pieces.len()
    }

    /// Replays `ids` through the rules from the start: the index of the first one they forbid.
    pub fn first_forbidden(&self, ids: &[usize]) -> Option<usize> {
        let mut state = SyntaxState::new();
        for (i, &id) in ids.iter().enumerate() {
            if !self.allows(&state, id) {
                return Some(i);
            }
            self.advance(&mut state, id);
        }
        None
    }

    /// Whether `id` may follow `state`.
    pub fn allows(&self, state: &SyntaxState, id: usize) -> bool {
        self.allows_next(state, &state.next(), id)
    }

    fn allows_next(&self, state: &SyntaxState, next: &Next, id: usize) -> bool {
        if id == EOS {
            return state.may_end(next);
        }
        let Some(piece) = self.pieces.get(id) else {
            return false;
        };
        if state.need_indent {
            return *piece == Piece::Indent;
        }
        // After a `return` (`raise`, `break`, `continue`) its block ends: dedent or finish.
        let dead = !self.real_code && state.after_terminal && state.line_start();
        if dead && !matches!(piece, Piece::Dedent) {
            return false;
        }
        match piece {
            Piece::Special | Piece::Indent => false,
            Piece::Continue(text) => Self::may_continue(state, next, text.as_deref()),
            Piece::Newline => {
                !state.line_start()
                    && next.after.as_ref().is_some_and(|a| a.end)
                    && (self.real_code || !state.repeats_previous_line())
            }
            // The output is one function: its body never dedents back to column zero.
            Piece::Dedent => {
                state.line_start()
                    && state.depth > 1
                    && !state.after_indent
                    && !state.empty
                    && state.previous() != Some(Compound::Try)
            }
            Piece::Start(text) => next.after.as_ref().is_some_and(|after| {
                if !self.real_code && next.looping.contains(text) {
                    return false;
                }
                if self.prefixes {
                    // A piece that spells a taken name would have to grow into another
                    // (`self` into `selfup`): generated code starts a different name instead.
                    after.may_start(text) && (self.real_code || !after.is_taken(text))
                } else {
                    after.accepts(text)
                }
            }),
        }
    }

    /// A continuation needs a token to continue, one that can still grow into something allowed.
    fn may_continue(state: &SyntaxState, next: &Next, text: Option<&str>) -> bool {
        let (Some(word), Some(growing)) = (state.word.as_deref(), next.growing.as_ref()) else {
            return false;
        };
        match string_state(word) {
            StringState::Open => true,
            StringState::Closed => false,
            // Only a third quote makes `''` the start of a triple-quoted string.
            StringState::EmptyOrTriple => {
                text.is_some_and(|t| t.starts_with(&word[word.len() - 1..]))
            }
            StringState::NotString => {
                let grown = format!("{word}{}", text.unwrap_or("\u{FFFD}"));
                growing.may_start(&grown)
            }
        }
    }

    /// Adds minus infinity to `scores[id]` for every id that may not follow `state`. Should nothing be
    /// allowed (a vocabulary without `<indent>`, say), nothing is masked: the search must go on.
    pub fn mask(&self, state: &SyntaxState, scores: &mut [f32]) {
        let next = state.next();
        let allowed: Vec<bool> = (0..scores.len())
            .map(|id| self.allows_next(state, &next, id))
            .collect();
        if !allowed.contains(&true) {
            return;
        }
        if let Some(newline) = self.eos_takes_newline(state, &next, scores.len()) {
            scores[EOS] = scores[EOS].max(scores[newline]);
        }
        for (score, allowed) in scores.iter_mut().zip(allowed) {
            if !allowed {
                *score = f32::NEG_INFINITY;
            }
        }
    }

    /// The `k` most probable ids that may follow `state`, as `(id, score)` best first (ties: the lower
    /// id first): what [`Self::mask`] followed by taking the row's `k` highest finite scores gives,
    /// but the rules are asked about the best ids only, until `k` of them pass, instead of about the
    /// whole vocabulary (that walk over 4,000 pieces cost a CPU decoding step more than the model).
    pub fn most_probable_allowed(
        &self,
        state: &SyntaxState,
        scores: &[f32],
        k: usize,
    ) -> Vec<(usize, f32)> {
        let next = state.next();
        let scores = self.scores_after_mask(state, &next, scores);
        let mut order: Vec<(f32, usize)> = scores
            .iter()
            .enumerate()
            .filter(|(_, x)| x.is_finite())
            .map(|(id, &x)| (x, id))
            .collect();
        let best_first =
            |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let mut top = Vec::with_capacity(k);
        let (mut start, mut chunk) = (0, 4 * k.max(1));
        while top.len() < k && start < order.len() {
            let rest = &mut order[start..];
            let take = chunk.min(rest.len());
            if take < rest.len() {
                rest.select_nth_unstable_by(take - 1, best_first);
            }
            rest[..take].sort_unstable_by(best_first);
            let allowed = rest[..take]
                .iter()
                .filter(|&&(_, id)| self.allows_next(state, &next, id));
            top.extend(allowed.take(k - top.len()).map(|&(x, id)| (id, x)));
            start += take;
            chunk *= 4;
        }
        // Nothing allowed at all: the mask leaves the row as it is.
        if top.is_empty() && !(0..scores.len()).any(|id| self.allows_next(state, &next, id)) {
            order.sort_unstable_by(best_first);
            top = order.iter().take(k).map(|&(x, id)| (id, x)).collect();
        }
        top
    }

    /// `scores` with the one move [`Self::mask`] makes besides masking: where ending the line would
    /// repeat the one before, `<eos>` takes the score of the `<newline>` it replaces.
    fn scores_after_mask<'a>(
        &self,
        state: &SyntaxState,
        next: &Next,
        scores: &'a [f32],
    ) -> std::borrow::Cow<'a, [f32]> {
        match self.eos_takes_newline(state, next, scores.len()) {
            Some(newline) => {
                let mut moved = scores.to_vec();
                moved[EOS] = moved[EOS].max(scores[newline]);
                std::borrow::Cow::Owned(moved)
            }
            None => std::borrow::Cow::Borrowed(scores),
        }
    }

    /// The `<newline>` id whose score `<eos>` takes: where ending the line would repeat the one
    /// before it, the function ends instead.
    fn eos_takes_newline(&self, state: &SyntaxState, next: &Next, len: usize) -> Option<usize> {
        self.newline.filter(|&newline| {
            newline < len
                && EOS < len
                && !self.real_code
                && state.repeats_previous_line()
                && state.may_end(next)
        })
    }

    /// `state` after `id`.
    pub fn advance(&self, state: &mut SyntaxState, id: usize) {
        let Some(piece) = self.pieces.get(id) else {
            return;
        };
        let was_empty = std::mem::replace(&mut state.empty, false);
        match piece {
            Piece::Special => state.empty = was_empty,
            Piece::Newline => {
                state.finish_word();
                let line = std::mem::take(&mut state.line);
                state.need_indent = line.needs_block();
                state.after_terminal = line.is_terminal();
                state.blocks[state.depth] = line.compound();
                state.previous_line = Some((state.depth, std::mem::take(&mut state.tokens)));
            }
            Piece::Indent => {
                state.depth += 1;
                state.blocks.truncate(state.depth);
                state.blocks.push(None);
                state.need_indent = false;
                state.after_indent = true;
                state.after_terminal = false;
            }
            Piece::Dedent => {
                state.depth = state.depth.saturating_sub(1);
                state.after_terminal = false;
                state.blocks.truncate(state.depth + 1);
            }
            Piece::Start(text) => {
                state.finish_word();
                state.word = Some(text.clone());
                state.after_indent = false;
            }
            Piece::Continue(text) => {
                let word = state.word.get_or_insert_with(String::new);
                word.push_str(text.as_deref().unwrap_or("\u{FFFD}"));
            }
        }
    }
}
