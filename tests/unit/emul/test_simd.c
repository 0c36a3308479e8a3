/*
 * test_simd.c - MMX, SSE and 3DNow! instructions through the emulator
 * (emul/exec_simd.c, emul/simd_forms.c): the operand's size, direction
 * and alignment per form, what emul_ops.simd is told (map, mandatory
 * prefix, opcode, imm8 or 3DNow! suffix, which register), its one call
 * between the MMIO reads and the writes, the faults that come first in
 * the CPU's order (#UD, #NM, #MF, #GP for the limit and the alignment,
 * #PF of a store before anything runs), #XM / #UD for an unmasked SIMD
 * exception, general-register and RFLAGS results, and what is refused.
 * The callback is a fake here; core/simd_proxy.c runs the real one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "emul.h"
#include "emul_private.h"     /* emul_extrq(), emul_insertq() */
#include "fakemem.h"
#include "test_util.h"

#define CODE 0x1000ull
#define DEV 0x20000ull  /* two MMIO pages */
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define ALL_FEATURES (EMUL_FEAT_MMX | EMUL_FEAT_SSE | EMUL_FEAT_SSE2 | \
		      EMUL_FEAT_SSE3 | EMUL_FEAT_SSSE3 | EMUL_FEAT_SSE41 | \
		      EMUL_FEAT_SSE42 | EMUL_FEAT_3DNOW | EMUL_FEAT_3DNOWEXT)

static struct {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	struct emul_ops ops;
	uint8_t code[4096];
	uint8_t dev[8192];
	/* the fake registers */
	unsigned runs, queries;
	struct emul_simd seen;
	uint8_t seen_buf[16];
	int answer;             /* to a run */
	int pending;            /* to a query: EMUL_SIMD_PENDING or DONE */
} E;

/* Records the call; a store finds the pattern 0xA0, 0xA1, ... in buf. */
static int fake_simd(void *opaque, struct emul_simd *op)
{
	(void)opaque;
	if (op->query) {
		E.queries++;
		return E.pending;
	}
	E.runs++;
	E.seen = *op;
	memcpy(E.seen_buf, op->buf, sizeof(E.seen_buf));
	if (E.answer != EMUL_SIMD_DONE)
		return E.answer;
	for (unsigned i = 0; i < 16; i++)
		op->buf[i] = (uint8_t)(0xA0 + i);
	op->gpr = 0xFEDCBA9876543210ull;
	op->rflags = 0x2 | EMUL_FL_ZF | EMUL_FL_CF | EMUL_FL_SF | EMUL_FL_TF;
	return EMUL_SIMD_DONE;
}

static void setup(const char *hex)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.code);
	for (unsigned i = 0; i < sizeof(E.dev); i++)
		E.dev[i] = (uint8_t)(i * 13 + 5);
	fake_init(&E.fm);
	fake_add(&E.fm, CODE, E.code, sizeof(E.code), true, 0);
	fake_add(&E.fm, DEV, E.dev, sizeof(E.dev), false, 3);  /* both pages MMIO */
	fake_cpu_long64(&E.cpu);
	E.cpu.cr0 |= CR0_NE;
	E.cpu.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	E.cpu.features = ALL_FEATURES;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = DEV + 0x100;
	E.ops = fake_ops;
	E.ops.simd = fake_simd;
	E.pending = EMUL_SIMD_DONE;
	emul_init(&E.ctx, &E.ops, &E.fm);
}

static enum emul_status run(void)
{
	return fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 64);
}

/* The requests of the last run: 'size' bytes from 'addr' on, in pieces
 * of 8. */
static void assert_requests(uint8_t status, uint64_t addr, unsigned size)
{
	unsigned n = (size + 7) / 8;

	assert_int_equal(E.fm.nlog, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(E.fm.log[i].status, status);
		assert_int_equal(E.fm.log[i].addr, addr + 8 * i);
		assert_int_equal(E.fm.log[i].len, size - 8 * i < 8 ? size - 8 * i : 8);
	}
}

/* Nothing happened: no access, no run, RIP where it was. */
static void assert_untouched(void)
{
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.runs, 0);
	assert_int_equal(E.cpu.rip, CODE);
}

static void assert_fault(uint8_t vector)
{
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, vector);
	assert_untouched();
}

struct load_case {
	const char *hex;
	unsigned len, size;
	uint8_t map, prefix, opcode, imm, kind, reg;
};

/* Loads: the operand's size by form, read before the one run, and what
 * the callback is told. */
static void test_loads(void **state)
{
	static const struct load_case cases[] = {
		{ "0f 6f 03", 3, 8, EMUL_MAP_0F, 0, 0x6F, 0, EMUL_SIMD_MMX, 0 },    /* movq mm0 */
		{ "0f ef 0b", 3, 8, EMUL_MAP_0F, 0, 0xEF, 0, EMUL_SIMD_MMX, 1 },    /* pxor mm1 */
		{ "0f 61 3b", 3, 4, EMUL_MAP_0F, 0, 0x61, 0, EMUL_SIMD_MMX, 7 },    /* punpcklwd */
		{ "4c 0f dd 13", 4, 8, EMUL_MAP_0F, 0, 0xDD, 0, EMUL_SIMD_MMX, 2 }, /* REX.R: mm2 */
		{ "0f e3 2b", 3, 8, EMUL_MAP_0F, 0, 0xE3, 0, EMUL_SIMD_MMX, 5 },    /* pavgw */
		{ "0f 2c 03", 3, 8, EMUL_MAP_0F, 0, 0x2C, 0, EMUL_SIMD_MMX, 0 },    /* cvttps2pi */
		{ "0f 5a 0b", 3, 8, EMUL_MAP_0F, 0, 0x5A, 0, EMUL_SIMD_XMM, 1 },    /* cvtps2pd */
		{ "66 0f 6f 03", 4, 16, EMUL_MAP_0F, 0x66, 0x6F, 0, EMUL_SIMD_XMM, 0 }, /* movdqa */
		{ "44 0f 10 03", 4, 16, EMUL_MAP_0F, 0, 0x10, 0, EMUL_SIMD_XMM, 8 },   /* movups xmm8 */
		{ "f3 0f 10 1b", 4, 4, EMUL_MAP_0F, 0xF3, 0x10, 0, EMUL_SIMD_XMM, 3 }, /* movss */
		{ "f2 0f 59 03", 4, 8, EMUL_MAP_0F, 0xF2, 0x59, 0, EMUL_SIMD_XMM, 0 }, /* mulsd */
		{ "66 f3 0f 58 03", 5, 4, EMUL_MAP_0F, 0xF3, 0x58, 0, EMUL_SIMD_XMM, 0 }, /* F3 wins */
		{ "66 0f 70 03 1b", 5, 16, EMUL_MAP_0F, 0x66, 0x70, 0x1B, EMUL_SIMD_XMM, 0 }, /* pshufd */
		{ "0f c4 03 02", 4, 2, EMUL_MAP_0F, 0, 0xC4, 2, EMUL_SIMD_MMX, 0 },    /* pinsrw mm */
		{ "66 0f 38 22 03", 5, 2, EMUL_MAP_0F38, 0x66, 0x22, 0, EMUL_SIMD_XMM, 0 }, /* pmovsxbq */
		{ "0f 38 00 0b", 4, 8, EMUL_MAP_0F38, 0, 0x00, 0, EMUL_SIMD_MMX, 1 }, /* pshufb mm */
		{ "0f 0f 03 9e", 4, 8, EMUL_MAP_0F, 0, 0x0F, 0x9E, EMUL_SIMD_MMX, 0 }, /* pfadd */
		{ "f2 0f f0 03", 4, 16, EMUL_MAP_0F, 0xF2, 0xF0, 0, EMUL_SIMD_XMM, 0 }, /* lddqu */
		{ "66 0f 3a 20 13 07", 6, 1, EMUL_MAP_0F3A, 0x66, 0x20, 7, EMUL_SIMD_XMM, 2 }, /* pinsrb */
		{ "66 0f 3a 0b 03 04", 6, 8, EMUL_MAP_0F3A, 0x66, 0x0B, 4, EMUL_SIMD_XMM, 0 }, /* roundsd */
		{ "0f 3a 0f 0b 03", 5, 8, EMUL_MAP_0F3A, 0, 0x0F, 3, EMUL_SIMD_MMX, 1 }, /* palignr mm */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct load_case *c = &cases[i];

		setup(c->hex);
		assert_int_equal(run(), EMUL_DONE);
		assert_requests(EMUL_MMIO_READ, DEV + 0x100, c->size);
		assert_int_equal(E.runs, 1);
		assert_int_equal(E.seen.map, c->map);
		assert_int_equal(E.seen.prefix, c->prefix);
		assert_int_equal(E.seen.opcode, c->opcode);
		assert_int_equal(E.seen.imm, c->imm);
		assert_int_equal(E.seen.kind, c->kind);
		assert_int_equal(E.seen.reg, c->reg);
		assert_memory_equal(E.seen_buf, E.dev + 0x100, c->size);
		assert_int_equal(E.cpu.rip, CODE + c->len);
		assert_int_equal(E.cpu.gpr[EMUL_RAX], 0);       /* no GPR result */
		assert_int_equal(E.dev[0x100], (uint8_t)(0x100 * 13 + 5));
	}
}

/* Stores: probed, run once, then written in 8-byte pieces (the handler
 * replayed for each). */
