//! Greedy decoding and beam search, written once against [`Seq2Seq`] (no per-model code), behind one
//! entry point, [`decode`], whose [`Search`] says which. `<pad>` and `<sos>` are never emitted; the
//! config can forbid `<unk>` too.
//!
//! Each step runs the model on the device and reads back only small results (greedy: the chosen token and
//! its log-probability per row, or the whole rows where the syntax rules or forced ids act on them, which
//! also gives each step's most probable alternatives; beam search: the `[rows, V]` log-probabilities, whose top-k is taken on
//! the host because `topk`/sort panic on WebGPU). The loops keep the host-side bookkeeping apart from the
//! read-backs, which all go through [`read_floats_async`]/[`read_ints_async`]: WebGPU can only read back
//! asynchronously, so the loops are async ([`greedy_async`], [`beam_search_async`]), and [`greedy`] and
//! [`beam_search`] run them to completion (on the CPU backends every read-back is ready at once).
//!
//! Pass a model on a plain (non-autodiff) device, e.g. `model.valid()`: on an autodiff device dropout
//! would be active and every step would be recorded for a backward pass.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use futures_lite::future::block_on;
use serde::{Deserialize, Serialize};

use crate::models::{DecoderState, Seq2Seq};
use crate::syntax::{PythonSyntax, SyntaxState};
use crate::vocab::{EOS, PAD, SOS, UNK};

/// How each next token is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Search {
    /// The most probable token at every step.
    Greedy,
    /// `width` hypotheses per input; finished ones are ranked by `log_prob / steps^length_penalty`
    /// (0 = no length normalisation).
    Beam { width: usize, length_penalty: f32 },
}

impl Search {
    /// What a beam width option means: greedy for 0 or 1, otherwise beam search with the length
    /// penalty 1.
    pub fn with_beam_width(width: usize) -> Self {
        if width <= 1 {
            Search::Greedy
        } else {
            Search::Beam {
                width,
                length_penalty: 1.0,
            }
        }
    }

    /// Hypotheses kept per input (1 for greedy).
    pub fn width(self) -> usize {
        match self {
            Search::Greedy => 1,
            Search::Beam { width, .. } => width.max(1),
        }
    }

    fn length_penalty(self) -> f32 {
        match self {
            Search::Greedy => 0.0,
            Search::Beam { length_penalty, .. } => length_penalty,
        }
    }
}

/// The reference design's limit on generated tokens (words).
pub const DEFAULT_MAX_LEN: usize = 80;

/// What the caller of an async search answers between two steps: go on, or stop there (the
/// hypotheses end as if they had reached the length limit: cut back where the rules let them end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// The `between_steps` of callers that neither pause nor stop (everything native).
pub async fn go_on(_partial: &[&[usize]]) -> Flow {
    Flow::Continue
}

/// Decoding options; the defaults are the reference design's (greedy, 80 tokens for word tokenizers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodeConfig {
    pub search: Search,
    /// Maximum generated ids per sequence (`<eos>` included); `None`: the target tokenizer's
    /// [`crate::tokenizer::Tokenizer::max_output_len`] when generating from a checkpoint,
    /// [`DEFAULT_MAX_LEN`] otherwise.
    pub max_len: Option<usize>,
    /// End as soon as every sequence has produced `<eos>`; `false` always runs `max_len` steps (timing).
    pub stop_at_eos: bool,
    /// Never emit `<unk>` (the next most probable token is taken instead). `<pad>` and `<sos>` are
    /// never emitted in any case.
    pub forbid_unk: bool,
    /// Syntax-aware decoding ([`crate::syntax`]) where the caller knows the target vocabulary
    /// ([`crate::generate`] does): on by default.
    #[serde(default = "yes")]
    pub syntax: bool,
    /// Subtracted from the log-probability of `<eos>` at every step (0 = none; it counts in the
    /// scores). Models trained with teacher forcing end too early when decoding on their own, and
    /// corpus BLEU's brevity penalty charges every missing token: a penalty chosen on the validation
    /// split lets them finish the function instead (a word reward, Huang et al. 2017).
    #[serde(default)]
    pub eos_penalty: f32,
    /// Word-token attention models: write `<unk>` where the rules allow a name and replace it by the
    /// description word it attends to most ([`crate::unk`]); applied where the caller knows the
    /// source words ([`crate::generate`] does).
    #[serde(default)]
    pub replace_unk: bool,
    /// The first ids, chosen by the caller instead of the model (to explore what it would have
    /// written after another choice); greedy decoding takes each as long as the rules allow it,
    /// beam search ignores them.
    #[serde(default)]
    pub forced: Vec<usize>,
}

