/*
 * test_crc32.c - SSE4.2's CRC32 (F2 0F 38 F0/F1) with its source in
 * MMIO: the CRC-32C check value of "123456789" (E3069283h) chained
 * through the byte form, and again through the quadword, doubleword and
 * word forms; known answers for each source size (from a bit-serial,
 * MSB-first model of the polynomial 11EDC6F41h, not the emulator's
 * code); the 64-bit destination (REX.W) zero-extended; a byte register
 * source (AH); flags unaffected; #UD without SSE4.2. Both vendors.
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

/* 64-bit mode with SSE4.2 (unless feats says otherwise); the device
 * page holds "123456789" at DEV; RBX points at it. */
static void setup(const char *hex, uint8_t vendor, uint32_t feats)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.code);
	fake_init(&E.fm);
	fake_add(&E.fm, CODE, E.code, sizeof(E.code), true, 0);
	fake_add(&E.fm, DATA, E.data, sizeof(E.data), false, 1ull << 1);
	memcpy(&E.data[DEV - DATA], "123456789", 9);
	fake_cpu_long64(&E.cpu);
	E.cpu.vendor = vendor;
	E.cpu.features = feats;
	E.cpu.rip = CODE;
	E.cpu.rflags = 0x2;
	E.cpu.gpr[EMUL_RBX] = DEV;
	emul_init(&E.ctx, &fake_ops, &E.fm);
}

/* Runs the instruction at CODE again (the context kept): RIP back. */
static void rerun(void)
{
	E.cpu.rip = CODE;
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8), EMUL_DONE);
}

/* The check value through `crc32 eax, byte [rbx]`, rbx stepping. */
static void test_check_value_bytes(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		setup("f2 0f 38 f0 03", vendors[v], EMUL_FEAT_SSE42);
		E.cpu.gpr[EMUL_RAX] = 0xFFFFFFFF;
		for (unsigned i = 0; i < 9; i++) {
			E.cpu.gpr[EMUL_RBX] = DEV + i;
			E.fm.nlog = 0;
			rerun();
			assert_int_equal(E.fm.nlog, 1);
			assert_int_equal(E.fm.log[0].len, 1);
			assert_int_equal(E.fm.log[0].addr, DEV + i);
		}
		assert_int_equal(E.cpu.gpr[EMUL_RAX] ^ 0xFFFFFFFF, 0xE3069283);
		assert_int_equal(E.cpu.rip, CODE + 5);
	}
}

/* Step is the code (at CODE) of one form reading [rbx] into eax/rax;
 * runs it at DEV + at. */
static void step(const char *hex, unsigned at, unsigned len)
{
	unhex(hex, E.code);
	E.cpu.gpr[EMUL_RBX] = DEV + at;
	E.fm.nlog = 0;
	rerun();
	assert_int_equal(E.fm.nlog, 1);
	assert_int_equal(E.fm.log[0].len, len);
}

/* The same value through the wider forms: "12345678" as a quadword then
 * "9"; "1234" as a doubleword, "56" and "78" as words, then "9". */
static void test_check_value_wide(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		setup("", vendors[v], EMUL_FEAT_SSE42);
		E.cpu.gpr[EMUL_RAX] = 0xFFFFFFFF;
		step("f2 48 0f 38 f1 03", 0, 8);        /* crc32 rax, qword */
		step("f2 48 0f 38 f0 03", 8, 1);        /* crc32 rax, byte */
		assert_int_equal(E.cpu.gpr[EMUL_RAX] ^ 0xFFFFFFFF, 0xE3069283);

		setup("", vendors[v], EMUL_FEAT_SSE42);
		E.cpu.gpr[EMUL_RAX] = 0xFFFFFFFF;
		step("f2 0f 38 f1 03", 0, 4);           /* crc32 eax, dword */
		step("66 f2 0f 38 f1 03", 4, 2);        /* crc32 eax, word */
		step("f2 66 0f 38 f1 03", 6, 2);        /* the other order */
		step("f2 0f 38 f0 03", 8, 1);
		assert_int_equal(E.cpu.gpr[EMUL_RAX] ^ 0xFFFFFFFF, 0xE3069283);
	}
}

struct crc_case {
	const char *hex;        /* crc32 eax/rax, [rbx] */
	uint64_t rax_in, src, rax_out;
	unsigned len;
};

/* One step per source size: a 32-bit destination zero-extends (its
 * upper half in is ignored), REX.W's 64-bit one uses the low half in;
 * a zero source with a zero CRC stays zero; the flags stay. */
static void test_known_answers(void **state)
{
	static const struct crc_case cases[] = {
		{ "f2 0f 38 f0 03", 0xFFFFFFFF00000000ull, 0x5A, 0x3AC7F2EB, 1 },
		{ "f2 0f 38 f0 03", 0, 0x80, 0x82F63B78, 1 },
		{ "66 f2 0f 38 f1 03", 0xDEADBEEF, 0x1234, 0x7DEA0286, 2 },
		{ "f2 0f 38 f1 03", 0x11111111CAFEF00Dull, 0x89ABCDEF, 0xCCBD0F8B, 4 },
		{ "f2 0f 38 f1 03", 0, 0, 0, 4 },
		{ "f2 0f 38 f1 03", 0xFFFFFFFF, 0, 0xB798B438, 4 },
		{ "f2 48 0f 38 f1 03", 0xAAAAAAAA12345678ull, 0x0123456789ABCDEFull,
		  0xA3D207BE, 8 },
		{ "f2 48 0f 38 f0 03", 0x1234567800000000ull, 0x80, 0x82F63B78, 1 },
	};

	(void)state;
	for (unsigned v = 0; v < 2; v++)
		for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			for (uint32_t fl = 0; fl <= FL_ALL; fl += FL_ALL) {
				const struct crc_case *c = &cases[i];

				setup(c->hex, vendors[v], EMUL_FEAT_SSE42);
				memcpy(&E.data[DEV - DATA], &c->src, 8);
				E.cpu.gpr[EMUL_RAX] = c->rax_in;
				E.cpu.rflags = 0x2 | fl;
				rerun();
				assert_int_equal(E.cpu.gpr[EMUL_RAX], c->rax_out);
				assert_int_equal(E.cpu.rflags, 0x2 | fl);
				assert_int_equal(E.fm.log[0].len, c->len);
			}
}

/* crc32 ecx, ah: the legacy high-byte register without REX. */
static void test_byte_register(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		setup("f2 0f 38 f0 cc", vendors[v], EMUL_FEAT_SSE42);
		E.cpu.gpr[EMUL_RAX] = 0x5A00;
		rerun();
		assert_int_equal(E.cpu.gpr[EMUL_RCX], 0x3AC7F2EB);
		assert_int_equal(E.fm.nlog, 0);
	}
}

/* Without SSE4.2 (CPUID.1:ECX[20]): #UD, nothing read. */
static void test_hidden(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		setup("f2 0f 38 f1 03", vendors[v], ~(uint32_t)EMUL_FEAT_SSE42);
		E.cpu.gpr[EMUL_RAX] = 7;
		assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8),
				 EMUL_EXCEPTION);
		assert_int_equal(E.res.event.vector, 6);
		assert_int_equal(E.cpu.gpr[EMUL_RAX], 7);
		assert_int_equal(E.cpu.rip, CODE);
		assert_int_equal(E.fm.nlog, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value_bytes),
		cmocka_unit_test(test_check_value_wide),
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_byte_register),
		cmocka_unit_test(test_hidden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
