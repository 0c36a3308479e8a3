/*
 * exec_fxsr.c - FXSAVE and FXRSTOR (0F AE /0, /1) whose 512-byte image is
 * MMIO. SDM Vol. 2A FXSAVE/FXRSTOR and Vol. 1 10.5.1; APM Vol. 4 and 5
 * FXSAVE/FXRSTOR.
 *
 * #UD with CR0.EM, #NM with CR0.TS, #GP(0) for an image not 16-byte
 * aligned (whatever the segment, in every mode), then the segment and
 * paging checks of the accesses. In real and virtual-8086 mode the
 * operand may not reach past the segment limit (0FFFFh): #GP before any
 * access (SDM "Real-Address Mode Exceptions"), #SS for SS as in every
 * other real-mode access the emulator checks (the SDM's FXSAVE page names
 * only #GP there; Bochs raises #SS). The bytes
 * the instruction stores or loads: in 64-bit mode 0-415 (XMM0-XMM15),
 * elsewhere 0-287 (XMM0-XMM7), in the one layout of every non-64-bit
 * mode (SDM Vol. 2A Table 3-43; real mode has no image of its own,
 * unlike FNSAVE); 416-511 are reserved or left to software and never
 * touched. FXRSTOR of an MXCSR with bits beyond MXCSR_MASK is #GP(0)
 * (the callback tells). The image is run on the vCPU's own FPU and SSE
 * state by emul_ops.x87 (as the x87 forms), REX.W choosing the 64-bit
 * layout.
 *
 * CR4.OSFXSR = 0: the SDM leaves it to the implementation whether XMM0-7
 * and MXCSR are saved and loaded; on AMD they are not (APM Vol. 4 FXSAVE,
 * FXRSTOR; for MXCSR as QEMU's TCG reads it, where Bochs and Xen keep
 * MXCSR: docs/emulator.md "Vendor"). So on AMD (the vendor the guest's
 * CPUID names) bytes 24-31 (MXCSR, MXCSR_MASK) and 160-287 are neither
 * written nor read, and no MXCSR is checked; on Intel everything is, as
 * with OSFXSR = 1.
 *
 * EFER.FFXSR (AMD's fast FXSAVE/FXRSTOR, settable only where CPUID
 * 8000_0001h EDX[25] announces it): in 64-bit mode at CPL 0 the XMM
 * registers are neither saved nor loaded, MXCSR is (APM Vol. 2 3.1.7;
 * Vol. 4 FXSAVE, FXRSTOR): bytes 0-159 only.
 */
#include "emul_private.h"

#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR4_OSFXSR (1ull << 9)
#define IMAGE_ALIGN 16u
#define PIECE 8u                /* the largest MMIO request */
#define X87_MMX_END 160u        /* FCW..FDS, MXCSR, ST0-ST7: bytes 0-159 */
#define MXCSR_OFF 24u           /* MXCSR and MXCSR_MASK: bytes 24-31 */
#define EFER_FFXSR (1ull << 14)

/* The bytes of the image the instruction touches: up to two ranges. */
struct fx_span {
	unsigned n;
	struct { uint16_t from, to; } r[2];
};

static bool x87_only(const struct emul_cpu *c)
{
	return !(c->cr4 & CR4_OSFXSR) && c->vendor == EMUL_VENDOR_AMD;
}

static bool fast_fxsr(const struct emul_cpu *c)
{
	return (c->efer & EFER_FFXSR) && c->mode == EMUL_MODE_LONG64 && c->cpl == 0;
}

static void span_of(const struct emul_cpu *c, struct fx_span *s)
{
	if (x87_only(c)) {
		*s = (struct fx_span){ 2, { { 0, MXCSR_OFF },
					    { MXCSR_OFF + 8, X87_MMX_END } } };
		return;
	}
	s->n = 1;
	s->r[0].from = 0;
	s->r[0].to = fast_fxsr(c) ? X87_MMX_END :
		     c->mode == EMUL_MODE_LONG64 ? 416 : 288;
}

static uint64_t piece_off(const struct emul_exec *x, uint64_t ea, unsigned i)
{
	return (ea + i) & emul_addr_mask(x->insn->addrsize);
}

/* FXRSTOR: the touched bytes into ctx->x87_buf at their image offsets. */
static int read_span(struct emul_exec *x, uint64_t ea, const struct fx_span *s)
{
	for (unsigned k = 0; k < s->n; k++)
		for (unsigned i = s->r[k].from; i < s->r[k].to; i += PIECE) {
			uint64_t v;
			int rc = emul_read(x, x->insn->seg, piece_off(x, ea, i),
					   PIECE, 0, &v);

			if (rc)
				return rc;
			memcpy(x->ctx->x87_buf + i, &v, PIECE);
		}
	return EX_OK;
}

/* FXSAVE: every piece is checked before the first goes out, so a fault
 * leaves guest memory as it was. */
static int write_span(struct emul_exec *x, uint64_t ea, const struct fx_span *s)
{
	for (unsigned k = 0; k < s->n; k++)
		for (unsigned i = s->r[k].from; i < s->r[k].to; i += PIECE) {
			int rc = emul_probe_write(x, x->insn->seg,
						  piece_off(x, ea, i), PIECE);

			if (rc)
				return rc;
		}
	for (unsigned k = 0; k < s->n; k++)
		for (unsigned i = s->r[k].from; i < s->r[k].to; i += PIECE) {
			uint64_t v;
			int rc;

			memcpy(&v, x->ctx->x87_buf + i, PIECE);
			rc = emul_write(x, x->insn->seg, piece_off(x, ea, i),
					PIECE, v);
			if (rc)
				return rc;
		}
	return EX_OK;
}

/* Real and virtual-8086 mode: the whole operand within the limit, one
 * check (the pieces alone would wrap at 64 KiB with a 16-bit address
 * size and pass). Elsewhere each piece is checked as it goes. */
static int legacy16_limit(struct emul_exec *x, uint64_t ea, unsigned len,
			  bool write)
{
	const struct emul_cpu *c = x->cpu;
	uint64_t la;

	if (c->mode != EMUL_MODE_REAL && c->mode != EMUL_MODE_VM86)
		return EX_OK;
	return emul_linear_seg(x, x->insn->seg, ea, len, write, &la);
}

int emul_exec_fxsr(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_ctx *ctx = x->ctx;
	const struct emul_cpu *c = x->cpu;
	bool restore = (in->reg & 7u) == 1;
	bool long64 = c->mode == EMUL_MODE_LONG64;
	struct fx_span span;
	uint64_t ea = emul_ea(x);
	int rc;

	if (!ctx->ops->x87)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (c->cr0 & CR0_EM)
		return emul_raise(x, 6, false, 0);
	if (c->cr0 & CR0_TS)
		return emul_raise(x, 7, false, 0);
	if ((emul_seg(x, in->seg)->base + ea) & (IMAGE_ALIGN - 1))
		return emul_gp0(x);
	span_of(c, &span);
	if ((rc = legacy16_limit(x, ea, span.r[span.n - 1].to, !restore)))
		return rc;
	if (restore && (rc = read_span(x, ea, &span)))
		return rc;
	if (!ctx->x87_done) {
		struct emul_x87 op = { .opcode = 0xAE, .modrm = in->modrm,
				       .buf = ctx->x87_buf,
				       .len = span.r[span.n - 1].to,
				       .wide = long64 && (in->rex & 8),
				       .x87_only = x87_only(c) };

		if ((rc = emul_grp15_run(x, &op)))
			return rc;
	}
	if (!restore && (rc = write_span(x, ea, &span)))
		return rc;
	emul_retire(x);
	return EX_OK;
}
