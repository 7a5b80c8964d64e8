//! Named moments at which a test can have the trainer killed, to check that every file a run writes
//! survives a crash there.
//!
//! `SEQ2SEQ_KILL_AT=NAME` (or `NAME@N`, the N-th time it is reached) makes the process send itself
//! SIGKILL at the point called NAME: no destructor, flush or cleanup runs, exactly as when the
//! machine's OOM killer or a user's `kill -9` stops a run. Unset (always, outside the crash tests),
//! each point costs one environment read for the whole process.
//!
//! The points: `batch` after each training step, `write:FILE` when a file's new contents are synced
//! but not yet renamed over it, `filled:DIR` when a folder's replacement is complete but not yet
//! swapped in, `swapped:DIR` when it is swapped in but the old one not yet removed.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The point asked for and on which visit, parsed once.
struct Target {
    name: String,
    visit: usize,
}

fn target() -> Option<&'static Target> {
    static TARGET: OnceLock<Option<Target>> = OnceLock::new();
    TARGET
        .get_or_init(|| {
            let spec = std::env::var("SEQ2SEQ_KILL_AT").ok()?;
            let (name, visit) = spec
                .rsplit_once('@')
                .and_then(|(name, n)| Some((name, n.parse().ok()?)))
                .unwrap_or((spec.as_str(), 1));
            Some(Target {
                name: name.to_string(),
                visit,
            })
        })
        .as_ref()
}

/// Kills the process here if `SEQ2SEQ_KILL_AT` names this point (and this visit of it).
pub fn point(name: &str) {
    static VISITS: AtomicUsize = AtomicUsize::new(0);
    let Some(target) = target() else {
        return;
    };
    if target.name == name && VISITS.fetch_add(1, Ordering::SeqCst) + 1 == target.visit {
        kill_self();
    }
}

/// SIGKILL to this process (on Unix; elsewhere an abort, as abrupt).
fn kill_self() -> ! {
    #[cfg(unix)]
    // SAFETY: kill(2) on our own pid with a valid signal number has no memory effects.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    std::process::abort()
}
