//! Placeholder: replaced by the corpus module.
use anyhow::Result;

#[derive(clap::Args, Debug, Default)]
pub struct BuildArgs {}

#[derive(clap::Args, Debug, Default)]
pub struct StatsArgs {}

pub fn run_build(_args: &BuildArgs) -> Result<()> {
    anyhow::bail!("corpus build is not implemented yet")
}

pub fn run_stats(_args: &StatsArgs) -> Result<()> {
    anyhow::bail!("corpus stats is not implemented yet")
}
