/*
 * exec_sse4a.c - AMD's SSE4a EXTRQ and INSERTQ (AMD APM Vol. 4, each
 * instruction): bit fields in the low quadword of an XMM register.
 *
 *   66 0F 78 /0 ib ib   EXTRQ xmm1, imm8 (length), imm8 (index)
 *   66 0F 79 /r         EXTRQ xmm1, xmm2: length xmm2[5:0], index xmm2[13:8]
 *   F2 0F 78 /r ib ib   INSERTQ xmm1, xmm2, imm8 (length), imm8 (index)
 *   F2 0F 79 /r         INSERTQ xmm1, xmm2: length xmm2[69:64], index
 *                       xmm2[77:72]
 *
 * EXTRQ puts bits [index, index + length) of xmm1's low quadword at its
 * bit 0, the rest of it 0; INSERTQ puts the low length bits of xmm2 there
 * in xmm1, the rest of xmm1's low quadword unchanged. Length and index
 * count modulo 64 (6-bit fields), a length of 0 means 64; index + length
 * beyond 64 is undefined, and so is the destination's upper quadword.
 * Both are register only (xmm1 and xmm2 name registers; the decoder
 * makes a memory ModRM #UD, and EXTRQ's imm form with ModRM.reg other
 * than 0), so they reach the emulator only from code in MMIO.
 *
 * They are computed here in C, not run on the host: the host may be an
 * Intel CPU without SSE4a while the guest's CPUID shows it (a VMM's own
 * CPUID), and the answer must not depend on the host. Where the APM
 * leaves the result undefined, this does what the AMD CPUs measured do
 * (an EPYC): the field as shifted and masked in 64 bits (bits beyond 63
 * lost), the upper quadword cleared. (Bochs and QEMU keep the upper
 * quadword.)
 *
 * The checks before: #UD without SSE4a in the guest's CPUID (8000_0001h
 * ECX[6]), for CR0.EM or without CR4.OSFXSR, #NM for CR0.TS (exec_simd.c's
 * emul_simd_check_state()). The registers move through emul_ops.simd as
 * plain MOVDQU stores and loads into the operand buffer (as in
 * exec_maskmov.c), which change nothing else (no MXCSR flags, no
 * exceptions: integer moves).
 */
#include "emul_private.h"

static const struct emul_simd_form sse4a_form = { 16, SF_XMM, FT_SSE4A };

bool emul_sse4a_form(const struct emul_insn *insn)
{
	unsigned p = emul_simd_prefix(insn);

	return insn->map == EMUL_MAP_0F && insn->vex == EMUL_VEX_NONE &&
	       (insn->opcode == 0x78 || insn->opcode == 0x79) &&
	       (p == SIMD_66 || p == SIMD_F2);
}

/* A length of 0 is 64. */
static uint64_t field_mask(unsigned len)
{
	len &= 63;
	return len ? (1ull << len) - 1 : ~0ull;
}

uint64_t emul_extrq(uint64_t v, unsigned len, unsigned index)
{
	return (v >> (index & 63)) & field_mask(len);
}

uint64_t emul_insertq(uint64_t dst, uint64_t src, unsigned len, unsigned index)
{
	uint64_t m = field_mask(len) << (index & 63);

	return (dst & ~m) | ((src << (index & 63)) & m);
}

/* XMMn through the operand buffer: MOVDQU m128, xmm (load false: read
 * it) or MOVDQU xmm, m128 (write it). */
static int move_xmm(struct emul_exec *x, unsigned n, bool load, uint8_t v[16])
{
	struct emul_ctx *ctx = x->ctx;
	struct emul_simd op = {
		.map = EMUL_MAP_0F, .prefix = 0xF3, .opcode = load ? 0x6F : 0x7F,
		.kind = EMUL_SIMD_XMM, .reg = (uint8_t)n, .buf = ctx->x87_buf,
	};

	memcpy(ctx->x87_buf, v, 16);
	if (ctx->ops->simd(ctx->opaque, &op) != EMUL_SIMD_DONE)
		return emul_unsupported(x, EMUL_R_OPCODE);
	memcpy(v, ctx->x87_buf, 16);
	return EX_OK;
}

static uint64_t quad(const uint8_t *v, unsigned i)
{
	uint64_t q;

	memcpy(&q, v + 8 * i, 8);
	return q;
}

/* The new low quadword of the destination d from the operands. */
static uint64_t compute(const struct emul_insn *in, const uint8_t *d, const uint8_t *s)
{
	bool insert = emul_simd_prefix(in) == SIMD_F2;
	unsigned len, index;

	if (in->opcode == 0x78) {
		len = (unsigned)in->imm;
		index = (unsigned)in->imm2;
	} else if (insert) {
		len = s[8];
		index = s[9];
	} else {
		len = s[0];
		index = s[1];
	}
	return insert ? emul_insertq(quad(d, 0), quad(s, 0), len, index) :
			emul_extrq(quad(d, 0), len, index);
}

int emul_exec_sse4a(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	/* EXTRQ's imm form names xmm1 in ModRM.rm (ModRM.reg is /0);
	 * every other form xmm1 in ModRM.reg, xmm2 in ModRM.rm */
	bool extrq_imm = in->opcode == 0x78 && emul_simd_prefix(in) == SIMD_66;
	unsigned dest = extrq_imm ? in->rm : in->reg;
	uint8_t d[16], s[16] = { 0 };
	uint64_t lo;
	int rc;

	/* (the decoder raised #UD for a memory ModRM and EXTRQ /1-/7) */
	if ((rc = emul_simd_check_state(x, &sse4a_form)))
		return rc;
	if (!x->ctx->ops->simd)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (!x->ctx->x87_done) {
		memset(d, 0, sizeof(d));
		if ((rc = move_xmm(x, dest, false, d)))
			return rc;
		if (!extrq_imm && (rc = move_xmm(x, in->rm, false, s)))
			return rc;
		lo = compute(in, d, s);
		memset(d, 0, sizeof(d));
		memcpy(d, &lo, 8);
		if ((rc = move_xmm(x, dest, true, d)))
			return rc;
		x->ctx->x87_done = 1;
	}
	emul_retire(x);
	return EX_OK;
}
