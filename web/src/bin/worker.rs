//! The model worker's CPU build (burn's `flex` backend): what the page loads by default.

#[cfg(target_arch = "wasm32")]
fn main() {
    web::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("{}", web::NATIVE);
}
