//! Property-based fuzzing of the corpus loader: real CodeSearchNet-format lines from the embedded
//! corpus, as JSON Lines and gzipped, mutated (truncated, bit-flipped, bytes inserted or cut). Each
//! file must load or fail with an error naming the file, never panic. `PROPTEST_CASES` sets the cases
//! (256 by default); see `model/tests/fuzz.rs` for the longer command.

mod corpus_common;

use std::io::{Read, Write};

use corpus_common::TempDir;
use proptest::prelude::*;
use trainer::corpus::{embedded_corpus_path, load_pairs};

type Edit = (u8, usize, u8);

/// Truncate, flip a bit, insert a byte or cut up to 16 bytes (as `model/tests/fuzz.rs`).
fn mutate(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for &(kind, at, byte) in edits {
        let at = at % (bytes.len() + 1);
        match kind % 4 {
            0 => bytes.truncate(at),
            1 if at < bytes.len() => bytes[at] ^= 1 << (byte % 8),
            2 => bytes.insert(at, byte),
            _ => {
                let end = (at + usize::from(byte % 16)).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

/// The embedded corpus' first 20 lines.
fn seed_jsonl() -> Vec<u8> {
    let file = std::fs::File::open(embedded_corpus_path()).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .take(200_000)
        .read_to_string(&mut text)
        .unwrap();
    let lines: Vec<&str> = text.lines().take(20).collect();
    (lines.join("\n") + "\n").into_bytes()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    out.write_all(bytes).unwrap();
    out.finish().unwrap()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

/// Loads `bytes` from a fresh file in `dir`; an error must name that file.
fn load_or_refuse(dir: &TempDir, bytes: &[u8], name: &str) -> Result<(), TestCaseError> {
    let file = dir.write(name, bytes);
    if let Err(error) = load_pairs(&file) {
        let message = error.to_string();
        prop_assert!(
            message.contains(&file.display().to_string()),
            "{message:?} does not name the file"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn mutated_jsonl_loads_or_names_the_file(edits in prop::collection::vec(any::<Edit>(), 1..6)) {
        let dir = TempDir::new("fuzz-jsonl");
        load_or_refuse(&dir, &mutate(&seed_jsonl(), &edits), "pairs.jsonl")?;
    }

    #[test]
    fn mutated_gzip_loads_or_names_the_file(edits in prop::collection::vec(any::<Edit>(), 1..6)) {
        let dir = TempDir::new("fuzz-gz");
        load_or_refuse(&dir, &mutate(&gzip(&seed_jsonl()), &edits), "pairs.jsonl.gz")?;
    }
}

#[test]
fn the_seeds_load_before_mutation() {
    let dir = TempDir::new("fuzz-seeds");
    let plain = dir.write("pairs.jsonl", seed_jsonl());
    let zipped = dir.write("pairs.jsonl.gz", gzip(&seed_jsonl()));
    assert_eq!(load_pairs(&plain).unwrap().len(), 20);
    assert_eq!(load_pairs(&zipped).unwrap().len(), 20);
}
