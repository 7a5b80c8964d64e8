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

#[test]
fn unk_replacement_writes_description_words_where_the_model_writes_unk() {
    let device = Device::flex();
    let dir = checkpoints_dir().join("attention");
    let checkpoint = Checkpoint::load(&dir, None, &device).unwrap();
    let descriptions = [
        "Parse the manifest file and return the checksum of the tarball.",
        "Convert a hexadecimal colour string to an RGB tuple.",
        "Return the name of the user.",
    ];
    let config = DecodeConfig::new().with_replace_unk(true);
    let generations = generate(&checkpoint, &descriptions, &config, &device).unwrap();
    let mut replaced = 0;
    let mut checker = trainer::metrics::SyntaxChecker::new();
    for (description, generation) in descriptions.iter().zip(&generations) {
        // Word targets: one piece per token; the pieces still say where the model wrote <unk>.
        assert_eq!(generation.pieces.len(), generation.tokens.len());
        for (piece, token) in generation.pieces.iter().zip(&generation.tokens) {
            if piece == "<unk>" {
                assert!(
                    generation.src_tokens.contains(token),
                    "{description:?}: <unk> became {token:?}, not a word of the description"
                );
                replaced += 1;
            } else {
                assert_eq!(piece, token);
            }
        }
        assert!(!generation.code.contains("<unk>"), "{}", generation.code);
        // The rules read <unk> as a name and only names replace it, so the code still parses.
        assert!(checker.is_valid(&generation.code), "{}", generation.code);
    }
    assert!(replaced > 0, "the model wrote no <unk> to replace");
    // Without the option the same model never writes <unk> under the syntax rules.
    let plain = generate(&checkpoint, &descriptions, &DecodeConfig::new(), &device).unwrap();
    assert!(plain.iter().all(|g| !g.pieces.iter().any(|p| p == "<unk>")));
}

#[test]
fn the_retrieval_checkpoint_reads_one_neighbour_and_shows_what_it_copied() {
    use model::copied::{Origin, neighbour_view, output_view};

    let device = Device::flex();
    let dir = checkpoints_dir().join("retrieval");
    let checkpoint = Checkpoint::load(&dir, None, &device).unwrap();
    let index = checkpoint.retrieval.as_ref().expect("the pool is shipped");
    let descriptions: Vec<&str> = checkpoint
        .card
        .samples
        .iter()
        .map(|s| s.description.as_str())
        .collect();
    let generations = generate(&checkpoint, &descriptions, &DecodeConfig::new(), &device).unwrap();
    for generation in &generations {
        let [neighbour] = generation.neighbours.as_slice() else {
            panic!("one neighbour per description: {:?}", generation.neighbours);
        };
        assert!(index.documents().len() > 1000 && neighbour.score > 0.0);
        let view = neighbour_view(generation, checkpoint.target.as_ref(), 0).unwrap();
        assert_eq!(view.code, neighbour.document.code);
        // The output view is the generated code; a token copied from the neighbour is marked in
        // both views.
        let output = output_view(generation, checkpoint.target.as_ref()).unwrap();
        assert_eq!(output.code, generation.code);
        let from_neighbour = output.tokens.iter();
        let from_neighbour = from_neighbour.filter(|t| t.copied == Some(Origin::Neighbour));
        assert_eq!(from_neighbour.count() > 0, view.copied() > 0);
    }
}

#[test]
fn the_main_job_first_shows_what_the_best_shipped_model_writes() {
    let device = Device::flex();
    let dir = checkpoints_dir().join(
        Path::new(trainer::showcase::BEST_CHECKPOINT)
            .strip_prefix("checkpoints")
            .unwrap(),
    );
    let card = read_card(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let (headline, shown) = trainer::showcase::samples(&dir, &device)
        .unwrap()
        .expect("the best checkpoint is shipped");
    let data = card.data.description.as_deref().unwrap();
    assert!(headline.contains(data), "{headline}");
    assert_eq!(shown.len(), card.samples.len());
    for (shown, sample) in shown.iter().zip(&card.samples) {
        assert_eq!(shown.description, sample.description);
        assert_eq!(shown.code, sample.code);
        assert!(shown.ms > 0.0);
    }
    // Run from elsewhere, the main job says the folder is missing and goes on to the comparison.
    assert!(
        trainer::showcase::samples(Path::new("no/such/checkpoint"), &device)
            .unwrap()
            .is_none()
    );
}
