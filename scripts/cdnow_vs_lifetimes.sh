#!/usr/bin/env bash
# kehu beside the Python `lifetimes` library on the full CDNOW log (23,570 customers, 69,659
# purchases, shipped inside lifetimes), whole processes, in turns, in one run:
#
#   kehu       `kehu import --kind purchases --create-missing` into an empty database, then
#              `kehu export --kind classes` (every class of every customer, the BG/NBD fit,
#              P(alive), 90-day expectation and 12-month value) to a file
#   lifetimes  read the log (pandas), summarise it per customer (daily), fit BG/NBD, P(alive)
#              and the 90-day expectation, fit Gamma-Gamma on repeat buyers, 12-month value,
#              written to a CSV
#
# Both run as of 1998-06-30 (the log's end). Converting the whitespace log into kehu's CSV
# (`ref,date,quantity,amount`) is done once, outside the timing; lifetimes reads the raw log.
#
# lifetimes is installed into a virtual environment under target/ (never by `cargo test`).
# Prints `name value unit` lines: each side's median and spread over RUNS runs (default 7), and
# the ratio of the medians. Run from the repository root: scripts/cdnow_vs_lifetimes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-7}
venv=target/lifetimes-venv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import lifetimes' 2>/dev/null; then
  echo "# installing lifetimes into $venv (once)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q lifetimes >&2
fi
py="$venv/bin/python"
master=$("$py" -c 'import lifetimes, os; print(os.path.join(os.path.dirname(lifetimes.__file__), "datasets", "CDNOW_master.txt"))')
[ -f "$master" ] || { echo "no CDNOW_master.txt in the lifetimes package" >&2; exit 1; }

cargo build --release --quiet
kehu=$PWD/target/release/kehu

awk 'BEGIN { print "ref,date,quantity,amount" } { sub(/\r$/, "") } NF == 4 && $1 ~ /^[0-9]+$/ { printf "C%s,%s,%s,%s\n", $1, $2, $3, $4 }' \
  "$master" > "$work/cdnow.csv"
echo "# $(($(wc -l < "$work/cdnow.csv") - 1)) purchases in $master" >&2

cat > "$work/pipeline.py" <<'EOF'
import sys
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

log = pd.read_csv(sys.argv[1], sep=r"\s+", header=0, names=["id", "date", "cds", "amount"],
                  dtype={"id": str, "date": str})
log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
s = summary_data_from_transaction_data(log, "id", "date", monetary_value_col="amount",
                                       observation_period_end="1998-06-30", freq="D")
bg = BetaGeoFitter(penalizer_coef=0.0).fit(s["frequency"], s["recency"], s["T"])
s["p_alive"] = bg.conditional_probability_alive(s["frequency"], s["recency"], s["T"])
s["expected_90d"] = bg.conditional_expected_number_of_purchases_up_to_time(
    90, s["frequency"], s["recency"], s["T"])
repeat = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
gg = GammaGammaFitter(penalizer_coef=0.0).fit(repeat["frequency"], repeat["monetary_value"])
s["clv_12m"] = gg.customer_lifetime_value(bg, s["frequency"], s["recency"], s["T"],
                                          s["monetary_value"], time=12, freq="D", discount_rate=0.0)
s.to_csv(sys.argv[2])
EOF

now() { date +%s.%N; }
kehu_once() {
  rm -rf "$work/db"
  local start; start=$(now)
  "$kehu" import --db "$work/db" --kind purchases --create-missing --as-of 1998-06-30 "$work/cdnow.csv" >/dev/null
  "$kehu" export --db "$work/db" --kind classes --as-of 1998-06-30 > "$work/kehu.csv"
  echo "$(now) - $start" | bc
}
lifetimes_once() {
  local start; start=$(now)
  "$py" "$work/pipeline.py" "$master" "$work/lifetimes.csv"
  echo "$(now) - $start" | bc
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
spread() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }

# One warm-up each (page cache, Python's bytecode cache), then in turns.
kehu_once >/dev/null
lifetimes_once >/dev/null 2>&1
: > "$work/k"; : > "$work/l"
for _ in $(seq "$runs"); do
  kehu_once >> "$work/k"
  lifetimes_once 2>/dev/null >> "$work/l"
done
customers=$(($(wc -l < "$work/kehu.csv") - 1))
echo "cdnow_customers $customers customers"
echo "cdnow_kehu_import_and_classes $(median < "$work/k") s (runs $(spread < "$work/k"))"
echo "cdnow_lifetimes_pipeline $(median < "$work/l") s (runs $(spread < "$work/l"))"
echo "cdnow_ratio $(echo "scale=2; $(median < "$work/l") / $(median < "$work/k")" | bc) x"
