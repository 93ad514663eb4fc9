//! A global allocator for tests that scans every block it frees for given
//! byte strings, to prove that secrets do not linger in freed heap memory.
//!
//! Used by `tests/freed_memory.rs`; not published.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The byte strings to look for; fixed at compile time, so that setting
/// them allocates nothing.
pub type Needles = &'static [&'static [u8]];

/// Wraps the system allocator; while armed, counts freed blocks that
/// contain one of the needles.
#[derive(Debug)]
pub struct ScanningAllocator {
    needles: Needles,
    armed: AtomicBool,
    hits: AtomicUsize,
    scanned_blocks: AtomicUsize,
}

impl ScanningAllocator {
    /// An allocator that looks for `needles`.
    pub const fn new(needles: Needles) -> Self {
        Self {
            needles,
            armed: AtomicBool::new(false),
            hits: AtomicUsize::new(0),
            scanned_blocks: AtomicUsize::new(0),
        }
    }

    /// Starts scanning, with zeroed counters.
    pub fn arm(&self) {
        self.hits.store(0, Ordering::SeqCst);
        self.scanned_blocks.store(0, Ordering::SeqCst);
        self.armed.store(true, Ordering::SeqCst);
    }

    /// Stops scanning and returns (freed blocks holding a needle, freed
    /// blocks scanned).
    pub fn disarm(&self) -> (usize, usize) {
        self.armed.store(false, Ordering::SeqCst);
        (
            self.hits.load(Ordering::SeqCst),
            self.scanned_blocks.load(Ordering::SeqCst),
        )
    }

    fn scan(&self, block: &[u8]) {
        self.scanned_blocks.fetch_add(1, Ordering::Relaxed);
        let found = self.needles.iter().any(|needle| {
            !needle.is_empty() && block.windows(needle.len()).any(|window| window == *needle)
        });
        if found {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is forwarded to `System` with the caller's arguments,
// which the caller guarantees are valid. Before a block is freed, it is read
// (never written) as `layout.size()` bytes, which it holds because it was
// allocated with that layout.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for ScanningAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if self.armed.load(Ordering::Relaxed) {
            self.scan(unsafe { std::slice::from_raw_parts(ptr, layout.size()) });
        }
        unsafe { System.dealloc(ptr, layout) }
    }

    /// Moves the block by hand, so that the old block is scanned when it is
    /// freed: a growing `Vec` or `String` would otherwise leave a copy of
    /// its contents behind unseen.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}
