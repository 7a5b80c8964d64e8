//! The build pipeline: packages in name order -> files in path order -> functions in source order ->
//! CodeSearchNet's filters -> corpus-wide deduplication -> package-disjoint splits.
//!
//! Everything that decides the output is ordered (sorted packages and files, `BTreeMap` counts, a stable
//! split hash); files are processed in parallel, but results are collected in file order, so the output is
//! the same on any number of threads.

use super::errors::CorpusError;
use super::extract::{self, Body, FileError, FoundFunction};
use super::filters::{self, DropReason};
use super::metadata::Metadata;
use super::record::{CsnRecord, Omit, Partition, within_limits};
use super::source::{self, PackageSource, SkipReason, SourceKind};
use super::split::{self, KeptSplits, SplitUnit};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// What one package contributed, for the summary and the attribution table.
#[derive(Debug, Clone)]
pub struct PackageReport {
    pub meta: Metadata,
    pub kind: SourceKind,
    pub origin: PathBuf,
    pub sha256: Option<String>,
    pub functions_seen: usize,
    pub pairs: usize,
    pub within_limits: usize,
    pub partition: Partition,
}

/// Every count of a build: nothing is dropped without being counted.
#[derive(Debug, Clone, Default)]
pub struct BuildSummary {
    pub packages: Vec<PackageReport>,
    pub files_read: usize,
    pub files_skipped: BTreeMap<SkipReason, usize>,
    /// `repo/path: reason` of every `.py` file that was not UTF-8 or did not parse.
    pub unparsable_files: Vec<String>,
    pub functions_seen: usize,
    pub dropped: BTreeMap<DropReason, usize>,
    pub kept: usize,
    pub pairs: BTreeMap<Partition, usize>,
    pub within_limits: BTreeMap<Partition, usize>,
}

/// The records of a build and its summary.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub records: Vec<CsnRecord>,
    pub summary: BuildSummary,
}

/// A function after the per-function filters, before deduplication.
struct Candidate {
    path: String,
    found: FoundFunction,
    code: String,
    code_tokens: Vec<String>,
    docstring_tokens: Vec<String>,
}

/// Applies the per-function filters and tokenizes; `Err` says why the function is dropped.
fn candidate(path: &str, found: FoundFunction) -> Result<Candidate, DropReason> {
    if filters::is_test_name(&found.func_name) {
        return Err(DropReason::TestName);
    }
    if filters::is_dunder(&found.name) {
        return Err(DropReason::Dunder);
    }
    let docstring_tokens = model::tokenizer::docstring_tokens(&found.docstring);
    if docstring_tokens.len() < filters::MIN_DOCSTRING_TOKENS {
        return Err(DropReason::ShortDocstring);
    }
    let code = match &found.body {
        Body::Code(code) => code.clone(),
        Body::DocstringOnly => return Err(DropReason::DocstringOnly),
        Body::Unparsable => return Err(DropReason::Unparsable),
    };
    let code_tokens = model::tokenizer::code_tokens(&code).map_err(|_| DropReason::LexError)?;
    Ok(Candidate {
        path: path.to_string(),
        found,
        code,
        code_tokens,
        docstring_tokens,
    })
}

/// What a file yields: its candidates (or drop reasons, in source order), or why it was skipped.
type FileResult = Result<(usize, Vec<Result<Candidate, DropReason>>), FileError>;

fn process_file(path: &str, bytes: &[u8]) -> FileResult {
    let functions = extract::extract_file(bytes)?;
    let without_docstring = functions.seen - functions.with_docstring.len();
    let mut out: Vec<Result<Candidate, DropReason>> = (0..without_docstring)
        .map(|_| Err(DropReason::NoDocstring))
        .collect();
    out.extend(
        functions
            .with_docstring
            .into_iter()
            .map(|f| candidate(path, f)),
    );
    Ok((functions.seen, out))
}

/// Opens the inputs and orders packages by normalized name; two inputs for one package are an error (which
/// one to keep would be a guess).
fn ordered_sources(inputs: &[PathBuf]) -> Result<Vec<PackageSource>, CorpusError> {
    let mut sources = source::open_inputs(inputs)?;
    sources.sort_by_key(|s| (s.meta.normalized_name(), s.origin.clone()));
    for pair in sources.windows(2) {
        if pair[0].meta.normalized_name() == pair[1].meta.normalized_name() {
            return Err(CorpusError::DuplicatePackage {
                name: pair[0].meta.name.clone(),
                first: pair[0].origin.clone(),
                second: pair[1].origin.clone(),
            });
        }
    }
    Ok(sources)
}

/// Builds the corpus in memory.
pub fn build_corpus(inputs: &[PathBuf], partition_seed: u64) -> Result<Corpus, CorpusError> {
    build_corpus_keeping(inputs, partition_seed, &KeptSplits::default())
}

