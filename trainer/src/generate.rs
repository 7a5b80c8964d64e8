//! `trainer generate`: Python from one description (printed) or from a file of them (JSON Lines), with
//! the attention matrix as a heatmap or JSON on request. The reference's `generate_code`,
//! `batch_generate` and `generate_with_attention`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use model::generate::{Generation, generate};
use serde::Serialize;

use crate::device::{DEVICE_HELP, device};
use crate::eval::load_checkpoint;
use crate::plot::attention_heatmap;
use crate::pool_args::PoolArgs;
use crate::search_args::SearchArgs;

/// `trainer generate`.
#[derive(clap::Args, Debug, Clone)]
pub struct GenerateArgs {
    /// A checkpoint folder (e.g. runs/attention/best).
    #[arg(long, value_name = "DIR")]
    pub checkpoint: PathBuf,
    /// The description to generate code for.
    #[arg(
        long,
        value_name = "TEXT",
        required_unless_present = "input",
        conflicts_with = "input"
    )]
    pub docstring: Option<String>,
    /// A file of descriptions: one per line, or JSON Lines with a `docstring` field (any
    /// CodeSearchNet-format file). Writes JSON Lines to --output or stdout.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    #[arg(long, value_name = "FILE.jsonl", requires = "input")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub search: SearchArgs,
    #[command(flatten)]
    pub pool: PoolArgs,
    /// With --docstring and an attention model: write the attention matrix as a heatmap (.svg) or as
    /// JSON (.json, with each step's probability and alternatives).
    #[arg(long, value_name = "FILE", requires = "docstring")]
    pub attention: Option<PathBuf>,
    /// With --docstring: print on stderr, for each generated token, the probability the model gave
    /// it and the most probable tokens the syntax rules allowed there (greedy decoding).
    #[arg(long, requires = "docstring")]
    pub alternatives: bool,
    #[arg(long, value_name = "NAME", default_value = "cpu", help = DEVICE_HELP)]
    pub device: String,
}

/// One line of the batch output.
#[derive(Debug, Serialize)]
struct Output<'a> {
    docstring: &'a str,
    code: &'a str,
    tokens: &'a [String],
    truncated: bool,
    /// Retrieval models: the training functions read beside the description.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    neighbours: Vec<NeighbourLine<'a>>,
}

/// A retrieved function as `generate` reports it.
#[derive(Debug, Serialize)]
struct NeighbourLine<'a> {
    name: &'a str,
    package: &'a str,
    score: f64,
}

fn neighbour_lines(generation: &Generation) -> Vec<NeighbourLine<'_>> {
    generation
        .neighbours
        .iter()
        .map(|n| NeighbourLine {
            name: &n.document.name,
            package: &n.document.package,
            score: n.score,
        })
        .collect()
}

/// Descriptions decoded per batch in `--input` mode.
const BATCH: usize = 64;

pub fn run(args: &GenerateArgs) -> Result<()> {
    let device = device(&args.device)?;
    let mut checkpoint = load_checkpoint(&args.checkpoint, &device)?;
    args.search.check(&checkpoint)?;
    args.pool.apply(&mut checkpoint)?;
    let config = args.search.decode_config();
    if let Some(input) = &args.input {
        let descriptions = read_descriptions(input)?;
        let mut text = Vec::new();
        for chunk in descriptions.chunks(BATCH) {
            let refs: Vec<&str> = chunk.iter().map(|(_, d)| d.as_str()).collect();
            let generations = generate(&checkpoint, &refs, &config, &device).map_err(|e| {
                let model::generate::GenerateError::EmptyDescription { index } = e;
                anyhow::anyhow!(
                    "{}:{}: the description has no words",
                    input.display(),
                    chunk[index].0
                )
            })?;
            for ((_, docstring), g) in chunk.iter().zip(&generations) {
                let output = Output {
                    docstring,
                    code: &g.code,
                    tokens: &g.tokens,
                    truncated: g.truncated,
                    neighbours: neighbour_lines(g),
                };
                serde_json::to_writer(&mut text, &output)?;
                text.push(b'\n');
            }
        }
        match &args.output {
            Some(path) => crate::train::run_dir::write_atomic(path, &text)?,
            None => std::io::stdout().write_all(&text)?,
        }
        return Ok(());
    }
    if args.alternatives && (args.search.beam > 1 || args.search.unconstrained) {
        bail!(
            "--alternatives: only greedy decoding with the syntax rules records them (no --beam, no --unconstrained)"
        );
    }
    let docstring = args.docstring.as_deref().unwrap_or_default();
    if docstring.trim().is_empty() {
        bail!("--docstring is empty: describe the function to generate");
    }
    let generation = generate(&checkpoint, &[docstring], &config, &device)
        .map_err(|_| anyhow::anyhow!("--docstring has no words to generate code from"))?
        .remove(0);
    if generation.truncated {
        let kept = generation.description_tokens().len();
        eprintln!(
            "warning: the description has more than {kept} tokens; only the first {kept} were used"
        );
    }
    for n in neighbour_lines(&generation) {
        eprintln!(
            "retrieved: {} ({}), BM25 score {:.2}",
            n.name, n.package, n.score
        );
    }
    print!("{}", generation.code);
    if args.alternatives {
        eprint!("\n{}", alternatives_table(&generation));
    }
    if let Some(path) = &args.attention {
        write_attention(path, &generation)?;
        eprintln!("attention written to {}", path.display());
    }
    Ok(())
}

