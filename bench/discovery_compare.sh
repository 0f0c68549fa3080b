#!/usr/bin/env bash
# Raw TCP discovery speed: camguard (`scan --discovery-only`) vs Debian's nmap (`-sT`, connect
# scan) vs the machine's own connect limit (crates/scan/examples/connect_limit.rs: tokio, N
# connects in flight, nothing else), over the /22 around a generated lab on the camera port
# set. Prints probes/s for each (best of REPS runs, wall time of the whole command) and fails
# unless all three found exactly the open (address, port) set of the lab manifest.
#
# Usage: bench/discovery_compare.sh [DEVICES=500]    (needs nmap; as root the lab uses the
#        cameras' real ports, otherwise ports shifted by 10000 and the scan follows them)
# Environment: BASE (default 127.0.41.1), PREFIX (default 22), REPS (default 3),
#              PORTS (default: the default camera port set of data/scan/ports.toml),
#              CAMGUARD_ARGS (default "--rate 1000000 --concurrency 512"),
#              NMAP_ARGS (default "--min-rate 100000"), IN_FLIGHT (connect_limit, default 256),
#              SKIP_BUILD=1 to use the existing release binaries, CPU=1 to add one run of each
#              under /usr/bin/time (user and system CPU seconds, wall time).
# See docs/benchmarks.md ("Discovery speed: camguard vs nmap vs the connect limit").
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-500}
base=${BASE:-127.0.41.1}
prefix=${PREFIX:-22}
reps=${REPS:-3}
in_flight=${IN_FLIGHT:-256}
read -r -a cg_args <<< "${CAMGUARD_ARGS:---rate 1000000 --concurrency 512}"
read -r -a nmap_args <<< "${NMAP_ARGS:---min-rate 100000}"
command -v nmap >/dev/null || { echo "nmap is missing (apt-get install nmap)" >&2; exit 1; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --quiet -p camguard
  cargo build --release --quiet -p camguard-scan --example connect_limit
fi
source bench/lib.sh
cp target/release/camguard "$tmp/camguard"
limit=target/release/examples/connect_limit

"$tmp/camguard" lab --devices "$devices" --seed 1 --base "$base" --manifest "$tmp/manifest.json" \
  > /dev/null 2> "$tmp/lab.err" &
lab_pid=$!
for _ in $(seq 1 600); do
  grep -q "devices running" "$tmp/lab.err" 2>/dev/null && break
  kill -0 "$lab_pid" 2>/dev/null || { cat "$tmp/lab.err" >&2; exit 1; }
  sleep 0.05
done
grep -q "devices running" "$tmp/lab.err" || { echo "lab not ready" >&2; exit 1; }

# Network, first address and size of the scan; the port set (camera defaults plus whatever the
# lab listens on, so an unprivileged lab's shifted ports are covered); the expected open set.
read -r net first count ports < <(python3 - "$tmp/manifest.json" "$base" "$prefix" "${PORTS:-}" \
  "$tmp/expected" <<'PY'
import ipaddress, json, sys, tomllib
manifest, base, prefix, ports, expected = sys.argv[1:]
net = ipaddress.ip_network(f"{base}/{prefix}", strict=False)
devs = json.load(open(manifest))["devices"]
if ports:
    port_set = {int(p) for p in ports.split(",")}
else:
    table = tomllib.load(open("data/scan/ports.toml", "rb"))
    port_set = {p["port"] for p in table["port"] if p.get("default", True)}
    port_set |= {p for d in devs for p in d["ports"].values()}
pairs = sorted({(ipaddress.ip_address(d["address"]), p) for d in devs for p in d["ports"].values()
                if p in port_set and ipaddress.ip_address(d["address"]) in net})
open(expected, "w").write("".join(f"{a} {p}\n" for a, p in pairs))
print(net, net.network_address, net.num_addresses, ",".join(map(str, sorted(port_set))))
PY
)
nports=$(tr ',' '\n' <<< "$ports" | wc -l)
probes=$((count * nports))

now() { date +%s%N; }
best() { sort -n | head -1; }
# run NAME CMD…: REPS timed runs; prints the best wall time in ms.
run() {
  local name=$1; shift
  for _ in $(seq 1 "$reps"); do
    local t0; t0=$(now)
    "$@" > "$tmp/$name.stdout" 2> "$tmp/$name.stderr" || { cat "$tmp/$name.stderr" >&2; exit 1; }
    echo $(( ($(now) - t0) / 1000000 ))
  done | best
}

ms_limit=$(run limit "$limit" "$first" "$count" "$ports" "$in_flight" 1000 "$tmp/limit.open")
ms_cg=$(run camguard "$tmp/camguard" scan "$net" --ports "$ports" --discovery-only --no-db --quiet \
  "${cg_args[@]}" -o "$tmp/camguard.jsonl")
ms_nmap=$(run nmap nmap -sT -n -Pn -p "$ports" "${nmap_args[@]}" -oG "$tmp/nmap.gnmap" "$net")
if [ "${CPU:-0}" = 1 ]; then
  for name in limit camguard nmap; do
    case $name in
      limit) cmd=("$limit" "$first" "$count" "$ports" "$in_flight" 1000) ;;
      camguard) cmd=("$tmp/camguard" scan "$net" --ports "$ports" --discovery-only --no-db --quiet
                     "${cg_args[@]}" -o "$tmp/cpu.jsonl") ;;
      nmap) cmd=(nmap -sT -n -Pn -p "$ports" "${nmap_args[@]}" -oG "$tmp/cpu.gnmap" "$net") ;;
    esac
    /usr/bin/time -f "cpu $name: %U s user + %S s system in %e s wall" -o "$tmp/cpu.$name" \
      "${cmd[@]}" > /dev/null 2>&1
    cat "$tmp/cpu.$name"
  done
