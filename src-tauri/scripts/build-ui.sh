#!/usr/bin/env bash
# Installs the UI's npm packages (exactly as locked) and builds ui/dist,
# which the app embeds. npm ci runs only when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/../../ui"
stamp=node_modules/.threadline-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
npm run --silent build
