"""The random-code fuzzer (`fuzzcode SEED COUNT`, guests/ctl/cmd_fuzzcode.c;
issue 14, "How it is checked"): 10^5 single-stepped instructions of random
guest code on each platform. Whatever the code does, the hypervisor must not
stop, fault, hang (a step that does not end is an `alarm` line) or meet a
nested page fault on memory it mapped; every failed entry and UNKNOWN exit
must be one of the known defects below; and there must be none: that last
assertion is a strict xfail naming the causes until they are fixed, on the
platforms that still meet them (KNOWN_DEFECTS), so it turns into a failure
the moment they are; elsewhere it must hold.

Measured with seed 1 (docs/control-partition.md): 18 s on qemu-max, 61 s on
bochs-skylake and 100 s on bochs-ryzen (guarded: two more requests a step)."""
import os
import re

import pytest

from conftest import iso  # noqa: F401
from ctl_session import command, start_ctl

INSTRUCTIONS = 100000
PLATFORMS = os.environ.get("BAREKVM_FUZZ_PLATFORMS",
                           "qemu-max,qemu-shadow,bochs-skylake,bochs-ryzen").split(",")
FAULT = re.compile(r"STOPPED|PANIC|panic|nothing left to run|unexpected nested page fault|"
                   r"exception .* in the hypervisor|fuzzcode: alarm|did not reach a HLT")
SUMMARY = re.compile(r"^fuzzcode: (\d+) instructions in (\d+) programs; "
                     r"fail-entry (\d+), unknown (\d+)\r?$", re.M)
CAUSE = re.compile(r"^fuzzcode: cause: (UNKNOWN|FAIL_ENTRY) hw (0x[0-9a-f]+) \(([^)]*)\): "
                   r"(\d+), first (fuzzcode \d+ replay \d+)", re.M)

# The nested page fault (SVM) or EPT violation (VMX) the emulator gave up on;
# without NPT (qemu-shadow) the #PF intercept (0x4e) that found MMIO.
MMIO = {"0x400", "0x30", "0x4e"}
# A hardware task switch: SVM exit 0x7d, VMX exit reason 9.
TASK_SWITCH = {"0x7d", "0x9"}


def known_cause(platform, kind, hw, opcode):
    """Why a failed entry or UNKNOWN exit is expected today (None: it is not)."""
    if kind == "UNKNOWN" and hw in MMIO:
        # emul/ refuses, fetched from MMIO ("fetch": the VMM cannot show bytes
        # it answered as reads) or with a memory operand there: an x87
        # instruction with an exception pending and CR0.NE = 0 (FERR#), what
        # docs/emulator.md lists under "Not emulated" (a feature's form that
        # CR4/CPUID enables but the emulator does not model, as XSAVE with
        # OSXSAVE), INS with 67h; or an event whose delivery
        # touches MMIO and which emul_deliver_event() leaves alone
        # (an NMI). On
        # qemu-max a "v86" cause can also follow QEMU 7.2 entering VM86 by an
        # IRET in compatibility mode (EFER.LMA = 1), which a CPU does not do
        return "MMIO the emulator refuses"
    if kind == "UNKNOWN" and hw in TASK_SWITCH:
        # core/task_switch_exit.c emulates task switches, a TSS or a
        # descriptor table in MMIO through KVM_EXIT_MMIO (core/task_replay.c);
        # guest page tables or PAE PDPTEs outside slot RAM end the run
        return "hardware task switch through MMIO"
    if platform in ("qemu-max", "qemu-shadow") and kind == "FAIL_ENTRY" and \
            hw == "0xffffffff":
        # QEMU 7.2's TCG runs instructions a CPU refuses, leaving a VMCB
        # that its VMRUN then refuses (VMEXIT_INVALID); none is intercepted
        # under NPT (docs/platforms.md): MOV CR3 with bits above MAXPHYADDR
        # in long mode (misc_helper.c, helper_write_crN: no #GP), MOV CR0
        # of NW without CD, and SYSENTER in long mode, which AMD CPUs
        # refuse with #UD and which QEMU completes with CS.L and CS.D both
        # set (seg_helper.c, helper_sysenter). The opcode named is the
        # instruction after, where the entry failed.
        return "QEMU's VMEXIT_INVALID after MOV CR3, MOV CR0 or SYSENTER"
    return None


class KnownDefects(AssertionError):
    """F or U is not 0, every one explained by known_cause."""


