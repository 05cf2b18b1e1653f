#!/usr/bin/env bash
# Builds the Debian package with the Tauri CLI (installed on first use).
# The .deb lands in $CARGO_TARGET_DIR/release/bundle/deb/.
# AppImage is configured too, but its tooling downloads at build time, so
# it is built only where that works: build-deb.sh appimage
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/threadline-target}
bash src-tauri/scripts/install-deps.sh build
cargo tauri --version >/dev/null 2>&1 || cargo install tauri-cli --version "^2" --locked
cargo tauri build --bundles "${1:-deb}"
ls -1 "$CARGO_TARGET_DIR"/release/bundle/*/*
