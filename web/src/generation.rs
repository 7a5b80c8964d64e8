//! One click of Generate: pick the backend, load the model (cached per backend), yield to the browser so
//! that it paints the "Generating…" state, decode, and time it all. A generation that fails on WebGPU
//! runs again on the CPU, with a notice.

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use model::burn::prelude::Device;
use model::copied::{CodeView, neighbour_view, output_view};
use model::decode::{DecodeConfig, Flow};
use model::generate::{Alternative, GenerateAsyncError, generate_async};
use model::heads::{AttentionHeads, attention_heads_async};
use wasm_bindgen_futures::JsFuture;

use crate::backend::{self, Backend};
use crate::query::BackendChoice;
use crate::site::SiteModel;
use crate::weights;

/// What the page shows for a generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub model: SiteModel,
    /// Where it ran, and why not on WebGPU when that was asked for.
    pub backend: Backend,
    pub notice: Option<String>,
    pub code: String,
    /// Copy models: the code with each token marked by the source it was copied from.
    pub copied: Option<CodeView>,
    /// Heatmap columns: the source tokens with `<sos>`/`<eos>`.
    pub src_tokens: Vec<String>,
    /// Heatmap rows: the generated tokens, with `<eos>` when decoding finished.
    pub rows: Vec<String>,
    pub attention: Option<Vec<Vec<f32>>>,
    /// Models with several attention layers and heads (the Transformer): each one's weights, for the
    /// heatmap's picker (`attention` is the last layer's mean).
    pub heads: Option<AttentionHeads>,
    /// Copy models: per heatmap row, the probability that the token was generated from the vocabulary
    /// rather than copied from the description.
    pub p_gen: Option<Vec<f32>>,
    /// Retrieval models: the training function read beside the description (its pieces are the
    /// heatmap's columns after the description's), with the tokens the output copied from it.
    pub neighbour: Option<Neighbour>,
    pub truncated: bool,
    pub finished: bool,
    /// It reached the length limit and was cut back to where the function could end.
    pub cut: bool,
    /// The user stopped it (Stop) while it ran.
    pub stopped: bool,
    /// The generated ids (without `<eos>`): what a re-decode from one of them forces.
    pub ids: Vec<usize>,
    /// How many of the first ids were chosen by the user, not the model.
    pub forced: usize,
    /// Per row: the probability the model gave the token it wrote.
    pub confidence: Vec<f32>,
    /// Greedy decoding: per row, the most probable tokens the rules allowed there.
    pub alternatives: Option<Vec<Vec<Alternative>>>,
    pub timing: Timing,
}

/// The training function a retrieval model read.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbour {
    pub name: String,
    pub package: String,
    /// Its BM25 score for the description.
    pub score: f64,
    pub view: CodeView,
}

/// What the page sees of a generation while it runs: the code so far, and whether the user asked
/// it to stop.
#[derive(Debug, Clone, Copy)]
pub struct Live {
    pub code: RwSignal<String>,
    pub stop: RwSignal<bool>,
}

impl Live {
    pub fn new() -> Self {
        Self {
            code: RwSignal::new(String::new()),
            stop: RwSignal::new(false),
        }
    }

    /// Before a run: nothing shown yet, not stopped.
    pub fn reset(&self) {
        self.code.set(String::new());
        self.stop.set(false);
    }
}

/// Milliseconds, measured with `performance.now()`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// From the click (or page start) to the result: fetching and loading the weights included.
    pub total_ms: f64,
    /// Loading the checkpoint (0 when it was already in memory).
    pub load_ms: f64,
    /// Encoding and decoding.
    pub decode_ms: f64,
    /// Decoder steps (generated tokens, `<eos>` included).
    pub steps: usize,
    /// Since the page started loading: for the first result, the time to first result.
    pub since_page_load_ms: f64,
}

impl Timing {
    pub fn ms_per_token(&self) -> f64 {
        self.decode_ms / self.steps.max(1) as f64
    }
}

