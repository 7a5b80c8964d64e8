//! String literals for the lexer: plain strings and f-strings, each scanned as ONE token.
//!
//! Inside an f-string's `{...}` fields the scanner follows brackets and nested string literals, so a
//! quote there never ends the outer string; this is Python 3.12's behaviour (`f"{d["k"]}"`), and it
//! accepts every f-string that was valid before 3.12.

use super::{LexError, Lexer, TokenKind, is_id_continue, is_id_start};

/// Deepest nesting of `{...}` fields accepted; bounds the recursion on hostile input.
const MAX_FIELD_DEPTH: usize = 200;

/// The quote that closes a literal.
#[derive(Clone, Copy)]
struct Quote {
    ch: char,
    triple: bool,
}

/// The literal was not closed (or nested absurdly deep); reported at the start of the outermost string.
struct Unterminated;

/// `(formatted, raw)` for a valid string prefix (`rb`, `F`, `Rf`, ...), `None` for any other name.
/// `t` (template strings, Python 3.14) behaves like `f`; Python 2's `ur` is not a prefix in Python 3.
pub(super) fn prefix_flags(prefix: &[char]) -> Option<(bool, bool)> {
    let lower: Vec<char> = prefix.iter().map(|c| c.to_ascii_lowercase()).collect();
    let valid = match lower.as_slice() {
        [c] => matches!(c, 'r' | 'u' | 'b' | 'f' | 't'),
        [a, b] => matches!((a, b), ('r', 'b' | 'f' | 't') | ('b' | 'f' | 't', 'r')),
        _ => false,
    };
    valid.then(|| {
        (
            lower.iter().any(|c| matches!(c, 'f' | 't')),
            lower.contains(&'r'),
        )
    })
}

impl Lexer {
    /// Scans a string literal whose prefix (possibly empty) starts at `start`; `pos` is at the quote.
    pub(super) fn string(&mut self, start: usize, line: usize, col: usize) -> Result<(), LexError> {
        let (formatted, raw) = prefix_flags(&self.chars[start..self.pos]).unwrap_or((false, false));
        let quote = self.peek();
        let triple = self.peek_at(1) == quote && self.peek_at(2) == quote;
        if self.literal(formatted, raw).is_err() {
            let what = if triple {
                "unterminated triple-quoted string literal"
            } else {
                "unterminated string literal"
            };
            return Err(self.error(
                line,
                col,
                format!("{what} (detected at line {})", self.line),
            ));
        }
        self.push(TokenKind::String, start, line, col);
        Ok(())
    }

    /// Scans from the opening quote (at `pos`) past the closing one.
    fn literal(&mut self, formatted: bool, raw: bool) -> Result<(), Unterminated> {
        let ch = self.peek().ok_or(Unterminated)?;
        let triple = self.peek_at(1) == Some(ch) && self.peek_at(2) == Some(ch);
        self.pos += if triple { 3 } else { 1 };
        let quote = Quote { ch, triple };
        if formatted {
            self.fstring_body(quote, raw)
        } else {
            self.plain_body(quote)
        }
    }

    /// Whether `pos` is at the closing quote(s).
    fn at_close(&self, q: Quote) -> bool {
        self.peek() == Some(q.ch)
            && (!q.triple || (self.peek_at(1) == Some(q.ch) && self.peek_at(2) == Some(q.ch)))
    }

    /// Consumes the closing quote(s) if `pos` is at them.
    fn eat_close(&mut self, q: Quote) -> bool {
        let at_close = self.at_close(q);
        if at_close {
            self.pos += if q.triple { 3 } else { 1 };
        }
        at_close
    }

    /// Consumes a backslash and the character it escapes, which may be a line break. Raw strings too
    /// need this: `r"\""` is a complete literal.
    fn escape(&mut self) -> Result<(), Unterminated> {
        self.pos += 1;
        match self.peek() {
            None => return Err(Unterminated),
            Some('\n' | '\r') => self.bump_newline(),
            Some(_) => self.pos += 1,
        }
        Ok(())
    }

    fn plain_body(&mut self, q: Quote) -> Result<(), Unterminated> {
        loop {
            match self.peek() {
                None => return Err(Unterminated),
                Some('\\') => self.escape()?,
                Some('\n' | '\r') if !q.triple => return Err(Unterminated),
                Some(_) if self.eat_close(q) => return Ok(()),
                Some(_) => _ = self.bump(),
            }
        }
    }

