/*
 * exec_grp9.c - group 9 (0F C7) but CMPXCHG8B/16B (exec_xchg.c): the
 * XSAVE and VMX memory forms and the register forms RDRAND, RDSEED,
 * RDPID and SENDUIPI, which reach the emulator from code in MMIO (and
 * the memory forms with their operand in MMIO).
 *
 * Which instruction an encoding is (SDM Vol. 2 Table A-6, group 9):
 *
 *   mem, no prefix:  /3 XRSTORS, /4 XSAVEC, /5 XSAVES, /6 VMPTRLD,
 *                    /7 VMPTRST; 66 /6 VMCLEAR, F3 /6 VMXON
 *   mod 3:           /6 RDRAND, /7 RDSEED (no prefix or 66: a 16-bit
 *                    operand); F3 /7 RDPID, F3 /6 SENDUIPI (64-bit mode)
 *   mod 3 /3-/5:     undefined (#UD, as Bochs raises it)
 *
 * Each makes its #UD checks first (SDM Vol. 3A 6.9: priority 9, before
 * the segment and paging faults):
 *
 *   XRSTORS, XSAVEC, XSAVES: exec_xsave.c (#UD with CR4.OSXSAVE = 0,
 *     which BareKVM's virtual CPU always has).
 *   VMX: VMXON is #UD with CR4.VMXE = 0, VMPTRLD, VMCLEAR and VMPTRST
 *     outside VMX operation, which needs CR4.VMXE = 1 (a VMXON); on AMD
 *     CR4.VMXE is reserved. #UD with CR4.VMXE = 0, else refused (the
 *     virtual CPU hides VMX: CR4.VMXE is #GP).
 *   RDRAND, RDSEED: #UD with F2 or F3 (SDM RDRAND, RDSEED) or without
 *     CPUID 1 ECX[30], (7,0) EBX[18]. Otherwise emul_ops.rdrand draws
 *     the number on the vCPU's CPU: CF = 1 and the value, or CF = 0 and
 *     a zero destination when the generator has none; OF, SF, ZF, AF
 *     and PF cleared.
 *   RDPID: #UD without CPUID (7,0) ECX[22]; with it, refused (TSC_AUX
 *     is not the emulator's).
 *   SENDUIPI: #UD outside 64-bit mode (there F3 0F C7 /6 is RDRAND with
 *     F3: #UD too) and with CR4.UINTR = 0 (which can be 1 only where
 *     CPUID announces user interrupts); with it, refused.
 *
 * LOCK is the decoder's #UD (only CMPXCHG8B/16B take it).
 */
#include "emul_private.h"

#define VEC_UD 6
#define CR4_VMXE (1ull << 13)
#define CR4_UINTR (1ull << 25)
#define REG_RDRAND 6
#define REG_RDSEED 7

static int undefined(struct emul_exec *x)
{
	return emul_raise(x, VEC_UD, false, 0);
}

static int ud_unless_cr4(struct emul_exec *x, uint64_t bit)
{
	if (!(x->cpu->cr4 & bit))
		return undefined(x);
	return emul_unsupported(x, EMUL_R_OPCODE);
}

static int memory_form(struct emul_exec *x)
{
	unsigned reg = x->insn->reg & 7u, p = emul_simd_prefix(x->insn);

	if (p == SIMD_NP && reg >= 3 && reg <= 5)  /* XRSTORS XSAVEC XSAVES */
		return emul_exec_xsave(x);
	if ((reg == 6 && p != SIMD_F2) || (reg == 7 && p == SIMD_NP))
		return ud_unless_cr4(x, CR4_VMXE);  /* the VMX instructions */
	return emul_unsupported(x, EMUL_R_OPCODE);
}

/* RDRAND or RDSEED r16/r32/r64 (SDM Vol. 2 each). */
static int random_number(struct emul_exec *x, bool seed)
{
	const struct emul_insn *in = x->insn;
	const struct emul_ops *ops = x->ctx->ops;
	uint64_t v = 0;
	bool ok;

	if (!(x->cpu->features & (seed ? EMUL_FEAT_RDSEED : EMUL_FEAT_RDRAND)))
		return undefined(x);
	if (!ops->rdrand)
		return emul_unsupported(x, EMUL_R_OPCODE);
	ok = ops->rdrand(x->ctx->opaque, seed, &v);
	emul_reg_set(x, in->rm, in->opsize, ok ? v : 0);
	emul_flags_set(x->cpu, EMUL_FL_ARITH, ok ? EMUL_FL_CF : 0);
	emul_retire(x);
	return EX_OK;
}

int emul_exec_grp9(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned reg = in->reg & 7u, p = emul_simd_prefix(in);

	if (in->mem)
		return memory_form(x);
	if (reg < REG_RDRAND || p == SIMD_F2)
		return undefined(x);
	if (p == SIMD_F3) {
		if (reg == REG_RDSEED)          /* RDPID */
			return (x->cpu->features & EMUL_FEAT_RDPID) ?
			       emul_unsupported(x, EMUL_R_OPCODE) : undefined(x);
		if (in->mode != EMUL_MODE_LONG64)
			return undefined(x);
		return ud_unless_cr4(x, CR4_UINTR);     /* SENDUIPI */
	}
	return random_number(x, reg == REG_RDSEED);
}
