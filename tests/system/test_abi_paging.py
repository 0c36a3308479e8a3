"""KVM_TRANSLATE in every paging mode (docs/test-guests.md, paging.bin): at
each of the guest's sync points the VMM translates the addresses the guest
mapped, and gets exactly the physical address, valid, writeable and
usermode the guest's own page tables say (writeable and usermode are the
truth of the walk: the AND over every level)."""
import re

from test_abi_common import (abi_iso, check_tally, command, ctl, guest_lines,  # noqa: F401
                             load, run_line)

INVALID = None
# mode -> [(linear, physical or INVALID, writeable, usermode)]
EXPECT = {
    "off": [(0x0, 0x0, 1, 1), (0x12345678, 0x12345678, 1, 1),
            (0xfffff000, 0xfffff000, 1, 1)],
    "32bit": [(0x101234, 0x101234, 1, 0), (0x40012345, 0x812345, 0, 1),
              (0x40400abc, 0x123abc, 1, 1), (0x40401010, 0x456010, 0, 1),
              (0x40402000, INVALID, 0, 0), (0x40800fff, 0x789fff, 1, 0),
              (0x40c00001, 0x100400001, 1, 1), (0x80000000, INVALID, 0, 0)],
    "pae": [(0x201000, 0x201000, 1, 0), (0x40012345, 0xa12345, 1, 0),
            (0x40200100, 0x234100, 0, 1), (0x40201fff, 0x123456fff, 1, 1),
            (0x40202000, INVALID, 0, 0), (0xc0000000, INVALID, 0, 0)],
    "long": [(0x300000, 0x300000, 1, 1), (0x40000000, 0xc0000000, 0, 1),
             (0x7fffffff, 0xffffffff, 0, 1), (0x80005123, 0x345123, 0, 1),
             (0x8000012345, 0xc12345, 1, 0), (0xffffffffc0001000, 0x1000, 1, 1),
             (0x800000000000, INVALID, 0, 0), (0xc0000000, INVALID, 0, 0)],
}
SYNC = re.compile(r"^paging: sync (\w+) 0x([0-9a-f]+)=(?:0x([0-9a-f]+) w=(\d) u=(\d)|invalid)$")


def expected_line(vm, linear, phys, w, u):
    if phys is INVALID:
        return (f"vm {vm}: linear {linear:#x} -> physical 0xffffffffffffffff, "
                f"valid 0, writeable 0, usermode 0")
    return f"vm {vm}: linear {linear:#x} -> physical {phys:#x}, valid 1, writeable {w}, usermode {u}"


def test_translate_in_every_paging_mode(ctl):
    load(ctl, 0, "paging", "0x100000", "prot32")
    lines = []
    for mode in ["off", "32bit", "pae", "long"]:
        out = command(ctl, "run 0")
        assert run_line(out, 0).startswith("vm 0: guest halted at RIP=0x"), out
        glines = guest_lines(out, 0)
        lines += glines
        assert f"paging: sync {mode}: halting for translate" in glines
        # what the guest printed is what the test expects
        printed = []
        for l in glines:
            m = SYNC.match(l)
            if m:
                assert m.group(1) == mode, l
                phys = INVALID if m.group(3) is None else int(m.group(3), 16)
                w, u = (0, 0) if phys is INVALID else (int(m.group(4)), int(m.group(5)))
                printed.append((int(m.group(2), 16), phys, w, u))
        assert printed == EXPECT[mode]
        addrs = " ".join(hex(a) for a, _, _, _ in EXPECT[mode])
        out = command(ctl, f"translate 0 {addrs}")
        assert out.split("\n") == [expected_line(0, *e) for e in EXPECT[mode]], out
    out = command(ctl, "run 0")
    lines += guest_lines(out, 0)
    check_tally(lines, "paging", 6)
    assert run_line(out, 0) == "vm 0: guest exited with status 0"
