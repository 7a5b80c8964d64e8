//! The models behind one interface, [`Seq2Seq`], one file per model.
//!
//! - [`seq2seq`]: the interface and what a decoding step returns;
//! - [`registry`]: the list of models ([`ModelKind`], [`ModelInfo`]) and [`AnyModel`], the model chosen at
//!   run time;
//! - [`config`]: the nested hyperparameters ([`ModelConfig`]);
//! - [`cost`]: the matrix products of a training step, for the benchmark's floor;
//! - [`teacher_forcing`]: the training unroll the recurrent models share;
//! - [`encoder`], [`recurrent`], [`attention`]: the reference design's models;
//! - [`copy`]: copy attention, an option of the attention model;
//! - [`retrieval`]: the attention model with copy, reading retrieved training functions too;
//! - [`transformer`]: the encoder-decoder Transformer, with copy attention as an option.
//!
//! A new model is a new file here implementing [`Seq2Seq`] plus one entry in the registry's list;
//! nothing outside this folder branches on the kind of model.

pub mod attention;
pub mod config;
pub mod copy;
pub mod cost;
pub mod encoder;
pub mod recurrent;
pub mod registry;
pub mod retrieval;
pub mod seq2seq;
pub mod teacher_forcing;
pub mod transformer;

pub use attention::{AttentionSeq2Seq, AttentionState};
pub use config::{ModelConfig, SideConfig};
pub use recurrent::{RecurrentSeq2Seq, RecurrentState};
pub use registry::{AnyModel, AnyState, ModelInfo, ModelKind};
pub use seq2seq::{DecoderState, Seq2Seq, Step};
pub use teacher_forcing::teacher_forcing_coins;
