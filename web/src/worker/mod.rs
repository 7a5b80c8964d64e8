//! The model worker: a Web Worker that owns the device and the loaded checkpoints, so that decoding
//! never runs on the page's thread. Two builds of it exist (`src/bin/worker.rs` for the CPU,
//! `src/bin/worker_gpu.rs` with the `webgpu` feature); the page starts the one it needs.
//!
//! It answers [`ToWorker`] messages one generation at a time, in the order they came: a Stop ends
//! the running one at its next step (or drops a waiting one), so a new Generate right after a
//! Stop starts as soon as the old one has answered.

mod device;
mod generation;
mod weights;

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};

use model::burn::prelude::Device;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::protocol::{self, Backend, Failure, FromWorker, Job, ToWorker};

#[derive(Default)]
struct State {
    /// Generations not started yet, oldest first.
    waiting: VecDeque<(u32, Job)>,
    /// Generations the page asked to stop.
    stopped: HashSet<u32>,
    /// A generation is running (the queue is being worked through).
    busy: bool,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
    static DEVICE: RefCell<Option<(Backend, Device)>> = const { RefCell::new(None) };
}

/// The worker's `main`: listens for the page's messages, sets the device up, and says `Ready` (or
/// `Unavailable`, for a WebGPU build that found no usable device).
pub fn start() {
    console_error_panic_hook::set_once();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        let text = event.data().as_string().unwrap_or_default();
        match protocol::decode::<ToWorker>(&text) {
            Ok(message) => receive(message),
            Err(e) => web_sys::console::error_1(&format!("model worker: {e}").into()),
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    spawn_local(async {
        let reply = match device::start().await {
            Ok((backend, device, adapter)) => {
                DEVICE.with(|d| *d.borrow_mut() = Some((backend, device)));
                FromWorker::Ready { backend, adapter }
            }
            Err(reason) => FromWorker::Unavailable { reason },
        };
        post(&reply);
    });
}

/// Sends `message` to the page.
pub(crate) fn post(message: &FromWorker) {
    let _ = scope().post_message(&protocol::encode(message).into());
}

/// Whether the page asked generation `id` to stop.
pub(crate) fn stop_requested(id: u32) -> bool {
    STATE.with(|s| s.borrow().stopped.contains(&id))
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn receive(message: ToWorker) {
    match message {
        ToWorker::Stop { id } => STATE.with(|s| {
            s.borrow_mut().stopped.insert(id);
        }),
        ToWorker::Generate { id, job } => {
            let start = STATE.with(|s| {
                let mut state = s.borrow_mut();
                state.waiting.push_back((id, job));
                !std::mem::replace(&mut state.busy, true)
            });
            if start {
                spawn_local(work_through());
            }
        }
    }
}

/// Runs the waiting generations one by one until none is left.
async fn work_through() {
    loop {
        let next = STATE.with(|s| {
            let mut state = s.borrow_mut();
            let next = state.waiting.pop_front();
            state.busy = next.is_some();
            next
        });
        let Some((id, job)) = next else {
            return;
        };
        let reply = match answer(id, job).await {
            Ok(output) => FromWorker::Done {
                id,
                output: Box::new(output),
            },
            Err(failure) => FromWorker::Failed { id, failure },
        };
        STATE.with(|s| s.borrow_mut().stopped.remove(&id));
        post(&reply);
    }
}

async fn answer(id: u32, job: Job) -> Result<protocol::Output, Failure> {
    if stop_requested(id) {
        return Err(Failure::Page("Stopped before it started.".into()));
    }
    let Some((backend, device)) = DEVICE.with(|d| d.borrow().clone()) else {
        return Err(Failure::Device("the worker has no device".into()));
    };
    generation::run(id, job, backend, &device).await
}
