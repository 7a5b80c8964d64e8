//! The line under the model picker that says what the shipped model is: how it was trained and how it
//! scores, from the `metadata.json` that `trainer export` writes beside the weights.

#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use serde_json::Value;

/// A sentence about the model, or `None` when the metadata says nothing usable.
pub fn describe(metadata: &Value) -> Option<String> {
    let data = metadata["data"].as_str()?;
    let training = &metadata["training"];
    let mut parts = vec![match training["epochs_trained"].as_u64() {
        Some(epochs) => format!("Trained {epochs} epochs on the {data}"),
        None => format!("Trained on the {data}"),
    }];
    if let (Some(epoch), Some(loss)) = (
        training["best_epoch"].as_u64(),
        training["best_valid_loss"].as_f64(),
    ) {
        parts.push(format!(
            "these are the weights of epoch {epoch} (best validation loss {loss:.3})"
        ));
    }
    let test = &metadata["test"];
    if let (Some(bleu), Some(accuracy), Some(n)) = (
        test["bleu"].as_f64(),
        test["token_accuracy"].as_f64(),
        test["n"].as_u64(),
    ) {
        parts.push(format!(
            "on its {n} test pairs: BLEU {bleu:.2}, token accuracy {accuracy:.1}%"
        ));
    }
    Some(format!("{}.", parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_training_and_scores() {
        let metadata = serde_json::json!({
            "data": "embedded corpus, reference preset (10000 / 1000 / 1000 train / valid / test pairs)",
            "training": {"epochs_trained": 9, "best_epoch": 8, "best_valid_loss": 2.3456},
            "test": {"n": 1000, "bleu": 7.891, "token_accuracy": 21.04},
        });
        assert_eq!(
            describe(&metadata).unwrap(),
            "Trained 9 epochs on the embedded corpus, reference preset (10000 / 1000 / 1000 train / \
             valid / test pairs); these are the weights of epoch 8 (best validation loss 2.346); on its \
             1000 test pairs: BLEU 7.89, token accuracy 21.0%."
        );
    }

    #[test]
    fn leaves_out_what_is_missing() {
        let metadata = serde_json::json!({"data": "toy.jsonl, full preset"});
        assert_eq!(
            describe(&metadata).unwrap(),
            "Trained on the toy.jsonl, full preset."
        );
        assert_eq!(describe(&serde_json::json!({"model": "rnn"})), None);
    }
}
