#!/bin/sh
# qemu/deps.sh -- make sure the Debian packages Handoff needs are installed.
#
# Called by `make run`, `make test` and .ci/run, so it must be fast and quiet when nothing is
# missing: one dpkg-query call, no output. When something is missing:
#   - as root: `apt-get update` once, then `apt-get install -y <missing>`;
#   - otherwise: prints the exact `sudo apt-get install ...` line and exits 1.
# Options: -n / --check   only report (exit 1 if something is missing), never install.
#
# Why each package:
#   qemu-system-x86, qemu-system-arm   the two guests (the arm package holds qemu-system-aarch64)
#   gcc-aarch64-linux-gnu, g++-aarch64-linux-gnu   cross compilers (the host gcc/g++ build x86-64)
#   gdb-multiarch                       `make debug` on both arches
#   cpio                                initramfs archives
#   newlib-source                       /usr/src/newlib/newlib-3.3.0.tar.xz (user/newlib/build.sh)
#   device-tree-compiler                dtc (device trees of QEMU's aarch64 -M virt)
#   cmake, libgtest-dev                 host unit tests (GoogleTest + ctest)
#   python3                             tools/ and the gdb extension
#   qemu-user                           qemu-aarch64 user-mode emulation: runs the static aarch64
#                                       Linux-ABI user tests on the x86-64 host (Debian 12 names
#                                       it qemu-user; qemu-user-static is the static variant)
#   g++, make, util-linux (flock)       normally present; listed so a bare image works too
set -u

PKGS="qemu-system-x86 qemu-system-arm gcc-aarch64-linux-gnu g++-aarch64-linux-gnu
gdb-multiarch cpio newlib-source device-tree-compiler cmake libgtest-dev python3 qemu-user
g++ make util-linux"

check_only=0
case "${1:-}" in
  -n|--check) check_only=1 ;;
  "") ;;
  *) echo "usage: qemu/deps.sh [--check]" >&2; exit 2 ;;
esac

# One dpkg-query for all packages. A package dpkg does not know at all is reported on stderr
# and printed nowhere on stdout; treat every package not printed as "install ok installed"
# as missing.
# shellcheck disable=SC2086
installed=$(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>/dev/null |
            awk '$2 == "install" && $3 == "ok" && $4 == "installed" { print $1 }')
have=" $(printf '%s' "$installed" | tr '\n' ' ') "
missing=""
for p in $PKGS; do
  case "$have" in
    *" $p "*) ;;
    *) missing="$missing $p" ;;
  esac
done
missing=${missing# }

[ -z "$missing" ] && exit 0

if [ "$check_only" = 1 ]; then
  echo "qemu/deps.sh: missing Debian packages: $missing" >&2
  exit 1
fi

if [ "$(id -u)" != 0 ]; then
  echo "qemu/deps.sh: missing Debian packages; install them with:" >&2
  echo "sudo apt-get install -y $missing" >&2
  exit 1
fi

echo "qemu/deps.sh: installing: $missing" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/handoff-deps.XXXXXX)
# shellcheck disable=SC2086
if ! { apt-get update && apt-get install -y --no-install-recommends $missing; } >"$log" 2>&1; then
  echo "qemu/deps.sh: apt-get failed; last lines of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
rm -f "$log"
exit 0
