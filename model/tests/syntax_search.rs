//! Syntax-aware decoding over random scores: whatever a (stub) model prefers, greedy and beam search
//! with the syntax rules never close a bracket that is not open, never dedent out of the function, never leave
//! a block header without an indented body, and finish only with every bracket and string closed.

use burn::prelude::*;
use model::decode::{DecodeConfig, Search, decode};
use model::models::{DecoderState, ModelKind, Seq2Seq, Step};
use model::rng::Rng;
use model::syntax::{Piece, PythonSyntax};
use model::vocab::{EOS, SOS, SPECIALS};

/// The toy vocabulary: specials, layout markers, brackets, a few tokens and subword continuations.
fn pieces() -> Vec<Piece> {
    let mut pieces: Vec<Piece> = SPECIALS.iter().map(|s| Piece::of_token(s)).collect();
    let starts = [
        "<newline>",
        "<indent>",
        "<dedent>",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ":",
        ",",
        "x",
        "if",
        "'",
        "def",
        "f",
        "return",
    ];
    pieces.extend(starts.iter().map(|t| Piece::of_token(t)));
    for t in ["a", "'", "b'", ")"] {
        pieces.push(Piece::Continue(Some(t.to_string())));
    }
    pieces
}

#[derive(Debug, Clone)]
struct Steps {
    rows: usize,
    step: usize,
}

impl DecoderState for Steps {
    fn select(&self, batch_indices: Tensor<1, Int>) -> Self {
        Steps {
            rows: batch_indices.dims()[0],
            step: self.step,
        }
    }
}

/// Scores drawn at random from the seed and the step: any sequence of ids could be preferred.
struct RandomScores {
    seed: u64,
    vocab: usize,
}

impl Seq2Seq for RandomScores {
    type State = Steps;

    fn kind(&self) -> ModelKind {
        ModelKind::Rnn
    }
    fn src_vocab_size(&self) -> usize {
        self.vocab
    }
    fn tgt_vocab_size(&self) -> usize {
        self.vocab
    }
    fn encode(&self, src: Tensor<2, Int>, _src_mask: Tensor<2, Bool>) -> Steps {
        Steps {
            rows: src.dims()[0],
            step: 0,
        }
    }
    fn decode_step(&self, prev_tokens: Tensor<1, Int>, state: Steps) -> Step<Steps> {
        let mut rng = Rng::new(self.seed * 1000 + state.step as u64);
        let scores: Vec<f32> = (0..state.rows * self.vocab)
            .map(|_| 4.0 * rng.next_f64() as f32)
            .collect();
        let logits = Tensor::from_data(
            TensorData::new(scores, [state.rows, self.vocab]),
            &prev_tokens.device(),
        );
        Step {
            logits,
            state: Steps {
                rows: state.rows,
                step: state.step + 1,
            },
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
        _rng: &mut Rng,
    ) -> Tensor<3> {
        unimplemented!("decoding only")
    }
}

/// Replays `ids` and panics on the first thing the rules promise never happens.
fn check(pieces: &[Piece], ids: &[usize], finished: bool) {
    let mut brackets: Vec<char> = Vec::new();
    let mut depth = 0i64;
    let mut header_line = false;
    let mut previous: Option<&Piece> = None;
    for &id in ids {
        let piece = &pieces[id];
        assert!(piece != &Piece::Special, "a special in {ids:?}");
        if previous == Some(&Piece::Newline) && header_line {
            assert_eq!(piece, &Piece::Indent, "a header without a body: {ids:?}");
        }
        match piece {
            Piece::Start(t) if "([{".contains(t.as_str()) => {
                brackets.push(t.chars().next().unwrap())
            }
            Piece::Start(t) if ")]}".contains(t.as_str()) => {
                let open = brackets.pop().expect("a bracket closed that is not open");
                let expected = match open {
                    '(' => ")",
                    '[' => "]",
                    _ => "}",
                };
                assert_eq!(t, expected, "{ids:?}");
            }
            Piece::Newline => assert!(brackets.is_empty(), "a newline inside brackets"),
            Piece::Indent => depth += 1,
            Piece::Dedent => {
                depth -= 1;
                assert!(depth >= 1, "a dedent out of the function: {ids:?}");
            }
            _ => {}
        }
        if piece == &Piece::Newline {
            header_line = previous == Some(&Piece::Start(":".into()));
        }
        previous = Some(piece);
    }
    if finished {
        assert!(brackets.is_empty(), "finished with open brackets: {ids:?}");
        assert_ne!(
            previous,
            Some(&Piece::Start(":".into())),
            "finished on a header"
        );
    }
}

#[test]
fn constrained_search_keeps_brackets_and_indentation_sound() {
    let pieces = pieces();
    let syntax = PythonSyntax::new(pieces.clone());
    let device = Device::flex();
    let src = Tensor::<2, Int>::from_ints([[SOS as i64, 5, EOS as i64]; 3], &device);
    let src_mask = src.clone().greater_elem(-1);
    let mut finished = 0;
    for seed in 0..60 {
        let model = RandomScores {
            seed,
            vocab: pieces.len(),
        };
        for search in [Search::Greedy, Search::with_beam_width(3)] {
            let config = DecodeConfig::new().with_max_len(40).with_search(search);
            let results = decode(
                &model,
                src.clone(),
                src_mask.clone(),
                &config,
                Some(&syntax),
            );
            for hyp in results.into_iter().flatten() {
                check(&pieces, &hyp.tokens, hyp.finished);
                finished += usize::from(hyp.finished);
            }
        }
    }
    assert!(finished > 20, "only {finished} hypotheses finished");
}

#[test]
fn without_the_rules_random_scores_break_them() {
    let pieces = pieces();
    let device = Device::flex();
    let src = Tensor::<2, Int>::from_ints([[SOS as i64, 5, EOS as i64]], &device);
    let src_mask = src.clone().greater_elem(-1);
    let broken = (0..20).any(|seed| {
        let model = RandomScores {
            seed,
            vocab: pieces.len(),
        };
        let config = DecodeConfig::new().with_max_len(40);
        let hyp = decode(&model, src.clone(), src_mask.clone(), &config, None)
            .remove(0)
            .remove(0);
        std::panic::catch_unwind(|| check(&pieces, &hyp.tokens, hyp.finished)).is_err()
    });
    assert!(broken, "the check above must be able to fail");
}
