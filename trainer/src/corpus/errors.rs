//! Library errors of the corpus module. They carry the file (and line) they are about, so the binary can
//! print them as they are; `anyhow` only adds what the command was doing.

use std::path::PathBuf;

/// Errors of `corpus build`: bad inputs and output problems. A single bad `.py` file is not an error (it is
/// counted and named in the summary); an unreadable archive or a refused output is.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: corrupt or unreadable archive: {message}", path.display())]
    Archive { path: PathBuf, message: String },
    #[error(
        "{}: unsupported input (expected a .whl, a .tar.gz/.tgz sdist, or a directory)",
        path.display()
    )]
    UnsupportedInput { path: PathBuf },
    #[error("{}: does not exist", path.display())]
    MissingInput { path: PathBuf },
    #[error("{}: already exists (pass --force to overwrite it)", path.display())]
    OutputExists { path: PathBuf },
    #[error("package `{name}` is given twice: {} and {}", first.display(), second.display())]
    DuplicatePackage {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("no inputs given")]
    NoInputs,
}

impl CorpusError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CorpusError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn archive(path: impl Into<PathBuf>, message: impl ToString) -> Self {
        CorpusError::Archive {
            path: path.into(),
            message: message.to_string(),
        }
    }
}

/// Errors of reading a CodeSearchNet-format data file. Every one names the file, and the line where there is
/// one, because a data file with an error makes the whole command fail and the user has to find the row.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: {source}", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: invalid JSON: {message}", file.display())]
    Json {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}:{line}: missing field `{field}` (or `{alternative}`)", file.display())]
    MissingField {
        file: PathBuf,
        line: usize,
        field: &'static str,
        alternative: &'static str,
    },
    #[error("{}: truncated or corrupt gzip after {lines} lines", file.display())]
    Gzip { file: PathBuf, lines: usize },
    #[error("{}:{line}: invalid UTF-8", file.display())]
    Utf8 { file: PathBuf, line: usize },
    #[error("{}:{line}: cannot tokenize `code`: {message}", file.display())]
    Tokenize {
        file: PathBuf,
        line: usize,
        message: String,
    },
}
