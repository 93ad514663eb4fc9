//! Test hooks: named points where the CLI's tests make something happen
//! (a SIGKILL, an edit by another process) at an exact moment instead of
//! after a sleep.
//!
//! Only debug builds read `CARGO_SEALANT_TEST_HOOK`; in a release build
//! [`reach`] does nothing. The variable holds `POINT[#N]=COMMAND`: the Nth
//! time (the first by default) the CLI reaches `POINT`, it runs COMMAND
//! with `sh -c`, with `CARGO_SEALANT_PID` set to its own process id, and
//! waits for it. `kill -9 $CARGO_SEALANT_PID` kills it there.

/// The variable that names a hook.
#[cfg(debug_assertions)]
const HOOK_VAR: &str = "CARGO_SEALANT_TEST_HOOK";

/// Marks a point that a test hook may name.
pub(crate) fn reach(point: &str) {
    #[cfg(debug_assertions)]
    {
        use std::sync::Mutex;
        use std::sync::atomic::{AtomicUsize, Ordering};

        static HITS: AtomicUsize = AtomicUsize::new(0);
        // One hook at a time, so that a command that edits a file runs
        // while no other thread is at the point.
        static RUNNING: Mutex<()> = Mutex::new(());

        let Some(spec) = std::env::var_os(HOOK_VAR).filter(|spec| !spec.is_empty()) else {
            return;
        };
        let spec = spec.to_string_lossy();
        let Some((at, command)) = spec.split_once('=') else {
            panic!("{HOOK_VAR} must be POINT[#N]=COMMAND");
        };
        let (name, nth) = match at.split_once('#') {
            Some((name, nth)) => (name, nth.parse().expect("N in POINT#N is a number")),
            None => (at, 1),
        };
        if name != point || HITS.fetch_add(1, Ordering::SeqCst) + 1 != nth {
            return;
        }
        let _one = RUNNING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .env("CARGO_SEALANT_PID", std::process::id().to_string())
            .status()
            .expect("the test hook's command starts");
        assert!(
            status.success(),
            "the test hook at {point} failed: {status}"
        );
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}
