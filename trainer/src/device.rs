//! `--device`: where training and decoding run. The CPU backend is always built; GPU backends are cargo
//! features of the trainer (`wgpu`, `vulkan`, `cuda`).

use anyhow::{Result, bail};
use model::burn::prelude::Device;

/// The name a user gives `--device` with.
pub const DEVICE_HELP: &str = "cpu (default), or wgpu / vulkan / cuda when built with that feature";

/// The device called `name`, without autodiff.
pub fn device(name: &str) -> Result<Device> {
    #[cfg(any(feature = "wgpu", feature = "vulkan"))]
    use model::burn::tensor::DeviceKind;
    Ok(match name {
        "cpu" | "flex" => Device::flex(),
        #[cfg(feature = "wgpu")]
        "wgpu" => Device::wgpu(DeviceKind::DefaultDevice),
        #[cfg(feature = "vulkan")]
        "vulkan" => Device::vulkan(DeviceKind::DefaultDevice),
        #[cfg(feature = "cuda")]
        "cuda" => Device::cuda(0usize),
        // A GPU backend this build does not have (a guard, so builds that have some of them still match).
        gpu if ["wgpu", "vulkan", "cuda"].contains(&gpu) => bail!(
            "--device {name}: this trainer was built without the `{name}` feature \
             (cargo build --release -p trainer --features {name})"
        ),
        _ => bail!("--device {name}: unknown device (expected {DEVICE_HELP})"),
    })
}
