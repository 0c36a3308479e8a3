/*
 * simd_cases_gen.c - lists every MMX/SSE/3DNow! memory form emul/simd_forms.c
 * emulates as a test case for mmio.bin (guests/tests/mmio/simd_cases.h):
 * its bytes with ModRM.reg some register and r/m [RDI], the operand's size
 * (0: a register-only form) and direction, the CPUID feature it needs, and
 * its register form's bytes; the REX.W forms, EMMS and FEMMS, and SSE4a's
 * EXTRQ and INSERTQ (emul/exec_sse4a.c) last. mmio.bin runs each on RAM
 * and on the device and compares what they leave. Regenerate with
 *   make -f emul/emul.mk build/host/emul/simd_cases_gen &&
 *   build/host/emul/simd_cases_gen > guests/tests/mmio/simd_cases.h
 */
#include <stdio.h>
#include <string.h>

#include "emul_private.h"

static const uint8_t prefix_byte[4] = { 0, 0x66, 0xF3, 0xF2 };
static const uint8_t pfx_bits[4] = { 0, EMUL_PFX_OPSZ, EMUL_PFX_REP, EMUL_PFX_REPNE };
static unsigned n_cases;

/* wide: with REX.W (an SF_W64 form: its general-register or memory
 * operand 64 bits; exec_simd.c's widen()) */
static void emit(unsigned map, unsigned p, unsigned op, unsigned imm,
		 const struct emul_simd_form *f, bool wide)
{
	uint8_t b[8], rex_w = wide ? 0x08 : 0;
	unsigned n = 0, reg = (f->flags & SF_GPR) ? 1 : 1 + n_cases % 7;
	bool rex_r = (f->flags & SF_XMM) && !(f->flags & (SF_MMX | SF_GPR)) &&
		     n_cases % 3 == 0;
	unsigned size = wide && (f->flags & SF_RM_GPR) ? 8 : f->size;

	if (p)
		b[n++] = prefix_byte[p];
	if (rex_r || wide)
		b[n++] = (uint8_t)(0x40 | (rex_r ? 0x04 : 0) | rex_w);
	b[n++] = 0x0F;
	if (map == EMUL_MAP_0F38)
		b[n++] = 0x38;
	else if (map == EMUL_MAP_0F3A)
		b[n++] = 0x3A;
	b[n++] = (uint8_t)op;
	b[n++] = (uint8_t)(reg << 3 | 7);
	if (f->flags & SF_IMM)
		b[n++] = (uint8_t)imm;
	printf("\t{ %u, {", n);
	for (unsigned i = 0; i < n; i++)
		printf(" 0x%02x,", b[i]);
	/* operand size 0: register only, no memory form to run */
	printf(" }, %u, %u, %u, ", (f->flags & SF_REGONLY) ? 0 : size,
	       !!(f->flags & SF_WRITE), f->feat);
	/* the register form exec_simd.c emulates (code in MMIO): ModRM.rm
	 * another register, and its REX.B with REX.R; ECX where ModRM.rm is
	 * a general register (SF_RM_GPR) */
	if (f->flags & SF_MEMONLY) {
		printf("0, { 0 } },\n");
	} else {
		unsigned at = (f->flags & SF_IMM) ? n - 2 : n - 1;
		unsigned rm = (f->flags & SF_RM_GPR) ? 1 : (reg + 3) & 7;

		printf("1, {");
		for (unsigned i = 0; i < n; i++) {
			uint8_t v = b[i];

			if (i == at)
				v = (uint8_t)(0xC0 | reg << 3 | rm);
			else if (rex_r && !(f->flags & SF_RM_GPR) && i == (p ? 1u : 0u))
				v = (uint8_t)(0x45 | rex_w);
			printf(" 0x%02x,", v);
		}
		printf(" } },\n");
	}
	n_cases++;
}

/* A group 12-14 shift by an imm8 (register only: operand size 0): its
 * bytes twice, ModRM.rm a register 0-7, the count in or out of range. */
static void shift_group(unsigned p, unsigned op, unsigned ext)
{
	struct emul_insn in = { .map = EMUL_MAP_0F, .opcode = (uint8_t)op,
				.pfx = pfx_bits[p], .modrm = (uint8_t)(0xC0 | ext << 3) };
	struct emul_simd_form tmp;
	const struct emul_simd_form *f = emul_simd_form(&in, &tmp);
	uint8_t b[6];
	unsigned n = 0;

	if (!f || f->feat == FT_NONE)
		return;
	if (p)
		b[n++] = 0x66;
	b[n++] = 0x0F;
	b[n++] = (uint8_t)op;
	b[n++] = (uint8_t)(0xC0 | ext << 3 | n_cases % 8);
	b[n++] = n_cases % 2 ? 0x05 : 0x11;
	for (unsigned k = 0; k < 2; k++) {
		printf(k ? "1, {" : "\t{ %u, {", n);
		for (unsigned i = 0; i < n; i++)
			printf(" 0x%02x,", b[i]);
		if (!k)
			printf(" }, 0, 0, %u, ", f->feat);
	}
	printf(" } },\n");
	n_cases++;
}

