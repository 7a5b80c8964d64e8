//! `fetch()` and `performance.now()` of whichever global scope runs this code: the page's window or
//! the model worker's. Both have them under the same names, so one binding serves both.

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str) -> Promise;
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// `performance.now()`: milliseconds since this page (or worker) started.
pub fn now() -> f64 {
    performance_now()
}

/// The response for `url`; an HTTP error status is an error.
pub async fn response(url: &str) -> Result<web_sys::Response, String> {
    let failed = |e: JsValue| format!("{url}: {}", js_message(&e));
    let response: web_sys::Response = JsFuture::from(global_fetch(url))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    Ok(response)
}

/// The body of `url`.
pub async fn bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = response(url).await?;
    body(&response, |_| ())
        .await
        .map_err(|e| format!("{url}: {e}"))
}

/// The whole body of `response`, read chunk by chunk; `progress` gets the bytes read so far after
/// each chunk.
pub async fn body(
    response: &web_sys::Response,
    mut progress: impl FnMut(u64),
) -> Result<Vec<u8>, String> {
    let failed = |e: JsValue| js_message(&e);
    let Some(stream) = response.body() else {
        return Ok(Vec::new());
    };
    let reader: web_sys::ReadableStreamDefaultReader = stream
        .get_reader()
        .dyn_into()
        .map_err(|e: js_sys::Object| js_message(&e))?;
    let mut contents = Vec::new();
    loop {
        // `read()` resolves to `{ done, value }`, `value` a Uint8Array until the end.
        let chunk = JsFuture::from(reader.read()).await.map_err(failed)?;
        if Reflect::get(&chunk, &"done".into())
            .map_err(failed)?
            .is_truthy()
        {
            return Ok(contents);
        }
        let value: Uint8Array = Reflect::get(&chunk, &"value".into())
            .map_err(failed)?
            .dyn_into()
            .map_err(failed)?;
        contents.extend(value.to_vec());
        progress(contents.len() as u64);
    }
}

/// A JS exception or rejection as text.
pub fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
