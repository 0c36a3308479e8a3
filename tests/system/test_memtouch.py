"""A guest that touches 8 MiB in every paging mode (docs/test-guests.md,
memtouch.bin and memtouch32.bin; issue 13 item 4): under shadow paging
(qemu-shadow, bochs-penryn) it reads back exactly what it reads under
NPT/EPT (qemu-max, bochs-skylake, bochs-lynnfield).

Each mode maps the same 8 MiB of RAM at two linear windows (one in frame
order, one in scrambled page order) in two address spaces that swap the
windows, writes an address-derived word to every 64-byte line through the
frame-order window, reads every line back through the scrambled one, and
loads CR3 with the other space every 16 KiB. The checksum of what it read
depends on the algorithm alone: this test recomputes it (expected_lines)
and asserts the same lines on every platform.

memtouch.bin (4-level paging) and memtouch32.bin (32-bit paging, then PAE)
run one after the other in one boot per platform. They are not in
boot/grub.cfg (the control partition takes at most 16 guest modules,
abi/ctl_boot.h, and grub.cfg has 16): this test boots an ISO of its own
with them, as test_ptattack.py does. On bochs-penryn the two guests run
in about 1 s and 4 s of the boot's time."""
import os

import pytest

from conftest import ROOT
from ctl_session import command, guest_lines, start_ctl
from test_abi_common import GRUB_CFG, run_line
import serialconsole

PLATFORMS = os.environ.get(
    "BAREKVM_MEMTOUCH_PLATFORMS",
    "qemu-max,qemu-shadow,bochs-skylake,bochs-penryn,bochs-lynnfield").split(",")

# guests/tests/memtouch/memtouch.h
REGION_GPA, REGION_BYTES = 0x800000, 0x800000
LINE_BYTES, SWITCH_BYTES = 64, 0x4000
KIB4, MIB2, MIB4 = 0x1000, 0x200000, 0x400000
MASK32 = 0xffffffff

# (guest, mode as printed, page size, the seed the guest gives it)
MODES = {
    "memtouch32": [("32-bit, 4 KiB pages", KIB4, 1), ("32-bit, 4 MiB pages", MIB4, 2),
                   ("PAE, 4 KiB pages", KIB4, 3), ("PAE, 2 MiB pages", MIB2, 4)],
    "memtouch": [("4-level, 4 KiB pages", KIB4, 5), ("4-level, 2 MiB pages", MIB2, 6)],
}


def scrambled_page(i, pages):
    return (i * 0x9e5 + 0x2b5) & (pages - 1)


def pattern(gpa, seed):
    """The word the guest stores in the line at gpa (sweep.c)."""
    x = gpa ^ ((seed * 0x9e3779b9) & MASK32)
    x ^= x >> 16
    x = (x * 0x85ebca6b) & MASK32
    x ^= x >> 13
    x = (x * 0xc2b2ae35) & MASK32
    x ^= x >> 16
    return x


def checksum(page, seed):
    """FNV-1a over the words read back in the scrambled window's order."""
    pages, total = REGION_BYTES // page, 0x811c9dc5
    for i in range(pages):
        frame = REGION_GPA + scrambled_page(i, pages) * page
        for off in range(0, page, LINE_BYTES):
            total = ((total ^ pattern(frame + off, seed)) * 0x01000193) & MASK32
    return total


def expected_lines(guest):
    """Every line the guest prints: a checksum and a check per mode (CR3
    loaded at each 16 KiB of both passes: 512 + 512), then the tally."""
    lines = []
    loads = 2 * REGION_BYTES // SWITCH_BYTES
    for mode, page, seed in MODES[guest]:
        lines += [f"{guest}: {mode}: checksum 0x{checksum(page, seed):08x}",
                  f"{guest}: PASS {mode}: 8 MiB in {REGION_BYTES // page} pages written in "
                  f"frame order, read back scrambled, {loads} CR3 loads: 0 wrong lines"]
    n = len(MODES[guest])
    return lines + [f"{guest}: PASS {n}/{n}"]


def test_scrambled_page_is_a_permutation():
    for pages in (2, 4, 2048):
        assert sorted(scrambled_page(i, pages) for i in range(pages)) == list(range(pages))
        assert [scrambled_page(i, pages) for i in range(pages)] != list(range(pages))


@pytest.fixture(scope="module")
def memtouch_iso(tmp_path_factory):
    build = os.path.join(ROOT, "build")
    mods = [os.path.join(build, "ctl", "ctl.elf"),
            os.path.join(build, "guests", "memtouch.bin"),
            os.path.join(build, "guests", "memtouch32.bin")]
    missing = [m for m in mods + [os.path.join(build, "barekvm.elf")] if not os.path.exists(m)]
    if missing:
        pytest.fail(f"missing {missing}: run 'make' first (make test does)")
    lines = "".join(f"    module2 /boot/modules/{os.path.basename(m)} "
                    f"{os.path.basename(m).split('.')[0]}\n" for m in mods[1:])
    out = str(tmp_path_factory.mktemp("memtouch") / "memtouch.iso")
    return serialconsole.make_iso(out, GRUB_CFG % lines, mods)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_memtouch(console_factory, memtouch_iso, platform):
    ctl = start_ctl(console_factory, memtouch_iso, platform=platform)
    frames = command(ctl, "frames")
    for vm, (guest, mode) in enumerate([("memtouch", "long64"), ("memtouch32", "prot32")]):
        assert command(ctl, "vm create 16") == f"vm {vm} created: 16 MiB"
        out = command(ctl, f"load {vm} flat {guest} 0x100000 {mode}")
        assert f"vm {vm}: loaded '{guest}'" in out, out
        out = command(ctl, f"run {vm}", timeout=900)
        assert guest_lines(out, vm) == expected_lines(guest), out
        assert run_line(out, vm) == f"vm {vm}: guest exited with status 0", out
    for vm in (0, 1):
        assert command(ctl, f"vm destroy {vm}") == f"vm {vm} destroyed"
    assert command(ctl, "frames") == frames
