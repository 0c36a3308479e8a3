/*
 * test_movcr.c - MOV to/from CR0, CR2, CR3, CR4 (0F 20, 0F 22) and CLTS
 * (0F 06), which boot code runs in real mode and unpaged protected mode
 * and which reach the emulator there on VMX without unrestricted guest:
 * the value read or handed to emul_ops.write_cr, the operand size (32 bits
 * outside 64-bit mode, 66h ignored; 64 in 64-bit mode), ModRM.mod ignored,
 * #UD for CR1/CR5-7, #GP(0) above CPL 0 and in virtual-8086 mode or when
 * write_cr refuses (nothing changed), "unsupported" for CR8 and without
 * the callback. SDM Vol. 2 "MOV-Move to/from Control Registers", "CLTS".
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

static struct {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	struct emul_ops ops;
	uint8_t code[4096];
	/* what write_cr saw, and what it answers */
	unsigned calls, cr;
	uint64_t value;
	bool refuse;
} E;

static bool write_cr(void *opaque, unsigned cr, uint64_t value)
{
	(void)opaque;
	E.calls++;
	E.cr = cr;
	E.value = value;
	return !E.refuse;
}

enum mode { REAL, PROT, LONG64, VM86 };

static void setup(enum mode mode, unsigned cpl, const char *hex, bool callback)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.code);
	fake_init(&E.fm);
	fake_add(&E.fm, CODE, E.code, sizeof(E.code), true, 0);
	if (mode == REAL || mode == VM86)
		fake_cpu_real(&E.cpu);
	else if (mode == PROT)
		fake_cpu_prot(&E.cpu, true);
	else
		fake_cpu_long64(&E.cpu);
	if (mode == VM86) {
		E.cpu.mode = EMUL_MODE_VM86;
		E.cpu.rflags |= 1ull << 17;
	}
	E.cpu.cpl = (uint8_t)cpl;
	E.cpu.rip = CODE;
	E.cpu.cr0 = 0x60000011;
	E.cpu.cr2 = 0xfedcba9876543210ull;
	E.cpu.cr3 = 0x123456789000ull;
	E.cpu.cr4 = 0x20;
	E.ops = fake_ops;
	if (callback)
		E.ops.write_cr = write_cr;
	emul_init(&E.ctx, &E.ops, &E.fm);
}

static enum emul_status run(void)
{
	return fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8);
}

static void expect_fault(uint8_t vector)
{
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, vector);
	assert_int_equal(E.res.event.error_code, 0);
	assert_int_equal(E.cpu.rip, CODE);
}

static void test_read_real_mode(void **state)
{
	(void)state;
	setup(REAL, 0, "0f 20 c0 66 0f 20 db 0f 20 d1", true);
	E.cpu.gpr[EMUL_RAX] = 0;
	assert_int_equal(run(), EMUL_DONE);             /* MOV EAX, CR0 */
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x60000011);
	assert_int_equal(run(), EMUL_DONE);             /* 66: still 32 bits */
	assert_int_equal((uint32_t)E.cpu.gpr[EMUL_RBX], 0x56789000);
	assert_int_equal(run(), EMUL_DONE);             /* MOV ECX, CR2 */
	assert_int_equal((uint32_t)E.cpu.gpr[EMUL_RCX], 0x76543210);
	assert_int_equal(E.cpu.rip, CODE + 10);
	assert_int_equal(E.calls, 0);
}

static void test_write_real_mode(void **state)
{
	(void)state;
	/* MOV CR0, EAX; MOV CR3, ESI with mod 00 (ignored: no memory) */
	setup(REAL, 0, "0f 22 c0 0f 22 1e", true);
	E.cpu.gpr[EMUL_RAX] = 0xabcdef0060000011ull;
	E.cpu.gpr[EMUL_RSI] = 0x11112000;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.calls, 1);
	assert_int_equal(E.cr, 0);
	assert_int_equal(E.value, 0x60000011);          /* cut to 32 bits */
	assert_int_equal(E.cpu.rip, CODE + 3);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cr, 3);
	assert_int_equal(E.value, 0x11112000);
	assert_int_equal(E.cpu.rip, CODE + 6);
	assert_int_equal(E.fm.nlog, 0);
}

static void test_write_refused_is_gp(void **state)
{
	(void)state;
	setup(PROT, 0, "0f 22 e0", true);               /* MOV CR4, EAX */
	E.refuse = true;
	E.cpu.gpr[EMUL_RAX] = 0x1000000;
	expect_fault(13);
	assert_int_equal(E.calls, 1);
	assert_int_equal(E.cr, 4);
}

static void test_long64_full_width(void **state)
{
	(void)state;
	setup(LONG64, 0, "0f 22 d8 41 0f 20 d7", true); /* MOV CR3, RAX; MOV R15, CR2 */
	E.cpu.gpr[EMUL_RAX] = 0x8000000012345000ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.value, 0x8000000012345000ull);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_R15], 0xfedcba9876543210ull);
}

static void test_undefined_and_privilege(void **state)
{
	(void)state;
	setup(REAL, 0, "0f 20 c8", true);               /* CR1 */
	expect_fault(6);
	setup(PROT, 0, "0f 22 e8", true);               /* CR5 */
	expect_fault(6);
	setup(PROT, 3, "0f 20 c0", true);
	expect_fault(13);
	setup(PROT, 1, "0f 22 c0", true);
	expect_fault(13);
	assert_int_equal(E.calls, 0);
	setup(VM86, 3, "0f 20 c0", true);
	expect_fault(13);
	setup(VM86, 3, "0f 06", true);
	expect_fault(13);
	assert_int_equal(E.calls, 0);
}

static void test_not_emulated(void **state)
{
	(void)state;
	setup(LONG64, 0, "44 0f 20 c0", true);          /* MOV RAX, CR8 */
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	setup(REAL, 0, "0f 22 c0", false);              /* no write_cr */
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	setup(REAL, 0, "0f 06", false);
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(E.cpu.rip, CODE);
}

static void test_clts(void **state)
{
	(void)state;
	setup(REAL, 0, "0f 06", true);
	E.cpu.cr0 = 0x6000001b;                         /* TS, MP set */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cr, 0);
	assert_int_equal(E.value, 0x60000013);
	assert_int_equal(E.cpu.rip, CODE + 2);
	setup(PROT, 0, "0f 06", true);
	E.refuse = true;
	expect_fault(13);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_real_mode),
		cmocka_unit_test(test_write_real_mode),
		cmocka_unit_test(test_write_refused_is_gp),
		cmocka_unit_test(test_long64_full_width),
		cmocka_unit_test(test_undefined_and_privilege),
		cmocka_unit_test(test_not_emulated),
		cmocka_unit_test(test_clts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
