//! `trainer bench`: training-step and greedy-decoding times at the reference size; with `--pytorch`,
//! beside PyTorch's for the same models and shapes, measured in the same invocation by
//! `bench/pytorch_bench.py` (embedded in the binary and run with the Python given), so that the
//! ratios compare two runs on one machine under one load. The timing itself is `model::bench`.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use model::bench::{BenchConfig, BenchResult};
use model::models::ModelKind;
use serde::{Deserialize, Serialize};

#[derive(clap::Args, Debug, Default)]
pub struct BenchArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Comma-separated models to time (default: the reference's three).
    #[arg(long, value_delimiter = ',', default_values_t = ModelKind::REFERENCE)]
    pub models: Vec<ModelKind>,
    /// Timed repetitions per measurement (median reported), after one warm-up.
    #[arg(long, default_value_t = 3)]
    pub iters: usize,
    /// Also time the same models in PyTorch (2 threads) right after, and print the speed-ups; needs a
    /// Python that imports `torch`.
    #[arg(long)]
    pub pytorch: bool,
    /// The Python that runs the PyTorch side.
    #[arg(long, value_name = "PATH", default_value = "python3")]
    pub python: String,
}

/// The PyTorch reference script: the same models, shapes and measurements as `model::bench`.
const PYTORCH_SCRIPT: &str = include_str!("../../bench/pytorch_bench.py");

/// What the PyTorch script reports for one model, in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PyTorchResult {
    pub train_step_s: f64,
    pub greedy_one_s: f64,
    pub greedy_batch_s: f64,
    pub parameters: usize,
}

/// The script's whole output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PyTorchRun {
    pub torch: String,
    pub threads: usize,
    pub results: BTreeMap<String, PyTorchResult>,
}