/// Alternatives greedy decoding records per step (see [`Hypothesis::alternatives`]).
pub const ALTERNATIVES: usize = 5;

fn yes() -> bool {
    true
}

impl Default for DecodeConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl DecodeConfig {
    pub fn new() -> Self {
        Self {
            search: Search::Greedy,
            max_len: None,
            stop_at_eos: true,
            forbid_unk: false,
            syntax: true,
            eos_penalty: 0.0,
            replace_unk: false,
            forced: Vec::new(),
        }
    }

    pub fn with_search(self, search: Search) -> Self {
        Self { search, ..self }
    }

    /// [`Search::with_beam_width`].
    pub fn with_beam_width(self, width: usize) -> Self {
        self.with_search(Search::with_beam_width(width))
    }

    pub fn with_max_len(self, max_len: usize) -> Self {
        Self {
            max_len: Some(max_len),
            ..self
        }
    }

    pub fn with_max_len_option(self, max_len: Option<usize>) -> Self {
        Self { max_len, ..self }
    }

    /// The most ids a sequence may get.
    pub fn max_len(&self) -> usize {
        self.max_len.unwrap_or(DEFAULT_MAX_LEN)
    }

    pub fn with_stop_at_eos(self, stop_at_eos: bool) -> Self {
        Self {
            stop_at_eos,
            ..self
        }
    }

    pub fn with_forbid_unk(self, forbid_unk: bool) -> Self {
        Self { forbid_unk, ..self }
    }

    pub fn with_syntax(self, syntax: bool) -> Self {
        Self { syntax, ..self }
    }

    pub fn with_replace_unk(self, replace_unk: bool) -> Self {
        Self {
            replace_unk,
            ..self
        }
    }

    pub fn with_forced(self, forced: Vec<usize>) -> Self {
        Self { forced, ..self }
    }

    pub fn with_eos_penalty(self, eos_penalty: f32) -> Self {
        Self {
            eos_penalty,
            ..self
        }
    }

    /// `[1, V]`: 0, minus the `<eos>` penalty for `<eos>`, or minus infinity for the tokens that are
    /// never emitted. Added to the log-probabilities after the softmax, so the others keep exactly
    /// their probabilities.
    fn banned(&self, vocab_size: usize, device: &Device) -> Tensor<2> {
        let mut bias = vec![0.0f32; vocab_size];
        let mut banned = vec![PAD, SOS];
        if self.forbid_unk {
            banned.push(UNK);
        }
        if EOS < vocab_size {
            bias[EOS] = -self.eos_penalty;
        }
        for id in banned.into_iter().filter(|&id| id < vocab_size) {
            bias[id] = f32::NEG_INFINITY;
        }
        Tensor::from_data(TensorData::new(bias, [1, vocab_size]), device)
    }
}

