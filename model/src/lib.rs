//! Seq2seq models for generating Python from natural-language descriptions: the tokenizer, vocabularies
//! and batches, the RNN / LSTM / attention models and decoding. Compiles natively and to wasm32.

pub mod batch;
pub mod rng;
pub mod tokenizer;
pub mod vocab;
