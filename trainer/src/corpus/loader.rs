//! Reading CodeSearchNet-format data: this project's corpus, CodeSearchNet's own JSONL(.gz) release, the
//! Hugging Face export's field names, and the CSN evaluation sample (whose token-only rows have
//! `code: null`). Training, evaluation and `corpus stats` all read data through here.
//!
//! Targets are comparable across sources: CodeSearchNet's `code` keeps the docstring and comments, which
//! its `code_tokens` leave out, so before computing layout tokens the loader takes the docstring and
//! comments out of such code ([`target_code`]), exactly as `corpus build` does.

use super::docstring;
use super::errors::LoadError;
use super::extract;
use super::record::TokenLengths;
use flate2::read::MultiGzDecoder;
use model::tokenizer::{DEDENT, INDENT, NEWLINE};
use rayon::prelude::*;
use serde::Deserialize;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// One (description, code) pair, whatever file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub docstring: String,
    pub docstring_tokens: Vec<String>,
    /// The code text as the file has it; `None` for token-only rows.
    pub code: Option<String>,
    /// CodeSearchNet-style code tokens (no comments, no layout).
    pub code_tokens: Vec<String>,
    /// Code tokens with `<newline>`/`<indent>`/`<dedent>`, from the code without docstring and comments;
    /// `None` when there is no code or it does not lex. What the models generate.
    pub layout_tokens: Option<Vec<String>>,
    /// Whether `layout_tokens` come from `code` with its docstring and comments removed
    /// ([`extract::strip_function`]) rather than from `code` as it is.
    pub stripped: bool,
    /// Empty when the file does not say.
    pub repo: String,
    pub func_name: String,
    /// `train` / `valid` / `test` as the file says; `None` if it has no split.
    pub partition: Option<String>,
    pub url: Option<String>,
}

impl TokenLengths for Pair {
    fn source_len(&self) -> usize {
        self.docstring_tokens.len()
    }
    fn target_len(&self) -> usize {
        self.code_tokens.len()
    }
}

/// A row as any of the supported formats spells it.
#[derive(Deserialize)]
struct Row {
    #[serde(alias = "func_documentation_string")]
    docstring: Option<String>,
    #[serde(alias = "func_documentation_tokens")]
    docstring_tokens: Option<Vec<String>>,
    #[serde(alias = "func_code_string")]
    code: Option<String>,
    #[serde(alias = "func_code_tokens")]
    code_tokens: Option<Vec<String>>,
    #[serde(alias = "repository_name")]
    repo: Option<String>,
    func_name: Option<String>,
    #[serde(alias = "split_name")]
    partition: Option<String>,
    #[serde(alias = "func_code_url")]
    url: Option<String>,
}

/// The code a pair's target is computed from, its layout tokens, and whether it was stripped: the code
/// as given when its tokens already match `given_code_tokens` (this corpus), else the code with its
/// docstring and comments removed (CodeSearchNet's `code`), else the code as given.
///
/// Without tokens to compare with, the code is stripped only when its body opens with the pair's own
/// docstring (`docstring_tokens`): this corpus' `code` has its docstring removed already, and the string
/// that may lead it then is a second, ordinary statement of the function.
pub fn target_code(
    code: &str,
    given_code_tokens: Option<&[String]>,
    docstring_tokens: &[String],
) -> (String, Option<Vec<String>>, bool) {
    let layout = model::tokenizer::layout_tokens(code).ok();
    if let Some(layout) = &layout {
        let unchanged = match given_code_tokens {
            Some(given) => model::tokenizer::strip_layout(layout) == given,
            None => !leading_string_statement(layout)
                .is_some_and(|literal| is_docstring_of(literal, docstring_tokens)),
        };
        if unchanged {
            return (code.to_string(), Some(layout.clone()), false);
        }
    }
    if let Some(stripped) = extract::strip_function(code)
        && let Ok(stripped_layout) = model::tokenizer::layout_tokens(&stripped)
    {
        return (stripped, Some(stripped_layout), true);
    }
    (code.to_string(), layout, false)
}

/// Whether a string literal token is a `str` (not bytes, not an f-string): a docstring candidate.
fn is_str_literal(token: &str) -> bool {
    let prefix: String = token
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let rest = &token[prefix.len()..];
    (rest.starts_with('"') || rest.starts_with('\''))
        && !prefix.to_ascii_lowercase().contains(['b', 'f', 't'])
}

/// Whether the string literal `literal` reads as the description `docstring_tokens` (the summary of a
/// docstring starts with the same tokens; three are plenty to tell a docstring from other strings).
fn is_docstring_of(literal: &str, docstring_tokens: &[String]) -> bool {
    let Some(value) = docstring::literal_value(literal) else {
        return false;
    };
    let tokens =
        model::tokenizer::docstring_tokens(&docstring::summary(&docstring::cleandoc(&value)));
    let n = docstring_tokens.len().min(3);
    tokens.len() >= n && tokens[..n] == docstring_tokens[..n]
}

