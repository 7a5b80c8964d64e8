//! Tests of the lexer's layout, positions, operators and errors (numbers and strings are tested in
//! their own modules).

use super::{LexError, TokenKind, lex};
use TokenKind::{Dedent, Indent, Name, Newline, Op};

fn kinds_and_texts(code: &str) -> Vec<(TokenKind, String)> {
    let tokens = lex(code).unwrap_or_else(|e| panic!("{e}: {code:?}"));
    tokens.into_iter().map(|t| (t.kind, t.text)).collect()
}

fn texts(code: &str) -> Vec<String> {
    kinds_and_texts(code).into_iter().map(|(_, t)| t).collect()
}

fn error(code: &str) -> (usize, usize, String) {
    let LexError { line, col, message } = lex(code).unwrap_err();
    (line, col, message)
}

#[test]
fn operators_take_the_longest_match() {
    let ops = [
        "**=", "//=", ">>=", "<<=", "...", "!=", "%=", "&=", "**", "*=", "+=", "-=", "->", "//",
        "/=", ":=", "<<", "<=", "==", ">=", ">>", "@=", "^=", "|=", "%", "&", "*", "+", ",", "-",
        ".", "/", ":", ";", "<", "=", ">", "@", "^", "|", "~",
    ];
    for op in ops {
        assert_eq!(
            kinds_and_texts(&format!("a {op} b"))[1],
            (Op, op.to_string()),
            "{op}"
        );
    }
    assert_eq!(texts("a**-b"), ["a", "**", "-", "b", ""]);
    assert_eq!(texts("x....y"), ["x", "...", ".", "y", ""]);
    assert_eq!(texts("a<>b"), ["a", "<", ">", "b", ""]);
    assert_eq!(
        texts("f(**k)->x"),
        ["f", "(", "**", "k", ")", "->", "x", ""]
    );
}

#[test]
fn names_keywords_and_unicode() {
    assert_eq!(
        kinds_and_texts("def"),
        [(Name, "def".into()), (Newline, "".into())]
    );
    assert_eq!(
        texts("ñame 变量 नमस्ते _x1 Ünï"),
        ["ñame", "变量", "नमस्ते", "_x1", "Ünï", ""]
    );
    assert_eq!(error("x = a€").2, "invalid character '€' (U+20AC)");
    assert_eq!(error("x = $").2, "invalid character '$' (U+0024)");
    assert_eq!(error("a ! b").2, "invalid character '!' (U+0021)");
    assert_eq!(
        error("a\u{a0}= 1"),
        (1, 1, "invalid non-printable character U+00A0".to_string())
    );
}

#[test]
fn positions_are_one_based_lines_and_char_columns() {
    let tokens = lex("é = 'ü'\nif x:\n    y\n").unwrap();
    let positions: Vec<(&str, usize, usize)> = tokens
        .iter()
        .map(|t| (t.text.as_str(), t.line, t.col))
        .collect();
    assert_eq!(
        positions,
        [
            ("é", 1, 0),
            ("=", 1, 2),
            ("'ü'", 1, 4),
            ("\n", 1, 7),
            ("if", 2, 0),
            ("x", 2, 3),
            (":", 2, 4),
            ("\n", 2, 5),
            ("    ", 3, 0),
            ("y", 3, 4),
            ("\n", 3, 5),
            ("", 4, 0),
        ]
    );
    // After a multi-line string, lines keep counting.
    let tokens = lex("s = '''a\nb'''; t\n").unwrap();
    assert_eq!(
        (tokens[4].text.as_str(), tokens[4].line, tokens[4].col),
        ("t", 2, 6)
    );
}

