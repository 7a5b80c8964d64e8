//! `trainer train` killed with SIGKILL, again and again, at every moment that writes something: inside
//! an epoch, while `best/`, `last/` or `epochs/N/` is swapped in, while `run.json`, the state or the
//! metrics are written. After each kill the run folder must be readable, the next command must carry
//! on, and the run, once finished, must hold the very weights and metrics of a run never stopped.
//!
//! The moments are named kill points (`SEQ2SEQ_KILL_AT`, see `trainer::kill_point`), so each test
//! kills exactly where it means to; a further test kills at arbitrary times from outside.
#![cfg(unix)]

mod corpus_common;
mod e2e_common;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use e2e_common::{TempDir, json_file, losses, ok, parameters, path, toy_corpus, train_args};

const EPOCHS: &str = "3";

/// The start command of both runs, with `--keep-epochs`.
fn start_args<'a>(data: &'a str, out: &'a str) -> Vec<&'a str> {
    let mut args = train_args("attention", data, out, EPOCHS);
    args.push("--keep-epochs");
    args
}

/// What the next command is after a kill: the start again if the folder holds no run yet.
fn next_args<'a>(data: &'a str, out: &'a str) -> Vec<&'a str> {
    match Path::new(out).join("run.json").exists() {
        true => vec!["train", "--out", out, "--resume", "--keep-epochs"],
        false => start_args(data, out),
    }
}

fn trainer(args: &[&str], kill_at: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trainer"));
    command.args(args).env_remove("SEQ2SEQ_KILL_AT");
    if let Some(point) = kill_at {
        command.env("SEQ2SEQ_KILL_AT", point);
    }
    command
}

/// Runs `args` with a kill at `point`, which must be reached.
fn killed_at(args: &[&str], point: &str) {
    let out = trainer(args, Some(point)).output().expect("run trainer");
    assert_eq!(
        out.status.signal(),
        Some(9),
        "{args:?} was not killed at {point}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Everything a later command reads is whole: the run's settings, the state to resume from, and
/// each checkpoint that exists loads.
fn assert_readable(out: &Path) {
    if out.join("run.json").exists() {
        json_file(&out.join("run.json"));
    }
    let last = out.join("last");
    if last.exists() || out.join("run.json").exists() {
        json_file(&last.join("state.json"));
        assert!(!parameters(&last).is_empty());
    }
    if out.join("best").exists() {
        assert!(!parameters(&out.join("best")).is_empty());
    }
}

/// Checkpoints that must match between the runs.
fn checkpoints(out: &Path) -> Vec<Vec<f32>> {
    let mut dirs = vec![out.join("last"), out.join("best")];
    dirs.extend((1..=3).map(|n| out.join("epochs").join(n.to_string())));
    dirs.iter().map(|d| parameters(d)).collect()
}

fn assert_same_run(full: &Path, killed: &Path) {
    assert_eq!(losses(full), losses(killed));
    assert!(
        checkpoints(full) == checkpoints(killed),
        "the killed and resumed run's weights differ from the uninterrupted one's"
    );
}

#[test]
fn killed_at_every_write_and_resumed_equals_an_uninterrupted_run() {
    let tmp = TempDir::new("e2e-killed-points");
    let data = toy_corpus(&tmp);
    let (full, killed) = (tmp.path().join("full"), tmp.path().join("killed"));
    let (data, out) = (path(&data), path(&killed));
    ok(&start_args(data, path(&full)));

    // In the order a run reaches them; a resumed run starts each from its last finished epoch.
    let points = [
        "write:run.json", // the start, before run.json: no run yet
        "batch@3",        // inside epoch 1
        "filled:1",       // epoch 1's epochs/1/ complete, not yet swapped in
        "filled:best",    // best/ complete, not yet swapped in
        "swapped:best",   // swapped in, the old one not yet removed
        "filled:last",    // last/ complete, not swapped in
        "swapped:last",   // last/ swapped in
        // No metrics were written yet, so the resume rewrites them first: the second write is the
        // epoch's.
        "write:metrics.csv@2", // epoch 2's metrics
        "write:run.json",      // a resume's provenance entry
        "write:state.json",    // epoch 3's state, inside last/
        "batch@5",             // inside epoch 3
        "write:curves.svg",    // epoch 3's plot: nothing is left to train after it
    ];
    for point in points {
        killed_at(&next_args(data, out), point);
        assert_readable(&killed);
    }
    ok(&next_args(data, out));
    assert_same_run(&full, &killed);
    let state = json_file(&killed.join("last/state.json"));
    assert_eq!(state["epochs_done"], 3, "{state}");
}

#[test]
fn killed_at_arbitrary_moments_and_resumed_equals_an_uninterrupted_run() {
    let tmp = TempDir::new("e2e-killed-times");
    let data = toy_corpus(&tmp);
    let (full, killed) = (tmp.path().join("full"), tmp.path().join("killed"));
    let (data, out) = (path(&data), path(&killed));
    let started = Instant::now();
    ok(&start_args(data, path(&full)));
    let whole = started.elapsed();

    // Kills at 5% to 35% of a whole run's time after each start (start-up, loading, an epoch, a
    // save: whatever is under way then), at fractions that no two tries share.
    let mut kills = 0;
    for i in 0..12 {
        let fraction = 0.05 + 0.3 * ((0.618_034 * i as f64) % 1.0);
        let mut child = trainer(&next_args(data, out), None)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("run trainer");
        std::thread::sleep(whole.mul_f64(fraction));
        if child.try_wait().unwrap().is_some() {
            break;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        assert_readable(&killed);
    }
    assert!(kills >= 4, "only {kills} of the tries were killed");
    ok(&next_args(data, out));
    assert_same_run(&full, &killed);
}
