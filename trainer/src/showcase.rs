//! What the main job prints first: the code the shipped best model writes for its card's sample
//! descriptions, with the time each took, so that a newcomer sees real output right after the build
//! (the quick comparison that follows trains its models from scratch and takes minutes).

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use model::burn::prelude::Device;
use model::checkpoint::Checkpoint;
use model::decode::DecodeConfig;
use model::generate::generate;

use crate::eval::load_checkpoint;

/// The shipped model with the best strict BLEU on the test split (see docs/results), which the
/// web page also opens on.
pub const BEST_CHECKPOINT: &str = "checkpoints/transformer";

/// One sample the main job shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub description: String,
    pub code: String,
    /// Wall time of the generation, loading excluded.
    pub ms: f64,
}

/// Prints what the checkpoint in `dir` writes for its card's samples; a missing folder (the
/// program run outside the repository) is said and skipped, since the comparison does not need it.
pub fn run(dir: &Path, device: &Device) -> Result<()> {
    let Some((headline, shown)) = samples(dir, device)? else {
        println!(
            "({} not found: run from the repository's root to see the shipped model first)\n",
            dir.display()
        );
        return Ok(());
    };
    println!("{headline}\n");
    for Shown {
        description,
        code,
        ms,
    } in shown
    {
        println!("# {description} ({ms:.0} ms)\n{}\n", code.trim_end());
    }
    Ok(())
}

/// The headline and the generated samples of the checkpoint in `dir`, `None` if there is none.
pub fn samples(dir: &Path, device: &Device) -> Result<Option<(String, Vec<Shown>)>> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let checkpoint = load_checkpoint(dir, device)?;
    let config = DecodeConfig::new();
    let mut shown = Vec::new();
    for sample in &checkpoint.card.samples {
        let started = Instant::now();
        let mut generations =
            generate(&checkpoint, &[sample.description.as_str()], &config, device)?;
        shown.push(Shown {
            description: sample.description.clone(),
            code: generations.remove(0).code,
            ms: started.elapsed().as_secs_f64() * 1000.0,
        });
    }
    Ok(Some((headline(dir, &checkpoint), shown)))
}

/// One line saying which model this is and how it was trained, e.g. "checkpoints/transformer:
/// Transformer + copy, 6 epochs on embedded corpus, reference preset (...)".
fn headline(dir: &Path, checkpoint: &Checkpoint) -> String {
    let card = &checkpoint.card;
    let epochs = card
        .training
        .as_ref()
        .map(|t| format!(", {} epochs", t.epochs_before() + t.epochs_trained))
        .unwrap_or_default();
    format!(
        "{}: {}{epochs} on {}; greedy, syntax-aware decoding",
        dir.display(),
        checkpoint.config.model.label(),
        card.data.description.as_deref().unwrap_or("unknown data")
    )
}