static void test_stores(void **state)
{
	static const struct { const char *hex; unsigned size; } cases[] = {
		{ "0f 7f 03", 8 },              /* movq [rbx], mm0 */
		{ "0f 7e 03", 4 },              /* movd [rbx], mm0 */
		{ "0f e7 03", 8 },              /* movntq */
		{ "66 0f 7f 03", 16 },          /* movdqa */
		{ "0f 29 03", 16 },             /* movaps */
		{ "66 0f d6 03", 8 },           /* movq [rbx], xmm0 */
		{ "f3 0f 11 03", 4 },           /* movss */
		{ "0f 17 03", 8 },              /* movhps */
		{ "66 0f 3a 14 03 05", 1 },     /* pextrb [rbx], xmm0, 5 */
		{ "66 0f 3a 17 03 01", 4 },     /* extractps */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(cases[i].hex);
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.runs, 1);
		assert_requests(EMUL_MMIO_WRITE, DEV + 0x100, cases[i].size);
		for (unsigned b = 0; b < cases[i].size; b++)
			assert_int_equal(E.dev[0x100 + b], 0xA0 + b);
		assert_int_equal(E.dev[0x100 + cases[i].size],
				 (uint8_t)((0x100 + cases[i].size) * 13 + 5));
	}
	/* the second half beyond the device: #PF before anything runs */
	setup("f3 0f 7f 03");                   /* movdqu [rbx], xmm0 */
	E.cpu.gpr[EMUL_RBX] = DEV + 0x1FF8;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 14);
	assert_int_equal(E.res.event.cr2, DEV + 0x2000);
	assert_untouched();
}

/* 16-byte operands of the aligned forms: #GP(0) when misaligned, before
 * any access; the unaligned moves and the smaller operands go on; AMD's
 * misaligned SSE mode is refused rather than guessed. */
static void test_alignment(void **state)
{
	(void)state;
	setup("66 0f 6f 03");                   /* movdqa */
	E.cpu.gpr[EMUL_RBX] = DEV + 0x108;
	assert_fault(13);
	assert_true(E.res.event.has_error_code);
	assert_int_equal(E.res.event.error_code, 0);
	setup("0f 29 03");                      /* movaps store */
	E.cpu.gpr[EMUL_RBX] = DEV + 0x101;
	assert_fault(13);
	setup("0f 58 03");                      /* addps */
	E.cpu.gpr[EMUL_RBX] = DEV + 0x104;
	assert_fault(13);
	static const char *const unaligned[] = {
		"66 0f 10 03", "f3 0f 6f 03", "f2 0f f0 03",    /* movupd movdqu lddqu */
		"f3 0f 58 03", "0f 6f 03", "66 0f 38 20 03",    /* addss movq pmovsxbw */
	};
	for (unsigned i = 0; i < 6; i++) {
		setup(unaligned[i]);
		E.cpu.gpr[EMUL_RBX] = DEV + 0x108;
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.runs, 1);
		assert_int_equal(E.fm.log[0].addr, DEV + 0x108);
	}
	setup("66 0f 6f 03");
	E.cpu.gpr[EMUL_RBX] = DEV + 0x108;
	E.cpu.features |= EMUL_FEAT_MISALIGNSSE;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_untouched();
	setup("66 0f 6f 03");                   /* aligned: fine with it too */
	E.cpu.features |= EMUL_FEAT_MISALIGNSSE;
	assert_int_equal(run(), EMUL_DONE);
}

/* #UD (CR0.EM, no CR4.OSFXSR for XMM forms, a feature the CPUID lacks,
 * an undefined 3DNow! suffix) before #NM (CR0.TS), before any access. */
static void test_state_faults(void **state)
{
	(void)state;
	setup("0f 6f 03");
	E.cpu.cr0 |= CR0_EM | CR0_TS;
	assert_fault(6);
	setup("0f 6f 03");
	E.cpu.cr0 |= CR0_TS;
	assert_fault(7);
	setup("66 0f 6f 03");
	E.cpu.cr4 &= ~CR4_OSFXSR;
	E.cpu.cr0 |= CR0_TS;
	assert_fault(6);
	setup("0f 2c 03");                      /* cvttps2pi: XMM state too */
	E.cpu.cr4 &= ~CR4_OSFXSR;
	assert_fault(6);
	setup("0f 6f 03");                      /* MMX needs no OSFXSR */
	E.cpu.cr4 &= ~CR4_OSFXSR;
	assert_int_equal(run(), EMUL_DONE);
	setup("66 0f 6f 03");
	E.cpu.features &= ~EMUL_FEAT_SSE2;
	assert_fault(6);
	setup("0f 6f 03");
	E.cpu.features &= ~EMUL_FEAT_MMX;
	assert_fault(6);
	setup("f2 0f 7c 03");                   /* haddps */
	E.cpu.features &= ~EMUL_FEAT_SSE3;
	assert_fault(6);
	setup("66 0f 38 37 03");                /* pcmpgtq */
	E.cpu.features &= ~EMUL_FEAT_SSE42;
	assert_fault(6);
	setup("0f e3 03");                      /* pavgw mm: SSE ... */
	E.cpu.features &= ~EMUL_FEAT_SSE;
	assert_fault(6);
	setup("0f e3 03");                      /* ... or AMD's MMX extensions */
	E.cpu.features = (E.cpu.features & ~EMUL_FEAT_SSE) | EMUL_FEAT_MMXEXT;
	assert_int_equal(run(), EMUL_DONE);
	setup("0f 0f 03 9e");                   /* pfadd */
	E.cpu.features &= ~EMUL_FEAT_3DNOW;
	assert_fault(6);
	setup("0f 0f 03 bb");                   /* pswapd: extensions */
	E.cpu.features &= ~EMUL_FEAT_3DNOWEXT;
	assert_fault(6);
	setup("0f 0f 03 00");                   /* undefined suffix */
	E.cpu.cr0 |= CR0_TS;
	assert_fault(6);
}

/* A pending x87 exception: #MF before an instruction on MMX registers,
 * before the access; not asked for XMM-only forms; CVTPI2PS with a memory
 * source (documented both ways) is refused then. */
static void test_pending_x87(void **state)
{
	(void)state;
	setup("0f fe 03");                      /* paddd mm0 */
	E.pending = EMUL_SIMD_PENDING;
	assert_fault(16);
	assert_false(E.res.event.has_error_code);
	assert_int_equal(E.queries, 1);
	setup("0f 7f 03");
	E.pending = EMUL_SIMD_PENDING;
	E.cpu.cr0 &= ~CR0_NE;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_untouched();
	setup("66 0f fe 03");                   /* paddd xmm0 */
	E.pending = EMUL_SIMD_PENDING;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.queries, 0);
	setup("0f 2a 03");                      /* cvtpi2ps xmm0, [rbx] */
	E.pending = EMUL_SIMD_PENDING;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_untouched();
	setup("0f 2a 03");
	assert_int_equal(run(), EMUL_DONE);
}

/* An unmasked SIMD floating-point exception: #XM, or #UD without
 * CR4.OSXMMEXCPT; nothing written, RIP stays. */
static void test_simd_exception(void **state)
{
	(void)state;
	setup("0f 5e 03");                      /* divps */
	E.answer = EMUL_SIMD_XM;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 19);
	assert_false(E.res.event.has_error_code);
	assert_int_equal(E.cpu.rip, CODE);
	setup("0f 5e 03");
	E.answer = EMUL_SIMD_XM;
	E.cpu.cr4 &= ~CR4_OSXMMEXCPT;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 6);
	setup("f3 0f 11 03");                   /* movss store: no write */
	E.answer = EMUL_SIMD_XM;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.dev[0x100], (uint8_t)(0x100 * 13 + 5));
	setup("66 0f 6f 03");
	E.answer = EMUL_SIMD_REFUSED;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(E.cpu.rip, CODE);
}

/* CVTTSS2SI writes a 32-bit general register (zero-extended); COMISS and
 * PTEST the six arithmetic flags only. */
static void test_gpr_and_flags(void **state)
{
	(void)state;
	setup("f3 0f 2c 0b");                   /* cvttss2si ecx, [rbx] */
	E.cpu.gpr[EMUL_RCX] = ~0ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_requests(EMUL_MMIO_READ, DEV + 0x100, 4);
	assert_int_equal(E.seen.kind, EMUL_SIMD_GPR);
	assert_int_equal(E.cpu.gpr[EMUL_RCX], 0x76543210);
	setup("f2 0f 2d 03");                   /* cvtsd2si eax, [rbx] */
	assert_int_equal(run(), EMUL_DONE);
	assert_requests(EMUL_MMIO_READ, DEV + 0x100, 8);
	setup("66 0f 3a 0a 03 01");             /* roundss: SSE4.1 */
	E.cpu.features &= ~EMUL_FEAT_SSE41;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 6);
	setup("0f 2f 03");                      /* comiss xmm0, [rbx] */
	E.cpu.rflags = 0x2 | EMUL_FL_OF | EMUL_FL_AF | EMUL_FL_PF | EMUL_FL_DF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rflags,
			 0x2 | EMUL_FL_ZF | EMUL_FL_CF | EMUL_FL_SF | EMUL_FL_DF);
	setup("66 0f 38 17 03");                /* ptest */
	assert_int_equal(run(), EMUL_DONE);
	assert_requests(EMUL_MMIO_READ, DEV + 0x100, 16);
	assert_true(E.cpu.rflags & EMUL_FL_ZF);
	assert_false(E.cpu.rflags & EMUL_FL_TF);
}

/* Real mode: [bx] in DS; the limit is checked for the whole operand. */
static void test_real_mode(void **state)
{
	(void)state;
	setup("0f 6f 07");                      /* movq mm0, [bx] */
	fake_cpu_real(&E.cpu);
	E.cpu.cr0 |= CR0_NE;
	E.cpu.features = ALL_FEATURES;
	E.cpu.seg[EMUL_SEG_DS].base = DEV;
	E.cpu.gpr[EMUL_RBX] = 0x100;
	E.cpu.rip = CODE;
	assert_int_equal(run(), EMUL_DONE);
	assert_requests(EMUL_MMIO_READ, DEV + 0x100, 8);
	assert_int_equal(E.cpu.rip, CODE + 3);
	setup("66 0f 6f 07");                   /* movdqa: no OSFXSR */
	fake_cpu_real(&E.cpu);
	E.cpu.features = ALL_FEATURES;
	E.cpu.rip = CODE;
	assert_fault(6);
	setup("0f 6f 07");                      /* beyond 0xFFFF: #GP(0) */
	fake_cpu_real(&E.cpu);
	E.cpu.features = ALL_FEATURES;
	E.cpu.seg[EMUL_SEG_DS].base = DEV;
	E.cpu.gpr[EMUL_RBX] = 0xFFFC;
	E.cpu.rip = CODE;
	assert_fault(13);
}

