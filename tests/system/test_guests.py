"""The test guests (docs/test-guests.md) run through the whole stack: the
control partition creates a VM, loads the image from its GRUB module, sets
the mode, runs it; every check inside the guest passes and it ends through
the exit port with status 0. Parametrized over the platforms that can run
guests."""
import os

import pytest

from ctl_session import check_tally, command, guest_lines
from test_abi_common import kept_console

# bochs-lynnfield: VMX without unrestricted guest, where real mode and
# unpaged protected mode run in software (docs/architecture.md);
# bochs-penryn: VMX without EPT as well, the paged modes on shadow tables.
# BAREKVM_GUEST_PLATFORMS (comma-separated) narrows it.
GUEST_PLATFORMS = os.environ.get(
    "BAREKVM_GUEST_PLATFORMS",
    "qemu-max,qemu-shadow,bochs-skylake,bochs-ryzen,bochs-phenom,"
    "bochs-lynnfield,bochs-penryn").split(",")

FLAT = [
    # name, load address, mode, checks
    ("real", "0x10000", "real", 7),
    ("modeswitch", "0x10000", "real", 11),
    ("prot32", "0x100000", "prot32", 14),
    ("long64", "0x100000", "long64", 17),
]


@pytest.fixture(params=GUEST_PLATFORMS)
def ctl(request, ctl_kept, iso):
    yield from kept_console(request, ctl_kept, request.param, iso)


def test_flat_guests(ctl):
    for vm, (name, gpa, mode, checks) in enumerate(FLAT):
        assert command(ctl, "vm create 16") == f"vm {vm} created: 16 MiB"
        out = command(ctl, f"load {vm} flat {name} {gpa} {mode}")
        assert f"vm {vm}: loaded '{name}'" in out
        out = command(ctl, f"run {vm}", timeout=600)
        check_tally(guest_lines(out, vm), name, checks)
        assert f"vm {vm}: guest exited with status 0" in out


def test_multiboot_guest(ctl):
    out = command(ctl, "vm create 16")
    out = command(ctl, "load 0 multiboot mbhello initrd=hello greeting=world")
    assert "vm 0: multiboot 'mbhello' (ELF)" in out and "1 module" in out
    out = command(ctl, "run 0", timeout=600)
    lines = guest_lines(out, 0)
    check_tally(lines, "mbhello", 9)
    assert "mbhello: RSDP at 0xe0000" in lines
    assert "mbhello: cmdline='mbhello greeting=world'" in lines
    assert "mbhello: module 0: cmdline='hello greeting=world' size=83" in lines
    assert ("mbhello: module 0: first line='Hello from a GRUB module: BareKVM "
            "parsed this file from the multiboot2 module tag.'") in lines
    assert "vm 0: guest exited with status 0" in out
