//! A Python 3 lexer in the spirit of CPython's `tokenize` module.
//!
//! It is a single forward pass over the characters (linear time, no regexes) that produces the same
//! token boundaries as CPython for valid Python 3 code, with these simplifications:
//!
//! * every string literal is ONE token, f-strings included (CodeSearchNet does the same); f-strings may
//!   nest quotes inside `{}` as Python 3.12 allows (`f"{d["k"]}"`);
//! * blank and comment-only lines produce no line-break token (CPython's `NL`), only their comments;
//! * identifiers are recognised without Unicode tables (std has none): any alphabetic character or `_`
//!   starts one, and non-ASCII characters that are not whitespace, controls or punctuation/symbols
//!   continue one (this covers combining marks such as the Devanagari virama);
//! * a few dubious forms are split into tokens instead of being rejected: `1if x else y`, `0b12`;
//! * Python 2 forms are errors (`0777`, backticks) or lex differently (`ur''` is a name and a string).
//!
//! Numbers and strings (f-strings included) are scanned in the `numbers` and `strings` submodules.

use std::fmt;

mod numbers;
mod strings;
#[cfg(test)]
mod tests;

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// An identifier or keyword: `def`, `self`, `naïve`.
    Name,
    /// An integer, float or imaginary literal: `1_000`, `0x1f`, `1e-5`, `.5`, `2j`.
    Number,
    /// A whole string literal with its prefix and quotes, even when it spans lines: `rb'\d'`, `f"{x!r}"`.
    String,
    /// An operator or delimiter: `+`, `**=`, `(`, `->`, `...`.
    Op,
    /// A `#` comment, without the line break.
    Comment,
    /// The end of a logical line; the text is the line break (empty at the end of the input).
    Newline,
    /// The indentation grew; the text is the new indentation.
    Indent,
    /// One indentation level was closed; the text is empty.
    Dedent,
}

/// One token with its position in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub text: String,
    /// 1-based line of the first character.
    pub line: usize,
    /// 0-based column of the first character, counted in characters (not bytes).
    pub col: usize,
}

/// Why some code could not be tokenized, and where (same conventions as [`Token`]: 1-based line,
/// 0-based column in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.col, self.message
        )
    }
}

impl std::error::Error for LexError {}

