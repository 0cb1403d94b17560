#!/usr/bin/env bash
# replay --svg and plan --svg: the pictures are well-formed XML (xmllint),
# hold one marker per boot, calibration and reboot of the replay's JSON,
# draw the threshold where the scale puts it, label the time axis in the
# policy's zone from a week to two years, escape names taken from events
# and policies, and render to a non-blank PNG of the right size
# (rsvg-convert).
. "$(dirname "$0")/cli_lib.bash"

for tool in xmllint rsvg-convert; do
  command -v "$tool" >/dev/null ||
    fail "$tool is missing: run scripts/setup (packages libxml2-utils, librsvg2-bin)"
done

# check_svg SVG [JSON] [ARGS]: the structure checks, in Python on the SVG
# and the replay's JSON summary (or "-"); ARGS are key=value expectations.
check_svg() {
  xmllint --noout "$1" || fail "$1 is not well-formed XML"
  python3 - "$@" <<'PY' || fail "SVG check failed on $1"
import json, sys, xml.etree.ElementTree as ET
svg, js = sys.argv[1], sys.argv[2]
want = dict(a.split("=", 1) for a in sys.argv[3:])
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(svg).getroot()
def marks(cls):
    return [g for g in root.iter("{%s}g" % ns["s"]) if g.get("class") == cls]
plot = root.find(".//s:g[@id='plot']", ns)
ytop, ybot, ymax = (float(plot.get(k)) for k in ("data-ytop", "data-ybottom", "data-ymax"))
def y_of(c):
    return ybot - c * (ybot - ytop) / ymax
th = root.find(".//s:line[@id='threshold']", ns)
c = int(th.get("data-count"))
assert abs(float(th.get("y1")) - y_of(c)) < 0.06, (th.get("y1"), y_of(c))
assert th.get("y1") == th.get("y2")
lim = root.find(".//s:line[@id='limit']", ns)
assert abs(float(lim.get("y1")) - y_of(64)) < 0.06
if "threshold" in want:
    assert c == int(want["threshold"]), c
if js != "-":
    d = json.load(open(js))
    n = {k: len(marks(k)) for k in ("m-boot", "m-calibration", "m-reboot")}
    assert n["m-boot"] == d["boots"], (n, d["boots"])
    assert n["m-calibration"] == d["calibrations"], (n, d["calibrations"])
    assert n["m-reboot"] == len(d["reboots"]), (n, d["reboots"])
    assert th.get("data-count") == str(d["threshold"])
    for g in marks("m-reboot") + marks("m-boot"):
        assert g.find("s:title", ns).text.strip(), "a marker without a tooltip"
for k, v in want.items():
    if k.startswith("n:"):
        got = len([e for e in root.iter() if e.get("class") == k[2:]])
        assert got == int(v) if not v.startswith(">") else got > int(v[1:]), (k, got)
    if k == "title":
        t = root.find("s:title", ns).text
        assert v in t, (t, v)
    if k == "tip":
        tips = [t.text for t in root.iter("{%s}title" % ns["s"])]
        assert any(v in (t or "") for t in tips), (v, tips[:5])
    if k == "label":
        texts = [t.text for t in root.iter("{%s}text" % ns["s"])]
        assert v in texts, (v, texts)
    if k == "midnight":
        # Time ticks sit at local midnight of the zone (offset in seconds).
        off = int(v)
        x0, x1 = float(plot.get("data-x0")), float(plot.get("data-x1"))
        t0, t1 = int(plot.get("data-t0")), int(plot.get("data-t1"))
        per_px = (t1 - t0) / (x1 - x0)
        ticks = [e for e in root.iter() if e.get("class") == "tick"]
        assert ticks, "no time ticks"
        for e in ticks:
            t = t0 + (float(e.get("x1")) - x0) * per_px
            r = (t + off) % 86400
            assert min(r, 86400 - r) <= per_px * 0.06 + 60, (e.get("x1"), r)
PY
  checks=$((checks + 1))
}

# check_png SVG: renders to PNG 1200 px wide, checks the size and that the
# picture is not blank (a PNG decoder in plain Python: no PIL needed).
check_png() {
  rsvg-convert -w 1200 "$1" -o "$1.png" || fail "rsvg-convert failed on $1"
  python3 - "$1.png" <<'PY' || fail "the PNG of $1 looks wrong"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, hdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        hdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
assert (w, h) == (1200, 640), (w, h)
assert depth == 8 and ctype in (2, 6) and interlace == 0, hdr
bpp = 4 if ctype == 6 else 3
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for _ in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
px = [tuple(r[x:x + 3]) for r in rows for x in range(0, stride, bpp)]
ink = sum(1 for p in px if p != (255, 255, 255))
assert ink > len(px) * 0.03, "almost blank: %d of %d pixels drawn" % (ink, len(px))
colours = set(px)
assert len(colours) > 20, len(colours)
# The count line's blue (Okabe-Ito #0072B2) is drawn.
assert any(abs(p[0] - 0) < 8 and abs(p[1] - 0x72) < 8 and abs(p[2] - 0xB2) < 8 for p in colours)
PY
  checks=$((checks + 1))
}

write_policy "$T/p.yaml"

# 30 nights, one calibration, a recorded boot on day 5: one reboot.
gen_events "$T/a.xml" 2026-03-01 30 5
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/a.xml" --json --summary \
  --svg "$T/a.svg"
