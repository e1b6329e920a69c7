//! The kinds of damage the issue lists, and how each is done to a copy of a shop with
//! positions drawn from a seeded stream.

use super::SEGMENT;
use super::shop::Way;
use crate::common::dbfiles::{daily_backups, journal_segments, newest_snapshot};
use kehu::demo::rng::Rng;
use std::path::Path;

/// The kinds of damage; the second field: only for copies with a journal and a backup.
pub const KINDS: &[(&str, bool)] = &[
    ("db: truncated anywhere", false),
    ("db: last ≤1 MiB cut off", false),
    ("db: truncated to 524288", false),
    ("db: truncated to 0", false),
    ("db: bit flips anywhere", false),
    ("db: 1 bit flipped in last 100 KB", false),
    ("db: 512 KiB halves swapped", false),
    ("db: two segments swapped", false),
    ("db: 4 KiB page zeroed", false),
    ("db: 512 KiB segment zeroed", false),
    ("db: deleted", false),
    ("conf: truncated", false),
    ("conf: bit flip", false),
    ("conf: deleted", false),
    ("conf: garbage over it", false),
    ("snap: truncated", false),
    ("snap: bit flips", false),
    ("snap: 4 KiB page zeroed", false),
    ("snap: deleted", false),
    ("snap: garbage over it", false),
    ("snap: garbage snap.FFFF… added", false),
    ("blobs/: deleted", false),
    ("journal: segment truncated", true),
    ("journal: bit flips in segment", true),
    ("journal: segment deleted", true),
    ("journal: directory deleted", true),
    ("journal: garbage over segment", true),
    ("journal: garbage segment added", true),
    ("backup: garbage over it", true),
    ("backup: truncated", true),
];

/// Every (way, kind) pair: first each kind once, with and without the journal in turn (the
/// default run), then each kind the other way.
pub fn pairs() -> Vec<(Way, &'static str)> {
    let first =
        |i: usize, journal_only: bool| if journal_only || i % 2 == 1 { Way::Journal } else { Way::Records };
    let mut out: Vec<(Way, &str)> =
        KINDS.iter().enumerate().map(|(i, &(kind, only))| (first(i, only), kind)).collect();
    for (i, &(kind, only)) in KINDS.iter().enumerate() {
        if !only {
            let other = if first(i, only) == Way::Journal { Way::Records } else { Way::Journal };
            out.push((other, kind));
        }
    }
    out
}

/// Whether damage `kind` touches only sled's own files (not the journal, not the backup).
pub fn sled_only(kind: &str) -> bool {
    ["db:", "conf:", "snap:", "blobs/:"].iter().any(|p| kind.starts_with(p))
}

/// A number in `lo..hi` (`lo` when the range is empty).
fn between(rng: &mut Rng, lo: u64, hi: u64) -> u64 {
    if hi <= lo { lo } else { lo + rng.below(hi - lo) }
}

fn random_bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.next_u64() as u8).collect()
}

fn flip_bits(bytes: &mut [u8], lo: usize, flips: u64, rng: &mut Rng) -> Vec<usize> {
    let mut at = Vec::new();
    for _ in 0..flips {
        let pos = between(rng, lo as u64, bytes.len() as u64) as usize;
        bytes[pos] ^= 1 << rng.below(8);
        at.push(pos);
    }
    at
}

/// Swaps the starts of 512 KiB segments `lo` < `hi` of `bytes`, as much of them as there is (the
/// last segment of sled's file is usually short); returns how many bytes each.
fn swap_segments(bytes: &mut [u8], lo: usize, hi: usize) -> usize {
    let n = SEGMENT.min(bytes.len() - hi * SEGMENT);
    let (a, b) = bytes.split_at_mut(hi * SEGMENT);
    a[lo * SEGMENT..lo * SEGMENT + n].swap_with_slice(&mut b[..n]);
    n
}

