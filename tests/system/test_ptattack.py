"""Hostile page tables (docs/test-guests.md, ptattack.bin and ptattack32.bin;
issue 13 item 3):
a guest whose tables point outside its memory, at themselves, at MMIO, with
reserved bits, large pages over holes and tables rewritten while in use
gets faults, the MMIO answers of the VMM, or its own markers: never a value
nobody gave it. Under shadow paging (qemu-shadow, bochs-penryn) and under
NPT/EPT (qemu-max, bochs-skylake, bochs-ryzen, bochs-phenom,
bochs-lynnfield) alike. Afterwards the hypervisor
runs on: the VM's frames come back and a further VM runs.

ptattack.bin (4-level paging) and ptattack32.bin (32-bit paging with 4 MiB
pages, then PAE) run one after the other in one boot per platform (Bochs
boots take minutes). They are not in boot/grub.cfg (the control partition
takes at most 16 guest modules, abi/ctl_boot.h, and grub.cfg has 16): this
test boots an ISO of its own with them and long64.bin."""
import os
import re

import pytest

from conftest import ROOT
from ctl_session import check_tally, command, guest_lines, start_ctl
from test_abi_common import GRUB_CFG, nm, run_line, xfail_on
import serialconsole

# Every backend: NPT, EPT, shadow paging on SVM (qemu-shadow) and on VMX
# (bochs-penryn), VMX without unrestricted guest (bochs-lynnfield). Each
# Bochs run takes about 10 s.
PLATFORMS = os.environ.get(
    "BAREKVM_PTATTACK_PLATFORMS",
    "qemu-max,qemu-shadow,bochs-skylake,bochs-ryzen,bochs-phenom,bochs-lynnfield,"
    "bochs-penryn").split(",")

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
    *list(RSVD_CHECKS)[:2],
    # raised by the hypervisor's emulator (the source is MMIO) on every
    # platform, so QEMU's RSVD without P does not apply to it
    "MOVS from MMIO to a PTE with bit MAXPHYADDR set: #PF P|RSVD|W",
    *list(RSVD_CHECKS)[2:],
    "PTE -> MMIO test device: its ID register",
    "PTE -> MMIO test device: a stored word reads back through the identity map",
]
RECURSIVE = [
    "PML4[2] -> PML4: VA 2/2/2/2 reads the PML4's own entries",
    "PML4[2] -> PML4: VA 2/1/0/0 reads pt_t's entries",
    "PTE written through the recursive map lands in pt_t",
    "... and maps its frame (marker B)",
    "PTE rewritten through the recursive map, INVLPG: marker C",
    "PTE written by an emulated MOVS from MMIO through the recursive map lands in pt_t",
    "... and maps its frame (marker D)",
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
    "live PTE cleared: an emulated MOVS from MMIO: #PF W",
    "read-only PTE, CR0.WP = 1: write #PF P|W",
    "read-only PTE: reads marker D",
    "read-only PTE, CR0.WP = 1: an emulated MOVS from MMIO: #PF P|W",
    "read-only PTE, CR0.WP = 0: a supervisor write goes through to frame D",
    "PTE made writable, INVLPG: the write reaches frame D",
    "an emulated MOVS from MMIO through a PTE sets its accessed and dirty bits",
    "live PDE -> PT X: marker A",
    "live PDE -> PT Y, INVLPG: marker B",
    "PT Y's PTE -> C, INVLPG: marker C",
    "freed PT Y rewritten as data reads back as written",
    "PDE cleared, INVLPG: #PF",
    "flooded PT: PTE -> A: marker A",
    "flooded PT: 128 writes elsewhere, PTE unchanged: marker A",
    "flooded PT: PTE -> B, CR3 reloaded: marker B",
    "flooded PT: PTE -> C, INVLPG: marker C",
    "flooded PT: PTE cleared, INVLPG: #PF",
    "writable alias of frame X: a PTE written through it",
    "frame X made a PT after the alias: its entry 5 maps A",
    "PTE rewritten through the older alias, CR3 reloaded: marker B",
    "CR3 = PML4: VA_PT(0) reads marker A",
    "CR3 = second PML4: VA_PT(0) reads marker B",
    "CR3 = PML4 again: marker A",
    "second PML4 again, its PT changed meanwhile: marker C",
    "second PML4: the PT it shares with the first maps A",
    "first PML4: the shared PT's entry -> D, INVLPG: marker D",
    "second PML4 again: the shared PT's entry maps D",
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
# ptattack32.bin: 32-bit paging, then PAE.
RSVD_CHECKS_32 = {
    "32-bit: 4 MiB PDE with bit 21 set: read #PF P|RSVD": 0x9,
    "PAE: PTE with bit MAXPHYADDR set: read #PF P|RSVD": 0x9,
    "PAE: PTE with bit MAXPHYADDR set: write #PF P|RSVD|W": 0xb,
    "PAE: PTE with XD and EFER.NXE = 0: read #PF P|RSVD": 0x9,
    "PAE: PDE -> table with bit MAXPHYADDR set: read #PF P|RSVD": 0x9,
}
LEGACY_32 = [
    "32-bit: PTE -> first page past RAM reads 0",
    "32-bit: PTE -> first page past RAM: a write is taken",
    "32-bit: ... and reads 0 after it",
    "32-bit: PTE -> 0xe0000000 reads 0",
    "32-bit: 4 MiB page over the end of RAM: RAM part reads its marker",
    "32-bit: 4 MiB page over the end of RAM: last RAM word reads its marker",
    "32-bit: 4 MiB page over the end of RAM: first byte past RAM reads 0",
    "32-bit: 4 MiB PDE with bit 21 set: read #PF P|RSVD",
    "32-bit: an emulated MOVS from MMIO to it: #PF P|RSVD|W",
    "32-bit: PSE-36 4 MiB page at 4 GiB + 4 MiB reads 0",
    "32-bit: PD[0x300] -> PD: 0xc0300000 reads the PD's own entries",
    "32-bit: PD[0x300] -> PD: 0xc0200000 reads pt32's entries",
    "32-bit: PTE written through the recursive map lands in pt32",
    "32-bit: ... and maps its frame (marker B)",
    "32-bit: PTE rewritten through the recursive map, INVLPG: marker C",
    "32-bit: PD[0x300] cleared, CR3 reloaded: #PF",
    "32-bit: PTE -> its own PT: reads the PT's entries",
    "32-bit: live PTE -> A: marker A",
    "32-bit: live PTE -> B without INVLPG: marker A or B",
    "32-bit: live PTE -> B, INVLPG: marker B",
    "32-bit: live PTE -> C, CR3 reloaded: marker C",
    "32-bit: live PTE cleared, INVLPG: #PF",
    "32-bit: an emulated MOVS sets A and D in the PTE, A in the PDE",
    "32-bit: PT on the MMIO test device: #PF (not present) or the PTE's marker A",
    "32-bit: PT past RAM: read #PF",
]
PAE = [
    "PAE: PTE -> 4 GiB + 4 KiB reads 0",
    "PAE: PTE -> last page below MAXPHYADDR reads 0",
    "PAE: PTE with bit MAXPHYADDR set: read #PF P|RSVD",
    "PAE: PTE with bit MAXPHYADDR set: write #PF P|RSVD|W",
    "PAE: an emulated MOVS from MMIO to it: #PF P|RSVD|W",
    "PAE: PTE with XD and EFER.NXE = 0: read #PF P|RSVD",
    "PAE: XD, an emulated MOVS from MMIO to it: #PF P|RSVD|W",
    "PAE: PDE -> table with bit MAXPHYADDR set: read #PF P|RSVD",
    "PAE: 2 MiB page over the end of RAM: last RAM word reads its marker",
    "PAE: 2 MiB page over the end of RAM: first byte past RAM reads 0",
    "PAE: PDE -> its own PD: entry 0 maps pt_a",
    "PAE: PDE -> its own PD: entry 511 maps the PD",
    "PAE: PTE written through the PD's self-map lands in pt_a",
    "PAE: ... and maps its frame (marker B)",
    "PAE: an emulated MOVS sets A and D in the PTE, A in the PDE, nothing in the PDPTE",
    "PAE: PDPTE 1 -> PD X, CR3 loaded: marker B",
    "PAE: PDPTE 1 -> PD Y, CR3 loaded: its marker",
    "PAE: PDPTE 1 -> PD at 0xe0000000, CR3 loaded: #PF",
    "PAE: PDPTE 1 cleared, CR3 loaded: #PF",
    "PAE: PT at 0xe0000000: read #PF",
    "PAE: emulated MOV to CR3 (code on the MMIO device) runs",
    "PAE: PDPTE 1 -> PD X, emulated CR3 load: marker B",
    "PAE: PDPTE 1 -> PD Y, emulated load of the same CR3: its marker",
    "PAE: emulated CR3 load of a PDPTE with bit 5 set: #GP(0)",
]

# Reads that reach the VMM's unclaimed MMIO, and writes (the guest counts
# them too): past RAM x3 (one write), 4 GiB, below MAXPHYADDR; the 2 MiB
# pages x3 (one write); the 1 GiB pages x4.
UNCLAIMED_READS_2M, UNCLAIMED_READS_1G, UNCLAIMED_WRITES = 7, 4, 2
# ptattack32: past RAM x2 (one write), 0xe0000000, the 4 MiB page, PSE-36
# (where announced); PAE: 4 GiB, below MAXPHYADDR, the 2 MiB page.
UNCLAIMED_READS_32, UNCLAIMED_WRITES_32 = 8, 1

# QEMU 7.2's TCG page walker (target/i386/tcg/sysemu/excp_helper.c,
# do_fault_rsvd) sets RSVD without P in the #PF error code; the SDM (Vol. 3A
# 4.7) and the APM (8.4.2) set P with it: a reserved bit is only checked in
# a present entry. Under NPT that walker, not the hypervisor, raises the
# guest's #PF. Under shadow paging the hypervisor reflects P|RSVD.
QEMU_RSVD_WITHOUT_P = {"qemu-max"}
# Bochs 2.7's VMRUN does not load CR2 from the VMCB (cpu/svm.cc,
# SvmEnterLoadCheckGuestState reads SVM_GUEST_CR2 and never assigns it;
# APM Vol. 2 15.5.1 lists CR2 among the guest state VMRUN loads): a #PF the
# hypervisor injects (its emulator's walk met a table outside RAM) arrives
# with the right vector and error code but the CR2 of Bochs's own last
# fault. The checks below, whose CR2 differs from the fault before, fail
# exactly so there; where an injected #PF follows a hardware one at the
# same address (the emulated MOVS checks) the stale CR2 happens to match.
BOCHS_VMRUN_KEEPS_CR2 = {"bochs-ryzen", "bochs-phenom"}
STALE_CR2_CHECKS = {
    "PT on the MMIO test device: #PF (not present) or the PTE's marker A",
    "PT on the MMIO test device: a write goes where the read went",
    "PT past RAM: read #PF",
    "PT past RAM: write #PF W",
    "PD in the MMIO hole (0xe0000000): read #PF",
    "PDPT at the last page below MAXPHYADDR: read #PF",
    "32-bit: PT on the MMIO test device: #PF (not present) or the PTE's marker A",
    "32-bit: PT past RAM: read #PF",
    "PAE: PDPTE 1 -> PD at 0xe0000000, CR3 loaded: #PF",
    "PAE: PT at 0xe0000000: read #PF",
}
# QEMU 7.2's TCG walker sets the accessed bit (5) in a PAE PDPTE it walks
# under NPT, where the SDM (Vol. 3A Table 4-8) and the APM (Vol. 2 5.3.3,
# legacy-mode PDPE) have a reserved bit: the hypervisor's emulated MOV to
# CR3 then finds PDPTE 0 (the code's) invalid and raises #GP(0), as a CPU
# would on such a PDPTE (SDM 4.4.1). The native MOV to CR3 of the other
# checks does not notice: QEMU does not check PDPTEs at MOV to CR3. The
# guest prints PDPTE 0, which must have bit 5 set.
QEMU_PDPTE_ACCESSED = {"qemu-max"}
PDPTE_A_CHECK = "PAE: emulated MOV to CR3 (code on the MMIO device) runs"
# Bochs 2.7 treats a triple fault in an SVM guest as a machine-wide event
# (test_abi_faults.py, NO_SVM_SHUTDOWN_EXIT): the VMM never sees the exit.
NO_SVM_SHUTDOWN_EXIT = {"bochs-ryzen", "bochs-phenom"}


@pytest.fixture(scope="module")
def ptattack_iso(tmp_path_factory):
    build = os.path.join(ROOT, "build")
    mods = [os.path.join(build, "ctl", "ctl.elf"),
            os.path.join(build, "guests", "ptattack.bin"),
            os.path.join(build, "guests", "ptattack32.bin"),
            os.path.join(build, "guests", "long64.bin")]
    missing = [m for m in mods + [os.path.join(build, "barekvm.elf")] if not os.path.exists(m)]
    if missing:
        pytest.fail(f"missing {missing}: run 'make' first (make test does)")
    lines = "".join(f"    module2 /boot/modules/{os.path.basename(m)} "
                    f"{os.path.basename(m).split('.')[0]}\n" for m in mods[1:])
    out = str(tmp_path_factory.mktemp("ptattack") / "ptattack.iso")
    return serialconsole.make_iso(out, GRUB_CFG % lines, mods)


def expected_checks(lines):
    """ptattack.bin's checks in order for what the guest's CPUID says
    (MAXPHYADDR, 1 GiB pages), and its unclaimed MMIO reads and writes."""
    m = next(re.match(r"ptattack: MAXPHYADDR (\d+), 1 GiB pages (announced|hidden)$", l)
             for l in lines if l.startswith("ptattack: MAXPHYADDR"))
    maxphyaddr, gib = int(m.group(1)), m.group(2) == "announced"
    outside = [c for c in OUTSIDE if maxphyaddr < 52 or "bit 51" not in c]
    checks = outside + RECURSIVE + REWRITE + HUGE_2M + (HUGE_1G if gib else []) + MMIO_TABLES
    reads = UNCLAIMED_READS_2M + (UNCLAIMED_READS_1G if gib else 0)
    if not gib:
        assert "ptattack: 1 GiB pages skipped: CPUID does not announce them" in lines
    return checks, reads, UNCLAIMED_WRITES


def expected_checks_32(lines):
    """ptattack32.bin's, for PSE-36 and EFER.NXE as the guest found them."""
    m = next(re.match(r"ptattack32: MAXPHYADDR (\d+), PSE-36 (announced|hidden), EFER.NXE ([01])$",
                      l) for l in lines if l.startswith("ptattack32: MAXPHYADDR"))
    pse36, nxe = m.group(2) == "announced", m.group(3) == "1"
    checks = [c for c in LEGACY_32 if pse36 or "PSE-36" not in c]
    checks += [c for c in PAE if not nxe or "XD" not in c]
    return checks, UNCLAIMED_READS_32 - (not pse36), UNCLAIMED_WRITES_32


def run_attack(ctl, vm, guest, mode, expected, rsvd_checks):
    """Runs one attack guest in a new VM of 17 MiB and checks its every
    line: the verdicts in order (the platform's known defects failing
    exactly), no LEAK, the tally, the exit status, and the unclaimed MMIO
    it counted against the VMM's."""
    assert command(ctl, "vm create 17") == f"vm {vm} created: 17 MiB"
    out = command(ctl, f"load {vm} flat {guest} 0x100000 {mode}")
    assert f"vm {vm}: loaded '{guest}'" in out, out
    out = command(ctl, f"run {vm}", timeout=900)
    lines = guest_lines(out, vm)
    text = "\n".join(lines)
    assert not [l for l in lines if l.startswith(f"{guest}: LEAK")], text
    checks, reads, writes = expected(lines)
    defects = {c: e for c, e in rsvd_checks.items() if c in checks} \
        if ctl.platform in QEMU_RSVD_WITHOUT_P else {}
    stale = [c for c in checks if c in STALE_CR2_CHECKS] \
        if ctl.platform in BOCHS_VMRUN_KEEPS_CR2 else []
    pdpte_a = [c for c in checks if c == PDPTE_A_CHECK] \
        if ctl.platform in QEMU_PDPTE_ACCESSED else []
    verdicts = [l for l in lines if re.match(rf"{guest}: (PASS|FAIL) ", l)][:-1]
    want = [f"{guest}: {'FAIL' if c in defects or c in stale or c in pdpte_a else 'PASS'} {c}"
            for c in checks]
    assert verdicts == want, text
    for c, code in defects.items():    # exactly the SDM's code without P
        detail = lines[lines.index(f"{guest}: FAIL {c}") + 1]
        assert re.match(rf"{guest}:   got vector 14, error {code & ~1:#x}, ", detail), text
    for c in stale:                     # the #PF came, with an old CR2
        detail = lines[lines.index(f"{guest}: FAIL {c}") + 1]
        m = re.match(rf"{guest}:   got vector 14, error 0x[0-9a-f]+, cr2 (0x[0-9a-f]+) "
                     rf"at (0x[0-9a-f]+)$", detail) or \
            re.match(rf"{guest}: .*: (vector 14, |#PF )error 0x0$", detail)
        assert m and (m.re.groups < 2 or m.group(1) != m.group(2)), text
    for c in pdpte_a:                   # #GP(0) for QEMU's A bit in PDPTE 0
        detail = lines[lines.index(f"{guest}: FAIL {c}") + 1]
        m = re.match(rf"{guest}:   got vector 13, error 0x0, PDPTE 0 (0x[0-9a-f]+)$", detail)
        assert m and int(m.group(1), 16) & 0x20, text
    assert any(re.fullmatch(rf"{guest}: without INVLPG the read saw (A \(stale\)|B \(new\))", l)
               for l in lines), text
    failed = len(defects) + len(stale) + len(pdpte_a)
    passed = len(checks) - failed
    if failed:
        assert f"{guest}: FAIL {passed}/{len(checks)}" in lines, text
    else:
        check_tally(lines, guest, passed)
    assert run_line(out, vm) == f"vm {vm}: guest exited with status {failed}", out
    # every unclaimed access reached the VMM, and nothing else did
    unclaimed = f"unclaimed MMIO: {reads} reads, {writes} writes"
    assert f"{guest}: {unclaimed}" in lines, text
    stats = command(ctl, f"stats {vm}")
    assert re.search(rf"^{unclaimed} \(last address 0x[0-9a-f]+\)$", stats, re.M), stats
    return lines


@pytest.mark.parametrize("platform", PLATFORMS)
def test_hostile_page_tables(console_factory, ptattack_iso, platform):
    ctl = start_ctl(console_factory, ptattack_iso, platform=platform)
    frames = command(ctl, "frames")
    lines = run_attack(ctl, 0, "ptattack", "long64", expected_checks, RSVD_CHECKS)
    # the emulator's write reached frame D and set A and D in its PTE
    assert "ptattack: the PTE after the emulated MOVS: 0x403063" in lines
    # a table on the MMIO test device: every backend gives the not-present #PF
    assert "ptattack: PT on the MMIO test device: vector 14, error 0x0" in lines
    lines = run_attack(ctl, 1, "ptattack32", "prot32", expected_checks_32, RSVD_CHECKS_32)
    assert "ptattack32: 32-bit: PT on the MMIO test device: #PF error 0x0" in lines
    # the hypervisor runs on: the VMs' frames come back, a further VM runs
    for vm in (0, 1):
        assert command(ctl, f"vm destroy {vm}") == f"vm {vm} destroyed"
    assert command(ctl, "frames") == frames
    assert command(ctl, "vm create 16") == "vm 0 created: 16 MiB"
    assert "vm 0: loaded 'long64'" in command(ctl, "load 0 flat long64 0x100000 long64")
    out = command(ctl, "run 0", timeout=600)
    check_tally(guest_lines(out, 0), "long64", 17)
    assert run_line(out, 0) == "vm 0: guest exited with status 0", out


@pytest.mark.parametrize("platform", PLATFORMS)
def test_cr3_in_mmio(console_factory, ptattack_iso, platform, request):
    """CR3 on unclaimed MMIO (ptattack.bin's cr3_in_mmio, entered with
    `set 0 rip`): the next fetch finds no PML4, neither can the #PF's
    delivery: triple fault, KVM_EXIT_SHUTDOWN for that VM, CR2 the fetch
    address; the hypervisor and a further VM run on."""
    xfail_on(request, platform, NO_SVM_SHUTDOWN_EXIT, "Bochs 2.7 stops on a triple "
             "fault in an SVM guest instead of only exiting to the hypervisor")
    ctl = start_ctl(console_factory, ptattack_iso, platform=platform)
    entry = nm("ptattack", "cr3_in_mmio")
    hlt = entry + 8                     # mov $imm32, %eax (5); mov %rax, %cr3 (3)
    assert command(ctl, "vm create 17") == "vm 0 created: 17 MiB"
    assert "vm 0: loaded 'ptattack'" in command(ctl, "load 0 flat ptattack 0x100000 long64")
    assert command(ctl, f"set 0 rip {entry:#x}") == f"vm 0: rip = {entry:#x}"
    out = command(ctl, "run 0", timeout=600)
    assert "vm 0: fatal: triple fault (KVM_EXIT_SHUTDOWN)" in out, out
    regs = command(ctl, "regs 0")
    assert f"RIP={hlt:016x}" in regs, regs
    assert f"CR2={hlt:016x} CR3=00000000e0000000" in regs, regs
    assert command(ctl, "vm create 16") == "vm 1 created: 16 MiB"
    assert "vm 1: loaded 'long64'" in command(ctl, "load 1 flat long64 0x100000 long64")
    out = command(ctl, "run 1", timeout=600)
    check_tally(guest_lines(out, 1), "long64", 17)
    assert run_line(out, 1) == "vm 1: guest exited with status 0", out
