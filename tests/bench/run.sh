#!/usr/bin/env bash
# The sync benchmarks: threadline-cli beside mbsync and a plain fetch, on
# the test Dovecot over TLS, in one run. Prints a table (Markdown).
#   bash tests/bench/run.sh [--small N] [--large N] [--pad BYTES] [--runs N]
# Defaults: 20,000 and 100,000 messages of about 4 KiB. About 10 minutes
# here, most of it mbsync and the 100,000-message mailbox.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/threadline-target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

# shellcheck source=tests/session.sh
source tests/session.sh
if [ -z "${THREADLINE_IN_TEST_SESSION:-}" ]; then
  bash src-tauri/scripts/install-deps.sh all
  cargo build --locked --release -p threadline-cli -p threadline-bench
fi
enter_test_session "$0" "$@"
start_keyring_and_servers

"$CARGO_TARGET_DIR/release/threadline-bench" --cli "$CARGO_TARGET_DIR/release/threadline-cli" "$@"
