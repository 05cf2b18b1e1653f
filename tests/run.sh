#!/usr/bin/env bash
# The whole Threadline test suite, from a clean clone on Debian/Ubuntu:
# installs what is missing, starts the real test servers on loopback, runs
# every test, stops the servers. Usage: bash tests/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/threadline-target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

# Passwords go to the OS keychain. Headless machines have no desktop
# session, so the tests run inside a private D-Bus session with a real
# Secret Service (gnome-keyring) whose keyring lives in a temporary folder.
# (The session ends with this script, and the keyring daemon with it.)
if [ -z "${THREADLINE_IN_TEST_SESSION:-}" ]; then
  bash src-tauri/scripts/install-deps.sh all
  command -v tauri-driver >/dev/null || [ -x "$HOME/.cargo/bin/tauri-driver" ] \
    || cargo install tauri-driver --locked --quiet
  bash src-tauri/scripts/build-ui.sh
  export THREADLINE_IN_TEST_SESSION=1
  exec dbus-run-session -- bash "$0" "$@" 2> >(grep -v 'Failed to set fd limit' >&2)
fi

keyring_dir=$(mktemp -d)
eval "$(printf 'threadline-test' | XDG_DATA_HOME=$keyring_dir gnome-keyring-daemon --unlock --components=secrets --daemonize 2>/dev/null)"
export GNOME_KEYRING_CONTROL

export THREADLINE_TEST_RUN="$root/tests/servers/.run"
cleanup() {
  bash tests/servers/stop.sh "$THREADLINE_TEST_RUN" || true
  rm -rf "$keyring_dir"
}
trap cleanup EXIT
bash tests/servers/start.sh "$THREADLINE_TEST_RUN" >/dev/null

echo "== UI type check"
(cd ui && npx --no-install svelte-check --tsconfig ./tsconfig.json --output machine | tail -n 1)

echo "== lint: clippy on every crate, warnings are errors"
cargo clippy --locked --workspace --all-targets --features custom-protocol -- -D warnings

echo "== engine, CLI and test kit (no GUI libraries needed)"
cargo test --locked -p threadline-engine -p threadline-cli -p threadline-testkit

echo "== the real app window (Xvfb + tauri-driver + WebKitWebDriver)"
# One window at a time: the app is single-instance, so a second one started
# beside the first would hand over to it and exit.
cargo test --locked -p threadline --features custom-protocol --test e2e_window -- --test-threads=1 --nocapture
