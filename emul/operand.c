/*
 * operand.c - registers, effective addresses and generic operands for the
 * execution handlers.
 *
 * Register access follows SDM Vol. 1 3.4.1.1: byte registers 4-7 are
 * AH/CH/DH/BH unless a REX prefix is present; 32-bit writes zero-extend to
 * 64 bits; 8- and 16-bit writes keep the rest. Effective addresses are
 * computed modulo the address size (SDM 3.7.5); RIP-relative addressing
 * uses the address of the next instruction (SDM 2.2.1.6).
 */
#include "emul_private.h"

uint64_t emul_reg_get(const struct emul_exec *x, unsigned reg, unsigned size)
{
	if (size == 1 && !x->insn->rex && reg >= 4 && reg < 8)
		return (x->cpu->gpr[reg - 4] >> 8) & 0xFF;
	return x->cpu->gpr[reg] & emul_size_mask(size);
}

void emul_reg_set(struct emul_exec *x, unsigned reg, unsigned size,
		  uint64_t val)
{
	uint64_t *r;

	if (size == 1 && !x->insn->rex && reg >= 4 && reg < 8) {
		x->cpu->gpr_written |= (uint16_t)(1u << (reg - 4));
		r = &x->cpu->gpr[reg - 4];
		*r = (*r & ~0xFF00ull) | ((val & 0xFF) << 8);
		return;
	}
	x->cpu->gpr_written |= (uint16_t)(1u << reg);
	r = &x->cpu->gpr[reg];
	switch (size) {
	case 1: *r = (*r & ~0xFFull) | (val & 0xFF); break;
	case 2: *r = (*r & ~0xFFFFull) | (val & 0xFFFF); break;
	case 4: *r = val & 0xFFFFFFFFull; break;
	default: *r = val; break;
	}
}

uint64_t emul_ea(const struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	uint64_t ea = (uint64_t)in->disp;

	if (in->rip_rel)
		ea += x->next_rip;
	if (in->base >= 0)
		ea += x->cpu->gpr[in->base];
	if (in->index >= 0)
		ea += x->cpu->gpr[in->index] * in->scale;
	return ea & emul_addr_mask(in->addrsize);
}

void emul_opnd_rm(const struct emul_exec *x, struct emul_opnd *op,
		  unsigned size)
{
	op->size = (uint8_t)size;
	if (x->insn->mem) {
		op->is_mem = 1;
		op->seg = x->insn->seg;
		op->off = emul_ea(x);
	} else {
		op->is_mem = 0;
		op->reg = x->insn->rm;
	}
}

void emul_opnd_reg(struct emul_opnd *op, unsigned reg, unsigned size)
{
	op->is_mem = 0;
	op->reg = (uint8_t)reg;
	op->size = (uint8_t)size;
}

int emul_opnd_read(struct emul_exec *x, const struct emul_opnd *op,
		   unsigned acc, uint64_t *val)
{
	if (!op->is_mem) {
		*val = emul_reg_get(x, op->reg, op->size);
		return EX_OK;
	}
	return emul_read(x, op->seg, op->off, op->size, acc, val);
}

int emul_opnd_write(struct emul_exec *x, const struct emul_opnd *op,
		    uint64_t val)
{
	if (!op->is_mem) {
		emul_reg_set(x, op->reg, op->size, val);
		return EX_OK;
	}
	return emul_write(x, op->seg, op->off, op->size, val);
}

/* The first immediate, sign-extended from its encoded size. */
uint64_t emul_imm_sx(const struct emul_insn *insn)
{
	return emul_sx(insn->imm, insn->imm_len);
}

/* Stack address size: 8 in 64-bit mode, else SS.B (SDM 6.2.3). */
unsigned emul_stack_size(const struct emul_exec *x)
{
	if (x->cpu->mode == EMUL_MODE_LONG64)
		return 8;
	return emul_seg(x, EMUL_SEG_SS)->db ? 4 : 2;
}
