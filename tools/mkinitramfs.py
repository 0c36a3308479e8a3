#!/usr/bin/env python3
"""Builds the test guest's initramfs: a gzip'd cpio archive ("newc", the
format the kernel unpacks: Documentation/driver-api/early-userspace/
buffer-format.rst) holding a static busybox, its applet links and an /init
that mounts /proc, /sys and /dev and starts busybox init on ttyS0.

usage: mkinitramfs.py BUSYBOX OUT.cpio.gz
"""
import gzip
import os
import sys

INIT = """#!/bin/sh
# BareKVM's test initramfs: /proc, /sys, /dev, then busybox init.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec /bin/busybox init
"""

# ttyS0 gets a login-less shell with job control (so ^C reaches what the
# shell runs); poweroff and reboot run the shutdown entries, then the
# kernel's power-off or restart.
INITTAB = """::sysinit:/bin/echo "initramfs: busybox $(/bin/busybox | /bin/busybox head -n 1 | /bin/busybox cut -d' ' -f2) on Linux $(/bin/busybox uname -r)"
ttyS0::respawn:-/bin/sh
::shutdown:/bin/echo "initramfs: shutting down"
"""

PROFILE = "export PS1='~ # '\nexport PATH=/bin:/sbin\n"

# The applets the tests and a user need; busybox --list has them all, but
# asking would mean running the (target) binary on the build machine.
APPLETS = """sh ash cat cp date dmesg echo grep head ls mkdir mount mv poweroff
ps reboot rm sleep sync uname umount wc cut true false halt init dd hexdump
free uptime env sed tail sort kill vi less stty tr""".split()

class Cpio:
    def __init__(self):
        self.data = bytearray()
        self.ino = 1

    def _entry(self, name, mode, body=b"", nlink=1):
        fields = [self.ino, mode, 0, 0, nlink, 0, len(body), 0, 0, 0, 0,
                  len(name) + 1, 0]
        self.ino += 1
        hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
        self.data += hdr + name.encode() + b"\0"
        self._pad()
        self.data += body
        self._pad()

    def _pad(self):
        self.data += b"\0" * (-len(self.data) % 4)

    def dir(self, name):
        self._entry(name, 0o040755, nlink=2)

    def file(self, name, body, mode=0o644):
        self._entry(name, 0o100000 | mode, body)

    def symlink(self, name, target):
        self._entry(name, 0o120777, target.encode())

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return bytes(self.data)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    busybox, out = sys.argv[1], sys.argv[2]
    with open(busybox, "rb") as f:
        bb = f.read()
    a = Cpio()
    for d in ("bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "root"):
        a.dir(d)
    a.file("bin/busybox", bb, 0o755)
    for applet in APPLETS:
        a.symlink("bin/" + applet, "busybox")
    a.file("init", INIT.encode(), 0o755)
    a.file("etc/inittab", INITTAB.encode())
    a.file("etc/profile", PROFILE.encode())
    tmp = out + ".tmp"
    with open(tmp, "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(a.finish())
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
