//! The checkpoints shipped in `checkpoints/` (the web app's default models): each loads, is in the
//! compact f16 form, and decodes the sample descriptions in its card to the recorded code.

use std::path::{Path, PathBuf};

use model::burn::prelude::Device;
use model::checkpoint::{CARD_FILE, Card, Checkpoint, Precision};
use model::decode::DecodeConfig;
use model::generate::generate;

/// The card of `dir`, read on its own (not through the checkpoint loader).
fn read_card(dir: &Path) -> Result<Card, String> {
    let path = dir.join(CARD_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn checkpoints_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../checkpoints")
}

/// Every folder of `checkpoints/` that holds a checkpoint.
fn shipped() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(checkpoints_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|dir| dir.join("config.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn the_web_apps_default_models_are_shipped() {
    // The web app fetches checkpoints/<model kind>/.
    for kind in ["rnn", "lstm", "attention"] {
        let dir = checkpoints_dir().join(kind);
        let metadata = read_card(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert_eq!(metadata.model.name(), kind);
        let training = metadata.training.expect("trained by `trainer train`");
        assert!(training.epochs_trained > 0 && !training.history.is_empty());
    }
}

#[test]
fn shipped_checkpoints_decode_their_recorded_samples() {
    let device = Device::flex();
    let dirs = shipped();
    assert!(dirs.len() >= 3, "{dirs:?}");
    for dir in dirs {
        let metadata = read_card(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let checkpoint = Checkpoint::load(&dir, Some(metadata.model), &device)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert_eq!(
            checkpoint.config.precision,
            Precision::F16,
            "{}",
            dir.display()
        );
        assert!(!metadata.samples.is_empty());
        for sample in &metadata.samples {
            let generation = generate(
                &checkpoint,
                &[sample.description.as_str()],
                &DecodeConfig::new(),
                &device,
            )
            .unwrap()
            .remove(0);
            assert_eq!(
                generation.tokens,
                sample.tokens,
                "{}: {:?}",
                dir.display(),
                sample.description
            );
            assert_eq!(generation.code, sample.code);
        }
    }
}
