"""NMIs (docs/virtual-cpu.md, "NMIs"; docs/test-guests.md, nmi.bin): the
VMM's local APIC passes an NMI sent by the ICR down with KVM_NMI, and the
hypervisor delivers it through vector 2 whatever IF says, holds a second one
until the handler's IRET (blocking by NMI), merges two sent meanwhile into
one, and the CLI's `nmi N` sends one too. KVM_NMI on a handle that is no
vCPU's is -EBADF; KVM_CHECK_EXTENSION announces KVM_CAP_USER_NMI (22) and
KVM_CAP_VCPU_EVENTS (41). KVM_GET_VCPU_EVENTS shows a latched NMI, and
`reset` (KVM_SET_VCPU_EVENTS) forgets it. The guest checks exact outcomes
(frames, counts)."""
import os
import re

import pytest

from conftest import ROOT
from test_abi_common import GRUB_CFG, command, guest_lines, is_svm, kept_console, load, run_line
from ctl_session import check_tally
import serialconsole

PLATFORMS = os.environ.get(
    "BAREKVM_NMI_PLATFORMS",
    "qemu-max,qemu-shadow,bochs-skylake,bochs-ryzen,bochs-penryn,bochs-lynnfield").split(",")

CHECKS = [
    "self-NMI by the ICR with IF = 0: one, through vector 2, its frame returning "
    "after the ICR write with CS and EFLAGS (IF = 0, RF = 0)",
    "an NMI sent inside the handler: held until its IRET, then exactly one, at the "
    "first NMI's return address",
    "two NMIs sent inside the handler merge: exactly one more after its IRET",
    "an NMI sent by an ICR write in MOV SS's shadow: one, right after the write",
    "IA32_APIC_BASE moves the APIC: its ICR at 0xfed40000 sends the NMI, the old "
    "page reads 0, and it moves back",
    "the nmi command's NMI: one, before the instruction after the HLT",
    "an NMI set with a MOV SS shadow: one, after the one instruction the shadow covers",
    "no other vector arrived",
]


@pytest.fixture(scope="module")
def nmi_iso(tmp_path_factory):
    """The control partition and nmi.bin alone: the ABI tests' ISO is at
    the control partition's 16 modules (abi/ctl_boot.h)."""
    ctl_elf = os.path.join(ROOT, "build", "ctl", "ctl.elf")
    guest = os.path.join(ROOT, "build", "guests", "nmi.bin")
    missing = [m for m in (ctl_elf, guest, os.path.join(ROOT, "build", "barekvm.elf"))
               if not os.path.exists(m)]
    if missing:
        pytest.fail(f"missing {missing}: run 'make' first (make test does)")
    out = str(tmp_path_factory.mktemp("nmi") / "nmi.iso")
    return serialconsole.make_iso(out, GRUB_CFG % "    module2 /boot/modules/nmi.bin nmi\n",
                                  [ctl_elf, guest])


@pytest.fixture(params=PLATFORMS)
def ctl(request, ctl_kept, nmi_iso):
    yield from kept_console(request, ctl_kept, request.param, nmi_iso)


def result(out):
    return out.strip().splitlines()[-1]


def test_nmi_guest(ctl):
    """The ICR's NMIs, nested and merged ones, then `nmi 0` while the guest
    is halted with IF = 0, then an NMI set with a MOV SS shadow (`events`:
    KVM_SET_VCPU_EVENTS); the VMM passed exactly the eight ICR NMIs down."""
    load(ctl, 0, "nmi", "0x100000", "prot32")
    out = command(ctl, "run 0", timeout=600)
    lines = guest_lines(out, 0)
    assert re.search(r"^vm 0: guest halted at RIP=0x[0-9a-f]+$", out, re.M), out
    assert "nmi: halting with IF = 0 for an NMI from the VMM (nmi command)" in lines, out
    assert command(ctl, "nmi 0") == "vm 0: NMI queued"
    out2 = command(ctl, "run 0", timeout=600)
    lines += guest_lines(out2, 0)
    assert re.search(r"^vm 0: guest halted at RIP=0x[0-9a-f]+$", out2, re.M), out2
    assert ("nmi: halting with IF = 0 for an NMI in a MOV SS shadow (events command)"
            in lines), out2
    assert command(ctl, "events 0") == "vm 0: events: none"
    # SVM's one shadow bit reads back as both kinds (as KVM reports it)
    assert (command(ctl, "events 0 nmi=1 shadow=movss")
            == "vm 0: events: NMI latched, "
               + ("STI/MOV SS shadow" if is_svm(ctl.platform) else "MOV SS shadow"))
    out2 = command(ctl, "run 0", timeout=600)
    lines += guest_lines(out2, 0)
    for what in CHECKS:
        assert f"nmi: PASS {what}" in lines, "\n".join(lines)
    check_tally(lines, "nmi", len(CHECKS))
    assert run_line(out2, 0) == "vm 0: guest exited with status 0", out2
    stats = command(ctl, "stats 0")
    assert "nmis: 8 passed down (KVM_NMI)" in stats, stats


