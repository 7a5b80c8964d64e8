//! The manifest in `config.json`: every other file of the checkpoint with its size and SHA-256, so
//! that a browser can show the download's progress against its total and keep files in a cache it
//! can check, and so that loading refuses a truncated or altered file by name instead of failing
//! later inside the weights.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::CheckpointError;

/// One file as the manifest states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub file: String,
    pub bytes: u64,
    /// Lower-case hex.
    pub sha256: String,
}

impl FileEntry {
    /// The entry of `file` with these contents.
    pub fn of(file: &str, contents: &[u8]) -> Self {
        Self {
            file: file.to_string(),
            bytes: contents.len() as u64,
            sha256: sha256_hex(contents),
        }
    }

    /// Whether `contents` are this file: its length first (cheap), then its hash.
    pub fn check(&self, contents: &[u8]) -> Result<(), CheckpointError> {
        let corrupt = |why: String| CheckpointError::Corrupt {
            file: self.file.clone(),
            why,
        };
        if contents.len() as u64 != self.bytes {
            return Err(corrupt(format!(
                "{} bytes, the manifest says {}",
                contents.len(),
                self.bytes
            )));
        }
        let hash = sha256_hex(contents);
        if hash != self.sha256 {
            return Err(corrupt(format!(
                "SHA-256 {hash}, the manifest says {}",
                self.sha256
            )));
        }
        Ok(())
    }
}

/// The bytes a manifest's files add up to.
pub fn total_bytes(manifest: &[FileEntry]) -> u64 {
    manifest.iter().map(|e| e.bytes).sum()
}

fn sha256_hex(contents: &[u8]) -> String {
    Sha256::digest(contents)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_accepts_its_file_and_names_what_differs() {
        let entry = FileEntry::of("model.bpk", b"weights");
        assert_eq!(entry.bytes, 7);
        // SHA-256 of "abc", the standard test vector.
        assert_eq!(
            FileEntry::of("x", b"abc").sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(entry.check(b"weights").is_ok());
        let short = entry.check(b"weight").unwrap_err().to_string();
        assert!(
            short.contains("model.bpk") && short.contains("6 bytes"),
            "{short}"
        );
        let altered = entry.check(b"Weights").unwrap_err().to_string();
        assert!(altered.contains("SHA-256"), "{altered}");
        assert_eq!(total_bytes(&[entry.clone(), entry]), 14);
    }
}
