/*
 * exec_frame.c - the instructions that move a block of stack slots at once:
 * ENTER (C8), PUSHA/PUSHAD (60) and POPA/POPAD (61).
 *
 * Intel SDM Vol. 2 ENTER, PUSHA/PUSHAD, POPA/POPAD; AMD APM Vol. 3 same.
 * Offsets wrap at the stack address size (SS.B, or 64 bits), as for PUSH
 * and POP (exec_stack.c). An instruction that faults changes nothing: every
 * slot is checked (segment, then paging with a write probe) before the
 * first one is written, as a CPU retires the whole instruction or none of
 * it. Runs on the exit path like the rest of emul/.
 */
#include "emul_private.h"

#define ENTER_MAX_PUSHES 33     /* rBP, 30 frame pointers, FrameTemp */

static uint64_t stack_mask(const struct emul_exec *x)
{
	return emul_addr_mask(emul_stack_size(x));
}

/* Segment (or canonical) check of one stack slot, nothing accessed. */
static int check_slot(struct emul_exec *x, uint64_t off, unsigned size)
{
	uint64_t la;

	return emul_linear(x, EMUL_SEG_SS, off, size, true, &la);
}

/*
 * 60 PUSHA/PUSHAD: AX CX DX BX, the SP before the instruction, BP SI DI,
 * i.e. the GPRs in encoding order, slot i at SP - size * (i + 1). The SDM
 * lists for real-address mode "#GP if SP contains 7, 9, 11, 13 or 15":
 * where the 4th to 8th slot crosses the 64 KiB limit Intel CPUs raise
 * #GP, where one of the first three does, #SS (the 286's rule, kept).
 * The APM lists #SS only, which AMD CPUs raise for every slot.
 */
int emul_exec_pusha(struct emul_exec *x)
{
	unsigned size = x->insn->opsize, i;
	uint64_t mask = stack_mask(x), sp = x->cpu->gpr[EMUL_RSP] & mask;
	uint64_t vals[8];
	int rc;

	for (i = 0; i < 8; i++)
		vals[i] = x->cpu->gpr[i] & emul_size_mask(size);
	for (i = 0; i < 8; i++) {
		rc = check_slot(x, (sp - size * (i + 1)) & mask, size);
		if (rc && i >= 3 && x->cpu->mode == EMUL_MODE_REAL &&
		    x->cpu->vendor != EMUL_VENDOR_AMD)
			return emul_gp0(x);
		if (rc)
			return rc;
	}
	for (i = 0; i < 8; i++) {
		rc = emul_probe_write(x, EMUL_SEG_SS,
				      (sp - size * (i + 1)) & mask, size);
		if (rc)
			return rc;
	}
	for (i = 0; i < 8; i++) {
		rc = emul_write(x, EMUL_SEG_SS, (sp - size * (i + 1)) & mask,
				size, vals[i]);
		if (rc)
			return rc;
	}
	emul_set_sp(x, sp - 8 * size);
	emul_retire(x);
	return EX_OK;
}

/*
 * 61 POPA/POPAD: DI SI BP, a skipped slot (SP is not loaded, nor read),
 * BX DX CX AX; slot i at SP + size * i. The whole block must lie in the
 * stack segment ("#SS(0) if the starting or ending stack address is not
 * within the stack segment"), so the segment checks of all eight slots
 * come before the first read.
 */
int emul_exec_popa(struct emul_exec *x)
{
	unsigned size = x->insn->opsize, i;
	uint64_t mask = stack_mask(x), sp = x->cpu->gpr[EMUL_RSP] & mask;
	uint64_t vals[8] = { 0 };
	int rc;

	for (i = 0; i < 8; i++) {
		rc = check_slot(x, (sp + size * i) & mask, size);
		if (rc)
			return rc;
	}
	for (i = 0; i < 8; i++) {
		if (i == 3)
			continue;
		rc = emul_read(x, EMUL_SEG_SS, (sp + size * i) & mask, size, 0,
			       &vals[i]);
		if (rc)
			return rc;
	}
	for (i = 0; i < 8; i++)
		if (i != 3)
			emul_reg_set(x, 7 - i, size, vals[i]);
	emul_set_sp(x, sp + 8 * size);
	emul_retire(x);
	return EX_OK;
}

