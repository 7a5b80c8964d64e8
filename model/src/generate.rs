//! From a description to Python source with a [`Checkpoint`]: tokenize, encode, decode, detokenize.
//!
//! The trainer's `generate` and `eval` and the web app all go through the same code, so a description gives
//! the same code on the command line and in the browser: [`generate`] is [`generate_async`] run to
//! completion, which the web app awaits (WebGPU can only read back asynchronously).

use burn::prelude::*;

use crate::batch::Batch;
use crate::checkpoint::Checkpoint;
use futures_lite::future::block_on;

use crate::decode::{DecodeConfig, Hypothesis, ReadBackError, beam_search_async, greedy_async};
use crate::tokenizer::{detokenize, docstring_tokens};
use crate::vocab::SPECIALS;

/// Generation options; the defaults are the reference design's (greedy, 80 tokens, 50 source tokens).
#[derive(Config, Debug)]
pub struct GenerateConfig {
    /// 1 = greedy decoding; more = beam search with this many hypotheses.
    #[config(default = 1)]
    pub beam_width: usize,
    /// Maximum generated tokens (`<eos>` included).
    #[config(default = 80)]
    pub max_len: usize,
    /// Descriptions longer than this many tokens are truncated: the models were trained on at most
    /// this many (the reference design's limit).
    #[config(default = 50)]
    pub max_src_len: usize,
}

/// The result for one description.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// The source tokens the model saw, `<sos>` and `<eos>` included (the heatmap's columns).
    pub src_tokens: Vec<String>,
    /// Whether the description had more than `max_src_len` tokens and was cut.
    pub truncated: bool,
    /// The generated tokens in layout form (`<newline>`, `<indent>`, `<dedent>`), without `<eos>`.
    pub tokens: Vec<String>,
    /// The tokens as indented Python source.
    pub code: String,
    /// Whether decoding ended with `<eos>` rather than at `max_len`.
    pub finished: bool,
    /// Sum of the generated tokens' log-probabilities.
    pub log_prob: f32,
    /// Attention models: `[generated tokens (+ <eos>)][src_tokens]`, rows sum to 1.
    pub attention: Option<Vec<Vec<f32>>>,
}

