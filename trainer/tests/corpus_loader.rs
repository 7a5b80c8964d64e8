//! Reading CodeSearchNet-format files: every supported form, and every error message.

mod corpus_common;

use corpus_common::TempDir;
use std::io::Write;
use std::path::{Path, PathBuf};
use trainer::corpus::{LoadError, Pair, iter_pairs, load_pairs, within_limits};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn strs(tokens: &[&str]) -> Vec<String> {
    tokens.iter().map(|t| t.to_string()).collect()
}

#[test]
fn csn_release_rows_drop_docstring_and_comments_from_layout() {
    let pairs = load_pairs(fixture("csn.jsonl")).unwrap();
    assert_eq!(pairs.len(), 3);
    let p = &pairs[0];
    assert_eq!(p.func_name, "Reader.read_all");
    assert_eq!(p.repo, "owner/proj");
    assert_eq!(p.partition.as_deref(), Some("train"));
    assert_eq!(p.docstring, "Read every line of a file.");
    assert!(
        p.code.as_deref().unwrap().contains("# open it"),
        "code is kept as the file has it"
    );
    assert_eq!(
        p.layout_tokens.as_deref().unwrap(),
        strs(&[
            "def",
            "read_all",
            "(",
            "self",
            ",",
            "path",
            ")",
            ":",
            "<newline>",
            "<indent>",
            "with",
            "open",
            "(",
            "path",
            ")",
            "as",
            "f",
            ":",
            "<newline>",
            "<indent>",
            "return",
            "f",
            ".",
            "readlines",
            "(",
            ")"
        ])
    );
    for p in &pairs {
        let layout = p.layout_tokens.as_ref().unwrap();
        assert_eq!(
            model::tokenizer::strip_layout(layout),
            p.code_tokens,
            "{}",
            p.func_name
        );
    }
    let splits: Vec<_> = pairs
        .iter()
        .map(|p| p.partition.as_deref().unwrap())
        .collect();
    assert_eq!(splits, ["train", "valid", "test"]);
}

#[test]
fn gzip_gives_the_same_pairs() {
    assert_eq!(
        load_pairs(fixture("csn.jsonl.gz")).unwrap(),
        load_pairs(fixture("csn.jsonl")).unwrap()
    );
    let streamed: Vec<Pair> = iter_pairs(&fixture("csn.jsonl.gz"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(streamed, load_pairs(fixture("csn.jsonl")).unwrap());
}

#[test]
fn hugging_face_field_names() {
    let pairs = load_pairs(fixture("hf.jsonl")).unwrap();
    let p = &pairs[0];
    assert_eq!(p.repo, "owner/proj");
    assert_eq!(p.partition.as_deref(), Some("train"));
    assert_eq!(
        p.docstring_tokens,
        strs(&["Add", "two", "numbers", "together", "."])
    );
    assert_eq!(
        p.code_tokens,
        strs(&[
            "def", "add", "(", "a", ",", "b", ")", ":", "return", "a", "+", "b"
        ])
    );
    assert_eq!(
        p.layout_tokens.as_deref().unwrap(),
        strs(&[
            "def",
            "add",
            "(",
            "a",
            ",",
            "b",
            ")",
            ":",
            "<newline>",
            "<indent>",
            "return",
            "a",
            "+",
            "b"
        ])
    );
}

#[test]
fn evaluation_sample_rows_with_and_without_code() {
    let pairs = load_pairs(fixture("eval.jsonl")).unwrap();
    assert_eq!(pairs.len(), 2);
    let (with_code, token_only) = (&pairs[0], &pairs[1]);
    assert!(with_code.code.is_some());
    let layout = with_code.layout_tokens.as_ref().unwrap();
    assert!(
        !layout.iter().any(|t| t.contains("Create placeholder")),
        "the docstring is not part of the target"
    );
    assert_eq!(
        model::tokenizer::strip_layout(layout),
        with_code.code_tokens
    );
    assert_eq!(token_only.code, None);
    assert_eq!(token_only.layout_tokens, None);
    assert_eq!(token_only.repo, "");
    assert_eq!(token_only.partition, None);
    assert_eq!(token_only.code_tokens[..2], strs(&["def", "writeBoolean"]));
}

#[test]
fn text_only_rows_get_tokens_computed() {
    let pairs = load_pairs(fixture("text_only.jsonl")).unwrap();
    let p = &pairs[0];
    assert_eq!(
        p.docstring_tokens,
        strs(&["Multiply", "two", "numbers", "."])
    );
    assert_eq!(
        p.code_tokens,
        strs(&[
            "def", "mul", "(", "a", ",", "b", ")", ":", "return", "a", "*", "b"
        ])
    );
}

#[test]
fn the_real_evaluation_sample_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/csn-python-sample/csn-python-eval.jsonl");
    if !path.exists() {
        eprintln!("skipped: {} is not here", path.display());
        return;
    }
    let pairs = load_pairs(&path).unwrap();
    assert_eq!(pairs.len(), 4956);
    assert_eq!(pairs.iter().filter(|p| p.code.is_none()).count(), 4059);
    assert_eq!(pairs.iter().filter(|p| within_limits(*p)).count(), 4571);
}

/// Writes `lines` (raw bytes) to a file and returns the error loading it gives.
fn load_error(dir: &TempDir, name: &str, bytes: &[u8]) -> (PathBuf, LoadError) {
    let path = dir.write(name, bytes);
    let err = load_pairs(&path).unwrap_err();
    (path, err)
}

#[test]
fn invalid_json_names_file_and_line() {
    let dir = TempDir::new("badjson");
    let good = std::fs::read(fixture("hf.jsonl")).unwrap();
    let (path, err) = load_error(
        &dir,
        "bad.jsonl",
        &[&good[..], b"\n{\"docstring\": \n"].concat(),
    );
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("{}:3: invalid JSON: ", path.display())),
        "{message}"
    );
}