/* PCLMULQDQ, AES-NI, SHA (SDM Vol. 2 each; CPUID 1 ECX[1], ECX[25],
 * (7,0) EBX[29]): 16 aligned bytes read, one run with the XMM register
 * and imm8 as encoded; each needs its own feature (#UD without it, the
 * others present), misaligned #GP(0). */
static void test_crypto_forms(void **state)
{
	static const struct {
		const char *hex;
		uint8_t map, prefix, opcode, imm, reg;
		uint32_t feature;
	} cases[] = {
		{ "66 0f 3a 44 0b 11", EMUL_MAP_0F3A, 0x66, 0x44, 0x11, 1, EMUL_FEAT_PCLMUL },
		{ "66 0f 38 dc 13", EMUL_MAP_0F38, 0x66, 0xDC, 0, 2, EMUL_FEAT_AES },   /* aesenc */
		{ "66 0f 38 dd 13", EMUL_MAP_0F38, 0x66, 0xDD, 0, 2, EMUL_FEAT_AES },
		{ "66 0f 38 de 13", EMUL_MAP_0F38, 0x66, 0xDE, 0, 2, EMUL_FEAT_AES },
		{ "66 44 0f 38 df 03", EMUL_MAP_0F38, 0x66, 0xDF, 0, 8, EMUL_FEAT_AES },
		{ "66 0f 38 db 1b", EMUL_MAP_0F38, 0x66, 0xDB, 0, 3, EMUL_FEAT_AES },   /* aesimc */
		{ "66 0f 3a df 23 07", EMUL_MAP_0F3A, 0x66, 0xDF, 7, 4, EMUL_FEAT_AES },
		{ "0f 38 c8 2b", EMUL_MAP_0F38, 0, 0xC8, 0, 5, EMUL_FEAT_SHA },         /* sha1nexte */
		{ "0f 38 c9 2b", EMUL_MAP_0F38, 0, 0xC9, 0, 5, EMUL_FEAT_SHA },
		{ "0f 38 ca 2b", EMUL_MAP_0F38, 0, 0xCA, 0, 5, EMUL_FEAT_SHA },
		{ "0f 38 cb 23", EMUL_MAP_0F38, 0, 0xCB, 0, 4, EMUL_FEAT_SHA },   /* sha256rnds2 */
		{ "0f 38 cc 33", EMUL_MAP_0F38, 0, 0xCC, 0, 6, EMUL_FEAT_SHA },
		{ "0f 38 cd 3b", EMUL_MAP_0F38, 0, 0xCD, 0, 7, EMUL_FEAT_SHA },
		{ "0f 3a cc 0b 03", EMUL_MAP_0F3A, 0, 0xCC, 3, 1, EMUL_FEAT_SHA },     /* sha1rnds4 */
	};
	const uint32_t crypto = EMUL_FEAT_PCLMUL | EMUL_FEAT_AES | EMUL_FEAT_SHA;

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(cases[i].hex);
		E.cpu.features = ALL_FEATURES | cases[i].feature;
		assert_int_equal(run(), EMUL_DONE);
		assert_requests(EMUL_MMIO_READ, DEV + 0x100, 16);
		assert_int_equal(E.runs, 1);
		assert_int_equal(E.seen.map, cases[i].map);
		assert_int_equal(E.seen.prefix, cases[i].prefix);
		assert_int_equal(E.seen.opcode, cases[i].opcode);
		assert_int_equal(E.seen.imm, cases[i].imm);
		assert_int_equal(E.seen.reg, cases[i].reg);
		assert_int_equal(E.seen.kind, EMUL_SIMD_XMM);
		assert_memory_equal(E.seen_buf, E.dev + 0x100, 16);
		setup(cases[i].hex);            /* only the other features */
		E.cpu.features = ALL_FEATURES | (crypto & ~cases[i].feature);
		assert_fault(6);
		setup(cases[i].hex);            /* misaligned */
		E.cpu.features = ALL_FEATURES | cases[i].feature;
		E.cpu.gpr[EMUL_RBX] = DEV + 0x108;
		assert_fault(13);
	}
}

/* AMD's SSE4a MOVNTSS m32, xmm and MOVNTSD m64, xmm (F3/F2 0F 2B): a
 * store of 4 or 8 bytes, misaligned too; #UD without SSE4a (the others
 * present), without CR4.OSFXSR, and for the register form; #NM for
 * CR0.TS. */
static void test_movnts(void **state)
{
	static const struct { const char *hex, *reg_hex; uint8_t prefix; unsigned size; } cases[] = {
		{ "f3 0f 2b 13", "f3 0f 2b d1", 0xF3, 4 },      /* movntss [rbx], xmm2 */
		{ "f2 44 0f 2b 03", "f2 0f 2b c1", 0xF2, 8 },   /* movntsd [rbx], xmm8 */
	};

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		setup(cases[i].hex);
		E.cpu.features = ALL_FEATURES | EMUL_FEAT_SSE4A;
		E.cpu.gpr[EMUL_RBX] = DEV + 0x103;
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.runs, 1);
		assert_int_equal(E.seen.map, EMUL_MAP_0F);
		assert_int_equal(E.seen.prefix, cases[i].prefix);
		assert_int_equal(E.seen.opcode, 0x2B);
		assert_int_equal(E.seen.reg, i ? 8 : 2);
		assert_int_equal(E.seen.kind, EMUL_SIMD_XMM);
		assert_requests(EMUL_MMIO_WRITE, DEV + 0x103, cases[i].size);
		for (unsigned b = 0; b < cases[i].size; b++)
			assert_int_equal(E.dev[0x103 + b], 0xA0 + b);
		assert_int_equal(E.dev[0x103 + cases[i].size],
				 (uint8_t)((0x103 + cases[i].size) * 13 + 5));
		setup(cases[i].hex);
		assert_fault(6);
		setup(cases[i].hex);
		E.cpu.features = ALL_FEATURES | EMUL_FEAT_SSE4A;
		E.cpu.cr4 &= ~CR4_OSFXSR;
		assert_fault(6);
		setup(cases[i].hex);
		E.cpu.features = ALL_FEATURES | EMUL_FEAT_SSE4A;
		E.cpu.cr0 |= CR0_TS;
		assert_fault(7);
		setup(cases[i].reg_hex);
		E.cpu.features = ALL_FEATURES | EMUL_FEAT_SSE4A;
		assert_fault(6);
	}
}

/* MASKMOVQ/MASKMOVDQU: the registers as a store of each finds them
 * (kind, register), the calls counted. */
static uint8_t mm_regs[2][16][16];
static unsigned mm_stores;

static int maskmov_simd(void *opaque, struct emul_simd *op)
{
	(void)opaque;
	if (op->query)
		return E.pending;
	if (op->map != EMUL_MAP_0F || op->opcode != 0x7F || op->regform ||
	    op->prefix != (op->kind == EMUL_SIMD_MMX ? 0 : 0xF3))
		return EMUL_SIMD_REFUSED;
	mm_stores++;
	memcpy(op->buf, mm_regs[op->kind == EMUL_SIMD_MMX][op->reg],
	       op->kind == EMUL_SIMD_MMX ? 8 : 16);
	return EMUL_SIMD_DONE;
}

static void setup_maskmov(const char *hex, const char *mask)
{
	setup(hex);
	E.ops.simd = maskmov_simd;
	emul_init(&E.ctx, &E.ops, &E.fm);
	E.cpu.gpr[EMUL_RDI] = DEV + 0x100;
	mm_stores = 0;
	memset(mm_regs, 0, sizeof(mm_regs));
	for (unsigned i = 0; i < 16; i++) {
		mm_regs[0][1][i] = (uint8_t)(0x10 + i);         /* xmm1 */
		mm_regs[1][1][i] = (uint8_t)(0x30 + i);         /* mm1 */
		mm_regs[0][2][i] = mm_regs[1][2][i] =           /* mask */
			mask[i] == 'x' ? (uint8_t)(0x80 | i) : (uint8_t)(0x7F - i);
	}
}

/* The device's bytes [0x100, 0x100 + n): the register's where sel has
 * 'x', the pattern of setup() elsewhere. */
static void assert_masked(const char *sel, uint8_t first, unsigned n, unsigned at)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(E.dev[at + i], sel[i] == 'x' ? (uint8_t)(first + i) :
					     (uint8_t)((at + i) * 13 + 5));
}

static void assert_write(unsigned k, uint64_t addr, unsigned len)
{
	assert_int_equal(E.fm.log[k].status, EMUL_MMIO_WRITE);
	assert_int_equal(E.fm.log[k].addr, addr);
	assert_int_equal(E.fm.log[k].len, len);
}

/* MASKMOVDQU xmm1, xmm2 (66 0F F7 CA) and MASKMOVQ mm1, mm2 (0F F7 CA):
 * one write per run of selected bytes (at most 8), the others untouched;
 * nothing at all for an all-zero mask; a segment override applies; the
 * whole destination checked before any write; #UD for the memory form,
 * without the feature, #NM for CR0.TS, #MF for MASKMOVQ with an x87
 * exception pending. */