/// `performance.now()`.
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Generates code for `description` on the backend `choice` leads to, with beam width `beam`, when
/// `replace_unk` each `<unk>` replaced by the description word it attends to, and the first ids
/// `forced` (exploring an alternative), showing its code in `live` as it grows and stopping when
/// `live` says; errors are sentences for the page.
pub async fn run(
    model: SiteModel,
    description: String,
    beam: usize,
    replace_unk: bool,
    choice: BackendChoice,
    forced: Vec<usize>,
    live: Live,
) -> Result<Output, String> {
    let started = now();
    yield_to_browser().await;
    let (backend, device, notice) = backend::pick(choice).await;
    let config = DecodeConfig::new()
        .with_beam_width(beam)
        .with_replace_unk(replace_unk)
        .with_forced(forced);
    match attempt(
        model,
        &description,
        &config,
        backend,
        &device,
        started,
        live,
    )
    .await
    {
        Ok(output) => Ok(Output { notice, ..output }),
        Err(Failure::Device(e)) if backend == Backend::WebGpu => {
            backend::disable_webgpu(format!("it failed in a generation ({e})"));
            let output = attempt(
                model,
                &description,
                &config,
                Backend::Cpu,
                &Device::flex(),
                started,
                live,
            )
            .await
            .map_err(Failure::message)?;
            let notice = format!("WebGPU failed ({e}): this and later generations use the CPU.");
            Ok(Output {
                notice: Some(notice),
                ..output
            })
        }
        Err(failure) => Err(failure.message()),
    }
}

/// Why an attempt failed: the input or weights (a sentence for the page), or the device.
enum Failure {
    Page(String),
    Device(String),
}

impl Failure {
    fn message(self) -> String {
        match self {
            Failure::Page(message) => message,
            Failure::Device(e) => format!("Decoding failed on the device: {e}"),
        }
    }
}

/// One generation with `config` on `backend`'s `device`.
async fn attempt(
    model: SiteModel,
    description: &str,
    config: &DecodeConfig,
    backend: Backend,
    device: &Device,
    started: f64,
    live: Live,
) -> Result<Output, Failure> {
    let checkpoint = weights::load(model, backend, device)
        .await
        .map_err(Failure::Page)?;
    let loaded = now();
    yield_to_browser().await;
    let decode_start = now();
    // On the CPU a decode never waits for the device: hand the browser a turn every ~40 ms, with the
    // code so far, so that the page keeps responding and shows the output growing.
    let mut last_yield = now();
    let mut stopped = false;
    let between_steps = async |partial: &[&[usize]]| {
        if live.stop.get_untracked() {
            stopped = true;
            return Flow::Stop;
        }
        if now() - last_yield > 40.0 {
            live.code.set(checkpoint.target.text(partial[0]));
            TimeoutFuture::new(0).await;
            last_yield = now();
        }
        Flow::Continue
    };
    let generation = generate_async(&checkpoint, &[description], config, device, between_steps)
        .await
        .map_err(|e| match e {
            GenerateAsyncError::Input(_) => {
                Failure::Page("The description has no words to generate code from.".into())
            }
            GenerateAsyncError::ReadBack(e) => Failure::Device(e.to_string()),
        })?
        .remove(0);
    let heads = attention_heads_async(&checkpoint, &generation, device)
        .await
        .map_err(|e| Failure::Device(e.to_string()))?;
    let end = now();
    let rows = generation.attention_rows();
    let copied = generation
        .p_gen
        .is_some()
        .then(|| output_view(&generation, checkpoint.target.as_ref()))
        .flatten();
    let neighbour = neighbour_view(&generation, checkpoint.target.as_ref(), 0).map(|view| {
        let hit = &generation.neighbours[0];
        Neighbour {
            name: hit.document.name.clone(),
            package: hit.document.package.clone(),
            score: hit.score,
            view,
        }
    });
    Ok(Output {
        model,
        backend,
        notice: None,
        timing: Timing {
            total_ms: end - started,
            load_ms: loaded - started,
            decode_ms: end - decode_start,
            steps: rows.len(),
            since_page_load_ms: end,
        },
        code: generation.code,
        copied,
        src_tokens: generation.src_tokens,
        rows,
        attention: generation.attention,
        heads,
        p_gen: generation.p_gen,
        neighbour,
        truncated: generation.truncated,
        finished: generation.finished,
        cut: generation.cut,
        stopped,
        forced: forced_kept(&config.forced, &generation.ids),
        ids: generation.ids,
        confidence: generation.confidence,
        alternatives: generation.alternatives,
    })
}

/// How many of the `forced` ids the output starts with (the rules may have refused one).
fn forced_kept(forced: &[usize], ids: &[usize]) -> usize {
    forced.iter().zip(ids).take_while(|(f, i)| f == i).count()
}

/// Lets the browser render before a decode (synchronous on the CPU): waits for the next animation frame (or 100 ms
/// when frames are throttled, e.g. in a background tab), then for a task after it.
async fn yield_to_browser() {
    let frame = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(&resolve);
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 100);
        }
    });
    let _ = JsFuture::from(frame).await;
    TimeoutFuture::new(0).await;
}
