//! What greedy decoding could have written instead: per step, the most probable tokens the syntax
//! rules allowed, the probability of the token it wrote, and decoding again with the first tokens
//! forced to another choice.

mod common;

use burn::prelude::*;
use common::*;
use model::checkpoint::Checkpoint;
use model::decode::{ALTERNATIVES, DecodeConfig};
use model::generate::{Generation, generate};
use model::models::ModelKind;
use model::vocab::PAD;

/// A long greedy output: the `<eos>` penalty keeps the untrained model going to the limit.
fn config() -> DecodeConfig {
    DecodeConfig::new().with_max_len(12).with_eos_penalty(3.0)
}

fn decode(checkpoint: &Checkpoint, config: &DecodeConfig, device: &Device) -> Generation {
    generate(checkpoint, &["w4 w5 w6 w7"], config, device)
        .unwrap()
        .remove(0)
}

#[test]
fn each_step_lists_the_most_probable_allowed_tokens_and_the_chosen_one_first() {
    let device = Device::flex();
    for kind in [ModelKind::Attention, ModelKind::Transformer] {
        let checkpoint = tiny_checkpoint(kind, 5, &device);
        let generation = decode(&checkpoint, &config(), &device);
        let steps = generation
            .alternatives
            .as_ref()
            .expect("greedy with the rules");
        let rows = generation.attention_rows();
        assert!(rows.len() > 3, "{kind}: too short to test: {rows:?}");
        assert_eq!(steps.len(), rows.len());
        assert_eq!(generation.confidence.len(), rows.len());
        let mut ranked_below_first = 0;
        for ((step, row), confidence) in steps.iter().zip(&rows).zip(&generation.confidence) {
            assert!(!step.is_empty() && step.len() <= ALTERNATIVES, "{step:?}");
            // Greedy wrote the most probable allowed token, with the probability it was given.
            assert_eq!(&step[0].piece, row);
            assert!((step[0].probability - confidence).abs() < 1e-6);
            for pair in step.windows(2) {
                assert!(pair[0].probability >= pair[1].probability, "{step:?}");
                ranked_below_first += usize::from(pair[1].probability < pair[0].probability);
            }
            let total: f32 = step.iter().map(|a| a.probability).sum();
            assert!(total <= 1.0 + 1e-5 && step.iter().all(|a| a.probability > 0.0));
        }
        assert!(ranked_below_first > 0, "{kind}: no step had a real ranking");
    }
}

#[test]
fn forcing_another_choice_keeps_the_prefix_and_decodes_on_from_it() {
    let device = Device::flex();
    let checkpoint = tiny_checkpoint(ModelKind::Attention, 5, &device);
    let first = decode(&checkpoint, &config(), &device);
    let steps = first.alternatives.as_ref().unwrap();
    // The second choice at the first step that has one.
    let (at, other) = steps
        .iter()
        .enumerate()
        .find_map(|(t, step)| Some((t, step.get(1)?.clone())))
        .expect("a step with two allowed tokens");
    let mut forced = first.ids[..at].to_vec();
    forced.push(other.id);
    let again = decode(&checkpoint, &config().with_forced(forced.clone()), &device);
    assert_eq!(again.ids[..=at], forced[..], "the forced prefix is kept");
    let again_steps = again.alternatives.as_ref().unwrap();
    // Up to the choice the model saw the same prefix, so it offered the same alternatives.
    assert_eq!(again_steps[..=at], steps[..=at]);
    assert!((again.confidence[at] - other.probability).abs() < 1e-6);
    assert_ne!(again.ids, first.ids);
}

#[test]
fn a_forced_token_the_search_refuses_is_the_model_s_choice_instead() {
    let device = Device::flex();
    let checkpoint = tiny_checkpoint(ModelKind::Attention, 5, &device);
    let first = decode(&checkpoint, &config(), &device);
    // `<pad>` is never emitted, and an id past the vocabulary does not exist.
    for refused in [PAD, 10_000] {
        let again = decode(&checkpoint, &config().with_forced(vec![refused]), &device);
        assert_eq!(again.ids, first.ids);
    }
}
