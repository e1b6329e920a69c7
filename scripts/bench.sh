#!/usr/bin/env bash
# Builds the 100k (and, with KEHU_BENCH_1M=1, the 1M) demo databases once per database format,
# cached under target/bench-db/, then prints every benchmark figure as `name value unit` lines:
#   store    open, read, classify, fit, reclassify everyone, edit commit, db bytes, resident memory
#   memory   heap bytes per customer of what the console keeps (counting allocator)
#   undo     u through the console's path per kind of change: the runtime's and the console's share
#   console  search keystrokes through App::update, frame render
#   search   the search index alone, per query kind and per key
#   peer     kehu's search beside `fzf --filter` on the same lines (installs fzf when missing)
#   matcher  fuzzy-matcher (the design's) beside nucleo-matcher on the index's own keys
#   process  `kehu segments` and `kehu show REF`, whole process: from kept counts, a next day
#            from kept classes, and afresh
#   import   purchases per second of `kehu import` into an empty database
#   pty      the real binary in a pseudo-terminal: first frame, bytes per key, resident memory
#   serve    kehu serve with 1 and 20 OpenSSH consoles: resident memory, keystroke round trip
#   cdnow    import + classes export beside the lifetimes pipeline (scripts/cdnow_vs_lifetimes.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
kehu=target/release/kehu

if ! command -v fzf >/dev/null; then
  echo "# installing fzf for the peer comparison" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y fzf >/dev/null 2>&1 || echo "# could not install fzf: peer figures are kehu's only" >&2
fi

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
  KEHU_BENCH_DB="$db" cargo bench --quiet --bench memory 2>/dev/null | sed "s/^/${n}_/"
  KEHU_BENCH_DB="$db" cargo bench --quiet --bench undo 2>/dev/null | sed "s/^/${n}_/"
  KEHU_BENCH_CUSTOMERS="$n" cargo bench --quiet --bench console 2>/dev/null | sed "s/^/${n}_/"
  python3 scripts/pty_measure.py "$kehu" "$db" 2026-11-25 | sed "s/^/${n}_/"
  # kehu serve with 20 OpenSSH consoles: resident memory with 1 and 20 (they share one shop).
  if command -v ssh >/dev/null && command -v ssh-keygen >/dev/null; then
    python3 scripts/serve_measure.py "$kehu" "$db" 20 2026-11-25 | sed "s/^/${n}_/"
  else
    echo "# no OpenSSH client: the serve figures are skipped" >&2
  fi

  # Whole commands as a phone worker or a script runs them (median of 5): `segments` and
  # `show REF` reading the counts kept by the last whole-shop classification; on a later day,
  # taking up the kept classes of the day before (each run the next day: a new day, the whole
  # shop, as a process sees it); and classifying the whole shop afresh (each run under rules of
  # its own — the value threshold moved by a cent — which no kept classes were made under).
  ref=$("$kehu" export --db "$db" --kind customers --as-of 2026-11-25 2>/dev/null |
    awk -F, 'NR > 1 && $2 != "" { print $2; exit }')
  for cmd in segments "show $ref"; do
    name=${cmd%% *}
    # shellcheck disable=SC2086
    "$kehu" $cmd --db "$db" --as-of 2026-11-25 >/dev/null 2>&1 || true
    kept=$(for _ in 1 2 3 4 5; do
      start=$(date +%s.%N)
      # shellcheck disable=SC2086
      "$kehu" $cmd --db "$db" --as-of 2026-11-25 >/dev/null 2>&1 || true
      echo "$(date +%s.%N) - $start" | bc
    done | sort -n | sed -n 3p)
    next=$(for d in 26 27 28 29 30; do
      start=$(date +%s.%N)
      # shellcheck disable=SC2086
      "$kehu" $cmd --db "$db" --as-of "2026-11-$d" >/dev/null 2>&1 || true
      echo "$(date +%s.%N) - $start" | bc
    done | sort -n | sed -n 3p)
    rules=$(mktemp)
    fresh=$(for c in 1 2 3 4 5; do
      printf '[value]\nmedium = 1000.%02d\n' "$c" >"$rules"
      start=$(date +%s.%N)
      # shellcheck disable=SC2086
      "$kehu" $cmd --db "$db" --as-of 2026-11-30 --rules "$rules" >/dev/null 2>&1 || true
      echo "$(date +%s.%N) - $start" | bc
    done | sort -n | sed -n 3p)
    echo "${n}_${name}_kept_process $kept s"
    rm -f "$rules"
    echo "${n}_${name}_next_day_process $next s"
    echo "${n}_${name}_fresh_process $fresh s"
  done

  # The next command after a sale: `segments` catching the kept classes up with the one
  # customer the sale touched (median of 5, each after one more sale), on a copy of the
  # database so that the shop measured above stays as it is.
  copy=$(mktemp -d)
  cp -r "$db/." "$copy/"
  "$kehu" segments --db "$copy" --as-of 2026-11-25 >/dev/null 2>&1 || true
  after=$(for i in 1 2 3 4 5; do
    printf 'ref,date,amount\n%s,2026-11-25,1%d.00\n' "$ref" "$i" >"$copy.csv"
    "$kehu" import --db "$copy" --as-of 2026-11-25 --kind purchases "$copy.csv" >/dev/null 2>&1
    start=$(date +%s.%N)
    "$kehu" segments --db "$copy" --as-of 2026-11-25 >/dev/null 2>&1 || true
    echo "$(date +%s.%N) - $start" | bc
  done | sort -n | sed -n 3p)
  echo "${n}_segments_after_a_sale_process $after s"
  rm -rf "$copy" "$copy.csv"

  # Import: the first 200,000 purchases (of customers with a card number) of the demo shop into
  # an empty database, customers created from the refs, in one all-or-nothing transaction. Sales
  # paid from stored value are left out: the new database holds no balance to pay them from.
  work=$(mktemp -d)
  "$kehu" export --db "$db" --kind purchases --as-of 2026-11-25 --out "$work/all.csv" 2>/dev/null
  # awk stops by itself: `| head` would end it with SIGPIPE, which pipefail makes fatal.
  awk -F, 'NR == 1 || ($3 != "" && $10 != "stored_value") { print; if (++n == 200001) exit }' \
    "$work/all.csv" >"$work/purchases.csv"
  rows=$(($(wc -l <"$work/purchases.csv") - 1))
  start=$(date +%s.%N)
  "$kehu" import --db "$work/db" --kind purchases --create-missing --as-of 2026-11-25 \
    "$work/purchases.csv" >/dev/null
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  echo "${n}_import_purchases_per_s $(echo "$rows / $secs" | bc) purchases/s"
  rm -rf "$work"
done

# These generate their own customers (100k; 1M too with KEHU_BENCH_1M=1).
cargo bench --quiet --bench search 2>/dev/null
cargo bench --quiet --bench peer 2>/dev/null
cargo bench --quiet --bench matcher 2>/dev/null

# kehu beside the Python lifetimes pipeline on the full CDNOW log (installs lifetimes into a
# virtual environment under target/ once; KEHU_BENCH_CDNOW=0 skips it on a machine offline).
if [ "${KEHU_BENCH_CDNOW:-1}" = 1 ]; then
  scripts/cdnow_vs_lifetimes.sh || echo "# the CDNOW comparison could not run (lifetimes not installable?)" >&2
fi
