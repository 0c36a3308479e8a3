/*
 * exec_movcr.c - MOV to and from control registers (0F 20, 0F 22) and
 * CLTS (0F 06). They reach the emulator when a hypervisor runs the guest
 * in software: real mode and unpaged protected mode on VMX without
 * unrestricted guest, where boot code sets CR0.PE, CR3, CR4 and CR0.PG.
 *
 * Intel SDM Vol. 2 "MOV-Move to/from Control Registers", "CLTS"; AMD APM
 * Vol. 3 "MOV CRn": ModRM.mod is ignored (always a register), the operand
 * is 64 bits in 64-bit mode and 32 bits otherwise (66h ignored); CR0, CR2,
 * CR3 and CR4 exist (CR8 only in 64-bit mode, not emulated here: its TPR is
 * the hypervisor's); any other is #UD; CPL > 0 (and virtual-8086 mode) is
 * #GP(0). What a MOV to CRn may write (reserved bits, PG without PE, PAE
 * in IA-32e mode, ...) is the hypervisor's rule book, through
 * emul_ops.write_cr, which also installs the value; it answers false for
 * #GP(0).
 */
#include "emul_private.h"

#define CR0_TS 0x8ull

static bool cr_exists(unsigned cr)
{
	return cr == 0 || cr == 2 || cr == 3 || cr == 4;
}

static uint64_t cr_value(const struct emul_cpu *c, unsigned cr)
{
	switch (cr) {
	case 0: return c->cr0;
	case 2: return c->cr2;
	case 3: return c->cr3;
	default: return c->cr4;
	}
}

/* The checks both directions share; EX_OK to go on. */
static int movcr_check(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;

	if (in->pfx & EMUL_PFX_LOCK)    /* AMD's CR8 alias: not emulated */
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (in->reg == 8)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (!cr_exists(in->reg))
		return emul_raise(x, 6, false, 0);
	if (x->cpu->cpl > 0 || x->cpu->mode == EMUL_MODE_VM86)
		return emul_gp0(x);
	return EX_OK;
}

/* 0F 20: MOV r, CRn. */
int emul_exec_mov_from_cr(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned size = in->mode == EMUL_MODE_LONG64 ? 8 : 4;
	int rc = movcr_check(x);

	if (rc)
		return rc;
	emul_reg_set(x, in->rm, size, cr_value(x->cpu, in->reg));
	emul_retire(x);
	return EX_OK;
}

/* 0F 22: MOV CRn, r. */
int emul_exec_mov_to_cr(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned size = in->mode == EMUL_MODE_LONG64 ? 8 : 4;
	int rc = movcr_check(x);

	if (rc)
		return rc;
	if (!x->ctx->ops->write_cr)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (!x->ctx->ops->write_cr(x->ctx->opaque, in->reg, emul_reg_get(x, in->rm, size)))
		return emul_gp0(x);
	emul_retire(x);
	return EX_OK;
}

/* 0F 06: CLTS clears CR0.TS, at CPL 0 only. */
int emul_exec_clts(struct emul_exec *x)
{
	const struct emul_cpu *c = x->cpu;

	if (c->cpl > 0 || c->mode == EMUL_MODE_VM86)
		return emul_gp0(x);
	if (!x->ctx->ops->write_cr)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (!x->ctx->ops->write_cr(x->ctx->opaque, 0, c->cr0 & ~CR0_TS))
		return emul_gp0(x);
	emul_retire(x);
	return EX_OK;
}
