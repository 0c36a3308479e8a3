#!/usr/bin/env python3
"""Interactive serial console for a platform whose COM1 is not a terminal
(Bochs): boots the ISO through tools/serialconsole.py and bridges this
terminal to the emulated COM1 until Ctrl-] is pressed or the emulator stops.

usage: console.py [--platform bochs-skylake] --iso build/barekvm.iso
"""
import argparse
import os
import select
import sys
import termios
import tty

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serialconsole  # noqa: E402

QUIT = b"\x1d"  # Ctrl-]


def bridge(con):
    fd_in = sys.stdin.fileno()
    sock = con.child.child_fd
    old = termios.tcgetattr(fd_in) if os.isatty(fd_in) else None
    try:
        if old:
            tty.setraw(fd_in)
        while True:
            ready, _, _ = select.select([fd_in, sock], [], [])
            if sock in ready:
                data = os.read(sock, 4096)
                if not data:
                    return
                os.write(sys.stdout.fileno(), data)
            if fd_in in ready:
                data = os.read(fd_in, 1024)
                if not data or QUIT in data:
                    return
                os.write(sock, data)
    finally:
        if old:
            termios.tcsetattr(fd_in, termios.TCSADRAIN, old)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--platform", default="bochs-skylake",
                    choices=sorted(serialconsole.PLATFORMS))
    ap.add_argument("--iso", required=True)
    args = ap.parse_args()
    why = serialconsole.missing_requirements(args.platform)
    if why:
        sys.exit(f"console: {why}")
    print(f"console: booting {args.iso} on {args.platform}; Ctrl-] quits",
          file=sys.stderr)
    with serialconsole.boot(args.platform, os.path.abspath(args.iso),
                            name="interactive") as con:
        bridge(con)


if __name__ == "__main__":
    main()
