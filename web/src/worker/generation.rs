//! One generation in the worker: load the model (kept in memory after its first use), decode with
//! the code so far sent to the page every ~40 ms and Stop checked between steps, and time it.

use gloo_timers::future::TimeoutFuture;
use model::burn::prelude::Device;
use model::checkpoint::Checkpoint;
use model::copied::{neighbour_view, output_view};
use model::decode::{DecodeConfig, Flow};
use model::generate::{GenerateAsyncError, Generation, generate_async};
use model::heads::{AttentionHeads, attention_heads_async};

use super::{post, stop_requested};
use crate::fetch::now;
use crate::protocol::{Backend, Failure, FromWorker, Job, Neighbour, Output, Timing, Weights};
use crate::worker::weights;

/// Generation `id`: `job` on `backend`'s `device`.
pub async fn run(id: u32, job: Job, backend: Backend, device: &Device) -> Result<Output, Failure> {
    let started = now();
    let report = |progress| post(&FromWorker::Progress { id, progress });
    let (checkpoint, weights) = weights::load(job.model, device, report)
        .await
        .map_err(Failure::Page)?;
    let decode_start = now();
    let config = DecodeConfig::new()
        .with_beam_width(job.beam)
        .with_replace_unk(job.replace_unk)
        .with_forced(job.forced.clone());
    // On the CPU a decode never waits for the device: every ~40 ms hand the event loop a turn, so
    // that a Stop message gets in, and send the code so far.
    let mut last_yield = now();
    let mut stopped = false;
    let between_steps = async |partial: &[&[usize]]| {
        if stop_requested(id) {
            stopped = true;
            return Flow::Stop;
        }
        if now() - last_yield > 40.0 {
            let code = checkpoint.target.text(partial[0]);
            post(&FromWorker::Partial { id, code });
            TimeoutFuture::new(0).await;
            last_yield = now();
        }
        Flow::Continue
    };
    let description = job.description.as_str();
    let generation = generate_async(&checkpoint, &[description], &config, device, between_steps)
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
    let timing = Timing {
        load_ms: decode_start - started,
        decode_ms: now() - decode_start,
        steps: generation.attention_rows().len(),
        // The page's clock: it fills these in.
        total_ms: 0.0,
        since_page_load_ms: 0.0,
    };
    let view = Finished {
        job,
        backend,
        weights,
        timing,
        stopped,
    };
    Ok(output(view, generation, heads, &checkpoint))
}

/// What the page is told besides the generation itself.
struct Finished {
    job: Job,
    backend: Backend,
    weights: Weights,
    timing: Timing,
    stopped: bool,
}

/// The page's view of a finished `generation`.
fn output(
    finished: Finished,
    generation: Generation,
    heads: Option<AttentionHeads>,
    checkpoint: &Checkpoint,
) -> Output {
    let Finished {
        job,
        backend,
        weights,
        timing,
        stopped,
    } = finished;
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
    Output {
        model: job.model,
        backend,
        notice: None,
        timing,
        code: generation.code,
        copied,
        rows,
        src_tokens: generation.src_tokens,
        attention: generation.attention,
        heads,
        p_gen: generation.p_gen,
        neighbour,
        truncated: generation.truncated,
        finished: generation.finished,
        cut: generation.cut,
        stopped,
        forced: forced_kept(&job.forced, &generation.ids),
        ids: generation.ids,
        confidence: generation.confidence,
        alternatives: generation.alternatives,
        weights,
    }
}

/// How many of the `forced` ids the output starts with (the rules may have refused one).
fn forced_kept(forced: &[usize], ids: &[usize]) -> usize {
    forced.iter().zip(ids).take_while(|(f, i)| f == i).count()
}