/// One decoded sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Hypothesis {
    /// Generated ids, without `<sos>` and `<eos>`.
    pub tokens: Vec<usize>,
    /// Whether it ended with `<eos>` (otherwise it reached `max_len`).
    pub finished: bool,
    /// Sum of the log-probabilities of the generated tokens, `<eos>` included.
    pub log_prob: f32,
    /// Each generated token's log-probability (`<eos>` included): how sure the model was.
    pub token_log_probs: Vec<f32>,
    /// Greedy decoding on the host (with the syntax rules, or forced ids): per generated token
    /// (`<eos>` included) the [`ALTERNATIVES`] most probable ids the rules allowed at that step and
    /// their probabilities, most probable first; `None` for beam search and the unconstrained
    /// device path, which never read a whole row back.
    pub alternatives: Option<Vec<Vec<(usize, f32)>>>,
    /// Ranking score: `log_prob / steps^length_penalty` for beam search, `log_prob` for greedy.
    pub score: f32,
    /// For attention models, `[steps][src_len]`: one row per generated token (`<eos>` included) over the
    /// real source positions (`<sos>`/`<eos>` included, padding not); rows sum to 1.
    pub attention: Option<Vec<Vec<f32>>>,
    /// For copy models, per generated token (`<eos>` included): the probability that it was generated
    /// from the vocabulary rather than copied from the source.
    pub p_gen: Option<Vec<f32>>,
    /// It reached `max_len` unfinished and was cut back to the last point where the syntax rules
    /// let the code end (its `log_prob` is the one at that point).
    pub cut: bool,
    /// The last length (and log-probability) at which the syntax rules let the code end.
    may_end_at: Option<(usize, f32)>,
}

impl Default for Hypothesis {
    /// The empty hypothesis a search starts from.
    fn default() -> Self {
        Self {
            tokens: Vec::new(),
            finished: false,
            log_prob: 0.0,
            token_log_probs: Vec::new(),
            alternatives: None,
            score: 0.0,
            attention: None,
            p_gen: None,
            cut: false,
            may_end_at: None,
        }
    }
}

impl Hypothesis {
    /// Notes that the code may end here (the syntax rules allow `<eos>` after the tokens so far).
    fn may_end_here(&mut self) {
        self.may_end_at = Some((self.tokens.len(), self.log_prob));
    }

    /// An unfinished hypothesis becomes the longest prefix of it that may end: code cut off at
    /// `max_len` inside a bracket or a block never parses, its complete part may.
    fn cut_back(&mut self) {
        let Some((len, log_prob)) = self.may_end_at.filter(|_| !self.finished) else {
            return;
        };
        self.tokens.truncate(len);
        self.token_log_probs.truncate(len);
        if let Some(rows) = &mut self.alternatives {
            rows.truncate(len);
        }
        if let Some(rows) = &mut self.attention {
            rows.truncate(len);
        }
        if let Some(p) = &mut self.p_gen {
            p.truncate(len);
        }
        self.log_prob = log_prob;
        self.cut = true;
    }

    /// Appends a generated token with its log-probability, attention row and `p_gen`.
    fn push(&mut self, token: usize, log_prob: f32, attention: Option<&[f32]>, p_gen: Option<f32>) {
        self.log_prob += log_prob;
        self.token_log_probs.push(log_prob);
        if token == EOS {
            self.finished = true;
        } else {
            self.tokens.push(token);
        }
        if let Some(row) = attention {
            self.attention
                .get_or_insert_with(Vec::new)
                .push(row.to_vec());
        }
        if let Some(p) = p_gen {
            self.p_gen.get_or_insert_with(Vec::new).push(p);
        }
    }

    /// Generated steps, `<eos>` included.
    fn steps(&self) -> usize {
        self.tokens.len() + usize::from(self.finished)
    }
}

/// A read-back from the device failed (on WebGPU, e.g. a lost device): the page can fall back to the CPU.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("reading a tensor back from the device failed: {0}")]
pub struct ReadBackError(String);

/// Host copy of a float tensor; awaits the device (the only way to read back on WebGPU).
pub async fn read_floats_async<const D: usize>(
    tensor: Tensor<D>,
) -> Result<Vec<f32>, ReadBackError> {
    let data = tensor.into_data_async().await;
    let data = data.map_err(|e| ReadBackError(e.to_string()))?;
    data.try_into_vec_as::<f32>()
        .map_err(|e| ReadBackError(format!("{e:?}")))
}

/// Host copy of an int tensor; awaits the device (the only way to read back on WebGPU).
pub async fn read_ints_async<const D: usize>(
    tensor: Tensor<D, Int>,
) -> Result<Vec<i64>, ReadBackError> {
    let data = tensor.into_data_async().await;
    let data = data.map_err(|e| ReadBackError(e.to_string()))?;
    data.try_into_vec_as::<i64>()
        .map_err(|e| ReadBackError(format!("{e:?}")))
}

