/*
 * exec_xsave.c - the XSAVE feature's instructions: XSAVE, XRSTOR and
 * XSAVEOPT (0F AE /4 /5 /6, memory operand, no prefix), XRSTORS, XSAVEC
 * and XSAVES (0F C7 /3 /4 /5, the same), each with REX.W for its 64
 * form, and XGETBV, XSETBV (0F 01 D0, D1). They reach the emulator from
 * code in MMIO or with their save area in MMIO.
 *
 * Each is #UD with CR4.OSXSAVE = 0 (SDM Vol. 2, each instruction's
 * "#UD If CR4.OSXSAVE[bit 18] = 0"), and this #UD comes before any
 * other fault: it is a decode-time fault (SDM Vol. 3A 6.9, priority 9),
 * ahead of XSETBV's and XSAVES's #GP for CPL > 0, the segment checks and
 * #PF on the area (priority 10), and #NM for CR0.TS. CR4.OSXSAVE can be
 * set only where CPUID announces XSAVE; BareKVM's virtual CPU hides it
 * (docs/virtual-cpu.md, leaf 0xD), so on a BareKVM vCPU every one of
 * these is #UD, as on a CPU without XSAVE.
 *
 * With CR4.OSXSAVE = 1 the instruction would run on an XSAVE area and
 * XCR0 the emulator does not model: refused (EMUL_R_OPCODE). The further
 * #UD conditions of XSAVEOPT, XSAVEC and XSAVES (their CPUID (0Dh,1)
 * bits) matter only then.
 */
#include "emul_private.h"

#define VEC_UD 6
#define CR4_OSXSAVE (1ull << 18)

int emul_exec_xsave(struct emul_exec *x)
{
	if (!(x->cpu->cr4 & CR4_OSXSAVE))
		return emul_raise(x, VEC_UD, false, 0);
	return emul_unsupported(x, EMUL_R_OPCODE);
}
