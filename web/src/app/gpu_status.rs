//! The line that says whether generations can run on WebGPU: while the page sets WebGPU up on startup,
//! then the adapter or why there is none. It is the one place the `Auto` backend's fallback to the CPU
//! is explained.

use leptos::prelude::*;

use crate::backend::{self, Gpu};

/// `generations` counts finished generations: a generation that fails on WebGPU turns it off for the
/// page, so the status is read again after each.
#[component]
pub fn GpuStatus(#[prop(into)] generations: Signal<usize>) -> impl IntoView {
    // The first run sets WebGPU up; later runs find it set up (or being set up) and read where it stands.
    let gpu = LocalResource::new(move || {
        generations.track();
        async {
            let _ = backend::webgpu().await;
            backend::status()
        }
    });
    move || {
        let (webgpu, class, text) = match gpu.get().flatten() {
            None | Some(Gpu::Starting) => ("starting", "hint", "Looking for WebGPU…".to_string()),
            Some(Gpu::Ready(_, adapter)) => (
                "ready",
                "hint",
                format!("WebGPU available (adapter: {adapter})."),
            ),
            Some(Gpu::Unavailable(reason)) => {
                ("unavailable", "notice", backend::unavailable(&reason))
            }
        };
        view! {
            <p class=class data-testid="webgpu-status" data-webgpu=webgpu>
                {text}
            </p>
        }
    }
}
