//! The retrieval model end to end: trained fresh or from a copy model's weights, its checkpoints
//! carry the pool, `generate` names the neighbour it read, `eval` scores it, a resumed run keeps its
//! pool, and the options it needs are asked for by name. A Transformer reads neighbours the same way.

mod corpus_common;
mod e2e_common;

use e2e_common::{TempDir, fails, json_file, ok, path, toy_corpus, train_args};

/// `train_args` with subword tokens (the retrieval model copies from the neighbours' pieces).
fn subword_args<'a>(model: &'a str, data: &'a str, out: &'a str, epochs: &'a str) -> Vec<&'a str> {
    let mut args = train_args(model, data, out, epochs);
    args.extend(["--tokens", "subwords", "--vocab-size", "600"]);
    args
}

/// `generate --docstring "Return the size."` with `checkpoint` and the `extra` options.
fn generate_args<'a>(checkpoint: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["generate", "--checkpoint", checkpoint];
    args.extend(["--docstring", "Return the size."]);
    args.extend_from_slice(extra);
    args
}

/// What a successful `trainer ARGS` printed on stderr (where `generate` names the neighbour).
fn stderr_of(args: &[&str]) -> String {
    let out = e2e_common::trainer(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// `train --model retrieval --init-from FROM` on the toy corpus.
fn init_from_args<'a>(from: &'a str, data: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "train",
        "--model",
        "retrieval",
        "--init-from",
        from,
        "--data",
        data,
        "--preset",
        "full",
        "--out",
        out,
    ]
}

#[test]
fn a_retrieval_model_trains_from_a_copy_model_and_names_its_neighbour() {
    let tmp = TempDir::new("e2e-retrieval");
    let data = toy_corpus(&tmp);
    let (copy, retrieval) = (tmp.path().join("copy"), tmp.path().join("retrieval"));
    let mut copy_args = subword_args("attention", path(&data), path(&copy), "1");
    copy_args.push("--copy");
    ok(&copy_args);
    let best = copy.join("best");
    let mut args = init_from_args(path(&best), path(&data), path(&retrieval));
    args.extend(["--epochs", "1", "--batch-size", "8"]);
    ok(&args);
    for dir in ["best", "last"] {
        assert!(
            retrieval.join(dir).join("retrieval.json").is_file(),
            "{dir}/"
        );
    }
    let run = json_file(&retrieval.join("run.json"));
    assert_eq!(run["model"]["kind"], "retrieval");
    assert_eq!(run["model"]["copy"], true);
    assert_eq!(run["init_from"]["epochs_trained"], 1);
    assert_eq!(
        run["model"]["encoder"],
        json_file(&best.join("config.json"))["model"]["encoder"]
    );

    // The pool survives a resume.
    ok(&[
        "train",
        "--out",
        path(&retrieval),
        "--resume",
        "--epochs",
        "2",
    ]);
    let checkpoint = retrieval.join("last");
    let pool = json_file(&checkpoint.join("retrieval.json"));
    assert_eq!(
        pool["documents"].as_array().unwrap().len(),
        48,
        "the training pairs"
    );

    let stderr = stderr_of(&generate_args(path(&checkpoint), &[]));
    assert!(stderr.contains("retrieved: f"), "{stderr}");
    assert!(stderr.contains("(toy/toy), BM25 score"), "{stderr}");

    let eval = ok(&["eval", "--checkpoint", path(&checkpoint), "--json"]);
    let eval: serde_json::Value = serde_json::from_str(&eval).unwrap();
    assert_eq!(eval["n"], 8, "{eval}");

    // The exported checkpoint carries its pool, and its card says what the run started from.
    let exported = tmp.path().join("exported");
    ok(&[
        "export",
        "--checkpoint",
        path(&retrieval.join("best")),
        "--out",
        path(&exported),
    ]);
    assert!(exported.join("retrieval.json").is_file());
    let card = json_file(&exported.join("card.json"));
    assert_eq!(card["training"]["epochs_trained"], 2, "this run's epochs");
    assert_eq!(card["training"]["init_from"]["epochs_trained"], 1, "{card}");
    assert_eq!(card["training"]["init_from"]["checkpoint"], path(&best));

    // Another pool: a corpus of one function, which every description then retrieves.
    let row = serde_json::json!({
        "repo": "mine/lib", "func_name": "area", "docstring": "Compute the area.",
        "code": "def area(w, h):\n    return w * h\n",
    });
    let other = tmp.write("other.jsonl", row.to_string());
    let other_pool = ["--retrieve-from", path(&other)];
    let stderr = stderr_of(&generate_args(path(&checkpoint), &other_pool));
    assert!(stderr.contains("retrieved: area (mine/lib)"), "{stderr}");
    fails(
        &generate_args(path(&copy.join("best")), &other_pool),
        "--retrieve-from: this `Attention + copy` model reads no neighbours (only models trained with them do)",
    );
}