    /// The literal text of an f-string up to its closing quote; `{...}` fields are scanned as code.
    fn fstring_body(&mut self, q: Quote, raw: bool) -> Result<(), Unterminated> {
        loop {
            match self.peek() {
                None => return Err(Unterminated),
                // `\{` does not escape the brace: the field still opens (with a warning in Python).
                Some('\\') if matches!(self.peek_at(1), Some('{' | '}')) => self.pos += 1,
                // `\N{EM DASH}` is a named character, not a field.
                Some('\\')
                    if !raw && self.peek_at(1) == Some('N') && self.peek_at(2) == Some('{') =>
                {
                    self.pos += 3;
                    while !matches!(self.peek(), None | Some('}' | '\n' | '\r'))
                        && !self.at_close(q)
                    {
                        self.pos += 1;
                    }
                    if self.peek() == Some('}') {
                        self.pos += 1;
                    }
                }
                Some('\\') => self.escape()?,
                Some('{') if self.peek_at(1) == Some('{') => self.pos += 2,
                Some('{') => {
                    self.pos += 1;
                    self.replacement_field(q)?;
                }
                Some('\n' | '\r') if !q.triple => return Err(Unterminated),
                Some(_) if self.eat_close(q) => return Ok(()),
                Some(_) => _ = self.bump(),
            }
        }
    }

    /// `{expression!conversion:format_spec}` after its `{`, up to and including the closing `}`.
    /// The expression is code: nested strings are scanned as such, and, as the `{` opens a bracket,
    /// it may span lines.
    fn replacement_field(&mut self, q: Quote) -> Result<(), Unterminated> {
        if self.field_depth >= MAX_FIELD_DEPTH {
            return Err(Unterminated);
        }
        self.field_depth += 1;
        let result = self.field_expression(q);
        self.field_depth -= 1;
        result
    }