XFAIL = pytest.mark.xfail(
    strict=True, raises=KnownDefects,
    reason="issue 14: random code still ends in KVM_EXIT_UNKNOWN: MMIO the emulator "
           "refuses (run from MMIO: x87 with FERR#; some MMX/SSE forms) "
           "and task switches whose page tables are outside RAM; on qemu-max failed entries "
           "(VMEXIT_INVALID) after a guest MOV CR3/CR0 with reserved bits or SYSENTER "
           "in long mode (QEMU's)")
# Where seed 1 still meets one of the known defects above. bochs-skylake
# reaches 0 failed entries and 0 UNKNOWN exits (measured: 100158
# instructions in 6267 programs), and so does bochs-ryzen since FXRSTOR in
# real mode with CR4.OSFXSR = 0 is emulated (measured: 100157 instructions
# in 9969 programs; its one UNKNOWN before, 0f ae /1, was program 8726);
# the others are not measured so yet.
KNOWN_DEFECTS = {"qemu-max", "qemu-shadow"}


@pytest.mark.parametrize("platform", [pytest.param(p, marks=XFAIL) if p in KNOWN_DEFECTS
                                      else p for p in PLATFORMS])
def test_random_code(console_factory, iso, platform):  # noqa: F811
    con = start_ctl(console_factory, iso, platform=platform)
    out = command(con, f"fuzzcode 1 {INSTRUCTIONS}", timeout=900)
    assert not FAULT.search(out), out[-3000:]
    m = SUMMARY.search(out)
    assert m, out[-3000:]
    instructions, programs, fail_entry, unknown = (int(g) for g in m.groups())
    assert instructions >= INSTRUCTIONS and programs > 1000, m.group(0)
    # every instruction is one single-step exit
    assert re.search(rf"^fuzzcode: exits: .*KVM_EXIT_DEBUG {instructions}\b", out, re.M), out
    want_guard = "guarded" if platform == "bochs-ryzen" or platform.startswith("qemu") \
        else "unguarded"
    assert f"fuzzcode: {want_guard} (" in out
    causes = CAUSE.findall(out)
    assert sum(int(c[3]) for c in causes if c[0] == "FAIL_ENTRY") == fail_entry, out[-3000:]
    assert sum(int(c[3]) for c in causes if c[0] == "UNKNOWN") == unknown, out[-3000:]
    unexplained = [c for c in causes if not known_cause(platform, c[0], c[1], c[2])]
    assert not unexplained, "\n".join(f"{k} hw {hw} ({op}): {n}, first {r}"
                                      for k, hw, op, n, r in unexplained)
    # the machine still works: a VM runs to its end
    assert command(con, "vm create 16") == "vm 0 created: 16 MiB"
    assert "vm 0: loaded 'real'" in command(con, "load 0 flat real 0x10000 real")
    assert "[vm0] real: PASS 7/7" in command(con, "run 0", timeout=300)
    if fail_entry or unknown:
        raise KnownDefects(f"fail-entry {fail_entry}, unknown {unknown}: " +
                           ", ".join(f"{k} {hw} ({op}) {n}" for k, hw, op, n, _ in causes))


def test_replay_and_usage(console_factory, iso):  # noqa: F811
    """A program replays alone, traced from its start; bad arguments are refused."""
    con = start_ctl(console_factory, iso, platform="qemu-max")

    def trace():
        out = command(con, "fuzzcode 7 replay 5")
        # the hypervisor's own lines name the VM, a new one each time
        return [l.rstrip("\r") for l in out.split("\n") if l.startswith("fuzzcode: ")]

    lines = trace()
    assert re.fullmatch(r"fuzzcode: program 5: \w+ cpl [03]", lines[0]), lines
    assert lines[1].startswith("fuzzcode: start: cs "), lines
    end = next(i for i, l in enumerate(lines) if l.startswith("fuzzcode: program 5 ends: "))
    assert SUMMARY.search("\n".join(lines)).group(2) == "1", lines
    assert trace()[:end + 1] == lines[:end + 1]          # the same program again
    usage = ("error: fuzzcode SEED COUNT [FIRST] (COUNT 1-100000000 instructions) | "
             "fuzzcode SEED replay P [FROM]")
    for bad in ["fuzzcode 1 0", "fuzzcode x 10", "fuzzcode 1 replay", "fuzzcode 1 replay 3 4",
                "fuzzcode 1 100000001"]:
        assert command(con, bad) == usage, bad