static void test_maskmov(void **state)
{
	const char *sel = "xxx..x..xxxxxxxx";

	(void)state;
	setup_maskmov("66 0f f7 ca", sel);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + 4);
	assert_int_equal(E.fm.nlog, 3);
	assert_write(0, DEV + 0x100, 3);
	assert_write(1, DEV + 0x105, 1);
	assert_write(2, DEV + 0x108, 8);
	assert_masked(sel, 0x10, 17, 0x100);
	setup_maskmov("66 0f f7 ca", "xxxxxxxxxxxxxxxx");       /* 8 + 8 */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.fm.nlog, 2);
	assert_write(0, DEV + 0x100, 8);
	assert_write(1, DEV + 0x108, 8);
	setup_maskmov("66 0f f7 ca", "................");       /* no access */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + 4);
	assert_int_equal(E.fm.nlog, 0);
	setup_maskmov("0f f7 ca", ".x.xx..xxxxxxxxx");          /* MASKMOVQ */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + 3);
	assert_int_equal(E.fm.nlog, 3);
	assert_write(0, DEV + 0x101, 1);
	assert_write(1, DEV + 0x103, 2);
	assert_write(2, DEV + 0x107, 1);
	assert_masked(".x.xx..x........", 0x30, 16, 0x100);
	/* FS:rDI with FS's base (64-bit mode), and EDI with 67 */
	setup_maskmov("64 66 0f f7 ca", "x...............");
	E.cpu.seg[EMUL_SEG_FS].base = 0x10;
	E.cpu.gpr[EMUL_RDI] = DEV + 0xF0;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.fm.nlog, 1);
	assert_write(0, DEV + 0x100, 1);
	setup_maskmov("67 66 0f f7 ca", "x...............");
	E.cpu.gpr[EMUL_RDI] = 0xFFFFFFFF00000000ull | (DEV + 0x104);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.fm.nlog, 1);
	assert_write(0, DEV + 0x104, 1);
	/* only byte 0 selected, the last 8 bytes on a page that is not
	 * there: #PF before any write */
	setup_maskmov("66 0f f7 ca", "x...............");
	E.cpu.gpr[EMUL_RDI] = DEV + 0x1FF8;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 14);
	assert_int_equal(E.res.event.cr2, DEV + 0x2000);
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.cpu.rip, CODE);
	setup_maskmov("66 0f f7 ca", "x...............");       /* non-canonical */
	E.cpu.gpr[EMUL_RDI] = 0x0000800000000000ull - 8;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.fm.nlog, 0);
	/* before the registers are read */
	setup_maskmov("66 0f f7 0f", sel);                      /* [rdi] */
	assert_fault(6);
	setup_maskmov("66 0f f7 ca", sel);
	E.cpu.features = EMUL_FEAT_MMX | EMUL_FEAT_SSE;
	assert_fault(6);
	setup_maskmov("66 0f f7 ca", sel);
	E.cpu.cr4 &= ~CR4_OSFXSR;
	assert_fault(6);
	setup_maskmov("0f f7 ca", sel);
	E.cpu.features = EMUL_FEAT_MMX | EMUL_FEAT_SSE2;
	assert_fault(6);
	setup_maskmov("0f f7 ca", sel);                         /* AMD */
	E.cpu.features = EMUL_FEAT_MMX | EMUL_FEAT_MMXEXT;
	assert_int_equal(run(), EMUL_DONE);
	setup_maskmov("0f f7 ca", sel);
	E.cpu.cr0 |= CR0_TS;
	assert_fault(7);
	setup_maskmov("0f f7 ca", sel);
	E.pending = EMUL_SIMD_PENDING;
	assert_fault(16);
	assert_int_equal(mm_stores, 0);
	setup_maskmov("66 0f f7 ca", sel);                      /* not MMX */
	E.pending = EMUL_SIMD_PENDING;
	assert_int_equal(run(), EMUL_DONE);
}

/* PBLENDVB/BLENDVPS/BLENDVPD (66 0F 38 10/14/15, SSE4.1): 16 aligned
 * bytes read, one run naming the explicit register (XMM0, the mask, is
 * the callback's to keep); #UD without SSE4.1, #GP(0) misaligned. */
static void test_blendv(void **state)
{
	static const struct { const char *hex; uint8_t opcode, reg; } cases[] = {
		{ "66 0f 38 10 0b", 0x10, 1 }, { "66 0f 38 14 03", 0x14, 0 },
		{ "66 44 0f 38 15 3b", 0x15, 15 },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(cases[i].hex);
		assert_int_equal(run(), EMUL_DONE);
		assert_requests(EMUL_MMIO_READ, DEV + 0x100, 16);
		assert_int_equal(E.runs, 1);
		assert_int_equal(E.seen.map, EMUL_MAP_0F38);
		assert_int_equal(E.seen.prefix, 0x66);
		assert_int_equal(E.seen.opcode, cases[i].opcode);
		assert_int_equal(E.seen.reg, cases[i].reg);
		assert_int_equal(E.seen.kind, EMUL_SIMD_XMM);
		setup(cases[i].hex);
		E.cpu.features = ALL_FEATURES & ~EMUL_FEAT_SSE41;
		assert_fault(6);
		setup(cases[i].hex);
		E.cpu.gpr[EMUL_RBX] = DEV + 0x104;
		assert_fault(13);
	}
}

/* PCMPESTRM, PCMPESTRI, PCMPISTRM, PCMPISTRI (66 0F 3A 60-63, SSE4.2):
 * 16 bytes read, misaligned too (SDM: no #GP for that); the callback
 * told RAX and RDX and, for PCMPESTRx only, REX.W; the ...I forms write
 * ECX (zero-extended), the ...M forms no general register; CF ZF SF OF
 * from the run, AF PF cleared, no other flag; #UD without SSE4.2 (the
 * other SSE features present) or CR4.OSFXSR, #NM for CR0.TS; the
 * register form (code in MMIO) with both XMM registers and no access. */
static void test_string_compares(void **state)
{
	static const struct {
		const char *hex;
		uint8_t opcode, imm, reg, wide;
	} cases[] = {
		{ "66 0f 3a 60 0b 0c", 0x60, 0x0c, 1, 0 },
		{ "66 44 0f 3a 61 3b 4d", 0x61, 0x4d, 15, 0 },
		{ "66 48 0f 3a 61 13 01", 0x61, 0x01, 2, 1 },    /* REX.W: RAX, RDX */
		{ "66 48 0f 3a 60 13 40", 0x60, 0x40, 2, 1 },
		{ "66 0f 3a 62 23 1a", 0x62, 0x1a, 4, 0 },
		{ "66 48 0f 3a 63 03 00", 0x63, 0x00, 0, 0 },   /* REX.W ignored */
	};
	const uint64_t rflags_in = 0x2 | EMUL_FL_OF | EMUL_FL_AF | EMUL_FL_PF | EMUL_FL_DF;

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(cases[i].hex);
		E.cpu.gpr[EMUL_RBX] = DEV + 0x101;
		E.cpu.gpr[EMUL_RAX] = 0x8000000000000005ull;
		E.cpu.gpr[EMUL_RDX] = 0xFFFFFFFFFFFFFFF7ull;
		E.cpu.gpr[EMUL_RCX] = ~0ull;
		E.cpu.rflags = rflags_in;
		assert_int_equal(run(), EMUL_DONE);
		assert_requests(EMUL_MMIO_READ, DEV + 0x101, 16);
		assert_int_equal(E.runs, 1);
		assert_int_equal(E.seen.map, EMUL_MAP_0F3A);
		assert_int_equal(E.seen.prefix, 0x66);
		assert_int_equal(E.seen.opcode, cases[i].opcode);
		assert_int_equal(E.seen.imm, cases[i].imm);
		assert_int_equal(E.seen.reg, cases[i].reg);
		assert_int_equal(E.seen.kind, EMUL_SIMD_XMM);
		assert_int_equal(E.seen.regform, 0);
		assert_int_equal(E.seen.wide, cases[i].wide);
		assert_int_equal(E.seen.rax, 0x8000000000000005ull);
		assert_int_equal(E.seen.rdx, 0xFFFFFFFFFFFFFFF7ull);
		assert_memory_equal(E.seen_buf, E.dev + 0x101, 16);
		assert_int_equal(E.cpu.gpr[EMUL_RCX],
				 (cases[i].opcode & 1) ? 0x76543210ull : ~0ull);
		assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x8000000000000005ull);
		assert_int_equal(E.cpu.gpr[EMUL_RDX], 0xFFFFFFFFFFFFFFF7ull);
		assert_int_equal(E.cpu.rflags,
				 0x2 | EMUL_FL_ZF | EMUL_FL_CF | EMUL_FL_SF | EMUL_FL_DF);
		assert_int_equal(E.cpu.rip, CODE + strlen(cases[i].hex) / 3 + 1);
		setup(cases[i].hex);            /* every feature but SSE4.2 */
		E.cpu.features = ALL_FEATURES & ~EMUL_FEAT_SSE42;
		assert_fault(6);
		setup(cases[i].hex);
		E.cpu.cr4 &= ~CR4_OSFXSR;
		assert_fault(6);
		setup(cases[i].hex);
		E.cpu.cr0 |= CR0_TS;
		assert_fault(7);
	}
	setup("66 0f 3a 63 ca 0c");             /* pcmpistri xmm1, xmm2, 0x0c */
	E.cpu.gpr[EMUL_RCX] = ~0ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.seen.regform, 1);
	assert_int_equal(E.seen.reg, 1);
	assert_int_equal(E.seen.rm, 2);
	assert_int_equal(E.seen.rm_kind, EMUL_SIMD_XMM);
	assert_int_equal(E.seen.rm_dest, 0);
	assert_int_equal(E.seen.opcode, 0x63);
	assert_int_equal(E.cpu.gpr[EMUL_RCX], 0x76543210ull);
	assert_int_equal(E.cpu.rip, CODE + 6);
}

/* A callback that runs PCMPESTRI xmm1, m128, 0x0C (unsigned bytes, equal
 * ordered: where the substring XMM1[0, EAX) first starts in the operand
 * [0, EDX)) on this CPU (every x86-64 CPU this is tested on has SSE4.2),
 * XMM1 the needle "def". */
static int native_pcmpestri(void *opaque, struct emul_simd *op)
{
	static const char needle[16] __attribute__((aligned(16))) = "def";
	uint64_t rcx, rflags;

	(void)opaque;
	if (op->query)
		return EMUL_SIMD_DONE;
	E.runs++;
	__asm__ volatile("movdqa %[n], %%xmm1\n\t"
			 "pcmpestri $0x0c, %[h], %%xmm1\n\t"
			 "pushfq\n\tpopq %[fl]"
			 : "=c"(rcx), [fl] "=r"(rflags)
			 : [n] "m"(needle), [h] "m"(*(const uint8_t(*)[16])op->buf),
			   "a"(op->rax), "d"(op->rdx)
			 : "xmm1", "cc");
	op->gpr = rcx;
	op->rflags = rflags;
	return EMUL_SIMD_DONE;
}

