#!/usr/bin/env bash
# One `camguard lab` process serving many devices: start time, memory, open files, and a spot
# check that devices at the start, middle and end answer HTTP and RTSP (and that an address
# outside the lab does not).
#
# Usage: bench/lab_scale.sh [DEVICES=10000]            generated lab (`--devices`)
#        LAB_FILE=data/lab/vietnam-estate.toml bench/lab_scale.sh   a lab file instead
# Environment: PORT_OFFSET (default 25000, keeps clear of labs on the real ports),
#              BASE (default 127.20.0.1), SKIP_BUILD=1 to use the existing release binary.
# Prints one line of figures; see docs/benchmarks.md ("Lab scale") for the latest.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
offset=${PORT_OFFSET:-25000}
base=${BASE:-127.20.0.1}
bin=target/release/camguard
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --quiet -p camguard
source bench/lib.sh

if [ -n "${LAB_FILE:-}" ]; then
  what=(--file "$LAB_FILE")
else
  what=(--devices "$n" --seed 1)
fi
start=$(date +%s.%N)
"$bin" lab "${what[@]}" --base "$base" --port-offset "$offset" \
  --manifest "$tmp/manifest.json" > "$tmp/stdout.json" 2> "$tmp/lab.err" &
lab_pid=$!
# The lab says "… devices running" on stderr once every listener is up and the manifest is out.
for _ in $(seq 1 600); do
  grep -q "devices running" "$tmp/lab.err" 2>/dev/null && break
  kill -0 "$lab_pid" 2>/dev/null || { cat "$tmp/lab.err"; exit 1; }
  sleep 0.05
done
ready=$(date +%s.%N)
grep -q "devices running" "$tmp/lab.err" || { echo "lab not ready after 30 s"; cat "$tmp/lab.err"; exit 1; }

status() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$lab_pid/status"; }
rss_ready=$(status VmRSS)
fds=$(ls "/proc/$lab_pid/fd" | wc -l)

# Spot checks: first, middle and last device; HTTP answers 200 or 401, RTSP OPTIONS answers.
read -r -a picks < <(python3 - "$tmp/manifest.json" <<'PY'
import json, sys
devs = json.load(open(sys.argv[1]))["devices"]
for d in (devs[0], devs[len(devs) // 2], devs[-1]):
    print(d["address"], d["ports"].get("http", 0), d["ports"].get("rtsp", 0), end=" ")
print()
PY
)
devices=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['devices']))" "$tmp/manifest.json")
checks=0
for ((i = 0; i < ${#picks[@]}; i += 3)); do
  ip=${picks[i]} http=${picks[i + 1]} rtsp=${picks[i + 2]}
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://$ip:$http/")
  case "$code" in 200 | 401) ;; *) echo "FAIL: http://$ip:$http/ answered $code"; exit 1 ;; esac
  line=$(exec 3<>"/dev/tcp/$ip/$rtsp" && printf 'OPTIONS rtsp://%s:%s/ RTSP/1.0\r\nCSeq: 1\r\n\r\n' "$ip" "$rtsp" >&3 &&
    timeout 5 head -n 1 <&3 | tr -d '\r')
  case "$line" in "RTSP/1.0 200"* | "RTSP/1.0 401"*) ;; *) echo "FAIL: rtsp://$ip:$rtsp/ answered '$line'"; exit 1 ;; esac
  checks=$((checks + 2))
done
# An address outside the lab must not be served, whatever the listening mode.
outside=$(python3 -c "import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]) + int(sys.argv[2]) + 5)" "$base" "$devices")
port=${picks[1]}
code=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "http://$outside:$port/" || true)
[ "$code" = 000 ] || { echo "FAIL: $outside (outside the lab) answered $code"; exit 1; }

python3 - "$devices" "$start" "$ready" "$rss_ready" "$(status VmHWM)" "$fds" "$checks" "${LAB_FILE:---devices $n}" <<'PY'
import sys
devices, start, ready, rss, hwm, fds, checks, what = sys.argv[1:]
print(f"devices={devices} start={float(ready) - float(start):.2f}s rss={int(rss) / 1024:.1f}MiB "
      f"peak_rss={int(hwm) / 1024:.1f}MiB open_fds={fds} spot_checks={checks}/6 ok "
      f"outside_address=refused lab='{what}'")
PY
