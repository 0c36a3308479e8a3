"""make run KERNEL=path [INITRD=path] [APPEND="..."] [MEM=MiB]
(README, "Run Linux"): an ISO with the hypervisor, the control partition,
the kernel and a ctl-script module boots straight into that kernel's console
in VM 0; `make run` ends with the VM's status. QEMU only: it is what
`make run` boots."""
import os
import subprocess

import pexpect
import pytest

from conftest import ROOT, require_platform

LINUX = os.path.join(ROOT, "build", "linux")


def make_run(*args, timeout=300):
    require_platform("qemu-max")
    child = pexpect.spawn("make", ["-s", "run", "NO_PACKAGES=1", *args], cwd=ROOT,
                          encoding="utf-8", codec_errors="replace", timeout=timeout)
    child.logfile_read = open(os.path.join(ROOT, "build", "test-logs",
                                           "make-run-kernel.log"), "a")
    return child


def finish(child):
    child.expect(pexpect.EOF, timeout=120)
    child.close()
    return child.exitstatus


def test_multiboot_kernel_with_append():
    child = make_run("KERNEL=build/guests/mbhello.elf", "APPEND=some words for it")
    child.expect_exact("vm 0: running, console attached")
    child.expect_exact("[vm0] mbhello: PASS")
    child.expect_exact("vm 0: guest exited with status 0")
    child.expect_exact("ctl: exit with vm 0's status 0")
    assert finish(child) == 0


def test_linux_kernel_and_initrd():
    for f in ("vmlinuz", "initramfs.gz"):
        if not os.path.exists(os.path.join(LINUX, f)):
            pytest.fail(f"build/linux/{f} is missing: run 'make linux-images'")
    child = make_run("KERNEL=build/linux/vmlinuz", "INITRD=build/linux/initramfs.gz",
                     "MEM=192")
    child.expect_exact("vm 0 created: 192 MiB")
    child.expect_exact("cmdline 0x20000 'console=ttyS0'")     # the default
    child.expect_exact("~ # ")
    child.sendline("cat /proc/cmdline")
    child.expect_exact("[vm0] console=ttyS0")
    child.expect_exact("~ # ")
    child.sendline("reboot -f")
    child.expect_exact("vm 0: guest reset the machine through the 8042")
    assert finish(child) == 0


def test_missing_kernel_is_an_error():
    r = subprocess.run(["make", "-s", "run", "NO_PACKAGES=1", "KERNEL=/nonexistent/bzImage"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "kernel-iso: KERNEL=/nonexistent/bzImage: no such file" in r.stderr