/* Known answers (SDM Vol. 2B 4.1-4.2, equal ordered): "def" (EAX 3) in
 * "abcdefghijklmnop" (EDX 16) starts at 3: ECX 3, CF (a match), SF (EAX
 * < 16), ZF clear (EDX = 16), OF clear (no match at 0); in the first 5
 * bytes it does not fit: ECX 16 (no match), CF clear, ZF set (EDX < 16).
 * The lengths count in absolute value (-3: 3). */
static void test_string_compare_answers(void **state)
{
	static const struct {
		uint64_t rax, rdx, rcx, flags;
	} cases[] = {
		{ 3, 16, 3, EMUL_FL_CF | EMUL_FL_SF },
		{ 3, 5, 16, EMUL_FL_ZF | EMUL_FL_SF },
		{ (uint64_t)-3, 16, 3, EMUL_FL_CF | EMUL_FL_SF },
		{ 3, 0xFFFFFFFF00000010ull, 3, EMUL_FL_CF | EMUL_FL_SF },   /* EDX 16 */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup("66 0f 3a 61 0b 0c");     /* pcmpestri xmm1, [rbx], 0x0c */
		memcpy(E.dev + 0x100, "abcdefghijklmnop", 16);
		E.ops.simd = native_pcmpestri;
		emul_init(&E.ctx, &E.ops, &E.fm);
		E.cpu.gpr[EMUL_RAX] = cases[i].rax;
		E.cpu.gpr[EMUL_RDX] = cases[i].rdx;
		E.cpu.gpr[EMUL_RCX] = ~0ull;
		E.cpu.rflags = 0x2 | EMUL_FL_AF | EMUL_FL_PF | EMUL_FL_OF;
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.runs, 1);
		assert_int_equal(E.cpu.gpr[EMUL_RCX], cases[i].rcx);
		assert_int_equal(E.cpu.rflags, 0x2 | cases[i].flags);
	}
}

/* A callback with 16 XMM registers that runs only MOVDQU (F3 0F 6F and
 * 7F) between them and buf: what EXTRQ and INSERTQ ask of it. */
static uint8_t xmm[16][16];

static int fake_movdqu(void *opaque, struct emul_simd *op)
{
	(void)opaque;
	if (op->query)
		return EMUL_SIMD_DONE;
	E.runs++;
	if (op->map != EMUL_MAP_0F || op->prefix != 0xF3 || op->kind != EMUL_SIMD_XMM ||
	    op->regform || op->reg > 15 || (op->opcode != 0x6F && op->opcode != 0x7F))
		return EMUL_SIMD_REFUSED;
	if (op->opcode == 0x6F)
		memcpy(xmm[op->reg], op->buf, 16);
	else
		memcpy(op->buf, xmm[op->reg], 16);
	return EMUL_SIMD_DONE;
}

static void setup_sse4a(const char *hex)
{
	setup(hex);
	E.cpu.features = ALL_FEATURES | EMUL_FEAT_SSE4A;
	E.ops.simd = fake_movdqu;
	emul_init(&E.ctx, &E.ops, &E.fm);
	for (unsigned r = 0; r < 16; r++)
		for (unsigned b = 0; b < 16; b++)
			xmm[r][b] = (uint8_t)(0x10 * r + b);
}

static void set_quad(unsigned r, unsigned i, uint64_t v)
{
	memcpy(xmm[r] + 8 * i, &v, 8);
}

static uint64_t get_quad(unsigned r, unsigned i)
{
	uint64_t v;

	memcpy(&v, xmm[r] + 8 * i, 8);
	return v;
}

/* EXTRQ and INSERTQ (AMD APM Vol. 4), computed by the emulator: known
 * answers (the same operands on an AMD EPYC give these), the length 0
 * meaning 64, both fields mod 64, the destination's upper quadword
 * cleared (undefined in the APM; what the EPYC does), no other register
 * changed, the instruction's length with its two imm8s; REX.R/REX.B. */
static void test_sse4a(void **state)
{
	static const struct {
		const char *hex;
		unsigned len, dest, src;        /* src: a register operand, or 16 */
		uint64_t ctrl_lo, ctrl_hi;      /* the source's quadwords */
		uint64_t want;
	} cases[] = {
		/* extrq xmm3, 8, 4; 0, 0 (64 bits); 0x7c, 0xca (60, 10: 70 > 64,
		 * undefined, the EPYC's answer); 1, 63 */
		{ "66 0f 78 c3 08 04", 6, 3, 16, 0, 0, 0xde },
		{ "66 0f 78 c3 00 00", 6, 3, 16, 0, 0, 0x0123456789abcdefull },
		{ "66 0f 78 c3 7c ca", 6, 3, 16, 0, 0, 0x000048d159e26af3ull },
		{ "66 41 0f 78 c3 01 3f", 7, 11, 16, 0, 0, 0 },
		/* extrq xmm3, xmm1: length xmm1[5:0] 40, index xmm1[13:8] 30 */
		{ "66 0f 79 d9", 4, 3, 1, 0xffffffffffff1ea8ull, ~0ull, 0x048d159eull },
		/* insertq xmm3, xmm1, 8, 4; 0 (64), 0; 1, 63 */
		{ "f2 0f 78 d9 08 04", 6, 3, 1, 0xaaaaaaaaaaaaaaaaull, 0, 0x0123456789abcaafull },
		{ "f2 0f 78 d9 00 00", 6, 3, 1, 0xaaaaaaaaaaaaaaaaull, 0, 0xaaaaaaaaaaaaaaaaull },
		{ "f2 0f 78 d9 01 3f", 6, 3, 1, 0xaaaaaaaaaaaaaaabull, 0, 0x8123456789abcdefull },
		/* insertq xmm12, xmm1: length xmm1[69:64] 40, index [77:72] 30 */
		{ "f2 44 0f 79 e1", 5, 12, 1, 0xaaaaaaaaaaaaaaaaull, 0xffffffffffff1e28ull,
		  0xaaaaaaaa89abcdefull },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t before[16][16];

		setup_sse4a(cases[i].hex);
		set_quad(cases[i].dest, 0, 0x0123456789abcdefull);
		set_quad(cases[i].dest, 1, 0xfedcba9876543210ull);
		if (cases[i].src < 16) {
			set_quad(cases[i].src, 0, cases[i].ctrl_lo);
			set_quad(cases[i].src, 1, cases[i].ctrl_hi);
		}
		memcpy(before, xmm, sizeof(before));
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.cpu.rip, CODE + cases[i].len);
		assert_int_equal(E.fm.nlog, 0);
		assert_int_equal(get_quad(cases[i].dest, 0), cases[i].want);
		assert_int_equal(get_quad(cases[i].dest, 1), 0);
		for (unsigned r = 0; r < 16; r++)
			if (r != cases[i].dest)
				assert_memory_equal(xmm[r], before[r], 16);
		setup_sse4a(cases[i].hex);      /* every other feature */
		E.cpu.features = ALL_FEATURES;
		assert_fault(6);
		setup_sse4a(cases[i].hex);
		E.cpu.cr4 &= ~CR4_OSFXSR;
		assert_fault(6);
		setup_sse4a(cases[i].hex);
		E.cpu.cr0 |= CR0_EM;
		assert_fault(6);
		setup_sse4a(cases[i].hex);
		E.cpu.cr0 |= CR0_TS;
		assert_fault(7);
	}
	/* register only: the memory forms are #UD, so is EXTRQ's imm form
	 * with ModRM.reg other than 0 */
	static const char *const ud[] = {
		"66 0f 78 03 08 04", "f2 0f 78 0b 08 04", "66 0f 79 0b", "f2 0f 79 0b",
		"66 0f 78 cb 08 04",
	};
	for (unsigned i = 0; i < sizeof(ud) / sizeof(ud[0]); i++) {
		setup_sse4a(ud[i]);
		assert_fault(6);
	}
	/* F3 0F 78/79 are not SSE4a's: not emulated */
	setup_sse4a("f3 0f 79 d9");
	assert_int_equal(run(), EMUL_UNSUPPORTED);
}

/* The bit-field arithmetic alone, against a bit-by-bit model, for every
 * length and index whose field fits in 64 bits. */
static void test_sse4a_fields(void **state)
{
	const uint64_t v = 0x9e3779b97f4a7c15ull, w = 0x0123456789abcdefull;

	(void)state;
	for (unsigned len = 0; len < 64; len++)
		for (unsigned idx = 0; idx + (len ? len : 64) <= 64; idx++) {
			unsigned n = len ? len : 64;
			uint64_t e = 0, ins = v;

			for (unsigned b = 0; b < n; b++) {
				e |= ((v >> (idx + b)) & 1) << b;
				ins = (ins & ~(1ull << (idx + b))) | (((w >> b) & 1) << (idx + b));
			}
			assert_int_equal(emul_extrq(v, len, idx), e);
			assert_int_equal(emul_extrq(v, len + 64, idx + 192), e);
			assert_int_equal(emul_insertq(v, w, len, idx), ins);
		}
}

/* Not emulated: prefixes no instruction has, no callback. (VEX forms are #UD without CR4.OSXSAVE:
 * test_exec's test_vex.) */
static void test_refused(void **state)
{
	static const char *const refused[] = {
		"f3 0f 73 d9 03",       /* the shift groups with F3 */
		"f3 0f 0f 03 9e",       /* 3DNow! with F3 */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		setup(refused[i]);
		assert_int_equal(run(), EMUL_UNSUPPORTED);
		assert_untouched();
	}
	/* the register forms of memory-only instructions: #UD, whatever
	 * the callback */
	static const char *const memonly[] = {
		"0f 2b c1", "0f 17 c1", "66 0f 16 c1", "0f e7 c1", "f2 0f f0 c1",
		"66 0f 38 2a c1",
	};
	for (unsigned i = 0; i < sizeof(memonly) / sizeof(memonly[0]); i++) {
		setup(memonly[i]);
		E.ops.simd = NULL;
		emul_init(&E.ctx, &E.ops, &E.fm);
		assert_int_equal(run(), EMUL_EXCEPTION);
		assert_int_equal(E.res.event.vector, 6);
		assert_untouched();
	}
	/* and the memory forms of register-only ones */
	static const char *const regonly[] = {
		"0f 50 03", "66 0f 50 03", "0f d7 03", "66 0f d7 03", "0f c5 03 01",
		"66 0f c5 03 01", "f3 0f d6 03", "f2 0f d6 03",
	};
	for (unsigned i = 0; i < sizeof(regonly) / sizeof(regonly[0]); i++) {
		setup(regonly[i]);
		assert_int_equal(run(), EMUL_EXCEPTION);
		assert_int_equal(E.res.event.vector, 6);
		assert_false(E.res.event.has_error_code);
		assert_untouched();
	}
	setup("0f 6f 03");
	E.ops.simd = NULL;
	emul_init(&E.ctx, &E.ops, &E.fm);
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_untouched();
}

