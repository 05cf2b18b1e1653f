#!/usr/bin/env bash
# Installs the Debian packages Threadline needs to build, run and test.
# Idempotent: packages already present are skipped, so a warm machine pays
# only for the dpkg-query check. Usage: install-deps.sh [build|test|all]
set -euo pipefail
what=${1:-all}

build_pkgs=(build-essential pkg-config file curl libwebkit2gtk-4.1-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev)
test_pkgs=(dovecot-imapd dovecot-lmtpd mailutils-imap4d postfix nsd openssl xvfb webkit2gtk-driver
  gnome-keyring dbus dbus-x11 libsecret-tools imagemagick isync time procps util-linux
  fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji xdg-utils xdotool x11-utils poppler-utils dunst python3-xlib)

pkgs=()
case "$what" in
  build) pkgs=("${build_pkgs[@]}") ;;
  test) pkgs=("${test_pkgs[@]}") ;;
  all) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing Debian packages: ${missing[*]}" >&2
# Never let package scripts start system daemons (dovecot, postfix, nsd) on
# 0.0.0.0: the tests run their own instances on loopback.
had_policy=0
[ -e /usr/sbin/policy-rc.d ] && had_policy=1
if [ $had_policy -eq 0 ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
fi
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ $had_policy -eq 0 ] && $SUDO rm -f /usr/sbin/policy-rc.d
exit 0
