//! Writes that fail: a full disk (a file-size limit, `ulimit -f`) in the middle of a training epoch, an
//! export or a report, and output folders whose parent is a file. Each command must fail with a
//! message naming the path and the cause, and leave the files of the last good write as they were.

mod corpus_common;
mod e2e_common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use e2e_common::*;

/// A file-size limit above the toy runs' JSON files and below their weights.
const LIMIT_KIB: u32 = 8;

/// Runs the trainer as if the disk filled up after `kib` KiB of any one file: writes past the limit
/// fail with `EFBIG` (bash's `ulimit -f` counts KiB; the `SIGXFSZ` that would kill the process is
/// ignored, as a full disk sends none).
fn trainer_on_a_full_disk(kib: u32, args: &[&str]) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(r#"trap "" XFSZ; ulimit -f "$0"; exec "$@""#)
        .arg(kib.to_string())
        .arg(env!("CARGO_BIN_EXE_trainer"))
        .args(args)
        .output()
        .expect("run bash")
}

/// Fails, saying what could not be written (`path`) and why.
fn fails_to_write(out: &Output, path: &Path) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should fail; stderr: {stderr}");
    let shown = path.display().to_string();
    assert!(
        stderr.contains(&format!("cannot write {shown}")) && stderr.contains("File too large"),
        "{stderr:?} should name {shown} and the cause"
    );
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// The files of `before` that are missing or different in `after`, by name (so that a failure names
/// them rather than printing their bytes).
fn changed(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut names: Vec<String> = before
        .iter()
        .filter(|(name, bytes)| after.get(*name) != Some(*bytes))
        .map(|(name, _)| name.clone())
        .collect();
    names.extend(after.keys().filter(|n| !before.contains_key(*n)).cloned());
    names
}

#[test]
fn a_full_disk_in_an_epoch_keeps_the_last_epoch_and_resume_continues() {
    let tmp = TempDir::new("e2e-full-train");
    let data = toy_corpus(&tmp);
    let dir = tmp.path().join("run");
    ok(&train_args("attention", path(&data), path(&dir), "1"));
    let mut before = snapshot(&dir);

    let out = trainer_on_a_full_disk(
        LIMIT_KIB,
        &["train", "--out", path(&dir), "--resume", "--epochs", "2"],
    );
    fails_to_write(&out, &dir.join("best"));
    // Epoch 1's checkpoints and history are whole, and no temporary folder is left; `run.json` has
    // the attempt's command added (and is whole: the resume below reads it).
    let mut after = snapshot(&dir);
    before.remove("run.json");
    after.remove("run.json");
    assert_eq!(changed(&before, &after), Vec::<String>::new());

    ok(&["train", "--out", path(&dir), "--resume", "--epochs", "2"]);
    let straight = tmp.path().join("straight");
    ok(&train_args("attention", path(&data), path(&straight), "2"));
    assert_eq!(weights(&dir), weights(&straight));
}

#[test]
fn a_full_disk_during_an_export_keeps_the_previous_export() {
    let tmp = TempDir::new("e2e-full-export");
    let run = trained_run(&tmp);
    let exported = tmp.path().join("exported");
    ok(&[
        "export",
        "--checkpoint",
        path(&run.best),
        "--out",
        path(&exported),
    ]);
    let before = snapshot(&exported);

    let out = trainer_on_a_full_disk(
        LIMIT_KIB,
        &[
            "export",
            "--checkpoint",
            path(&run.best),
            "--out",
            path(&exported),
            "--force",
        ],
    );
    fails_to_write(&out, &exported);
    assert_eq!(changed(&before, &snapshot(&exported)), Vec::<String>::new());
    assert!(!tmp.path().join("exported.tmp").exists());
}

#[test]
fn a_full_disk_during_a_report_keeps_the_previous_files_whole() {
    let tmp = TempDir::new("e2e-full-report");
    let run = trained_run(&tmp);
    // An exported checkpoint: its card has the training history the report plots.
    let exported = tmp.path().join("exported");
    ok(&[
        "export",
        "--checkpoint",
        path(&run.best),
        "--out",
        path(&exported),
    ]);
    let report = tmp.path().join("report");
    let args = [
        "report",
        "--checkpoints",
        path(&exported),
        "--out",
        path(&report),
    ];
    ok(&args);
    let before = snapshot(&report);

    // The disk fills up at one file or another, depending on the limit: whichever it is, every file
    // the report holds is the old one or an identical rewrite (same checkpoint), none cut short.
    for kib in [4, 8, 16, 32, 64] {
        let out = trainer_on_a_full_disk(kib, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{kib} KiB: the report should not fit"
        );
        assert!(
            stderr.contains("cannot write") && stderr.contains("File too large"),
            "{kib} KiB: {stderr:?}"
        );
        assert_eq!(
            changed(&before, &snapshot(&report)),
            Vec::<String>::new(),
            "{kib} KiB"
        );
    }
}

#[test]
fn output_folders_under_a_file_are_named() {
    let tmp = TempDir::new("e2e-under-file");
    let run = trained_run(&tmp);
    let under_file = run.data.join("out");
    let expected = format!("cannot create {}", under_file.display());
    let (checkpoint, out) = (path(&run.best), path(&under_file));
    let predictions = under_file.join("predictions.jsonl");
    for args in [
        ["report", "--checkpoints", checkpoint, "--out", out],
        ["export", "--checkpoint", checkpoint, "--out", out],
        [
            "eval",
            "--checkpoint",
            checkpoint,
            "--predictions",
            path(&predictions),
        ],
    ] {
        fails(&args, &expected);
    }
}
