//! The search never emits `<pad>` or `<sos>`, and emits no `<unk>` when told not to, whatever the
//! model prefers: a stub model whose scores rank `<pad>` > `<sos>` > `<unk>` > `x` > `<eos>` > the rest
//! at every step. The `<eos>` penalty moves the point where a model that would stop at once ends.

use burn::prelude::*;
use model::decode::{DecodeConfig, Search, decode};
use model::models::{DecoderState, ModelKind, Seq2Seq, Step};
use model::vocab::{EOS, PAD, SOS, UNK};

const VOCAB: usize = 8;
/// The best token that is not special.
const X: usize = 4;

#[derive(Debug, Clone)]
struct Rows(usize);

impl DecoderState for Rows {
    fn select(&self, batch_indices: Tensor<1, Int>) -> Self {
        Rows(batch_indices.dims()[0])
    }
}

/// The same scores at every step, so that what is emitted depends on the bans alone.
struct Stub([f32; VOCAB]);

impl Stub {
    /// The ranking of the module docs.
    fn ranked() -> Self {
        let mut scores = [0.0f32; VOCAB];
        for (rank, id) in [PAD, SOS, UNK, X, EOS].into_iter().enumerate() {
            scores[id] = 10.0 - rank as f32;
        }
        Stub(scores)
    }
}

impl Seq2Seq for Stub {
    type State = Rows;

    fn kind(&self) -> ModelKind {
        ModelKind::Rnn
    }
    fn src_vocab_size(&self) -> usize {
        VOCAB
    }
    fn tgt_vocab_size(&self) -> usize {
        VOCAB
    }
    fn encode(&self, src: Tensor<2, Int>, _src_mask: Tensor<2, Bool>) -> Rows {
        Rows(src.dims()[0])
    }
    fn decode_step(&self, prev_tokens: Tensor<1, Int>, state: Rows) -> Step<Rows> {
        let rows = state.0;
        let logits = Tensor::<1>::from_floats(self.0.as_slice(), &prev_tokens.device())
            .reshape([1, VOCAB]) // [V] -> [1, V]
            .repeat_dim(0, rows); // [1, V] -> [B, V]
        Step {
            logits,
            state,
            attention: None,
            p_gen: None,
        }
    }
    fn forward(
        &self,
        _src: Tensor<2, Int>,
        _src_mask: Tensor<2, Bool>,
        _tgt: Tensor<2, Int>,
        _teacher_forcing_ratio: f64,
        _rng: &mut model::rng::Rng,
    ) -> Tensor<3> {
        unimplemented!("decoding only")
    }
}

fn outputs(config: &DecodeConfig) -> Vec<Vec<usize>> {
    outputs_of(&Stub::ranked(), config)
}

fn outputs_of(stub: &Stub, config: &DecodeConfig) -> Vec<Vec<usize>> {
    let device = Device::flex();
    let src = Tensor::<2, Int>::from_ints([[SOS as i64, 5, EOS as i64]; 2], &device);
    let src_mask = src.clone().greater_elem(-1);
    decode(stub, src, src_mask, config, None)
        .into_iter()
        .flatten()
        .map(|hyp| hyp.tokens)
        .collect()
}

#[test]
fn pad_and_sos_are_never_emitted() {
    for search in [Search::Greedy, Search::with_beam_width(3)] {
        let config = DecodeConfig::new().with_max_len(5).with_search(search);
        for tokens in outputs(&config) {
            assert!(
                !tokens.contains(&PAD) && !tokens.contains(&SOS),
                "{search:?}: {tokens:?}"
            );
        }
        // The model's next choice, `<unk>`, is what greedy decoding writes.
        if search == Search::Greedy {
            assert_eq!(outputs(&config)[0], vec![UNK; 5]);
        }
    }
}

#[test]
fn forbid_unk_takes_the_next_token() {
    for search in [Search::Greedy, Search::with_beam_width(3)] {
        let config = DecodeConfig::new()
            .with_max_len(5)
            .with_search(search)
            .with_forbid_unk(true);
        let all = outputs(&config);
        for tokens in &all {
            assert!(!tokens.contains(&UNK), "{search:?}: {tokens:?}");
        }
        if search == Search::Greedy {
            assert_eq!(all[0], vec![X; 5]);
        }
    }
}

#[test]
fn the_eos_penalty_lets_a_model_that_would_stop_go_on() {
    // `<eos>` leads `x` by one nat at every step.
    let mut scores = [0.0f32; VOCAB];
    scores[EOS] = 10.0;
    scores[X] = 9.0;
    let stub = Stub(scores);
    for search in [Search::Greedy, Search::with_beam_width(3)] {
        let config = DecodeConfig::new().with_max_len(5).with_search(search);
        assert_eq!(
            outputs_of(&stub, &config)[0],
            Vec::<usize>::new(),
            "{search:?}"
        );
        // A penalty under the lead changes nothing; one above it, and `x` wins every step.
        let config = config.with_eos_penalty(0.5);
        assert_eq!(
            outputs_of(&stub, &config)[0],
            Vec::<usize>::new(),
            "{search:?}"
        );
        let config = config.with_eos_penalty(1.5);
        let output = &outputs_of(&stub, &config)[0];
        match search {
            Search::Greedy => assert_eq!(output, &vec![X; 5]),
            // The beam ends once it holds three finished hypotheses; the longest of them wins.
            _ => assert_eq!(output, &vec![X; 2]),
        }
    }
}