    fn field_expression(&mut self, q: Quote) -> Result<(), Unterminated> {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => return Err(Unterminated),
                Some('\'' | '"') => self.literal(false, false)?,
                Some(c) if is_id_start(c) => {
                    // A name, or the prefix of a nested string such as `f'{x}'`.
                    let start = self.pos;
                    while self.peek().is_some_and(is_id_continue) {
                        self.pos += 1;
                    }
                    if matches!(self.peek(), Some('\'' | '"'))
                        && let Some((formatted, raw)) = prefix_flags(&self.chars[start..self.pos])
                    {
                        self.literal(formatted, raw)?;
                    }
                }
                Some('(' | '[' | '{') => {
                    depth += 1;
                    self.pos += 1;
                }
                Some(')' | ']') => {
                    depth = depth.saturating_sub(1);
                    self.pos += 1;
                }
                Some('}') => {
                    self.pos += 1;
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                }
                Some(':') if depth == 0 => {
                    self.pos += 1;
                    return self.format_spec(q);
                }
                // A comment in a multi-line field (Python 3.12); quotes in it are just text.
                Some('#') => {
                    while !matches!(self.peek(), None | Some('\n' | '\r')) {
                        self.pos += 1;
                    }
                }
                // Line breaks are allowed here even in single-quoted f-strings (Python 3.12).
                Some(_) => _ = self.bump(),
            }
        }
    }

    /// The format spec after `:` up to the field's closing `}`; it may contain nested fields.
    fn format_spec(&mut self, q: Quote) -> Result<(), Unterminated> {
        loop {
            match self.peek() {
                None => return Err(Unterminated),
                Some('{') => {
                    self.pos += 1;
                    self.replacement_field(q)?;
                }
                Some('}') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some('\n' | '\r') if !q.triple => return Err(Unterminated),
                Some(_) if self.at_close(q) => return Err(Unterminated),
                Some(_) => _ = self.bump(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{TokenKind, lex};

    /// The texts of the tokens of `code`, without the final NEWLINE.
    fn texts(code: &str) -> Vec<String> {
        let tokens = lex(code).unwrap_or_else(|e| panic!("{e}: {code:?}"));
        tokens
            .into_iter()
            .filter(|t| t.kind != TokenKind::Newline)
            .map(|t| t.text)
            .collect()
    }

    /// Asserts that `literal` lexes as exactly one string token.
    fn one_string(literal: &str) {
        let tokens = lex(literal).unwrap_or_else(|e| panic!("{e}: {literal:?}"));
        assert_eq!(tokens[0].kind, TokenKind::String, "{literal:?}");
        assert_eq!(tokens[0].text, literal);
        assert_eq!(tokens.len(), 2, "{literal:?} gave {tokens:?}");
    }

    #[test]
    fn every_prefix_in_any_case() {
        for prefix in [
            "", "r", "u", "b", "f", "t", "rb", "br", "fr", "rf", "R", "U", "B", "F", "Rb", "bR",
            "RB", "fR", "Rf", "FR",
        ] {
            for body in ["'x'", "\"x\"", "'''x'''", "\"\"\"x\"\"\""] {
                one_string(&format!("{prefix}{body}"));
            }
        }
        // Not prefixes: a name followed by a string.
        assert_eq!(texts("ur'x'"), ["ur", "'x'"]);
        assert_eq!(texts("bu'x'"), ["bu", "'x'"]);
        assert_eq!(texts("print'x'"), ["print", "'x'"]);
    }

    #[test]
    fn escapes_and_quotes_inside() {
        for literal in [
            r"'it\'s'",
            r#""a\"b""#,
            r#"'"'"#,
            r#""'""#,
            r"'\\'",
            r#"r"\"""#,
            r"r'\\'",
            r"'\x00\n\t'",
            "''",
            "\"\"",
            "'''a''b'''",
            "'''a'b'c'''",
            r#""""x"y""z""""#,
            "'''\\''''",
            "'a\\\nb'",
            "'a\\\r\nb'",
            "'''line\n  less indented\n'''",
            "r'''\\d+\n'''",
            "'\u{e9}\u{65e5}'",
        ] {
            one_string(literal);
        }
        assert_eq!(texts(r"'\\' + 'x'"), [r"'\\'", "+", "'x'"]);
        assert_eq!(texts("''''''"), ["''''''"]);
        assert_eq!(texts("'' ''"), ["''", "''"]);
        assert_eq!(texts("'#' # c"), ["'#'", "# c"]);
    }

    #[test]
    fn f_strings_are_one_token() {
        for literal in [
            "f'{x}'",
            "f'{x!r}'",
            "f'{x=}'",
            "f'{x:>10}'",
            "f'{x:{width}.{prec}f}'",
            "f'{{literal}}'",
            "f'{x[\"k\"]}'",
            "f\"{x['k']}\"",
            "f\"{d[\"k\"]}\"",
            "f'{f\"{y}\"}'",
            "f'{f'{y}'}'",
            "f'{a!r:^{w}}'",
            "f'{ {\"a\": 1}[\"a\"] }'",
            "f'{(lambda x: x)(1)}'",
            "f'{a if b else \"c\"}'",
            "f'{a != b}'",
            "f'{x:%H:%M}'",
            "f'{\"}\"}'",
            "f'{\"{\"}'",
            "f'\\N{EM DASH} {x}'",
            "rf'\\{x}'",
            "rf'\\N{x}'",
            "f'''{x}\n{y}'''",
            "f'''{\n  x # comment with 'quote'\n}'''",
            "f'{(\n 1 +\n 2)}'",
            "f'{x:\"^5}'",
            "f'{\"a\" \"b\"}'",
            "f'{x:{\"a\"}}'",
            "f'{rb\"x\"}'",
        ] {
            one_string(literal);
        }
        assert_eq!(texts("f'{a}' f'{b}'"), ["f'{a}'", "f'{b}'"]);
    }

    #[test]
    fn unterminated_strings() {
        for (code, line, col, message) in [
            (
                "x = 'abc",
                1,
                4,
                "unterminated string literal (detected at line 1)",
            ),
            (
                "x = 'abc\ny'",
                1,
                4,
                "unterminated string literal (detected at line 1)",
            ),
            (
                "x = \"a\\\"",
                1,
                4,
                "unterminated string literal (detected at line 1)",
            ),
            (
                "\n  s = '''abc\n\n",
                2,
                6,
                "unterminated triple-quoted string literal (detected at line 4)",
            ),
            (
                "f'{x'",
                1,
                0,
                "unterminated string literal (detected at line 1)",
            ),
            (
                "f'{x:'",
                1,
                0,
                "unterminated string literal (detected at line 1)",
            ),
            (
                "f'{x:\n}'",
                1,
                0,
                "unterminated string literal (detected at line 1)",
            ),
            (
                "f'a\nb'",
                1,
                0,
                "unterminated string literal (detected at line 1)",
            ),
            (
                "rb'\\",
                1,
                0,
                "unterminated string literal (detected at line 1)",
            ),
        ] {
            let error = lex(code).unwrap_err();
            assert_eq!(
                (error.line, error.col, error.message.as_str()),
                (line, col, message),
                "{code:?}"
            );
        }
    }

    #[test]
    fn deeply_nested_fields_are_an_error_not_a_crash() {
        let code = format!("f'{}'", "{x:".repeat(10_000));
        assert!(lex(&code).is_err());
    }
}
