/*
 * core/soft_exit.c: which exit an instruction the emulator refuses stands
 * for when the guest runs in software (VMX without unrestricted guest):
 * CPUID, VMCALL at any CPL; RDMSR and WRMSR (index ECX, value EDX:EAX cut
 * to 32-bit halves) and INVD/WBINVD at CPL 0, #GP(0) above; RDTSC as a
 * read of IA32_TSC, #GP(0) above CPL 0 with CR4.TSD; RDTSCP #UD (hidden);
 * nothing for other instructions (their refusal stands).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/soft_exit.h"

static struct emul_insn insn(uint8_t map, uint8_t opcode, uint8_t modrm, uint8_t len)
{
	return (struct emul_insn){ .map = map, .opcode = opcode, .modrm = modrm,
				   .has_modrm = modrm != 0, .len = len };
}

static void test_cpuid_and_vmcall(void **state)
{
	(void)state;
	struct vcpu_regs r = { .rax = 1 };
	struct emul_insn in = insn(EMUL_MAP_0F, 0xA2, 0, 2);
	struct vexit e = { .reason = VEXIT_UNKNOWN };

	assert_int_equal(soft_exit_of(&in, &r, 3, 0, &e), SOFT_EXIT);
	assert_int_equal(e.reason, VEXIT_CPUID);
	assert_int_equal(e.insn_len, 2);
	in = insn(EMUL_MAP_0F, 0x01, 0xC1, 3);
	assert_int_equal(soft_exit_of(&in, &r, 0, 0, &e), SOFT_EXIT);
	assert_int_equal(e.reason, VEXIT_HYPERCALL);
	assert_int_equal(e.insn_len, 3);
	in = insn(EMUL_MAP_0F, 0x01, 0xD9, 3);          /* VMMCALL: not Intel's */
	assert_int_equal(soft_exit_of(&in, &r, 0, 0, &e), SOFT_NONE);
}

static void test_msrs(void **state)
{
	(void)state;
	struct vcpu_regs r = { .rcx = 0xdead00000000001bULL, .rax = 0xffffffff12345678ULL,
			       .rdx = 0x9abcdef0ULL };
	struct emul_insn in = insn(EMUL_MAP_0F, 0x32, 0, 2);
	struct vexit e;

	assert_int_equal(soft_exit_of(&in, &r, 0, 0, &e), SOFT_EXIT);
	assert_int_equal(e.reason, VEXIT_MSR_READ);
	assert_int_equal(e.msr.index, 0x1b);
	in = insn(EMUL_MAP_0F, 0x30, 0, 3);             /* with a prefix: length 3 */
	assert_int_equal(soft_exit_of(&in, &r, 0, 0, &e), SOFT_EXIT);
	assert_int_equal(e.reason, VEXIT_MSR_WRITE);
	assert_int_equal(e.msr.index, 0x1b);
	assert_int_equal(e.msr.value, 0x9abcdef012345678ULL);
	assert_int_equal(e.insn_len, 3);
	assert_int_equal(soft_exit_of(&in, &r, 3, 0, &e), SOFT_GP);
	in = insn(EMUL_MAP_0F, 0x32, 0, 2);
	assert_int_equal(soft_exit_of(&in, &r, 1, 0, &e), SOFT_GP);
}

static void test_cache_flushes(void **state)
{
	(void)state;
	struct vcpu_regs r = { 0 };
	struct emul_insn in = insn(EMUL_MAP_0F, 0x08, 0, 2);
	struct vexit e;

	assert_int_equal(soft_exit_of(&in, &r, 0, 0, &e), SOFT_EXIT);
	assert_int_equal(e.reason, VEXIT_NOP);
	in = insn(EMUL_MAP_0F, 0x09, 0, 2);
	assert_int_equal(soft_exit_of(&in, &r, 0, 0, &e), SOFT_EXIT);
	assert_int_equal(e.reason, VEXIT_NOP);
	assert_int_equal(soft_exit_of(&in, &r, 2, 0, &e), SOFT_GP);
}

static void test_time_stamp_counter(void **state)
{
	(void)state;
	struct vcpu_regs r = { .rcx = 0x1b };
	struct emul_insn in = insn(EMUL_MAP_0F, 0x31, 0, 2);   /* RDTSC */
	struct vexit e;
	const uint64_t tsd = 1u << 2;

	assert_int_equal(soft_exit_of(&in, &r, 3, 0, &e), SOFT_EXIT);
	assert_int_equal(e.reason, VEXIT_MSR_READ);
	assert_int_equal(e.msr.index, 0x10);            /* not ECX */
	assert_int_equal(e.insn_len, 2);
	assert_int_equal(soft_exit_of(&in, &r, 0, tsd, &e), SOFT_EXIT);
	assert_int_equal(soft_exit_of(&in, &r, 1, tsd, &e), SOFT_GP);
	assert_int_equal(soft_exit_of(&in, &r, 3, tsd, &e), SOFT_GP);
	in = insn(EMUL_MAP_0F, 0x01, 0xF9, 3);          /* RDTSCP: hidden */
	assert_int_equal(soft_exit_of(&in, &r, 0, 0, &e), SOFT_UD);
	assert_int_equal(soft_exit_of(&in, &r, 3, tsd, &e), SOFT_UD);
}

static void test_others_stand(void **state)
{
	(void)state;
	struct vcpu_regs r = { 0 };
	struct emul_insn in = insn(EMUL_MAP_1B, 0xA2, 0, 5);   /* MOV moffs, AL */
	struct vexit e;

	assert_int_equal(soft_exit_of(&in, &r, 0, 0, &e), SOFT_NONE);
	in = insn(EMUL_MAP_0F, 0x01, 0xD0, 3);          /* XGETBV */
	assert_int_equal(soft_exit_of(&in, &r, 0, 0, &e), SOFT_NONE);
	in = insn(EMUL_MAP_0F, 0xA2, 0, 4);
	in.vex = 1;                                     /* not a legacy encoding */
	assert_int_equal(soft_exit_of(&in, &r, 0, 0, &e), SOFT_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuid_and_vmcall),
		cmocka_unit_test(test_msrs),
		cmocka_unit_test(test_cache_flushes),
		cmocka_unit_test(test_time_stamp_counter),
		cmocka_unit_test(test_others_stand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
