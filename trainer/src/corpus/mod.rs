//! CodeSearchNet-format corpora: building one from Python packages the way CodeSearchNet was built from
//! GitHub (tree-sitter extraction of documented functions, its filters, package-disjoint splits), reading
//! such files (ours, CodeSearchNet's release, its Hugging Face export), and describing them.
//!
//! One job per file: [`source`] reads packages, [`metadata`] their METADATA/PKG-INFO, [`extract`] finds
//! functions, [`docstring`] turns literals into descriptions, [`filters`] holds CodeSearchNet's filters,
//! [`build`] runs the pipeline, [`split`] assigns splits, [`record`] is the on-disk record, [`output`]
//! writes files atomically, [`loader`] reads data files, [`stats`] and [`roundtrip`] describe them.

pub mod attribution;
pub mod build;
pub mod docstring;
pub mod errors;
pub mod extract;
pub mod filters;
pub mod loader;
pub mod metadata;
pub mod output;
pub mod preset;
pub mod record;
pub mod roundtrip;
pub mod source;
pub mod split;
pub mod stats;
mod summary;

pub use build::{
    BuildOptions, BuildSummary, Corpus, build_corpus, build_corpus_keeping, build_to_file,
};
pub use errors::{CorpusError, LoadError};
pub use loader::{Pair, iter_pairs, load_pairs};
pub use record::{
    CsnRecord, MAX_SRC_TOKENS, MAX_TGT_TOKENS, Omit, Partition, TokenLengths, within_limits,
};
pub use split::KeptSplits;

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The corpus shipped with the project, built from the pinned wheels listed in `corpus/wheels.txt`.
pub const EMBEDDED_CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/corpus/python-packages.jsonl.gz"
);

/// Path of the shipped corpus.
pub fn embedded_corpus_path() -> &'static Path {
    Path::new(EMBEDDED_CORPUS)
}

/// `trainer corpus build`.
#[derive(clap::Args, Debug, Default)]
pub struct BuildArgs {
    /// Wheels (.whl), sdists (.tar.gz), folders of .py files, or folders holding wheels/sdists.
    #[arg(long = "input", value_name = "PATH", required = true, num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// Output file (gzipped JSON Lines, CodeSearchNet fields).
    #[arg(long, value_name = "FILE.jsonl.gz")]
    pub out: PathBuf,
    /// Overwrite `--out` if it exists.
    #[arg(long)]
    pub force: bool,
    /// Also write a markdown table of packages, versions, licenses and pairs contributed.
    #[arg(long, value_name = "FILE.md")]
    pub attribution: Option<PathBuf>,
    /// Mixed into the hash that orders packages for the split (0: the default split).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub partition_seed: u64,
    /// Packages listed in this file (`package partition` per line, e.g. trainer/corpus/splits.txt) keep
    /// that split, so a checkpoint trained on an earlier build never meets its training packages in
    /// the grown corpus' test split; only the other packages are assigned.
    #[arg(long, value_name = "FILE")]
    pub keep_splits: Option<PathBuf>,
    /// Also write every package's split in the `--keep-splits` format, for the next build to keep.
    #[arg(long, value_name = "FILE")]
    pub write_splits: Option<PathBuf>,
    /// Leave fields out of the file to make it smaller (the loader recomputes tokens from the text).
    #[arg(long, value_name = "FIELD", value_delimiter = ',', value_parser = record::OMITTABLE_FIELDS)]
    pub omit: Vec<String>,
}

/// `trainer corpus stats`. The default (no `--data`, no `--json`) is the embedded corpus as a table.
#[derive(clap::Args, Debug, Default)]
pub struct StatsArgs {
    /// A CodeSearchNet-format file (.jsonl or .jsonl.gz); default: the embedded corpus.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Skip the round-trip check (it parses every function twice: most of the time stats takes).
    #[arg(long)]
    pub no_roundtrip: bool,
}

pub fn run_build(args: &BuildArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let options = BuildOptions {
        force: args.force,
        partition_seed: args.partition_seed,
        omit: Omit::from_names(&args.omit)
            .map_err(|f| anyhow::anyhow!("--omit: cannot omit `{f}`"))?,
        kept_splits: match &args.keep_splits {
            Some(file) => KeptSplits::read(file).context("--keep-splits")?,
            None => KeptSplits::default(),
        },
    };
    let corpus = build_to_file(&args.inputs, &args.out, &options).context("corpus build failed")?;
    if let Some(path) = &args.attribution {
        attribution::write(path, &corpus.summary).context("writing the attribution table")?;
    }
    if let Some(path) = &args.write_splits {
        let text = KeptSplits::render(
            corpus
                .summary
                .packages
                .iter()
                .map(|p| (p.meta.normalized_name(), p.partition)),
        );
        crate::atomic::write_file(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    print!("{}", corpus.summary);
    let size = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    println!(
        "wrote {} ({} pairs, {:.1} MB) in {:.1} s",
        args.out.display(),
        corpus.records.len(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn run_stats(args: &StatsArgs) -> Result<()> {
    let path = args
        .data
        .as_deref()
        .unwrap_or_else(|| embedded_corpus_path());
    let pairs = load_pairs(path).with_context(|| format!("reading {}", path.display()))?;
    let stats = stats::compute(&path.display().to_string(), &pairs, !args.no_roundtrip);
    if args.json {
        println!("{}", serde_json::to_string(&stats)?);
    } else {
        print!("{stats}");
    }
    Ok(())
}
