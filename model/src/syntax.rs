//! Syntax-aware decoding: a small state machine over Python's layout (brackets, string literals,
//! indentation, block headers) that tells the search, at every step, which ids would make the code
//! generated so far impossible to complete. Masking them costs the search nothing it could have used:
//! a prefix with a `)` that closes nothing, a `<dedent>` below column zero or an `<eos>` inside an open
//! bracket can never become valid Python.
//!
//! A few more rules hold for the functions the models write, and cannot break ordinary code: the body
//! of the one function never dedents back to column zero; `.` follows an operand and is followed by a
//! name; a line cannot
//! end right after an operator or a keyword that needs an operand (`x =`, `a and`); no three colons
//! in a row; and a logical line that would end (`<newline>`) as an exact repeat of the line before it
//! at the same depth ends the function instead (`<eos>` gets the newline's score): the loop a decoder
//! most often falls into.
//!
//! It knows ids only through what they spell ([`Piece`], from the target tokenizer), so the same
//! rules serve word and subword vocabularies, natively and in wasm. What it does not check (the
//! grammar of expressions and statements) is left to the model.

use crate::tokenizer::{DEDENT, INDENT, NEWLINE};
use crate::vocab::{EOS, SPECIALS};

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

/// The rules compiled for one vocabulary: which ids open or close which bracket, start or continue
/// a token, or are layout markers.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonSyntax {
    pieces: Vec<Piece>,
    /// The id of `<newline>`, if the vocabulary has one.
    newline: Option<usize>,
}

/// Where one hypothesis stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyntaxState {
    /// Open brackets, innermost last.
    brackets: Vec<char>,
    /// Indentation levels.
    depth: usize,
    /// The token being built (its pieces so far); `None` on a fresh line or after a layout marker.
    word: Option<String>,
    /// The last finished token of the current logical line.
    last: Option<String>,
    /// Nothing on the current logical line yet (also at the very start).
    line_start: bool,
    /// The previous line ended a block header (`:`): the next id must be `<indent>`.
    need_indent: bool,
    /// Just after `<indent>`: a statement must follow.
    after_indent: bool,
    /// Nothing generated yet.
    empty: bool,
    /// The finished tokens of the current logical line.
    line: Vec<String>,
    /// The previous logical line's depth and tokens.
    previous_line: Option<(usize, Vec<String>)>,
}

impl SyntaxState {
    pub fn new() -> Self {
        Self {
            line_start: true,
            empty: true,
            ..Self::default()
        }
    }

    /// Whether the tokens so far form code that may end here.
    pub fn can_end(&self) -> bool {
        !self.empty
            && !self.wants_operand()
            && self.brackets.is_empty()
            && !self.need_indent
            && !self.after_indent
            && string_state(self.word()) != StringState::Open
            && self.line_ends_header() == Some(false)
    }

    /// `Some(true)` if the line so far ends with a block header's `:`, `None` on an empty line.
    fn line_ends_header(&self) -> Option<bool> {
        if self.line_start {
            return Some(false);
        }
        self.word
            .as_deref()
            .or(self.last.as_deref())
            .map(|t| t == ":")
    }

    /// Whether the token just written needs something after it on the same line (`x =`, `a and`,
    /// `self.`), so that the line cannot end here.
    fn wants_operand(&self) -> bool {
        self.word
            .as_deref()
            .is_some_and(|w| NEEDS_OPERAND.contains(&w))
    }

    fn word(&self) -> &str {
        self.word.as_deref().unwrap_or_default()
    }

    fn finish_word(&mut self) {
        if let Some(word) = self.word.take() {
            self.line.push(word.clone());
            self.last = Some(word);
        }
    }

    /// Whether ending the line here would repeat the line before it (same depth, same tokens).
    fn repeats_previous_line(&self) -> bool {
        let Some((depth, previous)) = &self.previous_line else {
            return false;
        };
        let current = self
            .line
            .iter()
            .map(String::as_str)
            .chain(self.word.as_deref());
        *depth == self.depth && previous.iter().map(String::as_str).eq(current)
    }
}

/// Tokens after which a logical line cannot end: binary and unary operators, `.`, and keywords that
/// must be followed by something.
const NEEDS_OPERAND: [&str; 46] = [
    "=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", ">>=", "<<=", "+",
    "-", "*", "/", "//", "%", "**", "@", "|", "&", "^", "~", "<<", ">>", "==", "!=", "<", ">",
    "<=", ">=", ".", "->", "and", "or", "not", "in", "is", "if", "elif", "while", "for", "lambda",
];

