//! `trainer export`, `compare` and `report` end to end: an exported f16 checkpoint is smaller, still
//! works and carries its run's history so that it can be published alone; `compare` trains and
//! writes the whole results folder; `report` rebuilds that folder from finished checkpoints, an
//! exported one included, without training.

mod corpus_common;
mod e2e_common;

use std::path::{Path, PathBuf};

use e2e_common::{TempDir, fails, json_file, ok, path, toy_corpus, trained_run};

/// Exports the best checkpoint of a fresh run in `tmp`; returns it and the export.
fn exported(tmp: &TempDir) -> (PathBuf, PathBuf) {
    let run = trained_run(tmp);
    let small = tmp.path().join("small");
    ok(&[
        "export",
        "--checkpoint",
        path(&run.best),
        "--out",
        path(&small),
    ]);
    (run.best, small)
}

/// Runs `compare` on both models for one epoch into `tmp`/cmp; returns the corpus, the folder and
/// what `compare` printed.
fn compared(tmp: &TempDir) -> (PathBuf, PathBuf, String) {
    let data = toy_corpus(tmp);
    let out = tmp.path().join("cmp");
    let stdout = ok(&[
        "compare",
        "--models",
        "rnn,attention",
        "--data",
        path(&data),
        "--preset",
        "full",
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--hidden-size",
        "16",
        "--embedding-size",
        "8",
        "--out",
        path(&out),
        "--extra-test",
        path(&data),
    ]);
    (data, out, stdout)
}

#[test]
fn export_halves_the_weights_and_still_generates() {
    let tmp = TempDir::new("e2e-export-f16");
    let (best, small) = exported(&tmp);
    let size = |dir: &Path| std::fs::metadata(dir.join("model.bpk")).unwrap().len();
    assert!(
        size(&small) < size(&best) * 2 / 3,
        "{} vs {}",
        size(&small),
        size(&best)
    );
    ok(&[
        "generate",
        "--checkpoint",
        path(&small),
        "--docstring",
        "Return the name.",
    ]);
    fails(
        &["export", "--checkpoint", path(&best), "--out", path(&small)],
        "exists",
    );
}

#[test]
fn export_writes_a_card_that_generate_reproduces() {
    let tmp = TempDir::new("e2e-export-metadata");
    let (_, small) = exported(&tmp);
    let metadata = json_file(&small.join("card.json"));
    assert_eq!(metadata["model"], "attention");
    assert_eq!(json_file(&small.join("config.json"))["precision"], "f16");
    assert_eq!(metadata["test"]["n"], 8);
    assert!(
        metadata["data"]["description"]
            .as_str()
            .unwrap()
            .contains("48 / 8 / 8"),
        "{metadata}"
    );
    let training = &metadata["training"];
    assert_eq!(training["epochs_trained"], 2);
    assert_eq!(training["history"].as_array().unwrap().len(), 2);
    assert!(
        training["provenance"][0]["command"]
            .as_str()
            .unwrap()
            .contains("--epochs 2")
    );
    let samples = metadata["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 4);
    for sample in samples {
        let code = ok(&[
            "generate",
            "--checkpoint",
            path(&small),
            "--docstring",
            sample["description"].as_str().unwrap(),
        ]);
        assert_eq!(code.trim_end(), sample["code"].as_str().unwrap().trim_end());
    }
}

#[test]
fn reexport_keeps_the_training_facts() {
    let tmp = TempDir::new("e2e-export-again");
    let (_, small) = exported(&tmp);
    let again = tmp.path().join("again");
    ok(&[
        "export",
        "--checkpoint",
        path(&small),
        "--out",
        path(&again),
    ]);
    let metadata = json_file(&small.join("card.json"));
    let kept = json_file(&again.join("card.json"));
    assert_eq!(kept["training"], metadata["training"]);
}

#[test]
fn compare_writes_a_report() {
    let tmp = TempDir::new("e2e-compare");
    let (_, out, stdout) = compared(&tmp);
    assert!(stdout.contains("rnn on test: BLEU"), "{stdout}");
    let report = out.join("report");
    let md = std::fs::read_to_string(report.join("README.md")).unwrap();
    for needle in [
        "| Vanilla RNN |",
        "| Attention |",
        "| BM25 baseline (no training) |",
        "| seed BLEU |",
        "21.85",
        "## Example generations",
        "attention-1.svg",
        "curves.svg",
    ] {
        assert!(md.contains(needle), "report lacks {needle}:\n{md}");
    }
    for file in [
        "comparison.svg",
        "curves.svg",
        "bleu_by_length.svg",
        "bleu_time.svg",
        "attention-1.svg",
        "results.json",
        "bm25/eval-test.json",
        "bm25/predictions-extra.jsonl",
    ] {
        assert!(report.join(file).is_file(), "missing {file}");
    }
    let results = json_file(&report.join("results.json"));
    assert_eq!(results.as_array().unwrap().len(), 2);
    assert_eq!(results[1]["extra_test"]["n"], 64);
    // The extra test set holds the training pairs themselves, which the baseline retrieves exactly.
    let baseline = json_file(&report.join("bm25/eval-extra.json"));
    assert_eq!(baseline["n"], 64);
    assert!(
        baseline["exact_match"].as_f64().unwrap() > 0.0,
        "{baseline}"
    );
}

#[test]
fn report_from_checkpoints_takes_training_facts_from_an_export() {
    let tmp = TempDir::new("e2e-report");
    let (data, out, _) = compared(&tmp);
    let exported = tmp.path().join("exported-attention");
    ok(&[
        "export",
        "--checkpoint",
        path(&out.join("attention/best")),
        "--out",
        path(&exported),
    ]);
    let rep = tmp.path().join("rep");
    let checkpoints = format!("{},{}", path(&out.join("rnn/best")), path(&exported));
    let stdout = ok(&[
        "report",
        "--checkpoints",
        &checkpoints,
        "--out",
        path(&rep),
        "--extra-test",
        path(&data),
    ]);
    assert!(stdout.contains("report: "), "{stdout}");
    let md = std::fs::read_to_string(rep.join("README.md")).unwrap();
    assert!(
        md.contains("| Vanilla RNN |")
            && md.contains("| Attention |")
            && md.contains("| BM25 baseline (no training) |"),
        "{md}"
    );
    let results = json_file(&rep.join("results.json"));
    assert_eq!(results[1]["epochs"], 1);
    assert_eq!(results[1]["history"].as_array().unwrap().len(), 1);
    assert_eq!(results[1]["extra_test"]["n"], 64);
    // The f16 export scores what its card recorded.
    let metadata = json_file(&exported.join("card.json"));
    assert_eq!(results[1]["test"], metadata["test"]);
    for file in [
        "curves.svg",
        "comparison.svg",
        "bleu_time.svg",
        "attention-1.svg",
        "rnn/predictions-test.jsonl",
    ] {
        assert!(rep.join(file).is_file(), "missing {file}");
    }
}
