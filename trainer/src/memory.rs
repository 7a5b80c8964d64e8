//! How the process allocator treats large buffers (Linux with glibc only).
//!
//! A training step allocates and frees buffers of tens of megabytes (the logits of a batch alone are
//! `[64, 82, 4000]` floats, 84 MB). glibc serves every allocation above its mmap threshold (at most
//! 32 MB) with a fresh `mmap` and returns it to the kernel on `free`, so the next step's buffer is new
//! memory that the kernel must fault in and zero page by page: a profile of Transformer training on
//! the full preset spent 31% of its time in the kernel's `clear_page` and 5% more in page faults.
//! Keeping freed memory in the process lets the next step reuse it as it is.

/// Serves large allocations from one heap instead of `mmap`, and never trims freed memory back to
/// the kernel, so buffers are reused from step to step. One arena for all threads: a thread's own
/// arena is limited to 64 MB heaps and maps anything larger anyway. The process keeps its peak memory
/// until it exits (a trainer's working set is about the same every step). Returns whether the
/// allocator took the settings. Call it first thing in `main`, before other threads start.
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let settings = [
            (libc::M_MMAP_MAX, 0),
            (libc::M_TRIM_THRESHOLD, i32::MAX),
            (libc::M_ARENA_MAX, 1),
        ];
        // SAFETY: mallopt only sets allocator parameters; these are documented glibc options.
        settings
            .iter()
            .all(|&(option, value)| unsafe { libc::mallopt(option, value) } == 1)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    /// Above glibc's largest mmap threshold (32 MB), within a thread arena's heap (64 MB), so that the
    /// test thread's own arena serves it from a heap once mapping is off.
    const SIZE: usize = 40 << 20;

    #[test]
    fn a_large_buffer_comes_from_the_heap_not_its_own_mapping() {
        // SAFETY: mallinfo2 only reads the allocator's counters.
        let mapped = || unsafe { libc::mallinfo2() }.hblkhd;
        assert!(super::keep_freed_memory());
        let before = mapped();
        let buffer = std::hint::black_box(vec![1u8; SIZE]);
        assert!(
            mapped() < before + SIZE,
            "a 40 MB buffer got its own mapping"
        );
        drop(buffer);
    }
}