struct reg_case {
	const char *hex;
	unsigned len;
	uint8_t kind, reg, rm_kind, rm, rm_dest, queries;
};

/* Register forms (code in MMIO): no access, one run told both registers,
 * their files and which is written; #MF asked when either is MMX. */
static void test_register_forms(void **state)
{
	static const struct reg_case cases[] = {
		{ "0f ef c1", 3, EMUL_SIMD_MMX, 0, EMUL_SIMD_MMX, 1, 0, 1 },      /* pxor mm0, mm1 */
		{ "0f 16 d3", 3, EMUL_SIMD_XMM, 2, EMUL_SIMD_XMM, 3, 0, 0 },      /* movlhps */
		{ "66 41 0f 7f d9", 5, EMUL_SIMD_XMM, 3, EMUL_SIMD_XMM, 9, 1, 0 }, /* movdqa xmm9, xmm3 */
		{ "0f 2a c1", 3, EMUL_SIMD_XMM, 0, EMUL_SIMD_MMX, 1, 0, 1 },      /* cvtpi2ps xmm0, mm1 */
		{ "4d 0f 2d cf", 4, EMUL_SIMD_MMX, 1, EMUL_SIMD_XMM, 15, 0, 1 },  /* cvtps2pi mm1, xmm15 */
		{ "66 0f 38 00 ed", 5, EMUL_SIMD_XMM, 5, EMUL_SIMD_XMM, 5, 0, 0 }, /* pshufb xmm5, xmm5 */
		{ "0f 2f c8", 3, EMUL_SIMD_XMM, 1, EMUL_SIMD_XMM, 0, 0, 0 },      /* comiss */
		/* with an imm8 or 3DNow!'s suffix (imm checked below) */
		{ "0f 70 c1 05", 4, EMUL_SIMD_MMX, 0, EMUL_SIMD_MMX, 1, 0, 1 },   /* pshufw */
		{ "66 44 0f 70 d2 1b", 6, EMUL_SIMD_XMM, 10, EMUL_SIMD_XMM, 2, 0, 0 }, /* pshufd */
		{ "0f c6 c1 44", 4, EMUL_SIMD_XMM, 0, EMUL_SIMD_XMM, 1, 0, 0 },   /* shufps */
		{ "66 0f 3a 21 c1 c5", 6, EMUL_SIMD_XMM, 0, EMUL_SIMD_XMM, 1, 0, 0 }, /* insertps */
		{ "0f 0f c1 9e", 4, EMUL_SIMD_MMX, 0, EMUL_SIMD_MMX, 1, 0, 1 },   /* pfadd */
		/* ModRM.reg a general register */
		{ "f3 0f 2c c1", 4, EMUL_SIMD_GPR, 0, EMUL_SIMD_XMM, 1, 0, 0 },   /* cvttss2si */
		{ "44 0f 50 c1", 4, EMUL_SIMD_GPR, 8, EMUL_SIMD_XMM, 1, 0, 0 },   /* movmskps r8d */
		{ "66 0f 50 d7", 4, EMUL_SIMD_GPR, 2, EMUL_SIMD_XMM, 7, 0, 0 },   /* movmskpd */
		{ "0f d7 c9", 3, EMUL_SIMD_GPR, 1, EMUL_SIMD_MMX, 1, 0, 1 },      /* pmovmskb ecx, mm1 */
		{ "66 41 0f d7 c1", 5, EMUL_SIMD_GPR, 0, EMUL_SIMD_XMM, 9, 0, 0 }, /* pmovmskb eax, xmm9 */
		{ "0f c5 c1 02", 4, EMUL_SIMD_GPR, 0, EMUL_SIMD_MMX, 1, 0, 1 },   /* pextrw eax, mm1 */
		{ "66 0f c5 da 07", 5, EMUL_SIMD_GPR, 3, EMUL_SIMD_XMM, 2, 0, 0 }, /* pextrw ebx, xmm2 */
		/* between the files: movq2dq xmm2, mm1; movdq2q mm3, xmm12 */
		{ "f3 0f d6 d1", 4, EMUL_SIMD_XMM, 2, EMUL_SIMD_MMX, 1, 0, 1 },
		{ "f2 41 0f d6 dc", 5, EMUL_SIMD_MMX, 3, EMUL_SIMD_XMM, 12, 0, 1 },
	};
	static const uint8_t imm[sizeof(cases) / sizeof(cases[0])] = {
		[7] = 5, [8] = 0x1B, [9] = 0x44, [10] = 0xC5, [11] = 0x9E, [17] = 2, [18] = 7,
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct reg_case *c = &cases[i];

		setup(c->hex);
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.fm.nlog, 0);
		assert_int_equal(E.runs, 1);
		assert_int_equal(E.queries, c->queries);
		assert_true(E.seen.regform);
		assert_int_equal(E.seen.kind, c->kind);
		assert_int_equal(E.seen.reg, c->reg);
		assert_int_equal(E.seen.rm_kind, c->rm_kind);
		assert_int_equal(E.seen.rm, c->rm);
		assert_int_equal(E.seen.rm_dest, c->rm_dest);
		assert_int_equal(E.seen.imm, imm[i]);
		assert_int_equal(E.cpu.rip, CODE + c->len);
		/* a general register gets the run's value, 32 bits of it */
		if (c->kind == EMUL_SIMD_GPR)
			assert_int_equal(E.cpu.gpr[c->reg], 0x76543210);
	}
	setup("0f 2f c8");                      /* comiss: RFLAGS */
	assert_int_equal(run(), EMUL_DONE);
	assert_true(E.cpu.rflags & EMUL_FL_ZF);
	setup("0f 2a c1");                      /* cvtpi2ps xmm0, mm1 waits */
	E.pending = EMUL_SIMD_PENDING;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 16);
	setup("66 0f ef c1");                   /* pxor xmm: OSFXSR, #NM */
	E.cpu.cr4 &= ~CR4_OSFXSR;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 6);
	setup("0f ef c1");
	E.cpu.cr0 |= CR0_TS;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 7);
	assert_int_equal(E.runs, 0);
}

struct gpr_rm_case {
	const char *hex;
	unsigned len;
	uint8_t kind, reg, opcode, imm, queries;
	uint64_t buf;           /* what the run is given in buf[0..7] */
	unsigned dst;           /* a general register written (16: none) */
	uint64_t value;         /* ... its value after */
};

/* Register forms whose ModRM.rm is a general register: the callback runs
 * the memory form (regform 0) with the register's low bytes in buf (the
 * form's operand size, the rest 0; r32 even for the byte forms: RSP, not
 * AH), or the register gets what the run left in buf, zero-extended to
 * all 64 bits. No access; MMX forms ask for a pending x87 exception. */
static void test_gpr_rm_forms(void **state)
{
	static const struct gpr_rm_case cases[] = {
		{ "0f 6e c1", 3, EMUL_SIMD_MMX, 0, 0x6E, 0, 1, 0x55667788, 16, 0 },
		{ "66 41 0f 6e c9", 5, EMUL_SIMD_XMM, 1, 0x6E, 0, 0, 0x99AABBCC, 16, 0 },
		{ "f3 0f 2a d4", 4, EMUL_SIMD_XMM, 2, 0x2A, 0, 0, 0xDDEE1234, 16, 0 },
		{ "66 0f c4 c1 05", 5, EMUL_SIMD_XMM, 0, 0xC4, 5, 0, 0x7788, 16, 0 },
		{ "0f c4 e1 03", 4, EMUL_SIMD_MMX, 4, 0xC4, 3, 1, 0x7788, 16, 0 },
		{ "66 0f 3a 20 c4 03", 6, EMUL_SIMD_XMM, 0, 0x20, 3, 0, 0x34, 16, 0 },
		{ "66 0f 3a 22 c1 02", 6, EMUL_SIMD_XMM, 0, 0x22, 2, 0, 0x55667788, 16, 0 },
		{ "0f 7e c3", 3, EMUL_SIMD_MMX, 0, 0x7E, 0, 1, 0, EMUL_RBX, 0xA3A2A1A0 },
		{ "66 41 0f 7e c7", 5, EMUL_SIMD_XMM, 0, 0x7E, 0, 0, 0, 15, 0xA3A2A1A0 },
		{ "66 0f 3a 14 c3 03", 6, EMUL_SIMD_XMM, 0, 0x14, 3, 0, 0, EMUL_RBX, 0xA0 },
		{ "66 48 0f 3a 15 c3 03", 7, EMUL_SIMD_XMM, 0, 0x15, 3, 0, 0, EMUL_RBX, 0xA1A0 },
		{ "66 0f 3a 16 c3 01", 6, EMUL_SIMD_XMM, 0, 0x16, 1, 0, 0, EMUL_RBX, 0xA3A2A1A0 },
		{ "66 0f 3a 17 c3 01", 6, EMUL_SIMD_XMM, 0, 0x17, 1, 0, 0, EMUL_RBX, 0xA3A2A1A0 },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct gpr_rm_case *c = &cases[i];
		uint8_t want[16] = { 0 };

		setup(c->hex);
		E.cpu.gpr[EMUL_RAX] = 0xAABB;
		E.cpu.gpr[EMUL_RCX] = 0x1122334455667788ull;
		E.cpu.gpr[EMUL_RBX] = ~0ull;
		E.cpu.gpr[EMUL_RSP] = 0xFFFF0000DDEE1234ull;
		E.cpu.gpr[9] = 0x1234567899AABBCCull;
		E.cpu.gpr[15] = ~0ull;
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.fm.nlog, 0);
		assert_int_equal(E.runs, 1);
		assert_int_equal(E.queries, c->queries);
		assert_false(E.seen.regform);
		assert_int_equal(E.seen.kind, c->kind);
		assert_int_equal(E.seen.reg, c->reg);
		assert_int_equal(E.seen.opcode, c->opcode);
		assert_int_equal(E.seen.imm, c->imm);
		assert_int_equal(E.cpu.rip, CODE + c->len);
		if (c->dst == 16) {
			memcpy(want, &c->buf, 8);
			assert_memory_equal(E.seen_buf, want, 16);
		} else {
			assert_int_equal(E.cpu.gpr[c->dst], c->value);
		}
	}
	/* the checks of the memory form: #UD without OSFXSR, #NM, #MF */
	setup("66 0f 6e c1");
	E.cpu.cr4 &= ~CR4_OSFXSR;
	assert_fault(6);
	setup("0f 7e c3");
	E.cpu.cr0 |= CR0_TS;
	assert_fault(7);
	setup("0f 7e c3");
	E.cpu.gpr[EMUL_RBX] = 5;
	E.pending = EMUL_SIMD_PENDING;
	assert_fault(16);
	assert_int_equal(E.cpu.gpr[EMUL_RBX], 5);
	setup("66 0f 3a 20 c4 03");             /* pinsrb needs SSE4.1 */
	E.cpu.features &= ~EMUL_FEAT_SSE41;
	assert_fault(6);
}

