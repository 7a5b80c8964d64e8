//! Numeric literals for the lexer: Python 3 integers (`1_000`, `0x1f`, `0o7`, `0b1`), floats
//! (`1.`, `.5`, `1e-5`) and imaginary numbers (`2j`).

use super::{LexError, Lexer, TokenKind};

impl Lexer {
    /// Scans a number; `pos` is at a digit, or at a `.` followed by a digit.
    pub(super) fn number(&mut self, line: usize, col: usize) -> Result<(), LexError> {
        let start = self.pos;
        let kind = match (self.peek(), self.peek_at(1)) {
            (Some('0'), Some('x' | 'X')) => self.prefixed("hexadecimal", |c| c.is_ascii_hexdigit()),
            (Some('0'), Some('o' | 'O')) => self.prefixed("octal", |c| matches!(c, '0'..='7')),
            (Some('0'), Some('b' | 'B')) => self.prefixed("binary", |c| matches!(c, '0' | '1')),
            _ => self.decimal(),
        };
        let error = match kind {
            Err(message) => Some(message),
            // `1_` or `1__0`: underscores only go between digits.
            Ok(kind) if self.peek() == Some('_') => Some(format!("invalid {kind} literal")),
            Ok(_) => None,
        };
        if let Some(message) = error {
            return Err(self.error(line, col, message));
        }
        self.push(TokenKind::Number, start, line, col);
        Ok(())
    }

    /// The digits after `0x` / `0o` / `0b` (an underscore may follow the prefix: `0x_ff`).
    fn prefixed(
        &mut self,
        kind: &'static str,
        is_digit: fn(char) -> bool,
    ) -> Result<&'static str, String> {
        self.pos += 2;
        if self.peek() == Some('_') {
            self.pos += 1;
        }
        if self.digits(is_digit) {
            Ok(kind)
        } else {
            Err(format!("invalid {kind} literal"))
        }
    }

    /// A decimal integer, float or imaginary number.
    fn decimal(&mut self) -> Result<&'static str, String> {
        let start = self.pos;
        let is_digit = |c: char| c.is_ascii_digit();
        let mut integer = true;
        self.digits(is_digit);
        if self.peek() == Some('.') {
            // `1.` is a complete float; in `1..real` the second dot is an operator.
            self.pos += 1;
            integer = false;
            self.digits(is_digit);
        }
        // An exponent needs digits: in `1else` (valid, if deprecated) the `e` starts a keyword.
        let sign = usize::from(matches!(self.peek_at(1), Some('+' | '-')));
        if matches!(self.peek(), Some('e' | 'E')) && self.peek_at(1 + sign).is_some_and(is_digit) {
            self.pos += 1 + sign;
            integer = false;
            self.digits(is_digit);
        }
        if matches!(self.peek(), Some('j' | 'J')) {
            self.pos += 1;
            integer = false;
        }
        let text = &self.chars[start..self.pos];
        if integer && text[0] == '0' && text.iter().any(|&c| matches!(c, '1'..='9')) {
            // Python 2's octal `0777`.
            return Err("leading zeros in decimal integer literals are not permitted".to_string());
        }
        Ok("decimal")
    }

    /// Consumes `digit (["_"] digit)*`; returns false (consuming nothing) if there is no digit.
    fn digits(&mut self, is_digit: fn(char) -> bool) -> bool {
        if !self.peek().is_some_and(is_digit) {
            return false;
        }
        loop {
            while self.peek().is_some_and(is_digit) {
                self.pos += 1;
            }
            if self.peek() == Some('_') && self.peek_at(1).is_some_and(is_digit) {
                self.pos += 1;
            } else {
                return true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{TokenKind, lex};

    /// The tokens of `code` other than the final NEWLINE, as (kind, text).
    fn tokens(code: &str) -> Vec<(TokenKind, String)> {
        let tokens = lex(code).unwrap_or_else(|e| panic!("{e}: {code:?}"));
        tokens
            .into_iter()
            .filter(|t| t.kind != TokenKind::Newline)
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn single_numbers() {
        let numbers = [
            "0",
            "00",
            "0_0",
            "7",
            "1_000",
            "123456789",
            "0x1f",
            "0XdeadBEEF",
            "0x_ff",
            "0o777",
            "0O1_7",
            "0b1010",
            "0B_1",
            "1.",
            "1.5",
            ".5",
            "1_0.0_1",
            "1e5",
            "1E+10",
            "1e-5",
            "1.e5",
            ".5e-3",
            "1j",
            "1.5J",
            ".5j",
            "1e5j",
            "0.0",
            "00.5",
            "0123.5",
            "0123e1",
            "0123j",
            "1_2e3_4",
        ];
        for number in numbers {
            assert_eq!(
                tokens(number),
                [(TokenKind::Number, number.to_string())],
                "{number}"
            );
        }
    }

    #[test]
    fn where_numbers_end() {
        let texts = |code: &str| tokens(code).into_iter().map(|(_, t)| t).collect::<Vec<_>>();
        assert_eq!(texts("1..real"), ["1.", ".", "real"]);
        assert_eq!(texts("1 .real"), ["1", ".", "real"]);
        assert_eq!(texts("1if x else 2"), ["1", "if", "x", "else", "2"]);
        assert_eq!(texts("1else"), ["1", "else"]);
        assert_eq!(texts("1e"), ["1", "e"]);
        assert_eq!(texts("x[1:-1]"), ["x", "[", "1", ":", "-", "1", "]"]);
        assert_eq!(texts("a.b1"), ["a", ".", "b1"]);
        assert_eq!(texts("0x1f.real"), ["0x1f", ".", "real"]);
    }

    #[test]
    fn invalid_numbers() {
        for (code, message) in [
            (
                "0777",
                "leading zeros in decimal integer literals are not permitted",
            ),
            ("x = 1_", "invalid decimal literal"),
            ("1__0", "invalid decimal literal"),
            ("1.__class__", "invalid decimal literal"),
            ("0x", "invalid hexadecimal literal"),
            ("0x_", "invalid hexadecimal literal"),
            ("0o8", "invalid octal literal"),
            ("0b1_", "invalid binary literal"),
        ] {
            let error = lex(code).unwrap_err();
            assert_eq!(error.message, message, "{code}");
            assert_eq!(
                (error.line, error.col),
                (1, code.find(|c: char| c.is_ascii_digit()).unwrap()),
                "{code}"
            );
        }
    }
}
