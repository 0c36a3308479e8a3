#!/usr/bin/env python3
"""make fuzz (its request half): boots the ISO on a platform and runs the
control partition's request fuzzer (`fuzz SEED COUNT`, guests/ctl/cmd_fuzz.c).
Passes when the fuzzer reports every frame returned and the hypervisor
neither stopped the control partition nor dumped a fault.

    tools/fuzz_requests.py [--platform qemu-max] [--seed N] [--count N] [ISO]
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serialconsole  # noqa: E402

PROMPT = r"ctl> "
FAULT = re.compile(r"STOPPED|PANIC|panic|exception .* in the hypervisor|nothing left to run")


def run(platform, iso, seed, count, timeout):
    con = serialconsole.boot(platform, iso, name=f"fuzz-{platform}-{seed}")
    try:
        con.expect(r"virt: using ", timeout=120)
        con.expect(PROMPT, timeout=120)
        start = time.time()
        con.sendline(f"fuzz {seed} {count}")
        con.expect(PROMPT, timeout=timeout)
        out = con.child.before
        took = time.time() - start
    finally:
        con.close()
    return out, took


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--platform", default="qemu-max")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1000000)
    ap.add_argument("--timeout", type=int, default=6 * 3600)
    ap.add_argument("iso", nargs="?", default=os.path.join(serialconsole.ROOT, "build",
                                                           "barekvm.iso"))
    a = ap.parse_args()
    out, took = run(a.platform, a.iso, a.seed, a.count, a.timeout)
    summary = [l.rstrip("\r") for l in out.split("\n") if l.startswith("fuzz: ")]
    print("\n".join(summary))
    print(f"fuzz: {a.platform}, seed {a.seed}: {took:.0f} s")
    m = re.search(r"fuzz: (\d+) requests:", out)
    ok = (m and int(m.group(1)) >= a.count and "all returned" in out
          and not FAULT.search(out))
    print(f"fuzz: {m.group(1) if m else 0} requests, "
          f"{'PASS' if ok else 'FAIL (see build/test-logs)'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
