//! Property-based fuzzing of the corpus loader: real CodeSearchNet-format lines from the embedded
//! corpus, as JSON Lines and gzipped, mutated (truncated, bit-flipped, bytes inserted or cut). Each
//! file must load or fail with an error naming the file, never panic. `PROPTEST_CASES` sets the cases
//! (proptest's 256 by default); see `model/tests/fuzz.rs` for the longer command.

mod corpus_common;
#[path = "../../model/tests/fuzz_support/mod.rs"]
mod fuzz_support;

use std::io::{Read, Write};

use corpus_common::TempDir;
use fuzz_support::{edits, mutate};
use proptest::prelude::*;
use trainer::corpus::{embedded_corpus_path, load_pairs};

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
    #[test]
    fn mutated_jsonl_loads_or_names_the_file(edits in edits()) {
        let dir = TempDir::new("fuzz-jsonl");
        load_or_refuse(&dir, &mutate(&seed_jsonl(), &edits), "pairs.jsonl")?;
    }

    #[test]
    fn mutated_gzip_loads_or_names_the_file(edits in edits()) {
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
