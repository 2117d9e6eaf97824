//! A gzip whose content is gzip again (`.gz.gz`) inflated its second layer without bound: each
//! step of the first layer (1 MiB) was handed whole to the second, so a 1 KB file of spaces took
//! over a gigabyte at once. Fixed in src/split.rs (every layer inflates in bounded steps).
//! Memory is measured as this thread's peak allocation (a counting allocator, below).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use cloudfront_trail::{transform_log, Options};
use miniz_oxide::deflate::compress_to_vec;

struct Counting;

thread_local! {
    static NOW: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let _ = NOW.try_with(|n| {
            n.set(n.get() + l.size());
            let _ = PEAK.try_with(|p| p.set(p.get().max(n.get())));
        });
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        let _ = NOW.try_with(|n| n.set(n.get().saturating_sub(l.size())));
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let _ = NOW.try_with(|n| {
            n.set(n.get().saturating_sub(l.size()) + new);
            let _ = PEAK.try_with(|pk| pk.set(pk.get().max(n.get())));
        });
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    v.extend_from_slice(&compress_to_vec(data, 9));
    v.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v
}

#[test]
fn each_gzip_layer_inflates_in_bounded_steps() {
    let mut content = vec![b' '; 256 << 20];
    content.extend_from_slice(br#"{"eventName":"Last"}"#);
    let gzgz = gzip(&gzip(&content));
    drop(content);
    assert!(gzgz.len() < 64 << 10, "{} bytes", gzgz.len());
    NOW.with(|n| PEAK.with(|p| p.set(n.get())));
    let before = PEAK.with(Cell::get);
    let log = transform_log(&gzgz, &Options::default()).unwrap();
    let peak = PEAK.with(Cell::get) - before;
    assert_eq!(log.records.len(), 1);
    assert!(log.gzip);
    assert!(peak < 32 << 20, "reading 256 MiB through two gzip layers peaked at {} MiB", peak >> 20);
}
