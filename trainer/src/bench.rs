//! `trainer bench`: training-step and greedy-decoding times at the reference size, beside the PyTorch
//! figures of the reference design (CPU, 2 threads). The timing itself is `model::bench`.

use anyhow::{Result, bail};
use model::bench::{BenchConfig, BenchResult};
use model::models::ModelKind;

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
}

/// PyTorch on the same 2-core machine, by model name: (training step, greedy one, greedy batch of 64),
/// seconds. Reference figures, not model facts: a model without one is shown without a ratio.
const PYTORCH: [(&str, f64, Option<f64>, Option<f64>); 3] = [
    ("rnn", 1.63, None, None),
    ("lstm", 1.56, None, None),
    ("attention", 2.58, Some(0.17), Some(0.76)),
];

fn pytorch(kind: ModelKind) -> (Option<f64>, Option<f64>, Option<f64>) {
    PYTORCH
        .iter()
        .find(|(name, ..)| *name == kind.name())
        .map_or((None, None, None), |&(_, train, one, batch)| {
            (Some(train), one, batch)
        })
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
            "bench times the reference's models on its fixed shapes; `{kind}` reads neighbours,              whose length those shapes do not cover"
        );
    }
    let config = BenchConfig::new(models).with_iters(args.iters);
    let load_before = load_average();
    let results = model::bench::run(&config, &burn_device());
    let load_after = load_average();
    if args.json {
        let json = serde_json::json!({
            "config": { "batch_size": config.batch_size, "src_len": config.src_len,
                        "tgt_len": config.tgt_len, "src_vocab_size": config.src_vocab_size,
                        "tgt_vocab_size": config.tgt_vocab_size, "iters": config.iters },
            "load_average_before": load_before,
            "load_average_after": load_after,
            "results": results,
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print_table(&config, &results, &load_before, &load_after);
    }
    Ok(())
}

fn burn_device() -> model::burn::prelude::Device {
    model::burn::prelude::Device::flex()
}

fn print_table(config: &BenchConfig, results: &[BenchResult], before: &str, after: &str) {
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
        "{:<10} {:>10} {:>16} {:>14} {:>16} {:>18}",
        "model", "params", "train step s", "products s", "greedy 1 s", "greedy batch s"
    );
    let cell = |ours: f64, theirs: Option<f64>| match theirs {
        Some(t) => format!("{ours:.3} ({:.1}x)", t / ours),
        None => format!("{ours:.3}"),
    };
    for r in results {
        let (train, one, batch) = pytorch(r.model);
        println!(
            "{:<10} {:>10} {:>16} {:>14} {:>16} {:>18}",
            r.model.name(),
            r.parameters,
            cell(r.train_step_s, train),
            format!("{:.3}", r.products_floor_s),
            cell(r.greedy_one_s, one),
            cell(r.greedy_batch_s, batch),
        );
    }
    println!(
        "(x: speed-up over PyTorch on the same 2-core machine: 2.58 / 1.56 / 1.63 s per training batch,"
    );
    println!(" attention greedy 0.17 s for one input and 0.76 s for a batch of 64)");
    println!(
        "(products: the training step's matrix products alone, timed one by one: a floor for the step)"
    );
}
