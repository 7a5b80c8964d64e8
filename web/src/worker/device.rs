//! The worker's device: the CPU (burn's `flex` backend in wasm) for the CPU build, WebGPU for the
//! `webgpu` build. A WebGPU device is set up once (burn cannot set its runtime up twice) and runs a
//! warm-up computation before the worker says it is ready, so that a broken device shows here and
//! the first generation does not pay for compiling the first kernels.

use model::burn::prelude::Device;

use crate::protocol::Backend;

/// This build's device, with the adapter's description for WebGPU; `Err` says why there is none.
pub async fn start() -> Result<(Backend, Device, Option<String>), String> {
    if cfg!(feature = "webgpu") {
        let (device, adapter) = webgpu().await?;
        Ok((Backend::WebGpu, device, Some(adapter)))
    } else {
        Ok((Backend::Cpu, Device::flex(), None))
    }
}

#[cfg(feature = "webgpu")]
async fn webgpu() -> Result<(Device, String), String> {
    use model::burn::prelude::Tensor;
    use model::burn::tensor::activation::softmax;
    // The browser's own answer first (the page's probe, asked of the worker's `navigator`): burn
    // panics without an adapter, and a panic ends the worker.
    let adapter = crate::gpu_probe::probe().await?.description;
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| format!("setting up the device failed ({e})"))?;
    // The warm-up: a product, a softmax and a read-back, checked.
    let ones = Tensor::<2>::ones([4, 8], &device);
    let product = ones.clone().matmul(ones.transpose()); // [4, 4], every entry 8
    let rows = softmax(product, 1).sum_dim(1).reshape([4]); // [4], each 1
    match model::decode::read_floats_async(rows).await {
        Ok(values) if values.iter().all(|v| (v - 1.0).abs() < 1e-5) => Ok((device, adapter)),
        Ok(values) => Err(format!("a test computation gave {values:?}")),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(not(feature = "webgpu"))]
async fn webgpu() -> Result<(Device, String), String> {
    Err("this build of the worker has no WebGPU support".into())
}