/// Python's keywords but `True`, `False` and `None` (which are values).
const KEYWORDS: [&str; 32] = [
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// Whether `token` ends an operand (a name, a number, a string or a closing bracket), so that `.`
/// may follow it.
fn ends_atom(token: &str) -> bool {
    if string_state(token) != StringState::NotString {
        return true;
    }
    match token.chars().next() {
        Some(')' | ']' | '}') => true,
        Some(c) if c.is_ascii_digit() => true,
        Some(c) if c.is_alphabetic() || c == '_' => !KEYWORDS.contains(&token),
        _ => false,
    }
}

/// Whether a token is a string literal, and whether it is finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StringState {
    NotString,
    Open,
    /// `''` or `""`: finished, or the start of a triple-quoted one.
    EmptyOrTriple,
    Closed,
}

/// The state of `word` as a string literal (prefix letters such as `r`, `b`, `f` allowed).
fn string_state(word: &str) -> StringState {
    let body = word.trim_start_matches(|c: char| "rRbBuUfF".contains(c));
    if body.len() + 2 < word.len() {
        return StringState::NotString;
    }
    let Some(quote) = body.chars().next().filter(|c| *c == '\'' || *c == '"') else {
        return StringState::NotString;
    };
    let triple: String = std::iter::repeat_n(quote, 3).collect();
    let (open, rest) = if body.starts_with(&triple) {
        (triple.as_str(), &body[3..])
    } else {
        (&body[..1], &body[1..])
    };
    if open.len() == 1 && rest == quote.to_string() {
        return StringState::EmptyOrTriple;
    }
    let closed = rest.len() >= open.len()
        && rest.ends_with(open)
        && backslashes_before(rest, rest.len() - open.len()).is_multiple_of(2);
    if closed {
        StringState::Closed
    } else {
        StringState::Open
    }
}

fn backslashes_before(text: &str, end: usize) -> usize {
    text[..end]
        .bytes()
        .rev()
        .take_while(|&b| b == b'\\')
        .count()
}

fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

impl PythonSyntax {
    /// `pieces[id]`: what each id of the target vocabulary spells.
    pub fn new(pieces: Vec<Piece>) -> Self {
        let newline = pieces.iter().position(|p| *p == Piece::Newline);
        Self { pieces, newline }
    }

    pub fn vocab_size(&self) -> usize {
        self.pieces.len()
    }

    /// Whether `id` may follow `state`.
    pub fn allows(&self, state: &SyntaxState, id: usize) -> bool {
        if id == EOS {
            return state.can_end();
        }
        let Some(piece) = self.pieces.get(id) else {
            return false;
        };
        let in_string = string_state(state.word()) == StringState::Open;
        if state.need_indent {
            return *piece == Piece::Indent;
        }
        match piece {
            Piece::Special | Piece::Indent => false,
            Piece::Continue(text) => self.may_continue(state, text.as_deref()),
            _ if in_string => false,
            Piece::Newline => {
                state.brackets.is_empty()
                    && !state.wants_operand()
                    && !state.line_start
                    && !state.after_indent
                    && !state.repeats_previous_line()
            }
            // The output is one function: its body never dedents back to column zero.
            Piece::Dedent => {
                state.line_start && state.depth > 1 && !state.after_indent && !state.empty
            }
            // After `.` comes an attribute name.
            Piece::Start(text) if state.word.as_deref() == Some(".") => text
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_'),
            // An attribute belongs to something: `.` follows a name, a literal or a closing bracket.
            Piece::Start(text) if text == "." => state.word.as_deref().is_some_and(ends_atom),
            // `a[::2]` has two colons in a row, nothing has three.
            Piece::Start(text) if text == ":" && state.word.as_deref() == Some(":") => {
                state.line.last().is_none_or(|t| t != ":")
            }
            Piece::Start(text) => match text.as_str() {
                ")" | "]" | "}" => state
                    .brackets
                    .last()
                    .is_some_and(|&open| closing(open).to_string() == *text),
                _ => true,
            },
        }
    }