fi

python3 - "$tmp" "$probes" "$count" "$nports" "$ms_limit" "$ms_cg" "$ms_nmap" "$devices" "$net" \
  "$reps" <<'PY'
import ipaddress, json, re, sys
tmp, probes, count, nports, ms_limit, ms_cg, ms_nmap, devices, net, reps = sys.argv[1:]
probes = int(probes)
def pairs(lines):
    return {(ipaddress.ip_address(a), int(p)) for a, p in (l.split() for l in lines if l.strip())}
expected = pairs(open(f"{tmp}/expected"))
limit = pairs(open(f"{tmp}/limit.open"))
cg = set()
for line in open(f"{tmp}/camguard.jsonl"):
    obs = json.loads(line)["observation"]
    cg |= {(ipaddress.ip_address(obs["ip"]), e["port"]) for e in obs["endpoints"]
           if e["state"] == "open"}
nm = set()
for line in open(f"{tmp}/nmap.gnmap"):
    m = re.match(r"Host: (\S+) .*\tPorts: (.*)", line)
    if m:
        for entry in m.group(2).split(", "):
            port, state = entry.split("/")[:2]
            if state == "open":
                nm.add((ipaddress.ip_address(m.group(1)), int(port)))
rate = lambda ms: probes / (int(ms) / 1000)
r_limit, r_cg, r_nmap = rate(ms_limit), rate(ms_cg), rate(ms_nmap)
print(f"targets {net} ({count} addresses) x {nports} ports = {probes} probes; lab of {devices} "
      f"devices, {len(expected)} open (address, port) pairs; best of {reps} runs (wall time)")
for name, ms, r, found in (("connect_limit", ms_limit, r_limit, limit),
                           ("camguard --discovery-only", ms_cg, r_cg, cg),
                           ("nmap -sT", ms_nmap, r_nmap, nm)):
    same = "identical" if found == expected else \
        f"DIFFERENT (missing {len(expected - found)}, extra {len(found - expected)})"
    print(f"  {name:26} {int(ms) / 1000:7.3f} s {r:10,.0f} probes/s  open {len(found)}: {same}")
print(f"camguard / nmap = {r_cg / r_nmap:.2f}x (goal >= 1.5x); "
      f"camguard / limit = {100 * r_cg / r_limit:.0f} % (goal >= 60 %)")
sys.exit(0 if expected == limit == cg == nm else 1)
PY
