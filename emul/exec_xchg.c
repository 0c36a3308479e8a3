/*
 * exec_xchg.c - exchanges and compare-exchanges: XCHG, CMPXCHG,
 * CMPXCHG8B, XADD.
 *
 * All are read-modify-write on their memory operand: one read (checked as
 * a write), then one write. CMPXCHG/CMPXCHG8B always write the destination
 * back, the old value when the comparison fails (SDM Vol. 2 CMPXCHG: "the
 * destination operand receives a write cycle without regard to the result
 * of the comparison"), so an MMIO device sees the same bus cycles.
 */
#include "emul_private.h"

/* 86 Eb,Gb  87 Ev,Gv (implicitly locked with memory). */
int emul_exec_xchg(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_opnd rm;
	uint64_t a, b = emul_reg_get(x, in->reg, in->opsize);
	int rc;

	emul_opnd_rm(x, &rm, in->opsize);
	rc = emul_opnd_read(x, &rm, EMUL_ACC_RMW, &a);
	if (rc)
		return rc;
	rc = emul_opnd_write(x, &rm, b);
	if (rc)
		return rc;
	emul_reg_set(x, in->reg, in->opsize, a);
	emul_retire(x);
	return EX_OK;
}

/* 90-97: XCHG rAX, r. 90 without REX.B is NOP (no zero-extension of EAX
 * in 64-bit mode, SDM NOP/XCHG); F3 90 is PAUSE. */
int emul_exec_xchg_ax(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned reg = (in->opcode & 7) | ((in->rex & 1) << 3);
	uint64_t a, b;

	if (reg != EMUL_RAX) {
		a = emul_reg_get(x, EMUL_RAX, in->opsize);
		b = emul_reg_get(x, reg, in->opsize);
		emul_reg_set(x, EMUL_RAX, in->opsize, b);
		emul_reg_set(x, reg, in->opsize, a);
	}
	emul_retire(x);
	return EX_OK;
}

/* 0F B0 Eb,Gb  0F B1 Ev,Gv: compare rAX with the destination. */
int emul_exec_cmpxchg(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned size = in->opsize;
	struct emul_opnd rm;
	uint64_t d, acc = emul_reg_get(x, EMUL_RAX, size);
	int rc;

	emul_opnd_rm(x, &rm, size);
	rc = emul_opnd_read(x, &rm, EMUL_ACC_RMW, &d);
	if (rc)
		return rc;
	emul_flags_set(x->cpu, EMUL_FL_ARITH, emul_flags_sub(acc, d, 0, size));
	if (acc == d) {
		rc = emul_opnd_write(x, &rm, emul_reg_get(x, in->reg, size));
		if (rc)
			return rc;
	} else {
		/* A register destination is left alone on failure; memory
		 * gets its old value back. */
		if (rm.is_mem) {
			rc = emul_opnd_write(x, &rm, d);
			if (rc)
				return rc;
		}
		emul_reg_set(x, EMUL_RAX, size, d);
	}
	emul_retire(x);
	return EX_OK;
}

/* 0F C7 /1 with REX.W: CMPXCHG16B m128 (SDM Vol. 2 CMPXCHG8B/CMPXCHG16B):
 * #UD without CPUID.CX16, #GP(0) unless the linear address is 16-byte
 * aligned; compares RDX:RAX, stores RCX:RBX or loads RDX:RAX, and writes
 * the destination back either way. */
static int cmpxchg16b(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_cpu *c = x->cpu;
	uint64_t off = emul_ea(x), off_hi, la, lo, hi;
	bool equal;
	int rc;

	if (!(c->features & EMUL_FEAT_CX16))
		return emul_raise(x, 6, false, 0);
	rc = emul_linear(x, in->seg, off, 16, true, &la);
	if (rc)
		return rc;
	if (la & 15)
		return emul_gp0(x);
	off_hi = off + 8;       /* aligned: cannot wrap the address size */
	rc = emul_read(x, in->seg, off, 8, EMUL_ACC_RMW, &lo);
	if (!rc)
		rc = emul_read(x, in->seg, off_hi, 8, EMUL_ACC_RMW, &hi);
	if (rc)
		return rc;
	equal = lo == c->gpr[EMUL_RAX] && hi == c->gpr[EMUL_RDX];
	if (equal) {
		lo = c->gpr[EMUL_RBX];
		hi = c->gpr[EMUL_RCX];
	}
	rc = emul_write(x, in->seg, off, 8, lo);
	if (!rc)
		rc = emul_write(x, in->seg, off_hi, 8, hi);
	if (rc)
		return rc;
	if (equal) {
		c->rflags |= EMUL_FL_ZF;
	} else {
		emul_reg_set(x, EMUL_RAX, 8, lo);
		emul_reg_set(x, EMUL_RDX, 8, hi);
		c->rflags &= ~(uint64_t)EMUL_FL_ZF;
	}
	emul_retire(x);
	return EX_OK;
}

/* 0F C7 /1: CMPXCHG8B m64; with REX.W CMPXCHG16B m128. */
int emul_exec_cmpxchg8b(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_cpu *c = x->cpu;
	uint64_t m, cmp, off;
	int rc;

	if (in->rex & 8)
		return cmpxchg16b(x);
	off = emul_ea(x);
	rc = emul_read(x, in->seg, off, 8, EMUL_ACC_RMW, &m);
	if (rc)
		return rc;
	cmp = (c->gpr[EMUL_RAX] & 0xFFFFFFFFull) |
	      (c->gpr[EMUL_RDX] << 32);
	if (m == cmp) {
		rc = emul_write(x, in->seg, off, 8,
				(c->gpr[EMUL_RBX] & 0xFFFFFFFFull) |
				(c->gpr[EMUL_RCX] << 32));
		if (rc)
			return rc;
		c->rflags |= EMUL_FL_ZF;
	} else {
		rc = emul_write(x, in->seg, off, 8, m);
		if (rc)
			return rc;
		emul_reg_set(x, EMUL_RAX, 4, m & 0xFFFFFFFFull);
		emul_reg_set(x, EMUL_RDX, 4, m >> 32);
		c->rflags &= ~(uint64_t)EMUL_FL_ZF;
	}
	emul_retire(x);
	return EX_OK;
}

/* 0F C0 Eb,Gb  0F C1 Ev,Gv: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP. */
int emul_exec_xadd(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned size = in->opsize;
	struct emul_opnd rm;
	uint64_t d, s = emul_reg_get(x, in->reg, size);
	int rc;

	emul_opnd_rm(x, &rm, size);
	rc = emul_opnd_read(x, &rm, EMUL_ACC_RMW, &d);
	if (rc)
		return rc;
	emul_flags_set(x->cpu, EMUL_FL_ARITH, emul_flags_add(d, s, 0, size));
	emul_reg_set(x, in->reg, size, d);
	rc = emul_opnd_write(x, &rm, (d + s) & emul_size_mask(size));
	if (rc)
		return rc;
	emul_retire(x);
	return EX_OK;
}
