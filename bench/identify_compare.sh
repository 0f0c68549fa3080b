#!/usr/bin/env bash
# Full identification speed and accuracy: camguard's full scan vs Debian's nmap (`-sV
# --version-light` plus the camera-relevant scripts rtsp-methods and http-title) on a lab of
# DEVICES devices spread evenly over every non-hostile personality (a lab file of fleets), on
# the ports the lab listens on. Prints wall times, their ratio, and how many devices each tool
# named with the manifest's vendor (nmap's product/extra-info/device-type/script text mapped to
# vendors: the vendor's name, or its parent brand, appearing in it).
#
# nmap is run on SAMPLE devices (every DEVICES/SAMPLE-th one) first; if its time extrapolated to
# the whole lab is over 10 minutes, that extrapolation is reported (and said so) instead of a
# full nmap run; otherwise nmap scans the whole lab too.
#
# Usage: bench/identify_compare.sh [DEVICES=1000]    (needs nmap; as root the lab uses the
#        real ports)
# Environment: BASE (default 127.0.44.1), SAMPLE (default 100), CAMGUARD_ARGS (default
#              "--rate 5000"), NMAP_ARGS (default "-T4"), SKIP_BUILD=1.
# See docs/benchmarks.md ("Identification speed: camguard vs nmap -sV").
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-1000}
base=${BASE:-127.0.44.1}
sample=${SAMPLE:-100}
read -r -a cg_args <<< "${CAMGUARD_ARGS:---rate 5000}"
read -r -a nmap_args <<< "${NMAP_ARGS:--T4}"
command -v nmap >/dev/null || { echo "nmap is missing (apt-get install nmap)" >&2; exit 1; }
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --quiet -p camguard
source bench/lib.sh
cp target/release/camguard "$tmp/camguard"

# Fleets: DEVICES split evenly over the personalities, with telnet, vendor ports, SSH and FTP
# on some devices of the personalities that have them.
python3 - "$devices" > "$tmp/lab.toml" <<'PY'
import glob, re, sys
n = int(sys.argv[1])
ids, texts = [], {}
for f in sorted(glob.glob("data/lab/personalities/*.toml")):
    text = open(f).read()
    m = re.search(r'^id = "(.*)"$', text, re.M)
    if m and not m.group(1).startswith("hostile"):
        ids.append(m.group(1))
        texts[m.group(1)] = text
print("seed = 11")
for i, pid in enumerate(ids):
    count = n // len(ids) + (1 if i < n % len(ids) else 0)
    extra = "".join(f"{k} = {v}\n" for k, v in (("telnet", 0.2), ("vendor_ports", 0.5))
                    if re.search(rf"^\[\[?{k}\]\]?$", texts[pid], re.M))
    print(f'[[fleet]]\npersonality = "{pid}"\ncount = {count}\n{extra}')
PY
"$tmp/camguard" lab --file "$tmp/lab.toml" --base "$base" --manifest "$tmp/manifest.json" \
  > /dev/null 2> "$tmp/lab.err" &
lab_pid=$!
for _ in $(seq 1 600); do
  grep -q "devices running" "$tmp/lab.err" 2>/dev/null && break
  kill -0 "$lab_pid" 2>/dev/null || { cat "$tmp/lab.err" >&2; exit 1; }
  sleep 0.05
done
grep -q "devices running" "$tmp/lab.err" || { echo "lab not ready" >&2; exit 1; }