struct shift_case {
	const char *hex;
	unsigned len;
	uint8_t kind, reg, opcode, queries;
};

/* Groups 12-14 (0F 71-73 /r ib): the callback runs the shift by a count
 * operand, memory form, on ModRM.rm's register with buf the imm8
 * zero-extended (PSRLDQ/PSLLDQ: their register form); no access.
 * Undefined ModRM.reg values and the memory forms are #UD (before #NM),
 * without MMX/SSE2 #UD too. */
static void test_shift_imm_forms(void **state)
{
	static const struct shift_case cases[] = {
		{ "0f 71 d1 03", 4, EMUL_SIMD_MMX, 1, 0xD1, 1 },        /* psrlw mm1, 3 */
		{ "0f 71 e7 0f", 4, EMUL_SIMD_MMX, 7, 0xE1, 1 },        /* psraw mm7 */
		{ "0f 72 f0 20", 4, EMUL_SIMD_MMX, 0, 0xF2, 1 },        /* pslld mm0, 32 */
		{ "0f 73 d2 ff", 4, EMUL_SIMD_MMX, 2, 0xD3, 1 },        /* psrlq mm2 */
		{ "66 0f 71 f3 05", 5, EMUL_SIMD_XMM, 3, 0xF1, 0 },     /* psllw xmm3 */
		{ "66 41 0f 72 e7 1f", 6, EMUL_SIMD_XMM, 15, 0xE2, 0 }, /* psrad xmm15 */
		{ "66 0f 72 d4 01", 5, EMUL_SIMD_XMM, 4, 0xD2, 0 },     /* psrld xmm4 */
		{ "66 0f 73 f2 40", 5, EMUL_SIMD_XMM, 2, 0xF3, 0 },     /* psllq xmm2, 64 */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct shift_case *c = &cases[i];
		uint8_t want[16] = { 0 };

		setup(c->hex);
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.fm.nlog, 0);
		assert_int_equal(E.runs, 1);
		assert_int_equal(E.queries, c->queries);
		assert_false(E.seen.regform);
		assert_int_equal(E.seen.map, EMUL_MAP_0F);
		assert_int_equal(E.seen.prefix, c->kind == EMUL_SIMD_XMM ? 0x66 : 0);
		assert_int_equal(E.seen.opcode, c->opcode);
		assert_int_equal(E.seen.imm, 0);
		assert_int_equal(E.seen.kind, c->kind);
		assert_int_equal(E.seen.reg, c->reg);
		want[0] = E.code[c->len - 1];
		assert_memory_equal(E.seen_buf, want, 16);
		assert_int_equal(E.cpu.rip, CODE + c->len);
	}
	/* PSRLDQ, PSLLDQ: the register form, ModRM.reg the extension,
	 * ModRM.rm the destination */
	setup("66 41 0f 73 db 05");             /* psrldq xmm11, 5 */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.runs, 1);
	assert_true(E.seen.regform);
	assert_int_equal(E.seen.opcode, 0x73);
	assert_int_equal(E.seen.prefix, 0x66);
	assert_int_equal(E.seen.imm, 5);
	assert_int_equal(E.seen.reg, 3);
	assert_int_equal(E.seen.rm, 11);
	assert_int_equal(E.seen.rm_kind, EMUL_SIMD_XMM);
	assert_true(E.seen.rm_dest);
	assert_int_equal(E.cpu.rip, CODE + 6);
	setup("66 44 0f 73 f9 10");             /* pslldq xmm1, 16 (REX.R: ignored) */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.seen.reg, 7);
	assert_int_equal(E.seen.rm, 1);
	assert_int_equal(E.seen.imm, 0x10);
	static const char *const ud[] = {
		"0f 71 c1 03", "0f 71 d9 03", "66 0f 72 f9 03", "0f 73 d9 03",
		"0f 73 f9 03", "0f 73 e1 03", "0f 71 13 03", "66 0f 73 13 03",
		"66 0f 73 1b 03",
	};
	for (unsigned i = 0; i < sizeof(ud) / sizeof(ud[0]); i++) {
		setup(ud[i]);
		E.cpu.cr0 |= CR0_TS;
		assert_fault(6);
	}
	setup("0f 71 d1 03");                   /* MMX: CR0.TS, #NM; #MF */
	E.cpu.cr0 |= CR0_TS;
	assert_fault(7);
	setup("0f 71 d1 03");
	E.pending = EMUL_SIMD_PENDING;
	assert_fault(16);
	setup("66 0f 71 d1 03");                /* SSE2 and OSFXSR */
	E.cpu.features &= ~EMUL_FEAT_SSE2;
	assert_fault(6);
	setup("66 0f 71 d1 03");
	E.cpu.cr4 &= ~CR4_OSFXSR;
	assert_fault(6);
}

struct wide_case {
	const char *hex;
	unsigned len;
	uint8_t prefix, map, opcode, imm, kind, reg, regform;
	uint8_t access, size;   /* EMUL_MMIO_READ/_WRITE of size bytes, or 0 */
	uint64_t buf;           /* what the run is given in buf[0..7] */
	unsigned dst;           /* a general register written (16: none) */
	uint64_t value;         /* ... its value after */
};

/* REX.W (64-bit mode) on MOVD/MOVQ, PINSRD/PEXTRD, CVTSI2SS/SD and
 * CVT(T)SS2SI/SD2SI: the callback is told (wide), a memory or general-
 * register operand of 8 bytes (CVT(T)xx2SI keep their m32/m64 source and
 * write all of r64); the checks of the 32-bit forms. */
