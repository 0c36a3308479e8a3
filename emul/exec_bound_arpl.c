/*
 * exec_bound_arpl.c - the two legacy checking instructions of the one-byte
 * map that 64-bit mode reassigned: BOUND (62, EVEX there) and ARPL (63,
 * MOVSXD there).
 *
 * Intel SDM Vol. 2 BOUND, ARPL; AMD APM Vol. 3 same. The decoder makes
 * BOUND with a register operand and ARPL in real mode #UD.
 */
#include "emul_private.h"

#define VEC_BR 5        /* #BR, BOUND range exceeded: a fault, no code */

/* 62 /r BOUND r16/r32, m16&16/m32&32: the signed index must lie within
 * the lower bound at [m] and the upper bound at [m + size], else #BR
 * (the instruction does not complete: RIP stays on it). */
int emul_exec_bound(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned size = in->opsize;
	uint64_t off = emul_ea(x), lo, hi;
	int64_t idx, lower, upper;
	int rc;

	rc = emul_read(x, in->seg, off, size, 0, &lo);
	if (rc)
		return rc;
	rc = emul_read(x, in->seg, (off + size) & emul_addr_mask(in->addrsize),
		       size, 0, &hi);
	if (rc)
		return rc;
	idx = (int64_t)emul_sx(emul_reg_get(x, in->reg, size), size);
	lower = (int64_t)emul_sx(lo, size);
	upper = (int64_t)emul_sx(hi, size);
	if (idx < lower || idx > upper)
		return emul_raise(x, VEC_BR, false, 0);
	emul_retire(x);
	return EX_OK;
}

/* 63 /r ARPL r/m16, r16 (protected mode): if the destination selector's
 * RPL is below the source's, raise it to the source's and set ZF, else
 * clear ZF. Always 16-bit, whatever the operand size. A memory
 * destination's segment must be writable ("#GP(0) if the destination is
 * located in a non-writable segment", SDM and APM), checked first; the
 * page is then read as for a read (an AMD EPYC reports a not-present
 * page without W: the differential tests) and written only when the RPL
 * changes. */
int emul_exec_arpl(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_opnd dst;
	uint64_t d, la, s = emul_reg_get(x, in->reg, 2);
	int rc;

	emul_opnd_rm(x, &dst, 2);
	if (dst.is_mem) {
		rc = emul_linear(x, dst.seg, dst.off, 2, true, &la);
		if (rc)
			return rc;
	}
	rc = emul_opnd_read(x, &dst, 0, &d);
	if (rc)
		return rc;
	if ((d & 3) < (s & 3)) {
		rc = emul_opnd_write(x, &dst, (d & ~3ull) | (s & 3));
		if (rc)
			return rc;
		x->cpu->rflags |= EMUL_FL_ZF;
	} else {
		x->cpu->rflags &= ~(uint64_t)EMUL_FL_ZF;
	}
	emul_retire(x);
	return EX_OK;
}
