#!/usr/bin/env bash
# Sets up everything on a fresh Debian/Ubuntu machine and starts Threadline:
# Debian packages, the UI's npm packages, the UI build, the app build.
# Usage: bash src-tauri/scripts/run.sh [--release]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/threadline-target}

bash src-tauri/scripts/install-deps.sh build
bash src-tauri/scripts/build-ui.sh

profile=()
[ "${1:-}" = "--release" ] && profile=(--release)
cargo build --locked -p threadline --features custom-protocol "${profile[@]}"
dir=debug
[ "${1:-}" = "--release" ] && dir=release
exec "$CARGO_TARGET_DIR/$dir/threadline"
