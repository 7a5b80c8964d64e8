//! String literals as the lexer sees them: whether a token is one, and whether it is finished.

/// Whether a token is a string literal, and whether it is finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StringState {
    NotString,
    Open,
    /// `''` or `""`: finished, or the start of a triple-quoted one.
    EmptyOrTriple,
    Closed,
}

/// The state of `word` as a string literal (prefix letters such as `r`, `b`, `f` allowed).
pub(super) fn string_state(word: &str) -> StringState {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_prefixes_and_triple_quotes() {
        assert_eq!(string_state("r'\\''"), StringState::Closed);
        assert_eq!(string_state("'\\'"), StringState::Open);
        assert_eq!(string_state("name"), StringState::NotString);
        assert_eq!(string_state("''"), StringState::EmptyOrTriple);
        assert_eq!(string_state("'''a'"), StringState::Open);
        assert_eq!(string_state("f'''a'''"), StringState::Closed);
    }
}
