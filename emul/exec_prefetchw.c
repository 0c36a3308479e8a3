/*
 * exec_prefetchw.c - the PREFETCHW group, 0F 0D /0-/7, reached with its
 * memory operand in MMIO or from code in MMIO.
 *
 * A prefetch is a hint: it makes no access and raises no exception for
 * its operand, whatever the address (SDM Vol. 2 PREFETCHW, "does not
 * affect program behavior"; AMD APM Vol. 3 PREFETCH/PREFETCHW: a memory
 * fault only cancels the prefetch). What differs by vendor is which
 * encodings are an instruction at all:
 *
 *   AMD (APM Vol. 3 PREFETCH/PREFETCHW, and the opcode map's group P):
 *     /0 PREFETCH, /1 PREFETCHW (XED adds /3 as PREFETCHW), the others
 *     reserved hints that run as prefetches (an EPYC runs /7 and F3 /1). #UD when the operand is a register,
 *     and when CPUID shows none of 3DNowPrefetch (8000_0001h ECX[8]),
 *     long mode (EDX[29]) and 3DNow! (EDX[31]).
 *   Intel: every 0F 0D encoding, register forms too, is a hint that
 *     runs as a NOP on every Intel 64 CPU: /1 is PREFETCHW (PRFCHW) and
 *     /2 PREFETCHWT1 where CPUID announces them, a NOP where it does not;
 *     the SDM lists no #UD but LOCK's (the decoder's). Intel's XED
 *     (datafiles/xed-amd-prefetch.txt) decodes each, the register form
 *     as a wide NOP, in its ISA set PREFETCH_NOP, which every Intel chip
 *     since the Pentium Pro has (datafiles/xed-chips.txt).
 *
 * F2, F3 and 66 select nothing here (no instruction is defined with
 * them; Bochs and XED ignore them), so they do not change the outcome.
 */
#include "emul_private.h"

#define VEC_UD 6

int emul_exec_prefetchw(struct emul_exec *x)
{
	const struct emul_cpu *c = x->cpu;

	if (c->vendor == EMUL_VENDOR_AMD &&
	    (!x->insn->mem ||
	     !(c->features & (EMUL_FEAT_PRFCHW | EMUL_FEAT_LM | EMUL_FEAT_3DNOW))))
		return emul_raise(x, VEC_UD, false, 0);
	emul_retire(x);
	return EX_OK;
}