def test_nmi_requests(ctl):
    """KVM_NMI is a vCPU request: other handles are -EBADF, a VM's vCPU
    takes it (0); KVM_CHECK_EXTENSION says 1 for KVM_CAP_USER_NMI and
    KVM_CAP_VCPU_EVENTS only; the event requests are vCPU requests too."""
    assert result(command(ctl, "ioctl 0 0xae03 22")) == "KVM_CHECK_EXTENSION: result 1"
    assert result(command(ctl, "ioctl 0 0xae03 41")) == "KVM_CHECK_EXTENSION: result 1"
    assert result(command(ctl, "ioctl 0 0xae03 21")) == "KVM_CHECK_EXTENSION: result 0"
    assert result(command(ctl, "ioctl 0 0xae03 40")) == "KVM_CHECK_EXTENSION: result 0"
    assert result(command(ctl, "ioctl 0 0xae03 0")) == "KVM_CHECK_EXTENSION: result 0"
    assert result(command(ctl, "ioctl 0 KVM_NMI")) == "KVM_NMI: error EBADF (-9)"
    assert result(command(ctl, "ioctl 99 0xae9a")) == "KVM_NMI: error EBADF (-9)"
    assert result(command(ctl, "ioctl 9999999 0xae9a")) == "KVM_NMI: error EBADF (-9)"
    assert command(ctl, "vm create 16") == "vm 0 created: 16 MiB"
    # the VM's handle is 1 and its vCPU's 2 (handles are allocated in order)
    assert result(command(ctl, "ioctl 1 0xae9a")) == "KVM_NMI: error EBADF (-9)"
    assert result(command(ctl, "ioctl 2 0xae9a")) == "KVM_NMI: result 0"
    assert result(command(ctl, "ioctl 2 0xae9a 12345")) == "KVM_NMI: result 0"
    # a wrong size or direction on the same number is no KVM_NMI
    assert "error EINVAL" in result(command(ctl, "ioctl 2 0x4004ae9a"))
    assert (result(command(ctl, "ioctl 1 KVM_GET_VCPU_EVENTS"))
            == "KVM_GET_VCPU_EVENTS: error EBADF (-9)")
    assert (result(command(ctl, "ioctl 2 KVM_GET_VCPU_EVENTS"))
            == "KVM_GET_VCPU_EVENTS: result 0")
    # all zero: nothing delivered, NMI blocking off, the rest kept (no flags)
    assert (result(command(ctl, "ioctl 2 KVM_SET_VCPU_EVENTS"))
            == "KVM_SET_VCPU_EVENTS: result 0")
    assert "error EINVAL" in result(command(ctl, "ioctl 2 0x4020aea0"))     # size 32
    assert command(ctl, "nmi 7").startswith("error")


def test_reset_forgets_a_latched_nmi(ctl):
    """An NMI latched for a halted guest shows in `regs` (KVM_GET_VCPU_EVENTS);
    `reset` clears it with KVM_SET_VCPU_EVENTS, as a CPU's RESET does, so
    nmi.bin loaded again gets exactly its own NMIs: the stale one would
    arrive before its IDT, or count twice."""
    load(ctl, 0, "nmi", "0x100000", "prot32")
    out = command(ctl, "run 0", timeout=600)
    assert re.search(r"^vm 0: guest halted at RIP=0x[0-9a-f]+$", out, re.M), out
    assert "events:" not in command(ctl, "regs 0")
    assert command(ctl, "nmi 0") == "vm 0: NMI queued"
    assert "events: NMI latched" in command(ctl, "regs 0")
    assert command(ctl, "reset 0") == "vm 0: reset: CS:IP = f000:fff0, real mode"
    assert "events:" not in command(ctl, "regs 0")
    assert "vm 0: loaded 'nmi'" in command(ctl, "load 0 flat nmi 0x100000 prot32")
    out = command(ctl, "run 0", timeout=600)
    lines = guest_lines(out, 0)
    assert re.search(r"^vm 0: guest halted at RIP=0x[0-9a-f]+$", out, re.M), out
    for what in CHECKS[:-3]:
        assert f"nmi: PASS {what}" in lines, "\n".join(lines)
    assert not [l for l in lines if "FAIL" in l], "\n".join(lines)


def test_events_command_errors(ctl):
    """`events` takes nmi=0|1, blocked=0|1, shadow=none|sti|movss; an NMI
    blocked and unblocked shows and goes."""
    load(ctl, 0, "nmi", "0x100000", "prot32")
    for bad in ["nmi=2", "shadow=both", "nm=1", "blockedx=1", "x"]:
        assert command(ctl, f"events 0 {bad}").startswith(f"error: '{bad}'")
    assert command(ctl, "events 0") == "vm 0: events: none"
    assert (command(ctl, "events 0 blocked=1 shadow=sti")
            == "vm 0: events: NMIs blocked (handler before its IRET), "
               + ("STI/MOV SS shadow" if is_svm(ctl.platform) else "STI shadow"))
    assert command(ctl, "events 0 blocked=0 shadow=none") == "vm 0: events: none"
    assert command(ctl, "events 7").startswith("error")
