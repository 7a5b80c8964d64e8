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
    // Each row's probability, and the alternatives greedy decoding had there (its choice first).
    let generated = matrix["generated_tokens"].as_array().unwrap();
    let confidence = matrix["confidence"].as_array().unwrap();
    let alternatives = matrix["alternatives"].as_array().unwrap();
    assert_eq!(confidence.len(), generated.len());
    assert_eq!(alternatives.len(), generated.len());
    for ((token, p), step) in generated.iter().zip(confidence).zip(alternatives) {
        let first = &step.as_array().unwrap()[0];
        assert_eq!(&first["piece"], token);
        assert_eq!(&first["p"], p);
    }
}

#[test]
fn generate_prints_each_token_s_probability_and_alternatives() {
    let tmp = TempDir::new("e2e-generate-alternatives");
    let run = trained_run(&tmp);
    let output = e2e_common::trainer(&[
        "generate",
        "--checkpoint",
        path(&run.best),
        "--docstring",
        "Return the name.",
        "--alternatives",
    ]);
    assert!(output.status.success());
    let table = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = table.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines[0].starts_with("step  token"), "{table}");
    // `def` first, as the toy model writes every function.
    let first: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(&first[..2], ["1", "def"], "{table}");
    let p: f64 = first[2].parse().unwrap();
    assert!(p > 0.0 && p <= 1.0, "{table}");
    // With a beam there are no alternatives to print.
    e2e_common::fails(
        &[
            "generate",
            "--checkpoint",
            path(&run.best),
            "--docstring",
            "Return the name.",
            "--alternatives",
            "--beam",
            "2",
        ],
        "only greedy decoding",
    );
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
