//! The line under the model picker that says what the shipped model is: how it was trained and how it
//! scores, from the card that `trainer export` completes.

#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use model::checkpoint::Card;

/// A sentence about the model, or `None` when the card says nothing usable (no data description).
pub fn describe(card: &Card) -> Option<String> {
    let data = card.data.description.as_deref()?;
    let training = card.training.as_ref();
    let mut parts = vec![match training.map(|t| t.epochs_trained) {
        Some(epochs) => format!("Trained {epochs} epochs on the {data}"),
        None => format!("Trained on the {data}"),
    }];
    if let Some(start) = training.and_then(|t| t.init_from.as_ref()) {
        parts[0].push_str(&match start.epochs_trained {
            Some(epochs) => format!(", starting from {} ({epochs} epochs)", start.checkpoint),
            None => format!(", starting from {}", start.checkpoint),
        });
    }
    if let Some((Some(epoch), Some(loss))) = training.map(|t| (t.best_epoch, t.best_valid_loss)) {
        parts.push(format!(
            "these are the weights of epoch {epoch} (best validation loss {loss:.3})"
        ));
    }
    if let Some(test) = &card.test {
        parts.push(format!(
            "on its {} test pairs: BLEU {:.2}, token accuracy {:.1}%",
            test.n, test.bleu, test.token_accuracy
        ));
    }
    Some(format!("{}.", parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::checkpoint::card::{DataCard, EvalSummary, InitFrom, Training};
    use model::models::ModelKind;

    fn card(description: Option<&str>) -> Card {
        let data = DataCard {
            file: None,
            preset: "reference".into(),
            train_size: None,
            description: description.map(str::to_string),
        };
        Card::new(ModelKind::Attention, data)
    }

    #[test]
    fn describes_training_and_scores() {
        let mut card = card(Some(
            "embedded corpus, reference preset (10000 / 1000 / 1000 train / valid / test pairs)",
        ));
        card.training = Some(Training {
            provenance: Vec::new(),
            epochs_planned: 25,
            epochs_trained: 9,
            best_epoch: Some(8),
            best_valid_loss: Some(2.3456),
            wall_seconds: 0.0,
            history: Vec::new(),
            init_from: None,
        });
        card.test = Some(EvalSummary {
            n: 1000,
            bleu: 7.891,
            seed_bleu: None,
            distinct_outputs: None,
            token_accuracy: 21.04,
            exact_match: 0.0,
            syntax_valid: 0.0,
            mean_length: 0.0,
            reference_mean_length: 0.0,
            repetition_rate: 0.0,
            reference_repetition_rate: 0.0,
            unbalanced_brackets: 0.0,
            bleu_by_length: Vec::new(),
            attention: None,
        });
        assert_eq!(
            describe(&card).unwrap(),
            "Trained 9 epochs on the embedded corpus, reference preset (10000 / 1000 / 1000 train / \
             valid / test pairs); these are the weights of epoch 8 (best validation loss 2.346); on its \
             1000 test pairs: BLEU 7.89, token accuracy 21.0%."
        );
        // A run started from another checkpoint says so: its epochs are not all the training.
        card.training.as_mut().unwrap().init_from = Some(InitFrom {
            checkpoint: "checkpoints/copy".into(),
            epochs_trained: Some(10),
            provenance: Vec::new(),
            wall_seconds: Some(8236.0),
        });
        let text = describe(&card).unwrap();
        assert!(
            text.starts_with(
                "Trained 9 epochs on the embedded corpus, reference preset (10000 / 1000 / 1000 \
                 train / valid / test pairs), starting from checkpoints/copy (10 epochs); these"
            ),
            "{text}"
        );
    }

    #[test]
    fn leaves_out_what_is_missing() {
        assert_eq!(
            describe(&card(Some("toy.jsonl, full preset"))).unwrap(),
            "Trained on the toy.jsonl, full preset."
        );
        assert_eq!(describe(&card(None)), None);
    }
}
