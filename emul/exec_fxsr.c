/*
 * exec_fxsr.c - FXSAVE and FXRSTOR (0F AE /0, /1) whose 512-byte image is
 * MMIO. SDM Vol. 2 FXSAVE/FXRSTOR and Vol. 1 10.5.1; APM Vol. 4.
 *
 * #UD with CR0.EM, #NM with CR0.TS, #GP(0) for an image not 16-byte
 * aligned (whatever the segment), then the segment and paging checks of
 * the accesses. The bytes the instruction stores or loads: in 64-bit mode
 * 0-415 (XMM0-XMM15), elsewhere 0-287 (XMM0-XMM7); 416-511 are reserved
 * or left to software and never touched. FXRSTOR of an MXCSR with bits
 * beyond MXCSR_MASK is #GP(0) (the callback tells). The image is run on
 * the vCPU's own FPU and SSE state by emul_ops.x87 (as the x87 forms),
 * REX.W choosing the 64-bit layout.
 *
 * Refused: real and virtual-8086 mode (where the images hold linear or
 * selector:offset pointers by vendor, not modelled for FXSAVE), and
 * CR4.OSFXSR = 0 (whether the XMM registers and MXCSR are saved is then
 * implementation dependent, SDM Vol. 2 FXSAVE).
 */
#include "emul_private.h"

#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR4_OSFXSR (1ull << 9)
#define IMAGE_ALIGN 16u

static bool legacy16(const struct emul_cpu *c)
{
	return c->mode == EMUL_MODE_REAL || c->mode == EMUL_MODE_VM86;
}

int emul_exec_fxsr(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_ctx *ctx = x->ctx;
	const struct emul_cpu *c = x->cpu;
	bool restore = (in->reg & 7u) == 1;
	bool long64 = c->mode == EMUL_MODE_LONG64;
	unsigned len = long64 ? 416 : 288;
	uint64_t ea = emul_ea(x);
	int rc;

	if (!ctx->ops->x87 || legacy16(c) || !(c->cr4 & CR4_OSFXSR))
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (c->cr0 & CR0_EM)
		return emul_raise(x, 6, false, 0);
	if (c->cr0 & CR0_TS)
		return emul_raise(x, 7, false, 0);
	if ((emul_seg(x, in->seg)->base + ea) & (IMAGE_ALIGN - 1))
		return emul_gp0(x);
	if (restore && (rc = emul_x87_read_buf(x, in->seg, ea, len)))
		return rc;
	if (!ctx->x87_done) {
		struct emul_x87 op = { .opcode = 0xAE, .modrm = in->modrm,
				       .buf = ctx->x87_buf, .len = (uint16_t)len,
				       .wide = long64 && (in->rex & 8) };

		switch (ctx->ops->x87(ctx->opaque, &op)) {
		case EMUL_X87_DONE:
			break;
		case EMUL_X87_GP:
			return emul_gp0(x);
		default:
			return emul_unsupported(x, EMUL_R_OPCODE);
		}
		ctx->x87_done = 1;
	}
	if (!restore && (rc = emul_x87_write_buf(x, in->seg, ea, len)))
		return rc;
	emul_retire(x);
	return EX_OK;
}
