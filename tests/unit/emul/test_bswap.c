/*
 * test_bswap.c - BSWAP (0F C8+r) fetched from MMIO, the only way it
 * reaches the emulator (no memory operand): 32-bit (upper half of the
 * register cleared), 64-bit with REX.W, r8-r15 with REX.B, and the 16-bit
 * form whose register becomes 0 (emul/exec_mov.c); flags untouched. Each
 * case runs for both vendors. Found by the random-code fuzzer on
 * bochs-skylake (`instruction not emulated: 0f c8 /0`).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "emul.h"
#include "fakemem.h"
#include "test_util.h"

#define CODE 0x1000ull          /* the code page is MMIO */
#define FLAGS (0x2 | EMUL_FL_CF | EMUL_FL_ZF | EMUL_FL_OF)

static const uint8_t vendors[] = { EMUL_VENDOR_INTEL, EMUL_VENDOR_AMD };

static struct {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	uint8_t code[4096];
} E;

/* 64-bit mode, code on an MMIO page; every GPR holds a known pattern. */
static void run(const char *hex, uint8_t vendor, unsigned len)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.code);
	fake_init(&E.fm);
	fake_add(&E.fm, CODE, E.code, sizeof(E.code), false, 1);
	fake_cpu_long64(&E.cpu);
	E.cpu.vendor = vendor;
	E.cpu.rip = CODE;
	E.cpu.rflags = FLAGS;
	for (unsigned r = 0; r < 16; r++)
		E.cpu.gpr[r] = 0x1122334455667788ull + r;
	emul_init(&E.ctx, &fake_ops, &E.fm);
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + len);
	assert_int_equal(E.cpu.rflags, FLAGS);
}

static void test_bswap_forms(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		run("0f c8", vendors[v], 2);                    /* bswap eax */
		assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x88776655ull);
		run("0f cb", vendors[v], 2);                    /* bswap ebx */
		assert_int_equal(E.cpu.gpr[EMUL_RBX], 0x8B776655ull);
		run("48 0f c9", vendors[v], 3);                 /* bswap rcx */
		assert_int_equal(E.cpu.gpr[EMUL_RCX], 0x8977665544332211ull);
		run("49 0f cf", vendors[v], 3);                 /* bswap r15 */
		assert_int_equal(E.cpu.gpr[EMUL_R15], 0x9777665544332211ull);
		run("41 0f c8", vendors[v], 3);                 /* bswap r8d */
		assert_int_equal(E.cpu.gpr[EMUL_R8], 0x90776655ull);
		run("66 0f ca", vendors[v], 3);                 /* bswap dx */
		assert_int_equal(E.cpu.gpr[EMUL_RDX], 0x1122334455660000ull);
		assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x1122334455667788ull);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bswap_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
