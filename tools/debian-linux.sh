#!/bin/sh
# Fetches the guest Linux the system tests boot: Debian 12's own kernel
# (the package linux-image-amd64 depends on) and busybox-static, downloaded
# with apt-get download (nothing is installed) and unpacked into DIR:
#   DIR/vmlinuz          the unmodified bzImage
#   DIR/busybox          the static busybox for the initramfs
#   DIR/kernel-release   what `uname -r` will say, e.g. 6.1.0-57-amd64
#   DIR/kernel-package   the package and version, e.g. linux-image-6.1.0-57-amd64 6.1.192-3
# usage: tools/debian-linux.sh DIR
# Never committed: DIR is under build/. Re-running with the same package
# version does nothing.
set -eu
dir=$1
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

# The metapackage's dependency names the current kernel package.
kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

pkg=$(kernel_package)
if [ -z "$pkg" ]; then
    echo "debian-linux: apt knows no linux-image-amd64; updating the package lists" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 ||
        { echo "debian-linux: cannot run apt-get update (not root, no sudo)" >&2; exit 1; }
    pkg=$(kernel_package)
    [ -n "$pkg" ] || { echo "debian-linux: no linux-image-amd64 in the package lists" >&2; exit 1; }
fi
version=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
if [ -f "$dir/kernel-package" ] && [ "$(cat "$dir/kernel-package")" = "$pkg $version" ] &&
   [ -f "$dir/vmlinuz" ] && [ -f "$dir/busybox" ]; then
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "debian-linux: downloading $pkg $version and busybox-static" >&2
# apt-get download writes into the current directory; as root it warns
# that the _apt user cannot write there, which is harmless.
(cd "$work" && apt-get download -q "$pkg" busybox-static 2>&1 | grep -v "^W: Download is performed unsandboxed" >&2) || true
kdeb=$(ls "$work"/linux-image-*.deb 2>/dev/null | head -n 1)
bdeb=$(ls "$work"/busybox-static_*.deb 2>/dev/null | head -n 1)
[ -n "$kdeb" ] && [ -n "$bdeb" ] || { echo "debian-linux: apt-get download failed" >&2; exit 1; }

mkdir -p "$work/k" "$work/b"
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$work/k" --wildcards './boot/vmlinuz-*'
dpkg-deb --fsys-tarfile "$bdeb" | tar -x -C "$work/b" ./bin/busybox
vmlinuz=$(ls "$work"/k/boot/vmlinuz-* | head -n 1)
cp "$vmlinuz" "$dir/vmlinuz"
cp "$work/b/bin/busybox" "$dir/busybox"
basename "$vmlinuz" | sed 's/^vmlinuz-//' >"$dir/kernel-release"
echo "$pkg $version" >"$dir/kernel-package"
echo "debian-linux: $dir/vmlinuz is $(cat "$dir/kernel-release") ($(du -k "$dir/vmlinuz" | cut -f1) KiB)" >&2
