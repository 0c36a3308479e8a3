"""script= on the control partition's command line runs unattended: the
first failing command stops it, the machine ends when it is done, and the
exit status says whether it failed (docs/control-partition.md, "Scripts").
QEMU only: this is the control partition's own behaviour."""
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
