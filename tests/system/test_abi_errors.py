"""Malformed requests get 2.6.21's errno and never hurt the hypervisor
(docs/hypercall-abi.md, "Validation"): the `ioctl` and `slot` commands send
requests exactly as given; every VM's memory comes back (`cycle`)."""
import re

from test_abi_common import abi_iso, command, ctl  # noqa: F401

KVM_RUN_SIZE_80 = 0xc050ae02            # KVM_RUN with an 80-byte struct


def result(out):
    """The command's own last line (the hypervisor's log lines come first)."""
    return out.split("\n")[-1]


def test_ioctl_validation(ctl):
    assert command(ctl, "ioctl 0 0xae01") == "KVM_GET_API_VERSION: result 4"
    out = command(ctl, f"ioctl 0 {KVM_RUN_SIZE_80:#x}")
    assert result(out) == "request 0xc050ae02: error EINVAL (-22)"
    assert "kvm: request 0xc050ae02 has size 80, kvm.h's KVM_RUN has 72 -> -22" in out
    out = command(ctl, "ioctl 0 0xaeee")
    assert result(out) == "request 0xaeee: error EINVAL (-22)"
    assert "kvm: unknown request 0xaeee on handle 0 -> -22" in out
    assert result(command(ctl, "ioctl 99 0x8090ae03")) == "KVM_GET_REGS: error EBADF (-9)"
    assert result(command(ctl, "ioctl 0 0x8090ae03")) == "KVM_GET_REGS: error EBADF (-9)"
    assert result(command(ctl, "ioctl 5 0xae02")) == "KVM_CREATE_VM: error EBADF (-9)"
    # the sizing call of KVM_GET_MSR_INDEX_LIST (capacity 0)
    assert result(command(ctl, "ioctl 0 0xc004ae0f")) == "KVM_GET_MSR_INDEX_LIST: error E2BIG (-7)"

    assert command(ctl, "vm create") == "vm 0 created: 16 MiB"
    assert result(command(ctl, "ioctl 1 0x8090ae03")) == "KVM_GET_REGS: error EBADF (-9)"
    assert result(command(ctl, "ioctl 2 0x4018ae0a")) == "KVM_SET_MEMORY_REGION: error EBADF (-9)"
    assert result(command(ctl, "ioctl 1 0xae02")) == "KVM_CREATE_VM: error EBADF (-9)"
    # vCPU index 0 exists, 1 is beyond 2.6.21's one vCPU
    assert result(command(ctl, "ioctl 1 0x4004ae0b 0")) == "KVM_CREATE_VCPU: error EEXIST (-17)"
    assert result(command(ctl, "ioctl 1 0x4004ae0b 1")) == "KVM_CREATE_VCPU: error EINVAL (-22)"
    # mapping zero bytes
    assert result(command(ctl, "ioctl 1 0xc018aef1")) == "KVM_BAREKVM_MMAP: error EINVAL (-22)"
    # the VM still runs after all that
    assert command(ctl, "ioctl 2 0x8090ae03") == "KVM_GET_REGS: result 0"


def test_slot_validation_and_memory_accounting(ctl):
    assert command(ctl, "vm create 16") == "vm 0 created: 16 MiB"
    frames = command(ctl, "frames")
    cases = [
        ("slot 0 1 0x1000001 0x1000", "EINVAL (-22)"),      # misaligned address
        ("slot 0 1 0x1000000 0x1001", "EINVAL (-22)"),      # misaligned size
        ("slot 0 1 0x800000 0x1000", "EEXIST (-17)"),       # overlaps slot 0
        ("slot 0 32 0x2000000 0x1000", "EINVAL (-22)"),     # slot >= 32
        ("slot 0 1 0xfffffffffffff000 0x2000", "EINVAL (-22)"),  # wraps
        ("slot 0 2 0x10000000000000 0x1000", "EINVAL (-22)"),   # beyond guest-physical
        ("slot 0 3 0x100000000 0x100000000", "ENOMEM (-12)"),   # more than there is
    ]
    for cmd, err in cases:
        assert result(command(ctl, cmd)) == f"KVM_SET_MEMORY_REGION: error {err}", cmd
    assert command(ctl, "slot 0 1 0x2000000 0x1000") == "KVM_SET_MEMORY_REGION: result 0"
    # 2.6.21: a live slot cannot change size
    assert result(command(ctl, "slot 0 1 0x2000000 0x2000")) == \
        "KVM_SET_MEMORY_REGION: error EINVAL (-22)"
    assert command(ctl, "slot 0 1 0x3000000 0x1000") == "KVM_SET_MEMORY_REGION: result 0"  # move
    assert command(ctl, "slot 0 1 0 0") == "KVM_SET_MEMORY_REGION: result 0"             # delete
    assert command(ctl, "frames") == frames          # everything came back


def test_cycle_returns_every_frame(ctl):
    out = command(ctl, "cycle 300", timeout=300)
    assert re.fullmatch(r"vm cycle: 300 VMs created and destroyed; free frames before "
                        r"(\d+), after \1: all returned", out), out
