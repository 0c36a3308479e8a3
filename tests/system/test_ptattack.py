"""Hostile page tables (docs/test-guests.md, ptattack.bin; issue 13 item 3):
a guest whose tables point outside its memory, at themselves, at MMIO, with
reserved bits, large pages over holes and tables rewritten while in use
gets faults, the MMIO answers of the VMM, or its own markers: never a value
nobody gave it. Under shadow paging (qemu-shadow) and under NPT/EPT
(qemu-max, bochs-skylake, bochs-ryzen) alike. Afterwards the hypervisor
runs on: the VM's frames come back and a further VM runs.

ptattack.bin is not in boot/grub.cfg (the control partition takes at most
16 guest modules, abi/ctl_boot.h, and grub.cfg has 16): this test boots an
ISO of its own with it and long64.bin."""
import os
import re

import pytest

from conftest import ROOT
from ctl_session import check_tally, command, guest_lines, start_ctl
from test_abi_common import GRUB_CFG, run_line
import serialconsole

PLATFORMS = os.environ.get("BAREKVM_PTATTACK_PLATFORMS",
                           "qemu-max,qemu-shadow,bochs-skylake,bochs-ryzen").split(",")

RSVD_CHECKS = {
    # check: the error code the SDM gives it (P | RSVD, + W for a write)
    "PTE with bit MAXPHYADDR set: read #PF P|RSVD": 0x9,
    "PTE with bit MAXPHYADDR set: write #PF P|RSVD|W": 0xb,
    "PTE with bit 51 set: read #PF P|RSVD": 0x9,
    "PDE -> table with bit MAXPHYADDR set: read #PF P|RSVD": 0x9,
    "2 MiB PDE with bit 13 set: read #PF P|RSVD": 0x9,
    "PML4E with PS set: read #PF P|RSVD": 0x9,
}
OUTSIDE = [
    "PTE -> first page past RAM: unclaimed MMIO, reads 0",
    "PTE -> first page past RAM: a write is taken (and dropped)",
    "PTE -> first page past RAM: reads 0 after the write",
    "PTE -> 4 GiB: unclaimed MMIO, reads 0",
    "PTE -> last page below MAXPHYADDR: unclaimed MMIO, reads 0",
    *RSVD_CHECKS,
    "PTE -> MMIO test device: its ID register",
    "PTE -> MMIO test device: a stored word reads back through the identity map",
]
RECURSIVE = [
    "PML4[2] -> PML4: VA 2/2/2/2 reads the PML4's own entries",
    "PML4[2] -> PML4: VA 2/1/0/0 reads pt_t's entries",
    "PTE written through the recursive map lands in pt_t",
    "... and maps its frame (marker B)",
    "PTE rewritten through the recursive map, INVLPG: marker C",
    "PML4E written through the PML4's own page lands in the PML4",
    "... and its walk maps marker D",
    "PML4E cleared through the PML4's own page, INVLPG: #PF",
    "PML4[2] cleared, CR3 reloaded: the recursive map is gone: #PF",
    "PTE -> its own PT: reads the PT's entries",
    "PTE written through the PT's self-map is taken",
    "... and maps its frame (marker A)",
    "PDE -> its own PD: entry 0 maps pt_t",
    "PDE -> its own PD: entry 8 maps the PD",
    "PDPTE -> PML4: a cycle across levels reads pd_low",
]
REWRITE = [
    "live PTE -> A: marker A",
    "live PTE -> B without INVLPG: marker A or B",
    "live PTE -> B, INVLPG: marker B",
    "live PTE -> C, CR3 reloaded: marker C",
    "live PTE cleared, INVLPG: read #PF",
    "live PTE cleared, INVLPG: write #PF W",
    "read-only PTE, CR0.WP = 1: write #PF P|W",
    "read-only PTE: reads marker D",
    "read-only PTE, CR0.WP = 0: a supervisor write goes through to frame D",
    "PTE made writable, INVLPG: the write reaches frame D",
    "live PDE -> PT X: marker A",
    "live PDE -> PT Y, INVLPG: marker B",
    "PT Y's PTE -> C, INVLPG: marker C",
    "freed PT Y rewritten as data reads back as written",
    "PDE cleared, INVLPG: #PF",
    "CR3 = PML4: VA_PT(0) reads marker A",
    "CR3 = second PML4: VA_PT(0) reads marker B",
    "CR3 = PML4 again: marker A",
    "second PML4 again, its PT changed meanwhile: marker C",
]
HUGE_2M = [
    "2 MiB page over the end of RAM: RAM part reads its marker",
    "2 MiB page over the end of RAM: last RAM word reads its marker",
    "2 MiB page over the end of RAM: first byte past RAM reads 0",
    "2 MiB page over the end of RAM: a write past RAM is taken",
    "2 MiB page over the end of RAM: ... and reads 0 after it",
    "2 MiB page over the MMIO test device: its ID register",
    "2 MiB page over the MMIO test device: 1 MiB further reads 0",
]
HUGE_1G = [
    "1 GiB page over [3 GiB, 4 GiB): the MMIO test device's ID",
    "1 GiB page over [3 GiB, 4 GiB): 0xe0000000 reads 0",
    "1 GiB page at 0: last RAM word reads its marker",
    "1 GiB page at 0: first byte past RAM reads 0",
    "1 GiB page at 0: its last word reads 0",
    "1 GiB page at 4 GiB: reads 0",
]
MMIO_TABLES = [
    "PT on the MMIO test device: #PF (not present) or the PTE's marker A",
    "PT on the MMIO test device: a write goes where the read went",
    "PT past RAM: read #PF",
    "PT past RAM: write #PF W",
    "PD in the MMIO hole (0xe0000000): read #PF",
    "PDPT at the last page below MAXPHYADDR: read #PF",
]
# Reads that reach the VMM's unclaimed MMIO, and writes (the guest counts
# them too): past RAM x3 (one write), 4 GiB, below MAXPHYADDR; the 2 MiB
# pages x3 (one write); the 1 GiB pages x4.
UNCLAIMED_READS_2M, UNCLAIMED_READS_1G, UNCLAIMED_WRITES = 7, 4, 2

