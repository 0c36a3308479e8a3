"""Helpers for system tests that drive the control partition's CLI."""
import re

PROMPT = r"ctl> "


def start_ctl(console_factory, iso, platform="qemu-max", **kw):
    """Boots the ISO and waits for the control partition's prompt."""
    con = console_factory(platform, iso, **kw)
    con.expect(r"virt: using ", timeout=120)
    con.expect(PROMPT, timeout=120)
    return con


def command(con, line, timeout=120):
    """Types a command and returns everything it printed before the next
    prompt (echo removed, blank lines dropped)."""
    con.sendline(line)
    con.expect(PROMPT, timeout=timeout)
    text = con.child.before
    out = [l.rstrip("\r") for l in text.split("\n")]
    out = [l for l in out if l.strip()]
    if out and out[0].strip() == line.strip():
        out = out[1:]
    return "\n".join(out)


def guest_lines(text, vm):
    """The lines guest vm printed through its UART, without the prefix."""
    prefix = f"[vm{vm}] "
    return [l[len(prefix):].rstrip("\r") for l in text.split("\n") if l.startswith(prefix)]


def check_tally(lines, name, expected):
    """Every check passed and the final tally is exactly 'expected' checks."""
    fails = [l for l in lines if l.startswith(f"{name}: FAIL")]
    assert not fails, "\n".join(lines)
    assert f"{name}: PASS {expected}/{expected}" in lines, "\n".join(lines)
