//! The GPU path checked without a GPU, on Mesa's software Vulkan driver (lavapipe, Debian's
//! `mesa-vulkan-drivers`): built only with `--features vulkan` (`--device vulkan`, Burn's SPIR-V
//! kernels) or `--features wgpu` (`--device wgpu`, WGSL kernels; Vulkan underneath on Linux). See
//! docs/commands.md for the command and what it gave.
//!
//! Both devices start from the same CPU checkpoint (weights drawn on another device would differ) with
//! dropout off (its masks come from each device's own generator), train two more epochs, and must
//! agree: the losses of every epoch within 1e-3 (relative), the weights within 1e-3, and greedy
//! decoding of the same checkpoint gives the same code.
#![cfg(any(feature = "vulkan", feature = "wgpu"))]

mod corpus_common;
mod e2e_common;

use std::path::Path;

use e2e_common::{TempDir, ok, parameters, path, toy_corpus, train_args};

/// The GPU device this build has.
const GPU: &str = if cfg!(feature = "vulkan") {
    "vulkan"
} else {
    "wgpu"
};

/// `(train_loss, valid_loss)` of every epoch in a run's metrics.csv.
fn losses(run: &Path) -> Vec<(f64, f64)> {
    std::fs::read_to_string(run.join("metrics.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
            (cols[1], cols[2])
        })
        .collect()
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_gpu_trains_and_decodes_as_the_cpu_does() {
    let tmp = TempDir::new("gpu-lavapipe");
    let data = toy_corpus(&tmp);
    let start = tmp.path().join("start");
    let mut args = train_args("attention", path(&data), path(&start), "1");
    args.extend(["--dropout", "0"]);
    ok(&args);

    let from = start.join("best");
    let run = |device: &str| {
        let out = tmp.path().join(device);
        ok(&[
            "train",
            "--model",
            "attention",
            "--data",
            path(&data),
            "--preset",
            "full",
            "--init-from",
            path(&from),
            "--epochs",
            "2",
            "--batch-size",
            "8",
            "--device",
            device,
            "--out",
            path(&out),
        ]);
        out
    };
    let (cpu, gpu) = (run("cpu"), run(GPU));
    let (cpu_losses, gpu_losses) = (losses(&cpu), losses(&gpu));
    assert_eq!(cpu_losses.len(), 2);
    for ((ct, cv), (vt, vv)) in cpu_losses.iter().zip(&gpu_losses) {
        assert!(
            close(*ct, *vt, 1e-3) && close(*cv, *vv, 1e-3),
            "cpu {cpu_losses:?} vs {GPU} {gpu_losses:?}"
        );
    }
    let (cw, vw) = (parameters(&cpu.join("last")), parameters(&gpu.join("last")));
    assert_eq!(cw.len(), vw.len());
    let worst = cw
        .iter()
        .zip(&vw)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst <= 1e-3, "largest weight difference {worst}");
    println!(
        "losses cpu {cpu_losses:?}, {GPU} {gpu_losses:?}; largest weight difference {worst:e}"
    );

    let generate = |device: &str| {
        ok(&[
            "generate",
            "--checkpoint",
            path(&cpu.join("best")),
            "--docstring",
            "Return the name.",
            "--device",
            device,
        ])
    };
    assert_eq!(generate("cpu"), generate(GPU));
}