# QEMU 7.2's TCG page walker (target/i386/tcg/sysemu/excp_helper.c,
# do_fault_rsvd) sets RSVD without P in the #PF error code; the SDM (Vol. 3A
# 4.7) and the APM (8.4.2) set P with it: a reserved bit is only checked in
# a present entry. Under NPT that walker, not the hypervisor, raises the
# guest's #PF. Under shadow paging the hypervisor reflects P|RSVD.
QEMU_RSVD_WITHOUT_P = {"qemu-max"}


@pytest.fixture(scope="module")
def ptattack_iso(tmp_path_factory):
    build = os.path.join(ROOT, "build")
    mods = [os.path.join(build, "ctl", "ctl.elf"),
            os.path.join(build, "guests", "ptattack.bin"),
            os.path.join(build, "guests", "long64.bin")]
    missing = [m for m in mods + [os.path.join(build, "barekvm.elf")] if not os.path.exists(m)]
    if missing:
        pytest.fail(f"missing {missing}: run 'make' first (make test does)")
    lines = "".join(f"    module2 /boot/modules/{os.path.basename(m)} "
                    f"{os.path.basename(m).split('.')[0]}\n" for m in mods[1:])
    out = str(tmp_path_factory.mktemp("ptattack") / "ptattack.iso")
    return serialconsole.make_iso(out, GRUB_CFG % lines, mods)


def expected_checks(lines):
    """The checks in order for what the guest's CPUID says (MAXPHYADDR,
    1 GiB pages), and the unclaimed MMIO reads."""
    m = next(re.match(r"ptattack: MAXPHYADDR (\d+), 1 GiB pages (announced|hidden)$", l)
             for l in lines if l.startswith("ptattack: MAXPHYADDR"))
    maxphyaddr, gib = int(m.group(1)), m.group(2) == "announced"
    outside = [c for c in OUTSIDE if maxphyaddr < 52 or "bit 51" not in c]
    checks = outside + RECURSIVE + REWRITE + HUGE_2M + (HUGE_1G if gib else []) + MMIO_TABLES
    reads = UNCLAIMED_READS_2M + (UNCLAIMED_READS_1G if gib else 0)
    if not gib:
        assert "ptattack: 1 GiB pages skipped: CPUID does not announce them" in lines
    return checks, reads


@pytest.mark.parametrize("platform", PLATFORMS)
def test_hostile_page_tables(console_factory, ptattack_iso, platform):
    ctl = start_ctl(console_factory, ptattack_iso, platform=platform)
    frames = command(ctl, "frames")
    assert command(ctl, "vm create 17") == "vm 0 created: 17 MiB"
    out = command(ctl, "load 0 flat ptattack 0x100000 long64")
    assert "vm 0: loaded 'ptattack'" in out, out
    out = command(ctl, "run 0", timeout=600)
    lines = guest_lines(out, 0)
    text = "\n".join(lines)
    assert not [l for l in lines if l.startswith("ptattack: LEAK")], text
    checks, reads = expected_checks(lines)
    defects = RSVD_CHECKS if platform in QEMU_RSVD_WITHOUT_P else {}
    verdicts = [l for l in lines if re.match(r"ptattack: (PASS|FAIL) ", l)][:-1]
    want = [f"ptattack: {'FAIL' if c in defects else 'PASS'} {c}" for c in checks]
    assert verdicts == want, text
    for c, code in defects.items():    # exactly the SDM's code without P
        detail = lines[lines.index(f"ptattack: FAIL {c}") + 1]
        assert re.match(rf"ptattack:   got vector 14, error {code & ~1:#x}, ", detail), text
    # a table on the MMIO test device: every backend gives the not-present #PF
    assert "ptattack: PT on the MMIO test device: vector 14, error 0x0" in lines, text
    assert any(re.fullmatch(r"ptattack: without INVLPG the read saw (A \(stale\)|B \(new\))", l)
               for l in lines), text
    passed = len(checks) - len(defects)
    if defects:
        assert f"ptattack: FAIL {passed}/{len(checks)}" in lines, text
    else:
        check_tally(lines, "ptattack", passed)
    assert run_line(out, 0) == f"vm 0: guest exited with status {len(defects)}", out
    # every unclaimed access reached the VMM, and nothing else did
    unclaimed = f"unclaimed MMIO: {reads} reads, {UNCLAIMED_WRITES} writes"
    assert f"ptattack: {unclaimed}" in lines, text
    stats = command(ctl, "stats 0")
    assert re.search(rf"^{unclaimed} \(last address 0x[0-9a-f]+\)$", stats, re.M), stats
    # the hypervisor runs on: the VM's frames come back, a further VM runs
    assert command(ctl, "vm destroy 0") == "vm 0 destroyed"
    assert command(ctl, "frames") == frames
    assert command(ctl, "vm create 16") == "vm 0 created: 16 MiB"
    assert "vm 0: loaded 'long64'" in command(ctl, "load 0 flat long64 0x100000 long64")
    out = command(ctl, "run 0", timeout=600)
    check_tally(guest_lines(out, 0), "long64", 17)
    assert run_line(out, 0) == "vm 0: guest exited with status 0", out
