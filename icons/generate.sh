#!/usr/bin/env bash
# Regenerates every icon size Tauri bundles need from icon.svg.
# Needs librsvg2-bin (rsvg-convert), imagemagick and icnsutils (png2icns).
set -euo pipefail
cd "$(dirname "$0")"
png() { rsvg-convert -w "$1" -h "$1" icon.svg -o "$2"; }
png 32 32x32.png
png 128 128x128.png
png 256 128x128@2x.png
png 512 icon.png
for s in 16 24 48 64; do png "$s" "tmp-$s.png"; done
convert tmp-16.png tmp-24.png 32x32.png tmp-48.png tmp-64.png 128x128.png 128x128@2x.png icon.ico
png 1024 tmp-1024.png
png2icns icon.icns tmp-16.png 32x32.png 128x128.png 128x128@2x.png icon.png tmp-1024.png >/dev/null
rm -f tmp-*.png
