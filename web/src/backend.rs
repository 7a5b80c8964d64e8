//! The device the page decodes on: WebGPU when the browser has it (and the site was built with the
//! `webgpu` feature), otherwise the CPU (burn's `flex` backend in wasm).
//!
//! WebGPU is set up once per page (burn cannot set up its runtime twice), on the first call of
//! [`webgpu`]; the page makes that call on startup, and a generation that finds it under way waits for it.

use std::cell::RefCell;

use gloo_timers::future::TimeoutFuture;
use model::burn::prelude::Device;

use crate::query::BackendChoice;

/// A backend a generation ran on; the checkpoint cache is keyed by it (weights live on one device).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    WebGpu,
    Cpu,
}

impl Backend {
    /// What the page shows (and its test reads).
    pub fn label(self) -> &'static str {
        match self {
            Backend::WebGpu => "WebGPU",
            Backend::Cpu => "CPU (wasm)",
        }
    }
}

/// Where the WebGPU set-up stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Gpu {
    Starting,
    /// The device and the adapter's description (vendor, architecture).
    Ready(Device, String),
    /// Why there is no WebGPU: missing in the browser, no adapter, a failed set-up or generation.
    Unavailable(String),
}

thread_local! {
    static GPU: RefCell<Option<Gpu>> = const { RefCell::new(None) };
}

/// The WebGPU set-up's state now (`None`: not started).
pub fn status() -> Option<Gpu> {
    GPU.with(|g| g.borrow().clone())
}

/// The WebGPU device and adapter, set up on the first call; `Err` says why there is none.
pub async fn webgpu() -> Result<(Device, String), String> {
    loop {
        match status() {
            None => break,
            Some(Gpu::Starting) => TimeoutFuture::new(10).await,
            Some(Gpu::Ready(device, adapter)) => return Ok((device, adapter)),
            Some(Gpu::Unavailable(reason)) => return Err(reason),
        }
    }
    GPU.with(|g| *g.borrow_mut() = Some(Gpu::Starting));
    let result = init().await;
    let state = match &result {
        Ok((device, adapter)) => Gpu::Ready(device.clone(), adapter.clone()),
        Err(reason) => Gpu::Unavailable(reason.clone()),
    };
    GPU.with(|g| *g.borrow_mut() = Some(state));
    result
}

/// WebGPU failed in a generation: the page uses the CPU from now on.
pub fn disable_webgpu(reason: String) {
    GPU.with(|g| *g.borrow_mut() = Some(Gpu::Unavailable(reason)));
}

/// The backend and device for `choice`, and a notice when WebGPU was asked for by name but is unavailable
/// (for `Auto` the page says it once, beside the picker).
pub async fn pick(choice: BackendChoice) -> (Backend, Device, Option<String>) {
    if choice == BackendChoice::Cpu {
        return (Backend::Cpu, Device::flex(), None);
    }
    match webgpu().await {
        Ok((device, _)) => (Backend::WebGpu, device, None),
        Err(reason) => {
            let notice = (choice == BackendChoice::WebGpu).then(|| unavailable(&reason));
            (Backend::Cpu, Device::flex(), notice)
        }
    }
}

/// The fallback notice.
pub fn unavailable(reason: &str) -> String {
    format!("WebGPU unavailable: {reason}, using the CPU.")
}

#[cfg(feature = "webgpu")]
async fn init() -> Result<(Device, String), String> {
    use model::burn::prelude::Tensor;
    // The browser's own answer first: burn panics without an adapter, and a panic ends a wasm app.
    let adapter = adapter().await?;
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| format!("setting up the device failed ({e})"))?;
    // A small computation read back, so that a broken device shows here rather than in a generation.
    let twice = Tensor::<1>::from_floats([1.0, 2.0], &device) * 2;
    match model::decode::read_floats_async(twice).await {
        Ok(values) if values == [2.0, 4.0] => Ok((device, adapter)),
        Ok(values) => Err(format!("a test computation gave {values:?}")),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(not(feature = "webgpu"))]
async fn init() -> Result<(Device, String), String> {
    Err("this build of the site has no WebGPU support".into())
}

/// `navigator.gpu.requestAdapter()`, described by its `info` ("vendor architecture").
#[cfg(feature = "webgpu")]
async fn adapter() -> Result<String, String> {
    use js_sys::{Function, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let get = |object: &JsValue, key: &str| {
        Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
    };
    let navigator = web_sys::window().ok_or("no window")?.navigator();
    let gpu = get(&navigator, "gpu");
    if gpu.is_undefined() {
        return Err("this browser has no WebGPU (navigator.gpu)".into());
    }
    let request: Function = get(&gpu, "requestAdapter")
        .dyn_into()
        .map_err(|_| "navigator.gpu.requestAdapter is missing")?;
    let failed = |e: JsValue| format!("requestAdapter failed ({})", crate::weights::js_message(&e));
    let promise: Promise = request.call0(&gpu).map_err(failed)?.unchecked_into();
    let adapter = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(failed)?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("the browser offers no WebGPU adapter".into());
    }
    let info = get(&adapter, "info");
    let parts: Vec<String> = ["vendor", "architecture", "description"]
        .into_iter()
        .filter_map(|key| get(&info, key).as_string().filter(|s| !s.is_empty()))
        .collect();
    Ok(if parts.is_empty() {
        "unknown adapter".into()
    } else {
        parts.join(" ")
    })
}
