"""The console attached to a running guest (docs/control-partition.md,
"The console"): keys typed during `run N` reach the guest's UART, Ctrl-C
included, Ctrl-] gives the ctl> prompt back, `console N` resumes, and
partial lines (a prompt, an echo) show without waiting for a newline. With
echo.bin (docs/test-guests.md), which echoes what it reads from COM1, and
spin.bin, which never reads it. Also the Ctrl-A keys of tools/console.py,
the Bochs bridge, which quits on Ctrl-A x as QEMU does."""
import os
import re
import sys

from conftest import ROOT
from test_abi_common import PROMPT, abi_iso, command, ctl, load, xfail_on  # noqa: F401

sys.path.insert(0, os.path.join(ROOT, "tools"))
import console  # noqa: E402

RESUME = r"vm 0: guest interrupted at RIP=0x[0-9a-f]+ \(Ctrl-\]; 'console 0' resumes it\)"


def test_keys_reach_the_guest_and_ctrl_rbracket_detaches(ctl):
    load(ctl, 0, "echo", "0x100000", "prot32")
    ctl.sendline("run 0")
    ctl.expect_exact("vm 0: running, console attached (Ctrl-] returns to ctl>)")
    ctl.expect_exact("[vm0] echo: type keys; q ends the run")
    # the echo shows before any newline: a partial line, prefixed once
    ctl.send("hello")
    ctl.expect(r"\[vm0\] hello")
    ctl.send("\r")
    ctl.send("\x03")                # Ctrl-C is the guest's: the VM runs on
    ctl.expect_exact("[vm0] echo: got ^C")
    ctl.send("\x1d")
    ctl.expect(RESUME)
    ctl.expect(PROMPT)
    assert command(ctl, "echo back") == "back"
    stats = command(ctl, "stats 0")
    assert "console: 7 keys in, 0 queued, 0 dropped (queue full)" in stats, stats
    # console N resumes where Ctrl-] left it
    ctl.sendline("console 0")
    ctl.expect_exact("vm 0: console attached, resuming (Ctrl-] returns to ctl>)")
    ctl.send("again\r")
    ctl.expect(r"\[vm0\] again\s")
    ctl.send("q")
    ctl.expect_exact("[vm0] echo: done")
    ctl.expect_exact("vm 0: guest exited with status 0")
    ctl.expect(PROMPT)


def test_keys_wait_in_the_queue_for_a_guest_that_does_not_read(ctl, request):
    """spin.bin never reads COM1: 16 keys fill the receive FIFO, the rest
    wait in the VMM's queue; none is lost, none overruns the FIFO."""
    # spin.bin spins with IF = 0 and no exits: only the host tick returns
    # the CPU to the VMM, and Bochs 2.7's SVM never takes it then
    no_intr_exit = {"bochs-ryzen", "bochs-phenom"}
    xfail_on(request, ctl.platform, no_intr_exit,
             "Bochs 2.7's SVM lets a guest with IF = 0 hold off physical "
             "interrupts (no INTR #VMEXIT), so the VMM never sees the keys")
    load(ctl, 0, "spin", "0x100000", "prot32")
    ctl.sendline("run 0")
    ctl.expect(r"\[vm0\] spin: spinning at 0x[0-9a-f]+ with IF = 0")
    ctl.send("x" * 40)
    ctl.send("\x1d")
    # where it never comes, waiting a minute for it proves nothing more
    ctl.expect(RESUME, timeout=15 if ctl.platform in no_intr_exit else 60)
    ctl.expect(PROMPT)
    stats = command(ctl, "stats 0")
    assert "console: 40 keys in, 24 queued, 0 dropped (queue full)" in stats, stats


def test_bridge_keys_follow_qemu_mux():
    keys, shown = console.Keys(), []
    # Ctrl-] and Ctrl-C pass; Ctrl-A Ctrl-A is one Ctrl-A; Ctrl-A z is dropped
    assert keys.filter(b"a\x1d\x03\x01\x01b\x01zc", shown.append) == b"a\x1d\x03\x01bc"
    assert not keys.quit
    # a Ctrl-A at the end of one read pairs with the next read
    assert keys.filter(b"d\x01", shown.append) == b"d"
    assert keys.filter(b"x", shown.append) == b"" and keys.quit
    keys = console.Keys()
    assert keys.filter(b"\x01h", shown.append) == b"" and not keys.quit
    assert b"Ctrl-A x" in shown[0]
