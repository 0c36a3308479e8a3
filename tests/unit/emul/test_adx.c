/*
 * test_adx.c - ADX's ADCX (66 0F 38 F6) and ADOX (F3 0F 38 F6) with their
 * source in MMIO: the sum with the carry in from CF resp. OF and the carry
 * out to the same flag only (ZF, SF, the other carry flag all kept), the
 * carry edges (a + b + 1 wrapping to a), 32-bit (66 is mandatory, not an
 * operand-size override: a 4-byte read, the result zero-extended) and
 * 64-bit (REX.W) forms, #UD without CPUID.7.0:EBX.ADX[19], the other
 * prefixes at 0F 38 F6 refused. Both vendors.
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
#define FL_ALL (EMUL_FL_CF | EMUL_FL_PF | EMUL_FL_AF | EMUL_FL_ZF | EMUL_FL_SF | \
		EMUL_FL_OF)

static const uint8_t vendors[] = { EMUL_VENDOR_INTEL, EMUL_VENDOR_AMD };

static struct {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	uint8_t code[4096];
	uint8_t data[8192];
} E;

/* 64-bit mode; RAX = a, [rbx] on the device = b, RFLAGS = fl. */
static void setup(const char *hex, uint8_t vendor, uint32_t feats, uint64_t a,
		  uint64_t b, uint32_t fl)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.code);
	fake_init(&E.fm);
	fake_add(&E.fm, CODE, E.code, sizeof(E.code), true, 0);
	fake_add(&E.fm, DATA, E.data, sizeof(E.data), false, 1ull << 1);
	memcpy(&E.data[DEV - DATA], &b, 8);
	fake_cpu_long64(&E.cpu);
	E.cpu.vendor = vendor;
	E.cpu.features = feats;
	E.cpu.rip = CODE;
	E.cpu.rflags = 0x2 | fl;
	E.cpu.gpr[EMUL_RAX] = a;
	E.cpu.gpr[EMUL_RBX] = DEV;
	emul_init(&E.ctx, &fake_ops, &E.fm);
}

struct adx_case {
	uint64_t a, b;
	bool carry_in;
	uint64_t sum;
	bool carry_out;
};

static const struct adx_case cases64[] = {
	{ 5, 7, false, 12, false },
	{ 5, 7, true, 13, false },
	{ ~0ull, 0, true, 0, true },
	{ ~0ull, 1, false, 0, true },
	{ ~0ull, ~0ull, true, ~0ull, true },           /* wraps to a */
	{ 0x8000000000000000ull, 0x8000000000000000ull, false, 0, true },
	{ 0, 0, false, 0, false },
};

static const struct adx_case cases32[] = {
	{ 0xAAAAAAAA00000005ull, 0x7FFFFFFF00000007ull, false, 12, false },
	{ 0xFFFFFFFF, 0, true, 0, true },
	{ 0xFFFFFFFF, 0xFFFFFFFF, true, 0xFFFFFFFF, true },
	{ 0x80000000, 0x7FFFFFFF, false, 0xFFFFFFFF, false },
};

/* One case with the other flags all clear and all set: only flag (CF
 * for ADCX, OF for ADOX) may change. */
static void run_case(const char *hex, unsigned insn_len, unsigned len,
		     uint32_t flag, const struct adx_case *c)
{
	for (unsigned v = 0; v < 2; v++)
		for (uint32_t others = 0; others <= FL_ALL; others += FL_ALL) {
			uint32_t fl = (others & ~flag) | (c->carry_in ? flag : 0);

			setup(hex, vendors[v], EMUL_FEAT_ADX, c->a, c->b, fl);
			assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8),
					 EMUL_DONE);
			assert_int_equal(E.cpu.gpr[EMUL_RAX], c->sum);
			assert_int_equal(E.cpu.rflags,
					 0x2 | (others & ~flag) | (c->carry_out ? flag : 0));
			assert_int_equal(E.cpu.rip, CODE + insn_len);
			assert_int_equal(E.fm.nlog, 1);
			assert_int_equal(E.fm.log[0].len, len);
		}
}

static void test_adcx(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(cases64) / sizeof(cases64[0]); i++)
		run_case("66 48 0f 38 f6 03", 6, 8, EMUL_FL_CF, &cases64[i]);
	for (unsigned i = 0; i < sizeof(cases32) / sizeof(cases32[0]); i++)
		run_case("66 0f 38 f6 03", 5, 4, EMUL_FL_CF, &cases32[i]);
}

static void test_adox(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(cases64) / sizeof(cases64[0]); i++)
		run_case("f3 48 0f 38 f6 03", 6, 8, EMUL_FL_OF, &cases64[i]);
	for (unsigned i = 0; i < sizeof(cases32) / sizeof(cases32[0]); i++)
		run_case("f3 0f 38 f6 03", 5, 4, EMUL_FL_OF, &cases32[i]);
}

/* Without ADX: #UD before any access. */
static void test_hidden(void **state)
{
	static const char *const forms[] = { "66 48 0f 38 f6 03", "f3 0f 38 f6 03" };

	(void)state;
	for (unsigned v = 0; v < 2; v++)
		for (unsigned i = 0; i < 2; i++) {
			setup(forms[i], vendors[v], ~(uint32_t)EMUL_FEAT_ADX, 1, 2, 0);
			assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8),
					 EMUL_EXCEPTION);
			assert_int_equal(E.res.event.vector, 6);
			assert_int_equal(E.cpu.gpr[EMUL_RAX], 1);
			assert_int_equal(E.fm.nlog, 0);
		}
}

/* 0F 38 F6 without 66 or F3 (WRSS), with F2, or with both 66 and F3:
 * other instructions, refused. */
static void test_other_prefixes_refused(void **state)
{
	static const char *const forms[] = {
		"0f 38 f6 03", "f2 0f 38 f6 03", "66 f3 0f 38 f6 03",
	};

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		setup(forms[i], EMUL_VENDOR_INTEL, EMUL_FEAT_ADX, 1, 2, 0);
		assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8),
				 EMUL_UNSUPPORTED);
		assert_int_equal(E.cpu.rip, CODE);
		assert_int_equal(E.fm.nlog, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adcx),
		cmocka_unit_test(test_adox),
		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_other_prefixes_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
