//! What the fuzz harnesses share (`model/tests/fuzz.rs`, `trainer/tests/fuzz_loader.rs`): edits of
//! real files. Cases per harness are proptest's: 256, or `PROPTEST_CASES`.

use proptest::prelude::*;

/// One edit of a seed file: `(kind, position, byte)`, positions taken modulo the length.
pub type Edit = (u8, usize, u8);

/// Applies `edits` to `seed`: truncate, flip a bit, insert a byte or cut up to 16 bytes.
pub fn mutate(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
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

/// One to five edits, each of the four kinds equally likely.
pub fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(any::<Edit>(), 1..6)
}
