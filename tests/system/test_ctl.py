"""The control partition: the hypervisor launches it under SVM with nested
paging, it reaches its CLI prompt on the passed-through COM1, answers
commands and rejects bad ones, and its hypercalls reach the kvm.h layer."""
import re

import pytest

PROMPT = r"ctl> "


@pytest.fixture
def ctl(console_factory, iso):
    con = console_factory("qemu-max", iso)
    con.expect(r"virt: using AMD SVM", timeout=60)
    con.expect(r'ctl: loaded "ctl": 64 MiB RAM, entry 0x[0-9a-f]+, 16 guest module')
    con.expect(PROMPT, timeout=60)
    return con


def test_ctl_boots_to_prompt_and_lists_modules(ctl):
    out = ctl.output()
    assert re.search(r"ctl: BareKVM control partition, 64 MiB RAM, 16 modules", out), out
    assert "hello greeting=world" in out
    ctl.sendline("modules")
    ctl.expect(PROMPT)
    out = ctl.child.before.replace("\r", "")
    # numbered as `load` takes them (and as the boot log shows them), each
    # with its kind and how to load it
    assert re.search(r"\n\s+0: 'hello greeting=world'\n\s+text, 83 bytes at "
                     r"0x[0-9a-f]+: data for a multiboot guest: initrd=hello\n", out), out
    assert re.search(r"\n\s+1: 'real'\n\s+flat binary, \d+ bytes at 0x[0-9a-f]+: "
                     r"load VM flat real GPA real\|prot32\|long64\n", out), out
    assert re.search(r"\n\s+4: 'mbhello'\n\s+multiboot kernel, \d+ bytes at "
                     r"0x[0-9a-f]+: load VM multiboot mbhello \[initrd=MOD,...\] \[args\]\n",
                     out), out
    boot = ctl.output()
    assert re.search(r'module 1: 0x[0-9a-f]+-0x[0-9a-f]+ \d+ bytes "real"', boot), boot


def test_ctl_help_and_errors(ctl):
    ctl.sendline("help")
    ctl.expect(r"modules\s+list the boot modules")
    ctl.expect(PROMPT)
    ctl.sendline("frobnicate now")
    ctl.expect(r"error: unknown command 'frobnicate' \(try 'help'\)")
    ctl.expect(PROMPT)
    ctl.sendline("echo one two")
    ctl.expect(r"one two")
    ctl.expect(PROMPT)


def test_ctl_exit_ends_qemu(ctl):
    ctl.sendline("exit 3")
    ctl.child.expect(__import__("pexpect").EOF, timeout=30)
    ctl.child.close()
    # QEMU exits with 2N+1 through isa-debug-exit; run-qemu.sh (which
    # `make run` uses) turns that back into the control partition's N
    assert ctl.child.exitstatus == 3


def test_ctl_exit_0_is_success(ctl):
    """`exit` under `make run` must not look like a failure to make."""
    ctl.sendline("exit")
    ctl.child.expect(__import__("pexpect").EOF, timeout=30)
    ctl.child.close()
    assert ctl.child.exitstatus == 0
