"""Virtual-8086 mode run by the hypervisor's emulator (docs/test-guests.md,
vm86.bin): the 8086 program's code is on the VMM's MMIO test device, so
every instruction of it is emulated: PUSHF at IOPL 3, a far JMP (real-mode
style, emul/exec_far.c) and INT n at IOPL 3 through the IDT to a ring-0
handler (the delivery from virtual-8086 mode); then FXSAVE and FXRSTOR
with the image on the device, with CR4.OSFXSR = 1 and = 0. CR4.VME is not exercised
here: QEMU 7.2's TCG does not offer it; the emulator's VME forms are
unit-tested (tests/unit/emul/test_vm86.c, test_deliver.c)."""
import os

import pytest

from conftest import ROOT
from test_abi_common import GRUB_CFG, command, guest_lines, load, run_line
from ctl_session import start_ctl
import serialconsole

# bochs-ryzen: Bochs 2.7 panics on the first #VMEXIT from a guest in
# virtual-8086 mode into a long-mode host ("VM is set in long mode"; the
# fuzzcode guard keeps random code out of VM86 under SVM for this reason);
# bochs-skylake: not run yet (VMX with a VM86 guest, expected to pass)
PLATFORMS = ["qemu-max", "qemu-shadow"]

PASSES = [
    "pushf at IOPL 3: FLAGS image 0x3002",
    "jmp far 8f00:0008, int 0x30 at IOPL 3 through the IDT: ring 0 gets GS FS DS ES SS SP "
    "FLAGS(VM) CS and IP 0xa",
    # vm86/fxsr.c: FXSAVE/FXRSTOR run by the emulator (emul/exec_fxsr.c)
    "fxsave [mmio] in virtual-8086 mode: bytes 0-287 as fxsave to RAM, 288-511 untouched",
    "fxrstor [mmio] in virtual-8086 mode: FCW, ST0-7, MXCSR and XMM1 from the image",
]
# With CR4.OSFXSR = 0 the guest checks its vendor's rule; both QEMU
# platforms report AuthenticAMD (APM: x87 and MMX state only)
OSFXSR0_PASSES = {
    "amd": ["CR4.OSFXSR = 0: fxsave [mmio] in virtual-8086 mode stores the x87 and MMX "
            "state only (AMD)",
            "CR4.OSFXSR = 0: fxrstor [mmio] in virtual-8086 mode loads the x87 and MMX "
            "state only, MXCSR reserved bits ignored (AMD)"],
    "intel": ["CR4.OSFXSR = 0: fxsave [mmio] in virtual-8086 mode stores bytes 0-287 (Intel)",
              "CR4.OSFXSR = 0: fxrstor [mmio] in virtual-8086 mode loads FCW, ST0-7, MXCSR "
              "and XMM1 (Intel)"],
}
VENDOR = {"qemu-max": "amd", "qemu-shadow": "amd"}


@pytest.fixture(scope="module")
def vm86_iso(tmp_path_factory):
    ctl_elf = os.path.join(ROOT, "build", "ctl", "ctl.elf")
    guest = os.path.join(ROOT, "build", "guests", "vm86.bin")
    missing = [m for m in (ctl_elf, guest, os.path.join(ROOT, "build", "barekvm.elf"))
               if not os.path.exists(m)]
    if missing:
        pytest.fail(f"missing {missing}: run 'make' first (make test does)")
    out = str(tmp_path_factory.mktemp("vm86") / "vm86.iso")
    return serialconsole.make_iso(out, GRUB_CFG % "    module2 /boot/modules/vm86.bin vm86\n",
                                  [ctl_elf, guest])


@pytest.mark.parametrize("platform", PLATFORMS)
def test_vm86_from_mmio(console_factory, vm86_iso, platform):
    ctl = start_ctl(console_factory, vm86_iso, platform=platform)
    load(ctl, 0, "vm86", "0x100000", "prot32")
    out = command(ctl, "run 0", timeout=300)
    lines = guest_lines(out, 0)
    assert "cannot emulate" not in out and "KVM_EXIT_UNKNOWN" not in out, out
    checks = [l for l in lines if l.startswith("vm86: PASS ") or l.startswith("vm86: FAIL ")]
    passes = PASSES + OSFXSR0_PASSES[VENDOR[platform]]
    assert checks == [f"vm86: PASS {p}" for p in passes] + [f"vm86: PASS {len(passes)}/{len(passes)}"], \
        "\n".join(lines)
    assert run_line(out, 0) == "vm 0: guest exited with status 0", out
