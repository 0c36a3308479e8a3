/*
 * exec_bitcount.c - the F3 0F bit counts: POPCNT (F3 0F B8), TZCNT
 * (F3 0F BC) and LZCNT (F3 0F BD) r, r/m of 16, 32 or 64 bits.
 *
 * Each is there only where the guest's CPUID announces it:
 *  - POPCNT: CPUID.01H:ECX.POPCNT[23] (EMUL_FEAT_POPCNT); without it
 *    F3 0F B8 is #UD (SDM Vol. 2 POPCNT, APM Vol. 3 POPCNT);
 *  - LZCNT: CPUID.80000001H:ECX.LZCNT[5] (AMD's ABM bit, EMUL_FEAT_LZCNT);
 *  - TZCNT: CPUID.(EAX=07H,ECX=0):EBX.BMI1[3] (EMUL_FEAT_BMI1).
 * Without theirs, LZCNT and TZCNT are not #UD: the CPU ignores the F3 and
 * runs BSR resp. BSF (SDM Vol. 2 LZCNT/TZCNT "Operation" notes, APM Vol. 3
 * LZCNT/TZCNT), which is what happens here too (exec_bit.c).
 *
 * Flags. POPCNT: ZF = (source == 0), OF SF AF CF PF cleared (SDM, APM).
 * LZCNT/TZCNT: CF = (source == 0), ZF = (result == 0); OF SF AF PF
 * undefined by both manuals. An AMD EPYC (Zen 4), measured with the
 * incoming flags all clear and all set, keeps OF and clears SF AF PF;
 * that is the model here for both vendors (Intel's are not measured;
 * docs/emulator.md, "Bit counts").
 */
#include "emul_private.h"

#define FL_ARITH (EMUL_FL_CF | EMUL_FL_PF | EMUL_FL_AF | EMUL_FL_ZF | EMUL_FL_SF | \
		  EMUL_FL_OF)

static unsigned popcount(uint64_t v)
{
	unsigned n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/* Zero bits above the highest set bit of a size-byte value (8 * size
 * for 0). */
static unsigned leading_zeros(uint64_t v, unsigned size)
{
	unsigned n = 0;

	for (unsigned bit = 8 * size; bit-- > 0 && !(v >> bit & 1);)
		n++;
	return n;
}

/* Zero bits below the lowest set bit (8 * size for 0). */
static unsigned trailing_zeros(uint64_t v, unsigned size)
{
	unsigned n = 0;

	while (n < 8 * size && !(v >> n & 1))
		n++;
	return n;
}

/* The source operand (r/m of the operand size). */
static int read_source(struct emul_exec *x, uint64_t *v)
{
	struct emul_opnd src;

	emul_opnd_rm(x, &src, x->insn->opsize);
	return emul_opnd_read(x, &src, 0, v);
}

/* F3 0F B8 /r */
int emul_exec_popcnt(struct emul_exec *x)
{
	uint64_t v;
	int rc;

	if (!(x->cpu->features & EMUL_FEAT_POPCNT))
		return emul_raise(x, 6, false, 0);
	rc = read_source(x, &v);
	if (rc)
		return rc;
	emul_reg_set(x, x->insn->reg, x->insn->opsize, popcount(v));
	emul_flags_set(x->cpu, FL_ARITH, v ? 0 : EMUL_FL_ZF);
	emul_retire(x);
	return EX_OK;
}

/* F3 0F BC /r TZCNT, F3 0F BD /r LZCNT; BSF/BSR where CPUID hides them. */
int emul_exec_tzcnt_lzcnt(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	bool lz = in->opcode == 0xBD;
	uint32_t feat = lz ? EMUL_FEAT_LZCNT : EMUL_FEAT_BMI1;
	unsigned n;
	uint64_t v;
	int rc;

	if (!(x->cpu->features & feat))
		return emul_exec_bsf_bsr(x);
	rc = read_source(x, &v);
	if (rc)
		return rc;
	n = lz ? leading_zeros(v, in->opsize) : trailing_zeros(v, in->opsize);
	emul_reg_set(x, in->reg, in->opsize, n);
	emul_flags_set(x->cpu, FL_ARITH & ~EMUL_FL_OF,
		       (v ? 0 : EMUL_FL_CF) | (n ? 0 : EMUL_FL_ZF));
	emul_retire(x);
	return EX_OK;
}
