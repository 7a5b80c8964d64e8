//! Turning layout tokens back into Python source.
//!
//! The input is usually model output, so nothing is assumed about it: markers may be unbalanced or
//! misplaced and tokens arbitrary. The output is always produced (this module never panics), and for
//! token sequences that came from valid code it lexes back to exactly the same tokens.
//!
//! Spacing follows PEP 8 where it is cheap to tell (`f(a, b=1)`, `x[1:2]`, `-x`, `a + b`), but the
//! real constraint is lexical safety: two tokens are only written without a space between them when
//! Python would read them back as the same two tokens (`1 .real`, `* *`, `r "x"`).

use std::ops::Range;

use super::python::{is_id_continue, longest_operator};
use super::{DEDENT, INDENT, NEWLINE};

/// Hard keywords (`True`, `False` and `None` behave as operands and are handled separately).
/// Soft keywords (`match`, `case`, `type`) are names: `match(x)` is a call.
const KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// Turns layout tokens (see [`layout_tokens`](super::layout_tokens)) into indented Python source,
/// 4 spaces per level, every line ending with `\n`. Missing trailing NEWLINE / DEDENT markers are
/// implied; an INDENT or DEDENT in the middle of a line ends it; the level never goes below 0.
pub fn detokenize<S: AsRef<str>>(tokens: &[S]) -> String {
    detokenize_spans(tokens).0
}

/// [`detokenize`], with where each token went: `spans[i]` is the byte range of `tokens[i]` in the
/// source (empty for layout markers), so that a view can mark tokens in the code it shows.
pub fn detokenize_spans<S: AsRef<str>>(tokens: &[S]) -> (String, Vec<Range<usize>>) {
    let mut out = String::new();
    let mut spans = vec![0..0; tokens.len()];
    let mut level = 0usize;
    let mut line = Line::default();
    for (i, token) in tokens.iter().enumerate() {
        match token.as_ref() {
            NEWLINE => line.flush(&mut out, level, &mut spans),
            INDENT => {
                line.flush(&mut out, level, &mut spans);
                level += 1;
            }
            DEDENT => {
                line.flush(&mut out, level, &mut spans);
                level = level.saturating_sub(1);
            }
            token => {
                line.push(token);
                line.placed
                    .push((i, line.text.len() - token.len()..line.text.len()));
                continue;
            }
        }
        spans[i] = out.len()..out.len();
    }
    line.flush(&mut out, level, &mut spans);
    (out, spans)
}

/// How a token behaves for spacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Names, numbers, strings, `True` / `False` / `None` and `...`: what operators apply to.
    Operand,
    /// Hard keywords other than the three constants: `return`, `if`, `in`, `lambda`, ...
    Keyword,
    Open,
    Close,
    /// `,` and `;`.
    Separator,
    Colon,
    Dot,
    /// Every other operator (`+`, `=`, `->`, `**=`, ...), and unknown tokens.
    Operator,
}

fn classify(token: &str) -> Class {
    let first = token.chars().next().unwrap_or(' ');
    match token {
        "(" | "[" | "{" => Class::Open,
        ")" | "]" | "}" => Class::Close,
        "," | ";" => Class::Separator,
        ":" => Class::Colon,
        "." => Class::Dot,
        "..." => Class::Operand,
        _ if KEYWORDS.contains(&token) => Class::Keyword,
        // Names, numbers (also `.5`), strings with or without prefix.
        _ if is_id_continue(first) || matches!(first, '\'' | '"') => Class::Operand,
        _ if first == '.' && token[1..].starts_with(|c: char| c.is_ascii_digit()) => Class::Operand,
        _ => Class::Operator,
    }
}

/// What is known about one bracket level of the current line (index 0 is the line itself).
#[derive(Debug, Clone, Copy, Default)]
struct Frame {
    /// `(`, `[`, `{`, or `None` outside brackets.
    bracket: Option<char>,
    /// The current argument has an annotation (`x: int = 1` is spaced, `x=1` is not).
    annotated: bool,
    /// Between `lambda` and its `:`, where `=` marks a default (`lambda x=1: x`).
    lambda_params: bool,
}

