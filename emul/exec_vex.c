/*
 * exec_vex.c - what a VEX (C4/C5) or EVEX (62) instruction does when it
 * reaches the emulator (its bytes came from MMIO, or its operand is there).
 *
 * Every VEX- and EVEX-encoded SIMD instruction raises #UD while CR4.OSXSAVE
 * is 0 (SDM Vol. 2 2.4 and the exception classes of 2.8; APM Vol. 3
 * 1.8.1), and the virtual CPU hides XSAVE, so a guest cannot set it
 * (core/cpuid.c, core/cpu_rules.c). The VEX-encoded general-purpose
 * instructions of BMI1 and BMI2 do not look at OSXSAVE (SDM Vol. 2 2.8,
 * exception class 13): they are #UD when CPUID does not announce them or
 * with VEX.L = 1, and run otherwise (exec_bmi.c). A SIMD instruction with
 * OSXSAVE set, which cannot happen here, would be refused.
 */
#include "emul_private.h"

#define CR4_OSXSAVE (1ull << 18)
#define MAP_0F38 2
#define MAP_0F3A 3
enum { PP_NONE, PP_66, PP_F3, PP_F2 };

/* The BMI feature (EMUL_FEAT_BMI1/2) a VEX form belongs to, or 0: SDM
 * Vol. 2 Table, the VEX.LZ rows of 0F38 F2-F7 and 0F3A F0. */
static uint32_t bmi_feature(const struct emul_insn *in)
{
	unsigned reg = (in->modrm >> 3) & 7;

	if (in->vex == EMUL_VEX_EVEX)
		return 0;
	if (in->map == MAP_0F3A)                /* RORX: vvvv must be 1111b */
		return in->opcode == 0xF0 && in->vex_pp == PP_F2 && !in->vex_vvvv ?
		       EMUL_FEAT_BMI2 : 0;
	if (in->map != MAP_0F38)
		return 0;
	switch (in->opcode) {
	case 0xF2:                                      /* ANDN */
		return in->vex_pp == PP_NONE ? EMUL_FEAT_BMI1 : 0;
	case 0xF3:                                      /* BLSR BLSMSK BLSI */
		return in->vex_pp == PP_NONE && reg >= 1 && reg <= 3 ? EMUL_FEAT_BMI1 : 0;
	case 0xF5:                                      /* BZHI, PEXT, PDEP */
		return in->vex_pp != PP_66 ? EMUL_FEAT_BMI2 : 0;
	case 0xF6:                                      /* MULX */
		return in->vex_pp == PP_F2 ? EMUL_FEAT_BMI2 : 0;
	case 0xF7:                                      /* BEXTR; SHLX SARX SHRX */
		return in->vex_pp == PP_NONE ? EMUL_FEAT_BMI1 : EMUL_FEAT_BMI2;
	default:
		return 0;
	}
}

int emul_exec_vex(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	uint32_t bmi = bmi_feature(in);

	if (bmi && (x->cpu->features & bmi) && !in->vex_l)
		return emul_exec_bmi(x);
	if (!bmi && (x->cpu->cr4 & CR4_OSXSAVE))
		return emul_unsupported(x, EMUL_R_VEX);
	return emul_raise(x, 6, false, 0);
}
