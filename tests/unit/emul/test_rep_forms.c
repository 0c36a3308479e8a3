/*
 * test_rep_forms.c - the 0F-map forms an F2/F3 prefix selects besides
 * the bit counts (test_bitcount.c): the F3 0F 1E row (ENDBR64, ENDBR32,
 * RDSSPQ, the reserved NOPs) retires as a NOP with no data access, also
 * when its bytes are in MMIO, since the virtual CPU has no CET; group 7's
 * memory forms still ignore F3; and what stays refused (F2 0F BC/BD,
 * F2 0F 1E, F3 0F 38 F0/F1) or #UD (0F B8 without F3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "emul.h"
#include "fakemem.h"
#include "test_util.h"

#define CODE 0x1000ull          /* RAM, or MMIO with code_in_mmio */
#define DATA 0x8000ull          /* 0x8000 RAM, 0x9000 MMIO */
#define DEV 0x9000ull

static struct {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	uint8_t code[4096];
	uint8_t data[8192];
} E;

/* 64-bit mode, every feature announced, RAX and RBX pointing at the
 * device. */
static void setup(const char *hex, bool code_in_mmio)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.code);
	fake_init(&E.fm);
	fake_add(&E.fm, CODE, E.code, sizeof(E.code), false, code_in_mmio);
	fake_add(&E.fm, DATA, E.data, sizeof(E.data), false, 1ull << 1);
	fake_cpu_long64(&E.cpu);
	E.cpu.vendor = EMUL_VENDOR_INTEL;
	E.cpu.features = ~0u;
	E.cpu.rip = CODE;
	E.cpu.rflags = 0x2;
	E.cpu.gpr[EMUL_RAX] = DEV;
	E.cpu.gpr[EMUL_RBX] = DEV;
	emul_init(&E.ctx, &fake_ops, &E.fm);
}

static enum emul_status run(void)
{
	return fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8);
}

/* ENDBR64, ENDBR32, RDSSPQ rax, RDSSPD eax and F3 0F 1E with a memory
 * operand: NOPs, from RAM and from the device; only fetch reads of the
 * code page, and RAX and RFLAGS untouched. */
static void test_f3_0f_1e_nops(void **state)
{
	static const char *const forms[] = {
		"f3 0f 1e fa", "f3 0f 1e fb", "f3 48 0f 1e c8", "f3 0f 1e c8",
		"f3 0f 1e 03", "f3 0f 1e 84 18 00 01 00 00",
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		for (unsigned mmio = 0; mmio < 2; mmio++) {
			unsigned len = (unsigned)strlen(forms[i]) / 3 + 1;

			setup(forms[i], mmio);
			E.cpu.vendor = (uint8_t)(i & 1 ? EMUL_VENDOR_AMD :
							 EMUL_VENDOR_INTEL);
			assert_int_equal(run(), EMUL_DONE);
			assert_int_equal(E.cpu.rip, CODE + len);
			assert_int_equal(E.cpu.gpr[EMUL_RAX], DEV);
			assert_int_equal(E.cpu.rflags, 0x2);
			assert_true(mmio ? E.fm.nlog > 0 : E.fm.nlog == 0);
			for (unsigned n = 0; n < E.fm.nlog; n++) {
				assert_int_equal(E.fm.log[n].status, EMUL_MMIO_READ);
				assert_true(E.fm.log[n].addr >= CODE &&
					    E.fm.log[n].addr < CODE + 16);
			}
		}
}

/* F3 SMSW [rax]: group 7's memory forms ignore F3 (one 2-byte write). */
static void test_group7_ignores_f3(void **state)
{
	(void)state;
	setup("f3 0f 01 20", false);
	E.cpu.cr0 = 0x80050033;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.fm.nlog, 1);
	assert_int_equal(E.fm.log[0].status, EMUL_MMIO_WRITE);
	assert_int_equal(E.fm.log[0].len, 2);
	assert_int_equal(E.fm.log[0].data, 0x0033);
}

/* No instruction the emulator runs: refused, nothing changed. */
static void test_still_refused(void **state)
{
	static const char *const forms[] = {
		"f2 0f bc 03", "f2 0f bd 03", "f2 0f 1e fa", "f3 0f 38 f0 03",
		"f3 0f 38 f1 03", "f2 0f b9 03",
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		setup(forms[i], false);
		enum emul_status st = run();

		if (i == 5)     /* UD1 */
			assert_int_equal(st, EMUL_EXCEPTION);
		else
			assert_int_equal(st, EMUL_UNSUPPORTED);
		assert_int_equal(E.cpu.rip, CODE);
		assert_int_equal(E.fm.nlog, 0);
	}
}

/* 0F B8 is POPCNT only with F3: bare or with F2 it is #UD (JMPE is
 * IA-64's). */
static void test_b8_without_f3(void **state)
{
	static const char *const forms[] = { "0f b8 03", "f2 0f b8 03", "66 0f b8 03" };

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		setup(forms[i], false);
		assert_int_equal(run(), EMUL_EXCEPTION);
		assert_int_equal(E.res.event.vector, 6);
		assert_int_equal(E.fm.nlog, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_f3_0f_1e_nops),
		cmocka_unit_test(test_group7_ignores_f3),
		cmocka_unit_test(test_still_refused),
		cmocka_unit_test(test_b8_without_f3),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
