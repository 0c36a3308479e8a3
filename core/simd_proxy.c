/*
 * MMX/SSE/3DNow! instructions run for the emulator on a vCPU's registers
 * (see core/simd_proxy.h).
 *
 * The stubs name register 0 (XMM0, MM0); the guest's instruction names
 * register n. Around the stub, registers 0 and n trade places through an
 * FXSAVE image and FXRSTOR (core/simd_image.c), and trade back after it,
 * so that register n gets the result and register 0 keeps its value (a
 * register form, from code in MMIO, uses registers 0 and 1, by copies;
 * one with an imm8 or 3DNow!'s suffix runs as its memory form with
 * ModRM.rm's value in the buffer, which is what the memory form reads;
 * the REX.W forms, EMMS/FEMMS and BLENDV, whose mask XMM0 stays in
 * place, have stubs of their own; PCMPxSTRx, with general registers in
 * and out, run in core/simd_strcmp.c).
 * The stub runs with the guest's MXCSR: an unmasked
 * SIMD floating-point exception is raised by the CPU itself, here, and
 * the fault fixup (arch/x86/simd_fixup.c) brings it back as a result,
 * MXCSR's flags as the CPU set them and the destination untouched.
 */
#include "core/simd_proxy.h"
#include "core/simd_image.h"
#include "core/simd_strcmp.h"
#include "core/simd_xmm0.h"
#include "core/fpu.h"
#include "core/lib.h"
#include "arch/x86/simd_proxy.h"
#include "arch/x86/x87_proxy.h"

#define FSW_ES          (1u << 7)       /* an unmasked x87 exception is pending */
#define SLOT            8               /* bytes per stub */

/* The imm8 forms, in arch/x86/simd_proxy.S's order. */
#define F0 EMUL_MAP_0F
#define F3A EMUL_MAP_0F3A
static const struct { uint8_t map, prefix, opcode; } imm_forms[] = {
	{ F0, 0, 0x70 }, { F0, 0x66, 0x70 }, { F0, 0xF3, 0x70 }, { F0, 0xF2, 0x70 },
	{ F0, 0, 0xC2 }, { F0, 0x66, 0xC2 }, { F0, 0xF3, 0xC2 }, { F0, 0xF2, 0xC2 },
	{ F0, 0, 0xC4 }, { F0, 0x66, 0xC4 }, { F0, 0, 0xC6 }, { F0, 0x66, 0xC6 },
	{ F3A, 0, 0x0F },
	{ F3A, 0x66, 0x08 }, { F3A, 0x66, 0x09 }, { F3A, 0x66, 0x0A }, { F3A, 0x66, 0x0B },
	{ F3A, 0x66, 0x0C }, { F3A, 0x66, 0x0D }, { F3A, 0x66, 0x0E }, { F3A, 0x66, 0x0F },
	{ F3A, 0x66, 0x14 }, { F3A, 0x66, 0x15 }, { F3A, 0x66, 0x16 }, { F3A, 0x66, 0x17 },
	{ F3A, 0x66, 0x20 }, { F3A, 0x66, 0x21 }, { F3A, 0x66, 0x22 },
	{ F3A, 0x66, 0x40 }, { F3A, 0x66, 0x41 }, { F3A, 0x66, 0x42 },
	{ F3A, 0x66, 0x44 }, { F3A, 0x66, 0xDF }, { F3A, 0, 0xCC },
};

/* The REX.W forms of the 0F map, in simd_wide_stubs' order: the memory
 * forms, then the register forms of CVT(T)SS2SI/SD2SI. */
static const struct { uint8_t prefix, opcode, regform; } wide_forms[] = {
	{ 0, 0x6E, 0 }, { 0, 0x7E, 0 }, { 0x66, 0x6E, 0 }, { 0x66, 0x7E, 0 },
	{ 0xF3, 0x2A, 0 }, { 0xF2, 0x2A, 0 },
	{ 0xF3, 0x2C, 0 }, { 0xF3, 0x2D, 0 }, { 0xF2, 0x2C, 0 }, { 0xF2, 0x2D, 0 },
	{ 0xF3, 0x2C, 1 }, { 0xF3, 0x2D, 1 }, { 0xF2, 0x2C, 1 }, { 0xF2, 0x2D, 1 },
};

static const uint8_t *wide_stub_of(const struct emul_simd *op)
{
	if (op->map == F3A && op->prefix == 0x66 && !op->regform &&
	    (op->opcode == 0x16 || op->opcode == 0x22))
		return simd_wide_imm_stubs + SLOT * ((op->opcode == 0x22) * 256u + op->imm);
	if (op->map != F0)
		return NULL;
	for (unsigned i = 0; i < sizeof(wide_forms) / sizeof(wide_forms[0]); i++)
		if (wide_forms[i].prefix == op->prefix && wide_forms[i].opcode == op->opcode &&
		    wide_forms[i].regform == op->regform)
			return simd_wide_stubs + SLOT * i;
	return NULL;
}

