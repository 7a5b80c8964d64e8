//! The attribution table shipped next to a corpus: which package each pair came from and under which
//! license, as the packages' own metadata states it.

use super::build::BuildSummary;
use super::errors::CorpusError;
use super::source::SourceKind;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// Escapes a value for a markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The markdown text of the table.
pub fn markdown(summary: &BuildSummary) -> String {
    let mut out = String::new();
    out.push_str("# Corpus attribution\n\n");
    out.push_str(
        "Docstring/function pairs were extracted from these packages' source files. Licenses are as the \
         packages' metadata states them (License-Expression, License, or license classifiers).\n\n",
    );
    out.push_str("| Package | Version | License | Source | Pairs |\n");
    out.push_str("|---|---|---|---|---:|\n");
    for r in &summary.packages {
        let file = r.origin.file_name().unwrap_or_default().to_string_lossy();
        let source = match (r.kind, &r.sha256) {
            (SourceKind::Folder, _) => format!("local folder `{}`", cell(&file)),
            (_, Some(sha)) => format!(
                "PyPI `{}` (sha256 `{}`)",
                cell(&file),
                &sha[..16.min(sha.len())]
            ),
            (_, None) => format!("PyPI `{}`", cell(&file)),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&r.meta.name),
            cell(r.meta.version.as_deref().unwrap_or("-")),
            cell(r.meta.license.as_deref().unwrap_or("not stated")),
            source,
            r.pairs
        );
    }
    out
}

/// Writes the table (atomically; it is regenerated with every build, so it is always overwritten).
pub fn write(path: &Path, summary: &BuildSummary) -> Result<(), CorpusError> {
    let text = markdown(summary);
    super::output::write_atomically(path, true, |out| out.write_all(text.as_bytes()))
}
