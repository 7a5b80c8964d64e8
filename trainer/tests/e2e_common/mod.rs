//! Helpers shared by the end-to-end tests, which drive the `trainer` binary as a user would: a toy
//! corpus small enough that a whole run takes a moment, so that every test can afford to train its
//! own run and none depends on another's leftovers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use crate::corpus_common::TempDir;

/// A CodeSearchNet-format corpus of simple getters and setters: 48 train, 8 valid, 8 test pairs.
pub fn toy_corpus(dir: &TempDir) -> PathBuf {
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

pub fn trainer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args(args)
        .output()
        .expect("run trainer")
}

/// Runs the trainer, which must succeed, and returns its stdout.
pub fn ok(args: &[&str]) -> String {
    let out = trainer(args);
    assert!(
        out.status.success(),
        "trainer {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs the trainer, which must fail with `message` in what it tells the user.
pub fn fails(args: &[&str], message: &str) {
    let out = trainer(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "trainer {args:?} should fail");
    assert!(
        stderr.contains(message),
        "trainer {args:?}: {stderr:?} lacks {message:?}"
    );
}

/// `train` arguments for a tiny model on the toy corpus.
pub fn train_args<'a>(
    model: &'a str,
    data: &'a str,
    out: &'a str,
    epochs: &'a str,
) -> Vec<&'a str> {
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

/// A finished run: the toy corpus it was trained on, its folder and its best checkpoint.
pub struct Run {
    pub data: PathBuf,
    pub dir: PathBuf,
    pub best: PathBuf,
}

/// Two epochs of the attention model on the toy corpus, in `tmp`: the checkpoint that eval,
/// generate, export and the bad-input checks work on.
pub fn trained_run(tmp: &TempDir) -> Run {
    let data = toy_corpus(tmp);
    let dir = tmp.path().join("full");
    ok(&train_args("attention", path(&data), path(&dir), "2"));
    let best = dir.join("best");
    Run { data, dir, best }
}

/// Every weight of a checkpoint, in parameter order (the files also hold per-process parameter ids).
pub fn parameters(dir: &Path) -> Vec<f32> {
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

/// Every column of a run's metrics.csv but the last (an epoch's seconds differ from run to run).
pub fn losses(run: &Path) -> Vec<String> {
    let csv = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    csv.lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect()
}

/// The weights a run would resume from.
pub fn weights(run: &Path) -> Vec<f32> {
    parameters(&run.join("last"))
}

pub fn json_file(file: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}
