//! The browser app: a single page (Leptos, client-side rendered, built with trunk) that generates
//! Python from a description with the `model` crate compiled to wasm. The model runs in a Web
//! Worker (`worker/`), so the page stays responsive while it decodes: the CPU build of the worker
//! (burn's `flex` backend) by default, its WebGPU build (the `webgpu` feature, ~9x larger) only
//! when the browser has a usable adapter and WebGPU is picked (or `Auto` finds a real one).
//!
//! Three binaries share this library: the page (`src/main.rs`), the CPU worker
//! (`src/bin/worker.rs`) and the WebGPU worker (`src/bin/worker_gpu.rs`). Natively only the pure
//! modules build (the highlighter, the URL parsing, the site's checkpoints, the model description,
//! the heatmap's downloads and the page-worker messages, with their unit tests); see
//! `web/README.md` for building and serving the site.

pub mod about;
pub mod heatmap_export;
pub mod highlight;
pub mod protocol;
pub mod query;
pub mod site;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod fetch;
#[cfg(target_arch = "wasm32")]
mod generation;
#[cfg(target_arch = "wasm32")]
mod gpu_probe;
#[cfg(target_arch = "wasm32")]
mod heatmap;
#[cfg(target_arch = "wasm32")]
mod weight_cache;
#[cfg(target_arch = "wasm32")]
pub mod worker;

/// The page's `main`: mounts the app.
#[cfg(target_arch = "wasm32")]
pub fn start_page() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

/// What the binaries print natively, where there is no browser to run in.
pub const NATIVE: &str =
    "The web app runs in the browser: in web/, `trunk build --release` (see web/README.md).";