#[test]
fn indentation_makes_indent_and_dedent() {
    let code = "if a:\n    if b:\n        c\n\n  # comment at another level\n    d\ne\n";
    let kinds: Vec<TokenKind> = lex(code).unwrap().into_iter().map(|t| t.kind).collect();
    use TokenKind::Comment;
    assert_eq!(
        kinds,
        [
            Name, Name, Op, Newline, Indent, Name, Name, Op, Newline, Indent, Name, Newline,
            Comment, Dedent, Name, Newline, Dedent, Name, Newline
        ]
    );
    // Tabs (to the next multiple of 8) and a form feed, which resets the column.
    assert_eq!(
        texts("if a:\n\tb\n\tc\nd"),
        [
            "if", "a", ":", "\n", "\t", "b", "\n", "c", "\n", "", "d", ""
        ]
    );
    assert_eq!(
        texts("if a:\n  b\n\x0cc\n"),
        ["if", "a", ":", "\n", "  ", "b", "\n", "", "c", "\n"]
    );
    // Dedents at the end of the input, with or without a final line break.
    assert_eq!(
        texts("if a:\n  if b:\n    c"),
        [
            "if", "a", ":", "\n", "  ", "if", "b", ":", "\n", "    ", "c", "", "", ""
        ]
    );
    // An indented first line is an INDENT (CSN snippets can start inside a class).
    assert_eq!(texts("  x\n"), ["  ", "x", "\n", ""]);
}

#[test]
fn blank_lines_brackets_and_continuations_make_no_newline() {
    assert!(
        lex("\n  \n# only a comment\n\t\n")
            .unwrap()
            .iter()
            .all(|t| t.kind == TokenKind::Comment)
    );
    assert_eq!(
        texts("x = (1,\n  2,\n\n# c\n 3)\n"),
        ["x", "=", "(", "1", ",", "2", ",", "# c", "3", ")", "\n"]
    );
    assert_eq!(
        texts("x = 1 + \\\n      2\n"),
        ["x", "=", "1", "+", "2", "\n"]
    );
    assert_eq!(
        texts("if a:\n    x = [\n1]\n    y\n"),
        [
            "if", "a", ":", "\n", "    ", "x", "=", "[", "1", "]", "\n", "y", "\n", ""
        ]
    );
}

#[test]
fn line_endings() {
    assert_eq!(texts("a\r\nb\rc\n"), ["a", "\r\n", "b", "\r", "c", "\n"]);
    let tokens = lex("'''x\r\ny'''\r\nz").unwrap();
    assert_eq!((tokens[2].text.as_str(), tokens[2].line), ("z", 3));
    assert_eq!(texts("\u{feff}x"), ["x", ""]);
}

#[test]
fn layout_errors() {
    let message = "unindent does not match any outer indentation level";
    assert_eq!(error("if a:\n    b\n  c\n"), (3, 2, message.to_string()));
    let message = "inconsistent use of tabs and spaces in indentation";
    assert_eq!(
        error("if a:\n        b\n\tc\n"),
        (3, 1, message.to_string())
    );
    assert_eq!(error("if a:\n    \tb\n\tc\n").2, message);
    assert_eq!(
        error("x = (1,\n  2"),
        (1, 4, "'(' was never closed".to_string())
    );
    assert_eq!(
        error("x = [1)"),
        (
            1,
            6,
            "closing parenthesis ')' does not match opening parenthesis '[' on line 1".to_string()
        )
    );
    assert_eq!(error("\nx)"), (2, 1, "unmatched ')'".to_string()));
    assert_eq!(
        error("x = 1 + \\"),
        (
            1,
            8,
            "unexpected end of file after line continuation character".to_string()
        )
    );
    assert_eq!(
        error("x = 1 \\ + 2"),
        (
            1,
            6,
            "unexpected character after line continuation character".to_string()
        )
    );
}

#[test]
fn errors_display_their_position() {
    let error = lex("x = (").unwrap_err();
    assert_eq!(error.to_string(), "line 1, column 4: '(' was never closed");
    let boxed: Box<dyn std::error::Error> = Box::new(error);
    assert!(boxed.to_string().contains("never closed"));
}
