//! CodeSearchNet-style tokenization of natural-language docstrings.
//!
//! CodeSearchNet split docstrings with this Python regular expression and kept the non-empty matches:
//!
//! ```text
//! [^\s,'"`.():\[\]=*;>{\}+-/\\]+|\\+|\.+|\(\)|{\}|\[\]|\(|\)|{|}|\[|\]|,|'|"|`|:|=|\*|;|>|\+|-|/
//! ```
//!
//! That is: runs of "word" characters, runs of backslashes, runs of dots, the empty pairs `()` `{}` `[]`,
//! and single punctuation characters. Note that `+-/` inside the class is a *range* (`+ , - . /`), and
//! that `<`, `!`, `?`, `#`, `@`, `%`, `&`, `|`, `~`, `^` and `$` are word characters.
//!
//! The published `docstring_tokens` of the corpus contain no quotes or backticks ("located at `path`"
//! became `at`, `path`), so `'`, `"` and `` ` `` are matched but dropped, as the corpus did.
//!
//! A hand-written scanner does the same thing as the regex in one pass without compiling anything.

/// Splits a docstring into CodeSearchNet-style tokens (see the module docs for the exact rules).
///
/// ```
/// use model::tokenizer::docstring_tokens;
/// assert_eq!(docstring_tokens("CNN from Nature paper."), ["CNN", "from", "Nature", "paper", "."]);
/// ```
pub fn docstring_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let len = if is_space(c) {
            c.len_utf8()
        } else if !is_punctuation(c) {
            // A word: everything up to the next space or punctuation character.
            rest.find(|c: char| is_space(c) || is_punctuation(c))
                .unwrap_or(rest.len())
        } else {
            let next = rest[1..].chars().next();
            match (c, next) {
                ('\\' | '.', _) => rest.find(|d| d != c).unwrap_or(rest.len()),
                ('(', Some(')')) | ('{', Some('}')) | ('[', Some(']')) => 2,
                _ => 1,
            }
        };
        let (token, tail) = rest.split_at(len);
        if !token.starts_with(is_space) && !matches!(token, "'" | "\"" | "`") {
            tokens.push(token.to_string());
        }
        rest = tail;
    }
    tokens
}

/// Python's `\s` for `str` patterns: Rust's Unicode `White_Space`, plus the ASCII information
/// separators U+001C..U+001F that Python's `str.isspace` also accepts.
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The characters excluded from words by the regex; every one of them is also a token on its own.
fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        ',' | '\''
            | '"'
            | '`'
            | '.'
            | '('
            | ')'
            | ':'
            | '['
            | ']'
            | '='
            | '*'
            | ';'
            | '>'
            | '{'
            | '}'
            | '+'
            | '-'
            | '/'
            | '\\'
    )
}

#[cfg(test)]
mod tests {
    use super::docstring_tokens;

    fn toks(text: &str) -> Vec<String> {
        docstring_tokens(text)
    }

    #[test]
    fn codesearchnet_examples() {
        assert_eq!(
            toks("Save model to a pickle located at `path`"),
            [
                "Save", "model", "to", "a", "pickle", "located", "at", "path"
            ]
        );
        assert_eq!(
            toks("convolutions-only net"),
            ["convolutions", "-", "only", "net"]
        );
        assert_eq!(
            toks("CNN from Nature paper."),
            ["CNN", "from", "Nature", "paper", "."]
        );
    }

    #[test]
    fn quotes_and_backticks_are_dropped() {
        assert_eq!(toks(r#"Return 'a' or "b""#), ["Return", "a", "or", "b"]);
        assert_eq!(toks("``x``"), ["x"]);
    }

    #[test]
    fn runs_pairs_and_single_punctuation() {
        assert_eq!(toks("wait... done"), ["wait", "...", "done"]);
        assert_eq!(toks(r"a\\b"), ["a", r"\\", "b"]);
        assert_eq!(toks("call f() now"), ["call", "f", "()", "now"]);
        assert_eq!(toks("{} [] ( )"), ["{}", "[]", "(", ")"]);
        assert_eq!(
            toks("x=1; y>=2, z*3+4/5"),
            [
                "x", "=", "1", ";", "y", ">", "=", "2", ",", "z", "*", "3", "+", "4", "/", "5"
            ]
        );
        assert_eq!(toks("a:b"), ["a", ":", "b"]);
    }

    #[test]
    fn word_characters_include_other_symbols() {
        // `<`, `!`, `?`, `#`, `@`, `%` and `&` are not in the regex's excluded class.
        assert_eq!(
            toks("a<b !x? #1 @dec 5% a&b"),
            ["a<b", "!x?", "#1", "@dec", "5%", "a&b"]
        );
    }

    #[test]
    fn unicode_and_whitespace() {
        assert_eq!(
            toks("  naïve\tcafé\n\u{a0}日本語 "),
            ["naïve", "café", "日本語"]
        );
        assert_eq!(toks("a\u{1f}b"), ["a", "b"]);
        assert!(toks("").is_empty());
        assert!(toks(" \n\t").is_empty());
    }
}
