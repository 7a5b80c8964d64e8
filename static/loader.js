// Starts the app: loads the wasm-bindgen module and the wasm that trunk built, whose hashed names
// trunk writes on this script's own tag (web/Trunk.toml). A file rather than an inline script, so
// that the page's Content-Security-Policy can allow only the site's own scripts.
const { js, wasm } = document.querySelector('script[data-wasm]').dataset;
const { default: init } = await import(js);
await init({ module_or_path: wasm });