/// Host copy of a float tensor, blocking (not on WebGPU).
pub fn read_floats<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    block_on(read_floats_async(tensor)).expect("float tensor read-back")
}

/// Host copy of an int tensor, blocking (not on WebGPU).
pub fn read_ints<const D: usize>(tensor: Tensor<D, Int>) -> Vec<i64> {
    block_on(read_ints_async(tensor)).expect("int tensor read-back")
}

/// Real (unpadded) length of each source row.
async fn source_lengths(src_mask: Tensor<2, Bool>) -> Result<Vec<usize>, ReadBackError> {
    let [_, src_len] = src_mask.dims();
    let lengths = read_ints_async(src_mask.int().sum_dim(1)).await?; // [B, 1]
    Ok(lengths
        .into_iter()
        .map(|l| (l as usize).min(src_len))
        .collect())
}

/// Runs `f` (a decoding loop) natively on a thread of rayon's pool, where the products of a step can
/// be shared between the cores at the cost of a hand-off rather than of two thread wake-ups (see
/// [`crate::nn::fused::split_linear`]); elsewhere, and already on the pool, right here.
pub(crate) fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    #[cfg(not(target_arch = "wasm32"))]
    if rayon::current_thread_index().is_none() {
        return rayon::scope(|_| f());
    }
    f()
}

fn ints(values: &[usize], device: &Device) -> Tensor<1, Int> {
    let values: Vec<i64> = values.iter().map(|&v| v as i64).collect();
    let len = values.len();
    Tensor::from_data(TensorData::new(values, [len]), device)
}

/// The search `config.search` names, for every row of `src`: its hypotheses best first (one for
/// greedy). `syntax`: never extend a hypothesis by an id these rules rule out (see
/// [`crate::syntax`]). Blocks on the read-backs: not for WebGPU.
pub fn decode<M: Seq2Seq + Sync>(
    model: &M,
    src: Tensor<2, Int>,
    src_mask: Tensor<2, Bool>,
    config: &DecodeConfig,
    syntax: Option<&PythonSyntax>,
) -> Vec<Vec<Hypothesis>> {
    on_pool(|| block_on(decode_async(model, src, src_mask, config, syntax, go_on)))
        .expect("decoding")
}

/// [`decode`], awaiting each read-back (any backend, WebGPU included); `between_steps` as for
/// [`greedy_async`].
pub async fn decode_async<M: Seq2Seq>(
    model: &M,
    src: Tensor<2, Int>,
    src_mask: Tensor<2, Bool>,
    config: &DecodeConfig,
    syntax: Option<&PythonSyntax>,
    between_steps: impl AsyncFnMut(&[&[usize]]) -> Flow,
) -> Result<Vec<Vec<Hypothesis>>, ReadBackError> {
    match config.search {
        Search::Greedy => Ok(
            greedy_async(model, src, src_mask, config, syntax, between_steps)
                .await?
                .into_iter()
                .map(|hyp| vec![hyp])
                .collect(),
        ),
        Search::Beam { .. } => {
            beam_search_async(model, src, src_mask, config, syntax, between_steps).await
        }
    }
}

/// Greedy decoding of a batch: at each step every sequence takes its most probable token.
/// Returns one hypothesis per row of `src`. Blocks on the read-backs: not for WebGPU.
pub fn greedy<M: Seq2Seq + Sync>(
    model: &M,
    src: Tensor<2, Int>,
    src_mask: Tensor<2, Bool>,
    config: &DecodeConfig,
) -> Vec<Hypothesis> {
    on_pool(|| block_on(greedy_async(model, src, src_mask, config, None, go_on)))
        .expect("greedy decoding")
}

