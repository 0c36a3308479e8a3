"""The Intel VT-x backend (arch/x86/vmx/) on Bochs: with EPT and
unrestricted guest the control partition runs with the expected controls
and a refused VM entry is reported, not fatal; without
unrestricted guest real mode and unpaged protected mode run in software
(the test guests themselves run there in test_guests.py, modeswitch.bin
among them), a refused IA-32e state is still FAIL_ENTRY; without EPT the
guests run on shadow page tables. Nothing may hang."""

PROMPT = r"ctl> "


def command(con, line, timeout=120):
    con.sendline(line)
    con.expect(PROMPT, timeout=timeout)


def test_vmx_skylake_controls_and_ctl(console_factory, iso):
    """The controls come from the TRUE capability MSRs with every feature
    the backend uses; the control partition picks VMCALL. (The guests
    themselves run on bochs-skylake in test_guests.py.)"""
    con = console_factory("bochs-skylake", iso)
    con.expect(r"vmx: controls pin 0x[0-9a-f]+ proc 0x[0-9a-f]+ proc2 0x[0-9a-f]+ "
               r"exit 0x[0-9a-f]+ entry 0x[0-9a-f]+ \(TRUE capability MSRs\); "
               r"EPT WB, VPID yes, unrestricted guest yes, PAT switched", timeout=120)
    con.expect(r"virt: using Intel VMX")
    con.expect(r"ctl: hypercalls use vmcall \(GenuineIntel\)", timeout=120)
    con.expect(PROMPT, timeout=120)
    command(con, "help")
    assert "vmx: " not in con.output().split("virt: using Intel VMX")[1]


def test_vmx_entry_failure_is_reported_not_fatal(console_factory, iso):
    """A state the CPU refuses (CR0.PG without PE) comes back as
    KVM_EXIT_TYPE_FAIL_ENTRY; the hypervisor names the exit reason and
    the control partition carries on."""
    con = console_factory("bochs-skylake", iso)
    con.expect(PROMPT, timeout=120)
    command(con, "vm create")
    command(con, "load 0 flat real 0x10000 real")
    command(con, "set 0 cr0 0x80000000")
    con.sendline("run 0")
    con.expect(r"vmx: VM \d+ vCPU 0: VM entry failed: exit reason 0x80000021 "
               r"\(invalid guest state\)", timeout=120)
    con.expect(r"KVM_EXIT_TYPE_FAIL_ENTRY")
    con.expect(PROMPT)
    command(con, "vm destroy 0")
    command(con, "vm create")
    command(con, "load 0 flat real 0x10000 real")
    con.sendline("run 0")
    con.expect(r"real: PASS 7/7", timeout=300)
    con.expect(PROMPT)


def test_vmx_without_unrestricted_guest_runs_real_mode(console_factory, iso):
    con = console_factory("bochs-lynnfield", iso)
    con.expect(r"unrestricted guest no", timeout=120)
    con.expect(r"virt: VMX without unrestricted guest: real mode and unpaged "
               r"protected mode run in the instruction emulator", timeout=120)
    con.expect(r"virt: using Intel VMX")
    con.expect(PROMPT, timeout=120)
    con.sendline("vm create 16")
    con.expect(r"vm 0 created: 16 MiB")
    con.expect(PROMPT)
    command(con, "load 0 flat modeswitch 0x10000 real")
    con.sendline("run 0")
    con.expect(r"modeswitch: PASS 11/11", timeout=300)
    con.expect(r"vm 0: guest exited with status 0")
    con.expect(PROMPT)
    assert "cannot emulate" not in con.output()


def test_vmx_without_ept_runs_guests_on_shadow_tables(console_factory, iso):
    """Core 2 (no EPT, VPID, unrestricted guest or EFER controls): the
    control partition and the guests run on shadow page tables. long64.bin
    switches to page tables of its own (MOV CR3, a mapping above 4 GiB that
    the string IO goes through) and ends with status 0."""
    con = console_factory("bochs-penryn", iso)
    con.expect(r"EPT no \(shadow paging\), VPID no, unrestricted guest no, PAT shared",
               timeout=120)
    con.expect(r"virt: VMX without EPT: guests run on shadow page tables")
    con.expect(r"virt: using Intel VMX \(shadow paging\)")
    con.expect(PROMPT, timeout=120)
    con.sendline("vm create 16")
    con.expect(r"vm 0 created: 16 MiB")
    con.expect(PROMPT)
    command(con, "load 0 flat long64 0x100000 long64")
    con.sendline("run 0")
    con.expect(r"long64: own page tables: cr3=0x106000", timeout=300)
    con.expect(r"long64: PASS 17/17", timeout=300)
    con.expect(r"vm 0: guest exited with status 0")
    con.expect(PROMPT)
    out = con.output()
    assert "FAIL" not in out
    assert "VM entry refused" not in out and "shadow page fault at" not in out