static int prefix_index(uint8_t prefix)
{
	switch (prefix) {
	case 0: return 0;
	case 0x66: return 1;
	case 0xF3: return 2;
	case 0xF2: return 3;
	default: return -1;
	}
}

/* An imm8 form or 3DNow! (their stubs read [RDI] only). */
static bool is_imm_form(const struct emul_simd *op)
{
	if (op->map == F0 && op->opcode == 0x0F)
		return true;
	for (unsigned i = 0; i < sizeof(imm_forms) / sizeof(imm_forms[0]); i++)
		if (imm_forms[i].map == op->map && imm_forms[i].prefix == op->prefix &&
		    imm_forms[i].opcode == op->opcode)
			return true;
	return false;
}

/* PSRLDQ/PSLLDQ xmm, imm8 (66 0F 73 /3, /7): ModRM.reg is the opcode
 * extension, ModRM.rm the register shifted. */
static bool is_byte_shift(const struct emul_simd *op)
{
	return op->map == F0 && op->prefix == 0x66 && op->opcode == 0x73 &&
	       (op->reg == 3 || op->reg == 7);
}

static const uint8_t *stub_of(const struct emul_simd *op)
{
	int p = prefix_index(op->prefix);

	if (p < 0)
		return NULL;
	if (op->wide)
		return wide_stub_of(op);
	if (op->map == F0 && (op->opcode == 0x77 || op->opcode == 0x0E))
		return p ? NULL : simd_emms_stubs + SLOT * (op->opcode == 0x0E);
	if (op->regform) {             /* (the imm8 forms run as memory forms) */
		if (op->map == F0 && op->opcode == 0xC5)        /* PEXTRW r32 */
			return p <= 1 ? simd_pextrw_stubs + SLOT * (p * 256u + op->imm) : NULL;
		if (is_byte_shift(op))
			return simd_byte_shift_stubs + SLOT * ((op->reg == 7) * 256u + op->imm);
		if (op->map == EMUL_MAP_0F && op->opcode != 0x0F)
			return simd_0f_reg_stubs + SLOT * (p * 256u + op->opcode);
		if (op->map == EMUL_MAP_0F38 && p <= 1)
			return simd_0f38_reg_stubs + SLOT * (p * 256u + op->opcode);
		return NULL;
	}
	if (op->map == EMUL_MAP_0F && op->opcode == 0x0F)
		return p ? NULL : simd_3dnow_stubs + SLOT * op->imm;
	for (unsigned i = 0; i < sizeof(imm_forms) / sizeof(imm_forms[0]); i++)
		if (imm_forms[i].map == op->map && imm_forms[i].prefix == op->prefix &&
		    imm_forms[i].opcode == op->opcode)
			return simd_imm_stubs + SLOT * (i * 256u + op->imm);
	if (op->map == EMUL_MAP_0F)
		return simd_0f_stubs + SLOT * (p * 256u + op->opcode);
	if (op->map == EMUL_MAP_0F38 && p <= 1)
		return simd_0f38_stubs + SLOT * (p * 256u + op->opcode);
	return NULL;
}

static void trade(uint8_t *img, const struct emul_simd *op)
{
	simd_fxsave(img);
	simd_image_trade(img, op->kind == EMUL_SIMD_MMX, op->reg);
	simd_fxrstor(img);
}

/* A register form: ModRM.reg into register 0 (unless it is a general
 * register: the stub's EAX), ModRM.rm into register 1 of its file
 * (copies, so that reg = rm works), the stub, then the results back and
 * registers 0 and 1 as they were (core/simd_image.c). */
static int run_regform(struct simd_call *c, const struct emul_simd *op)
{
	static uint8_t orig[SIMD_IMAGE_BYTES] __attribute__((aligned(16)));
	static uint8_t work[SIMD_IMAGE_BYTES] __attribute__((aligned(16)));
	static uint8_t out[SIMD_IMAGE_BYTES] __attribute__((aligned(16)));
	const struct simd_regform f = {
		.reg_mmx = op->kind == EMUL_SIMD_MMX, .rm_mmx = op->rm_kind == EMUL_SIMD_MMX,
		.rm_dest = op->rm_dest,
		.reg_other = op->kind == EMUL_SIMD_GPR || is_byte_shift(op),
		.reg = op->reg, .rm = op->rm,
	};
	int rc;

	simd_fxsave(orig);
	memcpy(work, orig, sizeof(work));
	simd_image_regform_in(work, orig, &f);
	simd_fxrstor(work);
	rc = simd_proxy_call(c);
	simd_fxsave(out);
	memcpy(work, out, sizeof(work));
	simd_image_regform_out(work, out, orig, &f);
	simd_fxrstor(work);
	return rc;
}

