#!/usr/bin/env bash
# The whole Threadline test suite, from a clean clone on Debian/Ubuntu:
# installs what is missing, starts the real test servers on loopback, runs
# every test, stops the servers. Usage: bash tests/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/threadline-target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

# shellcheck source=tests/session.sh
source tests/session.sh
if [ -z "${THREADLINE_IN_TEST_SESSION:-}" ]; then
  bash src-tauri/scripts/install-deps.sh all
  command -v tauri-driver >/dev/null || [ -x "$HOME/.cargo/bin/tauri-driver" ] \
    || cargo install tauri-driver --locked --quiet
  bash src-tauri/scripts/build-ui.sh
fi
enter_test_session "$0" "$@"
start_keyring_and_servers

echo "== UI type check"
(cd ui && npx --no-install svelte-check --tsconfig ./tsconfig.json --output machine | tail -n 1)

echo "== message catalogs: the same keys in every language, none empty, ICU MessageFormat, the same arguments, each language's plurals"
(cd ui && node scripts/check-catalogs.mjs)

echo "== components: no words outside the message catalogs"
(cd ui && node scripts/check-literals.mjs)

echo "== UI unit tests (Vitest): plurals, dates and money in each language"
(cd ui && npx --no-install vitest run)

echo "== format: cargo fmt --check (.rustfmt.toml)"
cargo fmt --all --check

echo "== lint: clippy on every crate, warnings are errors"
cargo clippy --locked --workspace --all-targets --features custom-protocol -- -D warnings

echo "== engine, CLI and test kit (no GUI libraries needed)"
cargo test --locked -p threadline-engine -p threadline-cli -p threadline-testkit

echo "== the shell's own tests; bindings: ui/src/lib/bindings.gen.ts matches src-tauri/src/ipc.rs"
cargo test --locked -p threadline --features custom-protocol --lib --test bindings

echo "== the real app window (Xvfb + tauri-driver + WebKitWebDriver)"
# One window at a time: the app is single-instance, so a second one started
# beside the first would hand over to it and exit.
cargo test --locked -p threadline --features custom-protocol --test e2e_window -- --test-threads=1 --nocapture
