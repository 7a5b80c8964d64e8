//! Reading packages: wheels (.whl zips), sdists (.tar.gz) and plain folders of `.py` files, with
//! CodeSearchNet's choice of what not to read (tests, vendored copies of other projects, non-Python files).
//!
//! Reading is in two steps: [`open_inputs`] reads only each package's name, version and license (so packages
//! can be ordered by name before anything is extracted), and [`PackageSource::read_files`] then reads the
//! `.py` files of one package at a time, which keeps memory to one package's sources.

use super::errors::CorpusError;
use super::metadata::{self, Metadata};
use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What kind of input a package came from; decides the provenance written in `url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Wheel,
    Sdist,
    Folder,
}

/// Why a file in a package was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    NotPython,
    TestFile,
    Vendored,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::NotPython => "not a .py file",
            SkipReason::TestFile => "test file or folder",
            SkipReason::Vendored => "vendored copy",
        })
    }
}

/// Path components that mark tests (CodeSearchNet dropped test code: its docstrings describe tests).
const TEST_DIRS: &[&str] = &["test", "tests", "testing"];
/// Path components that mark copies of other projects, which would be duplicates and mis-attributed.
const VENDOR_DIRS: &[&str] = &[
    "_vendor",
    "vendor",
    "vendored",
    "_vendored",
    "extern",
    "externals",
    "third_party",
];

/// Whether a file (path inside its package, `/`-separated) is skipped, and why. `None`: read it.
pub fn skip_reason(path: &str) -> Option<SkipReason> {
    let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let Some((file, dirs)) = components.split_last() else {
        return Some(SkipReason::NotPython);
    };
    let lower_dirs: Vec<String> = dirs.iter().map(|d| d.to_ascii_lowercase()).collect();
    if lower_dirs.iter().any(|d| VENDOR_DIRS.contains(&d.as_str())) {
        return Some(SkipReason::Vendored);
    }
    let Some(stem) = file.strip_suffix(".py") else {
        return Some(SkipReason::NotPython);
    };
    let stem = stem.to_ascii_lowercase();
    if lower_dirs.iter().any(|d| TEST_DIRS.contains(&d.as_str()))
        || TEST_DIRS.contains(&stem.as_str())
        || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem == "conftest"
    {
        return Some(SkipReason::TestFile);
    }
    None
}

/// One package to extract from, with its metadata read but its files not yet.
#[derive(Debug, Clone)]
pub struct PackageSource {
    pub origin: PathBuf,
    pub kind: SourceKind,
    pub meta: Metadata,
    /// sha256 of the archive file, for the attribution table (None for a folder).
    pub sha256: Option<String>,
}

/// A `.py` file of a package, not yet decoded: non-UTF-8 files are counted by the extractor, not here.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// The files of one package, sorted by path, and how many were skipped per reason.
#[derive(Debug, Default)]
pub struct PackageFiles {
    pub files: Vec<SourceFile>,
    pub skipped: BTreeMap<SkipReason, usize>,
}

impl PackageFiles {
    fn add(
        &mut self,
        path: String,
        read: impl FnOnce() -> std::io::Result<Vec<u8>>,
    ) -> std::io::Result<()> {
        match skip_reason(&path) {
            Some(reason) => *self.skipped.entry(reason).or_default() += 1,
            None => self.files.push(SourceFile {
                path,
                bytes: read()?,
            }),
        }
        Ok(())
    }

    fn finish(mut self) -> Self {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.files.dedup_by(|a, b| a.path == b.path);
        self
    }
}

fn is_wheel(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "whl")
}

fn is_sdist(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// Expands the command-line inputs (a directory holding archives stands for those archives; any other
/// directory is one plain-folder package) and reads each package's metadata.
pub fn open_inputs(inputs: &[PathBuf]) -> Result<Vec<PackageSource>, CorpusError> {
    if inputs.is_empty() {
        return Err(CorpusError::NoInputs);
    }
    let mut sources = Vec::new();
    for input in inputs {
        if !input.exists() {
            return Err(CorpusError::MissingInput {
                path: input.clone(),
            });
        }
        if input.is_dir() {
            let archives = archives_in(input)?;
            if archives.is_empty() {
                sources.push(open_folder(input)?);
            } else {
                for archive in archives {
                    sources.push(open_archive(&archive)?);
                }
            }
        } else {
            sources.push(open_archive(input)?);
        }
    }
    Ok(sources)
}

/// The wheels and sdists directly inside a directory, sorted.
fn archives_in(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    let entries = std::fs::read_dir(dir).map_err(|e| CorpusError::io(dir, e))?;
    let mut archives = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| CorpusError::io(dir, e))?.path();
        if path.is_file() && (is_wheel(&path) || is_sdist(&path)) {
            archives.push(path);
        }
    }
    archives.sort();
    Ok(archives)
}

fn sha256_file(path: &Path) -> Result<String, CorpusError> {
    let mut file = File::open(path).map_err(|e| CorpusError::io(path, e))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| CorpusError::io(path, e))?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn open_archive(path: &Path) -> Result<PackageSource, CorpusError> {
    let (kind, text) = if is_wheel(path) {
        (SourceKind::Wheel, wheel_metadata(path)?)
    } else if is_sdist(path) {
        (SourceKind::Sdist, sdist_metadata(path)?)
    } else {
        return Err(CorpusError::UnsupportedInput {
            path: path.to_path_buf(),
        });
    };
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let meta = metadata::parse(text.as_deref().unwrap_or(""), &file_name);
    Ok(PackageSource {
        origin: path.to_path_buf(),
        kind,
        meta,
        sha256: Some(sha256_file(path)?),
    })
}

fn open_folder(dir: &Path) -> Result<PackageSource, CorpusError> {
    let canonical = dir.canonicalize().map_err(|e| CorpusError::io(dir, e))?;
    let name = canonical
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    Ok(PackageSource {
        origin: dir.to_path_buf(),
        kind: SourceKind::Folder,
        meta: Metadata::folder(name),
        sha256: None,
    })
}

fn open_zip(path: &Path) -> Result<zip::ZipArchive<File>, CorpusError> {
    let file = File::open(path).map_err(|e| CorpusError::io(path, e))?;
    zip::ZipArchive::new(file).map_err(|e| CorpusError::archive(path, e))
}

/// The text of `*.dist-info/METADATA` (the top-level one), if the wheel has it.
fn wheel_metadata(path: &Path) -> Result<Option<String>, CorpusError> {
    let mut zip = open_zip(path)?;
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .map_err(|e| CorpusError::archive(path, e))?;
    let name = names
        .into_iter()
        .filter(|n| {
            let parts: Vec<&str> = n.split('/').collect();
            parts.len() == 2 && parts[0].ends_with(".dist-info") && parts[1] == "METADATA"
        })
        .min();
    let Some(name) = name else { return Ok(None) };
    let mut entry = zip
        .by_name(&name)
        .map_err(|e| CorpusError::archive(path, e))?;
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| CorpusError::archive(path, e))?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Opens an sdist's tar stream.
fn open_tar(path: &Path) -> Result<tar::Archive<GzDecoder<File>>, CorpusError> {
    let file = File::open(path).map_err(|e| CorpusError::io(path, e))?;
    Ok(tar::Archive::new(GzDecoder::new(file)))
}

/// An sdist member's path without the `name-version/` directory every sdist starts with.
fn sdist_inner_path(entry_path: &Path) -> Option<String> {
    let text = entry_path.to_string_lossy().replace('\\', "/");
    let text = text.trim_start_matches("./");
    text.split_once('/')
        .map(|(_, rest)| rest.to_string())
        .filter(|r| !r.is_empty())
}

/// The text of the sdist's top-level `PKG-INFO`, if it has one.
fn sdist_metadata(path: &Path) -> Result<Option<String>, CorpusError> {
    let mut tar = open_tar(path)?;
    let entries = tar.entries().map_err(|e| CorpusError::archive(path, e))?;
    let mut count = 0;
    for entry in entries {
        count += 1;
        let mut entry = entry.map_err(|e| CorpusError::archive(path, e))?;
        let entry_path = entry
            .path()
            .map_err(|e| CorpusError::archive(path, e))?
            .into_owned();
        if sdist_inner_path(&entry_path).as_deref() == Some("PKG-INFO") {
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| CorpusError::archive(path, e))?;
            return Ok(Some(String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    if count == 0 {
        return Err(CorpusError::archive(
            path,
            "no entries (empty or truncated)",
        ));
    }
    Ok(None)
}

/// A wheel member's path inside the package: `name-version.data/purelib/x.py` installs as `x.py`.
fn wheel_inner_path(name: &str) -> String {
    let parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 2
        && parts[0].ends_with(".data")
        && (parts[1] == "purelib" || parts[1] == "platlib")
    {
        parts[2..].join("/")
    } else {
        name.to_string()
    }
}

impl PackageSource {
    /// Reads the package's `.py` files (skipping tests, vendored copies and other files).
    pub fn read_files(&self) -> Result<PackageFiles, CorpusError> {
        let path = &self.origin;
        match self.kind {
            SourceKind::Wheel => {
                let mut zip = open_zip(path)?;
                let mut files = PackageFiles::default();
                for i in 0..zip.len() {
                    let mut entry = zip.by_index(i).map_err(|e| CorpusError::archive(path, e))?;
                    if entry.is_dir() {
                        continue;
                    }
                    let inner =
                        wheel_inner_path(&entry.name().map_err(|e| CorpusError::archive(path, e))?);
                    files
                        .add(inner, || {
                            let mut bytes = Vec::new();
                            entry.read_to_end(&mut bytes).map(|_| bytes)
                        })
                        .map_err(|e| CorpusError::archive(path, e))?;
                }
                Ok(files.finish())
            }
            SourceKind::Sdist => {
                let mut tar = open_tar(path)?;
                let mut files = PackageFiles::default();
                let entries = tar.entries().map_err(|e| CorpusError::archive(path, e))?;
                for entry in entries {
                    let mut entry = entry.map_err(|e| CorpusError::archive(path, e))?;
                    if !entry.header().entry_type().is_file() {
                        continue;
                    }
                    let entry_path = entry.path().map_err(|e| CorpusError::archive(path, e))?;
                    let Some(inner) = sdist_inner_path(&entry_path) else {
                        continue;
                    };
                    files
                        .add(inner, || {
                            let mut bytes = Vec::new();
                            entry.read_to_end(&mut bytes).map(|_| bytes)
                        })
                        .map_err(|e| CorpusError::archive(path, e))?;
                }
                Ok(files.finish())
            }
            SourceKind::Folder => {
                let mut files = PackageFiles::default();
                walk_folder(path, "", &mut files)?;
                Ok(files.finish())
            }
        }
    }
}

/// Walks a folder without following symbolic links (no loops) and without entering hidden directories or
/// `__pycache__` (tool state, not source).
fn walk_folder(dir: &Path, prefix: &str, files: &mut PackageFiles) -> Result<(), CorpusError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| CorpusError::io(dir, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| CorpusError::io(dir, e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let inner = format!("{prefix}{name}");
        let path = entry.path();
        let file_type = entry.file_type().map_err(|e| CorpusError::io(&path, e))?;
        if file_type.is_dir() {
            if !name.starts_with('.') && name != "__pycache__" {
                walk_folder(&path, &format!("{inner}/"), files)?;
            }
        } else if file_type.is_file() {
            files
                .add(inner, || std::fs::read(&path))
                .map_err(|e| CorpusError::io(&path, e))?;
        }
    }
    Ok(())
}
