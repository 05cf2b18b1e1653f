# Sourced by tests/run.sh and tests/bench/run.sh: the private session the
# tests and benchmarks run in.
#
# Passwords go to the OS keychain. Headless machines have no desktop
# session, so everything runs inside a private D-Bus session with a real
# Secret Service (gnome-keyring) whose keyring lives in a temporary folder,
# next to the real test servers on loopback. The session, the keyring
# daemon and the servers end with the script that sourced this.

# Re-runs the calling script inside a new D-Bus session (once).
enter_test_session() {
  if [ -z "${THREADLINE_IN_TEST_SESSION:-}" ]; then
    export THREADLINE_IN_TEST_SESSION=1
    exec dbus-run-session -- bash "$@" 2> >(grep --line-buffered -v 'Failed to set fd limit' >&2)
  fi
}

# Unlocks a throwaway keyring and starts the test servers; both are
# stopped when the calling script exits, and the mailboxes the session
# made are deleted (a benchmark's are gigabytes, and each run makes new
# users).
start_keyring_and_servers() {
  keyring_dir=$(mktemp -d)
  eval "$(printf 'threadline-test' | XDG_DATA_HOME=$keyring_dir gnome-keyring-daemon --unlock --components=secrets --daemonize 2>/dev/null)"
  export GNOME_KEYRING_CONTROL
  export THREADLINE_TEST_RUN="$root/tests/servers/.run"
  trap 'bash "$root/tests/servers/stop.sh" "$THREADLINE_TEST_RUN" || true; rm -rf "$keyring_dir" "$THREADLINE_TEST_RUN/mail"' EXIT
  bash "$root/tests/servers/start.sh" "$THREADLINE_TEST_RUN" >/dev/null
  # Every engine the tests start asks the loopback DNS server (SPF, DKIM).
  THREADLINE_DNS_SERVER="127.0.0.1:$(sed -n 's/^TL_DNS_PORT=//p' "$THREADLINE_TEST_RUN/env")"
  export THREADLINE_DNS_SERVER
}
