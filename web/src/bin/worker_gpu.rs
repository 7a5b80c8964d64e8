//! The model worker's WebGPU build (built with the `webgpu` feature): loaded only when the page
//! decodes on WebGPU. The same worker as the CPU build; its device is what differs.

#[cfg(target_arch = "wasm32")]
fn main() {
    web::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("{}", web::NATIVE);
}