/// [`greedy`], awaiting each read-back (any backend, WebGPU included). `between_steps` is awaited after
/// every step with each input's ids so far: a page decoding on the CPU (where read-backs never wait)
/// yields to the browser there so that it stays responsive, shows the code as it grows, and answers
/// [`Flow::Stop`] when the user stops; native callers pass [`go_on`].
pub async fn greedy_async<M: Seq2Seq>(
    model: &M,
    src: Tensor<2, Int>,
    src_mask: Tensor<2, Bool>,
    config: &DecodeConfig,
    syntax: Option<&PythonSyntax>,
    mut between_steps: impl AsyncFnMut(&[&[usize]]) -> Flow,
) -> Result<Vec<Hypothesis>, ReadBackError> {
    let [batch_size, src_len] = src.dims();
    let device = src.device();
    let lengths = source_lengths(src_mask.clone()).await?;
    let mut state = model.encode(src, src_mask);
    let mut tokens = ints(&vec![SOS; batch_size], &device);
    let mut hyps = vec![Hypothesis::default(); batch_size];
    let mut syntax_states = vec![SyntaxState::new(); batch_size];
    let vocab_size = model.tgt_vocab_size();
    let banned = config.banned(vocab_size, &device);
    // The rules, and forced ids, need whole rows on the host; otherwise only the choice comes back.
    let on_host = syntax.is_some() || !config.forced.is_empty();
    for position in 0..config.max_len() {
        let step = model.decode_step(tokens, state);
        state = step.state;
        let log_probs = log_softmax(step.logits, 1) + banned.clone(); // [B, V] + [1, V]
        let (chosen, log_probs, alternatives) = if on_host {
            let mut log_probs = read_floats_async(log_probs).await?; // [B, V]
            let mut chosen = Vec::with_capacity(batch_size);
            let mut best = Vec::with_capacity(batch_size);
            let mut alternatives: Vec<Vec<(usize, f32)>> = Vec::with_capacity(batch_size);
            let forced = config.forced.get(position).copied();
            for (b, row) in log_probs.chunks_mut(vocab_size).enumerate() {
                // The rules may move a score from one id to another, so they act on the host.
                let top = match (syntax, forced) {
                    (Some(syntax), None) => {
                        syntax.most_probable_allowed(&syntax_states[b], row, ALTERNATIVES)
                    }
                    // A forced id is taken if the masked row leaves it a finite score.
                    (Some(syntax), Some(_)) => {
                        syntax.mask(&syntax_states[b], row);
                        most_probable(row, ALTERNATIVES)
                    }
                    (None, _) => most_probable(row, ALTERNATIVES),
                };
                let (id, score) = forced_or_best(forced, row, &top);
                chosen.push(id as i64);
                best.push(score);
                alternatives.push(top.into_iter().map(|(id, x)| (id, x.exp())).collect());
            }
            tokens = Tensor::from_data(TensorData::new(chosen.clone(), [batch_size]), &device);
            (chosen, best, Some(alternatives))
        } else {
            let (log_probs, next) = log_probs.max_dim_with_indices(1); // [B, 1] each
            let chosen = read_ints_async(next.clone()).await?;
            tokens = next.reshape([batch_size]); // [B, 1] -> [B]
            (chosen, read_floats_async(log_probs).await?, None)
        };
        let attention = match step.attention {
            Some(a) => Some(read_floats_async(a).await?), // [B, S]
            None => None,
        };
        let p_gen = match step.p_gen {
            Some(p) => Some(read_floats_async(p).await?), // [B]
            None => None,
        };
        for (b, hyp) in hyps.iter_mut().enumerate().filter(|(_, h)| !h.finished) {
            let row = attention
                .as_ref()
                .map(|a| &a[b * src_len..b * src_len + lengths[b]]);
            let p = p_gen.as_ref().map(|p| p[b]);
            hyp.push(chosen[b] as usize, log_probs[b], row, p);
            if let Some(alternatives) = &alternatives {
                let steps = hyp.alternatives.get_or_insert_with(Vec::new);
                steps.push(alternatives[b].clone());
            }
            if let Some(syntax) = syntax {
                syntax.advance(&mut syntax_states[b], chosen[b] as usize);
                if syntax.allows(&syntax_states[b], EOS) {
                    hyp.may_end_here();
                }
            }
        }
        let partial: Vec<&[usize]> = hyps.iter().map(|h| h.tokens.as_slice()).collect();
        let stop = between_steps(&partial).await == Flow::Stop;
        if stop || (config.stop_at_eos && hyps.iter().all(|h| h.finished)) {
            break;
        }
    }
    for hyp in &mut hyps {
        if syntax.is_some() {
            hyp.cut_back();
        }
        hyp.score = hyp.log_prob;
    }
    Ok(hyps)
}

