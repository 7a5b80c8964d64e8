//! The page's side of the model worker: starts a worker build (CPU, or WebGPU when asked for and
//! usable) the first time it is needed, waits for its `Ready`, sends it generations and routes its
//! replies: progress and the code so far to the running generation's [`Live`] signals, the result
//! to the future that asked for it.

use std::cell::RefCell;
use std::collections::HashMap;

use futures_channel::oneshot;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use crate::fetch::js_message;
use crate::generation::Live;
use crate::protocol::{self, Backend, Failure, FromWorker, Job, Output, ToWorker};

/// A worker build's state.
enum Slot {
    Starting(Worker, Vec<oneshot::Sender<Result<(), String>>>),
    /// Ready, with the adapter's description for WebGPU.
    Ready(Worker, Option<String>),
    Unavailable(String),
}

/// A generation sent and not answered yet.
struct Pending {
    backend: Backend,
    live: Live,
    answer: oneshot::Sender<Result<Output, Failure>>,
}

#[derive(Default)]
struct Client {
    slots: HashMap<Backend, Slot>,
    pending: HashMap<u32, Pending>,
    next_id: u32,
}

thread_local! {
    static CLIENT: RefCell<Client> = RefCell::new(Client::default());
}

/// Where the `backend` worker stands: `None` while it has not been started or is starting,
/// `Some(Ok(adapter))` when ready, `Some(Err(why))` when it cannot run.
pub fn state(backend: Backend) -> Option<Result<Option<String>, String>> {
    CLIENT.with(|c| match c.borrow().slots.get(&backend) {
        None | Some(Slot::Starting(..)) => None,
        Some(Slot::Ready(_, adapter)) => Some(Ok(adapter.clone())),
        Some(Slot::Unavailable(why)) => Some(Err(why.clone())),
    })
}

/// Starts the `backend` worker if needed and waits until it is ready; `Err` says why it cannot be.
pub async fn ready(backend: Backend) -> Result<(), String> {
    let waiting = CLIENT.with(|c| {
        let mut client = c.borrow_mut();
        let (tx, rx) = oneshot::channel();
        match client.slots.get_mut(&backend) {
            Some(Slot::Ready(..)) => return Ok(None),
            Some(Slot::Unavailable(why)) => return Err(why.clone()),
            Some(Slot::Starting(_, waiters)) => waiters.push(tx),
            None => {
                let worker = spawn(backend)?;
                client
                    .slots
                    .insert(backend, Slot::Starting(worker, vec![tx]));
            }
        }
        Ok(Some(rx))
    })?;
    match waiting {
        None => Ok(()),
        Some(rx) => rx
            .await
            .unwrap_or_else(|_| Err("the worker went away".into())),
    }
}

/// The `backend` worker cannot be used (its device failed in a generation): ends it (see
/// [`settle`]).
pub fn disable(backend: Backend, why: String) {
    settle(backend, Err(why), None);
}

/// Runs `job` on the `backend` worker (which must be [`ready`]), showing its progress and code so
/// far in `live`.
pub async fn generate(backend: Backend, job: Job, live: Live) -> Result<Output, Failure> {
    let (tx, rx) = oneshot::channel();
    let sent = CLIENT.with(|c| {
        let mut client = c.borrow_mut();
        let Some(Slot::Ready(worker, _)) = client.slots.get(&backend) else {
            return Err(Failure::Device("the worker is not ready".into()));
        };
        let worker = worker.clone();
        client.next_id += 1;
        let id = client.next_id;
        let pending = Pending {
            backend,
            live,
            answer: tx,
        };
        client.pending.insert(id, pending);
        live.running.set(Some(id));
        post(&worker, &ToWorker::Generate { id, job });
        Ok(())
    });
    sent?;
    rx.await
        .unwrap_or_else(|_| Err(Failure::Device("the worker went away".into())))
}

