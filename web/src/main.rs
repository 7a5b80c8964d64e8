//! The browser app (Leptos, built with trunk) will live here: it generates code client-side with the
//! `model` crate compiled to wasm. Until then this crate is a placeholder that builds natively.

fn main() {}
