//! Placeholder: replaced by the benchmark module.
use anyhow::Result;

#[derive(clap::Args, Debug, Default)]
pub struct BenchArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: &BenchArgs) -> Result<()> {
    anyhow::bail!("bench is not implemented yet")
}
