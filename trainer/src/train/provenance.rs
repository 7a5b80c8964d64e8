//! Where a run comes from: the command, the code's commit and the hardware, saved in `run.json` and
//! copied into exported checkpoints so published numbers can be traced and reproduced.

/// The commit the trainer was built from (see `build.rs`).
pub const COMMIT: &str = env!("SEQ2SEQ_COMMIT");

/// Provenance is part of a checkpoint's card, so its type lives with the card.
pub use model::checkpoint::card::Provenance;

/// This process' command line and hardware, for a run on `device` (a `--device` name).
pub fn current(device: &str) -> Provenance {
    let args: Vec<String> = std::env::args().skip(1).map(|a| quote(&a)).collect();
    Provenance {
        command: format!("trainer {}", args.join(" ")),
        commit: COMMIT.to_string(),
        hardware: hardware(device),
    }
}

fn quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=,:".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

fn hardware(device: &str) -> String {
    if device != "cpu" {
        return device.to_string();
    }
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name")?.split(':').nth(1))
                .map(|name| name.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    format!("CPU: {cpu}, {} threads", rayon::current_num_threads())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_the_shell_needs() {
        assert_eq!(quote("--epochs"), "--epochs");
        assert_eq!(quote("runs/a,b"), "runs/a,b");
        assert_eq!(quote("Return the name."), "'Return the name.'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }
}
