#!/bin/sh
# Builds an ISO that boots straight into a guest kernel of your own, as
# `lkvm run -k bzImage -i initrd -p cmdline -m MiB` and QEMU's
# -kernel/-initrd/-append do: the hypervisor, the control partition, the
# kernel (a bzImage or a multiboot kernel) and its initrd as boot modules,
# and a ctl-script module that creates the VM, loads and runs it with the
# console attached, then ends with the VM's status (`exit vm 0`: the guest's
# own exit-port status, 0 for a halt or a reset, 1 for a fatal exit).
# usage: kernel-iso.sh OUT.iso HYPERVISOR.elf CTL.elf MEM_MIB KERNEL [INITRD] [-- APPEND...]
# Used by `make run KERNEL=path [INITRD=path] [APPEND="..."] [MEM=MiB]`.
set -eu
out=$1 elf=$2 ctl=$3 mem=$4 kernel=$5
shift 5
initrd=
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    initrd=$1
    shift
fi
[ "${1:-}" = "--" ] && shift
append="$*"

[ -f "$kernel" ] || { echo "kernel-iso: KERNEL=$kernel: no such file" >&2; exit 2; }
[ -z "$initrd" ] || [ -f "$initrd" ] || { echo "kernel-iso: INITRD=$initrd: no such file" >&2; exit 2; }
case $mem in
    ''|*[!0-9]*) echo "kernel-iso: MEM=$mem is not a number of MiB" >&2; exit 2 ;;
esac
# A bzImage's console is the serial port unless APPEND says otherwise.
if [ -z "$append" ] && [ "$(dd if="$kernel" bs=1 skip=514 count=4 2>/dev/null)" = "HdrS" ]; then
    append="console=ttyS0"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$kernel" "$stage/kernel"
modules="$ctl $stage/kernel"
initrd_arg=
if [ -n "$initrd" ]; then
    cp "$initrd" "$stage/initrd"
    modules="$modules $stage/initrd"
    initrd_arg="initrd=initrd "
fi
cat >"$stage/run.script" <<SCRIPT
# make run KERNEL=$kernel
vm create $mem
load 0 kernel kernel $initrd_arg$append
run 0
exit vm 0
SCRIPT
modules="$modules $stage/run.script"
{
    echo "serial --unit=0 --speed=115200"
    echo "terminal_input serial"
    echo "terminal_output serial"
    echo "set timeout=0"
    echo "menuentry \"BareKVM: $(basename "$kernel")\" {"
    echo "    multiboot2 /boot/barekvm.elf console=com1"
    echo "    module2 /boot/modules/ctl.elf ctl"
    echo "    module2 /boot/modules/kernel kernel"
    [ -n "$initrd" ] && echo "    module2 /boot/modules/initrd initrd"
    echo "    module2 /boot/modules/run.script ctl-script"
    echo "    boot"
    echo "}"
} >"$stage/grub.cfg"
# shellcheck disable=SC2086
"$(dirname "$0")/mkiso.sh" "$out" "$elf" "$stage/grub.cfg" $modules