/// The forced id with its score if the rules allow it (`row` is masked then, and its score is
/// finite), else the best of `top` (the row's most probable allowed ids), else the first id at minus
/// infinity (as the device's argmax of a row with nothing allowed).
fn forced_or_best(forced: Option<usize>, row: &[f32], top: &[(usize, f32)]) -> (usize, f32) {
    match forced {
        Some(id) if row.get(id).is_some_and(|x| x.is_finite()) => (id, row[id]),
        _ => top.first().copied().unwrap_or((0, f32::NEG_INFINITY)),
    }
}

/// The `k` highest log-probabilities of `row` that are allowed (finite), as `(id, log-probability)`,
/// most probable first (ties: the lower id first, as the device's argmax).
fn most_probable(row: &[f32], k: usize) -> Vec<(usize, f32)> {
    if k == 0 {
        return Vec::new();
    }
    let mut top: Vec<(usize, f32)> = Vec::with_capacity(k + 1);
    for (id, &x) in row.iter().enumerate().filter(|(_, x)| x.is_finite()) {
        if top.len() == k && top[k - 1].1 >= x {
            continue;
        }
        let at = top.partition_point(|&(_, y)| y >= x);
        top.insert(at, (id, x));
        top.truncate(k);
    }
    top
}

/// Beam search with `config.search.width()` hypotheses per input. Returns, per row of `src`, up to
/// that many hypotheses sorted best first by their length-normalised score. Blocks on the
/// read-backs: not for WebGPU.
pub fn beam_search<M: Seq2Seq + Sync>(
    model: &M,
    src: Tensor<2, Int>,
    src_mask: Tensor<2, Bool>,
    config: &DecodeConfig,
) -> Vec<Vec<Hypothesis>> {
    on_pool(|| block_on(beam_search_async(model, src, src_mask, config, None, go_on)))
        .expect("beam search")
}