/// Runs the PyTorch side for `config`; `Ok(None)` (after saying why) when `python` cannot import
/// torch, an error when the script itself fails.
pub fn pytorch_run(python: &str, config: &BenchConfig) -> Result<Option<PyTorchRun>> {
    let importable = Command::new(python)
        .args(["-c", "import torch"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !importable {
        eprintln!(
            "--pytorch: `{python}` cannot import torch (pip install torch, or --python PATH): the table has no PyTorch columns"
        );
        return Ok(None);
    }
    let models: Vec<&str> = config.models.iter().map(|k| k.name()).collect();
    let mut child = Command::new(python)
        .arg("-")
        .args([
            "--models",
            &models.join(","),
            "--iters",
            &config.iters.to_string(),
        ])
        .args(["--batch-size", &config.batch_size.to_string()])
        .args(["--src-len", &config.src_len.to_string()])
        .args(["--tgt-len", &config.tgt_len.to_string()])
        .args(["--src-vocab", &config.src_vocab_size.to_string()])
        .args(["--tgt-vocab", &config.tgt_vocab_size.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {python}"))?;
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(PYTORCH_SCRIPT.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!(
            "the PyTorch benchmark failed ({}); see its error above",
            output.status
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let run = serde_json::from_str(stdout.trim())
        .with_context(|| format!("the PyTorch benchmark printed no result: {stdout}"))?;
    Ok(Some(run))
}

/// The 1/5/15-minute load averages: other builds on the machine slow the measurement down.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let models = args.models.clone();
    if models.is_empty() {
        bail!("no models to benchmark");
    }
    if let Some(kind) = models.iter().find(|k| k.info().retrieves) {
        bail!(
            "bench times the reference's models on its fixed shapes; `{kind}` reads neighbours, whose length those shapes do not cover"
        );
    }
    let config = BenchConfig::new(models).with_iters(args.iters);
    let load_before = load_average();
    let results = model::bench::run(&config, &burn_device());
    let pytorch = match args.pytorch {
        true => pytorch_run(&args.python, &config)?,
        false => None,
    };
    let load_after = load_average();
    if args.json {
        let json = serde_json::json!({
            "config": { "batch_size": config.batch_size, "src_len": config.src_len,
                        "tgt_len": config.tgt_len, "src_vocab_size": config.src_vocab_size,
                        "tgt_vocab_size": config.tgt_vocab_size, "iters": config.iters },
            "load_average_before": load_before,
            "load_average_after": load_after,
            "results": results,
            "pytorch": pytorch,
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print_table(
            &config,
            &results,
            pytorch.as_ref(),
            (&load_before, &load_after),
        );
    }
    Ok(())
}

fn burn_device() -> model::burn::prelude::Device {
    model::burn::prelude::Device::flex()
}

fn print_table(
    config: &BenchConfig,
    results: &[BenchResult],
    pytorch: Option<&PyTorchRun>,
    (before, after): (&str, &str),
) {
    println!(
        "batch {}, source {}, target {}, vocabularies {} / {}, median of {} (load average before: {before}, after: {after})",
        config.batch_size,
        config.src_len,
        config.tgt_len,
        config.src_vocab_size,
        config.tgt_vocab_size,
        config.iters
    );
    println!(
        "{:<12} {:>10} {:>14} {:>12} {:>14} {:>16}",
        "model", "params", "train step s", "products s", "greedy 1 s", "greedy batch s"
    );
    let row = |name: &str, params: usize, cells: [String; 4]| {
        let [train, products, one, batch] = cells;
        println!("{name:<12} {params:>10} {train:>14} {products:>12} {one:>14} {batch:>16}");
    };
    let seconds = |s: f64| format!("{s:.3}");
    for r in results {
        row(
            r.model.name(),
            r.parameters,
            [
                seconds(r.train_step_s),
                seconds(r.products_floor_s),
                seconds(r.greedy_one_s),
                seconds(r.greedy_batch_s),
            ],
        );
        let Some(theirs) = pytorch.and_then(|p| p.results.get(r.model.name())) else {
            continue;
        };
        let versus = |ours: f64, theirs: f64| format!("{theirs:.3} ({:.1}x)", theirs / ours);
        row(
            "  pytorch",
            theirs.parameters,
            [
                versus(r.train_step_s, theirs.train_step_s),
                "-".into(),
                versus(r.greedy_one_s, theirs.greedy_one_s),
                versus(r.greedy_batch_s, theirs.greedy_batch_s),
            ],
        );
    }
    match pytorch {
        Some(p) => println!(
            "(pytorch: torch {}, {} threads, measured right after in this invocation; x: how many times faster this project is)",
            p.torch, p.threads
        ),
        None => {
            println!("(--pytorch adds PyTorch's times for the same models, measured in this run)")
        }
    }
    println!(
        "(products: the training step's matrix products alone, timed one by one: a floor for the step)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn config() -> BenchConfig {
        BenchConfig::new(vec![ModelKind::Lstm, ModelKind::Transformer]).with_iters(1)
    }

    /// A stand-in for Python at `dir/python`: imports anything, and for `-` checks that it was given
    /// the benchmark script and the models, then prints `output`.
    fn fake_python(dir: &std::path::Path, output: &str) -> String {
        let path = dir.join("python");
        let script = format!(
            "#!/bin/sh\n[ \"$1\" = -c ] && exit 0\ngrep -q 'def bench' || exit 3\n[ \"$3\" = lstm,transformer ] || exit 4\necho '{output}'\n"
        );
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("bench-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_python_without_torch_gives_no_pytorch_side() {
        assert!(pytorch_run("/bin/false", &config()).unwrap().is_none());
    }

    #[test]
    fn the_script_is_fed_to_python_and_its_result_read() {
        let dir = temp_dir("fake");
        let json = r#"{"torch": "2.0", "threads": 2, "results": {"lstm": {"train_step_s": 1.5, "greedy_one_s": 0.1, "greedy_batch_s": 0.3, "parameters": 7}}}"#;
        let run = pytorch_run(&fake_python(&dir, json), &config())
            .unwrap()
            .unwrap();
        assert_eq!(run.results["lstm"].train_step_s, 1.5);
        assert_eq!(run.threads, 2);
        let error = pytorch_run(&fake_python(&dir, "Traceback"), &config()).unwrap_err();
        assert!(
            format!("{error:#}").contains("printed no result"),
            "{error:#}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_script_is_python_and_covers_every_benchmarked_model() {
        let parsed = Command::new("python3")
            .args(["-c", "import ast, sys; ast.parse(sys.stdin.read())"])
            .stdin(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(PYTORCH_SCRIPT.as_bytes())?;
                child.wait()
            })
            .expect("python3 runs");
        assert!(parsed.success(), "bench/pytorch_bench.py does not parse");
        for kind in ModelKind::ALL.iter().filter(|k| !k.info().retrieves) {
            assert!(
                PYTORCH_SCRIPT.contains(&format!("\"{}\"", kind.name())),
                "no PyTorch reference for {kind}"
            );
        }
    }
}
