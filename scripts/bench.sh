#!/usr/bin/env bash
# Builds the 100k (and, with KEHU_BENCH_1M=1, the 1M) demo databases once per database format,
# cached under target/bench-db/, then prints every benchmark figure as `name value unit` lines.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
kehu=target/release/kehu
sizes=(100000)
[ "${KEHU_BENCH_1M:-0}" = 1 ] && sizes+=(1000000)
# A new database format needs fresh databases: a cached one of an older format would measure
# the old record layout (kehu reads it, but only rewrites records that change).
format=$(sed -n 's/^pub const FORMAT: u32 = \([0-9]*\);/\1/p' src/store/sled_store.rs)
for n in "${sizes[@]}"; do
  db="target/bench-db/demo-$n-format$format"
  if [ ! -e "$db/.complete" ]; then
    rm -rf "$db"
    echo "# building $db (once)" >&2
    start=$(date +%s.%N)
    "$kehu" demo --db "$db" --customers "$n" --seed 7 --as-of 2026-11-25 >&2
    echo "demo_generate_$n $(echo "$(date +%s.%N) - $start" | bc) s"
    touch "$db/.complete"
  fi
  echo "# $n customers"
  KEHU_BENCH_DB="$db" cargo bench --quiet --bench store 2>/dev/null | sed "s/^/${n}_/"
  KEHU_BENCH_CUSTOMERS="$n" cargo bench --quiet --bench console 2>/dev/null | sed "s/^/${n}_/"
  python3 scripts/pty_measure.py "$kehu" "$db" 2026-11-25 | sed "s/^/${n}_/"
done
