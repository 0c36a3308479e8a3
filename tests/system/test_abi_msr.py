"""MSRs (docs/test-guests.md, msr.bin): guest RDMSR/WRMSR handled inside the
hypervisor (values kept, fixed values right, #GP(0) for unsupported MSRs and
for every value a CPU refuses: reserved PAT types, non-canonical addresses,
reserved EFER bits, LME changed with paging on), MOV to CR4 limited to the
bits the guest's CPUID announces (no PKU), and the VMM's view of the same
MSRs through KVM_GET_MSRS / KVM_SET_MSRS (which return the number of entries
processed and stop at the first unsupported index or refused value) and
KVM_GET_MSR_INDEX_LIST; KVM_SET_SREGS refuses CR4 bits the CPUID lacks."""
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
        (0x1b, 0xfee00900), (0xcd, 0x3), (0xfe, 0x0), (0x179, 0x0)]


def run_msr_guest(ctl):
    load(ctl, 0, "msr", "0x100000", "long64")
    out = command(ctl, "run 0")
    return guest_lines(out, 0), out


def test_msr_guest_and_commands(ctl):
    lines, out = run_msr_guest(ctl)
    fails = [l for l in lines if l.startswith("msr: FAIL")]
    assert not fails, "\n".join(lines)
    assert len([l for l in lines if l.startswith("msr: PASS wrmsr/rdmsr")]) == 12
    for what in ["rdmsr MISC_ENABLE = 0x1801 at reset (fast strings; BTS, PEBS unavailable)",
                 "rdmsr EFER = 0x500 (LME, LMA) as the VMM set long mode",
                 "wrmsr EFER.SCE: reads back 0x501",
                 "rdmsr APIC_BASE = 0xfee00900 (BSP, enabled)",
                 "rdmsr MTRRCAP, MCG_CAP = 0; MC0_CTL #GP (MCG_CAP: no banks)",
                 "MTRR_PHYSBASE0 #GP both ways (MTRRCAP: no variable ranges)",
                 "rdmsr 0xcd = 3",
                 "wrmsr TSC = 2^40: rdmsr and rdtsc continue from there",
                 "rdmsr 0xc0011234 (unsupported): #GP(0) at the rdmsr, edx:eax unchanged",
                 "wrmsr 0xc0011234 (unsupported): #GP(0) at the wrmsr",
                 "wrmsr EFER with reserved bit 2: #GP(0), EFER unchanged",
                 "FS_BASE written with wrmsr is the base %fs: addresses use",
                 "xsetbv, vmrun, vmxoff: #UD at each (3 of 3)",
                 "wrmsr PAT with type 2, 3, 8 or 0xff in any byte: #GP each (32 of 32), "
                 "PAT unchanged",
                 "wrmsr EFER with SVME, LMSLE or bit 63: #GP each (3 of 3), EFER unchanged",
                 "wrmsr EFER clearing LME with paging on: #GP, EFER unchanged",
                 "wrmsr EFER with LMA clear: LMA is not writable, EFER stays 0x501",
                 "mov cr4 (from r9) with PGE and back: taken",
                 "rdpkru, wrpkru: #UD at each"]:
        assert f"msr: PASS {what}" in lines, "\n".join(lines)

    for name in ["SYSENTER_ESP", "SYSENTER_EIP", "LSTAR", "CSTAR", "KERNEL_GS_BASE",
                 "FS_BASE", "GS_BASE"]:
        assert (f"msr: PASS wrmsr {name} = 0x4000000000001000 (non-canonical): #GP, "
                "unchanged") in lines, "\n".join(lines)
    for name in ["PKE", "OSXSAVE", "VMXE", "SMXE", "LA57", "bit 15", "KL", "CET", "PKS",
                 "UINTR", "FRED", "bit 63"]:
        assert f"msr: PASS mov cr4 with {name}: #GP, CR4 unchanged" in lines, "\n".join(lines)
    assert any(l.startswith("msr: PASS cpuid 7: no PKU or OSPKE") for l in lines)
    # 58 #GPs everywhere, one more for each feature this CPU's CPUID lacks
    ffxsr = [l for l in lines if l.startswith("msr: PASS wrmsr EFER.FFXSR: ")]
    assert len(ffxsr) == 1, "\n".join(lines)
    cr4 = [l for l in lines if l.startswith("msr: PASS mov cr4 with UMIP (")]
    assert len(cr4) == 1, "\n".join(lines)
    gps = 58 + ("#GP as CPUID says" in ffxsr[0]) + cr4[0].count("(not announced)")
    assert f"msr: PASS every #GP had error code 0 ({gps} of them)" in lines, "\n".join(lines)
    assert f"msr: PASS no exception but the #GPs ({gps}) and five #UDs (5)" in lines
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
    check_tally(lines, "msr", 58)
    assert run_line(out, 0) == "vm 0: guest exited with status 0"
    assert command(ctl, "msr 0 get 0x277").split("\n")[0] == "vm 0: msr 0x277 = 0x7010600070106"


