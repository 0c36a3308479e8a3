"""A deliberate fault in the hypervisor (selftest=... on the command line)
produces the full register dump and halts."""
import os
import re

import pytest

from conftest import ROOT
import serialconsole

GRUB_CFG = """\
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "BareKVM selftest" {{
    multiboot2 /boot/barekvm.elf console=com1 selftest={test}
    module2 /boot/modules/hello-module.txt hello
    boot
}}
"""

REGISTERS = ["RIP", "CS", "RFLAGS", "RSP", "SS", "RAX", "RBX", "RCX", "RDX",
             "RSI", "RDI", "RBP", "R8 ", "R9 ", "R10", "R11", "R12", "R13",
             "R14", "R15", "CR0", "CR2", "CR3", "CR4"]


def selftest_iso(tmp_path, test):
    return serialconsole.make_iso(
        str(tmp_path / f"selftest-{test}.iso"), GRUB_CFG.format(test=test),
        [os.path.join(ROOT, "tools", "hello-module.txt")])


def check_dump(out, vector, name, error_code):
    assert re.search(rf"\*\*\* hypervisor exception: vector {vector} \({re.escape(name)}\), "
                     rf"error code {error_code}", out), out
    for reg in REGISTERS:
        assert re.search(rf"{reg}=[0-9a-f]{{4,16}}", out), f"dump lacks {reg}\n{out}"
    frames = re.findall(r"^\s+\[(\d+)\] ([0-9a-f]{16})", out, re.M)
    assert len(frames) >= 3, f"stack trace too short: {frames}\n{out}"
    assert all(0x200000 <= int(addr, 16) < 0x400000 for _, addr in frames)
    assert re.search(r"PANIC: exception .* in the hypervisor", out)
    assert "BareKVM halted." in out


@pytest.mark.parametrize("platform", ["qemu-max", "bochs-skylake"])
def test_page_fault_dump(console_factory, iso, tmp_path, platform):
    con = console_factory(platform, selftest_iso(tmp_path, "fault"))
    con.expect(r"BareKVM halted\.", timeout=90)
    out = con.output()
    # a write (error code bit 1) to a not-present page (bit 0 clear)
    check_dump(out, 14, "#PF page fault", "0x2")
    assert "CR2=00007f0000001000" in out
    assert "boot complete" not in out


@pytest.mark.parametrize("test,vector,name,error", [
    ("ud", 6, "#UD invalid opcode", "0"),
    ("gp", 13, "#GP general protection", "0"),
    ("de", 0, "#DE divide error", "0"),
])
def test_other_faults(console_factory, iso, tmp_path, test, vector, name, error):
    con = console_factory("qemu-max", selftest_iso(tmp_path, test))
    con.expect(r"BareKVM halted\.", timeout=60)
    check_dump(con.output(), vector, name, error)
