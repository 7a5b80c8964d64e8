//! The CodeSearchNet record as this project writes it, and the reference design's length limits.
//!
//! Field names are CodeSearchNet's own, so the files read like the released corpus (and the loader reads
//! both). The field order of the struct is the order on disk: serde writes fields in declaration order,
//! which keeps the output byte-identical from build to build.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The reference design keeps pairs whose docstring has at most this many tokens (the source side).
pub const MAX_SRC_TOKENS: usize = 50;
/// ... and whose code has at most this many CSN code tokens (the target side).
pub const MAX_TGT_TOKENS: usize = 80;

/// The split a package (and so each of its pairs) belongs to.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Partition {
    Train,
    Valid,
    Test,
}

impl Partition {
    pub const ALL: [Partition; 3] = [Partition::Train, Partition::Valid, Partition::Test];

    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Train => "train",
            Partition::Valid => "valid",
            Partition::Test => "test",
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One docstring/function pair in CodeSearchNet's format.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CsnRecord {
    /// `name==version` of the package (`name` alone for a plain folder).
    pub repo: String,
    /// Path of the file inside the package.
    pub path: String,
    /// `Class.method`, `outer.inner`, or the plain name for a module-level function.
    pub func_name: String,
    /// The function's source (dedented), docstring and comments included.
    pub original_string: String,
    pub language: String,
    /// The function without its docstring and comments, dedented; what the models learn to write.
    pub code: String,
    pub code_tokens: Vec<String>,
    /// The docstring's summary: its first paragraph, whitespace collapsed.
    pub docstring: String,
    pub docstring_tokens: Vec<String>,
    /// Provenance: `pypi:name==version/path#Lstart-Lend` (`dir:name/path#L..` for a folder).
    pub url: String,
    pub partition: Partition,
}

/// Fields that `corpus build --omit` may leave out of the written file: none is needed to load it (the
/// loader computes missing tokens from the text), and they are most of its size.
pub const OMITTABLE_FIELDS: [&str; 3] = ["original_string", "code_tokens", "docstring_tokens"];

/// Which omittable fields to leave out when writing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Omit {
    pub original_string: bool,
    pub code_tokens: bool,
    pub docstring_tokens: bool,
}

impl Omit {
    /// From field names; `Err(name)` for a field that cannot be omitted.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Self, String> {
        let mut omit = Omit::default();
        for name in names {
            match name.as_ref() {
                "original_string" => omit.original_string = true,
                "code_tokens" => omit.code_tokens = true,
                "docstring_tokens" => omit.docstring_tokens = true,
                other => return Err(other.to_string()),
            }
        }
        Ok(omit)
    }
}

/// A record as written: the same fields in the same order, the omitted ones left out.
#[derive(Serialize)]
pub struct RecordView<'a> {
    repo: &'a str,
    path: &'a str,
    func_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_string: Option<&'a str>,
    language: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_tokens: Option<&'a [String]>,
    docstring: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    docstring_tokens: Option<&'a [String]>,
    url: &'a str,
    partition: Partition,
}

impl CsnRecord {
    pub fn view(&self, omit: Omit) -> RecordView<'_> {
        RecordView {
            repo: &self.repo,
            path: &self.path,
            func_name: &self.func_name,
            original_string: (!omit.original_string).then_some(self.original_string.as_str()),
            language: &self.language,
            code: &self.code,
            code_tokens: (!omit.code_tokens).then_some(self.code_tokens.as_slice()),
            docstring: &self.docstring,
            docstring_tokens: (!omit.docstring_tokens).then_some(self.docstring_tokens.as_slice()),
            url: &self.url,
            partition: self.partition,
        }
    }
}

/// Anything with a source (docstring) and a target (code) token count, so that records and loaded pairs
/// share one definition of "fits the reference limits".
pub trait TokenLengths {
    fn source_len(&self) -> usize;
    fn target_len(&self) -> usize;
}

impl TokenLengths for CsnRecord {
    fn source_len(&self) -> usize {
        self.docstring_tokens.len()
    }
    fn target_len(&self) -> usize {
        self.code_tokens.len()
    }
}

/// Whether a pair fits the reference design's limits (docstring <= 50 tokens, CSN code tokens <= 80).
pub fn within_limits<T: TokenLengths + ?Sized>(pair: &T) -> bool {
    pair.source_len() <= MAX_SRC_TOKENS && pair.target_len() <= MAX_TGT_TOKENS
}
