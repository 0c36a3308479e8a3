#!/usr/bin/env python3
"""make bench: exit round trips, page faults and Linux boots of BareKVM in
executed instructions.

Boots an ISO whose control partition runs a script: the bench guests
(guests/tests/bench, a 64-bit and a 32-bit build) measure each operation with
the TSC over 1000 iterations, then the control partition measures an empty
hypercall, then pfbench.bin (guests/tests/pfbench) measures page faults,
remaps and address-space switches. Under QEMU `-icount shift=0` the TSC
advances once per executed instruction at every nesting level, and under
Bochs with `clock: sync=none` once per instruction too, so the figures are
exact path lengths (guest + hypervisor + control partition) and repeatable.
The exits are printed next to what Linux KVM spends for the same operation,
the page-fault figures side by side for every platform, NPT/EPT against
shadow paging (qemu-shadow); docs/performance.md. Any figure missing, or a
pfbench check failing, fails the run.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serialconsole  # noqa: E402

ROOT = serialconsole.ROOT
BUILD = os.path.join(ROOT, "build")

# pfbench runs last, with hvstats of its own, so that the exit-path
# statistics of the first part stay what they were.
SCRIPT = ("hvstats reset; vm create 16; load 0 flat bench 0x100000 long64; run 0; "
          "vm create 16; load 1 flat bench32 0x100000 prot32; run 1; hcbench; "
          "hvstats; echo pfbench-start; hvstats reset; "
          "vm create 16; load 2 flat pfbench 0x100000 long64; run 2; "
          "hvstats; echo bench-finished; exit 0")

GRUB_CFG = f"""\
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "BareKVM bench" {{
    multiboot2 /boot/barekvm.elf console=com1
    module2 /boot/modules/ctl.elf ctl script="{SCRIPT}"
    module2 /boot/modules/bench.bin bench
    module2 /boot/modules/bench32.bin bench32
    module2 /boot/modules/pfbench.bin pfbench
    boot
}}
"""

# (key in the guest's output, label, world switches, Linux KVM 32-bit, 64-bit)
ROWS = [
    ("out 0x80 served by the control partition", "OUT to port 0x80, served by the VMM",
     "4", "2,996", "3,147"),
    ("cpuid served by the control partition", "CPUID, served by the VMM",
     "4", "2,430*", "2,867*"),
    ("mmio read served by the control partition", "MMIO read, served by the VMM",
     "4", "-", "-"),
    ("mmio write served by the control partition", "MMIO write, served by the VMM",
     "4", "4,882", "5,132"),
    ("rdmsr handled inside the hypervisor", "exit handled inside (RDMSR)",
     "2", "2,560**", "3,094**"),
]

# (key in pfbench's output, label)
PF_ROWS = [
    ("first touch of a fresh page", "first touch of a fresh page"),
    ("remap of a page (PTE write, INVLPG, touch)", "remap: PTE write + INVLPG + touch"),
    ("INVLPG of a mapped page, then touch", "INVLPG + touch (no PTE write)"),
    ("guest page fault fixed by the guest (PTE filled in, IRET)",
     "#PF the guest's handler fixes"),
    ("switch between address spaces (MOV CR3, 4 pages touched)",
     "address-space switch (MOV CR3)"),
    ("first switch to an address space (MOV CR3, 4 pages touched)",
     "first switch to a new address space"),
]
PF_TALLY = 4    # pfbench's checks: "pfbench: PASS 4/4"

# qemu-shadow (SVM without NPT, shadow paging) runs by default: the
# page-fault figures are there to compare it with NPT.
PLATFORMS = [
    ("qemu-max", ["-icount", "shift=0"],
     "QEMU 7.2 TCG -cpu max -icount shift=0 (AMD SVM + NPT)"),
    ("qemu-shadow", ["-icount", "shift=0"],
     "QEMU 7.2 TCG -cpu qemu64,+svm,-npt -icount shift=0 (AMD SVM, shadow paging)"),
    ("bochs-skylake", [],
     "Bochs 2.7 corei7_skylake_x, clock sync=none (Intel VMX + EPT)"),
    ("bochs-ryzen", [],
     "Bochs 2.7 ryzen, clock sync=none (AMD SVM + NPT with NRIP-save)"),
]


def run_platform(platform, extra, iso):
    why = serialconsole.missing_requirements(platform)
    if why:
        return None, why
    with serialconsole.boot(platform, iso, name=f"bench-{platform}",
                            extra_args=extra) as con:
        con.expect(r"\nbench-finished\r", timeout=900)
        out = con.output()
    return out, None


def parse(out):
    figures = {}
    for guest, bits in (("bench", "64"), ("bench32", "32"), ("pfbench", "pf")):
        for m in re.finditer(rf"\[vm\d\] {guest}: (.+?): (-?\d+) instructions", out):
            figures[(m.group(1), bits)] = int(m.group(2))
    m = re.search(r"bench: empty hypercall from the control partition: (\d+)", out)
    if m:
        figures[("hypercall", "64")] = int(m.group(1))
    return figures


def missing_figures(figures, out):
    """What a complete run must have printed and did not, by name."""
    want = [(key, bits) for key, *_ in ROWS for bits in ("32", "64")]
    want += [("hypercall", "64")] + [(key, "pf") for key, _ in PF_ROWS]
    missing = [f"{key} ({bits})" for key, bits in want if (key, bits) not in figures]
    if not re.search(rf"^\[vm\d\] pfbench: PASS {PF_TALLY}/{PF_TALLY}\s*$", out, re.M):
        missing.append(f"pfbench's tally 'PASS {PF_TALLY}/{PF_TALLY}'")
    missing += [l.strip() for l in out.splitlines() if re.search(r"pfbench: FAIL", l)]
    # a net figure below zero: the reference loop cost more than the
    # operation, so the measurement itself is broken
    missing += [f"{key} ({bits}) is negative" for (key, bits), v in figures.items() if v < 0]
    return missing


def table(title, figures, hv_stats):
    lines = [title, ""]
    head = f"{'path':40} {'32-bit':>8} {'64-bit':>8}  {'world switches':22} {'Linux KVM 32/64':>18}"
    lines += [head, "-" * len(head)]
    for key, label, switches, kvm32, kvm64 in ROWS:
        v32 = figures.get((key, "32"), "?")
        v64 = figures.get((key, "64"), "?")
        lines.append(f"{label:40} {v32:>8} {v64:>8}  {switches:22} {kvm32 + ' / ' + kvm64:>18}")
    hc = figures.get(("hypercall", "64"), "?")
    lines.append(f"{'empty hypercall from the VMM':40} {'':>8} {hc:>8}  {'2':22} {'-':>18}")
    lines += ["",
              "* KVM answers CPUID inside the kernel; BareKVM forwards it to the VMM as",
              "  2.6.21 did (KVM_EXIT_CPUID), which answers in the kvm_run union (no",
              "  GET/SET_REGS). ** KVM's figure is a VMMCALL with an unknown",
              "  number handled inside KVM, the nearest in-kernel exit it measured.",
              "World switches: guest exit + entry pairs on the path (a VMM-served exit",
              "costs two VM round trips: guest -> hypervisor -> VMM, VMM -> hypervisor -> guest).",
              "", "hypervisor path lengths over the whole run (exit to next entry):"]
    lines += ["  " + l for l in hv_stats]
    return "\n".join(lines)


def pf_table(results):
    """The pfbench figures of every platform that ran, side by side."""
    names = [platform for platform, _, _ in results]
    width = max(10, *(len(n) for n in names))
    head = f"{'operation':40}" + "".join(f" {n:>{width}}" for n in names)
    lines = ["pfbench (64-bit guest, its own 4-level tables): executed instructions "
             "per operation,", "net of the same loop with nothing to fault on", "",
             head, "-" * len(head)]
    for key, label in PF_ROWS:
        row = "".join(f" {figures.get((key, 'pf'), '?'):>{width}}"
                      for _, figures, _ in results)
        lines.append(f"{label:40}{row}")
    for platform, _, hv in results:
        lines += ["", f"{platform}: hypervisor path lengths during pfbench:"]
        lines += ["  " + l for l in hv]
    return "\n".join(lines)


# ---- Linux boot ---------------------------------------------------------------
# Under -icount shift=0 a nanosecond of QEMU's clock is one executed
# instruction, and the TSC (QEMU's and, with offset 0, every guest's) counts
# them: the kernel's own uptime at its shell prompt is then the number of
# instructions from the kernel's start to the prompt, hypervisor and VMM
# included when it runs inside BareKVM, plus the time its CPU idled (QEMU
# moves the clock on while the CPU is halted; inside BareKVM the VMM's wait
# executes instructions instead). The same kernel and initramfs boot in
# plain QEMU (its own firmware, ACPI and PCI devices) for the reference.
LINUX = os.path.join(BUILD, "linux")
LINUX_MEM = 256
SHELL = "~ # "
IDLE_SECONDS = 5

LINUX_GRUB_CFG = """\
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "BareKVM Linux bench" {
    multiboot2 /boot/barekvm.elf console=com1
    module2 /boot/modules/ctl.elf ctl
    module2 /boot/modules/vmlinuz vmlinuz
    module2 /boot/modules/initramfs.gz initramfs
    boot
}
"""


def uptime(child):
    """The guest's /proc/uptime, in seconds, typed at its shell prompt."""
    child.sendline("cat /proc/uptime")
    child.expect(r"(\d+\.\d+) \d+\.\d+", timeout=600)
    value = float(child.match.group(1))
    child.expect_exact(SHELL, timeout=600)
    return value


