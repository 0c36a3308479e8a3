/*
 * test_bcd.c - DAA DAS AAA AAS AAM AAD SALC (emul/exec_bcd.c), for both
 * vendors on any host.
 *
 * The table's AMD flags are what an AMD EPYC (family 19h model 11h, Zen 4)
 * gave for these inputs, copied from tools/measure_bcd.c's dump (that
 * program compares the emulator with such a CPU over every input). The
 * Intel flags follow the model in exec_bcd.c's header (SDM for the defined
 * flags, sandpile.org's P6-core table for the undefined ones, OF = 0 where
 * that table has no rule), computed by hand. Every row runs in 32-bit and
 * 16-bit protected mode and in real mode; EAX bits 31:16 must survive.
 * Then #DE, #UD, prefixes, code in MMIO and virtual-8086 mode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "emul.h"
#include "fakemem.h"
#include "test_util.h"

#define MEM_SIZE 0x40000u
#define CODE 0x1000u
#define MMIO_PAGE 0x30000u      /* the page at this offset is MMIO */
#define EAX_HIGH 0xA5C30000u

static uint8_t mem[MEM_SIZE];   /* linear 0 .. 256 KiB */
static struct fake_mem fm;
static struct emul_ctx ctx;
static struct emul_cpu cpu;
static struct emul_result res;

struct bcd_case {
	const char *hex;  /* the instruction */
	uint16_t ax;      /* AX in */
	uint16_t flags;   /* RFLAGS in (low 12 bits) */
	uint16_t ax_out;  /* AX out, both vendors */
	uint16_t intel;   /* RFLAGS out, Intel */
	uint16_t amd;     /* RFLAGS out, AMD (measured) */
};

static const struct bcd_case cases[] = {
	{ "27", 0x001A, 0x002, 0x0020, 0x012, 0x012 }, /* low nibble > 9: + 6 */
	{ "27", 0x007A, 0x002, 0x0080, 0x092, 0x892 }, /* 7Ah + 6 = 80h: OF on AMD */
	{ "27", 0x009A, 0x002, 0x0000, 0x057, 0x057 }, /* 9Ah + 66h = 00h, CF */
	{ "27", 0x0000, 0x012, 0x0006, 0x016, 0x016 }, /* AF alone: +6 */
	{ "27", 0x12FA, 0x002, 0x1260, 0x017, 0x017 }, /* AL + 6 carries: CF, AH kept */
	{ "27", 0x0079, 0x003, 0x00D9, 0x083, 0x883 }, /* CF alone: + 60h, OF on AMD */
	{ "27", 0x0080, 0x8D7, 0x00E6, 0x093, 0x093 }, /* every flag set on entry */
	{ "2f", 0x0080, 0x003, 0x0020, 0x003, 0x803 }, /* 80h - 60h: OF on AMD */
	{ "2f", 0x0000, 0x012, 0x00FA, 0x097, 0x097 }, /* the borrow of AL - 6 survives step 2 */
	{ "2f", 0x009A, 0x002, 0x0034, 0x013, 0x813 }, /* 9Ah - 66h = 34h: CF, OF on AMD */
	{ "2f", 0x5555, 0x8D7, 0x55EF, 0x093, 0x093 }, /* every flag set on entry */
	{ "37", 0x00FA, 0x002, 0x0200, 0x017, 0x017 }, /* AL + 6 carries: AH + 2 */
	{ "37", 0x7EFA, 0x002, 0x8000, 0x017, 0x897 }, /* AX + 106h = 8000h: SF OF on AMD */
	{ "37", 0xFEFA, 0x002, 0x0000, 0x057, 0x057 }, /* AX + 106h = 0: ZF */
	{ "37", 0x0005, 0x8D7, 0x010B, 0x013, 0x013 }, /* AF set: adjust */
	{ "37", 0x0000, 0x8C7, 0x0000, 0x046, 0x046 }, /* no adjustment, AX = 0: ZF */
	{ "37", 0x8005, 0x002, 0x8005, 0x006, 0x086 }, /* no adjustment, AX >= 8000h: SF on AMD */
	{ "3f", 0x0000, 0x012, 0xFE0A, 0x017, 0x097 }, /* AL - 6 borrows: AH - 2 */
	{ "3f", 0x8000, 0x012, 0x7E0A, 0x017, 0x817 }, /* AX - 106h overflows: OF on AMD */
	{ "3f", 0x0106, 0x012, 0x0000, 0x057, 0x057 }, /* AX - 106h = 0: ZF */
	{ "3f", 0x050F, 0x8D7, 0x0409, 0x017, 0x017 }, /* low nibble > 9 */
	{ "d4 0a", 0x00FF, 0x8D7, 0x1905, 0x006, 0x006 }, /* AAM 10: OF AF CF cleared */
	{ "d4 0a", 0x3364, 0x002, 0x0A00, 0x046, 0x046 }, /* AAM 10, AH ignored */
	{ "d4 ff", 0x00FF, 0x002, 0x0100, 0x046, 0x046 }, /* AAM FFh: AL = 0, ZF */
	{ "d4 10", 0x0034, 0x8D7, 0x0304, 0x002, 0x002 }, /* AAM 16 */
	{ "d4 01", 0x0080, 0x002, 0x8000, 0x046, 0x046 }, /* AAM 1: AH = AL */
	{ "d5 0a", 0x0907, 0x8D7, 0x0061, 0x012, 0x012 }, /* AAD 10 */
	{ "d5 ff", 0xFFFF, 0x002, 0x0000, 0x057, 0x057 }, /* AAD FFh: AL wraps to 0, CF ZF AF */
	{ "d5 0a", 0x0C7F, 0x002, 0x00F7, 0x892, 0x892 }, /* 7Fh + 78h: OF AF */
	{ "d5 00", 0x1234, 0x8D7, 0x0034, 0x002, 0x002 }, /* AAD 0: AH dropped */
	{ "d6", 0x1234, 0x8D7, 0x12FF, 0x8D7, 0x8D7 }, /* SALC, CF set: AL = FFh, flags kept */
	{ "d6", 0x12FF, 0x842, 0x1200, 0x842, 0x842 }, /* SALC, CF clear: AL = 0 */
};

