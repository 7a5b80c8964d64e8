//! Seq2seq models for generating Python from natural-language descriptions: the tokenizer, vocabularies
//! and batches, the RNN / LSTM / attention models and decoding. Compiles natively and to wasm32.

pub mod batch;
#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod decode;
pub mod generate;
pub mod heads;
pub mod models;
pub mod nn;
pub mod retrieval;
pub mod rng;
pub mod syntax;
pub mod tokenizer;
pub mod train;
pub mod unk;
pub mod vocab;
/// Burn, re-exported so that dependants use exactly the same version and features.
pub use burn;
pub mod checkpoint;
pub mod copied;
#[cfg(not(target_arch = "wasm32"))]
pub mod cpu;