#[test]
fn missing_fields_name_the_field() {
    let dir = TempDir::new("missing");
    let (path, err) = load_error(
        &dir,
        "a.jsonl",
        b"{\"docstring\": \"Do a thing.\", \"code\": null}\n",
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}:1: missing field `code_tokens` (or `code`)",
            path.display()
        )
    );
    let (path, err) = load_error(&dir, "b.jsonl", b"{\"code_tokens\": [\"x\"]}\n");
    assert_eq!(
        err.to_string(),
        format!(
            "{}:1: missing field `docstring_tokens` (or `docstring`)",
            path.display()
        )
    );
}

#[test]
fn truncated_gzip_says_how_far_it_got() {
    let dir = TempDir::new("truncated");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let row = std::fs::read(fixture("hf.jsonl")).unwrap();
    for _ in 0..200 {
        gz.write_all(&row).unwrap();
    }
    let bytes = gz.finish().unwrap();
    let (path, err) = load_error(&dir, "cut.jsonl.gz", &bytes[..bytes.len() / 2]);
    assert!(matches!(err, LoadError::Gzip { .. }), "{err}");
    let message = err.to_string();
    let prefix = format!("{}: truncated or corrupt gzip after ", path.display());
    let count = message
        .strip_prefix(&prefix)
        .and_then(|m| m.strip_suffix(" lines"))
        .unwrap_or_else(|| panic!("{message}"));
    assert!(count.parse::<usize>().unwrap() < 200);
}

#[test]
fn non_utf8_names_file_and_line() {
    let dir = TempDir::new("utf8");
    let good = std::fs::read(fixture("hf.jsonl")).unwrap();
    let (path, err) = load_error(
        &dir,
        "latin1.jsonl",
        &[&good[..], b"{\"docstring\": \"caf\xe9\"}\n"].concat(),
    );
    assert_eq!(
        err.to_string(),
        format!("{}:2: invalid UTF-8", path.display())
    );
}

#[test]
fn code_that_does_not_lex_without_tokens_is_an_error() {
    let dir = TempDir::new("lex");
    let (path, err) = load_error(
        &dir,
        "lex.jsonl",
        b"{\"docstring\": \"Do a thing.\", \"code\": \"x = 'abc\"}\n",
    );
    assert!(
        err.to_string()
            .starts_with(&format!("{}:1: cannot tokenize `code`: ", path.display())),
        "{err}"
    );
}

#[test]
fn missing_file_is_named() {
    let err = load_pairs("/nonexistent/data.jsonl").unwrap_err();
    assert!(
        err.to_string().starts_with("/nonexistent/data.jsonl: "),
        "{err}"
    );
}

#[test]
fn target_code_strips_only_when_needed() {
    use trainer::corpus::loader::target_code;
    let doc = strs(&["Doc", "."]);
    let (code, layout, stripped) = target_code("def f():\n    'Doc.'\n    return 1", None, &doc);
    assert!(stripped);
    assert_eq!(code, "def f():\n    return 1");
    assert_eq!(
        layout.unwrap(),
        strs(&[
            "def",
            "f",
            "(",
            ")",
            ":",
            "<newline>",
            "<indent>",
            "return",
            "1"
        ])
    );
    // Comments are not tokens: no need to strip them.
    let (code, _, stripped) = target_code(
        "def f(x: int = (1)) -> 'T':\n    return x  # note",
        None,
        &doc,
    );
    assert!(!stripped);
    assert_eq!(code, "def f(x: int = (1)) -> 'T':\n    return x  # note");
    // A string expression that is not a statement of its own, and an f-string, are not docstrings.
    assert!(!target_code("def f():\n    'a'.join(x)", None, &doc).2);
    assert!(!target_code("def f():\n    f'{x}'\n    return 1", None, &doc).2);
    assert!(target_code("def f(): \"Doc.\"; return 1", None, &doc).2);
    // Given tokens that match the code as it is: keep it, even if it starts with a string.
    let given = strs(&["def", "f", "(", ")", ":", "'Second string.'", "return", "1"]);
    assert!(
        !target_code(
            "def f():\n    'Second string.'\n    return 1",
            Some(&given),
            &doc
        )
        .2
    );
    // No tokens given: a leading string that is not the pair's description is code (this corpus'
    // `code` has its docstring removed already, and a second string may lead what is left).
    let second = "def f():\n    'Second string.'\n    return 1";
    assert!(!target_code(second, None, &doc).2);
    assert!(target_code(second, None, &strs(&["Second", "string", "."])).2);
}
