/*
 * exec_alu.c - the two-operand ALU family (ADD OR ADC SBB AND SUB XOR CMP),
 * TEST, INC/DEC, NOT and NEG, in all their register/memory/immediate forms.
 *
 * SDM Vol. 2 for each instruction; flags per SDM Vol. 1 Appendix A. A
 * memory destination is read with EMUL_ACC_RMW (checked as a write, SDM
 * Vol. 3A 4.7) and written after the result is known. LOCK is accepted
 * where the decoder allows it; the access is read-then-write through the
 * callbacks (see docs/emulator.md on atomicity).
 */
#include "emul_private.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

uint64_t emul_alu_compute(struct emul_cpu *c, unsigned op, unsigned size,
			  uint64_t a, uint64_t b)
{
	uint64_t m = emul_size_mask(size);
	uint64_t cf = (c->rflags & EMUL_FL_CF) ? 1 : 0;
	uint64_t r;
	uint32_t f;

	a &= m;
	b &= m;
	switch (op) {
	case ALU_ADD: r = a + b; f = emul_flags_add(a, b, 0, size); break;
	case ALU_OR:  r = a | b; f = emul_flags_logic(r, size); break;
	case ALU_ADC: r = a + b + cf; f = emul_flags_add(a, b, cf, size); break;
	case ALU_SBB: r = a - b - cf; f = emul_flags_sub(a, b, cf, size); break;
	case ALU_AND: r = a & b; f = emul_flags_logic(r, size); break;
	case ALU_XOR: r = a ^ b; f = emul_flags_logic(r, size); break;
	default:      r = a - b; f = emul_flags_sub(a, b, 0, size); break;
	}
	emul_flags_set(c, EMUL_FL_ARITH, f);
	return r & m;
}

/* dst = dst op src; CMP only sets flags. */
static int alu_run(struct emul_exec *x, unsigned op,
		   const struct emul_opnd *dst, uint64_t src)
{
	uint64_t a, r;
	int rc;

	rc = emul_opnd_read(x, dst, op == ALU_CMP ? 0 : EMUL_ACC_RMW, &a);
	if (rc)
		return rc;
	r = emul_alu_compute(x->cpu, op, dst->size, a, src);
	if (op != ALU_CMP) {
		rc = emul_opnd_write(x, dst, r);
		if (rc)
			return rc;
	}
	emul_retire(x);
	return EX_OK;
}

/* 00-3D: the form is in the low three opcode bits (SDM Table A-2). */
int emul_exec_alu(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned op = in->opcode >> 3, size = in->opsize;
	struct emul_opnd dst, src;
	uint64_t v;
	int rc;

	switch (in->opcode & 7) {
	case 0: case 1: /* Eb,Gb / Ev,Gv */
		emul_opnd_rm(x, &dst, size);
		return alu_run(x, op, &dst, emul_reg_get(x, in->reg, size));
	case 2: case 3: /* Gb,Eb / Gv,Ev */
		emul_opnd_rm(x, &src, size);
		rc = emul_opnd_read(x, &src, 0, &v);
		if (rc)
			return rc;
		emul_opnd_reg(&dst, in->reg, size);
		return alu_run(x, op, &dst, v);
	default: /* AL,Ib / rAX,Iz */
		emul_opnd_reg(&dst, EMUL_RAX, size);
		return alu_run(x, op, &dst, emul_imm_sx(in));
	}
}

/* 80-83 /op: Eb,Ib Ev,Iz Eb,Ib Ev,Ib (sign-extended). */
int emul_exec_alu_grp1(struct emul_exec *x)
{
	struct emul_opnd dst;

	emul_opnd_rm(x, &dst, x->insn->opsize);
	return alu_run(x, (x->insn->modrm >> 3) & 7, &dst,
		       emul_imm_sx(x->insn));
}

/* 84/85 Eb,Gb Ev,Gv; A8/A9 AL,Ib rAX,Iz; F6/F7 /0 /1 Eb,Ib Ev,Iz. */
int emul_exec_test(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned size = in->opsize;
	struct emul_opnd a;
	uint64_t va, vb;
	int rc;

	if (in->opcode == 0xA8 || in->opcode == 0xA9) {
		emul_opnd_reg(&a, EMUL_RAX, size);
		vb = emul_imm_sx(in);
	} else {
		emul_opnd_rm(x, &a, size);
		vb = (in->opcode == 0x84 || in->opcode == 0x85) ?
		     emul_reg_get(x, in->reg, size) : emul_imm_sx(in);
	}
	rc = emul_opnd_read(x, &a, 0, &va);
	if (rc)
		return rc;
	emul_flags_set(x->cpu, EMUL_FL_ARITH,
		       emul_flags_logic(va & vb & emul_size_mask(size), size));
	emul_retire(x);
	return EX_OK;
}

/* INC/DEC leave CF alone (SDM Vol. 2 INC, DEC). */
static int incdec(struct emul_exec *x, const struct emul_opnd *op, bool dec)
{
	unsigned size = op->size;
	uint64_t a, r;
	uint32_t f;
	int rc;

	rc = emul_opnd_read(x, op, EMUL_ACC_RMW, &a);
	if (rc)
		return rc;
	if (dec) {
		r = a - 1;
		f = emul_flags_sub(a, 1, 0, size);
	} else {
		r = a + 1;
		f = emul_flags_add(a, 1, 0, size);
	}
	rc = emul_opnd_write(x, op, r & emul_size_mask(size));
	if (rc)
		return rc;
	emul_flags_set(x->cpu, EMUL_FL_ARITH & ~EMUL_FL_CF, f);
	emul_retire(x);
	return EX_OK;
}

/* FE/FF /0 /1 */
int emul_exec_incdec(struct emul_exec *x)
{
	struct emul_opnd op;

	emul_opnd_rm(x, &op, x->insn->opsize);
	return incdec(x, &op, (x->insn->modrm >> 3) & 1);
}

/* 40-4F outside 64-bit mode. */
int emul_exec_incdec_reg(struct emul_exec *x)
{
	struct emul_opnd op;

	emul_opnd_reg(&op, x->insn->opcode & 7, x->insn->opsize);
	return incdec(x, &op, x->insn->opcode & 8);
}

/* F6/F7 /2: no flags. */
int emul_exec_not(struct emul_exec *x)
{
	struct emul_opnd op;
	uint64_t a;
	int rc;

	emul_opnd_rm(x, &op, x->insn->opsize);
	rc = emul_opnd_read(x, &op, EMUL_ACC_RMW, &a);
	if (rc)
		return rc;
	rc = emul_opnd_write(x, &op, ~a & emul_size_mask(op.size));
	if (rc)
		return rc;
	emul_retire(x);
	return EX_OK;
}

/* F6/F7 /3: 0 - x; CF = (x != 0). */
int emul_exec_neg(struct emul_exec *x)
{
	struct emul_opnd op;
	uint64_t a;
	int rc;

	emul_opnd_rm(x, &op, x->insn->opsize);
	rc = emul_opnd_read(x, &op, EMUL_ACC_RMW, &a);
	if (rc)
		return rc;
	rc = emul_opnd_write(x, &op, (0 - a) & emul_size_mask(op.size));
	if (rc)
		return rc;
	emul_flags_set(x->cpu, EMUL_FL_ARITH, emul_flags_sub(0, a, 0, op.size));
	emul_retire(x);
	return EX_OK;
}
