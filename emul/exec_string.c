/*
 * exec_string.c - MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE,
 * DF in both directions, 16/32/64-bit address sizes.
 *
 * The handler runs exactly one iteration; execute.c repeats it while
 * x->rep_more is set and everything is RAM, and returns to the caller after
 * an iteration that needed MMIO or IO. Between iterations RCX/RSI/RDI hold
 * the architectural values of an interrupted REP (SDM Vol. 2 REP: "the
 * instruction can be interrupted ... the registers are updated"), with RIP
 * still on the instruction, so the caller may resume the guest instead.
 * The source segment honours overrides; the destination is always ES
 * (SDM Vol. 1 3.7.5 and the string instruction pages).
 */
#include "emul_private.h"

static unsigned elem_size(const struct emul_insn *in)
{
	bool io = in->opcode >= 0x6C && in->opcode <= 0x6F;

	/* INS/OUTS have no 64-bit form: REX.W leaves them at 32 bits. */
	if (io && in->opsize == 8)
		return 4;
	return in->opsize;
}

static uint64_t step(uint64_t v, const struct emul_cpu *c, unsigned size)
{
	return (c->rflags & EMUL_FL_DF) ? v - size : v + size;
}

/* One element of the operation; updates *si / *di. */
static int string_op(struct emul_exec *x, unsigned size, uint64_t *si,
		     uint64_t *di)
{
	const struct emul_insn *in = x->insn;
	struct emul_cpu *c = x->cpu;
	uint16_t port = (uint16_t)c->gpr[EMUL_RDX];
	uint64_t a, b;
	uint32_t io;
	int rc;

	switch (in->opcode & ~1) {
	case 0xA4: /* MOVS */
		rc = emul_read(x, in->seg, *si, size, 0, &a);
		if (!rc)
			rc = emul_write(x, EMUL_SEG_ES, *di, size, a);
		*si = step(*si, c, size);
		*di = step(*di, c, size);
		return rc;
	case 0xA6: /* CMPS: flags of [rSI] - [rDI] */
		rc = emul_read(x, in->seg, *si, size, 0, &a);
		if (!rc)
			rc = emul_read(x, EMUL_SEG_ES, *di, size, 0, &b);
		if (!rc)
			emul_flags_set(c, EMUL_FL_ARITH,
				       emul_flags_sub(a, b, 0, size));
		*si = step(*si, c, size);
		*di = step(*di, c, size);
		return rc;
	case 0xAA: /* STOS */
		rc = emul_write(x, EMUL_SEG_ES, *di, size,
				emul_reg_get(x, EMUL_RAX, size));
		*di = step(*di, c, size);
		return rc;
	case 0xAC: /* LODS */
		rc = emul_read(x, in->seg, *si, size, 0, &a);
		if (!rc)
			emul_reg_set(x, EMUL_RAX, size, a);
		*si = step(*si, c, size);
		return rc;
	case 0xAE: /* SCAS: flags of rAX - [rDI] */
		rc = emul_read(x, EMUL_SEG_ES, *di, size, 0, &b);
		if (!rc)
			emul_flags_set(c, EMUL_FL_ARITH,
				       emul_flags_sub(emul_reg_get(x, EMUL_RAX,
								   size),
						      b, 0, size));
		*di = step(*di, c, size);
		return rc;
	case 0x6C: /* INS */
		rc = emul_io_allowed(x, port, size);
		if (!rc)
			rc = emul_probe_write(x, EMUL_SEG_ES, *di, size);
		if (!rc)
			rc = emul_io_in(x, port, size, &io);
		if (!rc)
			rc = emul_write(x, EMUL_SEG_ES, *di, size, io);
		*di = step(*di, c, size);
		return rc;
	default: /* 0x6E OUTS */
		rc = emul_io_allowed(x, port, size);
		if (!rc)
			rc = emul_read(x, in->seg, *si, size, 0, &a);
		if (!rc)
			rc = emul_io_out(x, port, size, (uint32_t)a);
		*si = step(*si, c, size);
		return rc;
	}
}

/* REPE/REPNE end early on ZF only for CMPS and SCAS. */
static bool rep_done(const struct emul_exec *x, uint64_t count)
{
	const struct emul_insn *in = x->insn;
	unsigned op = in->opcode & ~1;
	bool zf = x->cpu->rflags & EMUL_FL_ZF;

	if (count == 0)
		return true;
	if (op != 0xA6 && op != 0xAE)
		return false;
	return (in->pfx & EMUL_PFX_REP) ? !zf : zf;
}

static bool zero_count_writes(uint8_t opcode)
{
	unsigned op = opcode & ~1u;

	return op == 0xA4 || op == 0xAA || op == 0x6C;
}

int emul_exec_string(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_cpu *c = x->cpu;
	unsigned asz = in->addrsize, size = elem_size(in);
	uint64_t amask = emul_addr_mask(asz);
	bool rep = in->pfx & (EMUL_PFX_REP | EMUL_PFX_REPNE);
	uint64_t count = c->gpr[EMUL_RCX] & amask;
	uint64_t si = c->gpr[EMUL_RSI] & amask;
	uint64_t di = c->gpr[EMUL_RDI] & amask;
	int rc;

	if (!rep || count) {
		rc = string_op(x, size, &si, &di);
		if (rc)
			return rc;
	}
	/* Index registers wrap within the address size; a 16-bit update
	 * keeps the upper bits, a 32-bit one zero-extends. A zero count
	 * writes nothing on AMD. On Intel it still rewrites (zero-extends)
	 * RCX, and the index registers of the storing forms MOVS/STOS, not
	 * those of LODS, CMPS or SCAS (INS taken as a storing form): only a
	 * 32-bit address size in 64-bit mode shows the difference. */
	if (rep && count == 0 && x->cpu->vendor == EMUL_VENDOR_AMD) {
		emul_retire(x);
		return EX_OK;
	}
	if (rep && count == 0 && !zero_count_writes(in->opcode)) {
		emul_reg_set(x, EMUL_RCX, asz, 0);
		emul_retire(x);
		return EX_OK;
	}
	if ((in->opcode & ~1) != 0xAA && (in->opcode & ~1) != 0xAE &&
	    (in->opcode & ~1) != 0x6C)
		emul_reg_set(x, EMUL_RSI, asz, si);
	if ((in->opcode & ~1) != 0xAC && (in->opcode & ~1) != 0x6E)
		emul_reg_set(x, EMUL_RDI, asz, di);
	if (rep && count == 0) {
		emul_reg_set(x, EMUL_RCX, asz, 0);
		emul_retire(x);
		return EX_OK;
	}
	if (!rep) {
		emul_retire(x);
		return EX_OK;
	}
	count = (count - 1) & amask;
	emul_reg_set(x, EMUL_RCX, asz, count);
	if (rep_done(x, count))
		emul_retire(x);
	else
		x->rep_more = 1;
	return EX_OK;
}
