/*
 * exec_xop.c - what an XOP escape (8F with map 8-10, AMD) does when it
 * reaches the emulator.
 *
 * Only AMD family 15h processors implement XOP (CPUID 8000_0001h ECX[11]);
 * on every other processor the bytes are group 1A's undefined /1-/7
 * encodings of 8F (SDM Vol. 2 Table A-6) and raise #UD, which is what
 * emul_cpu.features tells apart. Real XOP instructions are SIMD, not
 * emulated.
 */
#include "emul_private.h"

int emul_exec_xop(struct emul_exec *x)
{
	if (x->cpu->features & EMUL_FEAT_XOP)
		return emul_unsupported(x, EMUL_R_VEX);
	return emul_raise(x, 6, false, 0);
}
