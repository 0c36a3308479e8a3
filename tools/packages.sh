#!/bin/sh
# Installs the Debian packages of tools/packages.txt that the given uses
# need and this machine lacks, saying what it installs first.
#   usage: tools/packages.sh USE...     (build, qemu, bochs, test)
#          tools/packages.sh --list USE...   print the packages, install nothing
# Runs apt-get as root, or through sudo. Exits non-zero, naming the
# packages, when they cannot be installed.
set -eu
list="$(dirname "$0")/packages.txt"

only_list=
if [ "${1:-}" = "--list" ]; then
    only_list=1
    shift
fi
[ $# -gt 0 ] || { echo "usage: $0 [--list] build|qemu|bochs|test..." >&2; exit 2; }

# Every package one of the uses needs, in the list's order.
wanted=$(awk -v uses="$*" '
    BEGIN { n = split(uses, u, " "); for (i = 1; i <= n; i++) want[u[i]] = 1 }
    /^[ \t]*(#|$)/ { next }
    { for (i = 2; i <= NF; i++) if ($i in want) { print $1; break } }
' "$list")

if [ -n "$only_list" ]; then
    echo $wanted
    exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "packages: this is not a Debian-based system (no dpkg-query)." >&2
    echo "packages: install the equivalents of: $(echo $wanted)" >&2
    exit 1
fi

missing=
for p in $wanted; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
    esac
done
[ -n "$missing" ] || exit 0

echo "packages: BareKVM needs Debian packages this machine lacks:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    as_root=
elif command -v sudo >/dev/null 2>&1; then
    as_root=sudo
    echo "packages: installing them with sudo apt-get (it may ask for your password)" >&2
else
    echo "packages: not root and no sudo: as root, run" >&2
    echo "    apt-get install$missing" >&2
    exit 1
fi
echo "packages: apt-get update && apt-get install -y --no-install-recommends$missing" >&2
if ! $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 ||
   ! $as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends $missing >&2; then
    echo "packages: could not install:$missing" >&2
    echo "packages: install them by hand (apt-get install$missing) and run make again" >&2
    exit 1
fi
echo "packages: installed:$missing" >&2
