"""The control partition survives its own CLI (issue 11 item 8): after
`slot` deletes or moves the RAM the VMM had mapped, the VMM refuses to write
there with a clear message instead of touching the unmapped window, gets it
back when the slot is re-created, and an access to an unmapped VM-window
address (`touch`) reads all ones instead of stopping the machine."""
import re

from test_abi_common import abi_iso, command, ctl  # noqa: F401

NOT_MAPPED = re.compile(r"error: vm 0: guest RAM 0x10000-0x[0-9a-f]+ is not mapped in the "
                        r"control partition \(only the first 0x0 bytes are")


def test_load_after_slot_delete_is_refused(ctl):
    assert command(ctl, "vm create 16") == "vm 0 created: 16 MiB"
    out = command(ctl, "slot 0 0 0 0")
    assert out.split("\n")[0] == "KVM_SET_MEMORY_REGION: result 0"
    assert "vm 0: guest RAM mapped in the control partition now: 0x0 of 0x1000000 bytes" in out
    out = command(ctl, "load 0 flat real 0x10000 real")
    assert NOT_MAPPED.search(out), out
    assert "STOPPED" not in out and "nested page fault" not in out
    out = command(ctl, "mode 0 long64 0x10000")
    assert "is not mapped in the control partition" in out, out
    out = command(ctl, "load 0 multiboot mbhello")
    assert "is not mapped in the control partition" in out, out
    # a move unmaps it as well; moving back maps it again
    assert command(ctl, "slot 0 0 0 0x1000000") == "KVM_SET_MEMORY_REGION: result 0"
    assert "0x0 of 0x1000000 bytes" in command(ctl, "slot 0 0 0x4000000 0x1000000")
    assert "is not mapped" in command(ctl, "load 0 flat real 0x10000 real")
    assert command(ctl, "slot 0 0 0 0x1000000") == "KVM_SET_MEMORY_REGION: result 0"
    out = command(ctl, "load 0 flat real 0x10000 real")
    assert "vm 0: loaded 'real'" in out, out
    out = command(ctl, "run 0", timeout=300)
    assert "[vm0] real: PASS 7/7" in out, out
    assert "vm 0: guest exited with status 0" in out, out


def test_unmapped_window_access_reads_ones(ctl):
    assert command(ctl, "vm create 16") == "vm 0 created: 16 MiB"
    window = int(re.search(r"RAM at (0x[0-9a-f]+)", command(ctl, "vm list")).group(1), 16)
    # mapped: reads guest RAM (zeroed)
    assert command(ctl, f"touch {window + 0x10000:#x}") == f"touch {window + 0x10000:#x}: read 0x0"
    command(ctl, "slot 0 0 0 0")
    out = command(ctl, f"touch {window + 0x10000:#x}")
    assert f"touch {window + 0x10000:#x}: read 0xffffffffffffffff" in out, out
    assert re.search(r"ctl: read of unmapped VM-window address 0x[0-9a-f]+ at RIP", out), out
    # a window no VM owns
    last = 0x1000000000 + 27 * 0x400000000
    assert f"read 0xffffffffffffffff" in command(ctl, f"touch {last:#x}")
    # the machine goes on
    assert command(ctl, "vm create 4") == "vm 1 created: 4 MiB"
    out = command(ctl, "load 1 flat real 0x10000 real")
    assert "vm 1: loaded 'real'" in out, out
    assert "[vm1] real: PASS 7/7" in command(ctl, "run 1", timeout=300)
