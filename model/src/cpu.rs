//! Floating-point mode of the CPU threads that train (native x86-64 only).
//!
//! As a model trains, many gradients and Adam moments decay towards zero and become subnormal floats;
//! x86 CPUs handle those through a slow microcode path, up to ~100x slower per operation, and epochs
//! slow down as training proceeds. Flushing subnormals to zero (the FTZ and DAZ bits, what PyTorch's
//! `set_flush_denormal(True)` does) changes results by less than 1e-38 per value.

/// Sets flush-to-zero and denormals-are-zero on this thread and on every thread of rayon's global pool
/// (which the CPU backend computes on). Call it first thing in `main`, before any tensor work: the
/// pool can only be configured before it starts. Returns whether the pool was configured.
pub fn flush_denormals() -> bool {
    set_flush_denormals();
    rayon::ThreadPoolBuilder::new()
        .start_handler(|_| set_flush_denormals())
        .build_global()
        .is_ok()
}

/// FTZ and DAZ on the calling thread.
pub fn set_flush_denormals() {
    #[cfg(target_arch = "x86_64")]
    {
        const FTZ: u32 = 1 << 15;
        const DAZ: u32 = 1 << 6;
        let mut csr: u32 = 0;
        // SAFETY: stmxcsr/ldmxcsr read and write the SSE control register through a valid pointer;
        // only the two flush bits are changed.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack));
            csr |= FTZ | DAZ;
            std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack));
        }
    }
}
