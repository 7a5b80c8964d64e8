//! Tokenization of both sides of the task: natural-language docstrings (the input) and Python code
//! (the target). Pure Rust with no dependencies, so it compiles for wasm32 as well.
//!
//! * [`Tokenizer`] is the interface everything else tokenizes through; [`DocstringWords`] and
//!   [`LayoutWords`] are the reference design's word tokenizers, over the functions below;
//!   [`Subwords`] splits the same words into learned byte-pair pieces ([`bpe`]), one vocabulary for
//!   both sides, saved as Hugging Face's `tokenizer.json`.
//! * [`docstring_tokens`] splits a description the way CodeSearchNet did.
//! * [`lex`] is a Python 3 lexer with positions and error reporting.
//! * [`layout_tokens`] is what the models are trained to produce: the lexical tokens plus
//!   [`NEWLINE`] / [`INDENT`] / [`DEDENT`] markers, so that the block structure of the code survives
//!   tokenization. Comments are dropped.
//! * [`code_tokens`] is the same without the markers, the CodeSearchNet form the metrics compare.
//! * [`detokenize`] turns (possibly malformed) model output back into indented Python source.
//!
//! For valid code, `layout_tokens(&detokenize(&layout_tokens(code)?))? == layout_tokens(code)?`:
//! identical tokens with identical layout mean an identical AST, which is how round-tripping is checked.
//!
//! ```
//! use model::tokenizer::{detokenize, layout_tokens};
//! let tokens = layout_tokens("def f(x):\n    return x\n").unwrap();
//! assert_eq!(tokens, ["def", "f", "(", "x", ")", ":", "<newline>", "<indent>", "return", "x"]);
//! assert_eq!(detokenize(&tokens), "def f(x):\n    return x\n");
//! ```

pub mod bpe;
mod detokenize;
mod docstring;
mod python;
mod seam;
mod subwords;
mod words;

pub use detokenize::{detokenize, detokenize_spans};
pub use docstring::docstring_tokens;
pub use python::{LexError, Token, TokenKind, lex};
pub use seam::{Encoding, TokenizeError, Tokenizer, TokenizerConfig};
pub use subwords::{ATOMIC_WORDS, MAX_SRC_PIECES, SUBWORDS_FILE, Side, Subwords};
pub use words::{DocstringWords, LayoutWords, MAX_SRC_LEN, SRC_VOCAB_FILE, TGT_VOCAB_FILE};

/// Marks the end of a logical line in layout tokens.
pub const NEWLINE: &str = "<newline>";
/// Marks one more level of indentation in layout tokens.
pub const INDENT: &str = "<indent>";
/// Marks one level of indentation less in layout tokens.
pub const DEDENT: &str = "<dedent>";

/// The layout-aware target form: lexical tokens plus [`NEWLINE`] / [`INDENT`] / [`DEDENT`] markers,
/// without comments.
///
/// The NEWLINE and DEDENT markers at the very end are dropped: they are implied by the end of the
/// code, and leaving them out keeps the targets shorter.
pub fn layout_tokens(code: &str) -> Result<Vec<String>, LexError> {
    let mut tokens = Vec::new();
    for token in lex(code)? {
        match token.kind {
            TokenKind::Comment => {}
            TokenKind::Newline => tokens.push(NEWLINE.to_string()),
            TokenKind::Indent => tokens.push(INDENT.to_string()),
            TokenKind::Dedent => tokens.push(DEDENT.to_string()),
            TokenKind::Name | TokenKind::Number | TokenKind::String | TokenKind::Op => {
                tokens.push(token.text)
            }
        }
    }
    while tokens.last().is_some_and(|t| t == NEWLINE || t == DEDENT) {
        tokens.pop();
    }
    Ok(tokens)
}

/// CodeSearchNet-style code tokens: the lexical tokens without comments or layout. This is the form
/// the metrics (BLEU, exact match) compare.
pub fn code_tokens(code: &str) -> Result<Vec<String>, LexError> {
    Ok(lex(code)?
        .into_iter()
        .filter(|t| {
            matches!(
                t.kind,
                TokenKind::Name | TokenKind::Number | TokenKind::String | TokenKind::Op
            )
        })
        .map(|t| t.text)
        .collect())
}

/// Whether `token` is one of the layout markers [`NEWLINE`], [`INDENT`], [`DEDENT`].
pub fn is_layout(token: &str) -> bool {
    token == NEWLINE || token == INDENT || token == DEDENT
}

/// Removes the layout markers, turning layout tokens into code tokens.
pub fn strip_layout<S: AsRef<str>>(tokens: &[S]) -> Vec<String> {
    tokens
        .iter()
        .map(AsRef::as_ref)
        .filter(|t| !is_layout(t))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_example_from_the_spec() {
        assert_eq!(
            layout_tokens("def f(x):\n    return x\n").unwrap(),
            [
                "def", "f", "(", "x", ")", ":", NEWLINE, INDENT, "return", "x"
            ]
        );
    }

    #[test]
    fn layout_keeps_inner_dedents_and_drops_comments() {
        let code = "if a:  # check\n    b()\n\n    # inner\nelse:\n    c = 1\nd\n";
        assert_eq!(
            layout_tokens(code).unwrap(),
            [
                "if", "a", ":", NEWLINE, INDENT, "b", "(", ")", NEWLINE, DEDENT, "else", ":",
                NEWLINE, INDENT, "c", "=", "1", NEWLINE, DEDENT, "d"
            ]
        );
    }

    #[test]
    fn code_tokens_have_no_layout() {
        let code = "def f(x):\n    # c\n    return x\n";
        assert_eq!(
            code_tokens(code).unwrap(),
            ["def", "f", "(", "x", ")", ":", "return", "x"]
        );
        assert_eq!(
            code_tokens(code).unwrap(),
            strip_layout(&layout_tokens(code).unwrap())
        );
    }

    #[test]
    fn empty_and_comment_only_code() {
        assert!(layout_tokens("").unwrap().is_empty());
        assert!(layout_tokens("# nothing\n\n").unwrap().is_empty());
        assert!(code_tokens("  \n").unwrap().is_empty());
    }

    #[test]
    fn layout_markers() {
        assert!(is_layout(NEWLINE) && is_layout(INDENT) && is_layout(DEDENT));
        assert!(!is_layout("newline") && !is_layout("\"<newline>\""));
        assert_eq!(
            strip_layout(&["a", NEWLINE, INDENT, "b", DEDENT]),
            ["a", "b"]
        );
        assert!(strip_layout::<&str>(&[]).is_empty());
    }

    #[test]
    fn errors_propagate() {
        let error = layout_tokens("x = (1,\n").unwrap_err();
        assert_eq!((error.line, error.col), (1, 4));
        assert!(code_tokens("'abc").is_err());
    }
}
