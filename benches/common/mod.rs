//! Helpers the benchmark binaries share (each is its own crate, so each uses only a part).
#![allow(dead_code)]

use chrono::NaiveDate;
use kehu::demo::{DemoSpec, generate};
use kehu::domain::Customer;
use std::convert::Infallible;
use std::time::Duration;

/// The demo shop's customer records alone (purchases dropped chunk by chunk to save memory).
pub fn customers(n: u64, today: NaiveDate) -> Vec<Customer> {
    let mut out = Vec::with_capacity(n as usize);
    let _ = generate::<Infallible>(&DemoSpec::new(n, 7, today), 10_000, &mut |set| {
        out.extend(set.customers);
        Ok(())
    });
    out
}

/// The `p` quantile of `samples` in ms (0 when there are none).
pub fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// Rounds per query (`KEHU_BENCH_ROUNDS`, else 15).
pub fn rounds() -> usize {
    std::env::var("KEHU_BENCH_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(15)
}

/// Copies a database directory (benchmarks change a copy, never the cached database); the
/// bytes copied.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<u64> {
    std::fs::create_dir_all(to)?;
    let mut bytes = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            bytes += copy_dir(&entry.path(), &target)?;
        } else {
            bytes += std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(bytes)
}