/// Asks every running or waiting generation to stop (each still answers, with its code so far).
pub fn stop_all() {
    CLIENT.with(|c| {
        let client = c.borrow();
        for (&id, pending) in &client.pending {
            if let Some(Slot::Ready(worker, _)) = client.slots.get(&pending.backend) {
                post(worker, &ToWorker::Stop { id });
            }
        }
    });
}

fn post(worker: &Worker, message: &ToWorker) {
    let _ = worker.post_message(&protocol::encode(message).into());
}

/// A new worker of `backend`'s build, listening.
fn spawn(backend: Backend) -> Result<Worker, String> {
    let worker = Worker::new(backend.script()).map_err(|e| {
        format!(
            "the {} worker could not start ({})",
            backend.label(),
            js_message(&e)
        )
    })?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let text = event.data().as_string().unwrap_or_default();
        match protocol::decode::<FromWorker>(&text) {
            Ok(message) => receive(backend, message),
            Err(e) => web_sys::console::error_1(&format!("page: {e}").into()),
        }
    });
    // A script that fails to load or a panic in the worker.
    let on_error =
        Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
            let why = format!("its {} build failed ({})", backend.label(), event.message());
            settle(backend, Err(why), None);
        });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_message.forget();
    on_error.forget();
    Ok(worker)
}

fn receive(backend: Backend, message: FromWorker) {
    match message {
        FromWorker::Ready { adapter, .. } => settle(backend, Ok(()), adapter),
        FromWorker::Unavailable { reason } => settle(backend, Err(reason), None),
        FromWorker::Progress { id, progress } => {
            if let Some(live) = live_of(id) {
                live.progress.set(Some(progress));
            }
        }
        FromWorker::Partial { id, code } => {
            if let Some(live) = live_of(id) {
                live.code.set(code);
            }
        }
        FromWorker::Done { id, output } => answer(id, Ok(*output)),
        FromWorker::Failed { id, failure } => answer(id, Err(failure)),
    }
}

/// The signals of generation `id`, while it is the one they show.
fn live_of(id: u32) -> Option<Live> {
    let live = CLIENT.with(|c| c.borrow().pending.get(&id).map(|p| p.live))?;
    (live.running.get_untracked() == Some(id)).then_some(live)
}

fn answer(id: u32, result: Result<Output, Failure>) {
    if let Some(pending) = CLIENT.with(|c| c.borrow_mut().pending.remove(&id)) {
        let _ = pending.answer.send(result);
    }
}

/// The `backend` worker's start ended, or it broke (a panic, a failed device): ready, or not. A
/// worker that is not is ended and every generation waiting on it fails; a broken CPU worker is
/// started afresh by the next generation, a WebGPU one stays off (the page uses the CPU).
fn settle(backend: Backend, result: Result<(), String>, adapter: Option<String>) {
    let (waiters, orphans) = CLIENT.with(|c| {
        let mut client = c.borrow_mut();
        let (worker, waiters) = match client.slots.remove(&backend) {
            Some(Slot::Starting(worker, waiters)) => (worker, waiters),
            Some(Slot::Ready(worker, _)) => (worker, Vec::new()),
            Some(unavailable @ Slot::Unavailable(_)) => {
                client.slots.insert(backend, unavailable);
                return (Vec::new(), Vec::new());
            }
            None => return (Vec::new(), Vec::new()),
        };
        let Err(why) = &result else {
            client.slots.insert(backend, Slot::Ready(worker, adapter));
            return (waiters, Vec::new());
        };
        worker.terminate();
        if backend == Backend::WebGpu {
            client.slots.insert(backend, Slot::Unavailable(why.clone()));
        }
        let orphans: Vec<u32> = client
            .pending
            .iter()
            .filter(|(_, p)| p.backend == backend)
            .map(|(&id, _)| id)
            .collect();
        (waiters, orphans)
    });
    for waiter in waiters {
        let _ = waiter.send(result.clone());
    }
    for id in orphans {
        let why = result.clone().err().unwrap_or_default();
        answer(id, Err(Failure::Device(why)));
    }
}
