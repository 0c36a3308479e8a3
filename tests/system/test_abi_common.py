"""Shared by the kvm.h ABI system tests (tests/system/test_abi_*.py): an ISO
with the control partition and every test guest as GRUB modules, built once
per session with tools/serialconsole.make_iso so the tests do not depend on
boot/grub.cfg, and a fixture that boots it on each platform of
ABI_PLATFORMS and waits for the CLI prompt. No tests here."""
import os
import re
import subprocess

import pytest

from conftest import ROOT, require_platform
from ctl_session import PROMPT, command, guest_lines, start_ctl  # noqa: F401
import serialconsole

# Platforms the ABI tests run on: both backends; SVM with and without
# NRIP-save, flush-by-ASID and nested paging; VMX with and without
# unrestricted guest (bochs-lynnfield), and without EPT (bochs-penryn:
# shadow paging, and no unrestricted guest). BAREKVM_ABI_PLATFORMS
# (comma-separated) narrows it, e.g. for a quick run on one.
ABI_PLATFORMS = os.environ.get(
    "BAREKVM_ABI_PLATFORMS",
    "qemu-max,qemu-shadow,bochs-skylake,bochs-ryzen,bochs-phenom,bochs-lynnfield,"
    "bochs-penryn").split(",")

# What differs by virtualization backend.
SVM_PLATFORMS = {"qemu-max", "qemu-shadow", "qemu-uefi", "bochs-ryzen", "bochs-phenom"}


def is_svm(platform):
    return platform in SVM_PLATFORMS


# KVM_EXIT_UNKNOWN's hardware exit reason for MMIO the emulator refuses:
# the nested page fault (SVM exit code 0x400) or EPT violation (VMX 48).
MMIO_UNKNOWN_REASON = {True: "0x400", False: "0x30"}

GUESTS = ["real.bin", "prot32.bin", "long64.bin", "mbhello.elf", "mmio.bin",
          "irq.bin", "irqreal.bin", "dirty.bin", "paging.bin", "triple.bin",
          "msr.bin", "spin.bin", "hostile.bin", "echo.bin", "events.bin",
          "cpuwalk.bin"]

GRUB_CFG = """\
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "BareKVM ABI tests" {
    multiboot2 /boot/barekvm.elf console=com1
    module2 /boot/modules/ctl.elf ctl
%s    boot
}
"""


def module_name(path):
    return os.path.basename(path).split(".")[0]


@pytest.fixture(scope="session")
def abi_iso(tmp_path_factory):
    build = os.path.join(ROOT, "build")
    modules = [os.path.join(build, "ctl", "ctl.elf")]
    modules += [os.path.join(build, "guests", g) for g in GUESTS]
    missing = [m for m in modules + [os.path.join(build, "barekvm.elf")]
               if not os.path.exists(m)]
    if missing:
        pytest.fail(f"missing {missing}: run 'make' first (make test does)")
    lines = "".join(f"    module2 /boot/modules/{os.path.basename(m)} {module_name(m)}\n"
                    for m in modules[1:])
    out = str(tmp_path_factory.mktemp("abi") / "abi.iso")
    return serialconsole.make_iso(out, GRUB_CFG % lines, modules)


# A boot is most of an ABI test's time on Bochs (about 6 s of BIOS, GRUB
# and the hypervisor's start): the console of a test that passed is kept
# and handed to the next test if that runs on the same platform in the
# same pytest-xdist worker (conftest.py orders the tests by platform), once
# every VM is destroyed, every frame is back (`frames` as right after its
# boot) and the prompt answers with nothing pending. Only one is kept: an
# idle platform still costs half a core (the control partition polls its
# console). A test that failed, xfailed or was skipped leaves its console
# to be closed, and the next test boots afresh. BAREKVM_FRESH_BOOTS=1
# boots for every test.
FRESH_BOOTS = os.environ.get("BAREKVM_FRESH_BOOTS") == "1"


