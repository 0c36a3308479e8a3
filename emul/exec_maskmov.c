/*
 * exec_maskmov.c - MASKMOVQ mm1, mm2 (0F F7) and MASKMOVDQU xmm1, xmm2
 * (66 0F F7) with their implicit destination in MMIO: the bytes of
 * ModRM.reg's register whose mask byte in ModRM.rm's register has its
 * most significant bit set are stored at DS:rDI (rDI by the address
 * size, a segment override applies); the others are left alone (SDM
 * Vol. 2B MASKMOVQ, MASKMOVDQU; AMD APM Vol. 4 and 5).
 *
 * The checks come first, in exec_simd.c's order: #UD for CR0.EM, for
 * MASKMOVDQU without CR4.OSFXSR, without the feature (MASKMOVQ: SSE or
 * AMD's MMX extensions; MASKMOVDQU: SSE2); the decoder's for a memory
 * form (the operands are registers only: the SDM's "mm2"/"xmm2", Table
 * A-3's N and U; A_REGONLY); #NM for CR0.TS; #MF for MASKMOVQ with an x87 exception
 * pending. Then the registers: emul_ops.simd runs a plain store of each
 * (MOVQ m64, mm; MOVDQU m128, xmm) into the operand buffer, which reads
 * it without changing it (MOVQ makes the MMX transition MASKMOVQ makes
 * too).
 *
 * With an all-zero mask the SDM lets the CPU access memory or not and
 * signal the faults or not: here nothing is accessed or checked, the
 * instruction retires. Otherwise the whole 8 or 16 bytes are checked as
 * a write first (the segment: #GP(0), #SS(0) for SS; the pages: #PF),
 * then each run of adjacent selected bytes (at most 8) is one write.
 * The MMIO request has no byte enables, so a device sees the bytes of a
 * run and never the unselected ones; a run that crosses a page is two
 * writes, as every access is. The non-temporal hint does not matter to
 * MMIO.
 */
#include "emul_private.h"

/* ModRM.reg's or ModRM.rm's register, its low 8 (MMX) or 16 bytes, read
 * by a store of it into the operand buffer. */
static int read_reg(struct emul_exec *x, bool mmx, unsigned reg, uint8_t *out)
{
	struct emul_ctx *ctx = x->ctx;
	struct emul_simd op = {
		.map = EMUL_MAP_0F, .prefix = mmx ? 0 : 0xF3, .opcode = 0x7F,
		.kind = mmx ? EMUL_SIMD_MMX : EMUL_SIMD_XMM,
		.reg = (uint8_t)(mmx ? reg & 7u : reg), .buf = ctx->x87_buf,
	};

	memset(ctx->x87_buf, 0, 16);
	if (ctx->ops->simd(ctx->opaque, &op) != EMUL_SIMD_DONE)
		return emul_unsupported(x, EMUL_R_OPCODE);
	memcpy(out, ctx->x87_buf, mmx ? 8 : 16);
	return EX_OK;
}

/* The whole destination, checked as a write before the first byte goes. */
static int check_dest(struct emul_exec *x, unsigned seg, uint64_t di,
		      unsigned size)
{
	uint64_t mask = emul_addr_mask(x->insn->addrsize);
	uint64_t la;
	int rc;

	if ((rc = emul_linear(x, seg, di, size, true, &la)))
		return rc;
	for (unsigned i = 0; i < size; i += 8)
		if ((rc = emul_probe_write(x, seg, (di + i) & mask, 8)))
			return rc;
	return EX_OK;
}

/* One write per run of selected bytes, at most 8 bytes each. */
static int write_runs(struct emul_exec *x, unsigned seg, uint64_t di,
		      const uint8_t *data, const uint8_t *sel, unsigned size)
{
	uint64_t mask = emul_addr_mask(x->insn->addrsize);
	unsigned i = 0;
	int rc;

	while (i < size) {
		unsigned n = 0;
		uint64_t v = 0;

		if (!(sel[i] & 0x80)) {
			i++;
			continue;
		}
		while (i + n < size && (sel[i + n] & 0x80) && n < 8)
			n++;
		memcpy(&v, data + i, n);
		if ((rc = emul_write(x, seg, (di + i) & mask, n, v)))
			return rc;
		i += n;
	}
	return EX_OK;
}

int emul_exec_maskmov(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	bool mmx = !(in->pfx & EMUL_PFX_OPSZ);
	const struct emul_simd_form f = {
		.size = mmx ? 8 : 16,
		.flags = mmx ? SF_MMX : SF_XMM,
		.feat = mmx ? FT_MMXEXT : FT_SSE2,
	};
	unsigned seg = (in->pfx & EMUL_PFX_SEG) ? in->seg : EMUL_SEG_DS;
	uint64_t di = x->cpu->gpr[EMUL_RDI] & emul_addr_mask(in->addrsize);
	uint8_t data[16], sel[16];
	unsigned any = 0;
	int rc;

	if (!x->ctx->ops->simd)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if ((rc = emul_simd_check_state(x, &f)) ||
	    (rc = emul_simd_check_pending(x, &f)))
		return rc;
	if ((rc = read_reg(x, mmx, in->reg, data)) ||
	    (rc = read_reg(x, mmx, in->rm, sel)))
		return rc;
	for (unsigned i = 0; i < f.size; i++)
		any |= sel[i] & 0x80;
	if (any && ((rc = check_dest(x, seg, di, f.size)) ||
		    (rc = write_runs(x, seg, di, data, sel, f.size))))
		return rc;
	emul_retire(x);
	return EX_OK;
}
