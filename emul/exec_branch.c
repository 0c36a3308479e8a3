/*
 * exec_branch.c - near control transfers: JMP, Jcc, JrCXZ, LOOP/LOOPcc,
 * CALL, RET (relative and, for JMP/CALL, indirect through a register or
 * memory).
 *
 * SDM Vol. 2 JMP/Jcc/CALL/RET/LOOP. The target is truncated to the operand
 * size and checked against the CS limit outside 64-bit mode (#GP(0)); in
 * 64-bit mode a non-canonical target is #GP(0). Far transfers are not
 * emulated. In 64-bit mode the operand size is 64 bits, or 16 bits with
 * 66h on AMD (the decoder decides, APM Vol. 3 1.2.5): the target is then
 * truncated to 16 bits and a call or return moves 2 bytes of stack.
 */
#include "emul_private.h"

int emul_branch_to(struct emul_exec *x, uint64_t target)
{
	const struct emul_cpu *c = x->cpu;

	if (c->mode == EMUL_MODE_LONG64) {
		if (x->insn->opsize == 2)
			target &= 0xFFFF;
		else if (!emul_canonical(target))
			return emul_gp0(x);
	} else {
		target &= x->insn->opsize == 2 ? 0xFFFF : 0xFFFFFFFF;
		if (target > emul_seg(x, EMUL_SEG_CS)->limit)
			return emul_gp0(x);
	}
	x->cpu->rip = target;
	return EX_OK;
}

static uint64_t rel_target(const struct emul_exec *x)
{
	return x->next_rip + emul_imm_sx(x->insn);
}

/* E9 rel16/32, EB rel8. */
int emul_exec_jmp(struct emul_exec *x)
{
	return emul_branch_to(x, rel_target(x));
}

/* 70-7F rel8, 0F 80-8F rel16/32. */
int emul_exec_jcc(struct emul_exec *x)
{
	if (!emul_cond(x->cpu, x->insn->opcode & 0xF)) {
		emul_retire(x);
		return EX_OK;
	}
	return emul_branch_to(x, rel_target(x));
}

/* E0 LOOPNE, E1 LOOPE, E2 LOOP, E3 JrCXZ: the counter is the address-size
 * part of rCX. */
int emul_exec_loop(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned asz = in->addrsize;
	uint64_t cnt = emul_reg_get(x, EMUL_RCX, asz);
	bool zf = x->cpu->rflags & EMUL_FL_ZF, take;

	if (in->opcode == 0xE3) {
		take = cnt == 0;
	} else {
		cnt = (cnt - 1) & emul_addr_mask(asz);
		emul_reg_set(x, EMUL_RCX, asz, cnt);
		take = cnt != 0 && (in->opcode == 0xE2 ||
				    (in->opcode == 0xE1 ? zf : !zf));
	}
	if (!take) {
		emul_retire(x);
		return EX_OK;
	}
	return emul_branch_to(x, rel_target(x));
}

static int call_to(struct emul_exec *x, uint64_t target)
{
	uint64_t sp;
	int rc;

	rc = emul_branch_to(x, target);
	if (rc)
		return rc;
	rc = emul_push(x, x->insn->opsize, x->next_rip, &sp);
	if (rc)
		return rc;
	emul_set_sp(x, sp);
	return EX_OK;
}

/* E8 rel16/32. */
int emul_exec_call(struct emul_exec *x)
{
	return call_to(x, rel_target(x));
}

/* C3, C2 iw: pop the return address, then release iw bytes. */
int emul_exec_ret(struct emul_exec *x)
{
	uint64_t target, sp;
	int rc;

	rc = emul_pop(x, x->insn->opsize, &target, &sp);
	if (rc)
		return rc;
	if (x->insn->opcode == 0xC2)
		sp = (sp + (x->insn->imm & 0xFFFF)) &
		     emul_addr_mask(emul_stack_size(x));
	rc = emul_branch_to(x, target);
	if (rc)
		return rc;
	emul_set_sp(x, sp);
	return EX_OK;
}

static int rm_target(struct emul_exec *x, uint64_t *target)
{
	struct emul_opnd src;

	emul_opnd_rm(x, &src, x->insn->opsize);
	return emul_opnd_read(x, &src, 0, target);
}

/* FF /4 */
int emul_exec_jmp_rm(struct emul_exec *x)
{
	uint64_t t;
	int rc = rm_target(x, &t);

	return rc ? rc : emul_branch_to(x, t);
}

/* FF /2 */
int emul_exec_call_rm(struct emul_exec *x)
{
	uint64_t t;
	int rc = rm_target(x, &t);

	return rc ? rc : call_to(x, t);
}
