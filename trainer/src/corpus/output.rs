//! Writing output files atomically and reproducibly.
//!
//! Files are written through [`crate::atomic`], so a failed or interrupted build never leaves a
//! half-written corpus (nor destroys the old one).
//! The gzip header carries no file name and mtime 0, so two builds from the same inputs are byte-identical.

use super::errors::CorpusError;
use flate2::{Compression, GzBuilder};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Fails with [`CorpusError::OutputExists`] if `path` exists and overwriting was not asked for.
pub fn check_overwrite(path: &Path, force: bool) -> Result<(), CorpusError> {
    if !force && path.exists() {
        return Err(CorpusError::OutputExists {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Writes `path` through a temporary file: `write` fills it, then it is synced and renamed into place.
pub fn write_atomically(
    path: &Path,
    force: bool,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), CorpusError> {
    check_overwrite(path, force)?;
    crate::atomic::write_with(path, write).map_err(|e| CorpusError::io(e.path, e.source))
}

/// Writes records as gzipped JSON Lines (one record a line, fields in declaration order).
pub fn write_jsonl_gz<T: Serialize>(
    path: &Path,
    force: bool,
    records: &[T],
) -> Result<(), CorpusError> {
    write_atomically(path, force, |out| {
        let mut gz = GzBuilder::new().mtime(0).write(out, Compression::best());
        for record in records {
            serde_json::to_writer(&mut gz, record)?;
            gz.write_all(b"\n")?;
        }
        gz.finish()?.flush()
    })
}