/// Applies damage `kind` to the database in `db` with positions drawn from `rng`; returns what
/// was done, in words (for a reproduction).
pub fn damage(db: &Path, kind: &str, rng: &mut Rng) -> String {
    let (target, what) = kind.split_once(": ").unwrap();
    let file = match target {
        "db" => Some(db.join("db")),
        "conf" => Some(db.join("conf")),
        "snap" => newest_snapshot(db),
        "journal" => journal_segments(db).pop().map(|(_, p)| p),
        "backup" => daily_backups(db).pop(),
        _ => None,
    };
    let name = |p: &Path| p.strip_prefix(db.parent().unwrap()).unwrap().display().to_string();
    match what {
        "deleted" | "directory deleted" | "segment deleted" => {
            let p = match target {
                "blobs/" => db.join("blobs"),
                "journal" if what == "directory deleted" => db.join("journal"),
                _ => file.expect("the file to delete"),
            };
            if p.is_dir() {
                std::fs::remove_dir_all(&p).unwrap();
            } else {
                std::fs::remove_file(&p).unwrap();
            }
            format!("rm -r {}", name(&p))
        }
        "garbage snap.FFFF… added" => {
            let p = db.join("snap.FFFFFFFFFFFFFFFF");
            let n = between(rng, 1, 16 << 10) as usize;
            std::fs::write(&p, random_bytes(rng, n)).unwrap();
            format!("{n} random bytes written to {}", name(&p))
        }
        "garbage segment added" => {
            let last = file.expect("a journal segment");
            let base: u64 = last.file_stem().unwrap().to_str().unwrap().parse().unwrap();
            let p = last.with_file_name(format!("{:020}.kj", base + between(rng, 1, 10_000)));
            let n = between(rng, 1, 64 << 10) as usize;
            std::fs::write(&p, random_bytes(rng, n)).unwrap();
            format!("{n} random bytes written to a new segment {}", name(&p))
        }
        _ => {
            let file = file.unwrap_or_else(|| panic!("no file for {kind}"));
            format!("{}: {}", name(&file), damage_bytes(&file, what, rng))
        }
    }
}

/// Damages the bytes of `file` as `what` says; returns what was done.
fn damage_bytes(file: &Path, what: &str, rng: &mut Rng) -> String {
    let mut bytes = std::fs::read(file).unwrap();
    let len = bytes.len();
    let done = match what {
        "truncated anywhere" | "truncated" | "segment truncated" => {
            let at = between(rng, 0, len as u64) as usize;
            bytes.truncate(at);
            format!("truncated to {at} of {len} bytes")
        }
        "last ≤1 MiB cut off" => {
            let cut = between(rng, 1, len.min(1 << 20) as u64 + 1) as usize;
            bytes.truncate(len - cut);
            format!("{cut} bytes cut off the end of {len}")
        }
        "truncated to 524288" => {
            bytes.truncate(SEGMENT.min(len));
            format!("truncated to 524288 of {len} bytes")
        }
        "truncated to 0" => {
            bytes.clear();
            format!("truncated to 0 of {len} bytes")
        }
        "bit flips anywhere" | "bit flips" | "bit flips in segment" | "bit flip" => {
            let flips = if what == "bit flip" { 1 } else { between(rng, 1, 17) };
            let at = flip_bits(&mut bytes, 0, flips, rng);
            format!("{flips} bit(s) flipped at byte(s) {at:?} of {len}")
        }
        "1 bit flipped in last 100 KB" => {
            let at = flip_bits(&mut bytes, len.saturating_sub(100_000), 1, rng);
            format!("1 bit flipped at byte {at:?} of {len}")
        }
        "512 KiB halves swapped" => {
            let n = swap_segments(&mut bytes, 0, 1);
            format!("bytes 0..{n} and 524288..{} swapped ({len} bytes)", SEGMENT + n)
        }
        "two segments swapped" => {
            let segments = len.div_ceil(SEGMENT);
            let i = between(rng, 0, segments as u64) as usize;
            let j = (i + between(rng, 1, segments as u64) as usize) % segments;
            let n = swap_segments(&mut bytes, i.min(j), i.max(j));
            format!("{n} bytes of 512 KiB segments {} and {} swapped ({len} bytes)", i.min(j), i.max(j))
        }
        "4 KiB page zeroed" => {
            let page = between(rng, 0, len.div_ceil(4096) as u64) as usize * 4096;
            bytes[page..(page + 4096).min(len)].fill(0);
            format!("4 KiB page at {page} zeroed ({len} bytes)")
        }
        "512 KiB segment zeroed" => {
            let seg = between(rng, 0, len.div_ceil(SEGMENT) as u64) as usize * SEGMENT;
            bytes[seg..(seg + SEGMENT).min(len)].fill(0);
            format!("512 KiB segment at {seg} zeroed ({len} bytes)")
        }
        "garbage over it" | "garbage over segment" => {
            let n = between(rng, 1, len.max(64) as u64 * 2) as usize;
            bytes = random_bytes(rng, n);
            format!("replaced by {n} random bytes (was {len})")
        }
        other => panic!("unknown damage {other}"),
    };
    std::fs::write(file, &bytes).unwrap();
    done
}
