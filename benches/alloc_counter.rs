//! A counting global allocator for the benchmarks (issue: allocations per operation next to
//! each figure, and peak memory of a load). It wraps the system allocator; the `unsafe` here is
//! the `GlobalAlloc` contract itself and is confined to the bench crate — the library forbids
//! unsafe code.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

pub struct Counting;

/// Counting costs a few atomic operations per allocation, which would distort the timings:
/// it is on only while allocations are being measured.
static ENABLED: AtomicBool = AtomicBool::new(false);

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && ENABLED.load(Relaxed) {
            record_alloc(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if ENABLED.load(Relaxed) {
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && ENABLED.load(Relaxed) {
            LIVE.fetch_sub(layout.size(), Relaxed);
            record_alloc(new_size);
        }
        p
    }
}

fn record_alloc(size: usize) {
    ALLOCS.fetch_add(1, Relaxed);
    BYTES.fetch_add(size, Relaxed);
    let live = LIVE.fetch_add(size, Relaxed).wrapping_add(size);
    PEAK.fetch_max(live, Relaxed);
}

/// Runs `f` with counting on and returns (allocations, bytes, peak live bytes above the start).
/// Frees of memory allocated before counting started lower the live figure, so the peak is
/// measured from the live size at the start (wrapping arithmetic keeps that consistent).
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, usize, usize) {
    let (a0, b0) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
    let live0 = LIVE.load(Relaxed);
    PEAK.store(live0, Relaxed);
    ENABLED.store(true, Relaxed);
    let out = f();
    ENABLED.store(false, Relaxed);
    let (a1, b1) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
    let peak = PEAK.load(Relaxed).wrapping_sub(live0);
    (out, a1 - a0, b1 - b0, peak)
}
