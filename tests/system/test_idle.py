"""The control partition waits with the CPU halted (HC_IDLE,
docs/hypercall-abi.md): a wait ends at its TSC deadline, or as soon as a
key is typed, on every backend. The `idle MS` command makes one such wait
and says what ended it."""
import re

from test_abi_common import abi_iso, command, ctl  # noqa: F401
from ctl_session import PROMPT

BACK = re.compile(r"idle: back after (\d+) ms: ([^\r\n]*)")


def test_idle_ends_at_its_deadline(ctl):
    m = BACK.fullmatch(command(ctl, "idle 20"))
    assert m, "no idle report"
    assert m.group(2) == "deadline reached"
    assert int(m.group(1)) >= 20


def test_idle_ends_at_a_key(ctl):
    """A minute's wait, cut short by Enter: the hypervisor finds the byte
    in COM1 (no interrupt tells it) and the partition reads it after."""
    ctl.sendline("idle 60000")
    ctl.expect(r"idle 60000\r*\n", timeout=30)
    ctl.send("\r")
    ctl.expect(BACK.pattern, timeout=30)
    assert ctl.child.match.group(2).rstrip("\r") == "a key was typed"
    assert int(ctl.child.match.group(1)) < 60000
    ctl.expect(PROMPT, timeout=30)      # after the command
    ctl.expect(PROMPT, timeout=30)      # the Enter, an empty line
    assert command(ctl, "echo awake") == "awake"


def test_idle_refuses_bad_lengths(ctl):
    for arg in ("0", "60001", "soon"):
        assert command(ctl, f"idle {arg}") == \
            f"error: '{arg}' is not 1-60000 milliseconds"
