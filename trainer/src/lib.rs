//! Library behind the `trainer` command: corpus building and loading, benchmarks (and later training,
//! evaluation and reports). The binary's subcommands are thin wrappers over these modules.

pub mod bench;
pub mod corpus;
pub mod metrics;
pub mod plot;