def exits_by_reason(stats):
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^\s+(KVM_EXIT_\w+|EINTR)\s+(\d+)\s*$", stats, re.M)}


def linux_in_barekvm(platform):
    iso_dir = tempfile.mkdtemp(prefix="barekvm-bench-linux-")
    iso = serialconsole.make_iso(
        os.path.join(iso_dir, "linux.iso"), LINUX_GRUB_CFG,
        [os.path.join(BUILD, "ctl", "ctl.elf"), os.path.join(LINUX, "vmlinuz"),
         os.path.join(LINUX, "initramfs.gz")])
    with serialconsole.boot(platform, iso, name=f"bench-linux-{platform}",
                            extra_args=["-icount", "shift=0"]) as con:
        con.expect("ctl> ", timeout=600)
        for line in ("hvstats reset", f"vm create {LINUX_MEM}",
                     "load 0 linux vmlinuz initrd=initramfs console=ttyS0"):
            con.sendline(line)
            con.expect("ctl> ", timeout=600)
        con.sendline("run 0")
        con.expect_exact(SHELL, timeout=1800)
        boot = uptime(con.child)
        # the shell idles: exits by reason over IDLE_SECONDS of guest time
        con.send("\x1d")
        con.expect("ctl> ", timeout=600)
        con.sendline("hvstats")
        con.expect("ctl> ", timeout=600)
        in_hv = re.search(r"guest exit handled in the hypervisor\s+(\d+) x\s+(\d+) ticks",
                          con.child.before)
        con.sendline("stats 0")
        con.expect("ctl> ", timeout=600)
        before = exits_by_reason(con.child.before)
        con.sendline("console 0")
        con.expect("console attached", timeout=600)
        con.sendline(f"sleep {IDLE_SECONDS}")
        con.expect_exact(SHELL, timeout=1800)
        con.send("\x1d")
        con.expect("ctl> ", timeout=600)
        con.sendline("stats 0")
        con.expect("ctl> ", timeout=600)
        after = exits_by_reason(con.child.before)
    os.unlink(iso)
    os.rmdir(iso_dir)
    idle = {k: (after.get(k, 0) - before.get(k, 0)) / IDLE_SECONDS for k in after}
    # to the prompt: exits served by the VMM, and exits the hypervisor
    # handled itself (shadow page faults among them) with their mean path
    to_vmm = sum(before.values())
    return boot, idle, to_vmm, (int(in_hv.group(1)), int(in_hv.group(2))) if in_hv else None