#[test]
fn the_retrieval_model_asks_for_what_it_needs() {
    let tmp = TempDir::new("e2e-retrieval-errors");
    let data = toy_corpus(&tmp);
    let out = tmp.path().join("r");
    fails(
        &train_args("retrieval", path(&data), path(&out), "1"),
        "--model retrieval needs --tokens subwords",
    );
    let words = tmp.path().join("words");
    ok(&train_args("attention", path(&data), path(&words), "1"));
    let best = words.join("best");
    fails(
        &init_from_args(path(&best), path(&data), path(&out)),
        "holds a model of kind `attention`, not `retrieval` (a retrieval model can also start from an attention model with copy)",
    );
    // Training with every neighbour from another package: the toy corpus has one package, so the
    // sources hold the description alone, and training still works.
    let mut args = subword_args("retrieval", path(&data), path(&out), "1");
    args.push("--exclude-own-package");
    ok(&args);
}

/// `train` arguments for a tiny Transformer with subword tokens (its embeddings are --hidden-size
/// wide, so `train_args`' --embedding-size goes).
fn transformer_args<'a>(data: &'a str, out: &'a str) -> Vec<&'a str> {
    let mut args = subword_args("transformer", data, out, "1");
    let at = args.iter().position(|a| *a == "--embedding-size").unwrap();
    args.drain(at..at + 2);
    args.extend(["--num-layers", "1", "--heads", "2"]);
    args
}

#[test]
fn a_transformer_reads_neighbours_fresh_or_from_a_copy_transformer() {
    let tmp = TempDir::new("e2e-retrieval-transformer");
    let data = toy_corpus(&tmp);
    let (fresh, copy, reading) = (
        tmp.path().join("fresh"),
        tmp.path().join("copy"),
        tmp.path().join("reading"),
    );
    // Fresh: --neighbours turns the retrieval input on, and copy attention with it.
    let mut args = transformer_args(path(&data), path(&fresh));
    args.extend(["--neighbours", "2", "--exclude-own-package"]);
    ok(&args);
    let run = json_file(&fresh.join("run.json"));
    assert_eq!(run["model"]["kind"], "transformer");
    assert_eq!(run["model"]["copy"], true);
    assert_eq!(run["model"]["retrieval"]["neighbours"], 2);
    assert_eq!(run["model"]["retrieval"]["exclude_own_package"], true);
    assert!(fresh.join("best").join("retrieval.json").is_file());

    // From a copy Transformer's weights: the same network, now reading one neighbour.
    let mut copy_args = transformer_args(path(&data), path(&copy));
    copy_args.push("--copy");
    ok(&copy_args);
    assert!(!copy.join("best").join("retrieval.json").exists());
    let best = copy.join("best");
    ok(&[
        "train",
        "--model",
        "transformer",
        "--init-from",
        path(&best),
        "--neighbours",
        "1",
        "--data",
        path(&data),
        "--preset",
        "full",
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--out",
        path(&reading),
    ]);
    let run = json_file(&reading.join("run.json"));
    assert_eq!(run["model"]["retrieval"]["neighbours"], 1);
    assert_eq!(
        run["model"]["encoder"],
        json_file(&best.join("config.json"))["model"]["encoder"]
    );
    let checkpoint = reading.join("last");
    let stderr = stderr_of(&generate_args(path(&checkpoint), &[]));
    assert!(stderr.contains("retrieved: f"), "{stderr}");
    let eval = ok(&["eval", "--checkpoint", path(&checkpoint), "--json"]);
    let eval: serde_json::Value = serde_json::from_str(&eval).unwrap();
    assert_eq!(eval["n"], 8, "{eval}");
    assert!(
        eval["attention"]["mean_p_gen"].is_number(),
        "copies: {eval}"
    );
}

#[test]
fn neighbours_are_refused_where_no_model_can_read_them() {
    let tmp = TempDir::new("e2e-retrieval-transformer-errors");
    let data = toy_corpus(&tmp);
    let out = tmp.path().join("r");
    let mut args = subword_args("lstm", path(&data), path(&out), "1");
    args.extend(["--neighbours", "1"]);
    fails(
        &args,
        "--neighbours is an option of the retrieval and Transformer models",
    );
    let mut args = subword_args("attention", path(&data), path(&out), "1");
    args.push("--exclude-own-package");
    fails(
        &args,
        "--exclude-own-package needs a model that reads neighbours",
    );
    let mut args = transformer_args(path(&data), path(&out));
    args.extend(["--neighbours", "0"]);
    fails(&args, "--neighbours must be at least 1");
    // A Transformer without copy attention cannot start reading neighbours.
    let plain = tmp.path().join("plain");
    ok(&transformer_args(path(&data), path(&plain)));
    fails(
        &[
            "train",
            "--model",
            "transformer",
            "--init-from",
            path(&plain.join("best")),
            "--neighbours",
            "1",
            "--data",
            path(&data),
            "--out",
            path(&out),
        ],
        "without copy attention, which neighbours need (train it with --copy)",
    );
}