static void test_wide_forms(void **state)
{
	static const struct wide_case cases[] = {
		/* movq mm1, [rbx]; movq [rbx], mm0 */
		{ "48 0f 6e 0b", 4, 0, EMUL_MAP_0F, 0x6E, 0, EMUL_SIMD_MMX, 1, 0,
		  EMUL_MMIO_READ, 8, 0, 16, 0 },
		{ "48 0f 7e 03", 4, 0, EMUL_MAP_0F, 0x7E, 0, EMUL_SIMD_MMX, 0, 0,
		  EMUL_MMIO_WRITE, 8, 0, 16, 0 },
		/* movq xmm9, [rbx]; movq [rbx], xmm0 */
		{ "66 4c 0f 6e 0b", 5, 0x66, EMUL_MAP_0F, 0x6E, 0, EMUL_SIMD_XMM, 9, 0,
		  EMUL_MMIO_READ, 8, 0, 16, 0 },
		{ "66 48 0f 7e 03", 5, 0x66, EMUL_MAP_0F, 0x7E, 0, EMUL_SIMD_XMM, 0, 0,
		  EMUL_MMIO_WRITE, 8, 0, 16, 0 },
		/* cvtsi2ss xmm0, qword [rbx]; cvtsi2sd */
		{ "f3 48 0f 2a 03", 5, 0xF3, EMUL_MAP_0F, 0x2A, 0, EMUL_SIMD_XMM, 0, 0,
		  EMUL_MMIO_READ, 8, 0, 16, 0 },
		{ "f2 48 0f 2a 03", 5, 0xF2, EMUL_MAP_0F, 0x2A, 0, EMUL_SIMD_XMM, 0, 0,
		  EMUL_MMIO_READ, 8, 0, 16, 0 },
		/* pextrq [rbx], xmm0, 1; pinsrq xmm2, [rbx], 1 */
		{ "66 48 0f 3a 16 03 01", 7, 0x66, EMUL_MAP_0F3A, 0x16, 1, EMUL_SIMD_XMM, 0, 0,
		  EMUL_MMIO_WRITE, 8, 0, 16, 0 },
		{ "66 48 0f 3a 22 13 01", 7, 0x66, EMUL_MAP_0F3A, 0x22, 1, EMUL_SIMD_XMM, 2, 0,
		  EMUL_MMIO_READ, 8, 0, 16, 0 },
		/* movq mm0, rcx; movq rcx, xmm0; movq r15, mm0 */
		{ "48 0f 6e c1", 4, 0, EMUL_MAP_0F, 0x6E, 0, EMUL_SIMD_MMX, 0, 0,
		  0, 0, 0x1122334455667788ull, 16, 0 },
		{ "66 48 0f 7e c1", 5, 0x66, EMUL_MAP_0F, 0x7E, 0, EMUL_SIMD_XMM, 0, 0,
		  0, 0, 0, EMUL_RCX, 0xA7A6A5A4A3A2A1A0ull },
		{ "49 0f 7e c7", 4, 0, EMUL_MAP_0F, 0x7E, 0, EMUL_SIMD_MMX, 0, 0,
		  0, 0, 0, 15, 0xA7A6A5A4A3A2A1A0ull },
		/* cvtsi2sd xmm0, r9; pinsrq xmm0, rcx, 1; pextrq rbx, xmm0, 1 */
		{ "f2 49 0f 2a c1", 5, 0xF2, EMUL_MAP_0F, 0x2A, 0, EMUL_SIMD_XMM, 0, 0,
		  0, 0, 0x1234567899AABBCCull, 16, 0 },
		{ "66 48 0f 3a 22 c1 01", 7, 0x66, EMUL_MAP_0F3A, 0x22, 1, EMUL_SIMD_XMM, 0, 0,
		  0, 0, 0x1122334455667788ull, 16, 0 },
		{ "66 48 0f 3a 16 c3 01", 7, 0x66, EMUL_MAP_0F3A, 0x16, 1, EMUL_SIMD_XMM, 0, 0,
		  0, 0, 0, EMUL_RBX, 0xA7A6A5A4A3A2A1A0ull },
		/* cvttss2si rcx, [rbx] (m32); cvtsd2si rax, [rbx]; cvttss2si
		 * rax, xmm1 (a register form, ModRM.rm XMM1) */
		{ "f3 48 0f 2c 0b", 5, 0xF3, EMUL_MAP_0F, 0x2C, 0, EMUL_SIMD_GPR, 1, 0,
		  EMUL_MMIO_READ, 4, 0, EMUL_RCX, 0xFEDCBA9876543210ull },
		{ "f2 48 0f 2d 03", 5, 0xF2, EMUL_MAP_0F, 0x2D, 0, EMUL_SIMD_GPR, 0, 0,
		  EMUL_MMIO_READ, 8, 0, EMUL_RAX, 0xFEDCBA9876543210ull },
		{ "f3 48 0f 2c c1", 5, 0xF3, EMUL_MAP_0F, 0x2C, 0, EMUL_SIMD_GPR, 0, 1,
		  0, 0, 0, EMUL_RAX, 0xFEDCBA9876543210ull },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct wide_case *c = &cases[i];
		uint8_t want[16] = { 0 };

		setup(c->hex);
		E.cpu.gpr[EMUL_RAX] = 0xAABB;
		E.cpu.gpr[EMUL_RCX] = 0x1122334455667788ull;
		E.cpu.gpr[9] = 0x1234567899AABBCCull;
		E.cpu.gpr[15] = 5;
		if (!c->access)
			E.cpu.gpr[EMUL_RBX] = 7;
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.runs, 1);
		assert_true(E.seen.wide);
		assert_int_equal(E.seen.prefix, c->prefix);
		assert_int_equal(E.seen.map, c->map);
		assert_int_equal(E.seen.opcode, c->opcode);
		assert_int_equal(E.seen.imm, c->imm);
		assert_int_equal(E.seen.kind, c->kind);
		assert_int_equal(E.seen.reg, c->reg);
		assert_int_equal(E.seen.regform, c->regform);
		assert_int_equal(E.cpu.rip, CODE + c->len);
		if (c->access) {
			assert_requests(c->access, DEV + 0x100, c->size);
		} else {
			assert_int_equal(E.fm.nlog, 0);
			memcpy(want, &c->buf, 8);
			if (!c->regform)
				assert_memory_equal(E.seen_buf, want, 16);
		}
		if (c->access == EMUL_MMIO_WRITE) {
			for (unsigned b = 0; b < 8; b++)
				assert_int_equal(E.dev[0x100 + b], 0xA0 + b);
			assert_int_equal(E.dev[0x108], (uint8_t)(0x108 * 13 + 5));
		}
		if (c->dst != 16)
			assert_int_equal(E.cpu.gpr[c->dst], c->value);
	}
	/* without REX.W: 32 bits, bits 63:32 of the register cleared */
	setup("66 0f 7e c1");
	E.cpu.gpr[EMUL_RCX] = ~0ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_false(E.seen.wide);
	assert_int_equal(E.cpu.gpr[EMUL_RCX], 0xA3A2A1A0);
	setup("f3 0f 2c c1");
	assert_int_equal(run(), EMUL_DONE);
	assert_false(E.seen.wide);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x76543210);
	/* REX.W ignored elsewhere: pextrw r64 writes the 32-bit value */
	setup("66 48 0f c5 c1 01");
	E.cpu.gpr[EMUL_RAX] = ~0ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_false(E.seen.wide);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x76543210);
	/* the faults, in the 32-bit forms' order, nothing written */
	setup("66 48 0f 3a 22 c1 01");          /* pinsrq: SSE4.1 */
	E.cpu.features &= ~EMUL_FEAT_SSE41;
	assert_fault(6);
	setup("f2 48 0f 2a c1");                /* cvtsi2sd: SSE2 */
	E.cpu.features &= ~EMUL_FEAT_SSE2;
	assert_fault(6);
	setup("66 48 0f 6e c1");                /* no OSFXSR */
	E.cpu.cr4 &= ~CR4_OSFXSR;
	assert_fault(6);
	setup("48 0f 7e c1");                   /* CR0.EM */
	E.cpu.cr0 |= CR0_EM;
	assert_fault(6);
	setup("48 0f 7e c1");                   /* #NM */
	E.cpu.cr0 |= CR0_TS;
	E.cpu.gpr[EMUL_RCX] = 5;
	assert_fault(7);
	assert_int_equal(E.cpu.gpr[EMUL_RCX], 5);
	setup("48 0f 7e 03");                   /* #MF before the access */
	E.pending = EMUL_SIMD_PENDING;
	assert_fault(16);
	setup("66 48 0f 7e 03");                /* the store's #PF first */
	E.cpu.gpr[EMUL_RBX] = DEV + 0x1FFC;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 14);
	assert_int_equal(E.res.event.cr2, DEV + 0x2000);
	assert_untouched();
	setup("f3 48 0f 2d 0b");                /* #XM, RCX kept */
	E.answer = EMUL_SIMD_XM;
	E.cpu.gpr[EMUL_RCX] = 5;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 19);
	assert_int_equal(E.cpu.gpr[EMUL_RCX], 5);
	assert_int_equal(E.cpu.rip, CODE);
}

/* EMMS and FEMMS (code in MMIO): no access, one run of the instruction
 * itself (MMX kind, no prefix), after the #MF query; #UD for CR0.EM or
 * without MMX (3DNow! for FEMMS), then #NM, then #MF; with a mandatory
 * prefix refused (nothing is defined there). */
static void test_emms(void **state)
{
	static const struct { const char *hex; uint8_t opcode; uint32_t feature; } cases[] = {
		{ "0f 77", 0x77, EMUL_FEAT_MMX },
		{ "0f 0e", 0x0E, EMUL_FEAT_3DNOW },
	};

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		const char *hex = cases[i].hex;

		setup(hex);
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.fm.nlog, 0);
		assert_int_equal(E.queries, 1);
		assert_int_equal(E.runs, 1);
		assert_int_equal(E.seen.map, EMUL_MAP_0F);
		assert_int_equal(E.seen.prefix, 0);
		assert_int_equal(E.seen.opcode, cases[i].opcode);
		assert_int_equal(E.seen.kind, EMUL_SIMD_MMX);
		assert_false(E.seen.regform);
		assert_false(E.seen.wide);
		assert_int_equal(E.cpu.rip, CODE + 2);
		setup(hex);                     /* the feature */
		E.cpu.features &= ~cases[i].feature;
		E.cpu.cr0 |= CR0_TS;
		assert_fault(6);
		setup(hex);                     /* CR0.EM before CR0.TS */
		E.cpu.cr0 |= CR0_EM | CR0_TS;
		assert_fault(6);
		setup(hex);                     /* OSFXSR is not needed */
		E.cpu.cr4 &= ~CR4_OSFXSR;
		assert_int_equal(run(), EMUL_DONE);
		setup(hex);
		E.cpu.cr0 |= CR0_TS;
		E.pending = EMUL_SIMD_PENDING;
		assert_fault(7);
		setup(hex);
		E.pending = EMUL_SIMD_PENDING;
		assert_fault(16);
		assert_false(E.res.event.has_error_code);
		setup(hex);                     /* CR0.NE = 0: FERR#, not modelled */
		E.cpu.cr0 &= ~CR0_NE;
		E.pending = EMUL_SIMD_PENDING;
		assert_int_equal(run(), EMUL_UNSUPPORTED);
		assert_untouched();
	}
	/* EMMS needs MMX only: without 3DNow! it runs, FEMMS does not */
	setup("0f 77");
	E.cpu.features = EMUL_FEAT_MMX;
	assert_int_equal(run(), EMUL_DONE);
	setup("0f 0e");
	E.cpu.features = EMUL_FEAT_MMX | EMUL_FEAT_SSE | EMUL_FEAT_SSE2;
	assert_fault(6);
	/* REX.W (64-bit mode) is ignored */
	setup("48 0f 77");
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + 3);
	static const char *const refused[] = { "66 0f 77", "f3 0f 77", "f2 0f 0e", "66 0f 0e" };
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		setup(refused[i]);
		assert_int_equal(run(), EMUL_UNSUPPORTED);
		assert_untouched();
	}
	setup("0f 77");                         /* no callback */
	E.ops.simd = NULL;
	emul_init(&E.ctx, &E.ops, &E.fm);
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_untouched();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads),
		cmocka_unit_test(test_stores),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_state_faults),
		cmocka_unit_test(test_pending_x87),
		cmocka_unit_test(test_simd_exception),
		cmocka_unit_test(test_gpr_and_flags),
		cmocka_unit_test(test_real_mode),
		cmocka_unit_test(test_register_forms),
		cmocka_unit_test(test_gpr_rm_forms),
		cmocka_unit_test(test_shift_imm_forms),
		cmocka_unit_test(test_wide_forms),
		cmocka_unit_test(test_emms),
		cmocka_unit_test(test_crypto_forms),
		cmocka_unit_test(test_movnts),
		cmocka_unit_test(test_maskmov),
		cmocka_unit_test(test_blendv),
		cmocka_unit_test(test_string_compares),
		cmocka_unit_test(test_string_compare_answers),
		cmocka_unit_test(test_sse4a),
		cmocka_unit_test(test_sse4a_fields),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
