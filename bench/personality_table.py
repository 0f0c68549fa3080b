"""Print the personality table of docs/lab.md from data/lab/personalities/*.toml.

usage: python3 bench/personality_table.py   (from the repository root)
"""
import glob
import tomllib

print("| id | vendor (type) | web ports · `Server` · title | realm (web / RTSP) | RTSP port · main path (streams) | ONVIF port · Manufacturer · firmware example | private ports | default account |")
print("|---|---|---|---|---|---|---|---|")
files = []
for f in sorted(glob.glob("data/lab/personalities/*.toml")):
    p = tomllib.load(open(f, "rb"))
    h, r, o, i, c = p["http"], p["rtsp"], p["onvif"], p["identity"], p["credentials"]
    vp = ", ".join(f"{v['port']} {v['protocol']}" for v in p.get("vendor_ports", [])) or "–"
    extra = [f"{k} {p[k]['port']}" for k in ("ssh", "ftp") if k in p]
    if extra:
        vp += " (" + ", ".join(extra) + ")"
    main = r["streams"][0]["path"].replace("|", "\\|")
    print(f"| {p['id']} | {p['vendor']} ({p['device_type']}) | {','.join(map(str, h['ports']))} · "
          f"`{h.get('server') or '(none)'}` · `{h['title']}` | `{h['realm']}` / `{r['realm']}` | "
          f"{r['port']} · `{main}` ({len(r['streams'])}) | {o['port']} · `{i['manufacturer']}` · "
          f"`{i['firmware'][0]}` | {vp} | `{c['username']}` / `{c['password'] or '(empty)'}` |")
    files.append(p)
print("\nSources (top level; each table of a file has its own `source` too):\n")
for p in files:
    print(f"- **{p['id']}**: {p['source']} Default account: {p['credentials']['source']}")
