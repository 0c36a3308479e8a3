/*
 * test_cli_sti_hlt.c - CLI, STI and HLT run by the emulator (code in
 * MMIO): IF in real mode and at CPL <= IOPL, VIF at CPL 3 with CR4.PVI
 * (STI #GP(0) with VIP), #GP(0) otherwise; the interrupt shadow of an
 * STI that sets IF and of MOV SS reported in res.shadow; HLT at CPL 0
 * reported in res.halted, #GP(0) above.
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
#define CR4_PVI (1ull << 1)
#define FL_VIF (1ull << 19)
#define FL_VIP (1ull << 20)
#define IOPL(n) ((uint64_t)(n) << 12)

static struct {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	uint8_t code[4096];
	uint8_t stack[4096];
} E;

static void setup(bool real, unsigned cpl, const char *hex)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.code);
	fake_init(&E.fm);
	fake_add(&E.fm, CODE, E.code, sizeof(E.code), true, 0);
	fake_add(&E.fm, 0x8000, E.stack, sizeof(E.stack), false, 0);
	if (real)
		fake_cpu_real(&E.cpu);
	else
		fake_cpu_prot(&E.cpu, true);
	E.cpu.cpl = (uint8_t)cpl;
	E.cpu.rip = CODE;
	E.cpu.rflags = 2;
	emul_init(&E.ctx, &fake_ops, &E.fm);
}

static enum emul_status run(void)
{
	return fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8);
}

static void expect_gp0(void)
{
	uint64_t flags = E.cpu.rflags;

	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.res.event.error_code, 0);
	assert_int_equal(E.cpu.rflags, flags);
	assert_int_equal(E.cpu.rip, CODE);
}

static void test_real_mode(void **state)
{
	(void)state;
	setup(true, 0, "fb fb fa");
	assert_int_equal(run(), EMUL_DONE);             /* STI: IF 0 -> 1 */
	assert_true(E.cpu.rflags & EMUL_FL_IF);
	assert_int_equal(E.res.shadow, EMUL_SHADOW_STI);
	assert_int_equal(run(), EMUL_DONE);             /* STI with IF set */
	assert_int_equal(E.res.shadow, EMUL_SHADOW_NONE);
	assert_int_equal(run(), EMUL_DONE);             /* CLI */
	assert_false(E.cpu.rflags & EMUL_FL_IF);
	assert_int_equal(E.res.shadow, EMUL_SHADOW_NONE);
	assert_int_equal(E.cpu.rip, CODE + 3);
}

/* Protected mode: IF where CPL <= IOPL, else VIF with CR4.PVI at CPL 3,
 * else #GP(0). */
static void test_protected_mode(void **state)
{
	(void)state;
	setup(false, 3, "fb");
	E.cpu.rflags |= IOPL(3);
	assert_int_equal(run(), EMUL_DONE);
	assert_true(E.cpu.rflags & EMUL_FL_IF);
	assert_int_equal(E.res.shadow, EMUL_SHADOW_STI);
	setup(false, 3, "fa");
	E.cpu.rflags |= EMUL_FL_IF;
	expect_gp0();
	setup(false, 1, "fb");
	E.cpu.cr4 |= CR4_PVI;                   /* PVI is for CPL 3 only */
	expect_gp0();
	setup(false, 3, "fa fb");
	E.cpu.cr4 |= CR4_PVI;
	E.cpu.rflags |= EMUL_FL_IF | FL_VIF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rflags, 2 | EMUL_FL_IF);      /* VIF clear, IF kept */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rflags, 2 | EMUL_FL_IF | FL_VIF);
	assert_int_equal(E.res.shadow, EMUL_SHADOW_NONE);
	setup(false, 3, "fb");
	E.cpu.cr4 |= CR4_PVI;
	E.cpu.rflags |= FL_VIP;
	expect_gp0();
}

static void test_hlt(void **state)
{
	(void)state;
	setup(false, 0, "f4");
	assert_int_equal(run(), EMUL_DONE);
	assert_true(E.res.halted);
	assert_int_equal(E.cpu.rip, CODE + 1);
	setup(true, 0, "f4");
	assert_int_equal(run(), EMUL_DONE);
	assert_true(E.res.halted);
	setup(false, 3, "f4");
	E.cpu.rflags |= IOPL(3);                /* IOPL does not matter */
	expect_gp0();
	assert_false(E.res.halted);
}

/* MOV SS holds interrupts off for one instruction too (SDM Vol. 3 6.8.3). */
static void test_mov_ss_shadow(void **state)
{
	(void)state;
	setup(true, 0, "8e d0 90");     /* mov ss, ax; nop */
	E.cpu.gpr[EMUL_RAX] = 0x800;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.seg[EMUL_SEG_SS].base, 0x8000);
	assert_int_equal(E.res.shadow, EMUL_SHADOW_MOV_SS);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.res.shadow, EMUL_SHADOW_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_mode),
		cmocka_unit_test(test_protected_mode),
		cmocka_unit_test(test_hlt),
		cmocka_unit_test(test_mov_ss_shadow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
