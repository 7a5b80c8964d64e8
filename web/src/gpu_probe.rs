//! Whether this browser offers a WebGPU adapter, asked on the page itself (cheap: it loads nothing),
//! so that the page loads the ~9x larger WebGPU build of its worker only when it can be used; the
//! WebGPU worker asks the same before it sets its device up.

use std::cell::RefCell;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::fetch::js_message;

/// The adapter the browser offers.
#[derive(Debug, Clone, PartialEq)]
pub struct Adapter {
    /// "vendor architecture description", as far as the browser says.
    pub description: String,
    /// A software adapter (such as SwiftShader): slower than the CPU build, so `Auto` skips it.
    pub fallback: bool,
}

thread_local! {
    static PROBED: RefCell<Option<Result<Adapter, String>>> = const { RefCell::new(None) };
}

/// `navigator.gpu.requestAdapter()`, asked once per page; `Err` says why there is none.
pub async fn probe() -> Result<Adapter, String> {
    if let Some(known) = PROBED.with(|p| p.borrow().clone()) {
        return known;
    }
    let result = request().await;
    PROBED.with(|p| *p.borrow_mut() = Some(result.clone()));
    result
}

async fn request() -> Result<Adapter, String> {
    let navigator = get(&js_sys::global(), "navigator");
    let gpu = get(&navigator, "gpu");
    if gpu.is_undefined() {
        return Err("this browser has no WebGPU (navigator.gpu)".into());
    }
    let request: Function = get(&gpu, "requestAdapter")
        .dyn_into()
        .map_err(|_| "navigator.gpu.requestAdapter is missing")?;
    let failed = |e: JsValue| format!("requestAdapter failed ({})", js_message(&e));
    let promise: Promise = request.call0(&gpu).map_err(failed)?.unchecked_into();
    let adapter = JsFuture::from(promise).await.map_err(failed)?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("the browser offers no WebGPU adapter".into());
    }
    let info = get(&adapter, "info");
    // `info.isFallbackAdapter` in current browsers, `isFallbackAdapter` on the adapter before.
    let fallback = get(&info, "isFallbackAdapter").is_truthy()
        || get(&adapter, "isFallbackAdapter").is_truthy();
    Ok(Adapter {
        description: describe(&info),
        fallback,
    })
}

/// A `GPUAdapterInfo` as "vendor architecture description" (the parts the browser gives).
pub fn describe(info: &JsValue) -> String {
    let parts: Vec<String> = ["vendor", "architecture", "description"]
        .into_iter()
        .filter_map(|key| get(info, key).as_string().filter(|s| !s.is_empty()))
        .collect();
    if parts.is_empty() {
        "unknown adapter".into()
    } else {
        parts.join(" ")
    }
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
}
