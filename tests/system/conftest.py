"""Shared fixtures for the serial-console system tests.

Every platform of tools/serialconsole.PLATFORMS is a pytest parameter; one
whose emulator is missing is skipped with the reason. On CI (CI=true) every
platform is installed, so a missing one is a failure, never a skip.
"""
import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import serialconsole  # noqa: E402

ISO = os.path.join(ROOT, "build", "barekvm.iso")


def require_platform(platform):
    why = serialconsole.missing_requirements(platform)
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must have every platform: {why}")
        pytest.skip(why)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the item (item.rep_setup, rep_call,
    rep_teardown): a fixture's teardown asks whether its test passed."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture(scope="session")
def ctl_kept():
    """The console test_abi_common.py's ctl keeps for the next test on
    the same platform (at most one, by platform name)."""
    kept = {}
    yield kept
    for con in kept.values():
        con.close()


@pytest.fixture(autouse=True)
def release_kept_console(request):
    """A console kept for the next test (test_abi_common.kept_console)
    idles at half a core: a test that will not take it closes it first,
    so it does not slow the emulator this test runs (a Linux boot in
    Bochs took twice as long next to one)."""
    if "ctl_kept" in request.fixturenames:
        return
    kept = request.getfixturevalue("ctl_kept")
    for con in kept.values():
        con.close()
    kept.clear()


@pytest.fixture(scope="session")
def iso():
    if not os.path.exists(ISO):
        pytest.fail(f"{ISO} is missing: run 'make' first (make test does)")
    return ISO


@pytest.fixture
def console_factory(request):
    """Boots platforms; each console is torn down after the test."""
    consoles = []

    def start(platform, iso_path, **kw):
        require_platform(platform)
        name = kw.pop("name", None) or f"{request.node.name}"
        con = serialconsole.boot(platform, iso_path, name=name, **kw)
        consoles.append(con)
        return con

    yield start
    for con in consoles:
        con.close()



# The longest tests (minutes each in Bochs: a Linux boot, 10^5 random
# instructions) in file order came last, and one pytest-xdist worker ran
# them alone while the other idled. pytest-xdist 3.1 (Debian 12) starts
# each worker with a batch of consecutive tests, a quarter of its share
# (xdist/scheduler/load.py), then hands out the rest as workers finish:
# the longest tests are dealt round-robin into the front of each worker's
# first batch, so that they run side by side from the start.
LONGEST = ("test_linux.py::", "test_fuzz_code.py::test_random_code")


# The rest go by platform, in file order within one, so that a worker runs
# one platform's tests one after another and an ABI test can take the
# console its predecessor booted (test_abi_common.py, ctl).
PLATFORM_ID = re.compile(r"\[((?:qemu|bochs)-[a-z0-9]+)")


def platform_of(item):
    m = PLATFORM_ID.search(item.nodeid)
    return m.group(1) if m else ""


def pytest_collection_modifyitems(config, items):
    longest = [i for i in items if any(s in i.nodeid for s in LONGEST)]
    rest = [i for i in items if i not in longest]
    platforms = list(dict.fromkeys(platform_of(i) for i in rest))
    rest.sort(key=lambda i: platforms.index(platform_of(i)))
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    batch = max(len(items) // workers // 4, 2)
    ordered = []
    for w in range(workers):
        mine = longest[w::workers]
        fill = max(batch - len(mine), 0)
        ordered += mine + rest[:fill]
        rest = rest[fill:]
    items[:] = ordered + rest
