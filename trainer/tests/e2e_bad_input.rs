//! The trainer's answers to bad input: each mistake a user can make fails with a message that names
//! it (or, for an over-long description, goes on with a warning), rather than a panic, a silent
//! default or a half-written folder.

mod corpus_common;
mod e2e_common;

use std::path::Path;

use e2e_common::{TempDir, fails, path, toy_corpus, train_args, trained_run, trainer};

#[test]
fn an_empty_description_is_refused() {
    let tmp = TempDir::new("e2e-bad-empty");
    let run = trained_run(&tmp);
    fails(
        &[
            "generate",
            "--checkpoint",
            path(&run.best),
            "--docstring",
            "  ",
        ],
        "--docstring is empty",
    );
}

#[test]
fn an_over_long_description_is_cut_with_a_warning() {
    let tmp = TempDir::new("e2e-bad-long");
    let run = trained_run(&tmp);
    let long = vec!["word"; 60].join(" ");
    let out = trainer(&[
        "generate",
        "--checkpoint",
        path(&run.best),
        "--docstring",
        &long,
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only the first 50 were used"));
}

#[test]
fn a_missing_checkpoint_cannot_be_evaluated() {
    let tmp = TempDir::new("e2e-bad-missing");
    fails(
        &["eval", "--checkpoint", path(&tmp.path().join("nope"))],
        "cannot load checkpoint",
    );
}

#[test]
fn a_report_on_a_missing_checkpoint_fails() {
    let tmp = TempDir::new("e2e-bad-report");
    fails(
        &["report", "--checkpoints", path(&tmp.path().join("nope"))],
        "cannot load checkpoint",
    );
}

#[test]
fn a_corrupt_model_bpk_is_named() {
    let tmp = TempDir::new("e2e-bad-corrupt");
    let run = trained_run(&tmp);
    let broken = tmp.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    for file in [
        "config.json",
        "src_vocab.json",
        "tgt_vocab.json",
        "card.json",
    ] {
        std::fs::copy(run.best.join(file), broken.join(file)).unwrap();
    }
    std::fs::write(broken.join("model.bpk"), b"not weights").unwrap();
    fails(&["eval", "--checkpoint", path(&broken)], "model.bpk");
}

#[test]
fn an_unknown_model_is_refused() {
    fails(&["train", "--model", "gru"], "unknown model `gru`");
}

#[test]
fn a_dropout_outside_its_range_is_refused() {
    let tmp = TempDir::new("e2e-bad-dropout");
    let data = toy_corpus(&tmp);
    let out = tmp.path().join("run");
    let mut args = train_args("lstm", path(&data), path(&out), "1");
    args.extend(["--dropout", "1.5"]);
    fails(&args, "dropout 1.5 is not in [0, 1)");
    assert!(!out.exists(), "nothing is written for refused settings");
}

#[test]
fn transformer_sizes_that_do_not_fit_are_refused() {
    let tmp = TempDir::new("e2e-bad-transformer");
    let data = toy_corpus(&tmp);
    let out = tmp.path().join("run");
    let (data, out) = (path(&data), path(&out));
    let base = ["train", "--data", data, "--preset", "full", "--out", out];
    let with = |extra: &[&'static str]| [&base[..], extra].concat();
    fails(
        &with(&[
            "--model",
            "transformer",
            "--hidden-size",
            "16",
            "--heads",
            "3",
        ]),
        "--hidden-size (16) must be a multiple of --heads (3)",
    );
    fails(
        &with(&["--model", "transformer", "--embedding-size", "8"]),
        "give --hidden-size, not --embedding-size",
    );
    fails(
        &with(&["--model", "transformer", "--bidirectional"]),
        "the Transformer's reads both ways",
    );
    fails(
        &with(&["--model", "lstm", "--heads", "2"]),
        "options of the Transformer",
    );
    fails(
        &with(&["--model", "lstm", "--label-smoothing", "1.5"]),
        "--label-smoothing must be at least 0 and below 1",
    );
    assert!(
        !Path::new(out).join("run.json").exists(),
        "a refused run wrote its folder"
    );
}

#[test]
fn an_unknown_preset_is_refused() {
    fails(&["train", "--preset", "huge"], "unknown preset `huge`");
}

#[test]
fn resume_without_a_run_is_refused() {
    let tmp = TempDir::new("e2e-bad-resume");
    fails(
        &["train", "--out", path(&tmp.path().join("none")), "--resume"],
        "holds no training run",
    );
}

#[test]
fn an_output_folder_that_cannot_be_created_is_reported() {
    let tmp = TempDir::new("e2e-bad-out");
    let data = toy_corpus(&tmp);
    let data = path(&data);
    // Its parent is a file.
    let under_file = Path::new(data).join("run");
    fails(
        &train_args("rnn", data, path(&under_file), "1"),
        "cannot create",
    );
}

#[test]
fn unk_replacement_is_refused_for_a_model_without_attention() {
    let lstm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../checkpoints/lstm");
    fails(
        &[
            "generate",
            "--checkpoint",
            path(&lstm),
            "--docstring",
            "Return the name.",
            "--replace-unk",
        ],
        "--replace-unk needs a model with attention (this checkpoint is lstm)",
    );
}
