"""Hardware task switches (docs/test-guests.md, task.bin): CALL and JMP to a
TSS and through a task gate, IRET with NT, INT n, an exception with an error
code and a #DF through task gates in the IDT, a JMP to a TSS on the MMIO test
device and back, a CALL to it and IRET back (each TSS access a KVM_EXIT_MMIO), a task with its own CR3, the
#GP / #TS of a busy or too-small TSS, DR7's local enables and the T bit. Both backends exit on every task
switch (VMX reason 9, SVM 0x7d) and core/task_switch.c performs it
(docs/hypercall-abi.md, "KVM_RUN"); the guest checks exact outcomes."""
import os

import pytest

from conftest import ROOT
from test_abi_common import GRUB_CFG, command, guest_lines, load, run_line, xfail_on
from ctl_session import start_ctl
import serialconsole

PLATFORMS = os.environ.get(
    "BAREKVM_TASK_PLATFORMS",
    "qemu-max,bochs-skylake,bochs-ryzen,bochs-lynnfield,bochs-penryn").split(",")

PASSES = [
    "set-up: TR 0x18 (busy), paging on",
    "jmp to a TSS: the task runs with NT = 0, no back link, the old TSS available, "
    "its own busy",
    "jmp to a TSS and jmp back: TR 0x18, CR0.TS set, worker available, ESI/EDI kept",
    "call to a TSS: the task runs with NT = 1, back link 0x18, both TSSes busy",
    "call to a TSS and iret back: TR 0x18, NT = 0, worker available, ESI/EDI kept",
    "jmp through a task gate: the task runs with NT = 0, no back link, the old TSS "
    "available, its own busy",
    "jmp through a task gate and jmp back: TR 0x18, CR0.TS set, worker available, "
    "ESI/EDI kept",
    "call through a task gate: the task runs with NT = 1, back link 0x18, both "
    "TSSes busy",
    "call through a task gate and iret back: TR 0x18, NT = 0, worker available, "
    "ESI/EDI kept",
    "int 0x40 through a task gate: NT = 1, back link 0x18, iret returns after the int",
    "#UD then INT 6 through one task gate: the old task saved at the UD2, then after "
    "the INT",
    "int 0x40 through a task gate in an IDT on the MMIO device: NT = 1, back link 0x18, "
    "iret returns after the int",
    "jmp to a TSS on the MMIO device: the task runs with NT = 0, TR 0x70, the old TSS "
    "available, its own busy",
    "jmp back from the TSS on the MMIO device: TR 0x18, its state saved there as in RAM, "
    "13 device reads and 11 writes",
    "call to a TSS on the MMIO device: the task runs with NT = 1, TR 0x70, both TSSes busy",
    "iret back from the TSS on the MMIO device: TR 0x18, NT = 0, back link and state there "
    "as in RAM, 14 device reads and 12 writes",
    "#GP(0xff8) through a task gate: error code pushed on the new task's stack, "
    "NT = 1, back link 0x18",
    "#GP with its gate not present: #NP, then #DF through a task gate, error code 0 "
    "on the new stack, back link 0x18",
    "a task with its own CR3: the linear page reads the other frame",
    "iret back: the main task's CR3 from its TSS, the page reads its own frame again",
    "jmp to the busy TSS: vector 13, error code 0x18, still in the main task",
    "jmp to a TSS with limit 0x60: vector 10, error code 0x40, still in the main task",
    "call to a 16-bit TSS: the task runs, TR 0x60, back link 0x18",
    "iret back from the 16-bit TSS: its IP saved after the iret, TR 0x18, ESI/EDI kept",
    "call to a TSS and iret back: DR7 L0 and L3 cleared, G1 kept (DR7 0x408)",
    "call to a TSS with its T bit set: one #DB with DR6.BT before the task's first "
    "instruction, then the task runs",
    "jmp to a TSS on a not-present page: vector 14, error code 0x0, still in the main task",
    "#PF: CR2 in the new TSS, its descriptor still available",
    "jmp to a TSS whose page table is outside RAM: vector 14, error code 0x0, still in "
    "the main task",
    "#PF: CR2 in that TSS, its descriptor still available",
]
# these checks need CR2, which Bochs 2.7's SVM VMRUN does not load from
# the VMCB (docs/platforms.md): the hypervisor's #PF arrives with CR2 = 0
CR2_CHECKS = {"#PF: CR2 in the new TSS, its descriptor still available",
              "#PF: CR2 in that TSS, its descriptor still available"}
# QEMU 7.2's TCG performs task switches itself (no exit reaches the
# hypervisor) and does not raise the T bit's #DB (seen: no #DB, DR6 unchanged)
T_BIT_CHECK = ("call to a TSS with its T bit set: one #DB with DR6.BT before the task's "
               "first instruction, then the task runs")
assert CR2_CHECKS < set(PASSES) and T_BIT_CHECK in PASSES
# the checks each platform's emulator gets wrong, as asserted by the xfails below
EMULATOR_DEFECTS = {"qemu-max": {T_BIT_CHECK}, "bochs-ryzen": CR2_CHECKS}


