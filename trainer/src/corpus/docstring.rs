//! From a docstring literal in the source to the one-paragraph description the models read.
//!
//! Python evaluates the literal (prefix, quotes, escapes), `inspect.cleandoc` removes the indentation, and
//! CodeSearchNet kept the first paragraph as the description. We do the same three steps so a docstring
//! reads here as `help()` would show it.

/// What a string literal's prefix says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    pub raw: bool,
    /// f-strings (and 3.14 t-strings) are expressions, and bytes are not `str`: neither is a docstring.
    pub docstring_capable: bool,
}

/// Splits a literal into its prefix and the text between the quotes. `None` if it is not a string literal.
fn split_literal(literal: &str) -> Option<(Prefix, &str)> {
    let prefix_len = literal
        .find(['\'', '"'])
        .filter(|&n| literal[..n].chars().all(|c| c.is_ascii_alphabetic()))?;
    let prefix = literal[..prefix_len].to_ascii_lowercase();
    let rest = &literal[prefix_len..];
    let quote = if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
        &rest[..3]
    } else {
        &rest[..1]
    };
    if rest.len() < 2 * quote.len() || !rest.ends_with(quote) {
        return None;
    }
    let inner = &rest[quote.len()..rest.len() - quote.len()];
    let flags = Prefix {
        raw: prefix.contains('r'),
        docstring_capable: !prefix.contains(['f', 'b', 't']),
    };
    Some((flags, inner))
}

/// The prefix of a literal, e.g. to decide whether a string statement is a docstring.
pub fn literal_prefix(literal: &str) -> Option<Prefix> {
    split_literal(literal).map(|(p, _)| p)
}

/// The value of one `str` literal, roughly as Python computes it. `None` for f-strings, bytes, or text that
/// is not a literal. Named escapes (`\N{...}`) are kept as written: resolving them needs the Unicode name
/// table, and they are rare in docstrings.
pub fn literal_value(literal: &str) -> Option<String> {
    let (prefix, inner) = split_literal(literal)?;
    if !prefix.docstring_capable {
        return None;
    }
    Some(if prefix.raw {
        inner.to_string()
    } else {
        unescape(inner)
    })
}

/// The value of an implicitly concatenated literal (`"a" "b"`): the parts' values joined.
pub fn concatenated_value<'a>(parts: impl IntoIterator<Item = &'a str>) -> Option<String> {
    parts.into_iter().map(literal_value).collect()
}

/// Python's escape sequences for `str` literals.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            '\n' => {}
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            'x' | 'u' | 'U' => {
                let digits = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = chars.clone().take(digits).collect();
                match u32::from_str_radix(&hex, 16) {
                    Ok(v) if hex.len() == digits && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
                        out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                        for _ in 0..digits {
                            chars.next();
                        }
                    }
                    // Python rejects these; keeping the text is the gentlest reading.
                    _ => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// Python's `str.expandtabs(8)`.
fn expand_tabs(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut col = 0;
    for c in line.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else {
            out.push(c);
            col += 1;
        }
    }
    out
}

/// `inspect.cleandoc`: expand tabs, strip the first line's leading whitespace, remove the common indentation
/// of the other lines, and drop leading and trailing blank lines.
pub fn cleandoc(doc: &str) -> String {
    let mut lines: Vec<String> = doc.split('\n').map(expand_tabs).collect();
    let margin = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim_start().is_empty())
        .map(|l| l.chars().take_while(|c| c.is_whitespace()).count())
        .min();
    if let Some(first) = lines.first_mut() {
        *first = first.trim_start().to_string();
    }
    if let Some(margin) = margin {
        for line in lines.iter_mut().skip(1) {
            *line = line.chars().skip(margin).collect();
        }
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let start = lines.iter().take_while(|l| l.is_empty()).count();
    lines[start..].join("\n")
}

/// The description CodeSearchNet paired with the code: the first paragraph (up to the first blank line),
/// whitespace collapsed to single spaces.
pub fn summary(doc: &str) -> String {
    let paragraph: Vec<&str> = doc
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect();
    paragraph
        .iter()
        .flat_map(|l| l.split_whitespace())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Literal text(s) -> description: evaluate, `cleandoc`, first paragraph.
pub fn describe<'a>(parts: impl IntoIterator<Item = &'a str>) -> Option<String> {
    concatenated_value(parts).map(|v| summary(&cleandoc(&v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(literal_value(r#""a\tb""#).unwrap(), "a\tb");
        assert_eq!(literal_value(r#"r"a\tb""#).unwrap(), "a\\tb");
        assert_eq!(literal_value("'''x'''").unwrap(), "x");
        assert_eq!(
            literal_value(r#"u"\x41\u00e9\101\q""#).unwrap(),
            "Aé\u{41}\\q"
        );
        assert_eq!(literal_value("\"a\\\nb\"").unwrap(), "ab");
        assert!(literal_value(r#"f"x""#).is_none());
        assert!(literal_value(r#"b"x""#).is_none());
        assert!(literal_value(r#"Rb"x""#).is_none());
        assert_eq!(literal_value(r#""""""""#).unwrap(), "");
    }

    #[test]
    fn cleandoc_and_summary() {
        let doc = "  First line\n    continues here.\n\n    Details.\n  ";
        assert_eq!(cleandoc(doc), "First line\ncontinues here.\n\nDetails.");
        assert_eq!(summary(&cleandoc(doc)), "First line continues here.");
        assert_eq!(summary("\n\n  a\tb  \n c\n\n d"), "a b c");
        assert_eq!(cleandoc("\tx\n\t\ty"), "x\ny");
    }
}