static void setup_at(enum emul_mode mode, enum emul_vendor vendor,
		     uint64_t rip, const char *hex)
{
	memset(mem, 0xCC, sizeof(mem));
	unhex(hex, mem + rip);
	fake_init(&fm);
	fake_add(&fm, 0, mem, sizeof(mem), false, 1ull << (MMIO_PAGE / 4096));
	if (mode == EMUL_MODE_LONG64)
		fake_cpu_long64(&cpu);
	else if (mode == EMUL_MODE_REAL)
		fake_cpu_real(&cpu);
	else
		fake_cpu_prot(&cpu, mode == EMUL_MODE_PROT32);
	cpu.vendor = (uint8_t)vendor;
	cpu.rip = rip;
	emul_init(&ctx, &fake_ops, &fm);
}

static const enum emul_mode modes16_32[] = {
	EMUL_MODE_PROT32, EMUL_MODE_PROT16, EMUL_MODE_REAL,
};

static void run_table(enum emul_vendor vendor)
{
	size_t i, m;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (m = 0; m < 3; m++) {
			const struct bcd_case *t = &cases[i];
			uint16_t want = vendor == EMUL_VENDOR_AMD ? t->amd :
								     t->intel;

			setup_at(modes16_32[m], vendor, CODE, t->hex);
			cpu.gpr[EMUL_RAX] = EAX_HIGH | t->ax;
			cpu.rflags = t->flags;
			if (fake_run(&ctx, &cpu, &fm, &res, 10) != EMUL_DONE ||
			    cpu.gpr[EMUL_RAX] != (EAX_HIGH | t->ax_out) ||
			    cpu.rflags != want ||
			    cpu.rip != CODE + (t->hex[2] ? 2 : 1))
				fail_msg("%s ax %04x flags %03x mode %d: ax "
					 "%04x flags %03x rip %llx, want %04x "
					 "%03x", t->hex, t->ax, t->flags,
					 (int)modes16_32[m],
					 (unsigned)cpu.gpr[EMUL_RAX] & 0xFFFF,
					 (unsigned)cpu.rflags,
					 (unsigned long long)cpu.rip,
					 t->ax_out, want);
		}
}

static void test_table_intel(void **state)
{
	(void)state;
	run_table(EMUL_VENDOR_INTEL);
}

static void test_table_amd(void **state)
{
	(void)state;
	run_table(EMUL_VENDOR_AMD);
}

/* The rows where the vendors differ really differ: the table tests the
 * vendor switch, not one model twice. */
static void test_vendors_differ(void **state)
{
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		n += cases[i].intel != cases[i].amd;
	assert_true(n >= 8);
}

/* AAM 0: #DE (vector 0, no error code), nothing written, RIP kept. */
static void test_aam_zero(void **state)
{
	size_t m;
	int v;

	(void)state;
	for (v = 0; v < 2; v++)
		for (m = 0; m < 3; m++) {
			setup_at(modes16_32[m], (enum emul_vendor)v, CODE,
				 "d4 00");
			cpu.gpr[EMUL_RAX] = EAX_HIGH | 0x1234;
			cpu.rflags = 0x8D7;
			assert_int_equal(fake_run(&ctx, &cpu, &fm, &res, 10),
					 EMUL_EXCEPTION);
			assert_int_equal(res.event.vector, 0);
			assert_int_equal(res.event.has_error_code, 0);
			assert_int_equal(cpu.gpr[EMUL_RAX], EAX_HIGH | 0x1234);
			assert_int_equal(cpu.rflags, 0x8D7);
			assert_int_equal(cpu.rip, CODE);
		}
}

