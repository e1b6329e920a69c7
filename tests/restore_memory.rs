//! A crafted backup cannot make `restore` (or the check before it) take memory in proportion to
//! the file: a 20 MB file of 2.3 million empty entries used to be read whole into memory
//! (~48 bytes an entry, 621 MB for 100 MB of file) before its checksum refused it. This binary
//! counts every allocation (its one test runs alone in it) and bounds the peak.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
            let now = IN_USE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// A version 2 header with a right checksum, then one tree of `entries` empty entries whose
/// block ends with a wrong count and checksum.
fn crafted(entries: usize) -> Vec<u8> {
    let mut head = b"KEHUBAK\0".to_vec();
    head.extend_from_slice(&2u32.to_le_bytes());
    head.extend_from_slice(&kehu::store::FORMAT.to_le_bytes());
    head.extend_from_slice(&0u64.to_le_bytes());
    head.extend_from_slice(&0u64.to_le_bytes());
    let crc = crc32fast::hash(&head);
    head.extend_from_slice(&crc.to_le_bytes());
    head.push(1);
    head.extend_from_slice(&9u16.to_le_bytes());
    head.extend_from_slice(b"customers");
    let mut file = Vec::with_capacity(head.len() + entries * 9 + 16);
    file.extend_from_slice(&head);
    for _ in 0..entries {
        file.push(1);
        file.extend_from_slice(&0u32.to_le_bytes());
        file.extend_from_slice(&0u32.to_le_bytes());
    }
    file.push(0);
    file.extend_from_slice(&7u64.to_le_bytes());
    file.extend_from_slice(&0u32.to_le_bytes());
    file
}

#[test]
fn a_crafted_backup_is_refused_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crafted.kehubak");
    std::fs::write(&path, crafted(2_300_000)).unwrap();
    let target = dir.path().join("db");
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let refused = kehu::store::restore_from(&path, &target).expect_err("a crafted backup was restored");
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert!(refused.to_string().contains("damaged"), "{refused}");
    assert!(!target.exists(), "a refused restore wrote {}", target.display());
    assert!(peak < 16 << 20, "restore took {} MB to refuse a 20 MB file", peak >> 20);

    // An entry claiming more bytes than the file holds is refused before it is read.
    let mut short = crafted(0);
    short.truncate(short.len() - 13);
    short.push(1);
    short.extend_from_slice(&(60u32 << 20).to_le_bytes());
    std::fs::write(&path, &short).unwrap();
    PEAK.store(IN_USE.load(Ordering::Relaxed), Ordering::Relaxed);
    let before = IN_USE.load(Ordering::Relaxed);
    let refused = kehu::store::verify_backup(&path).expect_err("a truncated backup was taken");
    assert!(refused.to_string().contains("longer than the rest of the file"), "{refused}");
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert!(peak < 1 << 20, "a 60 MB entry length took {} KB before the refusal", peak >> 10);
}
