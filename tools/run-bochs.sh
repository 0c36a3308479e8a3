#!/bin/sh
# Boots a BareKVM ISO in Bochs (default CPU corei7_skylake_x: VMX with EPT,
# VPID, unrestricted guest; bochs-ryzen and bochs-phenom are AMD SVM + NPT)
# with this terminal bridged to COM1. Ctrl-A x quits (as in run-qemu.sh).
# usage: run-bochs.sh [--platform bochs-skylake|bochs-ryzen|bochs-phenom|
#                      bochs-lynnfield|bochs-penryn] --iso FILE
set -eu
here=$(dirname "$0")
for py in /usr/bin/python3 python3; do
    if "$py" -c 'import pexpect' 2>/dev/null; then
        exec "$py" "$here/console.py" "$@"
    fi
done
echo "run-bochs: needs python3 with pexpect (apt-get install python3-pexpect)" >&2
exit 1
