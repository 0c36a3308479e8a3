"""What a user types at the control partition's prompt, and what a script
or a pipe hands it: an over-long line is refused whole, a lone Esc does not
swallow the next key, piped commands arrive whole (issue: the CLI as a new
user meets it). QEMU only: this is the control partition's own behaviour,
the same on every platform."""
import os
import re
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
    # the line was "echo " and 300 x's: had echo run, cut or whole, a line
    # of x's would follow the refusal
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


def test_help_is_grouped_and_fits_80_columns(ctl):
    out = command(ctl, "help")
    lines = out.split("\n")
    assert max(len(l) for l in lines) <= 80, out
    headings = [l for l in lines if l and not l.startswith(" ")]
    assert headings == ["VMs and guests:", "Registers and debugging:",
                        "Hypervisor and raw kvm.h requests:", "Console:"], out
    # what a new user needs first comes first; the raw requests later
    assert out.index("  load N flat") < out.index("  ioctl HANDLE")
    # one usage string per command: the one a bad call prints is help's
    usage = command(ctl, "load 0 flat")
    assert usage == ("usage: load N flat MODULE GPA [real|prot32|long64] | "
                     "load N multiboot MODULE [initrd=MOD[,MOD...]] [cmdline...] | "
                     "load N linux MODULE [initrd=MOD] [cmdline...] | "
                     "load N kernel MODULE [initrd=MOD] [cmdline...]"), usage
    assert "load N flat MODULE GPA [real|prot32|long64] |" in out


def test_ioctl_takes_request_names(ctl):
    assert command(ctl, "ioctl 0 KVM_GET_API_VERSION") == "KVM_GET_API_VERSION: result 4"
    assert command(ctl, "ioctl 0 0xae01") == "KVM_GET_API_VERSION: result 4"
    assert command(ctl, "ioctl 0 KVM_NOPE") == (
        "error: 'KVM_NOPE' is neither a kvm.h request name (KVM_RUN, ...) nor a number")


def test_set_refuses_values_wider_than_the_field(ctl):
    assert command(ctl, "vm create 16") == "vm 0 created: 16 MiB"
    assert command(ctl, "set 0 cs.type 99") == "error: 0x63 does not fit in cs.type (4 bits)"
    assert command(ctl, "set 0 ss.dpl 4") == "error: 0x4 does not fit in ss.dpl (2 bits)"
    command(ctl, "set 0 cs.type 11")
    assert "type=b" in command(ctl, "regs 0")


def test_load_flat_refuses_what_is_not_code(ctl):
    command(ctl, "vm create 16")
    assert command(ctl, "load 0 flat hello 0x10000") == (
        "error: module 'hello' is text, not a flat binary (see 'modules')")
    assert command(ctl, "load 0 flat mbhello 0x100000") == (
        "error: module 'mbhello' is multiboot kernel, not a flat binary (see 'modules')")
    assert "loaded 'real'" in command(ctl, "load 0 flat real 0x10000 real")


def test_run_needs_an_image_and_says_how_to_stop(ctl):
    command(ctl, "vm create 16")
    assert command(ctl, "run 0") == (
        "error: vm 0 has nothing loaded (its RAM is zeros): load an image "
        "first (see 'modules')")
    command(ctl, "load 0 flat real 0x10000 real")
    out = command(ctl, "run 0")
    assert out.split("\n")[0] == (
        "vm 0: running, console attached (Ctrl-] returns to ctl>)"), out
    assert out.split("\n")[-1] == "vm 0: guest exited with status 0", out


def test_a_new_boot_image_clears_the_old_one(ctl):
    """long64.bin is bigger than real.bin: after loading real.bin over it
    (a new boot, with a mode), the tail of long64.bin must be gone."""
    mods = command(ctl, "modules")
    size = {m.group(1): int(m.group(2)) for m in
            re.finditer(r"'(\w+)'\n\s+flat binary, (\d+) bytes", mods)}
    assert size["long64"] > size["real"] + 64, mods
    command(ctl, "vm create 16")
    command(ctl, "load 0 flat long64 0x10000 long64")
    ram = int(re.search(r"RAM at 0x([0-9a-f]+)", command(ctl, "vm list")).group(1), 16)
    tail = [ram + 0x10000 + off for off in
            range((size["real"] + 7) // 8 * 8, size["long64"] - 8, 8)]

    def words():
        return [int(command(ctl, f"touch {a:#x}").split("read ")[1], 16) for a in tail[:16]]

    assert any(words()), "long64.bin's tail is all zeros: pick other bytes"
    out = command(ctl, "load 0 flat real 0x10000 real")
    assert out.split("\n")[0].startswith(
        "vm 0: cleared the previous image, flat 'long64' at 0x10000 (0x10000-0x"), out
    assert not any(words())
    # without a mode it only places bytes: nothing is cleared
    out = command(ctl, "load 0 flat prot32 0x200000")
    assert "cleared" not in out, out
    assert command(ctl, "run 0").split("\n")[-1] == "vm 0: guest exited with status 0"