/* ENTER's pushes so far, to answer a frame-pointer read that overlaps a
 * slot this instruction has already pushed: the CPU reads after writing,
 * we read before (all checks precede all writes), so the pushed bytes are
 * taken from here. */
struct enter_state {
	uint64_t mask;
	uint64_t sp;            /* offset of the stack top before ENTER */
	unsigned size;          /* operand size */
	unsigned npush;
	uint64_t vals[ENTER_MAX_PUSHES];
};

static uint64_t push_off(const struct enter_state *e, unsigned n)
{
	return (e->sp - (uint64_t)e->size * (n + 1)) & e->mask;
}

/* Byte k below the stack top, as pushed so far; false if not pushed. */
static bool pushed_byte(const struct enter_state *e, uint64_t below,
			uint8_t *b)
{
	unsigned slot, shift;

	if (below == 0 || below > (uint64_t)e->size * e->npush)
		return false;
	slot = (unsigned)((below - 1) / e->size);
	/* slot n holds the bytes size*n+1 .. size*(n+1) below the top, its
	 * lowest-addressed (least significant) byte the farthest */
	shift = 8 * (e->size - 1 - (unsigned)((below - 1) % e->size));
	*b = (uint8_t)(e->vals[slot] >> shift);
	return true;
}

static uint64_t forward(const struct enter_state *e, uint64_t off, uint64_t v)
{
	unsigned k;
	uint8_t b;

	for (k = 0; k < e->size; k++) {
		uint64_t below = (e->sp - ((off + k) & e->mask)) & e->mask;

		if (pushed_byte(e, below, &b))
			v = (v & ~(0xFFull << (8 * k))) | ((uint64_t)b << (8 * k));
	}
	return v;
}

/* Check the next push's slot (segment, then paging) and record it. */
static int enter_push(struct emul_exec *x, struct enter_state *e, uint64_t v)
{
	int rc;

	rc = emul_probe_write(x, EMUL_SEG_SS, push_off(e, e->npush), e->size);
	if (rc)
		return rc;
	e->vals[e->npush++] = v & emul_size_mask(e->size);
	return EX_OK;
}

/*
 * C8 iw ib ENTER AllocSize, NestingLevel (level mod 32). In program order:
 * push rBP; FrameTemp = rSP; then for levels > 1 push level - 1 frame
 * pointers read from SS:[rBP - size * i] (rBP decremented at the stack
 * address size, in a temporary); for levels > 0 push FrameTemp; finally
 * rBP = FrameTemp (operand size) and rSP -= AllocSize. The SDM also lists
 * #SS/#PF "if a write using the final value of the stack pointer would
 * cause a page fault": that slot is probed last.
 */
int emul_exec_enter(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_cpu *c = x->cpu;
	unsigned level = (unsigned)(in->imm2 & 31), i;
	struct enter_state e = { .mask = stack_mask(x), .size = in->opsize };
	uint64_t frame_temp, bp, v, final_sp;
	int rc;

	e.sp = c->gpr[EMUL_RSP] & e.mask;
	bp = c->gpr[EMUL_RBP];
	rc = enter_push(x, &e, bp);
	if (rc)
		return rc;
	frame_temp = (c->gpr[EMUL_RSP] & ~e.mask) | push_off(&e, 0);
	for (i = 1; level > 1 && i < level; i++) {
		uint64_t off = (bp - (uint64_t)e.size * i) & e.mask;

		rc = emul_read(x, EMUL_SEG_SS, off, e.size, 0, &v);
		if (rc)
			return rc;
		rc = enter_push(x, &e, forward(&e, off, v));
		if (rc)
			return rc;
	}
	if (level > 0) {
		rc = enter_push(x, &e, frame_temp);
		if (rc)
			return rc;
	}
	final_sp = (e.sp - (uint64_t)e.size * e.npush - (in->imm & 0xFFFF)) &
		   e.mask;
	rc = emul_probe_write(x, EMUL_SEG_SS, final_sp, e.size);
	if (rc)
		return rc;
	for (i = 0; i < e.npush; i++) {
		rc = emul_write(x, EMUL_SEG_SS, push_off(&e, i), e.size,
				e.vals[i]);
		if (rc)
			return rc;
	}
	emul_reg_set(x, EMUL_RBP, e.size, frame_temp);
	emul_set_sp(x, final_sp);
	emul_retire(x);
	return EX_OK;
}
