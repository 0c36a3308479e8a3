/*
 * exec_shift.c - the group-2 shifts and rotates (ROL ROR RCL RCR SHL SHR
 * SAL SAR by 1, CL or imm8) and the double shifts SHLD/SHRD.
 *
 * SDM Vol. 2 "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD", "SHRD". The
 * count is masked to 5 bits (6 with a 64-bit operand); a masked count of 0
 * changes nothing, not even flags. Rotates change only CF and OF. OF is
 * architecturally defined only for 1-bit counts and AF is undefined for
 * shifts: the values computed here for those cases are one consistent
 * choice, and the differential tests mask them.
 */
#include "emul_private.h"

enum { ROL, ROR, RCL, RCR, SHL, SHR, SAL, SAR };

static uint64_t bit(uint64_t v, unsigned n)
{
	return n < 64 ? (v >> n) & 1 : 0;
}

struct shres {
	uint64_t r;
	uint32_t flags;
	uint32_t mask; /* which flags the operation writes */
};

static void rotate(unsigned op, uint64_t a, unsigned c, unsigned size,
		   uint64_t cf, struct shres *o)
{
	unsigned bits = 8 * size, i;
	uint64_t m = emul_size_mask(size), r = a;

	switch (op) {
	case ROL:
		c %= bits;
		r = c ? ((a << c) | (a >> (bits - c))) & m : a;
		cf = r & 1;
		o->flags = (cf ? EMUL_FL_CF : 0) |
			   ((emul_msb(r, size) ^ cf) ? EMUL_FL_OF : 0);
		break;
	case ROR:
		c %= bits;
		r = c ? ((a >> c) | (a << (bits - c))) & m : a;
		cf = emul_msb(r, size);
		o->flags = (cf ? EMUL_FL_CF : 0) |
			   ((cf ^ bit(r, bits - 2)) ? EMUL_FL_OF : 0);
		break;
	case RCL:
		/* 9-/17-bit rotates for byte/word (SDM RCL: tempCOUNT). */
		c %= bits + 1;
		for (i = 0; i < c; i++) {
			uint64_t out = emul_msb(r, size);

			r = ((r << 1) | cf) & m;
			cf = out;
		}
		o->flags = (cf ? EMUL_FL_CF : 0) |
			   ((emul_msb(r, size) ^ cf) ? EMUL_FL_OF : 0);
		break;
	default: /* RCR */
		c %= bits + 1;
		for (i = 0; i < c; i++) {
			uint64_t out = r & 1;

			r = (r >> 1) | (cf << (bits - 1));
			cf = out;
		}
		o->flags = (cf ? EMUL_FL_CF : 0) |
			   ((emul_msb(r, size) ^ bit(r, bits - 2)) ?
			    EMUL_FL_OF : 0);
		break;
	}
	o->r = r;
	o->mask = EMUL_FL_CF | EMUL_FL_OF;
}

static void shift(unsigned op, uint64_t a, unsigned c, unsigned size,
		  struct shres *o)
{
	unsigned bits = 8 * size;
	uint64_t m = emul_size_mask(size), r, cf, of;
	int64_t sa = (int64_t)emul_sx(a, size);

	switch (op) {
	case SHL: case SAL:
		r = c < 64 ? (a << c) & m : 0;
		cf = c <= bits ? bit(a, bits - c) : 0;
		of = emul_msb(r, size) ^ cf;
		break;
	case SHR:
		r = c < 64 ? a >> c : 0;
		cf = bit(a, c - 1);
		of = emul_msb(a, size);
		break;
	default: /* SAR */
		r = (uint64_t)(sa >> (c < 64 ? c : 63)) & m;
		cf = (uint64_t)(sa >> (c - 1 < 63 ? c - 1 : 63)) & 1;
		of = 0;
		break;
	}
	o->r = r;
	o->flags = emul_flags_szp(r, size) | (cf ? EMUL_FL_CF : 0) |
		   (of ? EMUL_FL_OF : 0);
	o->mask = EMUL_FL_ARITH;
}

/* C0/C1 Ib, D0/D1 by 1, D2/D3 by CL. */
int emul_exec_shift(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned op = (in->modrm >> 3) & 7, size = in->opsize, c;
	struct emul_opnd dst;
	struct shres o;
	uint64_t a;
	int rc;

	if (in->opcode == 0xD0 || in->opcode == 0xD1)
		c = 1;
	else if (in->opcode == 0xD2 || in->opcode == 0xD3)
		c = (unsigned)x->cpu->gpr[EMUL_RCX] & 0xFF;
	else
		c = (unsigned)in->imm;
	c &= size == 8 ? 0x3F : 0x1F;
	emul_opnd_rm(x, &dst, size);
	rc = emul_opnd_read(x, &dst, EMUL_ACC_RMW, &a);
	if (rc)
		return rc;
	/* A zero count still writes the destination back: the CPU
	 * zero-extends a 32-bit register even then (checked against the host
	 * by the differential tests), and memory sees the same write. */
	o.r = a;
	o.mask = 0;
	o.flags = 0;
	if (c) {
		if (op <= RCR)
			rotate(op, a, c, size,
			       (x->cpu->rflags & EMUL_FL_CF) ? 1 : 0, &o);
		else
			shift(op, a, c, size, &o);
	}
	rc = emul_opnd_write(x, &dst, o.r);
	if (rc)
		return rc;
	emul_flags_set(x->cpu, o.mask, o.flags);
	emul_retire(x);
	return EX_OK;
}

/* 0F A4/A5 SHLD Ev,Gv,Ib/CL; 0F AC/AD SHRD. A count larger than a 16-bit
 * operand gives an undefined result (SDM SHLD); this computes the 32-bit
 * style funnel of dst:src:dst and the tests do not compare it. */
int emul_exec_shld(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned size = in->opsize, bits = 8 * size, c;
	bool left = in->opcode < 0xA8;
	uint64_t m = emul_size_mask(size), a, b, r, cf;
	struct emul_opnd dst;
	int rc;

	c = (in->opcode & 1) ? (unsigned)x->cpu->gpr[EMUL_RCX] & 0xFF :
			       (unsigned)in->imm;
	c &= size == 8 ? 0x3F : 0x1F;
	b = emul_reg_get(x, in->reg, size);
	emul_opnd_rm(x, &dst, size);
	rc = emul_opnd_read(x, &dst, EMUL_ACC_RMW, &a);
	if (rc)
		return rc;
	r = a;
	if (c) {
		unsigned k = c % (2 * bits);
		/* Work in a 2*bits window: dst:src (left) or src:dst. */
		if (left) {
			uint64_t hi = a, lo = b;

			if (k >= bits) { hi = b; lo = a; k -= bits; }
			r = k ? ((hi << k) | (lo >> (bits - k))) & m : hi;
			cf = c <= bits ? bit(a, bits - c) : bit(b, 2 * bits - c);
		} else {
			uint64_t lo = a, hi = b;

			if (k >= bits) { lo = b; hi = a; k -= bits; }
			r = k ? ((lo >> k) | (hi << (bits - k))) & m : lo;
			cf = c <= bits ? bit(a, c - 1) : bit(b, c - 1 - bits);
		}
		emul_flags_set(x->cpu, EMUL_FL_ARITH,
			       emul_flags_szp(r, size) |
			       (cf ? EMUL_FL_CF : 0) |
			       ((emul_msb(r, size) ^ emul_msb(a, size)) ?
				EMUL_FL_OF : 0));
	}
	rc = emul_opnd_write(x, &dst, r);
	if (rc)
		return rc;
	emul_retire(x);
	return EX_OK;
}
