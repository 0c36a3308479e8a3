"""The control partition's request fuzzer (`fuzz SEED COUNT`,
guests/ctl/cmd_fuzz.c; issue 11 "Proof"): random requests, handles, sizes and
struct contents, slot churn with dirty logging, window mappings and bounded
runs of the vCPUs it made. Pass: the hypervisor never faults (it would stop
the control partition or dump), and every frame comes back. `make fuzz` runs
10^6 requests on QEMU; here 10^4 on each platform (2.5 s on qemu-max, about
10 s on Bochs). Also: `cycle` returns every frame over 10^4 VMs on QEMU
(18 s)."""
import os
import re

import pytest

from conftest import iso  # noqa: F401
from ctl_session import command, start_ctl

# platform -> requests per seed
COUNTS = {"qemu-max": (10000,), "qemu-shadow": (10000,), "bochs-skylake": (10000,),
          "bochs-ryzen": (10000,)}
PLATFORMS = os.environ.get("BAREKVM_FUZZ_PLATFORMS", ",".join(COUNTS)).split(",")
FAULT = re.compile(r"STOPPED|PANIC|panic|nothing left to run|unexpected nested page fault")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_request_fuzzer(console_factory, iso, platform):  # noqa: F811
    con = start_ctl(console_factory, iso, platform=platform)
    total = 0
    for seed, n in enumerate(COUNTS[platform], start=1):
        out = command(con, f"fuzz {seed} {n}", timeout=600)
        assert not FAULT.search(out), out[-3000:]
        m = re.search(r"fuzz: (\d+) requests: ", out)
        assert m and int(m.group(1)) >= n, out[-3000:]
        total += int(m.group(1))
        assert re.search(r"fuzz: free frames before (\d+), after \1: all returned", out), \
            out[-3000:]
    assert total >= 10000
    # the machine still works: a VM runs to its end
    assert command(con, "vm create 16") == "vm 0 created: 16 MiB"
    assert "vm 0: loaded 'real'" in command(con, "load 0 flat real 0x10000 real")
    assert "[vm0] real: PASS 7/7" in command(con, "run 0", timeout=300)


def test_fuzz_refuses_with_cli_vms(console_factory, iso):  # noqa: F811
    con = start_ctl(console_factory, iso, platform="qemu-max")
    assert command(con, "vm create 1") == "vm 0 created: 1 MiB"
    assert command(con, "fuzz 1 10") == \
        "error: fuzz aims at every handle: destroy the CLI's VMs first"


def test_cycle_10000_returns_every_frame(console_factory, iso):  # noqa: F811
    con = start_ctl(console_factory, iso, platform="qemu-max")
    out = command(con, "cycle 10000", timeout=600)
    assert re.fullmatch(r"vm cycle: 10000 VMs created and destroyed; free frames before "
                        r"(\d+), after \1: all returned", out), out