/// One line per generated token: its probability, then the alternatives with theirs.
fn alternatives_table(generation: &Generation) -> String {
    let steps = generation.alternatives.as_deref().unwrap_or_default();
    let mut text = String::from("step  token                 p      alternatives\n");
    let rows = generation.attention_rows();
    for (i, ((row, p), step)) in rows
        .iter()
        .zip(&generation.confidence)
        .zip(steps)
        .enumerate()
    {
        let others: Vec<String> = step
            .iter()
            .map(|a| format!("{} {:.3}", a.piece, a.probability))
            .collect();
        text += &format!("{:>4}  {row:<20}  {p:.3}  {}\n", i + 1, others.join(", "));
    }
    text
}

/// Writes a generation's attention as a heatmap (`.svg`) or JSON (`.json`).
pub fn write_attention(path: &Path, generation: &Generation) -> Result<()> {
    let Some(weights) = &generation.attention else {
        bail!("--attention: this model has no attention (only `attention` models do)");
    };
    let rows = generation.attention_rows();
    match path.extension().and_then(|e| e.to_str()) {
        Some("svg") => {
            // Copy models: each row says how likely the token was generated rather than copied.
            let labels: Vec<String> = match &generation.p_gen {
                Some(p_gen) => rows
                    .iter()
                    .zip(p_gen)
                    .map(|(row, p)| format!("{row}  p_gen {p:.2}"))
                    .collect(),
                None => rows.clone(),
            };
            attention_heatmap(path, &generation.src_tokens, &labels, weights)?
        }
        Some("json") => {
            let json = serde_json::json!({
                "src_tokens": generation.src_tokens,
                "generated_tokens": rows,
                "weights": weights,
                "p_gen": generation.p_gen,
                "confidence": generation.confidence,
                "alternatives": generation.alternatives.as_ref().map(|steps| {
                    steps
                        .iter()
                        .map(|step| {
                            step.iter()
                                .map(|a| serde_json::json!({"id": a.id, "piece": a.piece, "p": a.probability}))
                                .collect::<Vec<_>>()
                        })
                        .collect::<Vec<_>>()
                }),
            });
            crate::train::run_dir::write_atomic(path, serde_json::to_string(&json)?.as_bytes())?;
        }
        _ => bail!(
            "--attention {}: write .svg (a heatmap) or .json (plots are SVG only, so that no font or \
             image library is needed)",
            path.display()
        ),
    }
    Ok(())
}

/// `(line number, description)` of each non-blank line: the line itself, or its `docstring` field when
/// it is a JSON object.
fn read_descriptions(path: &Path) -> Result<Vec<(usize, String)>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut descriptions = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("{}:{}: cannot read", path.display(), i + 1))?;
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let description = if text.starts_with('{') {
            let row: serde_json::Value = serde_json::from_str(text)
                .with_context(|| format!("{}:{}: invalid JSON", path.display(), i + 1))?;
            match row.get("docstring").and_then(|d| d.as_str()) {
                Some(d) => d.to_string(),
                None => bail!("{}:{}: no `docstring` string field", path.display(), i + 1),
            }
        } else {
            text.to_string()
        };
        descriptions.push((i + 1, description));
    }
    if descriptions.is_empty() {
        bail!("{}: no descriptions", path.display());
    }
    Ok(descriptions)
}
