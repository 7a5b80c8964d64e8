//! Helpers shared by the corpus tests: scratch directories and tiny wheels/sdists made on the spot.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A scratch directory, removed when dropped.
pub struct TempDir(PathBuf);

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("corpus-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes a file (creating its folders) and returns its path.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes a wheel `name-version-py3-none-any.whl` into `dir` with a METADATA file and the given files.
pub fn make_wheel(
    dir: &Path,
    name: &str,
    version: &str,
    license: &str,
    files: &[(&str, &str)],
) -> PathBuf {
    let path = dir.join(format!("{name}-{version}-py3-none-any.whl"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (file, text) in files {
        zip.start_file(*file, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.start_file(format!("{name}-{version}.dist-info/METADATA"), options)
        .unwrap();
    let metadata = format!(
        "Metadata-Version: 2.4\nName: {name}\nVersion: {version}\nLicense-Expression: {license}\n\nA package.\n"
    );
    zip.write_all(metadata.as_bytes()).unwrap();
    zip.finish().unwrap();
    path
}

/// Writes an sdist `name-version.tar.gz` into `dir` with a PKG-INFO file and the given files.
pub fn make_sdist(dir: &Path, name: &str, version: &str, files: &[(&str, &str)]) -> PathBuf {
    let path = dir.join(format!("{name}-{version}.tar.gz"));
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::default(),
    );
    let mut tar = tar::Builder::new(gz);
    let info = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense: MIT\n");
    let mut entries: Vec<(String, String)> = vec![(format!("{name}-{version}/PKG-INFO"), info)];
    entries.extend(
        files
            .iter()
            .map(|(f, t)| (format!("{name}-{version}/{f}"), t.to_string())),
    );
    for (file, text) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, file, text.as_bytes()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    path
}

/// A Python function with a docstring, distinct per `name`, of about `statements` lines.
pub fn function(name: &str, statements: usize) -> String {
    let mut text =
        format!("def {name}(value):\n    \"\"\"Compute the {name} result from a value.\"\"\"\n");
    for i in 0..statements {
        text.push_str(&format!("    value = value + {i} * len(\"{name}\")\n"));
    }
    text.push_str("    return value\n\n\n");
    text
}
