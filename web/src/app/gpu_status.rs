//! The line that says whether generations can run on WebGPU: while the page looks for an adapter,
//! then the adapter (and whether the WebGPU build is loaded and warmed up), or why there is none.
//! It is the one place the `Auto` backend's choice is explained. The WebGPU build of the worker
//! starts here as soon as the picked backend would use it, so that its download and warm-up come
//! before the first Generate.

use leptos::prelude::*;

use crate::client;
use crate::generation::{unavailable, wants_webgpu};
use crate::gpu_probe::{self, Adapter};
use crate::protocol::Backend;
use crate::query::BackendChoice;

/// What the line says.
#[derive(Debug, Clone, PartialEq)]
enum Status {
    /// An adapter, its build not needed for this choice.
    Available(Adapter),
    /// The WebGPU build loaded and warmed up.
    Ready(Adapter),
    Unavailable(String),
}

/// `generations` counts finished generations: a generation that fails on WebGPU turns it off for
/// the page, so the status is read again after each (and when the choice changes).
#[component]
pub fn GpuStatus(
    choice: RwSignal<BackendChoice>,
    #[prop(into)] generations: Signal<usize>,
) -> impl IntoView {
    let status = LocalResource::new(move || {
        generations.track();
        let choice = choice.get();
        async move {
            let adapter = match gpu_probe::probe().await {
                Ok(adapter) => adapter,
                Err(reason) => return Status::Unavailable(reason),
            };
            if !wants_webgpu(choice).await {
                return match client::state(Backend::WebGpu) {
                    Some(Err(reason)) => Status::Unavailable(reason),
                    _ => Status::Available(adapter),
                };
            }
            match client::ready(Backend::WebGpu).await {
                Ok(()) => Status::Ready(adapter),
                Err(reason) => Status::Unavailable(reason),
            }
        }
    });
    move || {
        let (webgpu, class, text, fallback) = match status.get() {
            None => ("starting", "hint", "Looking for WebGPU…".to_string(), false),
            Some(Status::Ready(adapter)) => (
                "ready",
                "hint",
                format!("WebGPU available (adapter: {}).", adapter.description),
                adapter.fallback,
            ),
            Some(Status::Available(adapter)) => {
                let text = if adapter.fallback {
                    format!(
                        "WebGPU adapter found ({}, a software adapter): Auto uses the CPU, \
                         pick WebGPU to load its build.",
                        adapter.description
                    )
                } else {
                    format!(
                        "WebGPU adapter found ({}): pick WebGPU or Auto to load its build.",
                        adapter.description
                    )
                };
                ("available", "hint", text, adapter.fallback)
            }
            Some(Status::Unavailable(reason)) => {
                ("unavailable", "notice", unavailable(&reason), false)
            }
        };
        view! {
            <p class=class data-testid="webgpu-status" data-webgpu=webgpu data-fallback=fallback.to_string()>
                {text}
            </p>
        }
    }
}
