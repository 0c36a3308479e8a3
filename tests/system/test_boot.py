"""Boot foundation: the ISO boots on every platform, and the banner tells the
truth about the CPU, the firmware, memory and the GRUB modules."""
import os
import re

import pytest

from conftest import ROOT

HELLO_MODULE = os.path.join(ROOT, "tools", "hello-module.txt")
CTL_ELF = os.path.join(ROOT, "build", "ctl", "ctl.elf")

# platform -> regexes the banner must contain (and must not)
EXPECT = {
    "qemu-max": {
        "must": [r"cpu: AuthenticAMD", r"boot: firmware BIOS",
                 r"virt: SVM revision \d+: NPT yes, ASIDs 16, NRIP-save no",
                 r"virt: SVM nested pages: 2M yes, 1G yes"],
        "not": [r"virt: VMX"],
    },
    "qemu-shadow": {
        "must": [r"cpu: AuthenticAMD", r"virt: SVM revision \d+: NPT no",
                 r"virt: SVM nested pages: 2M no, 1G no",
                 r"virt: SVM without nested paging: guests run on shadow page tables",
                 r"virt: using AMD SVM"],
        "not": [r"NPT yes", r"virt: VMX", r"no guests can run"],
        # the backend's lines follow the banner: wait for the whole line
        "until": r"virt: using [^\r\n]+\r*\n",
    },
    "qemu-uefi": {
        "must": [r"boot: firmware UEFI \(64-bit system table at 0x[0-9a-f]+\)",
                 r"virt: SVM revision \d+: NPT yes"],
        "not": [r"firmware BIOS"],
    },
    "bochs-ryzen": {
        "must": [r"cpu: AuthenticAMD family 0x17",
                 r"virt: SVM revision \d+: NPT yes, ASIDs 32768, NRIP-save yes, "
                 r"VMCB clean bits no, decode assists no, flush-by-ASID yes",
                 r"virt: SVM nested pages: 2M yes, 1G yes"],
        "not": [r"virt: VMX"],
    },
    "bochs-phenom": {
        "must": [r"cpu: AuthenticAMD family 0x10",
                 r"virt: SVM revision \d+: NPT yes, ASIDs 64, NRIP-save no, "
                 r"VMCB clean bits no, decode assists no, flush-by-ASID no"],
        "not": [r"virt: VMX"],
    },
    "bochs-skylake": {
        "must": [r"cpu: GenuineIntel",
                 r"virt: VMX VMCS revision 0x[0-9a-f]+: EPT yes, "
                 r"unrestricted guest yes, VPID yes",
                 r"virt: VMX EPT pages: 2M yes, 1G yes"],
        "not": [r"virt: SVM"],
    },
}


@pytest.mark.parametrize("platform", sorted(EXPECT))
def test_banner_matches_platform(console_factory, iso, platform):
    con = console_factory(platform, iso)
    con.expect(r"BareKVM: boot complete, \d+ frames free", timeout=90)
    if "until" in EXPECT[platform]:
        con.expect(EXPECT[platform]["until"], timeout=90)
    out = con.output()
    assert "BareKVM 0.1: bare-metal hypervisor, kvm.h API version 4" in out
    for pat in EXPECT[platform]["must"]:
        assert re.search(pat, out), f"{platform}: banner lacks {pat!r}\n{out}"
    for pat in EXPECT[platform]["not"]:
        assert not re.search(pat, out), f"{platform}: banner has {pat!r}\n{out}"

    # the GRUB modules: sizes and command lines as grub.cfg gives them
    size = os.path.getsize(HELLO_MODULE)
    assert re.search(r"modules: 17\b", out), out
    # guest images numbered as the control partition's `modules` does
    ctl = re.search(r'module ctl: 0x[0-9a-f]+-0x[0-9a-f]+ (\d+) bytes "ctl"', out)
    assert ctl and int(ctl.group(1)) == os.path.getsize(CTL_ELF), out
    for i, name in enumerate(["real", "prot32", "long64", "mbhello", "bench", "mmio", "irq",
                                     "irqreal", "dirty", "paging", "triple", "msr", "hostile",
                                     "spin", "modeswitch"], start=1):
        assert re.search(rf'module {i}: 0x[0-9a-f]+-0x[0-9a-f]+ \d+ bytes "{name}"', out), out
    m = re.search(r'module 0: 0x([0-9a-f]+)-0x([0-9a-f]+) (\d+) bytes "([^"]*)"', out)
    assert m, out
    start, last, nbytes = int(m.group(1), 16), int(m.group(2), 16), int(m.group(3))
    assert nbytes == size and last - start + 1 == size
    assert m.group(4) == "hello greeting=world"

    # memory: usable RAM found and frames free are consistent with -m / megs
    mm = re.search(r"mem: (\d+) MiB usable RAM found, (\d+) MiB free for the "
                   r"hypervisor \((\d+) frames\)", out)
    assert mm, out
    found, free_mib, frames = map(int, mm.groups())
    assert 400 <= found <= 512 and 0 < free_mib <= found
    assert frames * 4096 >> 20 == free_mib
    assert "boot: loaded by GRUB" in out and 'command line "console=com1"' in out
