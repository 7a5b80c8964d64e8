//! `trainer generate` end to end: one description with where the model looked (as data or as a
//! picture), a file of descriptions in either accepted form, and the same code for the same input,
//! so that generations can be quoted and reproduced.

mod corpus_common;
mod e2e_common;

use e2e_common::{TempDir, json_file, ok, path, trained_run};

#[test]
fn generate_writes_attention_as_json() {
    let tmp = TempDir::new("e2e-generate-json");
    let run = trained_run(&tmp);
    let attention = tmp.path().join("attention.json");
    let code = ok(&[
        "generate",
        "--checkpoint",
        path(&run.best),
        "--docstring",
        "Return the name.",
        "--attention",
        path(&attention),
    ]);
    let matrix = json_file(&attention);
    let src = matrix["src_tokens"].as_array().unwrap();
    assert!(
        src.len() >= 5 && src[0] == "<sos>" && src[src.len() - 1] == "<eos>",
        "{src:?}"
    );
    let rows = matrix["weights"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        matrix["generated_tokens"].as_array().unwrap().len()
    );
    assert!(
        rows.iter()
            .all(|r| r.as_array().unwrap().len() == src.len())
    );
    assert!(!code.trim().is_empty());
}

#[test]
fn generate_draws_attention_as_svg() {
    let tmp = TempDir::new("e2e-generate-svg");
    let run = trained_run(&tmp);
    let svg = tmp.path().join("attention.svg");
    ok(&[
        "generate",
        "--checkpoint",
        path(&run.best),
        "--docstring",
        "Return the name.",
        "--attention",
        path(&svg),
    ]);
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
}

#[test]
fn generate_reads_plain_and_jsonl_lines_from_input() {
    let tmp = TempDir::new("e2e-generate-input");
    let run = trained_run(&tmp);
    let input = tmp.write(
        "input.txt",
        "Return the size.\n\n{\"docstring\": \"Reset the path.\"}\n",
    );
    let lines = ok(&[
        "generate",
        "--checkpoint",
        path(&run.best),
        "--input",
        path(&input),
    ]);
    assert_eq!(lines.lines().count(), 2);
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["docstring"], "Return the size.");
}

#[test]
fn generate_gives_the_same_code_every_time() {
    let tmp = TempDir::new("e2e-generate-determinism");
    let run = trained_run(&tmp);
    // Asking for the attention as well must not change the code either.
    let code = ok(&[
        "generate",
        "--checkpoint",
        path(&run.best),
        "--docstring",
        "Return the name.",
        "--attention",
        path(&tmp.path().join("attention.json")),
    ]);
    assert_eq!(
        code,
        ok(&[
            "generate",
            "--checkpoint",
            path(&run.best),
            "--docstring",
            "Return the name."
        ])
    );
}