/// Builds the corpus in memory; the packages in `kept` keep the split it gives them.
pub fn build_corpus_keeping(
    inputs: &[PathBuf],
    partition_seed: u64,
    kept: &KeptSplits,
) -> Result<Corpus, CorpusError> {
    let sources = ordered_sources(inputs)?;
    let mut summary = BuildSummary::default();
    let mut records = Vec::new();
    let mut package_of_record = Vec::new();
    let mut seen_code: HashSet<Vec<String>> = HashSet::new();
    for (index, source) in sources.iter().enumerate() {
        let files = source.read_files()?;
        for (reason, n) in &files.skipped {
            *summary.files_skipped.entry(*reason).or_default() += n;
        }
        summary.files_read += files.files.len();
        let results: Vec<(String, FileResult)> = files
            .files
            .par_iter()
            .map(|f| (f.path.clone(), process_file(&f.path, &f.bytes)))
            .collect();
        let repo = source.meta.repo();
        let mut report = PackageReport {
            meta: source.meta.clone(),
            kind: source.kind,
            origin: source.origin.clone(),
            sha256: source.sha256.clone(),
            functions_seen: 0,
            pairs: 0,
            within_limits: 0,
            partition: Partition::Train,
        };
        for (path, result) in results {
            let (seen, candidates) = match result {
                Ok(r) => r,
                Err(e) => {
                    summary.unparsable_files.push(format!("{repo}/{path}: {e}"));
                    continue;
                }
            };
            report.functions_seen += seen;
            for c in candidates {
                let c = c.and_then(|c| {
                    if seen_code.insert(c.code_tokens.clone()) {
                        Ok(c)
                    } else {
                        Err(DropReason::Duplicate)
                    }
                });
                match c {
                    Ok(c) => {
                        let record = to_record(&repo, source.kind, c);
                        report.pairs += 1;
                        report.within_limits += usize::from(within_limits(&record));
                        records.push(record);
                        package_of_record.push(index);
                    }
                    Err(reason) => *summary.dropped.entry(reason).or_default() += 1,
                }
            }
        }
        summary.functions_seen += report.functions_seen;
        summary.packages.push(report);
    }
    let units: Vec<SplitUnit> = summary
        .packages
        .iter()
        .map(|p| {
            let normalized_name = p.meta.normalized_name();
            SplitUnit {
                kept: kept.0.get(&normalized_name).copied(),
                normalized_name,
                within_limits: p.within_limits,
            }
        })
        .collect();
    for (report, partition) in summary
        .packages
        .iter_mut()
        .zip(split::assign(&units, partition_seed))
    {
        report.partition = partition;
        *summary.pairs.entry(partition).or_default() += report.pairs;
        *summary.within_limits.entry(partition).or_default() += report.within_limits;
    }
    for (record, &package) in records.iter_mut().zip(&package_of_record) {
        record.partition = summary.packages[package].partition;
    }
    summary.kept = records.len();
    Ok(Corpus { records, summary })
}

fn to_record(repo: &str, kind: SourceKind, c: Candidate) -> CsnRecord {
    let scheme = match kind {
        SourceKind::Wheel | SourceKind::Sdist => "pypi",
        SourceKind::Folder => "dir",
    };
    let url = format!(
        "{scheme}:{repo}/{}#L{}-L{}",
        c.path, c.found.start_line, c.found.end_line
    );
    CsnRecord {
        repo: repo.to_string(),
        path: c.path,
        func_name: c.found.func_name,
        original_string: c.found.original_string,
        language: "python".to_string(),
        code: c.code,
        code_tokens: c.code_tokens,
        docstring: c.found.docstring,
        docstring_tokens: c.docstring_tokens,
        url,
        partition: Partition::Train,
    }
}

/// How `build_to_file` builds and writes.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Overwrite an existing output.
    pub force: bool,
    /// Mixed into the split hash (0: the default split).
    pub partition_seed: u64,
    /// Fields left out of the written file.
    pub omit: Omit,
    /// Packages that keep the split an earlier build gave them.
    pub kept_splits: KeptSplits,
}

/// Builds the corpus and writes it to `out` (gzipped JSON Lines, atomically). Refuses an existing `out`
/// without `force` before doing any work.
pub fn build_to_file(
    inputs: &[PathBuf],
    out: &Path,
    options: &BuildOptions,
) -> Result<Corpus, CorpusError> {
    super::output::check_overwrite(out, options.force)?;
    let corpus = build_corpus_keeping(inputs, options.partition_seed, &options.kept_splits)?;
    let views: Vec<_> = corpus
        .records
        .iter()
        .map(|r| r.view(options.omit))
        .collect();
    super::output::write_jsonl_gz(out, options.force, &views)?;
    Ok(corpus)
}