def linux_native():
    import pexpect
    child = pexpect.spawn(
        "qemu-system-x86_64",
        ["-machine", "q35", "-cpu", "max", "-m", str(LINUX_MEM), "-icount", "shift=0",
         "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
         "-kernel", os.path.join(LINUX, "vmlinuz"),
         "-initrd", os.path.join(LINUX, "initramfs.gz"), "-append", "console=ttyS0"],
        encoding="utf-8", codec_errors="replace", timeout=1800)
    child.logfile_read = open(os.path.join(BUILD, "test-logs", "bench-linux-native.log"), "w")
    child.expect_exact(SHELL)
    boot = uptime(child)
    child.terminate(force=True)
    return boot


# Where the Linux guest boots: NPT and shadow paging.
LINUX_PLATFORMS = ["qemu-max", "qemu-shadow"]


def linux_bench(platforms):
    runnable = []
    for platform in platforms:
        why = serialconsole.missing_requirements(platform)
        if why:
            print(f"Linux boot on {platform}: skipped: {why}")
        else:
            runnable.append(platform)
    if not runnable:
        return True
    for f in ("vmlinuz", "initramfs.gz"):
        if not os.path.exists(os.path.join(LINUX, f)):
            print(f"Linux boot: build/linux/{f} is missing: run 'make linux-images'")
            return False
    inside = {platform: linux_in_barekvm(platform) for platform in runnable}
    native = linux_native()
    print("Debian's Linux 6.1 to its busybox shell prompt, QEMU 7.2 TCG -icount shift=0:")
    print("  the kernel's uptime at its prompt, in instructions (1 ns of guest time is "
          "one executed instruction; time the CPU idles counts as time):")
    print(f"    {'in QEMU -cpu max without a hypervisor':44} {native * 1e9:>15,.0f}")
    for platform, (boot, _, _, _) in inside.items():
        print(f"    {'in BareKVM on ' + platform:44} {boot * 1e9:>15,.0f}  "
              f"ratio {boot / native:.2f} (aim: below 1.5)")
    complete = True
    for platform, (_, _, to_vmm, in_hv) in inside.items():
        if in_hv is None:
            print(f"  {platform}: hvstats printed no line for exits handled in the hypervisor")
            complete = False
            continue
        print(f"  {platform}: exits to the prompt: {to_vmm:,} served by the VMM, "
              f"{in_hv[0]:,} handled in the hypervisor (hvstats: {in_hv[1]:,} instructions each "
              "from the decoded exit to the next entry; the backend's decoding, a "
              "shadow page fault included, comes before that)")
    for platform, (_, idle, _, _) in inside.items():
        print(f"  {platform}: exits per second of guest time while the shell idles "
              f"({IDLE_SECONDS} s of `sleep`), by reason:")
        for k, v in sorted(idle.items(), key=lambda kv: -kv[1]):
            if v:
                print(f"    {k:28} {v:10.1f}")
    print()
    return complete


