#!/usr/bin/env python3
"""Interactive serial console for a platform whose COM1 is not a terminal
(Bochs): boots the ISO through tools/serialconsole.py and bridges this
terminal to the emulated COM1 until Ctrl-A x is typed or the emulator stops.

Keys are those of QEMU's stdio multiplexer (tools/run-qemu.sh), so both
emulators quit the same way: Ctrl-A x quits, Ctrl-A Ctrl-A sends one
Ctrl-A, Ctrl-A h lists the keys; any other key after Ctrl-A is dropped, as
QEMU does. Every other key reaches COM1, Ctrl-C and Ctrl-] included (the
control partition's escape key from a running guest).

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

ESCAPE = 0x01  # Ctrl-A, QEMU's mux escape
QUIT = ord("x")
HELP = ord("h")
HELP_TEXT = (b"\r\nconsole: Ctrl-A x  quit the emulator\r\n"
             b"console: Ctrl-A Ctrl-A  send Ctrl-A\r\n")


class Keys:
    """Ctrl-A sequences of the terminal's keys; what is left goes to COM1."""

    def __init__(self):
        self.after_escape = False
        self.quit = False

    def filter(self, data, show):
        """Returns the bytes for COM1; sets self.quit on Ctrl-A x. show(b)
        prints help text on the terminal."""
        out = bytearray()
        for byte in data:
            if self.quit:
                break
            if not self.after_escape:
                if byte == ESCAPE:
                    self.after_escape = True
                else:
                    out.append(byte)
                continue
            self.after_escape = False
            if byte == QUIT:
                self.quit = True
            elif byte == ESCAPE:
                out.append(ESCAPE)
            elif byte == HELP:
                show(HELP_TEXT)
        return bytes(out)


def bridge(con):
    fd_in = sys.stdin.fileno()
    fd_out = sys.stdout.fileno()
    sock = con.child.child_fd
    keys = Keys()
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
                os.write(fd_out, data)
            if fd_in in ready:
                data = os.read(fd_in, 1024)
                if not data:
                    return
                data = keys.filter(data, lambda b: os.write(fd_out, b))
                if data:
                    os.write(sock, data)
                if keys.quit:
                    return
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
    print(f"console: booting {args.iso} on {args.platform}; Ctrl-A x quits",
          file=sys.stderr)
    with serialconsole.boot(args.platform, os.path.abspath(args.iso),
                            name="interactive") as con:
        bridge(con)


if __name__ == "__main__":
    main()