static void one(unsigned map, unsigned p, unsigned op, unsigned imm)
{
	struct emul_insn in = { .map = (uint8_t)map, .opcode = (uint8_t)op,
				.pfx = pfx_bits[p], .mem = 1, .imm = imm };
	struct emul_simd_form tmp;
	const struct emul_simd_form *f = emul_simd_form(&in, &tmp);

	if (f && f->feat != FT_NONE && !(f->flags & SF_NO_OPERAND))
		emit(map, p, op, imm, f, false);
}

/* EMMS and FEMMS: no operand, their two bytes both times (register only,
 * operand size 0). */
static void no_operand(unsigned op)
{
	struct emul_insn in = { .map = EMUL_MAP_0F, .opcode = (uint8_t)op };
	struct emul_simd_form tmp;
	const struct emul_simd_form *f = emul_simd_form(&in, &tmp);

	if (f && (f->flags & SF_NO_OPERAND))
		printf("\t{ 2, { 0x0f, 0x%02x, }, 0, 0, %u, 1, { 0x0f, 0x%02x, } },\n", op,
		       f->feat, op);
}

/* The REX.W forms, after all the others (their indices unchanged). */
static void one_wide(unsigned map, unsigned p, unsigned op, unsigned imm)
{
	struct emul_insn in = { .map = (uint8_t)map, .opcode = (uint8_t)op,
				.pfx = pfx_bits[p], .mem = 1, .imm = imm };
	struct emul_simd_form tmp;
	const struct emul_simd_form *f = emul_simd_form(&in, &tmp);

	if (f && f->feat != FT_NONE && (f->flags & SF_W64))
		emit(map, p, op, imm, f, true);
}

/* SSE4a's EXTRQ and INSERTQ (emul/exec_sse4a.c: register only, so size
 * 0, their bytes both times), after everything else: the imm8 forms with
 * a length of 64 (0) and fields inside the quadword, the register forms
 * with a source whose fields (mmio.bin's register pattern: XMM1 length 44
 * index 17 in its low word, XMM6 length 27 index 0 in bits 77:64) fit
 * too, so that every result is defined (APM Vol. 4: not beyond bit 63).
 * No REX: mmio.bin finds the destination by ModRM alone. */
static void sse4a_cases(void)
{
	static const uint8_t forms[][6] = {
		{ 0x66, 0x0f, 0x78, 0xc5, 0x0c, 0x1c },         /* extrq xmm5, 12, 28 */
		{ 0x66, 0x0f, 0x78, 0xc2, 0x00, 0x00 },         /* extrq xmm2, 64, 0 */
		{ 0x66, 0x0f, 0x79, 0xd9 },                     /* extrq xmm3, xmm1 */
		{ 0xf2, 0x0f, 0x78, 0xfa, 0x14, 0x20 },         /* insertq xmm7, xmm2, 20, 32 */
		{ 0xf2, 0x0f, 0x79, 0xde },                     /* insertq xmm3, xmm6 */
	};

	for (unsigned k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
		unsigned n = forms[k][2] == 0x78 ? 6 : 4;

		for (unsigned t = 0; t < 2; t++) {
			printf(t ? "1, {" : "\t{ %u, {", n);
			for (unsigned i = 0; i < n; i++)
				printf(" 0x%02x,", forms[k][i]);
			if (!t)
				printf(" }, 0, 0, %u, ", FT_SSE4A);
		}
		printf(" } },\n");
	}
}

int main(void)
{
	printf("/* Generated by tests/unit/emul/simd_cases_gen.c from emul/simd_forms.c:\n"
	       " * { length, bytes, operand size, store, FT_* feature, register form\n"
	       " * emulated, its bytes (the same length) }. */\n");
	for (unsigned p = 0; p < 4; p++)
		for (unsigned op = 0; op < 256; op++)
			if (op != 0x0F)
				one(EMUL_MAP_0F, p, op, op == 0xC2 ? 5 : 0x1B);
	for (unsigned p = 0; p < 2; p++)
		for (unsigned op = 0x71; op <= 0x73; op++)
			for (unsigned ext = 0; ext < 8; ext++)
				shift_group(p, op, ext);
	for (unsigned s = 0; s < 256; s++)
		one(EMUL_MAP_0F, 0, 0x0F, s);
	for (unsigned p = 0; p < 2; p++)
		for (unsigned op = 0; op < 256; op++)
			one(EMUL_MAP_0F38, p, op, 0);
	/* imm8 3 or 0x1b: in range for PEXTRx/PINSRx/EXTRACTPS, a valid
	 * rounding control for ROUNDxx (bit 3: precision masked); INSERTPS's
	 * 0x9b takes source element 2 from a register */
	for (unsigned p = 0; p < 2; p++)
		for (unsigned op = 0; op < 256; op++)
			one(EMUL_MAP_0F3A, p, op, op >= 0x08 && op <= 0x0B ? 0x0C :
			    op == 0x21 ? 0x9B : 0x1B);
	for (unsigned p = 0; p < 4; p++)
		for (unsigned op = 0; op < 256; op++)
			if (op != 0x0F)
				one_wide(EMUL_MAP_0F, p, op, 0x1B);
	for (unsigned op = 0; op < 256; op++)
		one_wide(EMUL_MAP_0F3A, 1, op, 0x1B);
	no_operand(0x77);
	no_operand(0x0E);
	sse4a_cases();
	return 0;
}