impl Generation {
    /// The rows of the attention matrix' generated axis: the tokens, then `<eos>` when decoding ended with it.
    pub fn attention_rows(&self) -> Vec<String> {
        let mut rows = self.tokens.clone();
        if self.finished {
            rows.push(SPECIALS[crate::vocab::EOS].to_string());
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

/// The docstring tokens of a description, cut to `max_src_len`; `(tokens, truncated)`.
pub fn description_tokens(description: &str, max_src_len: usize) -> (Vec<String>, bool) {
    let mut tokens = docstring_tokens(description);
    let truncated = tokens.len() > max_src_len;
    tokens.truncate(max_src_len);
    (tokens, truncated)
}

/// Generates code for each description, in one batch. Blocks on the device: not for WebGPU.
pub fn generate(
    checkpoint: &Checkpoint,
    descriptions: &[&str],
    config: &GenerateConfig,
    device: &Device,
) -> Result<Vec<Generation>, GenerateError> {
    match block_on(generate_async(
        checkpoint,
        descriptions,
        config,
        device,
        async || {},
    )) {
        Ok(generations) => Ok(generations),
        Err(GenerateAsyncError::Input(e)) => Err(e),
        Err(GenerateAsyncError::ReadBack(e)) => panic!("{e}"),
    }
}

/// [`generate`], awaiting each read-back from the device (any backend, WebGPU included), and
/// `between_steps` after every decoding step (see [`crate::decode::greedy_async`]).
pub async fn generate_async(
    checkpoint: &Checkpoint,
    descriptions: &[&str],
    config: &GenerateConfig,
    device: &Device,
    between_steps: impl AsyncFnMut(),
) -> Result<Vec<Generation>, GenerateAsyncError> {
    let tokenized: Vec<(Vec<String>, bool)> = descriptions
        .iter()
        .map(|d| description_tokens(d, config.max_src_len))
        .collect();
    if let Some(index) = tokenized.iter().position(|(t, _)| t.is_empty()) {
        return Err(GenerateError::EmptyDescription { index }.into());
    }
    let (sources, truncated): (Vec<Vec<String>>, Vec<bool>) = tokenized.into_iter().unzip();
    let hypotheses =
        decode_tokens_async(checkpoint, &sources, config, device, between_steps).await?;
    let mut generations = generations(checkpoint, sources, hypotheses);
    for (g, t) in generations.iter_mut().zip(truncated) {
        g.truncated = t;
    }
    Ok(generations)
}

/// [`generate`] for descriptions already split into (non-empty) docstring tokens, e.g. a corpus'
/// `docstring_tokens`; they are cut to `max_src_len`.
pub fn generate_from_tokens(
    checkpoint: &Checkpoint,
    sources: &[Vec<String>],
    config: &GenerateConfig,
    device: &Device,
) -> Vec<Generation> {
    let sources: Vec<Vec<String>> = sources
        .iter()
        .map(|s| s[..s.len().min(config.max_src_len)].to_vec())
        .collect();
    let hypotheses = decode_tokens(checkpoint, &sources, config, device);
    generations(checkpoint, sources, hypotheses)
}

/// Pairs each source with its best hypothesis as a [`Generation`] (`truncated` left false).
fn generations(
    checkpoint: &Checkpoint,
    sources: Vec<Vec<String>>,
    hypotheses: Vec<Hypothesis>,
) -> Vec<Generation> {
    sources
        .into_iter()
        .zip(hypotheses)
        .map(|(tokens, hyp)| {
            let generated = checkpoint.tgt_vocab.decode(&hyp.tokens);
            let mut src_tokens = vec![SPECIALS[crate::vocab::SOS].to_string()];
            src_tokens.extend(tokens);
            src_tokens.push(SPECIALS[crate::vocab::EOS].to_string());
            Generation {
                src_tokens,
                truncated: false,
                code: detokenize(&generated),
                tokens: generated,
                finished: hyp.finished,
                log_prob: hyp.log_prob,
                attention: hyp.attention,
            }
        })
        .collect()
}

/// The best hypothesis for each list of (already tokenized, non-empty) source tokens; what
/// evaluation calls directly so that it can batch by length. Blocks on the device: not for WebGPU.
pub fn decode_tokens(
    checkpoint: &Checkpoint,
    sources: &[Vec<String>],
    config: &GenerateConfig,
    device: &Device,
) -> Vec<Hypothesis> {
    block_on(decode_tokens_async(
        checkpoint,
        sources,
        config,
        device,
        async || {},
    ))
    .expect("decoding")
}

/// [`decode_tokens`], awaiting each read-back from the device.
pub async fn decode_tokens_async(
    checkpoint: &Checkpoint,
    sources: &[Vec<String>],
    config: &GenerateConfig,
    device: &Device,
    between_steps: impl AsyncFnMut(),
) -> Result<Vec<Hypothesis>, ReadBackError> {
    let ids: Vec<Vec<usize>> = sources
        .iter()
        .map(|s| checkpoint.src_vocab.encode(s))
        .collect();
    let refs: Vec<&[usize]> = ids.iter().map(Vec::as_slice).collect();
    let (src, src_mask) = Batch::sources(&refs, device);
    let decode = DecodeConfig::new()
        .with_max_len(config.max_len)
        .with_beam_width(config.beam_width.max(1));
    if config.beam_width <= 1 {
        greedy_async(&checkpoint.model, src, src_mask, &decode, between_steps).await
    } else {
        let beams =
            beam_search_async(&checkpoint.model, src, src_mask, &decode, between_steps).await?;
        Ok(beams
            .into_iter()
            .map(|mut hyps| hyps.swap_remove(0))
            .collect())
    }
}