/// [`beam_search`], awaiting each read-back (any backend, WebGPU included); `between_steps` as for
/// [`greedy_async`], with each input's best live hypothesis.
pub async fn beam_search_async<M: Seq2Seq>(
    model: &M,
    src: Tensor<2, Int>,
    src_mask: Tensor<2, Bool>,
    config: &DecodeConfig,
    syntax: Option<&PythonSyntax>,
    mut between_steps: impl AsyncFnMut(&[&[usize]]) -> Flow,
) -> Result<Vec<Vec<Hypothesis>>, ReadBackError> {
    let k = config.search.width();
    let [batch_size, src_len] = src.dims();
    let device = src.device();
    let lengths = source_lengths(src_mask.clone()).await?;
    let length_penalty = config.search.length_penalty();
    let score = |h: &Hypothesis| h.log_prob / (h.steps().max(1) as f32).powf(length_penalty);
    let banned = config.banned(model.tgt_vocab_size(), &device);
    // Row b*k + j holds beam j of input b; at first only beam 0 of each input is live.
    let expand: Vec<usize> = (0..batch_size * k).map(|r| r / k).collect();
    let mut state = model.encode(src, src_mask).select(ints(&expand, &device));
    let mut tokens = ints(&vec![SOS; batch_size * k], &device);
    // Per input: (row, hypothesis, where it stands syntactically).
    let mut live: Vec<Vec<(usize, Hypothesis, SyntaxState)>> = (0..batch_size)
        .map(|b| vec![(b * k, Hypothesis::default(), SyntaxState::new())])
        .collect();
    let mut done: Vec<Vec<Hypothesis>> = vec![Vec::new(); batch_size];
    for step_index in 0..config.max_len() {
        let step = model.decode_step(tokens, state);
        let vocab_size = step.logits.dims()[1];
        let log_probs = log_softmax(step.logits, 1) + banned.clone(); // [B*k, V] + [1, V]
        let log_probs = read_floats_async(log_probs).await?; // [B*k, V]
        let attention = match step.attention {
            Some(a) => Some(read_floats_async(a).await?), // [B*k, S]
            None => None,
        };
        let p_gen = match step.p_gen {
            Some(p) => Some(read_floats_async(p).await?), // [B*k]
            None => None,
        };
        let last_step = step_index + 1 == config.max_len();
        let mut rows = Vec::with_capacity(batch_size * k);
        let mut next_tokens = Vec::with_capacity(batch_size * k);
        for b in 0..batch_size {
            let beams = std::mem::take(&mut live[b]);
            // (score, beam, token), best first; ties go to the lower beam and token, like argmax.
            let per_beam = if syntax.is_some() { k } else { vocab_size };
            let mut candidates: Vec<(f32, usize, usize)> =
                Vec::with_capacity(beams.len() * per_beam);
            for (j, (row, hyp, syntax_state)) in beams.iter().enumerate() {
                let lp = &log_probs[row * vocab_size..(row + 1) * vocab_size];
                match syntax {
                    // Only a row's k best allowed ids can be among the k best of all rows.
                    Some(syntax) => candidates.extend(
                        syntax
                            .most_probable_allowed(syntax_state, lp, k)
                            .into_iter()
                            .map(|(v, p)| (hyp.log_prob + p, j, v)),
                    ),
                    None => candidates.extend(
                        lp.iter()
                            .enumerate()
                            .map(|(v, &p)| (hyp.log_prob + p, j, v)),
                    ),
                }
            }
            let order = |x: &(f32, usize, usize), y: &(f32, usize, usize)| {
                y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2))
            };
            if candidates.len() > k {
                candidates.select_nth_unstable_by(k - 1, order);
                candidates.truncate(k);
            }
            candidates.sort_by(order);
            for (total, j, v) in candidates {
                // Banned ids (minus infinity) are never worth a beam slot.
                if done[b].len() >= k || !total.is_finite() {
                    break;
                }
                let (row, parent, parent_syntax) = &beams[j];
                let mut hyp = parent.clone();
                let mut syntax_state = parent_syntax.clone();
                if let Some(syntax) = syntax {
                    syntax.advance(&mut syntax_state, v);
                }
                let attention_row = attention
                    .as_ref()
                    .map(|a| &a[row * src_len..row * src_len + lengths[b]]);
                let p = p_gen.as_ref().map(|p| p[*row]);
                hyp.push(v, total - parent.log_prob, attention_row, p);
                hyp.log_prob = total;
                if let Some(syntax) = syntax {
                    if syntax.allows(&syntax_state, EOS) {
                        hyp.may_end_here();
                    }
                    if last_step {
                        hyp.cut_back();
                    }
                }
                if hyp.finished || last_step {
                    hyp.score = score(&hyp);
                    done[b].push(hyp);
                } else {
                    let slot = b * k + live[b].len();
                    rows.push(*row);
                    next_tokens.push(v);
                    live[b].push((slot, hyp, syntax_state));
                }
            }
            if done[b].len() >= k {
                live[b].clear();
            }
            // Unused rows of this input repeat its first row; their results are ignored.
            while rows.len() < (b + 1) * k {
                rows.push(b * k);
                next_tokens.push(PAD);
            }
        }
        if live.iter().all(Vec::is_empty) {
            break;
        }
        let partial: Vec<&[usize]> = (0..batch_size)
            .map(|b| match (live[b].first(), done[b].first()) {
                (Some((_, hyp, _)), _) | (None, Some(hyp)) => hyp.tokens.as_slice(),
                (None, None) => &[],
            })
            .collect();
        if between_steps(&partial).await == Flow::Stop {
            // The live beams end here, as at the length limit.
            for (b, beams) in live.iter_mut().enumerate() {
                for (_, mut hyp, _) in beams.drain(..) {
                    if syntax.is_some() {
                        hyp.cut_back();
                    }
                    hyp.score = score(&hyp);
                    done[b].push(hyp);
                }
            }
            break;
        }
        state = step.state.select(ints(&rows, &device));
        tokens = ints(&next_tokens, &device);
    }
    for hyps in &mut done {
        hyps.sort_by(|x, y| y.score.total_cmp(&x.score));
        hyps.truncate(k);
    }
    Ok(done)
}
