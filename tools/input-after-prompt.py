#!/usr/bin/env python3
"""Runs a command (run-qemu.sh's QEMU) with its output passed through, and
feeds it this process's standard input only once the command has printed
the control partition's first prompt.

Piped input (`printf 'vm create 16\\n...' | make run`) would otherwise reach
the emulated COM1 while GRUB and the hypervisor boot, and they take and
drop the first bytes. A terminal needs none of this: run-qemu.sh uses this
only when its standard input is not one.

usage: input-after-prompt.py COMMAND [ARG...]   (exit status: the command's)
"""
import os
import select
import subprocess
import sys

PROMPT = b"ctl> "


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    child = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    out_fd, in_fd = child.stdout.fileno(), sys.stdin.fileno()
    seen, tail = False, b""
    while True:
        fds = [out_fd] + ([in_fd] if seen and in_fd is not None else [])
        ready, _, _ = select.select(fds, [], [])
        if out_fd in ready:
            data = os.read(out_fd, 4096)
            if not data:
                break
            os.write(sys.stdout.fileno(), data)
            if not seen:
                tail = (tail + data)[-len(PROMPT) * 2:]
                seen = PROMPT in tail
        if in_fd is not None and in_fd in ready:
            data = os.read(in_fd, 1024)
            if data:
                child.stdin.write(data)
                child.stdin.flush()
            else:
                in_fd = None    # end of input: QEMU keeps running
    sys.exit(child.wait())


if __name__ == "__main__":
    main()
