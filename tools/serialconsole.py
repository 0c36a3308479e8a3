"""Serial-console harness: boot a BareKVM ISO on an emulated platform and
talk to it over COM1.

Used by the system tests (tests/system) and by tools/console.py for
interactive Bochs sessions. Every platform is started the same way:

    with serialconsole.boot("qemu-max", iso) as con:
        con.expect(r"BareKVM: boot complete", timeout=30)
        con.sendline("help")

QEMU's serial port is its stdio (pexpect pty). Bochs connects its COM1 as a
TCP client to a socket this module listens on, so input works there too.
The emulator is always torn down (process group killed) when the block ends,
and everything the guest printed is kept in con.log_path for post-mortems.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pexpect
import pexpect.fdpexpect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOG_DIR = os.path.join(ROOT, "build", "test-logs")

# name -> how to start it. 'needs' lists the files/commands that must exist.
PLATFORMS = {
    "qemu-max": {"kind": "qemu", "cpu": "max", "needs": ["qemu-system-x86_64"]},
    # SVM without nested paging: guests run on shadow page tables (issue 13)
    "qemu-shadow": {"kind": "qemu", "cpu": "qemu64,+svm,-npt",
                    "needs": ["qemu-system-x86_64"]},
    "qemu-uefi": {"kind": "qemu", "cpu": "max", "uefi": True,
                  "needs": ["qemu-system-x86_64", "/usr/share/ovmf/OVMF.fd"]},
    "bochs-skylake": {"kind": "bochs", "cpu": "corei7_skylake_x",
                      "needs": ["bochs-bin", "/usr/share/bochs/BIOS-bochs-latest"]},
    "bochs-lynnfield": {"kind": "bochs", "cpu": "corei5_lynnfield_750",
                        "needs": ["bochs-bin", "/usr/share/bochs/BIOS-bochs-latest"]},
    "bochs-ryzen": {"kind": "bochs", "cpu": "ryzen",
                    "needs": ["bochs-bin", "/usr/share/bochs/BIOS-bochs-latest"]},
    "bochs-phenom": {"kind": "bochs", "cpu": "phenom_8650_toliman",
                     "needs": ["bochs-bin", "/usr/share/bochs/BIOS-bochs-latest"]},
    "bochs-penryn": {"kind": "bochs", "cpu": "core2_penryn_t9600",
                     "needs": ["bochs-bin", "/usr/share/bochs/BIOS-bochs-latest"]},
}

# older names, still accepted (not test parameters: each platform once)
ALIASES = {"qemu-svm-nonpt": "qemu-shadow"}

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def missing_requirements(platform):
    """Returns a reason string if the platform cannot run here, else None."""
    platform = ALIASES.get(platform, platform)
    for need in PLATFORMS[platform]["needs"]:
        if need.startswith("/"):
            if not os.path.exists(need):
                return f"{platform}: {need} is not installed"
        elif shutil.which(need) is None:
            return f"{platform}: {need} is not on PATH"
    return None


def make_iso(out_path, grub_cfg_text, modules=(), elf=None):
    """Builds an ISO with a custom grub.cfg (e.g. another command line)."""
    elf = elf or os.path.join(ROOT, "build", "barekvm.elf")
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as f:
        f.write(grub_cfg_text)
        cfg = f.name
    try:
        subprocess.run([os.path.join(ROOT, "tools", "mkiso.sh"), out_path, elf,
                        cfg, *modules], check=True, capture_output=True)
    finally:
        os.unlink(cfg)
    return out_path


class Console:
    """A running platform with its serial console."""

    def __init__(self, platform, iso, name=None, mem_mib=512, extra_args=()):
        platform = ALIASES.get(platform, platform)
        if platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}")
        self.platform = platform
        self.spec = PLATFORMS[platform]
        os.makedirs(LOG_DIR, exist_ok=True)
        self.log_path = os.path.join(LOG_DIR, f"{name or platform}.serial.log")
        self._logfile = open(self.log_path, "w", encoding="utf-8", errors="replace")
        self._proc = None
        self._sock = None
        self._listener = None
        self._tmpdir = None
        self.child = None
        if self.spec["kind"] == "qemu":
            self._start_qemu(iso, mem_mib, extra_args)
        else:
            self._start_bochs(iso, mem_mib)

    # -- start ---------------------------------------------------------------
    def _start_qemu(self, iso, mem_mib, extra_args):
        args = ["--cpu", self.spec["cpu"], "--mem", str(mem_mib), "--iso", iso]
        if self.spec.get("uefi"):
            args.insert(0, "--uefi")
        if extra_args:
            args += ["--", *extra_args]
        self.child = pexpect.spawn(os.path.join(ROOT, "tools", "run-qemu.sh"), args,
                                   encoding="utf-8", codec_errors="replace",
                                   timeout=30, logfile=self._logfile)
        self.child.delaybeforesend = None

    def _start_bochs(self, iso, mem_mib):
        self._tmpdir = tempfile.mkdtemp(prefix="barekvm-bochs-")
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        port = self._listener.getsockname()[1]
        rc = bochsrc(iso, self.spec["cpu"], f"socket-client, dev=127.0.0.1:{port}",
                     os.path.join(self._tmpdir, "bochs.log"), mem_mib)
        rc_path = os.path.join(self._tmpdir, "bochsrc")
        with open(rc_path, "w") as f:
            f.write(rc)
        with open(os.path.join(self._tmpdir, "cont"), "w") as f:
            f.write("c\n")
        self._bochs_out = open(os.path.join(self._tmpdir, "bochs.out"), "w")
        self._proc = subprocess.Popen(
            ["bochs-bin", "-q", "-f", rc_path, "-rc",
             os.path.join(self._tmpdir, "cont")],
            stdin=subprocess.DEVNULL, stdout=self._bochs_out,
            stderr=subprocess.STDOUT, cwd=self._tmpdir, start_new_session=True)
        self._listener.settimeout(30)
        try:
            self._sock, _ = self._listener.accept()
        except socket.timeout:
            self.close()
            raise RuntimeError("Bochs did not connect its COM1 within 30 s; "
                               f"see {self._tmpdir}/bochs.out")
        self.child = pexpect.fdpexpect.fdspawn(self._sock.fileno(), encoding="utf-8",
                                               codec_errors="replace", timeout=30,
                                               logfile=self._logfile)

    # -- talk ------------------------------------------------------------------
    def expect(self, pattern, timeout=30):
        """Waits for a regex; returns the match object. On timeout raises
        AssertionError with the tail of the console output."""
        try:
            self.child.expect(pattern, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            kind = "timeout" if isinstance(e, pexpect.TIMEOUT) else "console closed"
            raise AssertionError(
                f"{self.platform}: {kind} waiting for {pattern!r}; last output:\n"
                f"{self.tail()}") from None
        return self.child.match

    def expect_exact(self, text, timeout=30):
        return self.expect(re.escape(text), timeout)

    def sendline(self, line):
        """Sends a line the way a terminal does (CR), one byte at a time
        paced so polled UARTs without FIFOs do not drop input."""
        self.send(line + "\r")

    def send(self, text):
        for ch in text:
            self.child.send(ch)
            time.sleep(0.002)

    def output(self):
        """Everything received so far, escape codes removed."""
        self._logfile.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return ANSI_ESCAPE.sub("", f.read())

    def tail(self, nchars=3000):
        return self.output()[-nchars:]

    def bochs_log(self):
        if not self._tmpdir:
            return ""
        try:
            with open(os.path.join(self._tmpdir, "bochs.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def relog(self, name):
        """Continues the serial log in <name>.serial.log (a console kept
        running for the next test: each test's output in its own log)."""
        old = self.log_path
        self._logfile.close()
        self.log_path = os.path.join(LOG_DIR, f"{name}.serial.log")
        self._logfile = open(self.log_path, "w", encoding="utf-8", errors="replace")
        self._logfile.write(f"(this console was booted for an earlier test: {old})\n")
        self.child.logfile = self._logfile

    # -- teardown --------------------------------------------------------------
    def close(self):
        if self.child is not None and self.spec["kind"] == "qemu":
            if self.child.isalive():
                try:
                    os.killpg(self.child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.child.close(force=True)
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._proc.wait()
            self._proc = None
        for s in (self._sock, self._listener):
            if s is not None:
                s.close()
        self._sock = self._listener = None
        if self._tmpdir:
            log = self.bochs_log()
            if log:
                with open(self.log_path.replace(".serial.log", ".bochs.log"), "w") as f:
                    f.write(log)
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        if not self._logfile.closed:
            self._logfile.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def bochsrc(iso, cpu_model, com1_mode, log_path, mem_mib=512):
    """A headless Bochs configuration (docs/platforms.md: rfb with timeout 0,
    clock sync none, speaker off).

    ips=20000000: the emulated time per instruction for Bochs's devices.
    At the default (4 MIPS) a Linux guest's clock runs so far ahead of what
    the emulated CPU gets done that its boot drowns in soft-lockup reports;
    20 MIPS boots Debian's kernel in about three minutes (measured; the
    other tests take as long as before).

    reset_on_triple_fault=0: a triple fault outside VMX guest mode stops
    Bochs with a panic naming it instead of silently rebooting the machine
    (Bochs 2.7 does so even for an SVM guest whose SHUTDOWN is intercepted)."""
    return f"""\
memory: guest={mem_mib}, host={mem_mib}
cpu: model={cpu_model}, reset_on_triple_fault=0, ips=20000000
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
display_library: rfb, options="timeout=0"
clock: sync=none
speaker: enabled=0
port_e9_hack: enabled=1
com1: enabled=1, mode={com1_mode}
log: {log_path}
panic: action=fatal
"""


def boot(platform, iso, **kw):
    return Console(platform, iso, **kw)