@pytest.fixture(scope="module")
def task_iso(tmp_path_factory):
    """The control partition and task.bin alone: the ABI tests' ISO is at
    the control partition's 16 modules (abi/ctl_boot.h)."""
    ctl_elf = os.path.join(ROOT, "build", "ctl", "ctl.elf")
    guest = os.path.join(ROOT, "build", "guests", "task.bin")
    missing = [m for m in (ctl_elf, guest, os.path.join(ROOT, "build", "barekvm.elf"))
               if not os.path.exists(m)]
    if missing:
        pytest.fail(f"missing {missing}: run 'make' first (make test does)")
    out = str(tmp_path_factory.mktemp("task") / "task.iso")
    return serialconsole.make_iso(out, GRUB_CFG % "    module2 /boot/modules/task.bin task\n",
                                  [ctl_elf, guest])


# QEMU 7.2's TCG has no task-switch intercept (docs/platforms.md): it
# switches tasks itself, and without NPT it loads the new TSS's CR3, a
# guest-physical address, as the hardware CR3 the shadow root should be:
# the task then runs on whatever host memory that names, and task.bin
# hangs at its first switch. A CPU (and Bochs) intercepts the switch.
NO_TASK_SWITCH_INTERCEPT_WITHOUT_NPT = {"qemu-shadow"}


class TaskRun:
    """One run of task.bin on one platform: what the three tests check."""
    def __init__(self, platform, out, lines, checks):
        self.platform, self.out, self.lines, self.checks = platform, out, lines, checks


# The tests of one platform share one run (a worker runs a platform's tests
# one after another): each boot and run of task.bin costs seconds in Bochs.
RUNS = {}


@pytest.fixture(params=PLATFORMS)
def ctl(request, console_factory, task_iso):
    if request.param in NO_TASK_SWITCH_INTERCEPT_WITHOUT_NPT:
        pytest.skip(f"{request.param}: QEMU 7.2 runs task switches itself, loading "
                    "the guest's CR3 into the hardware (no shadow paging for them)")
    if request.param not in RUNS:
        # a boot of its own, and one VM in it: on bochs-ryzen a second
        # task.bin VM after a first one can hang at INT 0x40 through a
        # task gate with the IDT in MMIO, where Bochs 2.7's stale
        # EXITINTINFO (docs/platforms.md) is whatever event an earlier VM
        # left in the CPU
        con = start_ctl(console_factory, task_iso, platform=request.param)
        RUNS[request.param] = TaskRun(request.param, *run_task_guest(con))
    return RUNS[request.param]


def run_task_guest(ctl):
    load(ctl, 0, "task", "0x100000", "prot32")
    out = command(ctl, "run 0", timeout=600)
    lines = guest_lines(out, 0)
    checks = [l for l in lines if l.startswith("task: PASS ") or l.startswith("task: FAIL ")]
    # the VMM never saw a task switch: no unknown exit, nothing logged
    assert "KVM_EXIT_UNKNOWN" not in out and "unknown" not in out.lower(), out
    return out, lines, checks


def test_task_switches(ctl):
    """Every check but the CR2 and T-bit ones, in order, and the tally:
    all passed but the emulator's known defects; the guest exits with 0 when
    there are none."""
    out, lines, checks = ctl.out, ctl.lines, ctl.checks
    skipped = CR2_CHECKS | {T_BIT_CHECK}
    mine = [c for c in checks[:-1] if c.split(" ", 2)[2] not in skipped]
    assert mine == [f"task: PASS {p}" for p in PASSES if p not in skipped], "\n".join(lines)
    assert len(checks) == len(PASSES) + 1, "\n".join(lines)
    n, bad = len(PASSES), len(EMULATOR_DEFECTS.get(ctl.platform, ()))
    tally = f"task: PASS {n}/{n}" if not bad else f"task: FAIL {n - bad}/{n}"
    assert checks[-1] == tally, "\n".join(lines)
    if not bad:
        assert run_line(out, 0) == "vm 0: guest exited with status 0", out


def test_task_switch_debug_trap(ctl, request):
    """A CALL to a TSS whose T bit is set raises a #DB with DR6.BT before
    the new task's first instruction (core/task_switch_exit.c)."""
    xfail_on(request, ctl.platform, {"qemu-max"},
             "QEMU 7.2's TCG switches tasks itself and ignores the TSS T bit")
    out, lines, checks = ctl.out, ctl.lines, ctl.checks
    assert f"task: PASS {T_BIT_CHECK}" in checks, "\n".join(lines)


def test_task_switch_page_fault_cr2(ctl, request):
    """The #PF of a TSS on a not-present page, and of one whose page table
    is outside RAM, has CR2 in that TSS; then every check passed and the
    guest exits with status 0."""
    xfail_on(request, ctl.platform, {"bochs-ryzen"},
             "Bochs 2.7 SVM: VMRUN does not load CR2 from the VMCB")
    out, lines, checks = ctl.out, ctl.lines, ctl.checks
    for check in sorted(CR2_CHECKS):
        assert f"task: PASS {check}" in checks, "\n".join(lines)
