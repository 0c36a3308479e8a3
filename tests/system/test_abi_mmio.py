"""KVM_EXIT_MMIO end to end (docs/test-guests.md, mmio.bin): every
instruction form the guest aims at the VMM's MMIO test device gives the
right values, and the exit sequence the VMM's `trace` shows is exact: a
read-modify-write is one read exit then one write exit, a REP string
instruction one exit per element (MMIO to MMIO: read, write, read, write),
code run from the device one read exit per aligned chunk of its bytes,
its OUT and IN ordinary IO exits, its fences and CLFLUSH no data access, an x87, MMX or SSE load or store its
operand in 8-byte pieces.
After the guest exits, its next instruction (LOCK CMPXCHG16B on MMIO) is
two read exits and two write exits, then the guest halts."""
import re

from test_abi_common import (abi_iso, check_tally, command, ctl, guest_lines,  # noqa: F401
                             load, run_line, xfail_on)

DEV = 0xd0000000
MARK, READS, WRITES = DEV + 0x828, DEV + 0x808, DEV + 0x810
TRACE = re.compile(r"^vm 0: exit mmio (read|write) 0x([0-9a-f]+) len (\d) data 0x([0-9a-f]+)$")

CHECKS = 64
# x87 on MMIO (core/x87_proxy.c): after an FLD the emulator had the FPU run,
# FNSTENV shows the guest's FIP/FOP/FDP, and an FNSTENV to MMIO stores what
# one to RAM stores. The hypervisor puts the guest's pointers back with
# FLDENV, which QEMU 7.2 does not honour (target/i386/tcg/fpu_helper.c,
# do_fldenv loads FCW, FSW and FTW only); QEMU also records the pointers for
# control instructions (FNSTENV, FLDENV), which a CPU does not
X87_POINTERS = "fld qword [mmio]: FIP, FCS, FOP and FDP as after the same fld from RAM"
X87_ENV = ("fnstenv [mmio], fldenv [mmio]: the 28-byte image out in 4 writes, "
           "back in 4 reads")
# QEMU 7.2 raises no #MF for an MMX instruction while an x87 exception is
# pending (SDM Vol. 2, PADDB, and Vol. 3B chapter 23: #MF "if there is a pending
# x87 FPU exception"); the emulator does, for one on MMIO
MMX_PENDING = "paddb mm1, [mmio] with an x87 #Z pending: #MF as from RAM, no access"
# QEMU 7.2's EXTRQ xmm1, imm8, imm8 (66 0F 78 /0 ib ib) works on the
# register ModRM.reg names (/0: XMM0; target/i386/tcg/decode-new.c.inc,
# decode_0F78: EXTRQ_i's operand is "V"), not on ModRM.rm's, as AMD's APM
# Vol. 4 encodes it and an AMD CPU (an EPYC) and Bochs run it; the
# emulator, which computes it for code in MMIO (emul/exec_sse4a.c), follows
# the APM (check 54; qemu-shadow's CPU model has no SSE4a: #UD both ways)
SSE4A_EXTRQ = "extrq and insertq called on the device as from RAM: registers, no data access"
# QEMU 7.2's ADCX/ADOX with 32-bit operands in 64-bit mode add the
# registers' full 64 bits and take the carry from bit 32 of that, so from
# RAM they give a wrong CF/OF and garbage above bit 21 of RFLAGS (QEMU
# issue 1373, "target/i386: Fix 32-bit AD[CO]X insns in 64-bit mode",
# QEMU 8.0); the emulator's (exec_adx.c) follow the SDM. (qemu-shadow's
# qemu64 CPU has no ADX: there the checks run nothing.)
ADCX = "adcx r32/r64, [mmio] as on RAM"
ADOX = "adox r32/r64, [mmio] as on RAM"
# Bochs 2.7's ADOX sets OF to the signed overflow of the sum, not to its
# carry-out (bmi64.cc/bmi32.cc ADOX: GET_ADD_OVERFLOW); its models with
# ADX (skylake, ryzen) fail check 58 from RAM
# QEMU 7.2's TCG writes a non-canonical base with WRGSBASE (a CPU raises
# #GP(0); test_cpuwalk pins the same leak), and runs TPAUSE, UMWAIT,
# UMONITOR and INCSSPQ without WAITPKG or CET as the fence their encoding
# extends (ignoring the 66/F2/F3 prefix), where an AMD EPYC and Bochs raise
# #UD (SDM: "#UD if CPUID.7.0:ECX.WAITPKG = 0", "if CR4.CET = 0"); the
# emulator gives the #UD (checks 61 and 65)
WRGSBASE = ("wrgsbase of a non-canonical base run from the device: #GP(0) as from RAM, "
            "the base kept")
