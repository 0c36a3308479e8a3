#!/bin/sh
# Boots a BareKVM ISO in QEMU under TCG with the serial console on stdio.
# usage: run-qemu.sh [--uefi] [--cpu MODEL] [--icount] [--mem MiB] --iso FILE [-- extra qemu args]
#   --cpu defaults to 'max' (SVM + NPT); 'qemu64,+svm,-npt' gives SVM without NPT.
#   --uefi boots through OVMF instead of SeaBIOS.
#   --icount runs with -icount shift=0 (TSC counts executed instructions).
# Exit status: the control partition's (its `exit N` writes N to QEMU's
# isa-debug-exit, which makes QEMU exit with 2N+1), 0 when QEMU ends
# otherwise (Ctrl-A x). QEMU's own start-up errors also exit 1, shown on
# stderr: the ISO and firmware are checked here first.
# Keys: every key reaches COM1, Ctrl-C and Ctrl-] included (signal=off: the
# control partition passes Ctrl-C to a running guest and takes Ctrl-] as its
# escape). QEMU's multiplexer owns Ctrl-A: Ctrl-A x quits QEMU, Ctrl-A
# Ctrl-A sends one Ctrl-A, Ctrl-A h lists the rest.
set -eu
cpu=max uefi= iso= mem=512 icount=
while [ $# -gt 0 ]; do
    case $1 in
    --uefi) uefi=1 ;;
    --cpu) cpu=$2; shift ;;
    --iso) iso=$2; shift ;;
    --mem) mem=$2; shift ;;
    --icount) icount=1 ;;
    --) shift; break ;;
    *) echo "run-qemu: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$iso" ] || { echo "run-qemu: --iso FILE is required" >&2; exit 2; }
[ -f "$iso" ] || { echo "run-qemu: $iso: no such file" >&2; exit 2; }
set -- -machine q35 -cpu "$cpu" -m "$mem" -cdrom "$iso" -boot d \
    -display none -chardev stdio,id=con0,mux=on,signal=off \
    -serial chardev:con0 -monitor none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=4 "$@"
if [ -n "$uefi" ]; then
    fw=/usr/share/ovmf/OVMF.fd
    [ -f "$fw" ] || { echo "run-qemu: $fw missing (apt-get install ovmf)" >&2; exit 1; }
    set -- -bios "$fw" "$@"
fi
[ -n "$icount" ] && set -- -icount shift=0 "$@"
# Piped input waits for the control partition's prompt (input-after-prompt.py).
hold=
[ -t 0 ] || hold="$(dirname "$0")/input-after-prompt.py"
rc=0
$hold qemu-system-x86_64 "$@" || rc=$?
if [ $((rc % 2)) -eq 1 ]; then
    exit $(((rc - 1) / 2))
fi
exit "$rc"
