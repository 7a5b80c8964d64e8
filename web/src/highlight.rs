//! A small Python syntax highlighter: splits source into spans whose texts, concatenated, are exactly
//! the input (so the code element's text stays the generated code).

#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use model::copied::{CodeView, Origin};

/// What a span of source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Keyword,
    Builtin,
    String,
    Number,
    Comment,
    Plain,
}

impl Kind {
    /// The CSS class of the span (`static/style.css`).
    pub fn class(self) -> &'static str {
        match self {
            Kind::Keyword => "kw",
            Kind::Builtin => "bi",
            Kind::String => "str",
            Kind::Number => "num",
            Kind::Comment => "com",
            Kind::Plain => "",
        }
    }
}

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

const BUILTINS: &[&str] = &[
    "self",
    "cls",
    "print",
    "len",
    "range",
    "str",
    "int",
    "float",
    "bool",
    "list",
    "dict",
    "set",
    "tuple",
    "isinstance",
    "open",
    "super",
    "enumerate",
    "zip",
    "map",
    "filter",
    "sorted",
    "min",
    "max",
    "sum",
    "abs",
    "any",
    "all",
    "type",
    "getattr",
    "setattr",
    "hasattr",
];

/// String prefixes (`r"..."`, `f'...'`, ...).
const PREFIXES: &[&str] = &["r", "b", "f", "u", "rb", "br", "fr", "rf"];

/// Splits `code` into highlighted spans; adjacent plain text is merged.
pub fn highlight(code: &str) -> Vec<(Kind, &str)> {
    let mut spans: Vec<(Kind, &str)> = Vec::new();
    let mut start = 0;
    while start < code.len() {
        let rest = &code[start..];
        let c = rest.chars().next().unwrap_or_default();
        let (kind, len) = if c == '#' {
            (Kind::Comment, rest.find('\n').unwrap_or(rest.len()))
        } else if c == '"' || c == '\'' {
            (Kind::String, string_len(rest))
        } else if c.is_ascii_digit() {
            let len = rest
                .find(|d: char| !(d.is_ascii_alphanumeric() || d == '_' || d == '.'))
                .unwrap_or(rest.len());
            (Kind::Number, len)
        } else if c.is_alphabetic() || c == '_' {
            let len = rest
                .find(|d: char| !(d.is_alphanumeric() || d == '_'))
                .unwrap_or(rest.len());
            let word = &rest[..len];
            let quoted = rest[len..].starts_with(['"', '\'']);
            if quoted && PREFIXES.contains(&word.to_ascii_lowercase().as_str()) {
                (Kind::String, len + string_len(&rest[len..]))
            } else if KEYWORDS.contains(&word) {
                (Kind::Keyword, len)
            } else if BUILTINS.contains(&word) {
                (Kind::Builtin, len)
            } else {
                (Kind::Plain, len)
            }
        } else {
            (Kind::Plain, c.len_utf8())
        };
        let end = start + len.max(c.len_utf8());
        match spans.last_mut() {
            Some((Kind::Plain, text)) if kind == Kind::Plain => {
                // The previous span ends at `start`: extend it.
                *text = &code[start - text.len()..end];
            }
            _ => spans.push((kind, &code[start..end])),
        }
        start = end;
    }
    spans
}

/// The length of the string literal at the start of `s` (which starts with a quote), up to and with
/// its closing quote; an unterminated single-quoted string ends at the end of the line.
fn string_len(s: &str) -> usize {
    let quote = &s[..1];
    let triple = quote.repeat(3);
    let (open, close) = if s.starts_with(&triple) {
        (3, triple.as_str())
    } else {
        (1, quote)
    };
    let mut i = open;
    while i < s.len() {
        let rest = &s[i..];
        if let Some(escaped) = rest.strip_prefix('\\') {
            i += 1 + escaped.chars().next().map_or(0, char::len_utf8);
        } else if rest.starts_with(close) {
            return i + close.len();
        } else if open == 1 && rest.starts_with('\n') {
            return i;
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    s.len()
}

/// The highlighted code's spans, cut where a copied token starts or ends, each with the source it
/// was copied from (copy models; `None` everywhere for the others).
pub fn highlight_copied<'a>(
    code: &'a str,
    copied: Option<&CodeView>,
) -> Vec<(Kind, &'a str, Option<Origin>)> {
    let mut origin = vec![None; code.len()];
    for token in copied.map_or(&[][..], |view| &view.tokens) {
        origin[token.range.clone()].fill(token.copied);
    }
    let mut segments = Vec::new();
    let mut at = 0;
    for (kind, text) in highlight(code) {
        let end = at + text.len();
        let mut start = at;
        for (i, _) in text.char_indices().skip(1) {
            if origin[at + i] != origin[at + i - 1] {
                segments.push((kind, &code[start..at + i], origin[start]));
                start = at + i;
            }
        }
        segments.push((
            kind,
            &code[start..end],
            origin.get(start).copied().flatten(),
        ));
        at = end;
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::copied::ViewToken;

    fn joined(code: &str) -> String {
        highlight(code).iter().map(|(_, t)| *t).collect()
    }

    #[test]
    fn spans_concatenate_to_the_input() {
        for code in [
            "",
            "def get_name(self):\n    return self.name\n",
            "x = 'a\\'b' + \"\"\"doc\n\"\"\" # note\ny = 0x1F + 1.5e3\n",
            "s = f'{x}' + rb\"\\x00\" + 'unterminated\nz = é + 'ü'",
            "\\ ' \"",
        ] {
            assert_eq!(joined(code), code);
        }
    }

    #[test]
    fn classifies_tokens() {
        let spans = highlight("def f(self): return 'x' # c\n1");
        let kinds: Vec<(Kind, &str)> = spans
            .into_iter()
            .filter(|(k, _)| *k != Kind::Plain)
            .collect();
        assert_eq!(
            kinds,
            [
                (Kind::Keyword, "def"),
                (Kind::Builtin, "self"),
                (Kind::Keyword, "return"),
                (Kind::String, "'x'"),
                (Kind::Comment, "# c"),
                (Kind::Number, "1"),
            ]
        );
    }

    #[test]
    fn plain_text_is_merged() {
        assert_eq!(highlight("a.b("), [(Kind::Plain, "a.b(")]);
    }

    #[test]
    fn segments_split_the_highlighting_where_copied_tokens_start_and_end() {
        let code = "def user_name(u):\n    return u.name\n";
        let mark = |word: &str, copied| ViewToken {
            range: code.find(word).unwrap()..code.find(word).unwrap() + word.len(),
            copied,
            read: true,
        };
        let view = CodeView {
            code: code.into(),
            tokens: vec![
                mark("user_name", Some(Origin::Neighbour)),
                mark(".name", None),
                mark("name\n", Some(Origin::Description)),
            ],
        };
        let segments = highlight_copied(code, Some(&view));
        assert_eq!(segments.iter().map(|s| s.1).collect::<String>(), code);
        let copied: Vec<(&str, Origin)> = segments
            .iter()
            .filter_map(|&(_, text, origin)| origin.map(|o| (text, o)))
            .collect();
        assert_eq!(
            copied,
            [
                ("user_name", Origin::Neighbour),
                ("name\n", Origin::Description)
            ]
        );
        // Without a view: the highlighting alone.
        let plain = highlight_copied(code, None);
        assert!(plain.iter().all(|s| s.2.is_none()));
        assert_eq!(plain.len(), highlight(code).len());
    }
}
