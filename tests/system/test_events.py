"""Exceptions, debug events and interrupt shadows around the instructions
the hypervisor or the VMM completes for a guest (docs/test-guests.md,
events.bin; issue 14): the guest's own single-step trap after each kind of
exit, MOV SS holding off that trap (also when the emulator runs it), STI
not holding it off, an interrupt pending across STI taken only after the
next instruction whoever completes it, RF in the frames of injected faults,
DR7.GD, LGDT/LIDT/LLDT/LTR of a non-canonical base, STI; HLT with an interrupt
pending, VMCALL/VMMCALL answered as KVM
answers an unknown hypercall, SMSW to MMIO, and the performance counters as
the vendor has them. Exact outcomes on every ABI platform."""
from test_abi_common import (abi_iso, command, ctl, guest_lines,  # noqa: F401
                             is_svm, load, run_line)

STEPS = ["a native NOP", "CPUID (the VMM)", "OUT (the VMM)", "IN (the VMM)",
         "RDMSR (the hypervisor)", "WRMSR (the hypervisor)", "INVD (the hypervisor)",
         "MOV to CR8 (the hypervisor on VMX)",
         "an MMIO read (the emulator and the VMM)",
         "an MMIO write (the emulator and the VMM)", "MOV to SS; NOP",
         "MOV to SS; CPUID (the VMM)", "MOV to SS; OUT (the VMM)",
         "MOV to SS; RDMSR (the hypervisor)",
         "MOV to SS; an MMIO read (the emulator and the VMM)",
         "MOV to SS; NOP, both run by the emulator"]
# the instruction after STI in the STI checks
AFTER_STI = ["OUT (the VMM)", "CPUID (the VMM)", "RDMSR (the hypervisor)",
             "an MMIO read (the emulator and the VMM)"]


def step(what):
    return f"TF over {what}: one #DB after it, DR6 = 0xffff4ff0 (BS)"


# STI's shadow holds off interrupts, not the single-step trap (SDM 6.8.3,
# 17.3.1.4): STI's own #DB comes at the next instruction, that one's after it.
STI_STEP_NOP = "TF, STI; NOP: #DB after STI, then after it, DR6 = BS both"
STI_STEP_EMULATED = ("TF, STI; NOP, both run by the emulator: #DB after STI, "
                     "then after it, DR6 = BS both")


def sti_step(what):
    return f"TF, STI; {what}: #DB after STI, then after it with DR6 = BS"


def sti_irq(what):
    return f"STI; {what} with IRQ 0 pending: the interrupt comes after it"


NATIVE_GP_RF = "#GP from a non-canonical load (the CPU): RF = 1 in its frame"
GENERAL_DETECT = "MOV DR with DR7.GD: #DB at it, DR6.BD, GD clear in the handler"
LLDT_BASE = "LLDT of a non-canonical LDT base: #GP(0x50), LDTR unchanged"
LTR_BASE = "LTR of a non-canonical TSS base: #GP(0x60), TR unchanged, not busy"
COMMON = [step(s) for s in STEPS] + [
    NATIVE_GP_RF,
    "#GP from RDMSR 0xc0011234 (injected): RF = 1 in its frame",
    GENERAL_DETECT,
    "LGDT with a non-canonical base: #GP(0), GDTR unchanged",
    "LIDT with a non-canonical base: #GP(0), IDTR unchanged",
    LLDT_BASE,
    LTR_BASE,
    "STI; HLT with IRQ 0 pending: the interrupt comes after HLT",
    STI_STEP_NOP] + [sti_step(s) for s in AFTER_STI] + [STI_STEP_EMULATED] + [
    sti_irq(s) for s in ["NOP"] + AFTER_STI + ["NOP, both run by the emulator"]] + [
    "SMSW to MMIO: CR0[15:0], 2 bytes",
    "no unexpected exception",
]
AMD = [
    "#UD from VMRUN (injected): RF = 1 in its frame",
    "VMMCALL with an unknown number: RAX = -1000 (-KVM_ENOSYS), no exception",
    "counters (AMD): PerfEvtSel0-3, PerfCtr0-3 read 0",
    "counters (AMD): writes taken, nothing counts (PerfCtr0 reads 0)",
    "counters (AMD): reserved PerfEvtSel bit 42: #GP",
    "counters (AMD): RDPMC 0-3 read 0, RDPMC 4 #GP",
]
INTEL = [
    "#UD from VMXOFF (injected): RF = 1 in its frame",
    "VMCALL with an unknown number: RAX = -1000 (-KVM_ENOSYS), no exception",
    "counters (Intel, CPUID 0xA version 0): RDMSR 0xc0010000 and RDPMC 0 #GP",
]

