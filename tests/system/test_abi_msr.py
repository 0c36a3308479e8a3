"""MSRs (docs/test-guests.md, msr.bin): guest RDMSR/WRMSR handled inside the
hypervisor (values kept, fixed values right, #GP(0) for unsupported MSRs and
reserved EFER bits), and the VMM's view of the same MSRs through
KVM_GET_MSRS / KVM_SET_MSRS (which return the number of entries processed
and stop at the first unsupported one) and KVM_GET_MSR_INDEX_LIST."""
import pytest

from test_abi_common import (abi_iso, check_tally, command, ctl, guest_lines,  # noqa: F401
                             load, run_line)

PAT_CHECK = "msr: PASS wrmsr/rdmsr PAT (0x277) = 0x7010600070106"
INDEX_LIST = ("KVM_GET_MSR_INDEX_LIST: 10 MSRs: 0x174 0x175 0x176 0xc0000081 "
              "0xc0000083 0xc0000102 0xc0000084 0xc0000082 0x10 0x1a0")
# what msr.bin leaves behind
LEFT = [(0x174, 0x10), (0x175, 0xffff800000001000), (0x176, 0xffff800000002000),
        (0xc0000081, 0x23001000000000), (0xc0000082, 0xffffffff81000000),
        (0xc0000083, 0xffffffff81000100), (0xc0000084, 0x47700),
        (0xc0000102, 0xffff888000000000), (0xc0000100, 0x7f0000001000),
        (0xc0000101, 0x7f0000002000), (0x1a0, 0x1), (0xc0000080, 0x501),
        (0x1b, 0xfee00900), (0xcd, 0x3), (0xfe, 0x0), (0x179, 0x0), (0x400, 0x0)]


def run_msr_guest(ctl):
    load(ctl, 0, "msr", "0x100000", "long64")
    out = command(ctl, "run 0")
    return guest_lines(out, 0), out


def test_msr_guest_and_commands(ctl):
    lines, out = run_msr_guest(ctl)
    fails = [l for l in lines if l.startswith("msr: FAIL")]
    assert not fails, "\n".join(lines)
    assert len([l for l in lines if l.startswith("msr: PASS wrmsr/rdmsr")]) == 12
    for what in ["rdmsr EFER = 0x500 (LME, LMA) as the VMM set long mode",
                 "wrmsr EFER.SCE: reads back 0x501",
                 "rdmsr APIC_BASE = 0xfee00900 (BSP, enabled)",
                 "rdmsr MTRRCAP, MCG_CAP, MC0_CTL = 0",
                 "wrmsr MTRR_PHYSBASE0 ignored, reads 0",
                 "rdmsr 0xcd = 3",
                 "wrmsr TSC = 2^40: rdmsr and rdtsc continue from there",
                 "rdmsr 0xc0011234 (unsupported): #GP(0) at the rdmsr, edx:eax unchanged",
                 "wrmsr 0xc0011234 (unsupported): #GP(0) at the wrmsr",
                 "wrmsr EFER with reserved bit 2: #GP(0), EFER unchanged",
                 "FS_BASE written with wrmsr is the base %fs: addresses use",
                 "xsetbv, vmrun, vmxoff: #UD at each (3 of 3)",
                 "no exception but the three #GPs and three #UDs"]:
        assert f"msr: PASS {what}" in lines, "\n".join(lines)

    # the VMM sees what the guest left, in order, and the count processed
    indices = " ".join(hex(i) for i, _ in LEFT)
    out = command(ctl, f"msr 0 get {indices}")
    assert out.split("\n") == [f"vm 0: msr {i:#x} = {v:#x}" for i, v in LEFT] + \
        [f"vm 0: KVM_GET_MSRS: {len(LEFT)} of {len(LEFT)} processed"]
    # processing stops at the first unsupported index
    out = command(ctl, "msr 0 get 0x174 0xc0011234 0x175")
    assert out.split("\n") == ["vm 0: msr 0x174 = 0x10",
                               "vm 0: KVM_GET_MSRS: 1 of 3 processed; stopped at 0xc0011234"]
    assert command(ctl, "msr 0 set 0x174 0x8 0x175 0x1234") == \
        "vm 0: KVM_SET_MSRS: 2 of 2 processed"
    assert command(ctl, "msr 0 set 0x176 0x5 0x12345 1 0x174 9") == \
        "vm 0: KVM_SET_MSRS: 1 of 3 processed; stopped at 0x12345"
    assert command(ctl, "msr 0 get 0x174 0x175 0x176") == "\n".join([
        "vm 0: msr 0x174 = 0x8", "vm 0: msr 0x175 = 0x1234", "vm 0: msr 0x176 = 0x5",
        "vm 0: KVM_GET_MSRS: 3 of 3 processed"])
    assert command(ctl, "msr 0 set 0x12345 1") == \
        "vm 0: KVM_SET_MSRS: 0 of 1 processed; stopped at 0x12345"
    # (the hypervisor logs the -E2BIG of the sizing call on the same console)
    assert INDEX_LIST in command(ctl, "msrs").split("\n")
    # TSC through SET_MSRS: the guest's clock continues from the value
    assert command(ctl, "msr 0 set 0x10 0x100000000000") == "vm 0: KVM_SET_MSRS: 1 of 1 processed"
    tsc = int(command(ctl, "msr 0 get 0x10").split("\n")[0].split("= ")[1], 16)
    assert 0x100000000000 <= tsc < 0x100000000000 + (1 << 36)


def test_msr_pat(ctl):
    lines, out = run_msr_guest(ctl)
    assert PAT_CHECK in lines, "\n".join(lines)
    check_tally(lines, "msr", 26)
    assert run_line(out, 0) == "vm 0: guest exited with status 0"
    assert command(ctl, "msr 0 get 0x277").split("\n")[0] == "vm 0: msr 0x277 = 0x7010600070106"
