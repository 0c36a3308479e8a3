/*
 * test_bitcount.c - POPCNT (F3 0F B8), TZCNT (F3 0F BC) and LZCNT
 * (F3 0F BD) with their source in MMIO: known answers for 64-, 32- and
 * 16-bit operands (a zero source, the top and bottom bits), the flags
 * (POPCNT: ZF, the rest cleared; LZCNT/TZCNT: CF for a zero source, ZF
 * for a zero result, SF AF PF cleared and OF kept, emul/exec_bitcount.c),
 * one read of the operand size, and the CPUID gating: POPCNT is #UD
 * without its bit, LZCNT and TZCNT run as BSR and BSF without theirs.
 * Each case runs for both vendors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "emul.h"
#include "fakemem.h"
#include "test_util.h"

#define CODE 0x1000ull
#define DATA 0x8000ull          /* 0x8000 RAM, 0x9000 MMIO */
#define DEV 0x9000ull
#define FL_SZAPC (EMUL_FL_CF | EMUL_FL_PF | EMUL_FL_AF | EMUL_FL_ZF | EMUL_FL_SF)
#define FL_ALL (FL_SZAPC | EMUL_FL_OF)
#define ALL_FEATS (EMUL_FEAT_POPCNT | EMUL_FEAT_LZCNT | EMUL_FEAT_BMI1)
#define RAX_BEFORE 0x5555AAAA5555AAAAull

static const uint8_t vendors[] = { EMUL_VENDOR_INTEL, EMUL_VENDOR_AMD };

static struct {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	uint8_t code[4096];
	uint8_t data[8192];
} E;

/* 64-bit mode; the instruction's source is [rbx] = the device's first
 * qword, holding src; RAX holds RAX_BEFORE, RFLAGS the flags fl. */
static void setup(const char *hex, uint8_t vendor, uint32_t feats,
		  uint64_t src, uint32_t fl)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.code);
	fake_init(&E.fm);
	fake_add(&E.fm, CODE, E.code, sizeof(E.code), true, 0);
	fake_add(&E.fm, DATA, E.data, sizeof(E.data), false, 1ull << 1);
	fake_cpu_long64(&E.cpu);
	E.cpu.vendor = vendor;
	E.cpu.features = feats;
	E.cpu.rip = CODE;
	E.cpu.rflags = 0x2 | fl;
	E.cpu.gpr[EMUL_RAX] = RAX_BEFORE;
	E.cpu.gpr[EMUL_RBX] = DEV;
	memcpy(&E.data[DEV - DATA], &src, 8);
	emul_init(&E.ctx, &fake_ops, &E.fm);
}

/* Done: RAX, the six arithmetic flags and one read of len bytes. */
static void expect(unsigned insn_len, unsigned len, uint64_t rax, uint32_t fl)
{
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + insn_len);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], rax);
	assert_int_equal(E.cpu.rflags & FL_ALL, fl);
	assert_int_equal(E.fm.nlog, 1);
	assert_int_equal(E.fm.log[0].status, EMUL_MMIO_READ);
	assert_int_equal(E.fm.log[0].addr, DEV);
	assert_int_equal(E.fm.log[0].len, len);
}

struct count_case {
	const char *hex;        /* the instruction, source [rbx] */
	unsigned size;          /* operand size */
	uint64_t src, count;
};

/* The register after writing count with the operand size. */
static uint64_t merged(unsigned size, uint64_t count)
{
	if (size == 2)
		return (RAX_BEFORE & ~0xFFFFull) | count;
	return count;           /* 32-bit: zero-extended */
}

static void run_count(const struct count_case *c, unsigned insn_len,
		      uint32_t fl_in, uint32_t fl_out)
{
	for (unsigned v = 0; v < 2; v++) {
		setup(c->hex, vendors[v], ALL_FEATS, c->src, fl_in);
		expect(insn_len, c->size, merged(c->size, c->count), fl_out);
	}
}

/* POPCNT: ZF for a zero source, OF SF AF CF PF cleared. */
static void test_popcnt(void **state)
{
	static const struct count_case cases[] = {
		{ "f3 48 0f b8 03", 8, 0, 0 },
		{ "f3 48 0f b8 03", 8, ~0ull, 64 },
		{ "f3 48 0f b8 03", 8, 0x8000000000000001ull, 2 },
		{ "f3 0f b8 03", 4, 0xFFFFFFFF000000F0ull, 4 },
		{ "f3 0f b8 03", 4, 0x80000000, 1 },
		{ "66 f3 0f b8 03", 2, 0xFFFF, 16 },
		{ "66 f3 0f b8 03", 2, 0xFFFF0000, 0 },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct count_case *c = &cases[i];
		uint32_t zf = c->count ? 0 : EMUL_FL_ZF;
		unsigned len = (unsigned)strlen(c->hex) / 3 + 1;

		run_count(c, len, FL_ALL, zf);
		run_count(c, len, 0, zf);
	}
}

/* LZCNT/TZCNT: CF = (source == 0), ZF = (count == 0), SF AF PF
 * cleared, OF as it was. */