/* A register form with an imm8 or 3DNow!'s suffix as its memory form:
 * the operand ModRM.rm's register holds (an MMX register's 64 bits are
 * the low 8 bytes of its slot). Every such form reads its whole source
 * from memory as from the register, but INSERTPS: from a register it
 * takes the element imm8[7:6] names, from memory the dword there (SDM
 * Vol. 2 INSERTPS, "count_s" is ignored): that element goes to buf. */
static void rm_into_buf(struct emul_simd *op, uint8_t *buf)
{
	static uint8_t img[SIMD_IMAGE_BYTES] __attribute__((aligned(16)));
	const uint8_t *r;

	simd_fxsave(img);
	r = simd_image_reg(img, op->rm_kind == EMUL_SIMD_MMX, op->rm);
	memcpy(buf, r, 16);
	if (op->map == F3A && op->prefix == 0x66 && op->opcode == 0x21)
		memcpy(buf, r + 4 * (op->imm >> 6), 4);
	op->regform = 0;
}

/* PBLENDVB, BLENDVPS, BLENDVPD (66 0F 38 10, 14, 15) and SHA256RNDS2
 * (0F 38 CB): XMM0 is their mask or third source (SDM Vol. 2 each), so
 * it stays the guest's: the destination goes to XMM1 and a register
 * source to XMM2, by copies (n or m may be 0, 1 or 2 as well), the stub
 * works on those, and the result goes back to XMMn. -1: not one of them. */
static int blendv_index(const struct emul_simd *op)
{
	if (op->map != EMUL_MAP_0F38 || op->wide)
		return -1;
	if (op->prefix == 0 && op->opcode == 0xCB)
		return 3;
	if (op->prefix != 0x66)
		return -1;
	switch (op->opcode) {
	case 0x10: return 0;
	case 0x14: return 1;
	case 0x15: return 2;
	default: return -1;
	}
}

static int run_blendv(struct simd_call *c, const struct emul_simd *op, int which)
{
	c->stub = simd_blendv_stubs + SLOT * ((op->regform ? 4u : 0u) + (unsigned)which);
	return simd_run_keeping_xmm0(c, op, true);
}

static bool regs_valid(const struct emul_simd *op)
{
	if (op->reg > 15 || (op->kind == EMUL_SIMD_MMX && op->reg > 7))
		return false;
	return !op->regform || (op->rm <= 15 && op->rm_kind != EMUL_SIMD_GPR &&
				(op->rm_kind != EMUL_SIMD_MMX || op->rm <= 7));
}

/* The buffers are static: one CPU runs vCPUs (core/fpu.c's owner is one
 * too, "per CPU once SMP lands"; these go with it). */
int simd_proxy_run(struct vcpu *v, struct emul_simd *op)
{
	static uint8_t img[512] __attribute__((aligned(16)));
	static uint8_t buf[16] __attribute__((aligned(16)));
	struct simd_call c = { .buf = buf };
	struct emul_simd m = *op;
	bool moved, strcmp;
	int rc;

	fpu_switch_to(v);       /* an MMIO completion runs before the entry's */
	if (op->query || op->kind == EMUL_SIMD_MMX ||
	    (op->regform && op->rm_kind == EMUL_SIMD_MMX))
		if (x87_status() & FSW_ES)
			return EMUL_SIMD_PENDING;
	if (op->query)
		return EMUL_SIMD_DONE;
	if (!regs_valid(op))
		return EMUL_SIMD_REFUSED;
	memcpy(buf, op->buf, sizeof(buf));
	if (m.regform && is_imm_form(&m))
		rm_into_buf(&m, buf);
	strcmp = simd_strcmp_form(&m);
	if (!strcmp && !(c.stub = stub_of(&m)))
		return EMUL_SIMD_REFUSED;
	moved = !m.regform && m.kind != EMUL_SIMD_GPR && m.reg != 0;
	if (strcmp) {
		rc = simd_strcmp_run(&c, &m);
	} else if (blendv_index(&m) >= 0) {
		rc = run_blendv(&c, &m, blendv_index(&m));
	} else if (m.regform) {
		rc = run_regform(&c, &m);
	} else {
		if (moved)
			trade(img, &m);
		rc = simd_proxy_call(&c);
		if (moved)
			trade(img, &m);
	}
	if (rc == SIMD_CALL_REFUSED)
		return EMUL_SIMD_REFUSED;
	memcpy(op->buf, buf, sizeof(buf));
	op->gpr = strcmp ? c.rcx : c.rax;
	op->rflags = c.rflags;
	return rc == SIMD_CALL_XM ? EMUL_SIMD_XM : EMUL_SIMD_DONE;
}