def boot_ctl(platform, iso, name):
    require_platform(platform)
    con = serialconsole.boot(platform, iso, name=name)
    con.expect(r"virt: using ", timeout=120)
    con.expect(PROMPT, timeout=120)
    con.boot_frames = command(con, "frames")
    return con


def back_to_boot_state(con):
    """Destroys every VM; True if the console is as it was after boot."""
    try:
        if command(con, "", timeout=20) != "":
            return False
        for vm in re.findall(r"^vm (\d+): ", command(con, "vm list", timeout=20), re.M):
            if command(con, f"vm destroy {vm}", timeout=60) != f"vm {vm} destroyed":
                return False
        return (command(con, "vm list", timeout=20) == "(no VMs)" and
                command(con, "frames", timeout=20) == con.boot_frames and
                command(con, "", timeout=20) == "")
    except AssertionError:
        return False


def passed(item):
    rep = getattr(item, "rep_call", None)
    return rep is not None and rep.passed and not hasattr(rep, "wasxfail")


def kept_console(request, ctl_kept, platform, iso):
    """A generator for a fixture: the console at the prompt of `iso` booted
    on `platform`, the kept one when the last test that passed left it
    (by platform and ISO: test_nmi.py and test_guests.py boot ISOs of
    their own), then kept again if this test passes."""
    key = (platform, iso)
    con = ctl_kept.pop(key, None)
    for other in ctl_kept.values():
        other.close()
    ctl_kept.clear()
    if con is not None:
        con.relog(request.node.name)
    else:
        con = boot_ctl(platform, iso, request.node.name)
    yield con
    if not FRESH_BOOTS and passed(request.node) and back_to_boot_state(con):
        ctl_kept[key] = con
    else:
        con.close()


@pytest.fixture(params=ABI_PLATFORMS)
def ctl(request, ctl_kept, abi_iso):
    yield from kept_console(request, ctl_kept, request.param, abi_iso)


def load(con, vm, name, gpa, mode, mem=16):
    """vm create + load flat + mode; returns the load output."""
    assert command(con, f"vm create {mem}") == f"vm {vm} created: {mem} MiB"
    out = command(con, f"load {vm} flat {name} {gpa} {mode}")
    assert f"vm {vm}: loaded '{name}'" in out, out
    return out


def xfail_on(request, platform, platforms, reason):
    """A strict xfail where an emulator cannot show the behaviour (its
    defect named in reason); the test must pass everywhere else."""
    if platform in platforms:
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"{platform}: {reason}"))


def check_tally(lines, name, expected):
    fails = [l for l in lines if l.startswith(f"{name}: FAIL")]
    assert not fails, "\n".join(lines)
    assert f"{name}: PASS {expected}/{expected}" in lines, "\n".join(lines)


def guest_elf(guest):
    return os.path.join(ROOT, "build", "guests", "obj", f"{guest}.elf")


def nm(guest, symbol):
    """Address of a symbol in a guest's ELF (build/guests/obj/<guest>.elf)."""
    out = subprocess.run(["nm", guest_elf(guest)], check=True, capture_output=True,
                         text=True).stdout
    m = re.search(rf"^([0-9a-f]+) \w {re.escape(symbol)}$", out, re.M)
    assert m, f"{symbol} not in {guest_elf(guest)}"
    return int(m.group(1), 16)


def disassembly(guest, function=None):
    """[(address, mnemonic text)] of a guest's code, optionally of one function."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", guest_elf(guest)],
                         check=True, capture_output=True, text=True).stdout
    insns, current = [], None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            current = m.group(1)
            continue
        m = re.match(r"^\s+([0-9a-f]+):\s+(.*)$", line)
        if m and (function is None or current == function):
            insns.append((int(m.group(1), 16), m.group(2).strip()))
    return insns


def run_line(out, vm):
    """The line `run` ends with: 'vm N: ...' (the last such line)."""
    lines = [l for l in out.split("\n") if l.startswith(f"vm {vm}: ")]
    assert lines, out
    return lines[-1]