static void test_lzcnt_tzcnt(void **state)
{
	static const struct count_case cases[] = {
		{ "f3 48 0f bd 03", 8, 0, 64 },
		{ "f3 48 0f bd 03", 8, 1, 63 },
		{ "f3 48 0f bd 03", 8, 0x8000000000000000ull, 0 },
		{ "f3 0f bd 03", 4, 0xFFFFFFFF00000000ull, 32 },
		{ "f3 0f bd 03", 4, 0x00010000, 15 },
		{ "66 f3 0f bd 03", 2, 0xFFFF0000, 16 },
		{ "66 f3 0f bd 03", 2, 0x0001, 15 },
		{ "66 f3 0f bd 03", 2, 0x8000, 0 },
		{ "f3 48 0f bc 03", 8, 0, 64 },
		{ "f3 48 0f bc 03", 8, 8, 3 },
		{ "f3 48 0f bc 03", 8, 0x8000000000000000ull, 63 },
		{ "f3 0f bc 03", 4, 0xFFFFFFFF00000000ull, 32 },
		{ "f3 0f bc 03", 4, 1, 0 },
		{ "66 f3 0f bc 03", 2, 0xFFFF0000, 16 },
		{ "66 f3 0f bc 03", 2, 0x8000, 15 },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct count_case *c = &cases[i];
		uint64_t src = c->src & (c->size == 8 ? ~0ull :
					 ((1ull << (8 * c->size)) - 1));
		uint32_t fl = (src ? 0 : EMUL_FL_CF) | (c->count ? 0 : EMUL_FL_ZF);
		unsigned len = (unsigned)strlen(c->hex) / 3 + 1;

		run_count(c, len, FL_ALL, fl | EMUL_FL_OF);
		run_count(c, len, 0, fl);
	}
}

/* Without CPUID.1:ECX.POPCNT: #UD before any access. */
static void test_popcnt_hidden(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		setup("f3 48 0f b8 03", vendors[v], ALL_FEATS & ~EMUL_FEAT_POPCNT,
		      1, 0);
		assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8),
				 EMUL_EXCEPTION);
		assert_int_equal(E.res.event.vector, 6);
		assert_int_equal(E.cpu.rip, CODE);
		assert_int_equal(E.cpu.gpr[EMUL_RAX], RAX_BEFORE);
		assert_int_equal(E.fm.nlog, 0);
	}
}

/* Without LZCNT (CPUID 8000_0001h ECX[5]) F3 0F BD is BSR, without BMI1
 * F3 0F BC is BSF: the bit index, and a zero source leaves the
 * destination as it was with ZF set; the other feature changes nothing. */
static void test_hidden_runs_bsr_bsf(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		setup("f3 48 0f bd 03", vendors[v], ALL_FEATS & ~EMUL_FEAT_LZCNT,
		      0x8000, 0);
		expect(5, 8, 15, 0);                    /* LZCNT: 48 */
		setup("f3 48 0f bd 03", vendors[v], ALL_FEATS & ~EMUL_FEAT_LZCNT,
		      0, 0);
		expect(5, 8, RAX_BEFORE, EMUL_FL_ZF);   /* LZCNT: 64, CF */
		setup("f3 0f bc 03", vendors[v], ALL_FEATS & ~EMUL_FEAT_BMI1,
		      0x10, 0);
		expect(4, 4, 4, 0);                     /* same as TZCNT */
		setup("f3 0f bc 03", vendors[v], ALL_FEATS & ~EMUL_FEAT_BMI1,
		      0, 0);
		expect(4, 4, RAX_BEFORE, EMUL_FL_ZF);   /* TZCNT: 32, CF */
		/* BMI1 gates TZCNT only, LZCNT only LZCNT */
		setup("f3 48 0f bd 03", vendors[v], EMUL_FEAT_LZCNT, 0x8000, 0);
		expect(5, 8, 48, 0);
		setup("f3 48 0f bc 03", vendors[v], EMUL_FEAT_BMI1, 0, 0);
		expect(5, 8, 64, EMUL_FL_CF);
	}
}

/* Register sources (from code in MMIO, say) and REX.R/REX.B. */
static void test_register_forms(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		setup("f3 4d 0f b8 c8", vendors[v], ALL_FEATS, 0, 0);  /* r9, r8 */
		E.cpu.gpr[EMUL_R8] = 0xF00F;
		assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8),
				 EMUL_DONE);
		assert_int_equal(E.cpu.gpr[EMUL_R9], 8);
		assert_int_equal(E.fm.nlog, 0);
		setup("f3 0f bd c1", vendors[v], ALL_FEATS, 0, 0); /* eax, ecx */
		E.cpu.gpr[EMUL_RCX] = 0xFFFFFFFF00000100ull;
		assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8),
				 EMUL_DONE);
		assert_int_equal(E.cpu.gpr[EMUL_RAX], 23);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_popcnt),
		cmocka_unit_test(test_lzcnt_tzcnt),
		cmocka_unit_test(test_popcnt_hidden),
		cmocka_unit_test(test_hidden_runs_bsr_bsf),
		cmocka_unit_test(test_register_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
