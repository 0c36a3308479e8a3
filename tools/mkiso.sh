#!/bin/sh
# Builds the hybrid BIOS + UEFI ISO with grub-mkrescue (grub-pc-bin and
# grub-efi-amd64-bin must both be installed, with xorriso and mtools).
# usage: mkiso.sh OUT.iso HYPERVISOR.elf GRUB.cfg [MODULE...]
# Modules land in /boot/modules/ under their own file names.
set -eu
out=$1 elf=$2 cfg=$3
shift 3
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub" "$stage/boot/modules"
cp "$elf" "$stage/boot/barekvm.elf"
cp "$cfg" "$stage/boot/grub/grub.cfg"
for m in "$@"; do
    cp "$m" "$stage/boot/modules/"
done
for d in /usr/lib/grub/i386-pc /usr/lib/grub/x86_64-efi; do
    [ -d "$d" ] || { echo "mkiso: $d missing (install grub-pc-bin and grub-efi-amd64-bin)" >&2; exit 1; }
done
grub-mkrescue --compress=xz --fonts= --locales= --themes= \
    -o "$out" "$stage" >"$stage.log" 2>&1 || { cat "$stage.log" >&2; rm -f "$stage.log"; exit 1; }
rm -f "$stage.log"
echo "mkiso: $out ($(du -k "$out" | cut -f1) KiB)"