/// The logical line being built.
#[derive(Debug, Default)]
struct Line {
    text: String,
    /// Text and class of the last token, `None` at the start of the line.
    prev: Option<(String, Class)>,
    /// The last token binds to the next one: an opening bracket, `.`, a unary operator, the `=` of a
    /// keyword argument, a decorator's `@`, a slice's `:`.
    glue_next: bool,
    frames: Vec<Frame>,
    /// Each token of the line: its index in the input and its bytes in `text`.
    placed: Vec<(usize, Range<usize>)>,
}

impl Line {
    /// Writes the line at indentation `level` and where its tokens went into `spans`.
    fn flush(&mut self, out: &mut String, level: usize, spans: &mut [Range<usize>]) {
        if !self.text.is_empty() {
            for _ in 0..level {
                out.push_str("    ");
            }
            for (i, range) in self.placed.drain(..) {
                spans[i] = out.len() + range.start..out.len() + range.end;
            }
            out.push_str(&self.text);
            out.push('\n');
        }
        *self = Line::default();
    }

    /// The innermost bracket level. Level 0, the line itself, is created on first use (every `push`
    /// starts by looking at the frame) and never popped.
    fn frame(&mut self) -> &mut Frame {
        if self.frames.is_empty() {
            self.frames.push(Frame::default());
        }
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    /// Whether an operator here would be unary: nothing before it that it could apply to.
    fn expects_operand(&self) -> bool {
        !matches!(self.prev, Some((_, Class::Operand | Class::Close)))
    }

    fn push(&mut self, token: &str) {
        let mut class = classify(token);
        // In `from ...pkg import x` the ellipsis is three relative-import dots.
        if token == "..." && matches!(&self.prev, Some((p, c)) if p == "from" || *c == Class::Dot) {
            class = Class::Dot;
        }
        let unary = match token {
            "-" | "+" | "~" | "*" | "**" => self.expects_operand(),
            "@" => self.prev.is_none(),
            _ => false,
        };
        let frame = *self.frame();
        let keyword_equals = token == "="
            && ((frame.bracket == Some('(') && !frame.annotated) || frame.lambda_params);
        if let Some((prev, prev_class)) = &self.prev
            && (self.wants_space(token, class, *prev_class, keyword_equals)
                || must_separate(&self.text, prev, *prev_class, token))
        {
            self.text.push(' ');
        }
        self.text.push_str(token);

        let mut glue_next = matches!(class, Class::Open | Class::Dot) || unary || keyword_equals;
        match (class, token) {
            (Class::Open, _) => self.frames.push(Frame {
                bracket: token.chars().next(),
                ..Frame::default()
            }),
            (Class::Close, _) if self.frames.len() > 1 => _ = self.frames.pop(),
            (Class::Separator, _) => self.frame().annotated = false,
            (Class::Colon, _) => {
                let frame = self.frame();
                // A slice's `:` binds (`x[1:2]`); a lambda's or a dict's does not.
                glue_next = frame.bracket == Some('[') && !frame.lambda_params;
                if frame.lambda_params {
                    frame.lambda_params = false;
                } else {
                    frame.annotated = true;
                }
            }
            (Class::Keyword, "lambda") => self.frame().lambda_params = true,
            _ => {}
        }
        self.glue_next = glue_next;
        self.prev = Some((token.to_string(), class));
    }

    /// The readable-spacing rules (safety is checked separately by [`must_separate`]).
    fn wants_space(&self, token: &str, class: Class, prev: Class, keyword_equals: bool) -> bool {
        if self.glue_next {
            // ... except `from . import x`.
            return class == Class::Keyword && prev == Class::Dot;
        }
        match class {
            Class::Close => false,
            _ if prev == Class::Separator => true,
            Class::Separator | Class::Colon => false,
            // `from .mod import x`, but `a.b`.
            Class::Dot => prev == Class::Keyword,
            // Calls and subscripts: `f(x)`, `a[0]`, `f(x)(y)`, but `if (x)`, `in [1]`, `= {}`.
            Class::Open if token != "{" => !matches!(prev, Class::Operand | Class::Close),
            _ => !keyword_equals,
        }
    }
}

/// Whether writing `token` right after `text` (whose last token is `prev`) would make Python read
/// different tokens, so that a space is required whatever the style rules say.
fn must_separate(text: &str, prev: &str, prev_class: Class, token: &str) -> bool {
    let (Some(last), Some(first)) = (text.chars().next_back(), token.chars().next()) else {
        return false;
    };
    // Names, keywords and numbers run together; a name before a quote becomes a string prefix (`r"x"`).
    if is_id_continue(last) && (is_id_continue(first) || matches!(first, '\'' | '"')) {
        return true;
    }
    // `1 .real` (not the float `1.`), `1 .5`; and `. 5` (not the float `.5`).
    let prev_is_number =
        prev_class == Class::Operand && prev.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if (prev_is_number && first == '.') || (last == '.' && first.is_ascii_digit()) {
        return true;
    }
    // A run of dots lexes greedily as `...`s then `.`s (`from .... import x` is `...`, `.`): glue only
    // if the run still splits into the same tokens.
    if last == '.' && first == '.' {
        let run = text.len() - text.trim_end_matches('.').len();
        return match (prev, token) {
            ("." | "...", ".") => run % 3 == 2,
            ("." | "...", "...") => !run.is_multiple_of(3),
            _ => true,
        };
    }
    // Operators that would merge: `* *` is not `**`, `- >` is not `->`; nor `< >` (Python 2's `<>`).
    if prev_class != Class::Operand && !prev.is_empty() {
        let mut joined = String::with_capacity(prev.len() + token.len());
        joined.push_str(prev);
        joined.push_str(token);
        return longest_operator(&joined) > prev.len() || (prev == "<" && first == '>');
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::{DEDENT, INDENT, NEWLINE, TokenKind, lex};
    use super::{detokenize, detokenize_spans};

    fn detok(tokens: &[&str]) -> String {
        detokenize(tokens)
    }

    #[test]
    fn pretty_function() {
        let tokens = [
            "def", "f", "(", "x", ",", "y", "=", "1", ")", ":", NEWLINE, INDENT, "return", "x",
            "+", "y",
        ];
        assert_eq!(detok(&tokens), "def f(x, y=1):\n    return x + y\n");
    }

    #[test]
    fn spans_locate_each_token_in_the_source() {
        let tokens = [
            "@", "cached", NEWLINE, "def", "f", "(", "x", ")", ":", NEWLINE, INDENT, "if", "x",
            ":", NEWLINE, INDENT, "return", "-", "x", NEWLINE, DEDENT, DEDENT, "y", "=", "1",
        ];
        let (code, spans) = detokenize_spans(&tokens);
        assert_eq!(code, detokenize(&tokens));
        assert_eq!(spans.len(), tokens.len());
        for (token, span) in tokens.iter().zip(&spans) {
            match *token {
                NEWLINE | INDENT | DEDENT => assert!(span.is_empty()),
                _ => assert_eq!(&code[span.clone()], *token),
            }
        }
        // Tokens come in order, each after the one before it (the second `x` is the indented one).
        assert!(spans.windows(2).all(|w| w[0].end <= w[1].start));
        assert_eq!(
            spans[18],
            code.find("-x").unwrap() + 1..code.find("-x").unwrap() + 2
        );
    }

    #[test]
    fn pretty_expressions() {
        let line = |s: &str| detok(&s.split(' ').collect::<Vec<_>>());
        assert_eq!(line("print ( - x ** - y )"), "print(-x ** -y)\n");
        assert_eq!(line("a = b if c else - d"), "a = b if c else -d\n");
        assert_eq!(
            line("x [ - 1 ] . y [ 1 : 2 , : : 3 ]"),
            "x[-1].y[1:2, ::3]\n"
        );
        assert_eq!(line("f = lambda * a , ** k : 0"), "f = lambda *a, **k: 0\n");
        assert_eq!(line("d = { 'a' : - 1 , ** e }"), "d = {'a': -1, **e}\n");
        assert_eq!(line("@ decorator ( arg )"), "@decorator(arg)\n");
        assert_eq!(line("z = x @ y"), "z = x @ y\n");
        assert_eq!(
            line("def g ( a : int = 1 , * , b = 2 ) -> str :"),
            "def g(a: int = 1, *, b=2) -> str:\n"
        );
        assert_eq!(
            line("if ( n := len ( a ) ) > 10 :"),
            "if (n := len(a)) > 10:\n"
        );
        assert_eq!(
            line("from . . mod import ( a , b )"),
            "from ..mod import (a, b)\n"
        );
        assert_eq!(line("( a , b ) = c , d = 1 , 2"), "(a, b) = c, d = 1, 2\n");
        assert_eq!(line("from . import x"), "from . import x\n");
        assert_eq!(line("from ... pkg import x"), "from ...pkg import x\n");
        assert_eq!(line("from ... . import x"), "from .... import x\n");
        assert_eq!(line("y = 1 . real + x [ : - 1 ]"), "y = 1 .real + x[:-1]\n");
        assert_eq!(
            line("return not ( a or b ) , [ 1 , ]"),
            "return not (a or b), [1,]\n"
        );
        assert_eq!(
            line("g = sorted ( x , key = lambda k = 1 : k )"),
            "g = sorted(x, key=lambda k=1: k)\n"
        );
    }

    #[test]
    fn blocks_and_dedents() {
        let tokens = [
            "class", "A", ":", NEWLINE, INDENT, "def", "f", "(", "self", ")", ":", NEWLINE, INDENT,
            "pass", NEWLINE, DEDENT, DEDENT, "x", "=", "A", "(", ")",
        ];
        assert_eq!(
            detok(&tokens),
            "class A:\n    def f(self):\n        pass\nx = A()\n"
        );
    }

    #[test]
    fn garbage_never_panics() {
        assert_eq!(detok(&[]), "");
        assert_eq!(detok(&[DEDENT, DEDENT, "x", NEWLINE]), "x\n");
        assert_eq!(
            detok(&[INDENT, "x", INDENT, "y", DEDENT, DEDENT, DEDENT, "z"]),
            "    x\n        y\nz\n"
        );
        assert_eq!(
            detok(&[
                NEWLINE, NEWLINE, ")", "]", "(", "*", "*", ".", ".", ".", "."
            ]),
            ")](* *.. ..\n"
        );
        detok(&[
            "", "", "é", "'", "\"\"\"", "<unk>", "\n", ":", "=", "lambda", "=", ")",
        ]);
    }

    /// Every pair of tokens written without a space must lex back as the same two tokens. (Brackets
    /// are left out: they never merge with anything, and alone they would not lex.)
    #[test]
    fn glued_pairs_lex_back_unchanged() {
        let samples = [
            "x", "r", "f", "if", "not", "None", "1", "1.", "1.5", ".5", "0x1f", "1e5", "1j", "'s'",
            "\"s\"", "r'x'", "...", ".", ",", ";", ":", "=", "==", "!=", "<", ">", "<=", "<<",
            ">>=", "-", "->", "+", "+=", "*", "**", "**=", "/", "//", "//=", "%", "@", "@=", "&",
            "|", "^", "~", ":=", "é",
        ];
        for a in samples {
            for b in samples {
                let text = detok(&[a, b]);
                let texts: Vec<String> = lex(&text)
                    .unwrap()
                    .into_iter()
                    .filter(|t| t.kind != TokenKind::Newline)
                    .map(|t| t.text)
                    .collect();
                assert_eq!(texts, [a, b], "{a:?} then {b:?} written as {text:?}");
            }
        }
    }
}
