"""KVM_GET_DIRTY_LOG (docs/test-guests.md, dirty.bin): with logging turned on
by toggling KVM_MEM_LOG_DIRTY_PAGES, the log holds exactly the pages the
guest wrote between two HLTs (including a write the hypervisor's emulator
made for it), reading it clears it and re-arms the slot (a page written
again shows up again), and the VMM's own writes through its mapping are
not logged."""
from test_abi_common import (abi_iso, check_tally, command, ctl, guest_lines,  # noqa: F401
                             load, run_line)

PASS1 = "0x200-0x201 0x203-0x204 0x210 0x300-0x30f 0x400 0x7ff 0xfff"
PASS2 = "0x200 0x202 0x500 0x900"


def halted(out):
    assert run_line(out, 0).startswith("vm 0: guest halted at RIP=0x"), out


def test_dirty_log_exact_pages(ctl):
    load(ctl, 0, "dirty", "0x100000", "prot32")
    assert command(ctl, "dirty 0 0") == ("vm 0: slot 0: dirty logging on\n"
                                         "vm 0: slot 0: 0 dirty pages")
    halted(command(ctl, "run 0"))                       # HLT 1: setup done
    out = command(ctl, "dirty 0 0")                     # stack, .bss: cleared
    assert out.startswith("vm 0: slot 0: ") and "dirty pages: " in out

    halted(command(ctl, "run 0"))                       # HLT 2: after pass 1
    assert command(ctl, "dirty 0 0") == f"vm 0: slot 0: 24 dirty pages: {PASS1}"
    assert command(ctl, "dirty 0 0") == "vm 0: slot 0: 0 dirty pages"

    # the VMM writing guest RAM through its window is not a guest write
    out = command(ctl, "load 0 flat spin 0x600000")
    assert "vm 0: loaded 'spin'" in out
    assert command(ctl, "dirty 0 0") == "vm 0: slot 0: 0 dirty pages"

    halted(command(ctl, "run 0"))                       # HLT 3: after pass 2
    assert command(ctl, "dirty 0 0") == f"vm 0: slot 0: 4 dirty pages: {PASS2}"
    assert command(ctl, "dirty 0 0 off") == "vm 0: slot 0: dirty logging off"
    out = command(ctl, "run 0")
    check_tally(guest_lines(out, 0), "dirty", 5)
    assert run_line(out, 0) == "vm 0: guest exited with status 0"
    # logging off: KVM_GET_DIRTY_LOG says so
    out = command(ctl, "ioctl 1 0x4010ae0c")
    assert out.endswith("KVM_GET_DIRTY_LOG: error ENOENT (-2)"), out


def test_dirty_log_errors(ctl):
    assert command(ctl, "vm create 16") == "vm 0 created: 16 MiB"
    assert command(ctl, "dirty 0 1") == "error: vm 0 has no slot '1'"
    # a second slot, logged on its own: empty until the guest writes it
    assert command(ctl, "slot 0 1 0x2000000 0x10000 1") == "KVM_SET_MEMORY_REGION: result 0"
    assert command(ctl, "dirty 0 1") == "vm 0: slot 1: 0 dirty pages"
    assert command(ctl, "dirty 0 1 off") == "vm 0: slot 1: dirty logging off"
    # slot 0 (the zeroed struct of `ioctl`) does not log: -ENOENT
    assert command(ctl, "ioctl 1 0x4010ae0c").endswith("KVM_GET_DIRTY_LOG: error ENOENT (-2)")
