#!/usr/bin/env bash
# Renders an HTML compliance report in headless Chromium and checks what a reader would see.
#
#   Tools/render-check.sh REPORT.html [OUTDIR]
#
# 1. --dump-dom: the DOM Chromium built holds the page's SVG charts (every chart id, bars) and
#    no <script>; so the page parsed as intended (a stray '<' in a name would break it).
# 2. --screenshot: the rendered page is not blank: enough non-white pixels, and the chart
#    colours (green bars) are on screen. The PNG is decoded with python3's zlib (no PIL).
#
# Chromium comes from Debian (apt-get install chromium) and is installed when missing, unless
# LICHENG_NO_INSTALL=1 (so is a CJK font, fonts-wqy-zenhei, for the Chinese labels). Outputs (dom.html, screenshot.png) stay in OUTDIR (default: a temp dir).
# Exit 0 when every check passes, 1 when a check fails, 2 when Chromium is not available.
set -euo pipefail

html=${1:?usage: Tools/render-check.sh REPORT.html [OUTDIR]}
[ -f "$html" ] || { echo "render-check: no such file: $html" >&2; exit 2; }
html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
out=${2:-$(mktemp -d /tmp/licheng-render.XXXXXX)}
mkdir -p "$out"

find_chromium() { command -v chromium || command -v chromium-browser || command -v google-chrome || true; }
chrome=$(find_chromium)
if [ -z "$chrome" ] && [ "${LICHENG_NO_INSTALL:-0}" != 1 ]; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    echo "render-check: installing chromium (Debian package)…" >&2
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2
    chrome=$(find_chromium)
fi
[ -n "$chrome" ] || { echo "render-check: chromium is not installed" >&2; exit 2; }
# Chinese labels need a CJK font, or they render as empty boxes (the checks below would still
# pass: they look at the charts). A small one is enough.
if command -v fc-list > /dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
    if [ "${LICHENG_NO_INSTALL:-0}" != 1 ]; then
        SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
        echo "render-check: installing a CJK font (fonts-wqy-zenhei)…" >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-wqy-zenhei >&2 || echo "render-check: warning: no CJK font; Chinese labels will show as boxes" >&2
    else
        echo "render-check: warning: no CJK font installed; Chinese labels will show as boxes" >&2
    fi
fi

flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --hide-scrollbars
       --user-data-dir="$out/profile" --disable-background-networking --disable-component-update)
"$chrome" "${flags[@]}" --dump-dom "file://$html" > "$out/dom.html" 2> "$out/chromium-dom.log"
"$chrome" "${flags[@]}" --window-size=1100,2200 --screenshot="$out/screenshot.png" "file://$html" > /dev/null 2> "$out/chromium-shot.log"

fail=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; fail=1; fi; }
dom="$out/dom.html"
svgs=$(grep -o '<svg' "$dom" | wc -l)
rects=$(grep -o '<rect' "$dom" | wc -l)
check "DOM has the page title"                  "grep -q '<title>.*Compliance report</title>' '$dom'"
check "DOM has $svgs inline SVG charts (>= 6)"  "[ $svgs -ge 6 ]"
for id in chart-seats chart-meetings chart-trainings chart-submissions; do
    check "DOM has chart #$id"                 "grep -q 'id=\"$id\"' '$dom'"
done
check "DOM has $rects bars (>= 5)"              "[ $rects -ge 5 ]"
check "DOM has no <script>"                     "! grep -qi '<script' '$dom'"
check "DOM lists the findings"                  "grep -q 'id=\"findings\"' '$dom'"

if ! command -v python3 > /dev/null; then
    # Without python3 the pixels cannot be counted; a blank page compresses to a few KB.
    size=$(stat -c %s "$out/screenshot.png")
    check "screenshot is $size bytes (> 30000; no python3 to count pixels)" "[ $size -gt 30000 ]"
else
python3 - "$out/screenshot.png" <<'PY' || fail=1
import struct, sys, zlib
path = sys.argv[1]
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
    if kind == b"IHDR": w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT": idat += body
bpp = {2: 3, 6: 4}[ctype]
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for _ in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
ink = green = 0
for line in rows:
    for x in range(0, stride, bpp):
        r, g, b = line[x], line[x + 1], line[x + 2]
        if r < 235 or g < 235 or b < 235: ink += 1
        if abs(r - 0x2e) < 12 and abs(g - 0x7d) < 12 and abs(b - 0x32) < 12: green += 1
total = w * h
ok = ink > total * 0.02 and green > 200
print(("ok    " if ok else "FAIL  ") + f"screenshot {w}x{h}: {100.0 * ink / total:.1f}% non-white pixels (> 2%), {green} chart-green pixels (> 200)")
sys.exit(0 if ok else 1)
PY
fi

echo "render-check: $chrome ($("$chrome" --version 2>/dev/null | head -1)); outputs in $out"
exit $fail
