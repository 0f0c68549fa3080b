#!/usr/bin/env bash
# Measure a full scan of a generated camera lab: wall time, hosts/s, peak memory of scanner and lab.
# Usage: bench/scan_lab.sh [DEVICES=200] [extra scan args…]
# Prints one line of figures; see docs/benchmarks.md for the latest.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}; shift || true
bin=target/release/camguard
cargo build --release --quiet
base=127.0.30.1
tmp=$(mktemp -d); trap 'pkill -INT -P $lab_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
/usr/bin/time -f "%M" -o "$tmp/lab.rss" "$bin" lab --devices "$n" --seed 1 --base "$base" \
  --manifest "$tmp/manifest.json" > /dev/null 2> "$tmp/lab.err" &
lab_pid=$!
for _ in $(seq 1 200); do [ -s "$tmp/manifest.json" ] && break; sleep 0.1; done
[ -s "$tmp/manifest.json" ] || { cat "$tmp/lab.err"; exit 1; }
ports=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(','.join(sorted({str(p) for d in m['devices'] for p in d['ports'].values()})))" "$tmp/manifest.json")
last=$(python3 -c "import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]) + int(sys.argv[2]) - 1)" "$base" "$n")
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$tmp/scan.rss" "$bin" scan "$base-$last" --ports "$ports" --no-db --quiet \
  --output "$tmp/out.jsonl" "$@" 2> "$tmp/scan.err"
end=$(date +%s.%N)
# /usr/bin/time ignores SIGINT: signal the lab itself, its child.
pkill -INT -P $lab_pid; wait $lab_pid 2>/dev/null || true
live=$(wc -l < "$tmp/out.jsonl")
python3 - "$n" "$live" "$start" "$end" "$(cat "$tmp/scan.rss")" "$(cat "$tmp/lab.rss" 2>/dev/null || echo '?')" "$*" <<'PY'
import sys
n, live, s, e, scan_rss, lab_rss, extra = sys.argv[1:]
wall = float(e) - float(s)
print(f"devices={n} live={live} wall={wall:.2f}s hosts/s={int(n)/wall:.1f} "
      f"scan_max_rss={int(scan_rss)/1024:.1f}MiB lab_max_rss={lab_rss}KiB args='{extra}'")
PY
