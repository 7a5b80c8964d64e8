//! `trainer train` end to end: a run leaves everything needed to resume, evaluate and inspect it, an
//! interrupted run resumed gives the very weights of an uninterrupted one, run.json tells who ran
//! each part, and a finished run is never lost to a repeated command.

mod corpus_common;
mod e2e_common;

use e2e_common::{
    TempDir, fails, json_file, losses, ok, parameters, path, toy_corpus, train_args, weights,
};

#[test]
fn train_writes_its_run_files() {
    let tmp = TempDir::new("e2e-train-files");
    let data = toy_corpus(&tmp);
    let full = tmp.path().join("full");
    ok(&train_args("attention", path(&data), path(&full), "2"));
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
}

#[test]
fn one_epoch_and_resume_equals_an_uninterrupted_run() {
    let tmp = TempDir::new("e2e-train-resume");
    let data = toy_corpus(&tmp);
    let (data, full, split) = (
        path(&data),
        tmp.path().join("full"),
        tmp.path().join("split"),
    );
    ok(&train_args("attention", data, path(&full), "2"));

    ok(&train_args("attention", data, path(&split), "1"));
    let state = std::fs::read_to_string(split.join("last/state.json")).unwrap();
    assert!(state.contains("\"epochs_done\": 1"), "{state}");
    let after_one = parameters(&split.join("last"));
    ok(&["train", "--out", path(&split), "--resume", "--epochs", "2"]);

    assert_eq!(losses(&full), losses(&split));
    assert!(
        weights(&full) == weights(&split),
        "resumed run's weights differ from the uninterrupted one's"
    );
    assert!(
        after_one != weights(&split) && !after_one.is_empty(),
        "the second epoch changed nothing"
    );
}

#[test]
fn run_json_records_the_start_and_the_resume() {
    let tmp = TempDir::new("e2e-train-provenance");
    let data = toy_corpus(&tmp);
    let split = tmp.path().join("split");
    ok(&train_args("attention", path(&data), path(&split), "1"));
    ok(&["train", "--out", path(&split), "--resume", "--epochs", "2"]);

    let run = json_file(&split.join("run.json"));
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
}

#[test]
fn a_run_folder_is_never_overwritten() {
    let tmp = TempDir::new("e2e-train-overwrite");
    let data = toy_corpus(&tmp);
    let full = tmp.path().join("full");
    ok(&train_args("attention", path(&data), path(&full), "2"));
    let before = weights(&full);

    fails(
        &train_args("attention", path(&data), path(&full), "2"),
        "already holds a training run",
    );
    assert!(
        weights(&full) == before,
        "the refused run changed the weights"
    );
}

/// `train` arguments for a tiny Transformer (one model size of 16, two heads) whose learning rate
/// warms up over more steps than the toy corpus has batches in an epoch.
fn transformer_args<'a>(data: &'a str, out: &'a str, epochs: &'a str) -> Vec<&'a str> {
    let mut args = train_args("transformer", data, out, epochs);
    let at = args.iter().position(|a| *a == "--embedding-size").unwrap();
    args.drain(at..at + 2); // the Transformer's embeddings are --hidden-size wide
    args.extend([
        "--num-layers",
        "1",
        "--heads",
        "2",
        "--feed-forward-size",
        "32",
        "--warmup-steps",
        "100",
        "--label-smoothing",
        "0.1",
    ]);
    args
}

#[test]
fn a_resumed_transformer_run_carries_on_its_warm_up() {
    let tmp = TempDir::new("e2e-train-transformer");
    let data = toy_corpus(&tmp);
    let (data, full, split) = (
        path(&data),
        tmp.path().join("full"),
        tmp.path().join("split"),
    );
    let mut keeping = transformer_args(data, path(&full), "2");
    keeping.push("--keep-epochs");
    ok(&keeping);
    for epoch in [1, 2] {
        let card = json_file(&full.join(format!("epochs/{epoch}/card.json")));
        assert_eq!(card["training"]["epochs_trained"], epoch, "{card}");
        assert!(card["training"]["wall_seconds"].as_f64().unwrap() > 0.0);
    }
    let run = json_file(&full.join("run.json"));
    assert_eq!(run["model"]["transformer"]["heads"], 2);
    assert_eq!(run["model"]["decoder"]["embedding_size"], 16);
    assert_eq!(run["optimizer"]["warmup_steps"], 100);
    ok(&transformer_args(data, path(&split), "1"));
    let state = json_file(&split.join("last/state.json"));
    assert!(state["steps"].as_u64().unwrap() > 0, "{state}");
    ok(&["train", "--out", path(&split), "--resume", "--epochs", "2"]);
    // Restarting the warm-up at step 0 would give other weights.
    assert!(
        weights(&full) == weights(&split),
        "resumed Transformer's weights differ from the uninterrupted one's"
    );
}
