//! End to end through the `trainer` binary on a tiny corpus: train, resume, eval, generate, compare,
//! and the errors of bad input.

mod corpus_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use corpus_common::TempDir;

/// A CodeSearchNet-format corpus of simple getters and setters: 48 train, 8 valid, 8 test pairs.
fn toy_corpus(dir: &TempDir) -> PathBuf {
    let names = [
        "name", "size", "color", "width", "height", "value", "label", "count", "path", "index",
        "owner", "title", "level", "limit", "state", "score",
    ];
    let mut lines = String::new();
    for (i, name) in names.iter().enumerate() {
        let partition = match i {
            0..=11 => "train",
            12 | 13 => "valid",
            _ => "test",
        };
        let rows = [
            (
                format!("Return the {name}."),
                format!("def get_{name}(self):\n    return self.{name}\n"),
            ),
            (
                format!("Set the {name} to value."),
                format!("def set_{name}(self, value):\n    self.{name} = value\n"),
            ),
            (
                format!("Check whether the {name} is set."),
                format!("def has_{name}(self):\n    return self.{name} is not None\n"),
            ),
            (
                format!("Reset the {name}."),
                format!("def reset_{name}(self):\n    self.{name} = None\n    return self\n"),
            ),
        ];
        for (j, (docstring, code)) in rows.iter().enumerate() {
            let row = serde_json::json!({
                "repo": "toy/toy", "path": "toy.py", "func_name": format!("f{i}_{j}"),
                "docstring": docstring, "code": code, "partition": partition,
            });
            lines.push_str(&row.to_string());
            lines.push('\n');
        }
    }
    dir.write("toy.jsonl", lines)
}

fn trainer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args(args)
        .output()
        .expect("run trainer")
}

