//! Library behind the `trainer` command: corpus building and loading, training, evaluation, generation,
//! comparison reports and benchmarks. The binary's subcommands are thin wrappers over these modules.

pub mod atomic;
pub mod baseline;
pub mod bench;
pub mod compare;
pub mod corpus;
pub mod data;
pub mod device;
pub mod eval;
pub mod export;
pub mod generate;
pub mod metrics;
pub mod plot;
pub mod report;
pub mod results;
pub mod search_args;
pub mod tables;
pub mod train;