/// The first literal of the string statement a `def`'s body starts with (a docstring candidate), if it
/// does: after the header's closing `:` (at bracket depth 0), one or more `str` literals ending the
/// statement.
pub fn leading_string_statement(layout: &[String]) -> Option<&str> {
    let mut depth = 0i32;
    let mut colon = None;
    for (i, t) in layout.iter().enumerate() {
        match t.as_str() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth -= 1,
            ":" if depth == 0 => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let mut rest = layout[colon? + 1..].iter().map(String::as_str).peekable();
    if rest.peek() == Some(&NEWLINE) {
        rest.next();
        if rest.next() != Some(INDENT) {
            return None;
        }
    }
    let first = *rest.peek()?;
    let mut strings = 0;
    while rest.peek().is_some_and(|t| is_str_literal(t)) {
        rest.next();
        strings += 1;
    }
    let ends_statement = matches!(rest.next(), None | Some(NEWLINE | ";" | DEDENT));
    (strings > 0 && ends_statement).then_some(first)
}

/// Turns one line of JSON into a pair.
fn parse_row(file: &Path, line: usize, text: &str) -> Result<Pair, LoadError> {
    let row: Row = serde_json::from_str(text).map_err(|e| LoadError::Json {
        file: file.to_path_buf(),
        line,
        message: e.to_string(),
    })?;
    let missing = |field, alternative| LoadError::MissingField {
        file: file.to_path_buf(),
        line,
        field,
        alternative,
    };
    let (docstring, docstring_tokens) = match (row.docstring, row.docstring_tokens) {
        (Some(d), Some(t)) => (d, t),
        (None, Some(t)) => (t.join(" "), t),
        (Some(d), None) => {
            let tokens =
                model::tokenizer::docstring_tokens(&docstring::summary(&docstring::cleandoc(&d)));
            (d, tokens)
        }
        (None, None) => return Err(missing("docstring_tokens", "docstring")),
    };
    let (code_tokens, layout_tokens, stripped) = match (&row.code, row.code_tokens) {
        (Some(code), given) => {
            let (target, layout, stripped) = target_code(code, given.as_deref(), &docstring_tokens);
            let tokens = match given {
                Some(t) => t,
                None => {
                    model::tokenizer::code_tokens(&target).map_err(|e| LoadError::Tokenize {
                        file: file.to_path_buf(),
                        line,
                        message: e.to_string(),
                    })?
                }
            };
            (tokens, layout, stripped)
        }
        (None, Some(t)) => (t, None, false),
        (None, None) => return Err(missing("code_tokens", "code")),
    };
    Ok(Pair {
        docstring,
        docstring_tokens,
        code: row.code,
        code_tokens,
        layout_tokens,
        stripped,
        repo: row.repo.unwrap_or_default(),
        func_name: row.func_name.unwrap_or_default(),
        partition: row.partition,
        url: row.url,
    })
}

/// Reads a data file's lines: `(line number, text)`, blank lines skipped. Gzip is recognised by its magic
/// bytes, whatever the file is called.
pub struct LineReader {
    file: PathBuf,
    reader: Box<dyn BufRead + Send>,
    gzip: bool,
    line: usize,
    done: bool,
}

impl LineReader {
    pub fn open(path: &Path) -> Result<Self, LoadError> {
        let io = |source| LoadError::Io {
            file: path.to_path_buf(),
            source,
        };
        let mut file = BufReader::new(File::open(path).map_err(io)?);
        let gzip = file.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
        let reader: Box<dyn BufRead + Send> = if gzip {
            Box::new(BufReader::new(MultiGzDecoder::new(file)))
        } else {
            Box::new(file)
        };
        Ok(LineReader {
            file: path.to_path_buf(),
            reader,
            gzip,
            line: 0,
            done: false,
        })
    }
}

impl Iterator for LineReader {
    type Item = Result<(usize, String), LoadError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let mut bytes = Vec::new();
            match self.reader.read_until(b'\n', &mut bytes) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.line += 1;
                    let Ok(text) = String::from_utf8(bytes) else {
                        self.done = true;
                        return Some(Err(LoadError::Utf8 {
                            file: self.file.clone(),
                            line: self.line,
                        }));
                    };
                    if !text.trim().is_empty() {
                        return Some(Ok((self.line, text)));
                    }
                }
                Err(source) => {
                    self.done = true;
                    return Some(Err(if self.gzip {
                        LoadError::Gzip {
                            file: self.file.clone(),
                            lines: self.line,
                        }
                    } else {
                        LoadError::Io {
                            file: self.file.clone(),
                            source,
                        }
                    }));
                }
            }
        }
        None
    }
}

/// Reads pairs one at a time (for files too large to hold, or to stop early).
pub fn iter_pairs(path: &Path) -> Result<impl Iterator<Item = Result<Pair, LoadError>>, LoadError> {
    let file = path.to_path_buf();
    Ok(LineReader::open(path)?
        .map(move |r| r.and_then(|(line, text)| parse_row(&file, line, &text))))
}

/// Rows converted in parallel at a time by [`load_pairs`]: enough to keep the cores busy without holding
/// the whole file's text in memory next to its pairs.
const CHUNK_ROWS: usize = 4096;

/// Reads every pair of a file. Rows are converted in parallel, a chunk at a time; the first error in file
/// order is returned.
pub fn load_pairs(path: impl AsRef<Path>) -> Result<Vec<Pair>, LoadError> {
    let path = path.as_ref();
    let mut lines = LineReader::open(path)?;
    let mut pairs = Vec::new();
    loop {
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        let mut read_error = None;
        for item in lines.by_ref().take(CHUNK_ROWS) {
            match item {
                Ok(line) => chunk.push(line),
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
        }
        if chunk.is_empty() && read_error.is_none() {
            return Ok(pairs);
        }
        let converted: Vec<Result<Pair, LoadError>> = chunk
            .par_iter()
            .map(|(line, text)| parse_row(path, *line, text))
            .collect();
        for pair in converted {
            pairs.push(pair?);
        }
        if let Some(e) = read_error {
            return Err(e);
        }
    }
}
