//! Fetching checkpoints from the site (`checkpoints/<name>/...`, relative to the page, one folder per
//! [`SiteModel`]) and keeping each loaded in memory once it has loaded, once per backend (the weights
//! live on its device).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use model::burn::prelude::Device;
use model::checkpoint::{CONFIG_FILE, Card, Checkpoint, CheckpointConfig, CheckpointFiles};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::backend::Backend;
use crate::site::SiteModel;

thread_local! {
    static LOADED: RefCell<HashMap<(SiteModel, Backend), Rc<Checkpoint>>> = RefCell::new(HashMap::new());
}

/// The folder of a checkpoint on the site.
pub fn folder(model: SiteModel) -> String {
    format!("checkpoints/{model}/")
}

/// The checkpoint on `backend`'s `device`: from memory, or fetched and checked (its `config.json` must
/// declare the entry's model kind). Failures are not cached (a later call tries again) and read as a
/// sentence for the page.
pub async fn load(
    model: SiteModel,
    backend: Backend,
    device: &Device,
) -> Result<Rc<Checkpoint>, String> {
    if let Some(checkpoint) = LOADED.with(|l| l.borrow().get(&(model, backend)).cloned()) {
        return Ok(checkpoint);
    }
    let dir = folder(model);
    let missing = |e: String| {
        format!(
            "No usable {model} weights on this site ({e}). The other models still work; to add this one, \
             copy a trained checkpoint folder to {dir} (see web/README.md)."
        )
    };
    let files = fetch_files(&dir).await.map_err(missing)?;
    let checkpoint = Checkpoint::from_files(&files, Some(model.kind()), device)
        .map_err(|e| format!("The {model} checkpoint at {dir} is corrupt or incompatible: {e}"))?;
    let checkpoint = Rc::new(checkpoint);
    LOADED.with(|l| l.borrow_mut().insert((model, backend), checkpoint.clone()));
    Ok(checkpoint)
}

/// `config.json` of the checkpoint in `dir`, then every file it names, each once (both sides of a
/// subword checkpoint name the same `tokenizer.json`).
async fn fetch_files(dir: &str) -> Result<CheckpointFiles, String> {
    let mut files = CheckpointFiles::default();
    files.set(CONFIG_FILE, fetch(&format!("{dir}{CONFIG_FILE}")).await?);
    let config = files.config().map_err(|e| format!("{dir}{e}"))?;
    for name in config.files() {
        if files.get(name).is_err() {
            let contents = fetch(&format!("{dir}{name}")).await?;
            files.set(name, contents);
        }
    }
    Ok(files)
}

/// The sentence about the checkpoint from its card; `None` when the site has none.
pub async fn about(model: SiteModel) -> Option<String> {
    let dir = folder(model);
    let config = fetch(&format!("{dir}{CONFIG_FILE}")).await.ok()?;
    let (config, legacy_card) = CheckpointConfig::parse(std::str::from_utf8(&config).ok()?).ok()?;
    let card = match config.card {
        Some(name) => Card::from_json(&fetch(&format!("{dir}{name}")).await.ok()?, &name).ok()?,
        None => legacy_card?,
    };
    crate::about::describe(&card)
}

/// The body of `url`; an HTTP error status is an error.
async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let failed = |e: JsValue| format!("{url}: {}", js_message(&e));
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let body = JsFuture::from(response.array_buffer().map_err(failed)?)
        .await
        .map_err(failed)?;
    Ok(js_sys::Uint8Array::new(&body).to_vec())
}

/// A JS exception or rejection as text.
pub fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
