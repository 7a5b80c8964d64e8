//! What an async search tells its caller between steps (each input's ids so far, which a page
//! shows as the code grows) and how the caller stops it: the outputs end where they were stopped,
//! as at the length limit, in greedy and beam search alike.

mod common;

use burn::prelude::*;
use common::*;
use futures_lite::future::block_on;
use model::checkpoint::{Checkpoint, Precision};
use model::decode::{DecodeConfig, Flow};
use model::generate::{Generation, generate, generate_async};
use model::models::ModelKind;

fn checkpoint(device: &Device) -> Checkpoint {
    let config = tiny_config(ModelKind::Attention);
    let model = seeded(&config, 5, device);
    let (source, target) = toy_tokenizers();
    let card = toy_card(ModelKind::Attention);
    let files =
        Checkpoint::to_files(&model, &config, &source, &target, Precision::F32, &card).unwrap();
    Checkpoint::from_files(&files, Some(ModelKind::Attention), device).unwrap()
}

/// Unconstrained, so that a stopped output is not cut back: its length is the steps it got.
fn config(beam: usize) -> DecodeConfig {
    DecodeConfig::new()
        .with_max_len(12)
        .with_eos_penalty(5.0)
        .with_syntax(false)
        .with_beam_width(beam)
}

/// Decodes, stopping after `stop_after` steps; returns the output and the lengths of the ids the
/// search reported after each step.
fn stopped(checkpoint: &Checkpoint, beam: usize, stop_after: usize) -> (Generation, Vec<usize>) {
    let device = Device::flex();
    let mut seen = Vec::new();
    let between_steps = async |partial: &[&[usize]]| {
        seen.push(partial[0].len());
        if seen.len() == stop_after {
            Flow::Stop
        } else {
            Flow::Continue
        }
    };
    let generation = block_on(generate_async(
        checkpoint,
        &["w4 w5 w6"],
        &config(beam),
        &device,
        between_steps,
    ))
    .unwrap()
    .remove(0);
    (generation, seen)
}

#[test]
fn a_stopped_search_ends_where_it_was_stopped() {
    let device = Device::flex();
    let checkpoint = checkpoint(&device);
    for beam in [1, 3] {
        let full = generate(&checkpoint, &["w4 w5 w6"], &config(beam), &device)
            .unwrap()
            .remove(0);
        assert!(
            full.ids.len() > 4,
            "beam {beam}: too short to stop: {:?}",
            full.ids
        );
        let (generation, seen) = stopped(&checkpoint, beam, 3);
        // One report per step, each a token longer, then no more.
        assert_eq!(seen, vec![1, 2, 3], "beam {beam}");
        assert_eq!(generation.ids.len(), 3, "beam {beam}");
        assert!(!generation.finished);
        if beam == 1 {
            // Greedy stopped early wrote what it would have written, up to there.
            assert_eq!(generation.ids, full.ids[..3]);
        }
    }
}
