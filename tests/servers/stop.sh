#!/usr/bin/env bash
# Stops the test mail servers of one run directory, by their pid files only
# (never by name: other Dovecot or Postfix instances on the machine are not ours).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=${1:-${THREADLINE_TEST_RUN:-$here/.run}}
[ -d "$run" ] || exit 0
if [ -f "$run/postfix/main.cf" ]; then
  postfix -c "$run/postfix" stop >/dev/null 2>&1 || true
fi
for pidfile in "$run/dovecot-base/master.pid" "$run/postfix-queue/pid/master.pid" "$run/imap4d.pid" "$run/nsd.pid" "$run/web.pid" "$run/oidc.pid"; do
  [ -s "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
done
rm -f "$run/env"
