"""What a user types at the control partition's prompt, and what a script
or a pipe hands it: an over-long line is refused whole, a lone Esc does not
swallow the next key, piped commands arrive whole (issue: the CLI as a new
user meets it). QEMU only: this is the control partition's own behaviour,
the same on every platform."""
import os
import subprocess

import pytest

from conftest import ROOT, require_platform
from ctl_session import PROMPT, command, start_ctl


@pytest.fixture
def ctl(console_factory, iso):
    return start_ctl(console_factory, iso)


def test_overlong_line_is_refused_whole(ctl):
    out = command(ctl, "echo " + "x" * 300)
    lines = out.split("\n")
    assert lines[-1] == ("error: line longer than 255 characters refused "
                         "(nothing was run)"), out
    assert not any(l.startswith("xxxx") for l in lines), out
    assert command(ctl, "echo after") == "after"


def test_lone_escape_keeps_the_next_key(ctl):
    ctl.send("\x1b")
    assert command(ctl, "echo esc-then-key") == "esc-then-key"
    # an arrow key (a whole escape sequence) is still ignored
    ctl.send("\x1b[A")
    assert command(ctl, "echo arrow") == "arrow"


def test_piped_commands_arrive_whole(iso):
    """`printf ... | make run` (run-qemu.sh with a pipe for stdin): the
    input waits for the first prompt, so GRUB and the boot take none of
    it; the control partition's `exit 3` is the exit status."""
    require_platform("qemu-max")
    script = "echo first line\necho second line\nexit 3\n"
    p = subprocess.run(["sh", "-c", f"printf '{script}' | "
                        f"'{os.path.join(ROOT, 'tools', 'run-qemu.sh')}' "
                        f"--iso '{iso}'"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=300)
    out = p.stdout.decode(errors="replace")
    assert "ctl> echo first line\r\nfirst line" in out.replace("\r\r", "\r"), out
    assert "\nsecond line" in out, out
    assert "unknown command" not in out, out
    assert p.returncode == 3, out
