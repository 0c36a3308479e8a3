/*
 * flags.c - arithmetic flag computation (RFLAGS CF PF AF ZF SF OF).
 *
 * Flags are computed eagerly from the operands and the result, exactly as
 * Intel SDM Vol. 1 3.4.3.1 and Appendix A ("EFLAGS cross-reference") define
 * them. Undefined flags are given a fixed value here; the differential tests
 * mask them per instruction. No builtins that could need libgcc (parity,
 * popcount) are used: the library links into a freestanding hypervisor.
 */
#include "emul_private.h"

unsigned emul_msb(uint64_t v, unsigned size)
{
	return (unsigned)(v >> (8 * size - 1)) & 1;
}

/* PF: set if the low byte of the result has an even number of 1 bits. */
static uint32_t parity_flag(uint64_t res)
{
	unsigned v = (unsigned)res & 0xFF;

	v ^= v >> 4;
	v &= 0xF;
	return ((0x6996u >> v) & 1) ? 0 : EMUL_FL_PF;
}

uint32_t emul_flags_szp(uint64_t res, unsigned size)
{
	uint32_t f = parity_flag(res);

	res &= emul_size_mask(size);
	if (res == 0)
		f |= EMUL_FL_ZF;
	if (emul_msb(res, size))
		f |= EMUL_FL_SF;
	return f;
}

/* ADD/ADC/INC: a + b + carry. AF is the carry out of bit 3. */
uint32_t emul_flags_add(uint64_t a, uint64_t b, uint64_t carry, unsigned size)
{
	uint64_t m = emul_size_mask(size);
	uint64_t r;
	uint32_t f;

	a &= m;
	b &= m;
	r = (a + b + carry) & m;
	f = emul_flags_szp(r, size);
	if (r < a || (carry && r == a))
		f |= EMUL_FL_CF;
	if (emul_msb((a ^ r) & (b ^ r), size))
		f |= EMUL_FL_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= EMUL_FL_AF;
	return f;
}

/* SUB/SBB/CMP/DEC/NEG: a - b - borrow. CF is the borrow out of the top. */
uint32_t emul_flags_sub(uint64_t a, uint64_t b, uint64_t borrow,
			unsigned size)
{
	uint64_t m = emul_size_mask(size);
	uint64_t r;
	uint32_t f;

	a &= m;
	b &= m;
	r = (a - b - borrow) & m;
	f = emul_flags_szp(r, size);
	if (a < b || (borrow && a == b))
		f |= EMUL_FL_CF;
	if (emul_msb((a ^ b) & (a ^ r), size))
		f |= EMUL_FL_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= EMUL_FL_AF;
	return f;
}

/* AND/OR/XOR/TEST: CF = OF = 0, AF undefined (0 here). */
uint32_t emul_flags_logic(uint64_t res, unsigned size)
{
	return emul_flags_szp(res, size);
}

void emul_flags_set(struct emul_cpu *c, uint32_t mask, uint32_t val)
{
	c->rflags = (c->rflags & ~(uint64_t)mask) | (val & mask);
}

/* Condition codes tttn (SDM Vol. 1 Appendix B). */
bool emul_cond(const struct emul_cpu *c, unsigned cc)
{
	uint64_t f = c->rflags;
	bool cf = f & EMUL_FL_CF, zf = f & EMUL_FL_ZF, sf = f & EMUL_FL_SF;
	bool of = f & EMUL_FL_OF, pf = f & EMUL_FL_PF;
	bool r;

	switch ((cc >> 1) & 7) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || (sf != of); break;
	}
	return (cc & 1) ? !r : r;
}
