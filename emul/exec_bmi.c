/*
 * exec_bmi.c - the VEX-encoded general-purpose instructions of BMI1 (ANDN,
 * BEXTR, BLSI, BLSMSK, BLSR) and BMI2 (BZHI, MULX, PDEP, PEXT, RORX, SARX,
 * SHLX, SHRX), for when their memory operand is MMIO or their bytes came
 * from there. exec_vex.c has decided that the guest's CPUID announces the
 * form and that VEX.L is 0.
 *
 * SDM Vol. 2 for each instruction. The operand size is 64 bits with VEX.W
 * in 64-bit mode, else 32 (W is ignored elsewhere). The flags the SDM
 * leaves undefined (AF and PF for all six that write flags, SF for BEXTR)
 * are what an AMD EPYC (Zen 4) leaves, measured for 10^6 random inputs
 * each with the incoming flags all clear and all set: PF is the parity of
 * the result's low byte, AF is 0, except after BEXTR, which sets AF and
 * clears SF; none depends on the incoming flags. Intel's are not measured:
 * the same model is used (docs/emulator.md, "BMI1 and BMI2").
 */
#include "emul_private.h"

#define MAP_0F38 2
enum { PP_NONE, PP_66, PP_F3, PP_F2 };
#define FL_ALL (EMUL_FL_CF | EMUL_FL_PF | EMUL_FL_AF | EMUL_FL_ZF | EMUL_FL_SF | \
		EMUL_FL_OF)

/* The register vvvv names: outside 64-bit mode only 8 exist. */
static unsigned vvvv_reg(const struct emul_exec *x)
{
	return x->insn->vex_vvvv & (x->cpu->mode == EMUL_MODE_LONG64 ? 0xF : 0x7);
}

static uint64_t size_mask(unsigned size)
{
	return size == 8 ? ~0ull : 0xFFFFFFFFull;
}

/* Bits [0, n) of v; all of it for n >= 64. */
static uint64_t low_bits(uint64_t v, unsigned n)
{
	return n >= 64 ? v : v & ((1ull << n) - 1);
}

static uint64_t pdep(uint64_t src, uint64_t mask)
{
	uint64_t out = 0;

	for (uint64_t bit = 1; mask; bit <<= 1, mask &= mask - 1)
		if (src & bit)
			out |= mask & -mask;
	return out;
}

static uint64_t pext(uint64_t src, uint64_t mask)
{
	uint64_t out = 0;

	for (uint64_t bit = 1; mask; bit <<= 1, mask &= mask - 1)
		if (src & mask & -mask)
			out |= bit;
	return out;
}

/* The flags of the six that write them: SF ZF PF of the result (SF
 * clear for BEXTR), AF set only by BEXTR, OF clear, CF as given. */
static uint32_t bmi_flags(uint64_t res, unsigned size, bool cf, bool bextr)
{
	uint32_t f = emul_flags_szp(res, size) | (cf ? EMUL_FL_CF : 0);

	if (bextr)
		f = (f & ~EMUL_FL_SF) | EMUL_FL_AF;
	return f;
}

/* 0F38 F3 /1 BLSR, /2 BLSMSK, /3 BLSI: the result goes to vvvv. */
static void bls(struct emul_exec *x, unsigned size, uint64_t src)
{
	unsigned reg = (x->insn->modrm >> 3) & 7;
	uint64_t res = reg == 1 ? (src - 1) & src :
		       reg == 2 ? (src - 1) ^ src : -src & src;
	uint32_t f = bmi_flags(res & size_mask(size), size, reg == 3 ? src != 0 : src == 0,
			       false);

	if (reg == 2)
		f &= ~EMUL_FL_ZF;       /* BLSMSK clears ZF */
	emul_reg_set(x, vvvv_reg(x), size, res);
	emul_flags_set(x->cpu, FL_ALL, f);
}

/* The flag-writing forms with ModRM.reg as destination: ANDN, BEXTR, BZHI. */
static void with_flags(struct emul_exec *x, unsigned size, uint64_t src, uint64_t v)
{
	const struct emul_insn *in = x->insn;
	unsigned bits = 8 * size;
	uint64_t res;
	bool cf = false;

	if (in->opcode == 0xF2) {                               /* ANDN */
		res = ~v & src;
	} else if (in->opcode == 0xF7) {                        /* BEXTR */
		unsigned start = v & 0xFF, len = (v >> 8) & 0xFF;
		res = start >= bits ? 0 : low_bits(src >> start, len);
	} else {                                                /* BZHI */
		unsigned n = v & 0xFF;
		cf = n > bits - 1;
		res = cf ? src : low_bits(src, n);
	}
	res &= size_mask(size);
	emul_reg_set(x, in->reg, size, res);
	emul_flags_set(x->cpu, FL_ALL, bmi_flags(res, size, cf, in->opcode == 0xF7));
}

/* MULX: RDX/EDX times the source, unsigned; high half to ModRM.reg, low
 * half to vvvv (the high half wins when they are one register). */
static void mulx(struct emul_exec *x, unsigned size, uint64_t src)
{
	const struct emul_insn *in = x->insn;
	unsigned __int128 p = (unsigned __int128)emul_reg_get(x, EMUL_RDX, size) * src;
	uint64_t lo = size == 8 ? (uint64_t)p : (uint64_t)p & 0xFFFFFFFFull;
	uint64_t hi = size == 8 ? (uint64_t)(p >> 64) : (uint64_t)(p >> 32);

	emul_reg_set(x, vvvv_reg(x), size, lo);
	emul_reg_set(x, in->reg, size, hi);
}

/* No flags: PDEP, PEXT, RORX, SARX, SHLX, SHRX. */
static uint64_t flagless(const struct emul_insn *in, unsigned size, uint64_t src,
			 uint64_t v)
{
	unsigned bits = 8 * size, n;

	if (in->map != MAP_0F38) {                              /* RORX */
		n = in->imm & (bits - 1);
		return n ? (src >> n | src << (bits - n)) & size_mask(size) : src;
	}
	if (in->opcode == 0xF5)
		return in->vex_pp == PP_F2 ? pdep(v, src) : pext(v, src);
	n = v & (bits - 1);
	if (in->vex_pp == PP_66)                                /* SHLX */
		return (src << n) & size_mask(size);
	if (in->vex_pp == PP_F2)                                /* SHRX */
		return src >> n;
	/* SARX: sign-extend to 64 bits first */
	int64_t s = size == 8 ? (int64_t)src : (int64_t)(int32_t)src;
	return (uint64_t)(s >> n) & size_mask(size);
}

int emul_exec_bmi(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned size = (x->cpu->mode == EMUL_MODE_LONG64 && (in->rex & 8)) ? 8 : 4;
	struct emul_opnd rm;
	uint64_t src, v = emul_reg_get(x, vvvv_reg(x), size);
	int rc;

	emul_opnd_rm(x, &rm, size);
	rc = emul_opnd_read(x, &rm, 0, &src);
	if (rc)
		return rc;
	src &= size_mask(size);
	if (in->map == MAP_0F38 && in->opcode == 0xF3)
		bls(x, size, src);
	else if (in->map == MAP_0F38 && in->opcode == 0xF6)
		mulx(x, size, src);
	else if (in->map == MAP_0F38 && (in->opcode == 0xF2 ||
					 (in->opcode == 0xF7 && in->vex_pp == PP_NONE) ||
					 (in->opcode == 0xF5 && in->vex_pp == PP_NONE)))
		with_flags(x, size, src, v);
	else
		emul_reg_set(x, in->reg, size, flagless(in, size, src, v));
	emul_retire(x);
	return EX_OK;
}
