//! The page (see the library's docs): the form, the results, and the model worker's client.

#[cfg(target_arch = "wasm32")]
fn main() {
    web::start_page();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("{}", web::NATIVE);
}