# Where the emulator under the hypervisor itself is wrong, the check fails
# there, and must (so that a fixed emulator shows up). Only the CPU's own
# behaviour is concerned: the native references, and a DR6 Bochs never
# writes.
QEMU_NO_RF = ("QEMU's TCG pushes RF = 0 with the faults it raises itself "
              "(SDM 17.3.1.1 says 1)")
QEMU_NO_GD = "QEMU's TCG does not implement DR7.GD: MOV DR runs on"
QEMU_LAX_BASE = ("QEMU's TCG loads a 64-bit LDT/TSS descriptor without checking "
                 "that its base is canonical (Bochs and the CPUs do)")
BOCHS_SVM_DR6 = ("Bochs 2.7 takes an intercepted #DB before it writes DR6 "
                 "(test_hostile.py, NO_SVM_DB_DR6): a step the guest runs natively "
                 "(NOP, MOV SS; NOP, MOV to CR8 on SVM, STI) lacks BS, GD's lacks BD")
QEMU_STI_TF = ("QEMU 7.2's TCG drops the single-step trap of STI (the same "
               "code without BareKVM: `-d int` shows no #DB after STI), so the "
               "first #DB comes after the next instruction")
QEMU_TCG_DEFECTS = {NATIVE_GP_RF: QEMU_NO_RF, GENERAL_DETECT: QEMU_NO_GD,
                    LLDT_BASE: QEMU_LAX_BASE, LTR_BASE: QEMU_LAX_BASE,
                    STI_STEP_NOP: QEMU_STI_TF,
                    **{sti_step(s): QEMU_STI_TF for s in AFTER_STI}}
EMULATOR_DEFECTS = {
    "qemu-max": QEMU_TCG_DEFECTS,
    "qemu-shadow": QEMU_TCG_DEFECTS,
    "bochs-ryzen": {step("a native NOP"): BOCHS_SVM_DR6,
                    STI_STEP_NOP: BOCHS_SVM_DR6,
                    step("MOV to SS; NOP"): BOCHS_SVM_DR6,
                    step("MOV to CR8 (the hypervisor on VMX)"): BOCHS_SVM_DR6,
                    GENERAL_DETECT: BOCHS_SVM_DR6},
    "bochs-phenom": {step("a native NOP"): BOCHS_SVM_DR6,
                    STI_STEP_NOP: BOCHS_SVM_DR6,
                     step("MOV to SS; NOP"): BOCHS_SVM_DR6,
                     step("MOV to CR8 (the hypervisor on VMX)"): BOCHS_SVM_DR6,
                     GENERAL_DETECT: BOCHS_SVM_DR6},
}


def test_events_guest(ctl):
    load(ctl, 0, "events", "0x100000", "long64")
    out = command(ctl, "run 0", timeout=300)
    lines = guest_lines(out, 0)
    expected = COMMON + (AMD if is_svm(ctl.platform) else INTEL)
    defects = EMULATOR_DEFECTS.get(ctl.platform, {})
    text = "\n".join(lines)
    for what in expected:
        verdict = "FAIL" if what in defects else "PASS"
        assert f"events: {verdict} {what}" in lines, f"{verdict} expected: {what}\n{text}"
    passed = len(expected) - len(defects)
    tally = f"PASS {passed}/{passed}" if not defects else f"FAIL {passed}/{len(expected)}"
    assert f"events: {tally}" in lines, text
    status = len(defects)
    assert run_line(out, 0) == f"vm 0: guest exited with status {status}", out