fn ok(args: &[&str]) -> String {
    let out = trainer(args);
    assert!(
        out.status.success(),
        "trainer {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(args: &[&str], message: &str) {
    let out = trainer(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "trainer {args:?} should fail");
    assert!(
        stderr.contains(message),
        "trainer {args:?}: {stderr:?} lacks {message:?}"
    );
}

/// `train` arguments for a tiny model on the toy corpus.
fn train_args<'a>(model: &'a str, data: &'a str, out: &'a str, epochs: &'a str) -> Vec<&'a str> {
    vec![
        "train",
        "--model",
        model,
        "--data",
        data,
        "--preset",
        "full",
        "--out",
        out,
        "--epochs",
        epochs,
        "--batch-size",
        "8",
        "--embedding-size",
        "8",
        "--hidden-size",
        "16",
    ]
}

/// Every weight of a checkpoint, in parameter order (the files also hold per-process parameter ids).
fn parameters(dir: &Path) -> Vec<f32> {
    use model::burn::module::{Module, ModuleVisitor, Param};
    use model::burn::prelude::*;
    struct Collect(Vec<f32>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.extend(param.val().into_data().iter::<f32>());
        }
    }
    let checkpoint = model::checkpoint::Checkpoint::load(dir, None, &Device::flex()).unwrap();
    let mut collect = Collect(Vec::new());
    checkpoint.model.visit(&mut collect);
    collect.0
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn train_resume_eval_generate() {
    let tmp = TempDir::new("e2e");
    let data = toy_corpus(&tmp);
    let (data, full, split) = (
        path(&data),
        tmp.path().join("full"),
        tmp.path().join("split"),
    );

    // Two epochs in one go.
    ok(&train_args("attention", data, path(&full), "2"));
    for file in [
        "run.json",
        "metrics.csv",
        "metrics.json",
        "curves.svg",
        "best/model.bpk",
        "best/config.json",
        "best/src_vocab.json",
        "best/tgt_vocab.json",
        "last/model.bpk",
        "last/optimizer.bpk",
        "last/state.json",
    ] {
        assert!(full.join(file).is_file(), "missing {file}");
    }
    let csv = std::fs::read_to_string(full.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.starts_with("epoch,train_loss,valid_loss,valid_perplexity,valid_token_accuracy"));

    // One epoch, then resumed for the second: the same weights, bit for bit.
    ok(&train_args("attention", data, path(&split), "1"));
    let state = std::fs::read_to_string(split.join("last/state.json")).unwrap();
    assert!(state.contains("\"epochs_done\": 1"), "{state}");
    let after_one = parameters(&split.join("last"));
    ok(&["train", "--out", path(&split), "--resume", "--epochs", "2"]);
    let losses = |dir: &Path| -> Vec<String> {
        let csv = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
        csv.lines()
            .map(|l| l.rsplit_once(',').unwrap().0.to_string())
            .collect()
    };
    assert_eq!(losses(&full), losses(&split));
    let weights = |dir: &Path| parameters(&dir.join("last"));
    assert!(
        weights(&full) == weights(&split),
        "resumed run's weights differ from the uninterrupted one's"
    );
    assert!(
        after_one != weights(&split) && !after_one.is_empty(),
        "the second epoch changed nothing"
    );
    // run.json records who ran it: the start and the resume.
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(split.join("run.json")).unwrap()).unwrap();
    let provenance = run["provenance"].as_array().unwrap();
    assert_eq!(provenance.len(), 2, "{run}");
    assert!(
        provenance[0]["command"]
            .as_str()
            .unwrap()
            .starts_with("trainer train --model attention")
    );
    assert!(
        provenance[1]["command"]
            .as_str()
            .unwrap()
            .contains("--resume")
    );
    assert!(
        provenance[0]["hardware"]
            .as_str()
            .unwrap()
            .starts_with("CPU: ")
    );
    assert!(!provenance[0]["commit"].as_str().unwrap().is_empty());

    // A run folder is never overwritten by accident, and stays as it was.
    fails(
        &train_args("attention", data, path(&full), "2"),
        "already holds a training run",
    );
    assert!(weights(&full) == weights(&split));

    // eval: on the run's own test split, and on a file; --json has the documented fields.
    let best = full.join("best");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["eval", "--checkpoint", path(&best), "--json"])).unwrap();
    assert_eq!(json["n"], 8);
    for field in [
        "bleu",
        "token_accuracy",
        "exact_match",
        "syntax_valid",
        "repetition_rate",
    ] {
        assert!(json[field].is_number(), "{field} in {json}");
    }
    let predictions = tmp.path().join("pred.jsonl");
    ok(&[
        "eval",
        "--checkpoint",
        path(&best),
        "--data",
        data,
        "--beam",
        "2",
        "--predictions",
        path(&predictions),
    ]);
    assert_eq!(
        std::fs::read_to_string(&predictions)
            .unwrap()
            .lines()
            .count(),
        64
    );

    // generate: one description with its attention, and a file of them.
    let attention = tmp.path().join("attention.json");
    let code = ok(&[
        "generate",
        "--checkpoint",
        path(&best),
        "--docstring",
        "Return the name.",
        "--attention",
        path(&attention),
    ]);
    let matrix: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&attention).unwrap()).unwrap();
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
    let svg = tmp.path().join("attention.svg");
    ok(&[
        "generate",
        "--checkpoint",
        path(&best),
        "--docstring",
        "Return the name.",
        "--attention",
        path(&svg),
    ]);
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    let input = tmp.write(
        "input.txt",
        "Return the size.\n\n{\"docstring\": \"Reset the path.\"}\n",
    );
    let lines = ok(&[
        "generate",
        "--checkpoint",
        path(&best),
        "--input",
        path(&input),
    ]);
    assert_eq!(lines.lines().count(), 2);
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["docstring"], "Return the size.");
    // The same checkpoint and description give the same code every time.
    assert_eq!(
        code,
        ok(&[
            "generate",
            "--checkpoint",
            path(&best),
            "--docstring",
            "Return the name."
        ])
    );

    // export: f16 weights, half the size, still a working checkpoint; never overwrites by accident.
    let small = tmp.path().join("small");
    ok(&["export", "--checkpoint", path(&best), "--out", path(&small)]);
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
    // ... with metadata.json: the run's history and provenance, test scores and sample generations
    // of the exported weights (which `generate` reproduces).
    let metadata: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(small.join("metadata.json")).unwrap())
            .unwrap();
    assert_eq!(metadata["model"], "attention");
    assert_eq!(metadata["precision"], "f16");
    assert_eq!(metadata["test"]["n"], 8);
    assert!(
        metadata["data"].as_str().unwrap().contains("48 / 8 / 8"),
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
    // Re-exporting an exported checkpoint keeps its training facts.
    let again = tmp.path().join("again");
    ok(&[
        "export",
        "--checkpoint",
        path(&small),
        "--out",
        path(&again),
    ]);
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(again.join("metadata.json")).unwrap())
            .unwrap();
    assert_eq!(kept["training"], metadata["training"]);

    // Bad input.
    fails(
        &["generate", "--checkpoint", path(&best), "--docstring", "  "],
        "--docstring is empty",
    );
    let long = vec!["word"; 60].join(" ");
    let out = trainer(&[
        "generate",
        "--checkpoint",
        path(&best),
        "--docstring",
        &long,
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only the first 50 were used"));
    fails(
        &["eval", "--checkpoint", path(&tmp.path().join("nope"))],
        "cannot load checkpoint",
    );
    let broken = tmp.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    for file in ["config.json", "src_vocab.json", "tgt_vocab.json"] {
        std::fs::copy(best.join(file), broken.join(file)).unwrap();
    }
    std::fs::write(broken.join("model.bpk"), b"not weights").unwrap();
    fails(&["eval", "--checkpoint", path(&broken)], "model.bpk");
    fails(&["train", "--model", "gru"], "unknown model `gru`");
    fails(&["train", "--preset", "huge"], "unknown preset `huge`");
    fails(
        &["train", "--out", path(&tmp.path().join("none")), "--resume"],
        "holds no training run",
    );
    // An output folder that cannot be created (its parent is a file).
    let under_file = Path::new(data).join("run");
    fails(
        &train_args("rnn", data, path(&under_file), "1"),
        "cannot create",
    );
}

#[test]
fn compare_writes_a_report() {
    let tmp = TempDir::new("compare");
    let data = toy_corpus(&tmp);
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
    assert!(stdout.contains("rnn on test: BLEU"), "{stdout}");
    let report = out.join("report");
    let md = std::fs::read_to_string(report.join("README.md")).unwrap();
    for needle in [
        "| Vanilla RNN |",
        "| Attention |",
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
        "attention-1.svg",
        "results.json",
    ] {
        assert!(report.join(file).is_file(), "missing {file}");
    }
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("results.json")).unwrap())
            .unwrap();
    assert_eq!(results.as_array().unwrap().len(), 2);
    assert_eq!(results[1]["extra_test"]["n"], 64);

    // report: the same folder from finished checkpoints, without training; training facts come from
    // an exported checkpoint's metadata.json.
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
        md.contains("| Vanilla RNN |") && md.contains("| Attention |"),
        "{md}"
    );
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(rep.join("results.json")).unwrap()).unwrap();
    assert_eq!(results[1]["epochs"], 1);
    assert_eq!(results[1]["history"].as_array().unwrap().len(), 1);
    assert_eq!(results[1]["extra_test"]["n"], 64);
    // The f16 export scores what its metadata recorded.
    let metadata: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(exported.join("metadata.json")).unwrap())
            .unwrap();
    assert_eq!(results[1]["test"], metadata["test"]);
    for file in [
        "curves.svg",
        "comparison.svg",
        "attention-1.svg",
        "rnn/predictions-test.jsonl",
    ] {
        assert!(rep.join(file).is_file(), "missing {file}");
    }
    fails(
        &["report", "--checkpoints", path(&tmp.path().join("nope"))],
        "cannot load checkpoint",
    );
}