read -r ports < <(python3 -c "import json,sys; print(','.join(map(str, sorted({p for d in json.load(open(sys.argv[1]))['devices'] for p in d['ports'].values()}))))" "$tmp/manifest.json")
python3 - "$tmp/manifest.json" "$sample" "$tmp" <<'PY'
import json, sys
devs = json.load(open(sys.argv[1]))["devices"]
step = max(1, len(devs) // int(sys.argv[2]))
open(f"{sys.argv[3]}/all.txt", "w").write("".join(d["address"] + "\n" for d in devs))
open(f"{sys.argv[3]}/sample.txt", "w").write("".join(d["address"] + "\n" for d in devs[::step]))
PY

now() { date +%s%N; }
t0=$(now)
"$tmp/camguard" scan --targets-file "$tmp/all.txt" --ports "$ports" --no-db --quiet "${cg_args[@]}" \
  -o "$tmp/camguard.jsonl" 2> "$tmp/camguard.err"
ms_cg=$(( ($(now) - t0) / 1000000 ))

nmap_cmd=(nmap -sV --version-light --script rtsp-methods,http-title -n -Pn "${nmap_args[@]}" -p "$ports")
t0=$(now)
"${nmap_cmd[@]}" -iL "$tmp/sample.txt" -oX "$tmp/nmap.xml" > /dev/null
ms_sample=$(( ($(now) - t0) / 1000000 ))
n_sample=$(wc -l < "$tmp/sample.txt")
projected=$(( ms_sample * devices / n_sample ))
if [ "$projected" -le 600000 ] && [ "$n_sample" -lt "$devices" ]; then
  t0=$(now)
  "${nmap_cmd[@]}" -iL "$tmp/all.txt" -oX "$tmp/nmap.xml" > /dev/null
  ms_nmap=$(( ($(now) - t0) / 1000000 )); nmap_scope=all
else
  ms_nmap=$projected; nmap_scope=sample
fi

python3 - "$tmp" "$ms_cg" "$ms_nmap" "$nmap_scope" "$ms_sample" "$n_sample" "$ports" \
  "$(nmap --version | head -1)" "${nmap_cmd[*]}" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
tmp, ms_cg, ms_nmap, scope, ms_sample, n_sample, ports, nmap_version, nmap_cmd = sys.argv[1:]
devs = json.load(open(f"{tmp}/manifest.json"))["devices"]
# A sub-brand's parent counts as the same vendor for both tools.
PARENT = {"ezviz": "hikvision", "imou": "dahua", "kbvision": "dahua", "vantech": "xiongmai",
          "hanwha vision": "hanwha"}
def names(vendor):
    v = vendor.lower()
    out = {v, v.split()[0]}
    if v in PARENT:
        out.add(PARENT[v])
    return out
ours = {}
for line in open(f"{tmp}/camguard.jsonl"):
    rec = json.loads(line)
    ours[rec["observation"]["ip"]] = ((rec.get("identity") or {}).get("vendor") or "").lower()
texts = {}
for host in ET.parse(f"{tmp}/nmap.xml").getroot().iter("host"):
    addr = next(a.get("addr") for a in host.iter("address") if a.get("addrtype") == "ipv4")
    parts = []
    for s in host.iter("service"):
        parts += [s.get(k, "") for k in ("product", "version", "extrainfo", "devicetype", "hostname")]
    for sc in host.iter("script"):
        parts.append(sc.get("output", ""))
    texts[addr] = " ".join(parts).lower()
def tally(scope_devs, says):
    named = sum(1 for d in scope_devs if d["vendor"] != "Generic" and says(d))
    wrong = sum(1 for d in scope_devs if d["vendor"] == "Generic" and says(d, generic=True))
    return named, sum(1 for d in scope_devs if d["vendor"] != "Generic"), wrong, \
        sum(1 for d in scope_devs if d["vendor"] == "Generic")
ALL = {v.lower() for d in devs for v in names(d["vendor"])} - {"generic"}
def cg_says(d, generic=False):
    got = ours.get(d["address"], "")
    if generic:
        return got not in ("", "generic") and any(n in got for n in ALL)
    return any(n in got for n in names(d["vendor"]))
def nmap_says(d, generic=False):
    text = texts.get(d["address"], "")
    if generic:
        return any(n in text for n in ALL)
    return any(n in text for n in names(d["vendor"]))
nmap_devs = [d for d in devs if d["address"] in texts]
cg = tally(devs, cg_says)
cg_on_sample = tally(nmap_devs, cg_says)
nm = tally(nmap_devs, nmap_says)
ms_cg, ms_nmap = int(ms_cg), int(ms_nmap)
print(f"lab: {len(devs)} devices, {len({d['personality'] for d in devs})} personalities, ports {ports}")
print(f"camguard full scan: {ms_cg / 1000:.1f} s for {len(devs)} devices")
if scope == "sample":
    print(f"nmap ({nmap_version}; {nmap_cmd}): {int(ms_sample) / 1000:.1f} s for a sample of "
          f"{n_sample} devices, EXTRAPOLATED to {ms_nmap / 1000:.0f} s for {len(devs)}")
else:
    print(f"nmap ({nmap_version}; {nmap_cmd}): {ms_nmap / 1000:.1f} s for all {len(devs)} devices "
          f"(sample of {n_sample}: {int(ms_sample) / 1000:.1f} s)")
print(f"wall time ratio nmap / camguard = {ms_nmap / ms_cg:.1f}x (goal >= 20x)")
print(f"vendor named (branded devices): camguard {cg[0]}/{cg[1]} on the whole lab, "
      f"{cg_on_sample[0]}/{cg_on_sample[1]} on nmap's devices; nmap {nm[0]}/{nm[1]}")
print(f"generic devices given a brand: camguard {cg[2]}/{cg[3]}, nmap {nm[2]}/{nm[3]}")
by = {}
for d in nmap_devs:
    row = by.setdefault(d["vendor"], [0, 0, 0])
    row[0] += 1
    row[1] += cg_says(d) if d["vendor"] != "Generic" else not cg_says(d, True)
    row[2] += nmap_says(d) if d["vendor"] != "Generic" else not nmap_says(d, True)
print("per vendor on nmap's devices (devices, camguard right, nmap right):")
for v, (n, c, m) in sorted(by.items()):
    print(f"  {v:14} {n:4} {c:4} {m:4}")
PY
