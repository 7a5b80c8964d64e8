//! One click of Generate, on the page: pick the worker build the backend choice leads to, hand it
//! the generation, and time it from the click. A generation that fails on WebGPU runs again on the
//! CPU, with a notice. The decoding itself runs in the worker (`worker/`).

use leptos::prelude::*;

use crate::client;
use crate::fetch::now;
use crate::gpu_probe;
use crate::protocol::{Backend, Failure, Job, Progress};
use crate::query::BackendChoice;

pub use crate::protocol::{Neighbour, Output, Timing};

/// What the page sees of a generation while it runs: the weights' progress, the code so far, the
/// running generation's id, and whether the user asked it to stop.
#[derive(Debug, Clone, Copy)]
pub struct Live {
    pub progress: RwSignal<Option<Progress>>,
    pub code: RwSignal<String>,
    pub running: RwSignal<Option<u32>>,
    pub stop: RwSignal<bool>,
}

impl Live {
    pub fn new() -> Self {
        Self {
            progress: RwSignal::new(None),
            code: RwSignal::new(String::new()),
            running: RwSignal::new(None),
            stop: RwSignal::new(false),
        }
    }

    /// Before a run: nothing shown yet, not stopped.
    pub fn reset(&self) {
        self.progress.set(None);
        self.code.set(String::new());
        self.running.set(None);
        self.stop.set(false);
    }

    /// Stop: the running generation ends at its next step with its code so far.
    pub fn request_stop(&self) {
        self.stop.set(true);
        client::stop_all();
    }
}

/// Generates code for `job` on the backend `choice` leads to, showing its progress in `live`;
/// errors are sentences for the page.
pub async fn run(job: Job, choice: BackendChoice, live: Live) -> Result<Output, String> {
    let started = now();
    let (backend, notice) = pick(choice).await;
    if backend == Backend::Cpu {
        client::ready(Backend::Cpu).await?;
    }
    let finish = |output: Output, notice: Option<String>| {
        let end = now();
        Output {
            notice,
            timing: Timing {
                total_ms: end - started,
                since_page_load_ms: end,
                ..output.timing
            },
            ..output
        }
    };
    match client::generate(backend, job.clone(), live).await {
        Ok(output) => Ok(finish(output, notice)),
        Err(Failure::Device(e)) if backend == Backend::WebGpu => {
            client::disable(Backend::WebGpu, format!("it failed in a generation ({e})"));
            client::ready(Backend::Cpu).await?;
            let output = client::generate(Backend::Cpu, job, live)
                .await
                .map_err(Failure::message)?;
            let notice = format!("WebGPU failed ({e}): this and later generations use the CPU.");
            Ok(finish(output, Some(notice)))
        }
        Err(failure) => Err(failure.message()),
    }
}

/// The worker build for `choice` (WebGPU's started and ready), and a notice when WebGPU was asked for by name but
/// is unavailable (for `Auto` the page says it once, beside the picker).
async fn pick(choice: BackendChoice) -> (Backend, Option<String>) {
    if wants_webgpu(choice).await {
        match client::ready(Backend::WebGpu).await {
            Ok(()) => return (Backend::WebGpu, None),
            Err(reason) if choice == BackendChoice::WebGpu => {
                return (Backend::Cpu, Some(unavailable(&reason)));
            }
            Err(_) => {}
        }
    } else if choice == BackendChoice::WebGpu {
        let reason = gpu_probe::probe().await.err().unwrap_or_default();
        return (Backend::Cpu, Some(unavailable(&reason)));
    }
    (Backend::Cpu, None)
}

/// Whether `choice` loads the WebGPU build: asked for by name and the browser has an adapter, or
/// `Auto` and the adapter is a real one (a software adapter is slower than the CPU build).
pub async fn wants_webgpu(choice: BackendChoice) -> bool {
    match (choice, gpu_probe::probe().await) {
        (BackendChoice::Cpu, _) | (_, Err(_)) => false,
        (BackendChoice::WebGpu, Ok(_)) => true,
        (BackendChoice::Auto, Ok(adapter)) => !adapter.fallback,
    }
}

/// The fallback notice.
pub fn unavailable(reason: &str) -> String {
    format!("WebGPU unavailable: {reason}, using the CPU.")
}
