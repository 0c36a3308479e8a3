"""script= on the control partition's command line runs unattended: the
first failing command stops it, the machine ends when it is done, and the
exit status says whether it failed (docs/control-partition.md, "Scripts").
QEMU only: this is the control partition's own behaviour; except that the
long scripts (a ctl-script module, a ctl line past 255 characters, which
the hypervisor copies) run on both backends."""
import os
import re

import pexpect
import pytest

from conftest import ROOT
import serialconsole

GRUB_CFG = """\
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "BareKVM script" {{
    multiboot2 /boot/barekvm.elf console=com1
    module2 /boot/modules/ctl.elf ctl {args}
    boot
}}
"""


def run_script(console_factory, tmp_path, args):
    iso = serialconsole.make_iso(
        str(tmp_path / "script.iso"), GRUB_CFG.format(args=args),
        [os.path.join(ROOT, "build", "ctl", "ctl.elf")])
    con = console_factory("qemu-max", iso)
    con.child.expect(pexpect.EOF, timeout=120)
    con.child.close()
    # the log reads back with a blank line after each line (CR CR LF)
    return re.sub(r"\n+", "\n", con.output()), con.child.exitstatus


def test_failure_stops_the_script_and_sets_the_status(console_factory, tmp_path):
    out, status = run_script(console_factory, tmp_path,
                             'script="echo one; frobnicate; echo never"')
    assert "ctl> echo one\none\n" in out, out
    assert "error: unknown command 'frobnicate'" in out, out
    assert "never" not in out.split("frobnicate")[-1], out
    assert "ctl: script: stopped at the command that failed" in out, out
    assert "ctl: script done: ending with exit status 1" in out, out
    assert status == 1


def test_script_without_exit_ends_the_machine(console_factory, tmp_path):
    out, status = run_script(console_factory, tmp_path, 'script="echo fine"')
    assert "ctl: script done: ending with exit status 0" in out, out
    assert status == 0


def test_keep_going_runs_every_command(console_factory, tmp_path):
    out, status = run_script(console_factory, tmp_path,
                             'script="nope; echo still" script_errors=continue')
    assert "ctl> echo still\nstill\n" in out, out
    assert "ctl: script: 1 command failed" in out, out
    assert status == 1


def test_exit_in_a_script_keeps_its_status(console_factory, tmp_path):
    out, status = run_script(console_factory, tmp_path, 'script="exit 7"')
    assert status == 7


def test_after_script_prompt_stays(console_factory, tmp_path):
    iso = serialconsole.make_iso(
        str(tmp_path / "prompt.iso"),
        GRUB_CFG.format(args='script="echo scripted" after_script=prompt'),
        [os.path.join(ROOT, "build", "ctl", "ctl.elf")])
    con = console_factory("qemu-max", iso)
    con.expect(r"scripted", timeout=120)
    con.expect(r"ctl> ")
    con.sendline("echo interactive")
    con.expect(r"\ninteractive")


def test_bad_option_is_refused(console_factory, tmp_path):
    out, status = run_script(console_factory, tmp_path,
                             'script="echo x" script_errors=maybe')
    assert "'maybe', 'exit' refused; the script is not run" in out, out
    assert status == 1


# ---- long scripts: a ctl-script module, a long ctl line ----------------------

LONG_PLATFORMS = ["qemu-max", "bochs-skylake"]

MODULE_CFG = """\
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "BareKVM script module" {{
    multiboot2 /boot/barekvm.elf console=com1
    module2 /boot/modules/ctl.elf ctl {args}
    module2 /boot/modules/real.bin real
{extra}    boot
}}
"""

SCRIPT_FILE = """\
# A boot script longer than a GRUB command line holds comfortably:
# one command per line, comments and blank lines allowed.
echo script module: first line

vm create 4
load 0 flat real 0x10000 real
run 0
echo padding one: the quick brown fox jumps over the lazy dog
echo padding two: the quick brown fox jumps over the lazy dog
echo padding three: the quick brown fox jumps over the lazy dog; echo same line
echo script module: last line
"""