/* All seven are #UD in 64-bit mode (measured on the AMD EPYC: SIGILL). */
static void test_long64_ud(void **state)
{
	static const char *const insns[] = {
		"27", "2f", "37", "3f", "d4 0a", "d5 0a", "d6",
	};
	size_t i;
	int v;

	(void)state;
	for (v = 0; v < 2; v++)
		for (i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
			setup_at(EMUL_MODE_LONG64, (enum emul_vendor)v, CODE,
				 insns[i]);
			cpu.gpr[EMUL_RAX] = 0x1234;
			assert_int_equal(fake_run(&ctx, &cpu, &fm, &res, 10),
					 EMUL_EXCEPTION);
			assert_int_equal(res.event.vector, 6);
			assert_int_equal(cpu.gpr[EMUL_RAX], 0x1234);
		}
}

/* Prefixes: 66h/67h/segment/REP do not change the operand (AL/AX); LOCK
 * is #UD. */
static void test_prefixes(void **state)
{
	(void)state;
	setup_at(EMUL_MODE_PROT32, EMUL_VENDOR_AMD, CODE, "66 67 2e f3 37");
	cpu.gpr[EMUL_RAX] = EAX_HIGH | 0x7EFA;
	cpu.rflags = 0x2;
	assert_int_equal(fake_run(&ctx, &cpu, &fm, &res, 10), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], EAX_HIGH | 0x8000);
	assert_int_equal(cpu.rflags, 0x897);
	assert_int_equal(cpu.rip, CODE + 5);

	setup_at(EMUL_MODE_PROT32, EMUL_VENDOR_INTEL, CODE, "f0 27");
	cpu.gpr[EMUL_RAX] = 0x7A;
	assert_int_equal(fake_run(&ctx, &cpu, &fm, &res, 10), EMUL_EXCEPTION);
	assert_int_equal(res.event.vector, 6);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x7A);
}

/* Code in MMIO, as the fuzzer's guests run it: the bytes come through
 * MMIO read requests, then the instruction runs. */
static void test_code_in_mmio(void **state)
{
	(void)state;
	setup_at(EMUL_MODE_REAL, EMUL_VENDOR_AMD, MMIO_PAGE + 0x10, "d5 ff");
	cpu.seg[EMUL_SEG_CS].sel = MMIO_PAGE >> 4; /* CS:IP = 3000:0010 */
	cpu.seg[EMUL_SEG_CS].base = MMIO_PAGE;
	cpu.rip = 0x10;
	cpu.gpr[EMUL_RAX] = 0xFFFF;
	cpu.rflags = 0x2;
	assert_int_equal(fake_run(&ctx, &cpu, &fm, &res, 10), EMUL_DONE);
	assert_true(fm.nlog >= 1);
	assert_int_equal(fm.log[0].status, EMUL_MMIO_READ);
	assert_int_equal(fm.log[0].addr, MMIO_PAGE + 0x10);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0);
	assert_int_equal(cpu.rflags, 0x057);
	assert_int_equal(cpu.rip, 0x12);

	setup_at(EMUL_MODE_PROT16, EMUL_VENDOR_INTEL, MMIO_PAGE + 0x21, "d6");
	cpu.gpr[EMUL_RAX] = 0x1200;
	cpu.rflags = 0x3;
	assert_int_equal(fake_run(&ctx, &cpu, &fm, &res, 10), EMUL_DONE);
	assert_true(fm.nlog >= 1);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x12FF);
	assert_int_equal(cpu.rflags, 0x3);
}

/* Virtual-8086 mode at IOPL 0: not IOPL-sensitive, they run as in real
 * mode (RFLAGS.VM kept). */
static void test_vm86(void **state)
{
	(void)state;
	setup_at(EMUL_MODE_REAL, EMUL_VENDOR_INTEL, CODE, "3f d4 00");
	cpu.mode = EMUL_MODE_VM86;
	cpu.cpl = 3;
	cpu.cr0 = 0x11;
	cpu.gpr[EMUL_RAX] = 0x0000;
	cpu.rflags = EMUL_FL_VM | EMUL_FL_AF | 0x2;
	assert_int_equal(fake_run(&ctx, &cpu, &fm, &res, 10), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0xFE0A);
	assert_int_equal(cpu.rflags, EMUL_FL_VM | 0x017);
	/* then AAM 0: #DE, without an error code in any mode (SDM Vol. 3A
	 * 6.15, "Error Code: None") */
	assert_int_equal(fake_run(&ctx, &cpu, &fm, &res, 10), EMUL_EXCEPTION);
	assert_int_equal(res.event.vector, 0);
	assert_int_equal(res.event.has_error_code, 0);
	assert_int_equal(cpu.rip, CODE + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_intel),
		cmocka_unit_test(test_table_amd),
		cmocka_unit_test(test_vendors_differ),
		cmocka_unit_test(test_aam_zero),
		cmocka_unit_test(test_long64_ud),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_code_in_mmio),
		cmocka_unit_test(test_vm86),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
