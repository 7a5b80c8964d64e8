//! The human-readable build summary: every function and file accounted for, so a filter that removes too
//! much (or a package that yields nothing) is visible at once.

use super::build::BuildSummary;
use super::record::Partition;
use std::fmt;

impl fmt::Display for BuildSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "packages: {}", self.packages.len())?;
        writeln!(f, "files read: {}", self.files_read)?;
        for (reason, n) in &self.files_skipped {
            writeln!(f, "files skipped ({reason}): {n}")?;
        }
        writeln!(f, "files unparsable: {}", self.unparsable_files.len())?;
        for name in &self.unparsable_files {
            writeln!(f, "  {name}")?;
        }
        writeln!(f, "functions seen: {}", self.functions_seen)?;
        for (reason, n) in &self.dropped {
            writeln!(f, "  dropped ({reason}): {n}")?;
        }
        writeln!(f, "  kept: {}", self.kept)?;
        writeln!(
            f,
            "{:<8} {:>8} {:>8} {:>14}",
            "split", "packages", "pairs", "within limits"
        )?;
        for p in Partition::ALL {
            let packages = self.packages.iter().filter(|r| r.partition == p).count();
            let pairs = self.pairs.get(&p).copied().unwrap_or(0);
            let within = self.within_limits.get(&p).copied().unwrap_or(0);
            writeln!(f, "{:<8} {packages:>8} {pairs:>8} {within:>14}", p.as_str())?;
        }
        writeln!(
            f,
            "per package (name==version: split, pairs, within limits):"
        )?;
        for r in &self.packages {
            writeln!(
                f,
                "  {}: {}, {}, {}",
                r.meta.repo(),
                r.partition,
                r.pairs,
                r.within_limits
            )?;
        }
        Ok(())
    }
}