def boot_long(console_factory, tmp_path, platform, args, extra_modules=()):
    """Boots ctl with `args` and extra (path, grub arguments) modules; returns
    the console once the script has ended the machine."""
    build = os.path.join(ROOT, "build")
    modules = [os.path.join(build, "ctl", "ctl.elf"),
               os.path.join(build, "guests", "real.bin")]
    extra = ""
    for path, grub_args in extra_modules:
        modules.append(path)
        extra += f"    module2 /boot/modules/{os.path.basename(path)} {grub_args}\n"
    iso = serialconsole.make_iso(str(tmp_path / "long.iso"),
                                 MODULE_CFG.format(args=args, extra=extra), modules)
    con = console_factory(platform, iso)
    con.expect(r"ctl: script done: ending with exit status \d+", timeout=300)
    return con, re.sub(r"\r*\n+", "\n", con.output())


@pytest.mark.parametrize("platform", LONG_PLATFORMS)
def test_script_module_runs_to_its_end(console_factory, tmp_path, platform):
    assert len(SCRIPT_FILE) > 300
    path = tmp_path / "boot-script.txt"
    path.write_text(SCRIPT_FILE)
    con, out = boot_long(console_factory, tmp_path, platform, "",
                         [(str(path), "ctl-script")])
    assert f"ctl: running the ctl-script module (module 1, {len(SCRIPT_FILE)} bytes)" in out, out
    assert "ctl> echo script module: first line\nscript module: first line\n" in out, out
    assert "vm 0: guest exited with status 0" in out, out
    assert "ctl> echo same line\nsame line\n" in out, out
    assert "ctl> echo script module: last line\nscript module: last line\n" in out, out
    assert "ctl: script done: ending with exit status 0" in out, out


@pytest.mark.parametrize("platform", LONG_PLATFORMS)
def test_ctl_line_longer_than_255_characters(console_factory, tmp_path, platform):
    """Each command stays within the CLI's 255 characters; together they
    are far beyond what the boot info held before (255)."""
    lines = [" ".join(f"w{j}{i:02d}" for i in range(12)) for j in range(8)]
    args = 'script="' + "; ".join(f"echo {l}" for l in lines) + '; echo long line done"'
    assert len(args) > 500
    con, out = boot_long(console_factory, tmp_path, platform, args)
    for l in lines:
        assert f"ctl> echo {l}\n{l}\n" in out, out
    assert "ctl> echo long line done\nlong line done\n" in out, out
    assert "ctl: script done: ending with exit status 0" in out, out


def test_script_module_and_script_option_are_refused_together(console_factory, tmp_path):
    path = tmp_path / "s.txt"
    path.write_text("echo never\n")
    con, out = None, None
    build = os.path.join(ROOT, "build")
    iso = serialconsole.make_iso(
        str(tmp_path / "both.iso"),
        MODULE_CFG.format(args='script="echo never"',
                          extra=f"    module2 /boot/modules/s.txt ctl-script\n"),
        [os.path.join(build, "ctl", "ctl.elf"), os.path.join(build, "guests", "real.bin"),
         str(path)])
    con = console_factory("qemu-max", iso)
    con.child.expect(pexpect.EOF, timeout=120)
    con.child.close()
    out = con.output()
    assert "ctl: both script= and a ctl-script module: give one of them; nothing is run" in out
    assert con.child.exitstatus == 1


def test_a_ctl_line_beyond_the_limit_is_refused_not_cut(console_factory, tmp_path):
    """CTL_CMDLINE_BYTES - 1 = 4095 characters at most: the hypervisor says
    so and does not start a control partition with half a script."""
    args = 'script="' + "; ".join(["echo " + "y" * 90] * 50) + '"'
    assert len(args) > 4095
    build = os.path.join(ROOT, "build")
    iso = serialconsole.make_iso(
        str(tmp_path / "toolong.iso"), MODULE_CFG.format(args=args, extra=""),
        [os.path.join(build, "ctl", "ctl.elf"), os.path.join(build, "guests", "real.bin")])
    con = console_factory("qemu-max", iso)
    # GRUB quotes the argument: ctl "script=..."
    con.expect(r'ctl: module "ctl "script=echo y+\.\.\.": command line longer '
               r"than 4095 bytes \(CTL_CMDLINE_BYTES - 1\)", timeout=120)
    assert "ctl: BareKVM control partition" not in con.output()
