//! From a description to Python source with a [`Checkpoint`]: the source tokenizer, the search, the
//! target tokenizer.
//!
//! The trainer's `generate` and `eval` and the web app all go through the same code, so a description gives
//! the same code on the command line and in the browser: [`generate`] is [`generate_async`] run to
//! completion, which the web app awaits (WebGPU can only read back asynchronously).

use burn::prelude::*;
use futures_lite::future::block_on;
use serde::{Deserialize, Serialize};

use crate::batch::Batch;
use crate::checkpoint::Checkpoint;
use crate::decode::{DecodeConfig, Flow, Hypothesis, ReadBackError, decode_async};
use crate::retrieval::{Document, Hit, Retrieved, retrieve};
use crate::syntax::PythonSyntax;
use crate::tokenizer::{Encoding, detokenize, docstring_tokens, layout_tokens};
use crate::unk::{self, replace_unknowns};
use crate::vocab::{EOS, SOS, SPECIALS, UNK};

/// The result for one description.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// The source tokens the model saw, `<sos>` and `<eos>` included (the heatmap's columns).
    pub src_tokens: Vec<String>,
    /// Their ids, without `<sos>` and `<eos>`.
    pub src_ids: Vec<usize>,
    /// The generated ids, without `<eos>`.
    pub ids: Vec<usize>,
    /// Whether the description had more tokens than the source tokenizer keeps, and was cut.
    pub truncated: bool,
    /// The generated tokens (for the word tokenizers, layout form: `<newline>`, `<indent>`,
    /// `<dedent>`), without `<eos>`.
    pub tokens: Vec<String>,
    /// One label per generated id (the heatmap's rows): the tokens themselves for word tokenizers, the
    /// pieces for subword ones.
    pub pieces: Vec<String>,
    /// The tokens as indented Python source.
    pub code: String,
    /// Whether decoding ended with `<eos>` rather than at `max_len`.
    pub finished: bool,
    /// It reached `max_len` and was cut back to where the code could end (syntax-aware decoding).
    pub cut: bool,
    /// Sum of the generated tokens' log-probabilities.
    pub log_prob: f32,
    /// Per row of [`Generation::attention_rows`]: the probability the model gave the token it
    /// wrote (how sure it was).
    pub confidence: Vec<f32>,
    /// Greedy decoding with the syntax rules (the default): per row of
    /// [`Generation::attention_rows`], the most probable tokens the rules allowed there, most
    /// probable first (what it could have written instead).
    pub alternatives: Option<Vec<Vec<Alternative>>>,
    /// Attention models: `[generated tokens (+ <eos>)][src_tokens]`, rows sum to 1.
    pub attention: Option<Vec<Vec<f32>>>,
    /// Copy models: per row of `attention`, the probability of generating rather than copying.
    pub p_gen: Option<Vec<f32>>,
    /// Retrieval models: the training functions read beside the description (their pieces follow
    /// the description's in `src_tokens`, each after a `<sos>`), best first.
    pub neighbours: Vec<Neighbour>,
}

/// A token the model could have written at one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    pub id: usize,
    /// Its label, as [`Generation::pieces`] spells tokens.
    pub piece: String,
    pub probability: f32,
}

/// A training function a retrieval model read, with its BM25 score.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbour {
    pub document: Document,
    pub score: f64,
}

impl Generation {
    /// The description's part of `src_tokens` (without `<sos>`, `<eos>` and any neighbours).
    pub fn description_tokens(&self) -> &[String] {
        let inner = &self.src_tokens[1..self.src_tokens.len().saturating_sub(1).max(1)];
        let end = inner
            .iter()
            .position(|t| t == SPECIALS[SOS])
            .unwrap_or(inner.len());
        &inner[..end]
    }