cp "$T/out" "$T/a.json"
pycheck 'assert d["boots"] == 1 and d["calibrations"] == 1 and len(d["reboots"]) == 1'
check_svg "$T/a.svg" "$T/a.json" threshold=10 title="on FS01.corp.example" \
  midnight=0 label="2 Mar" "tip=the agent would reboot the server at count 16"
check_png "$T/a.svg"
# The timeline output is the same with and without --svg.
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/a.xml"
cp "$T/out" "$T/plain.txt"
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/a.xml" --svg "$T/a2.svg"
cmp -s "$T/out" "$T/plain.txt" || fail "--svg changed the text report"
cmp -s "$T/a.svg" "$T/a2.svg" || fail "the picture differs between --json and text runs"

# The bundled example: boots, ignored calibrations, a reboot delayed by the
# month-end close; two years of history give month ticks and year labels.
ex="$VG_SRC/tests/data/example-2008r2.xml"
expol="$VG_SRC/policy/examples/policy.yaml"
expect_rc 0 replay --policy "$expol" --events "$ex" --json --svg "$T/ex.svg"
cp "$T/out" "$T/ex.json"
check_svg "$T/ex.svg" "$T/ex.json" threshold=56 "n:m-calibration-ignored=1" \
  "n:band-blackout=>10" "n:window=>40" label=Jan label=2026 midnight=0
check_png "$T/ex.svg"

gen_events "$T/long.xml" 2025-01-01 730
expect_rc 0 replay --policy "$T/p.yaml" --events "$T/long.xml" --json --summary \
  --svg "$T/long.svg"
cp "$T/out" "$T/long.json"
check_svg "$T/long.svg" "$T/long.json" label=Jan label=2026 label=Jul midnight=0

# A week in a zone of +05:30: day ticks at that zone's midnight.
sed 's/^timezone: UTC/timezone: "+05:30"/' "$T/p.yaml" >"$T/p530.yaml"
gen_events "$T/week.xml" 2026-03-01 7
expect_rc 0 replay --policy "$T/p530.yaml" --events "$T/week.xml" --json \
  --summary --svg "$T/week.svg"
cp "$T/out" "$T/week.json"
check_svg "$T/week.svg" "$T/week.json" midnight=19800 label="Tue 3"

# Escaping: a server name (from the events' Computer) and a blackout name
# with < & " stay well-formed and come back unchanged.
sed 's|FS01.corp.example|FS\&lt;01 \&amp; \&quot;x\&quot;|' "$T/a.xml" >"$T/esc.xml"
cat >"$T/esc.yaml" <<'YAML'
threshold: 10
timezone: UTC
maintenance_windows:
  - { days: [sun], start: "02:00", duration: 3h }
blackouts:
  - { name: 'freeze <&" x', start: 2026-03-14T00:00, end: 2026-03-16T00:00 }
reboot: { splay: 0s, min_uptime: 0s }
YAML
expect_rc 0 replay --policy "$T/esc.yaml" --events "$T/esc.xml" --json \
  --summary --svg "$T/esc.svg"
cp "$T/out" "$T/esc.json"
grep -q 'FS&lt;01 &amp; &quot;x&quot;' "$T/esc.svg" || fail "server name not escaped"
check_svg "$T/esc.svg" "$T/esc.json" 'title=on FS<01 & "x": replay' \
  "tip=blackout 'freeze <&\" x'" "n:band-blackout=1"
check_png "$T/esc.svg"
expect_rc 0 plan --policy "$T/esc.yaml" --count 3 --from 2026-03-10T00:00Z \
  --server 'web<1>&"2"' --svg "$T/escplan.svg"
check_svg "$T/escplan.svg" - 'title=Reboot plan for web<1>&"2"' \
  "tip=blackout 'freeze <&\" x'"

# plan --svg: slots, blackouts, the planned reboot and the markers; the
# 1017 warning banner only when the slots are too sparse.
expect_rc 0 plan --policy "$expol" --count 38 --from 2026-04-01T21:55Z \
  --json --svg "$T/plan.svg"
pycheck 'assert d["projection"]["too_sparse"] is False'
check_svg "$T/plan.svg" - threshold=56 "n:m-reboot=1" "n:m-threshold=1" \
  "n:m-limit=1" "n:band-slot=>5" "n:band-blackout=>3" "n:warning=0" \
  "tip=planned reboot" midnight=0
check_png "$T/plan.svg"
expect_rc 0 plan --policy "$T/p.yaml" --count 8 --runs-per-day 10 \
  --from 2026-03-02T00:00Z --json --svg "$T/sparse.svg"
pycheck 'assert d["projection"]["too_sparse"] is True'
check_svg "$T/sparse.svg" - "n:warning=1" label="Mon 2"

# An unwritable picture: exit 1 and a message naming the file; the report
# itself is still printed.
expect_rc 1 plan --policy "$T/p.yaml" --count 3 --svg "$T/no/such/dir.svg"
expect_err "no/such/dir.svg: cannot write the picture"
expect_out '^Policy:'
expect_rc 1 replay --policy "$T/p.yaml" --events "$T/a.xml" --summary \
  --svg "$T/no/such/dir.svg"
expect_err "cannot write the picture"
expect_rc 64 replay --policy "$T/p.yaml" --events "$T/a.xml" --svg
expect_err "needs a value"

pass
