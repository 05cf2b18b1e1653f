#!/usr/bin/env bash
# Proves the .deb installs and starts on a clean Debian 12: a fresh minimal
# root (debootstrap, cached as a tarball and unpacked anew each run), the
# package installed with apt so that its declared dependencies are all it
# gets, then the app started under Xvfb inside that root. Passes when the
# Threadline window is mapped and the app created its store; saves a
# screenshot to tests/packaging/artifacts/clean-install.png.
#
#   bash tests/packaging/deb-clean-install.sh [path/to/threadline.deb]
#
# Without an argument it builds the package first (build-deb.sh). Needs
# root (chroot, mounts) and access to the Debian mirror.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/threadline-target}
deb=${1:-}
if [ -z "$deb" ]; then
    bash "$root/src-tauri/scripts/build-deb.sh" deb
    deb=$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb | head -n1)
fi
[ -f "$deb" ] || { echo "no such package: $deb" >&2; exit 1; }

command -v debootstrap >/dev/null || apt-get install -y debootstrap
cache=${TL_DEBROOT_CACHE:-$HOME/.cache/threadline-debroot}
mkdir -p "$cache"
base="$cache/bookworm-minbase.tar"
if [ ! -f "$base" ]; then
    echo "== debootstrap bookworm (once, cached in $base)"
    tmp=$(mktemp -d)
    debootstrap --variant=minbase bookworm "$tmp" http://deb.debian.org/debian
    tar -C "$tmp" -cf "$base.part" .
    mv "$base.part" "$base"
    rm -rf "$tmp"
fi

sys=$(mktemp -d /tmp/threadline-clean.XXXXXX)
cleanup() {
    for m in dev/pts dev proc sys; do umount -l "$sys/$m" 2>/dev/null || true; done
    rm -rf "$sys"
}
trap cleanup EXIT
tar -C "$sys" -xf "$base"
mount -t proc proc "$sys/proc"
mount --rbind /sys "$sys/sys"
mount --rbind /dev "$sys/dev"
cp /etc/resolv.conf "$sys/etc/resolv.conf"
cp "$deb" "$sys/tmp/threadline.deb"

echo "== install the package into the clean root"
chroot "$sys" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -ec '
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends /tmp/threadline.deb >/tmp/apt.log
    grep -c "^Setting up" /tmp/apt.log | sed "s/^/packages set up: /"
    # The package declares Threadline as a handler of mailto: links, with
    # the link handed to it (%u).
    entry=$(grep -l "^Exec=threadline %u" /usr/share/applications/*.desktop)
    grep -q "^MimeType=.*x-scheme-handler/mailto;" "$entry"
    echo "mailto: handler declared in $entry"
    # Test tooling only, after the package: a display and a way to look at it.
    apt-get install -y -qq --no-install-recommends xvfb x11-utils x11-apps >/dev/null
'

echo "== start it"
chroot "$sys" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root bash -ec '
    Xvfb :77 -screen 0 1280x800x24 -nolisten tcp >/tmp/xvfb.log 2>&1 &
    for _ in $(seq 50); do [ -e /tmp/.X11-unix/X77 ] && break; sleep 0.1; done
    export DISPLAY=:77
    threadline >/tmp/app.log 2>&1 &
    app=$!
    for _ in $(seq 120); do
        if xwininfo -root -tree | grep -q "\"Threadline\""; then break; fi
        kill -0 $app 2>/dev/null || { cat /tmp/app.log; echo "app exited" >&2; exit 1; }
        sleep 0.5
    done
    xwininfo -root -tree | grep "\"Threadline\"" || { cat /tmp/app.log; echo "no window" >&2; exit 1; }
    sleep 4
    xwd -root -silent >/tmp/screen.xwd
    ls ~/.local/share/app.threadline/
    test -s ~/.local/share/app.threadline/threadline.sqlite3
    kill $app
'
mkdir -p "$root/tests/packaging/artifacts"
if command -v convert >/dev/null; then
    convert "xwd:$sys/tmp/screen.xwd" "$root/tests/packaging/artifacts/clean-install.png"
    echo "screenshot: tests/packaging/artifacts/clean-install.png"
fi
echo "== the package installed and started on a clean Debian 12"