/// Tokenizes Python source. See the module docs for how this relates to CPython's tokenizer.
pub fn lex(code: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer {
        chars: code.chars().collect(),
        pos: 0,
        line: 1,
        line_start: 0,
        indents: vec![(0, 0)],
        brackets: Vec::new(),
        tokens: Vec::new(),
        line_has_tokens: false,
        field_depth: 0,
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

/// All operators and delimiters of Python 3.
const OPERATORS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "!=", "%=", "&=", "**", "*=", "+=", "-=", "->", "//", "/=",
    ":=", "<<", "<=", "==", ">=", ">>", "@=", "^=", "|=", "%", "&", "(", ")", "*", "+", ",", "-",
    ".", "/", ":", ";", "<", "=", ">", "@", "[", "]", "^", "{", "|", "}", "~",
];

/// Length in bytes of the longest operator `text` starts with (0 if none): Python's longest-match rule.
pub(crate) fn longest_operator(text: &str) -> usize {
    OPERATORS
        .iter()
        .filter(|op| text.starts_with(*op))
        .map(|op| op.len())
        .max()
        .unwrap_or(0)
}

/// Whether `c` can start an identifier (see the module docs for the approximation).
pub(crate) fn is_id_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

/// Whether `c` can continue an identifier (see the module docs for the approximation).
pub(crate) fn is_id_continue(c: char) -> bool {
    if c.is_ascii() {
        return c == '_' || c.is_ascii_alphanumeric();
    }
    if c.is_alphanumeric() {
        return true;
    }
    let connector = matches!(
        c,
        '\u{b7}' | '\u{200c}' | '\u{200d}' | '\u{203f}' | '\u{2040}' | '\u{2054}'
    ) || matches!(
        c,
        '\u{fe33}' | '\u{fe34}' | '\u{fe4d}'..='\u{fe4f}' | '\u{ff3f}'
    );
    let symbol_block = matches!(c,
        '\u{80}'..='\u{bf}' | '\u{d7}' | '\u{f7}' | '\u{2000}'..='\u{2bff}' | '\u{3000}'..='\u{303f}'
        | '\u{e000}'..='\u{f8ff}' | '\u{fe10}'..='\u{fe6f}' | '\u{ff00}'..='\u{ff65}'
        | '\u{fff0}'..='\u{ffff}' | '\u{1f000}'..='\u{1faff}');
    connector || !(symbol_block || c.is_whitespace() || c.is_control())
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    /// 1-based number of the physical line that contains `pos`.
    line: usize,
    /// Index in `chars` where that line starts, so that the column is `pos - line_start`.
    line_start: usize,
    /// Open indentation levels as (column with tabs to multiples of 8, column with tabs as 1).
    /// CPython compares both, and reports a `TabError` when they disagree.
    indents: Vec<(usize, usize)>,
    /// Open brackets with their line and column: inside brackets line breaks are not NEWLINEs.
    brackets: Vec<(char, usize, usize)>,
    tokens: Vec<Token>,
    /// Whether the current logical line has produced a token, i.e. whether its end is a NEWLINE.
    line_has_tokens: bool,
    /// How deeply nested the f-string field being scanned is; bounded to keep recursion shallow.
    field_depth: usize,
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn col(&self) -> usize {
        self.pos - self.line_start
    }

    /// Consumes one character, keeping track of line breaks (`\n`, `\r\n` and a lone `\r`).
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' || (c == '\r' && self.peek() != Some('\n')) {
            self.line += 1;
            self.line_start = self.pos;
        }
        Some(c)
    }

    /// Consumes a line break, `\r\n` counting as one.
    fn bump_newline(&mut self) {
        if self.bump() == Some('\r') && self.peek() == Some('\n') {
            self.bump();
        }
    }

    fn error(&self, line: usize, col: usize, message: impl Into<String>) -> LexError {
        LexError {
            line,
            col,
            message: message.into(),
        }
    }

    fn push(&mut self, kind: TokenKind, start: usize, line: usize, col: usize) {
        let text = self.chars[start..self.pos].iter().collect();
        if matches!(
            kind,
            TokenKind::Name | TokenKind::Number | TokenKind::String | TokenKind::Op
        ) {
            self.line_has_tokens = true;
        }
        self.tokens.push(Token {
            kind,
            text,
            line,
            col,
        });
    }

    fn run(&mut self) -> Result<(), LexError> {
        // A UTF-8 byte order mark is not part of the code.
        if self.peek() == Some('\u{feff}') {
            self.pos = 1;
            self.line_start = 1;
        }
        let mut at_line_start = true;
        while let Some(c) = self.peek() {
            if at_line_start {
                at_line_start = false;
                self.indentation()?;
                continue;
            }
            let (start, line, col) = (self.pos, self.line, self.col());
            match c {
                ' ' | '\t' | '\x0c' => self.pos += 1,
                '\n' | '\r' => {
                    self.bump_newline();
                    // Inside brackets lines are joined implicitly.
                    if self.brackets.is_empty() {
                        if self.line_has_tokens {
                            self.push(TokenKind::Newline, start, line, col);
                        }
                        self.line_has_tokens = false;
                        at_line_start = true;
                    }
                }
                '#' => {
                    while !matches!(self.peek(), None | Some('\n' | '\r')) {
                        self.pos += 1;
                    }
                    self.push(TokenKind::Comment, start, line, col);
                }
                '\\' => {
                    // Explicit line joining: the next physical line continues this logical line.
                    self.pos += 1;
                    match self.peek() {
                        Some('\n' | '\r') => self.bump_newline(),
                        None => {
                            return Err(self.error(
                                line,
                                col,
                                "unexpected end of file after line continuation character",
                            ));
                        }
                        Some(_) => {
                            return Err(self.error(
                                line,
                                col,
                                "unexpected character after line continuation character",
                            ));
                        }
                    }
                }
                '\'' | '"' => self.string(start, line, col)?,
                '0'..='9' => self.number(line, col)?,
                '.' if self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => {
                    self.number(line, col)?
                }
                c if is_id_start(c) => self.name_or_string(line, col)?,
                c => self.operator(c, line, col)?,
            }
        }
        if let Some(&(open, line, col)) = self.brackets.last() {
            return Err(self.error(line, col, format!("'{open}' was never closed")));
        }
        let (end, line, col) = (self.pos, self.line, self.col());
        if self.line_has_tokens {
            self.push(TokenKind::Newline, end, line, col);
        }
        for _ in 1..self.indents.len() {
            self.push(TokenKind::Dedent, end, line, col);
        }
        Ok(())
    }

    /// Measures the indentation at the start of a logical line and emits INDENT / DEDENT tokens.
    /// Blank and comment-only lines leave the indentation alone, as in CPython.
    fn indentation(&mut self) -> Result<(), LexError> {
        let start = self.pos;
        let (mut col, mut alt) = (0, 0);
        loop {
            match self.peek() {
                Some(' ') => (col, alt) = (col + 1, alt + 1),
                Some('\t') => (col, alt) = ((col / 8 + 1) * 8, alt + 1),
                Some('\x0c') => (col, alt) = (0, 0),
                _ => break,
            }
            self.pos += 1;
        }
        if matches!(self.peek(), None | Some('#' | '\n' | '\r')) {
            return Ok(());
        }
        let (line, col_chars) = (self.line, self.col());
        let tab_error = "inconsistent use of tabs and spaces in indentation";
        let (top, top_alt) = self.indents[self.indents.len() - 1];
        if col > top {
            if alt <= top_alt {
                return Err(self.error(line, col_chars, tab_error));
            }
            self.indents.push((col, alt));
            self.push(TokenKind::Indent, start, line, 0);
            return Ok(());
        }
        // The first level (column 0) is never popped: `col < 0` cannot hold.
        while col < self.indents[self.indents.len() - 1].0 {
            self.indents.pop();
            self.push(TokenKind::Dedent, self.pos, line, col_chars);
        }
        let (top, top_alt) = self.indents[self.indents.len() - 1];
        if col != top {
            let message = "unindent does not match any outer indentation level";
            return Err(self.error(line, col_chars, message));
        }
        if alt != top_alt {
            return Err(self.error(line, col_chars, tab_error));
        }
        Ok(())
    }

    /// A name, or the prefix of a string literal such as `rb"..."`.
    fn name_or_string(&mut self, line: usize, col: usize) -> Result<(), LexError> {
        let start = self.pos;
        while self.peek().is_some_and(is_id_continue) {
            self.pos += 1;
        }
        if matches!(self.peek(), Some('\'' | '"'))
            && strings::prefix_flags(&self.chars[start..self.pos]).is_some()
        {
            return self.string(start, line, col);
        }
        self.push(TokenKind::Name, start, line, col);
        Ok(())
    }

    fn operator(&mut self, c: char, line: usize, col: usize) -> Result<(), LexError> {
        // Operators are ASCII and at most 3 characters long: look at the next 3 ASCII characters.
        let mut buffer = [0u8; 3];
        let ascii = self.chars[self.pos..]
            .iter()
            .take(3)
            .take_while(|c| c.is_ascii());
        let mut n = 0;
        for (slot, &c) in buffer.iter_mut().zip(ascii) {
            *slot = c as u8;
            n += 1;
        }
        let len = longest_operator(std::str::from_utf8(&buffer[..n]).unwrap_or(""));
        if len == 0 {
            let message = if c.is_whitespace() || c.is_control() {
                format!("invalid non-printable character U+{:04X}", c as u32)
            } else {
                format!("invalid character '{c}' (U+{:04X})", c as u32)
            };
            return Err(self.error(line, col, message));
        }
        let start = self.pos;
        self.pos += len;
        match c {
            '(' | '[' | '{' => self.brackets.push((c, line, col)),
            ')' | ']' | '}' => match self.brackets.pop() {
                None => return Err(self.error(line, col, format!("unmatched '{c}'"))),
                Some((open, open_line, _))
                    if !matches!((open, c), ('(', ')') | ('[', ']') | ('{', '}')) =>
                {
                    let message = format!(
                        "closing parenthesis '{c}' does not match opening parenthesis '{open}' on line {open_line}"
                    );
                    return Err(self.error(line, col, message));
                }
                Some(_) => {}
            },
            _ => {}
        }
        self.push(TokenKind::Op, start, line, col);
        Ok(())
    }
}
