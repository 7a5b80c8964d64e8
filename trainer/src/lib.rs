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
pub mod kill_point;
pub mod memory;
pub mod metrics;
pub mod plot;
pub mod pool_args;
pub mod report;
pub mod results;
pub mod search_args;
pub mod showcase;
pub mod tables;
pub mod train;

/// An error and its causes on one line, `step: cause: cause`, each cause once: many of our errors
/// already end with the error they wrap (`file: No such file or directory`), which the plain chain
/// would then print twice.
pub fn error_line(error: &anyhow::Error) -> String {
    let mut line = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !line.ends_with(&cause) {
            line.push_str(": ");
            line.push_str(&cause);
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use anyhow::Context;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let load = crate::corpus::LoadError::Io {
            file: "pairs.jsonl".into(),
            source: missing,
        };
        let error = Err::<(), _>(load).context("evaluating").unwrap_err();
        assert_eq!(
            super::error_line(&error),
            "evaluating: pairs.jsonl: no such file"
        );
    }
}