def wanted(only, name):
    return not only or name in only


def main():
    iso_dir = tempfile.mkdtemp(prefix="barekvm-bench-")
    iso = serialconsole.make_iso(
        os.path.join(iso_dir, "bench.iso"), GRUB_CFG,
        [os.path.join(BUILD, "ctl", "ctl.elf"),
         os.path.join(BUILD, "guests", "bench.bin"),
         os.path.join(BUILD, "guests", "bench32.bin"),
         os.path.join(BUILD, "guests", "pfbench.bin")])
    failed = False
    # BENCH_PLATFORMS: platform names, "linux" (the Linux boots on every
    # platform of LINUX_PLATFORMS) or "linux-<platform>" (on that one).
    only = os.environ.get("BENCH_PLATFORMS", "").split()
    results = []
    for platform, extra, title in PLATFORMS:
        if not wanted(only, platform):
            continue
        out, why = run_platform(platform, extra, iso)
        if out is None:
            print(f"{title}: skipped: {why}\n")
            continue
        exits, _, pf = out.partition("\npfbench-start")
        figures = parse(out)
        hv = [l.strip()[4:] for l in exits.splitlines() if l.startswith("hv: ")]
        print(table(title + ": executed instructions per round trip", figures, hv))
        print()
        results.append((platform, figures,
                        [l.strip()[4:] for l in pf.splitlines() if l.startswith("hv: ")]))
        missing = missing_figures(figures, out)
        if missing:
            print(f"bench: {platform}: missing or failed: " + "; ".join(missing) +
                  f". Console log in build/test-logs/bench-{platform}.serial.log\n")
            failed = True
    os.unlink(iso)
    os.rmdir(iso_dir)
    if results:
        print(pf_table(results))
        print()
    linux = [p for p in LINUX_PLATFORMS
             if not only or "linux" in only or f"linux-{p}" in only]
    if linux:
        failed = not linux_bench(linux) or failed
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
