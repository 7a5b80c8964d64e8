//! The browser app: a single page (Leptos, client-side rendered, built with trunk) that generates Python
//! from a description with the `model` crate compiled to wasm, on WebGPU when the browser has it (and the
//! `webgpu` feature is on) and on the CPU (burn's `flex` backend) otherwise.
//!
//! Natively only the pure modules build (the highlighter, the URL parsing, the site's checkpoints,
//! the model description and the heatmap's downloads, with their unit tests);
//! see `web/README.md` for building and serving the site.

mod about;
mod heatmap_export;
mod highlight;
mod query;
mod site;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod backend;
#[cfg(target_arch = "wasm32")]
mod generation;
#[cfg(target_arch = "wasm32")]
mod heatmap;
#[cfg(target_arch = "wasm32")]
mod weights;

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "The web app runs in the browser: in web/, `trunk build --release` (see web/README.md)."
    );
}