HIDDEN_FORMS = ("tpause, umwait, umonitor, incsspq, rdpid and 0f ae /4 run from the device: "
                "#UD as from RAM (WAITPKG, CET, RDPID hidden)")
EMULATOR_DEFECTS = {"qemu-max": {X87_POINTERS, X87_ENV, MMX_PENDING, SSE4A_EXTRQ, ADCX, ADOX,
                                 WRGSBASE, HIDDEN_FORMS},
                    "qemu-shadow": {X87_POINTERS, X87_ENV, MMX_PENDING, HIDDEN_FORMS},
                    "bochs-skylake": {ADOX},
                    "bochs-ryzen": {ADOX}}


def cases(out):
    """The MMIO exits of the run, cut at each MARK write, without the
    guest's reads of the READS and WRITES counters."""
    by_mark, mark = {}, None
    for line in out.split("\n"):
        m = TRACE.match(line.rstrip("\r"))
        if not m:
            continue
        kind, addr, size, data = m.group(1), int(m.group(2), 16), int(m.group(3)), int(m.group(4), 16)
        if addr == MARK and kind == "write":
            mark = data
            by_mark[mark] = []
        elif mark is not None and addr not in (READS, WRITES):
            by_mark[mark].append((kind, addr - DEV, size, data))
    return by_mark


# Bochs 2.7's phenom model announces 3DNow! but stops the emulator on
# several of its instructions (">>PANIC<< PF2IW_PqQq: 3DNow! instruction
# still not implemented"), which checks 42 and 43 run from RAM to compare
# (as test_cpuwalk's BOCHS_NO_3DNOW).
BOCHS_NO_3DNOW = {"bochs-phenom"}


GPR_FORMS = re.compile(r"mmio: ([^:\n]*) as on RAM: (\d+) of (\d+) forms run [^;\n]*; "
                       r"device traffic (\d+) reads, (\d+) writes")


def gpr_forms_traffic(out, c):
    """Checks 55-58 (popcnt/lzcnt/tzcnt, crc32, adcx, adox on the device
    and on RAM): the traffic the guest reports, each value one
    8-byte write at +0x580 and each run on the device one read there of
    the form's size; returns the total reads and writes."""
    found = GPR_FORMS.findall(out.replace("\r", ""))
    assert len(found) == 4, out
    reads = writes = 0
    for mark, (_, run, forms, r, w) in zip((55, 56, 57, 58), found):
        r, w = int(r), int(w)
        assert int(run) <= int(forms)
        seq = c.get(mark, [])
        assert [x for x in seq if x[0] == "write"] == [
            x for x in seq if x[:3] == ("write", 0x580, 8)], seq
        assert all(a == 0x580 and n in (1, 2, 4, 8) for k, a, n, _ in seq if k == "read"), seq
        assert (sum(k == "read" for k, *_ in seq), sum(k == "write" for k, *_ in seq)) == (r, w)
        reads, writes = reads + r, writes + w
    # the 6 LZCNT and TZCNT forms run everywhere (as BSR/BSF where CPUID
    # hides them), each on 8 values, with the flags clear and set
    assert int(found[0][1]) >= 6 and int(found[0][3]) >= 96, found
    return reads, writes