    /// A continuation needs a token to continue, one that can still grow: not a bracket, a comma or
    /// a finished string.
    fn may_continue(&self, state: &SyntaxState, text: Option<&str>) -> bool {
        let Some(word) = state.word.as_deref() else {
            return false;
        };
        if ["(", ")", "[", "]", "{", "}", ","].contains(&word) {
            return false;
        }
        // `.` grows only into `...`.
        if word == "." {
            return text.is_some_and(|t| t.starts_with('.'));
        }
        match string_state(word) {
            StringState::Closed => false,
            // Only a third quote makes `''` the start of a triple-quoted string.
            StringState::EmptyOrTriple => {
                text.is_some_and(|t| t.starts_with(&word[word.len() - 1..]))
            }
            StringState::Open | StringState::NotString => true,
        }
    }

    /// Adds minus infinity to `scores[id]` for every id that may not follow `state`. Should nothing be
    /// allowed (a vocabulary without `<indent>`, say), nothing is masked: the search must go on.
    pub fn mask(&self, state: &SyntaxState, scores: &mut [f32]) {
        let allowed: Vec<bool> = (0..scores.len()).map(|id| self.allows(state, id)).collect();
        if !allowed.contains(&true) {
            return;
        }
        // A line that would end as a repeat of the one before ends the function instead: `<eos>`
        // gets the score of the `<newline>` it replaces.
        if let Some(newline) = self.newline.filter(|&n| n < scores.len())
            && state.repeats_previous_line()
            && state.can_end()
            && EOS < scores.len()
        {
            scores[EOS] = scores[EOS].max(scores[newline]);
        }
        for (score, allowed) in scores.iter_mut().zip(allowed) {
            if !allowed {
                *score = f32::NEG_INFINITY;
            }
        }
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
                state.need_indent = state.line_ends_header() == Some(true);
                state.finish_word();
                state.last = None;
                state.line_start = true;
                state.previous_line = Some((state.depth, std::mem::take(&mut state.line)));
            }
            Piece::Indent => {
                state.depth += 1;
                state.need_indent = false;
                state.after_indent = true;
            }
            Piece::Dedent => state.depth = state.depth.saturating_sub(1),
            Piece::Start(text) => {
                state.finish_word();
                state.word = Some(text.clone());
                state.line_start = false;
                state.after_indent = false;
                match text.as_str() {
                    "(" | "[" | "{" => state.brackets.extend(text.chars()),
                    ")" | "]" | "}" => {
                        state.brackets.pop();
                    }
                    _ => {}
                }
            }
            Piece::Continue(text) => {
                let word = state.word.get_or_insert_with(String::new);
                word.push_str(text.as_deref().unwrap_or("\u{FFFD}"));
                state.line_start = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax() -> PythonSyntax {
        let mut pieces: Vec<Piece> = SPECIALS.iter().map(|s| Piece::of_token(s)).collect();
        for t in [
            "<newline>",
            "<indent>",
            "<dedent>",
            "(",
            ")",
            "[",
            "]",
            ":",
            "x",
            "if",
            "'",
            ".",
        ] {
            pieces.push(Piece::of_token(t));
        }
        for t in ["a", "'", "''"] {
            pieces.push(Piece::Continue(Some(t.to_string())));
        }
        PythonSyntax::new(pieces)
    }

    fn id(s: &PythonSyntax, piece: &Piece) -> usize {
        s.pieces.iter().position(|p| p == piece).unwrap()
    }

    fn start(t: &str) -> Piece {
        Piece::of_token(t)
    }

    fn run(s: &PythonSyntax, pieces: &[Piece]) -> SyntaxState {
        let mut state = SyntaxState::new();
        for p in pieces {
            let i = id(s, p);
            assert!(s.allows(&state, i), "{p:?} after {state:?}");
            s.advance(&mut state, i);
        }
        state
    }

    #[test]
    fn brackets_must_match_and_close_before_the_end() {
        let s = syntax();
        let state = run(&s, &[start("x"), start("("), start("[")]);
        assert!(!s.allows(&state, id(&s, &start(")"))));
        assert!(s.allows(&state, id(&s, &start("]"))));
        assert!(!s.allows(&state, EOS));
        assert!(
            !s.allows(&state, id(&s, &Piece::Newline)),
            "newlines inside brackets"
        );
        let state = run(&s, &[start("x"), start("("), start(")")]);
        assert!(s.allows(&state, EOS));
        assert!(!s.allows(&SyntaxState::new(), EOS), "empty output");
    }

    #[test]
    fn headers_need_an_indented_body_and_dedents_stay_above_zero() {
        let s = syntax();
        let header = [start("if"), start("x"), start(":")];
        assert!(!s.allows(&run(&s, &header), EOS), "a header without a body");
        let state = run(&s, &[&header[..], &[Piece::Newline]].concat());
        let allowed: Vec<usize> = (0..s.vocab_size())
            .filter(|&i| s.allows(&state, i))
            .collect();
        assert_eq!(allowed, [id(&s, &Piece::Indent)]);
        let state = run(
            &s,
            &[&header[..], &[Piece::Newline, Piece::Indent]].concat(),
        );
        assert!(!s.allows(&state, id(&s, &Piece::Dedent)), "an empty block");
        assert!(!s.allows(&state, EOS));
        let body = [
            &header[..],
            &[Piece::Newline, Piece::Indent, start("x"), Piece::Newline],
        ];
        let state = run(&s, &body.concat());
        assert!(
            !s.allows(&state, id(&s, &Piece::Dedent)),
            "out of the function"
        );
        let nested = [&body.concat()[..], &header[..], &body.concat()[3..]].concat();
        let state = run(&s, &nested);
        assert!(s.allows(&state, id(&s, &Piece::Dedent)));
        let state = run(&s, &[&nested[..], &[Piece::Dedent]].concat());
        assert!(
            !s.allows(&state, id(&s, &Piece::Dedent)),
            "out of the function"
        );
        assert!(
            !s.allows(&state, id(&s, &Piece::Indent)),
            "an unexpected indent"
        );
    }

    #[test]
    fn a_line_cannot_repeat_the_one_before_and_a_dot_needs_a_name() {
        let s = syntax();
        let line = [start("x"), start("("), start(")")];
        let twice = [&line[..], &[Piece::Newline], &line[..]].concat();
        let state = run(&s, &twice);
        assert!(!s.allows(&state, id(&s, &Piece::Newline)));
        assert!(s.allows(&state, EOS));
        let mut scores = vec![0.0f32; s.vocab_size()];
        scores[id(&s, &Piece::Newline)] = 5.0;
        s.mask(&state, &mut scores);
        assert_eq!(scores[EOS], 5.0, "the newline's score goes to <eos>");
        assert_eq!(scores[id(&s, &Piece::Newline)], f32::NEG_INFINITY);
        let state = run(&s, &[start("x"), start(".")]);
        assert!(s.allows(&state, id(&s, &start("if"))));
        assert!(!s.allows(&state, id(&s, &start("("))));
        assert!(!s.allows(&state, id(&s, &start("."))));
        assert!(
            !s.allows(&state, id(&s, &Piece::Newline)),
            "x. is not a statement"
        );
        let state = run(&s, &[start("if")]);
        assert!(
            !s.allows(&state, id(&s, &start("."))),
            "if . is not an expression"
        );
        let state = run(&s, &[start("x"), start("("), start(")")]);
        assert!(s.allows(&state, id(&s, &start("."))));
        let state = run(&s, &[start("x"), start(".")]);
        assert!(!s.allows(&state, EOS));
        assert!(
            !s.allows(&state, id(&s, &Piece::Continue(Some("a".into())))),
            "not .a"
        );
        let state = run(&s, &[start("x"), start("["), start(":"), start(":")]);
        assert!(!s.allows(&state, id(&s, &start(":"))));
        assert!(s.allows(&state, id(&s, &start("]"))));
    }

    #[test]
    fn strings_must_close_before_another_token() {
        let s = syntax();
        let cont = |t: &str| Piece::Continue(Some(t.to_string()));
        let open = run(&s, &[start("x"), start("'"), cont("a")]);
        assert!(!s.allows(&open, EOS));
        assert!(!s.allows(&open, id(&s, &start("x"))));
        let closed = run(&s, &[start("x"), start("'"), cont("a"), cont("'")]);
        assert!(s.allows(&closed, EOS));
        assert!(
            !s.allows(&closed, id(&s, &cont("a"))),
            "nothing after a closed string"
        );
        let empty = run(&s, &[start("'"), cont("'")]);
        assert!(s.allows(&empty, EOS));
        assert!(
            s.allows(&empty, id(&s, &cont("'"))),
            "''' opens a triple-quoted string"
        );
        let triple = run(&s, &[start("'"), cont("''")]);
        assert!(!s.allows(&triple, EOS));
        assert_eq!(string_state("r'\\''"), StringState::Closed);
        assert_eq!(string_state("'\\'"), StringState::Open);
        assert_eq!(string_state("name"), StringState::NotString);
    }
}