    /// The rows of the attention matrix' generated axis: the pieces, then `<eos>` when decoding ended
    /// with it.
    pub fn attention_rows(&self) -> Vec<String> {
        let mut rows = self.pieces.clone();
        if self.finished {
            rows.push(SPECIALS[EOS].to_string());
        }
        rows
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GenerateError {
    #[error("description {index} is empty (it has no words to generate code from)")]
    EmptyDescription { index: usize },
}

/// Why [`generate_async`] failed: the input, or the device (which the web app answers with the CPU).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GenerateAsyncError {
    #[error(transparent)]
    Input(#[from] GenerateError),
    #[error(transparent)]
    ReadBack(#[from] ReadBackError),
}

/// Generates code for each description, in one batch. Blocks on the device: not for WebGPU.
pub fn generate(
    checkpoint: &Checkpoint,
    descriptions: &[&str],
    config: &DecodeConfig,
    device: &Device,
) -> Result<Vec<Generation>, GenerateError> {
    match crate::decode::on_pool(|| {
        block_on(generate_async(
            checkpoint,
            descriptions,
            config,
            device,
            crate::decode::go_on,
        ))
    }) {
        Ok(generations) => Ok(generations),
        Err(GenerateAsyncError::Input(e)) => Err(e),
        Err(GenerateAsyncError::ReadBack(e)) => panic!("{e}"),
    }
}

/// [`generate`], awaiting each read-back from the device (any backend, WebGPU included), and
/// `between_steps` after every decoding step, with each description's ids so far (see
/// [`crate::decode::greedy_async`]).
pub async fn generate_async(
    checkpoint: &Checkpoint,
    descriptions: &[&str],
    config: &DecodeConfig,
    device: &Device,
    between_steps: impl AsyncFnMut(&[&[usize]]) -> Flow,
) -> Result<Vec<Generation>, GenerateAsyncError> {
    let words: Vec<Vec<String>> = descriptions.iter().map(|d| docstring_tokens(d)).collect();
    if let Some(index) = words.iter().position(|w| w.is_empty()) {
        return Err(GenerateError::EmptyDescription { index }.into());
    }
    let sources: Vec<Retrieved> = words.iter().map(|w| source(checkpoint, w)).collect();
    let encodings: Vec<Encoding> = sources.iter().map(|s| s.source.clone()).collect();
    let hypotheses = best_async(checkpoint, &encodings, config, device, between_steps).await?;
    Ok(generations(checkpoint, config, sources, hypotheses))
}

/// [`generate`] for descriptions already split into (non-empty) words, e.g. a corpus'
/// `docstring_tokens`.
pub fn generate_from_words(
    checkpoint: &Checkpoint,
    sources: &[Vec<String>],
    config: &DecodeConfig,
    device: &Device,
) -> Vec<Generation> {
    let sources: Vec<Retrieved> = sources.iter().map(|w| source(checkpoint, w)).collect();
    let encodings: Vec<Encoding> = sources.iter().map(|s| s.source.clone()).collect();
    let hypotheses = best(checkpoint, &encodings, config, device);
    generations(checkpoint, config, sources, hypotheses)
}

/// The model's source for a description's words (docstring tokens): their ids, and for a retrieval
/// model the neighbours' ids after them.
pub fn source(checkpoint: &Checkpoint, words: &[String]) -> Retrieved {
    match (&checkpoint.retrieval, &checkpoint.config.model.retrieval) {
        (Some(index), Some(retrieval)) => retrieve(
            index,
            retrieval,
            (checkpoint.source.as_ref(), checkpoint.target.as_ref()),
            words,
            |_| false,
        ),
        _ => Retrieved {
            source: checkpoint.source.encode_words(words),
            hits: Vec::new(),
        },
    }
}

/// Pairs each source with its best hypothesis as a [`Generation`].
fn generations(
    checkpoint: &Checkpoint,
    config: &DecodeConfig,
    sources: Vec<Retrieved>,
    hypotheses: Vec<Hypothesis>,
) -> Vec<Generation> {
    sources
        .into_iter()
        .zip(hypotheses)
        .map(|(Retrieved { source, hits }, hyp)| {
            let (tokens, code) = output(checkpoint, config, &source, &hyp);
            Generation {
                src_tokens: source_columns(&source),
                src_ids: source.ids.clone(),
                ids: hyp.tokens.clone(),
                truncated: source.truncated,
                code,
                tokens,
                pieces: checkpoint.target.pieces(&hyp.tokens),
                finished: hyp.finished,
                cut: hyp.cut,
                log_prob: hyp.log_prob,
                confidence: hyp.token_log_probs.iter().map(|l| l.exp()).collect(),
                alternatives: hyp
                    .alternatives
                    .map(|steps| alternatives(checkpoint, steps)),
                attention: hyp.attention,
                p_gen: hyp.p_gen,
                neighbours: neighbours(checkpoint, &hits),
            }
        })
        .collect()
}

fn alternatives(checkpoint: &Checkpoint, steps: Vec<Vec<(usize, f32)>>) -> Vec<Vec<Alternative>> {
    let piece = |id: usize| match id {
        EOS => SPECIALS[EOS].to_string(),
        _ => checkpoint.target.pieces(&[id]).remove(0),
    };
    steps
        .into_iter()
        .map(|step| {
            step.into_iter()
                .map(|(id, probability)| Alternative {
                    id,
                    piece: piece(id),
                    probability,
                })
                .collect()
        })
        .collect()
}

fn neighbours(checkpoint: &Checkpoint, hits: &[Hit]) -> Vec<Neighbour> {
    let Some(index) = &checkpoint.retrieval else {
        return Vec::new();
    };
    hits.iter()
        .map(|hit| Neighbour {
            document: index.document(hit).clone(),
            score: hit.score,
        })
        .collect()
}

/// The source tokens as the attention's columns: `<sos>`, the tokens, `<eos>`.
fn source_columns(source: &Encoding) -> Vec<String> {
    let mut columns = vec![SPECIALS[SOS].to_string()];
    columns.extend(source.tokens.iter().cloned());
    columns.push(SPECIALS[EOS].to_string());
    columns
}

/// A hypothesis' tokens and code, with `<unk>` replaced when `config` asks for it and the model has
/// attention to replace it by.
pub fn output(
    checkpoint: &Checkpoint,
    config: &DecodeConfig,
    source: &Encoding,
    hyp: &Hypothesis,
) -> (Vec<String>, String) {
    let mut tokens = checkpoint.target.tokens(&hyp.tokens);
    match (&hyp.attention, unk::applies(checkpoint, config)) {
        (Some(attention), true) if hyp.tokens.contains(&UNK) => {
            replace_unknowns(&mut tokens, attention, &source_columns(source));
            let code = detokenize(&tokens);
            (tokens, code)
        }
        _ => (tokens, checkpoint.target.text(&hyp.tokens)),
    }
}

/// The best hypothesis for each (non-empty) source; what evaluation calls directly so that it can
/// batch by length. Blocks on the device: not for WebGPU.
pub fn best(
    checkpoint: &Checkpoint,
    sources: &[Encoding],
    config: &DecodeConfig,
    device: &Device,
) -> Vec<Hypothesis> {
    crate::decode::on_pool(|| {
        block_on(best_async(
            checkpoint,
            sources,
            config,
            device,
            crate::decode::go_on,
        ))
    })
    .expect("decoding")
}

/// [`best`], awaiting each read-back from the device.
pub async fn best_async(
    checkpoint: &Checkpoint,
    sources: &[Encoding],
    config: &DecodeConfig,
    device: &Device,
    between_steps: impl AsyncFnMut(&[&[usize]]) -> Flow,
) -> Result<Vec<Hypothesis>, ReadBackError> {
    let ids: Vec<&[usize]> = sources.iter().map(|s| s.ids.as_slice()).collect();
    let (src, src_mask) = Batch::sources(&ids, device);
    let mut config = config.clone();
    config.max_len = config.max_len.or(Some(checkpoint.target.max_output_len()));
    let config = &config;
    let syntax = config
        .syntax
        .then(|| PythonSyntax::new(unk::syntax_pieces(checkpoint, config)));
    let hypotheses = decode_async(
        &checkpoint.model,
        src,
        src_mask,
        config,
        syntax.as_ref(),
        between_steps,
    )
    .await?;
    Ok(hypotheses
        .into_iter()
        .map(|hyps| pick(checkpoint, config, hyps))
        .collect())
}

/// The best of one input's hypotheses (best first); with syntax-aware decoding, the best one that
/// finished and whose code lexes as Python (`<unk>` read as a name where it is to be replaced), if
/// any.
fn pick(checkpoint: &Checkpoint, config: &DecodeConfig, mut hyps: Vec<Hypothesis>) -> Hypothesis {
    let code = |h: &Hypothesis| match unk::applies(checkpoint, config) {
        true => detokenize(&unk::as_names(checkpoint.target.tokens(&h.tokens))),
        false => checkpoint.target.text(&h.tokens),
    };
    let lexes = |h: &Hypothesis| (h.finished || h.cut) && layout_tokens(&code(h)).is_ok();
    let chosen = if config.syntax {
        hyps.iter().position(lexes).unwrap_or(0)
    } else {
        0
    };
    hyps.swap_remove(chosen)
}