GRP15_CODE = range(0x5c0, 0x5e0)


def grp15_forms_traffic(c):
    """Checks 60-65 (group 15, group 9 and 0F 0D run from the device and
    from RAM): the routines written to +0x5c0 in 8-byte pieces and fetched
    from there, no other access (no XSAVE area, prefetch operand or
    random number touches the device); returns the reads and writes."""
    reads = writes = 0
    for mark in range(60, 66):
        seq = c[mark]
        assert all(a in GRP15_CODE and a + n - 1 in GRP15_CODE for _, a, n, _ in seq), seq
        assert all(n == 8 and a % 8 == 0 for k, a, n, _ in seq if k == "write"), seq
        reads += sum(k == "read" for k, *_ in seq)
        writes += sum(k == "write" for k, *_ in seq)
    # each check fetches something (60 and 61 only where FSGSBASE shows,
    # 61 then writes and fetches; without it 61 does nothing)
    assert all(any(k == "read" for k, *_ in c[mark]) for mark in (60, 62, 63, 64, 65)), c
    return reads, writes


def test_mmio_instructions_and_exit_sequences(ctl, request):
    xfail_on(request, ctl.platform, BOCHS_NO_3DNOW,
             "Bochs 2.7 panics on 3DNow! instructions its phenom model announces")
    load(ctl, 0, "mmio", "0x100000", "long64")
    assert command(ctl, "trace 0 on mmio") == "vm 0: trace mmio"
    out = command(ctl, "run 0", timeout=300)
    lines = guest_lines(out, 0)
    defects = EMULATOR_DEFECTS.get(ctl.platform, set())
    if not defects:
        check_tally(lines, "mmio", CHECKS)
    else:
        fails = sorted(l[len("mmio: FAIL "):] for l in lines if l.startswith("mmio: FAIL "))
        tally = f"{CHECKS - len(defects)}/{CHECKS}"
        assert fails == sorted(list(defects) + [tally]), "\n".join(lines)
    assert run_line(out, 0) == f"vm 0: guest exited with status {len(defects)}"

    c = cases(out)
    # read-modify-write: one read exit, then one write exit
    assert c[5][:2] == [("read", 0x40, 8, 5), ("write", 0x40, 8, 12)]       # add
    assert c[6][:2] == [("read", 0x40, 8, 12), ("write", 0x40, 8, 0)]       # lock sub
    assert c[8][:2] == [("read", 0x60, 8, 0x1111), ("write", 0x60, 8, 0x2222)]  # xchg
    assert c[9][:2] == [("read", 0x68, 4, 40), ("write", 0x68, 4, 42)]      # xadd
    assert c[10][:2] == [("read", 0x60, 8, 5), ("write", 0x60, 8, 9)]       # cmpxchg, equal
    assert c[11][:2] == [("read", 0x60, 8, 9), ("write", 0x60, 8, 9)]       # cmpxchg, different
    assert c[12][:2] == [("read", 0x60, 8, 0x0000000200000001),
                         ("write", 0x60, 8, 0x4444444433333333)]            # cmpxchg8b
    assert c[13] == [("read", 0x80, 4, 0x20)]                               # bt: no write
    assert c[15][:2] == [("read", 0x8c, 4, 0), ("write", 0x8c, 4, 0x10)]    # bts, bit 100
    # the 7 ALU forms of case 7, each a read then a write of its own size
    assert [(k, a, s) for k, a, s, _ in c[7][:14]] == [
        ("read", 0x48, 4), ("write", 0x48, 4), ("read", 0x4c, 2), ("write", 0x4c, 2),
        ("read", 0x4e, 1), ("write", 0x4e, 1), ("read", 0x48, 4), ("write", 0x48, 4),
        ("read", 0x4c, 2), ("write", 0x4c, 2), ("read", 0x4e, 1), ("write", 0x4e, 1),
        ("read", 0x40, 8), ("write", 0x40, 8)]
    # REP string instructions: one exit per element, in the direction of DF
    assert c[19][:16] == [("write", 0x100 + i, 1, ord("0123456789abcdef"[i])) for i in range(16)]
    assert c[20][:4] == [("write", 0x138 - 8 * i, 8, 0x4040 - 0x1010 * i) for i in range(4)]
    assert [(k, a, s) for k, a, s, _ in c[21][:8]] == [("read", 0x200 + 4 * i, 4) for i in range(8)]
    assert [(k, a, s) for k, a, s, _ in c[22][:4]] == [("read", 0x206 - 2 * i, 2) for i in range(4)]
    assert [(k, a, s) for k, a, s, _ in c[23][:6]] == [
        ("read", 0x200, 8), ("write", 0x300, 8), ("read", 0x208, 8), ("write", 0x308, 8),
        ("read", 0x210, 8), ("write", 0x310, 8)]
    assert c[25][:5] == [("write", 0x400 + 4 * i, 4, 0xdeadbeef) for i in range(5)]
    assert c[26][:3] == [("write", 0x426 - 2 * i, 2, 0x7777) for i in range(3)]
    assert c[27][:3] == [("read", 0x818, 8, 0), ("read", 0x818, 8, 1), ("read", 0x818, 4, 2)]
    assert c[28][:2] == [("read", 0x100000, 8, 0), ("write", 0x100000, 8, 0x55)]
    # code in MMIO: the fetch reads, aligned, only as many bytes as decoding needs
    assert c[29][:2] == [("read", 0x600, 8, 0xccccc30000002ab8), ("read", 0x605, 1, 0xc3)]
    # and OUT/IN there (IO exits between the reads): chunks of 8, 2, 4, 2, 8 bytes
    assert [(k, a, s) for k, a, s, _ in c[30][:5]] == [
        ("read", 0x610, 8), ("read", 0x612, 2), ("read", 0x614, 4), ("read", 0x616, 2),
        ("read", 0x618, 8)]
    # and REP INS there, handed to the VMM whole
    assert c[31][:2] == [("read", 0x620, 8, 0xccccccccccc36cf3), ("read", 0x622, 2, 0xccc3)]
    # the fences and CLFLUSH [mmio] there (check 51): the fetch reads only
    # (lfence 8; mfence 1, 4; sfence 2, 8; clflush 1, 2; ret 4), no data access
    assert [(k, a, n) for k, a, n, _ in c[51][:9]] == [
        ("read", 0x630, 8), ("read", 0x633, 1), ("read", 0x634, 4), ("read", 0x636, 2),
        ("read", 0x638, 8), ("read", 0x639, 1), ("read", 0x63a, 2), ("read", 0x63c, 4),
        ("write", 0x480, 8)], c[51]   # (then check 52 writes its 0x55s)
    # MASKMOVDQU to the device (check 52): one write per run of selected
    # bytes, then (53) an all-zero mask: nothing; the 2 reads check the bytes
    assert c[52] == [("write", 0x480, 3, 0x121110), ("write", 0x485, 1, 0x15),
                     ("write", 0x488, 8, 0x1f1e1d1c1b1a1918)], c[52]
    assert [(k, a, n) for k, a, n, _ in c[53][:2]] == [("read", 0x480, 8), ("read", 0x488, 8)], c[53]
    # x87: fld qword (2.5), fstp tbyte of 1.0 (8 + 2 bytes), fnstenv / fldenv
    # of the 28-byte image in 8-byte pieces
    assert c[32][0] == ("read", 0x700, 8, 0x4004000000000000)
    assert c[33][:2] == [("write", 0x710, 8, 0x8000000000000000), ("write", 0x718, 2, 0x3fff)]
    assert [(k, a, s) for k, a, s, _ in c[35][:8]] == [
        ("write", 0x740, 8), ("write", 0x748, 8), ("write", 0x750, 8), ("write", 0x758, 4),
        ("read", 0x740, 8), ("read", 0x748, 8), ("read", 0x750, 8), ("read", 0x758, 4)]

    # an x87 register form run from the device: fld1 (8-byte fetch), ret (2)
    assert c[36][:2] == [("read", 0x780, 8, 0xccccccccccc3e8d9), ("read", 0x782, 2, 0xccc3)]
    # FNSTENV with an x87 exception pending (the hypervisor must not take
    # the #MF): the 28-byte image in 4 writes (then read back byte by byte)
    assert [(k, a, s) for k, a, s, _ in c[37][:4]] == [
        ("write", 0x7c0, 8), ("write", 0x7c8, 8), ("write", 0x7d0, 8), ("write", 0x7d8, 4)]
    # LDMXCSR and STMXCSR on the device: one 4-byte read, one 4-byte write
    assert c[38][:2] == [("read", 0x7e0, 4, 0x7f80), ("write", 0x7e4, 4, 0x7f80)]
    # x87 register forms with AX and RFLAGS run from the device: fnstsw ax,
    # fcomi, fcmovb, ret, each fetched in one read
    # (then check 40 writes its inputs to the device)
    assert c[39][:4] == [("read", 0x7a0, 8, 0xccc3c1daf1dbe0df), ("read", 0x7a2, 2, 0xf1db),
                         ("read", 0x7a4, 4, 0xccc3c1da), ("read", 0x7a6, 2, 0xccc3)], c[39]
    # MMX and SSE on the device (core/simd_proxy.c): each operand in 8-byte
    # pieces, the 16-byte ones misaligned (movups at +36) too
    assert [(k, a, n) for k, a, n, _ in c[40][:5]] == [
        ("read", 0x640, 8), ("read", 0x648, 8), ("read", 0x650, 4),
        ("write", 0x658, 8), ("write", 0x660, 8)]
    # (checks 42 and 43, every emulated form once on RAM and once on the
    # device, and its register form called there, compare their exits
    # themselves); a DIVPS with #Z unmasked reads its
    # operand whether or not it then faults
    assert c[44][:2] == [("read", 0x6a0, 8, 0x0000000040000000), ("read", 0x6a8, 8, 0x40800000)]
    assert [(k, a, n) for k, a, n, _ in c[41][:14]] == [
        ("read", 0x640, 8), ("read", 0x648, 8), ("read", 0x650, 8), ("read", 0x658, 8),
        ("read", 0x664, 8), ("read", 0x66c, 8), ("read", 0x670, 8), ("read", 0x678, 8),
        ("read", 0x648, 8), ("read", 0x644, 4),
        ("write", 0x680, 8), ("write", 0x688, 8), ("write", 0x690, 8), ("write", 0x698, 4)]
    # ENDBR64 run from the device (check 59): the code written, then the
    # NOP's 8-byte fetch read and RET's 4-byte one, no data access
    assert c[59] == [("write", 0x5c0, 8, 0xccccccc3fa1e0ff3), ("read", 0x5c0, 8, 0xccccccc3fa1e0ff3),
                     ("read", 0x5c4, 4, 0xccccccc3)], c[59]
    # INVPCID's descriptor (where CPUID announces it): two 8-byte reads
    invpcid = c[49]
    assert invpcid in ([], [("read", 0x7f0, 8, 0), ("read", 0x7f8, 8, 0)])
    # AMD's fast FXSAVE/FXRSTOR (where CPUID announces EFER.FFXSR): FXSAVE's
    # 20 writes of bytes 0-159, the guest's 20 reads comparing them, the
    # image's 20 writes and XMM0's 2, FXRSTOR64's 20 reads of bytes 0-159
    image = [o for o in range(0, 160, 8)]
    fast = [(k, a, n) for k, a, n, _ in c[50]]
    assert fast in ([], [("write", o, 8) for o in image] + [("read", o, 8) for o in image] +
                    [("write", o, 8) for o in image] + [("write", 0xa0, 8), ("write", 0xa8, 8)] +
                    [("read", o, 8) for o in image]), fast

    stats = command(ctl, "stats 0")
    assert re.search(r"unclaimed MMIO: 1 reads, 1 writes \(last address 0xd0100000\)", stats)
    # since the RESET of case 27: 3 SEQ reads; the code written (4 qwords)
    # and its 9 fetch reads; check 51's code (2 qwords) and its 8 fetch reads;
    # check 52's 2 qwords written, MASKMOVDQU's 3 writes, their 2 reads back; the x87 checks' 6 reads and 7 writes (the 2.5
    # they load included) and their 38 byte-wise comparisons (one that finds
    # a difference stops early: QEMU's reads vary); the fld1 code written
    # and its 2 fetch reads; the pending-exception image's 4 writes, read
    # back byte by byte; MXCSR written, loaded (1 read), stored (1 write)
    # and read back; the x87 flags code written and its 4 fetch reads; the
    # SIMD checks' input written twice (24 qwords), their
    # 13 reads and 6 writes, the results read back (6 qwords); then check
    # 41 and 42's traffic, which depends on the forms the CPU has (each
    # one's input written, its operand, the result read back; each register
    # form written and fetched), as the guest counted it
    m = re.search(r"SIMD forms run.*; device traffic (\d+) reads, (\d+) writes", out)
    assert m, out
    # and check 54's (EXTRQ and INSERTQ: each written, then fetched)
    m53 = re.search(r"SSE4a forms called on the device.*; device traffic (\d+) reads, "
                    r"(\d+) writes", out)
    assert m53, out
    # checks 47-48: FXSAVE's 52 writes and the guest's 52 reads comparing
    # them, the image's 52 writes and FXRSTOR's 52 reads; check 49:
    # INVPCID's zeroed descriptor (2 writes) and its reads; check 50: the
    # fast FXSAVE/FXRSTOR traffic above
    fast_reads = 40 if fast else 0
    fast_writes = 42 if fast else 0
    # checks 55-58: each value written once, each run on the device one
    # read, as the guest counted (the forms CPUID hides are not run);
    # check 59: endbr64; ret written (1 qword) and fetched (2 reads)
    gpr_reads, gpr_writes = gpr_forms_traffic(out, c)
    # checks 60-65: the routines written and fetched, nothing else
    grp15_reads, grp15_writes = grp15_forms_traffic(c)
    reads = str(121 + int(m.group(1)) + 2 + 104 + len(invpcid) + fast_reads +
                int(m53.group(1)) + gpr_reads + 2 + grp15_reads) if not defects else r"\d+"
    writes = 56 + int(m.group(2)) + 2 + 104 + 2 + fast_writes + \
        int(m53.group(2)) + gpr_writes + 1 + grp15_writes   # and check 44's operand
    assert re.search(rf"mmio test device: {reads} reads, {writes} writes, mark 0x0", stats), stats

    # the run after the exit: LOCK CMPXCHG16B on 16-byte-aligned MMIO with
    # RDX:RAX = RCX:RBX = 0: two 8-byte reads, then two 8-byte writes (RCX:RBX
    # if the device held zero, else its value written back), then the halt
    out = command(ctl, "run 0")
    seq = [(m.group(1), int(m.group(2), 16) - DEV, int(m.group(3)), int(m.group(4), 16))
           for m in (TRACE.match(line.rstrip("\r")) for line in out.split("\n")) if m]
    assert [(k, a, n) for k, a, n, _ in seq] == [
        ("read", 0x500, 8), ("read", 0x508, 8), ("write", 0x500, 8), ("write", 0x508, 8)], out
    lo, hi = seq[0][3], seq[1][3]
    assert [d for _, _, _, d in seq[2:]] == ([0, 0] if lo == hi == 0 else [lo, hi]), out
    assert re.search(r"vm 0: guest halted at RIP=", out), out
    assert "cannot emulate" not in out, out
    stats = command(ctl, "stats 0")
    assert re.search(r"^  KVM_EXIT_UNKNOWN\s+0$", stats, re.M), stats
