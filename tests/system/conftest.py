"""Shared fixtures for the serial-console system tests.

Every platform of tools/serialconsole.PLATFORMS is a pytest parameter; one
whose emulator is missing is skipped with the reason. On CI (CI=true) every
platform is installed, so a missing one is a failure, never a skip.
"""
import os
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
