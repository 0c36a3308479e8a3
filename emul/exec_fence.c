/*
 * exec_fence.c - group 15's fences and cache-line flushes (0F AE), which
 * reach the emulator from code in MMIO (the fences, which have no
 * operand) or with their memory operand in MMIO (the flushes).
 *
 * LFENCE, MFENCE and SFENCE (0F AE /5 /6 /7, mod = 3, no prefix; SDM
 * Vol. 2 each instruction) order the instruction's loads and stores: the
 * emulator completes every access of an instruction before it retires
 * it, and the vCPU is stopped while it runs, so each retires as an
 * ordering no-op. #UD without SSE2 (LFENCE, MFENCE: CPUID 1 EDX[26]) or
 * without SSE (SFENCE: CPUID 1 EDX[25]; AMD APM Vol. 3 SFENCE: or AMD's
 * MMX extensions, CPUID 8000_0001h EDX[22]); LOCK is the decoder's #UD.
 * CR0.EM, CR0.TS and CR4.OSFXSR do not matter (their exception lists
 * have none of those).
 *
 * CLFLUSH (0F AE /7 m8), CLFLUSHOPT (66 0F AE /7 m8) and CLWB (66 0F AE
 * /6 m8): the SDM treats the operand as a byte load for permission
 * checking and faults (CLFLUSH and CLFLUSHOPT also allow an execute-only
 * segment; CLWB's page does the same, SDM Vol. 2 CLWB "protection
 * checks as a byte load", and so does its segment here), nothing is read
 * or written: MMIO is uncacheable, there is no line to write back. So:
 * the segment checks (#GP(0), #SS(0) for SS), the translation (#PF),
 * no access. #UD without the CPUID bit (CLFSH: 1 EDX[19]; CLFLUSHOPT,
 * CLWB: (7,0) EBX[23], EBX[24]).
 *
 * The other group 15 forms with these prefixes (66 /6 mod = 3 TPAUSE,
 * the F3/F2 forms) are not these: exec_grp15_ext.c.
 */
#include "emul_private.h"

#define VEC_UD 6
#define REG_CLWB 6
#define REG_CLFLUSH 7

/* The forms this file runs. */
bool emul_is_fence_or_flush(const struct emul_insn *in)
{
	unsigned reg = in->reg & 7u;

	if (in->pfx & (EMUL_PFX_REP | EMUL_PFX_REPNE))
		return false;
	if (!in->mem)
		return !(in->pfx & EMUL_PFX_OPSZ) && reg >= 5;
	if (in->pfx & EMUL_PFX_OPSZ)
		return reg == REG_CLWB || reg == REG_CLFLUSH;
	return reg == REG_CLFLUSH;
}

/* The CPUID bit each needs (SFENCE: either of two). */
static uint32_t needed_features(const struct emul_insn *in)
{
	unsigned reg = in->reg & 7u;

	if (!in->mem)
		return reg == 7 ? EMUL_FEAT_SSE | EMUL_FEAT_MMXEXT : EMUL_FEAT_SSE2;
	if (!(in->pfx & EMUL_PFX_OPSZ))
		return EMUL_FEAT_CLFSH;
	return reg == REG_CLFLUSH ? EMUL_FEAT_CLFLUSHOPT : EMUL_FEAT_CLWB;
}

int emul_exec_fence_or_flush(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	uint64_t la;
	int rc;

	if (!(x->cpu->features & needed_features(in)))
		return emul_raise(x, VEC_UD, false, 0);
	if (in->mem) {
		if ((rc = emul_linear_any(x, in->seg, emul_ea(x), 1, &la)) ||
		    (rc = emul_probe_read_linear(x, la, 1)))
			return rc;
	}
	emul_retire(x);
	return EX_OK;
}
