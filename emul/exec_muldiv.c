/*
 * exec_muldiv.c - MUL, IMUL (one-, two- and three-operand) and DIV, IDIV.
 *
 * SDM Vol. 2 MUL/IMUL/DIV/IDIV. 128-bit products and dividends are built
 * from 64-bit halves by hand: no __int128 division, which would need
 * libgcc in the freestanding hypervisor. A zero divisor or a quotient that
 * does not fit raises #DE before anything is written. CF/OF are the only
 * defined flags of the multiplies; SF ZF AF PF are undefined (set from the
 * low half here) and all six are undefined after a divide (left unchanged).
 */
#include "emul_private.h"

/* 64 x 64 -> 128 unsigned. */
static void umul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	uint64_t al = a & 0xFFFFFFFF, ah = a >> 32;
	uint64_t bl = b & 0xFFFFFFFF, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFF) + (hl & 0xFFFFFFFF);

	*lo = (mid << 32) | (ll & 0xFFFFFFFF);
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* 64 x 64 -> 128 signed: correct the unsigned high half. */
static void smul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	umul128(a, b, hi, lo);
	if ((int64_t)a < 0)
		*hi -= b;
	if ((int64_t)b < 0)
		*hi -= a;
}

/* (hi:lo) / d for hi < d, by restoring shift-subtract. */
static void udiv128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *q,
		    uint64_t *r)
{
	uint64_t quo = 0, rem = hi;
	int i;

	for (i = 63; i >= 0; i--) {
		uint64_t carry = rem >> 63;

		rem = (rem << 1) | ((lo >> i) & 1);
		if (carry || rem >= d) {
			rem -= d;
			quo |= 1ull << i;
		}
	}
	*q = quo;
	*r = rem;
}

/* Store a double-width result: AX for bytes, rDX:rAX otherwise. */
static void store_pair(struct emul_exec *x, unsigned size, uint64_t hi,
		       uint64_t lo)
{
	if (size == 1) {
		emul_reg_set(x, EMUL_RAX, 2, ((hi & 0xFF) << 8) | (lo & 0xFF));
		return;
	}
	emul_reg_set(x, EMUL_RAX, size, lo);
	emul_reg_set(x, EMUL_RDX, size, hi);
}

static void mul_flags(struct emul_exec *x, bool overflow, uint64_t lo,
		      unsigned size)
{
	emul_flags_set(x->cpu, EMUL_FL_ARITH,
		       emul_flags_szp(lo, size) |
		       (overflow ? EMUL_FL_CF | EMUL_FL_OF : 0));
}

/* Full product of the accumulator and src, split at the operand width. */
static void widen_mul(unsigned size, bool sign, uint64_t a, uint64_t b,
		      uint64_t *hi, uint64_t *lo)
{
	unsigned bits = 8 * size;
	uint64_t m = emul_size_mask(size);

	if (size == 8) {
		if (sign)
			smul128(a, b, hi, lo);
		else
			umul128(a, b, hi, lo);
		return;
	}
	{
		uint64_t p = sign ? (uint64_t)((int64_t)emul_sx(a, size) *
					       (int64_t)emul_sx(b, size)) :
				    (a & m) * (b & m);

		*lo = p & m;
		*hi = (p >> bits) & m;
	}
}

static int do_mul(struct emul_exec *x, bool sign, uint64_t src, unsigned size)
{
	uint64_t a = emul_reg_get(x, EMUL_RAX, size), hi, lo;
	bool of;

	widen_mul(size, sign, a, src, &hi, &lo);
	if (sign)
		of = hi != (emul_msb(lo, size) ? emul_size_mask(size) : 0);
	else
		of = hi != 0;
	store_pair(x, size, hi, lo);
	mul_flags(x, of, lo, size);
	return EX_OK;
}

static int do_div(struct emul_exec *x, bool sign, uint64_t d, unsigned size)
{
	unsigned bits = 8 * size;
	uint64_t m = emul_size_mask(size), hi, lo, q, r;
	bool nneg = false, dneg = false;

	if (size == 1) {
		uint64_t ax = emul_reg_get(x, EMUL_RAX, 2);

		hi = ax >> 8;
		lo = ax & 0xFF;
	} else {
		hi = emul_reg_get(x, EMUL_RDX, size);
		lo = emul_reg_get(x, EMUL_RAX, size);
	}
	d &= m;
	if (d == 0)
		return emul_raise(x, 0, false, 0);
	if (sign) {
		/* Work on magnitudes; the dividend is hi:lo, 2*bits wide. */
		nneg = emul_msb(hi, size);
		dneg = emul_msb(d, size);
		if (dneg)
			d = (0 - d) & m;
		if (nneg) {
			if (size == 8) {
				lo = 0 - lo;
				hi = ~hi + (lo == 0);
			} else {
				uint64_t n = (hi << bits) | lo;

				n = (0 - n) & ((m << bits) | m);
				hi = n >> bits;
				lo = n & m;
			}
		}
	}
	if (size == 8) {
		if (hi >= d)
			return emul_raise(x, 0, false, 0);
		udiv128(hi, lo, d, &q, &r);
	} else {
		uint64_t n = (hi << bits) | lo;

		q = n / d;
		r = n % d;
	}
	if (sign) {
		/* |quotient| must fit: 2^(bits-1) - 1, or 2^(bits-1) when
		 * negative (SDM IDIV, "#DE ... quotient too large"). */
		uint64_t lim = 1ull << (bits - 1);

		if (q > (nneg != dneg ? lim : lim - 1))
			return emul_raise(x, 0, false, 0);
		if (nneg != dneg)
			q = 0 - q;
		if (nneg)
			r = 0 - r;
	} else if (q > m) {
		return emul_raise(x, 0, false, 0);
	}
	store_pair(x, size, r & m, q & m);
	return EX_OK;
}

/* F6/F7 /4 MUL, /5 IMUL, /6 DIV, /7 IDIV. */
int emul_exec_muldiv(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned op = (in->modrm >> 3) & 7, size = in->opsize;
	struct emul_opnd src;
	uint64_t v;
	int rc;

	emul_opnd_rm(x, &src, size);
	rc = emul_opnd_read(x, &src, 0, &v);
	if (rc)
		return rc;
	rc = op < 6 ? do_mul(x, op == 5, v, size) : do_div(x, op == 7, v, size);
	if (rc)
		return rc;
	emul_retire(x);
	return EX_OK;
}

/* 0F AF Gv,Ev; 69 Gv,Ev,Iz; 6B Gv,Ev,Ib: truncated signed product. */
int emul_exec_imul(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned size = in->opsize;
	struct emul_opnd src;
	uint64_t a, b, hi, lo;
	int rc;

	emul_opnd_rm(x, &src, size);
	rc = emul_opnd_read(x, &src, 0, &a);
	if (rc)
		return rc;
	b = in->map == EMUL_MAP_0F ? emul_reg_get(x, in->reg, size) :
				     emul_imm_sx(in);
	widen_mul(size, true, a, b, &hi, &lo);
	emul_reg_set(x, in->reg, size, lo);
	mul_flags(x, hi != (emul_msb(lo, size) ? emul_size_mask(size) : 0),
		  lo, size);
	emul_retire(x);
	return EX_OK;
}