def test_set_msrs_stops_at_a_refused_value(ctl):
    """KVM_SET_MSRS applies the same checks as guest WRMSR: the count is
    the entries before the first refused value, and nothing after it is
    written (2.6.21's "number processed")."""
    lines, out = run_msr_guest(ctl)
    assert run_line(out, 0) == "vm 0: guest exited with status 0", out
    # a bad PAT in the middle: the first entry set, the third not
    out = command(ctl, "msr 0 set 0x174 0x8 0x277 0x0007010600070102 0x175 0x1234")
    assert "vm 0: KVM_SET_MSRS: 1 of 3 processed; stopped at 0x277" in out.split("\n"), out
    assert command(ctl, "msr 0 get 0x174 0x277 0x175") == "\n".join([
        "vm 0: msr 0x174 = 0x8", "vm 0: msr 0x277 = 0x7010600070106",
        "vm 0: msr 0x175 = 0xffff800000001000", "vm 0: KVM_GET_MSRS: 3 of 3 processed"])
    # each address MSR refuses a non-canonical value; each stops the list there
    for index in [0x175, 0x176, 0xc0000082, 0xc0000083, 0xc0000100, 0xc0000101,
                  0xc0000102]:
        out = command(ctl, f"msr 0 set 0xc0000084 0x700 {index:#x} 0x4000000000001000 "
                           "0xc0000084 0x47700")
        assert (f"vm 0: KVM_SET_MSRS: 1 of 3 processed; stopped at {index:#x}"
                in out.split("\n")), out
    assert command(ctl, "msr 0 get 0xc0000084 0xc0000082").split("\n")[:2] == [
        "vm 0: msr 0xc0000084 = 0x700", "vm 0: msr 0xc0000082 = 0xffffffff81000000"]
    # EFER: SVME and reserved bits refused; LME cannot change with paging on
    # (the guest stopped in long mode); LMA is not writable
    for value in ["0x1501", "0x505", "0x401"]:
        out = command(ctl, f"msr 0 set 0xc0000080 {value}")
        assert "vm 0: KVM_SET_MSRS: 0 of 1 processed; stopped at 0xc0000080" in \
            out.split("\n"), (value, out)
    assert command(ctl, "msr 0 set 0xc0000080 0x101") == "vm 0: KVM_SET_MSRS: 1 of 1 processed"
    assert command(ctl, "msr 0 get 0xc0000080").split("\n")[0] == "vm 0: msr 0xc0000080 = 0x501"


def test_set_sregs_refuses_cr4_bits_cpuid_lacks(ctl):
    """KVM_SET_SREGS with a CR4 bit the vCPU's CPUID does not announce is
    -EINVAL, logged, and changes nothing; the guest then runs normally (no
    failed VM entry)."""
    load(ctl, 0, "long64", "0x100000", "long64")
    before = command(ctl, "regs 0")
    for bit in [22, 18, 13, 14, 15, 63]:        # PKE OSXSAVE VMXE SMXE reserved
        value = 0x620 | (1 << bit)
        out = command(ctl, f"set 0 cr4 {value:#x}")
        assert "error: KVM_SET_SREGS: EINVAL (-22)" in out.split("\n"), out
        assert (f"kvm: KVM_SET_SREGS: CR4 {value:#x} sets bits {1 << bit:#x} the vCPU's "
                "CPUID does not announce") in out, out
    assert command(ctl, "regs 0") == before
    assert command(ctl, "set 0 cr4 0x6a0") == "vm 0: cr4 = 0x6a0"      # PGE: announced
    out = command(ctl, "run 0")
    assert run_line(out, 0) == "vm 0: guest exited with status 0", out
