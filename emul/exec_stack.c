/*
 * exec_stack.c - PUSH and POP (register, immediate, memory, segment
 * register forms), PUSHF and LEAVE, and the push/pop primitives that CALL
 * and RET share.
 *
 * The stack pointer width is the stack address size (SS.B, or 64 bits in
 * 64-bit mode; SDM Vol. 1 6.2.3), independent of the operand size. Stack
 * references that fail segment checks or are non-canonical are #SS(0).
 */
#include "emul_private.h"

void emul_set_sp(struct emul_exec *x, uint64_t sp)
{
	emul_reg_set(x, EMUL_RSP, emul_stack_size(x), sp);
}

int emul_push(struct emul_exec *x, unsigned size, uint64_t val,
	      uint64_t *new_sp)
{
	uint64_t mask = emul_addr_mask(emul_stack_size(x));
	uint64_t sp = (x->cpu->gpr[EMUL_RSP] - size) & mask;

	*new_sp = sp;
	return emul_write(x, EMUL_SEG_SS, sp, size, val);
}

int emul_pop(struct emul_exec *x, unsigned size, uint64_t *val,
	     uint64_t *new_sp)
{
	uint64_t mask = emul_addr_mask(emul_stack_size(x));
	uint64_t sp = x->cpu->gpr[EMUL_RSP] & mask;

	*new_sp = (sp + size) & mask;
	return emul_read(x, EMUL_SEG_SS, sp, size, 0, val);
}

static int push_value(struct emul_exec *x, uint64_t v)
{
	uint64_t sp;
	int rc;

	rc = emul_push(x, x->insn->opsize, v, &sp);
	if (rc)
		return rc;
	emul_set_sp(x, sp);
	emul_retire(x);
	return EX_OK;
}

/* 50-57 (+REX.B): PUSH r; PUSH rSP stores the value before the push. */
int emul_exec_push_reg(struct emul_exec *x)
{
	unsigned reg = (x->insn->opcode & 7) | ((x->insn->rex & 1) << 3);

	return push_value(x, emul_reg_get(x, reg, x->insn->opsize));
}

/* 58-5F: POP r; POP rSP loads the popped value into rSP. */
int emul_exec_pop_reg(struct emul_exec *x)
{
	unsigned reg = (x->insn->opcode & 7) | ((x->insn->rex & 1) << 3);
	uint64_t v, sp;
	int rc;

	rc = emul_pop(x, x->insn->opsize, &v, &sp);
	if (rc)
		return rc;
	emul_set_sp(x, sp);
	emul_reg_set(x, reg, x->insn->opsize, v);
	emul_retire(x);
	return EX_OK;
}

/* 68 PUSH Iz, 6A PUSH Ib: sign-extended to the operand size. */
int emul_exec_push_imm(struct emul_exec *x)
{
	return push_value(x, emul_imm_sx(x->insn) &
			     emul_size_mask(x->insn->opsize));
}

/* FF /6: the source address uses rSP before the push. */
int emul_exec_push_rm(struct emul_exec *x)
{
	struct emul_opnd src;
	uint64_t v;
	int rc;

	emul_opnd_rm(x, &src, x->insn->opsize);
	rc = emul_opnd_read(x, &src, 0, &v);
	if (rc)
		return rc;
	return push_value(x, v);
}

/* 8F /0: "If the ESP register is used as a base register for addressing a
 * destination operand in memory, the POP instruction computes the
 * effective address of the operand after it increments the ESP register"
 * (SDM Vol. 2 POP). */
int emul_exec_pop_rm(struct emul_exec *x)
{
	struct emul_opnd dst;
	uint64_t v, sp;
	int rc;

	rc = emul_pop(x, x->insn->opsize, &v, &sp);
	if (rc)
		return rc;
	emul_set_sp(x, sp);
	emul_opnd_rm(x, &dst, x->insn->opsize);
	rc = emul_opnd_write(x, &dst, v);
	if (rc)
		return rc;
	emul_retire(x);
	return EX_OK;
}

/* 06/0E/16/1E, 0F A0/A8: PUSH Sreg. rSP moves by the operand size. With
 * a 32-bit operand size Intel processors write only the 16-bit selector
 * and leave the rest of the slot alone (SDM Vol. 2 PUSH: "recent
 * processors"); AMD's write the selector zero-extended to 32 bits. A 64-bit
 * push stores the zero-extended selector on both, a 16-bit one the
 * selector. */
int emul_exec_push_sreg(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned sreg = in->map == EMUL_MAP_0F ? (in->opcode == 0xA0 ?
		EMUL_SEG_FS : EMUL_SEG_GS) : (in->opcode >> 3) & 3;
	uint64_t mask = emul_addr_mask(emul_stack_size(x));
	uint64_t sp = (x->cpu->gpr[EMUL_RSP] - in->opsize) & mask;
	unsigned wsize = in->opsize == 4 && x->cpu->vendor != EMUL_VENDOR_AMD
			 ? 2 : in->opsize;
	int rc;

	rc = emul_write(x, EMUL_SEG_SS, sp, wsize, emul_seg(x, sreg)->sel);
	if (rc)
		return rc;
	emul_set_sp(x, sp);
	emul_retire(x);
	return EX_OK;
}

/* 9C: RF and VM are cleared in the stored image (SDM Vol. 2 PUSHF). */
int emul_exec_pushf(struct emul_exec *x)
{
	return push_value(x, x->cpu->rflags &
			     ~(uint64_t)(EMUL_FL_RF | EMUL_FL_VM) &
			     emul_size_mask(x->insn->opsize));
}

/* C9: rSP = rBP (stack-address size), then POP rBP (operand size). */
int emul_exec_leave(struct emul_exec *x)
{
	uint64_t v, sp;
	int rc;

	emul_set_sp(x, x->cpu->gpr[EMUL_RBP]);
	rc = emul_pop(x, x->insn->opsize, &v, &sp);
	if (rc)
		return rc;
	emul_set_sp(x, sp);
	emul_reg_set(x, EMUL_RBP, x->insn->opsize, v);
	emul_retire(x);
	return EX_OK;
}
