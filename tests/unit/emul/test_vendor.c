/*
 * test_vendor.c - every place where the emulator follows the guest's CPU
 * vendor (docs/emulator.md, "Intel and AMD"), pinned for both vendors.
 * The differential tests check the host's vendor against the host CPU;
 * these check the other vendor's column too, on any host.
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
#define STACK_TOP 0x8000u
#define MMIO_PAGE 0x30000u      /* the page at this offset is MMIO */

static uint8_t mem[MEM_SIZE];   /* linear 0 .. 256 KiB */
static struct fake_mem fm;
static struct emul_ctx ctx;
static struct emul_cpu cpu;
static struct emul_result res;

static const enum emul_vendor intel = EMUL_VENDOR_INTEL, amd = EMUL_VENDOR_AMD;

/* The instruction at linear 'rip'; RSP = STACK_TOP. */
static void setup_at(enum emul_mode mode, enum emul_vendor vendor,
		     uint64_t rip, const char *hex)
{
	memset(mem, 0xCC, sizeof(mem));
	unhex(hex, mem + rip);
	fake_init(&fm);
	fake_add(&fm, 0, mem, sizeof(mem), false, 1ull << (MMIO_PAGE / 4096));
	if (mode == EMUL_MODE_LONG64)
		fake_cpu_long64(&cpu);
	else
		fake_cpu_prot(&cpu, mode == EMUL_MODE_PROT32);
	cpu.vendor = (uint8_t)vendor;
	cpu.rip = rip;
	cpu.gpr[EMUL_RSP] = STACK_TOP;
	emul_init(&ctx, &fake_ops, &fm);
}

static void setup(enum emul_mode mode, enum emul_vendor vendor,
		  const char *hex)
{
	setup_at(mode, vendor, 0x1000, hex);
}

static void run_done(void)
{
	assert_int_equal(fake_run(&ctx, &cpu, &fm, &res, 100), EMUL_DONE);
}

static uint64_t mem_le(uint64_t at, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, mem + at, n);
	return v;
}

static int decode_len(const char *hex, enum emul_vendor vendor)
{
	uint8_t b[16] = { 0 };
	struct emul_insn insn;

	unhex(hex, b);
	return emul_decode(&insn, b, 15, EMUL_MODE_LONG64, vendor);
}

/* 66h on a near branch in 64-bit mode: Intel ignores it (rel32, 64-bit
 * operand size), AMD makes it 16-bit (rel16). REX.W wins on both. */
static void test_branch_66_lengths(void **state)
{
	(void)state;
	assert_int_equal(decode_len("66 e8 01 02 03 04", intel), 6);
	assert_int_equal(decode_len("66 e8 01 02 03 04", amd), 4);
	assert_int_equal(decode_len("66 e9 01 02 03 04", intel), 6);
	assert_int_equal(decode_len("66 e9 01 02 03 04", amd), 4);
	assert_int_equal(decode_len("66 0f 84 01 02 03 04", intel), 7);
	assert_int_equal(decode_len("66 0f 84 01 02 03 04", amd), 5);
	assert_int_equal(decode_len("66 48 e8 01 02 03 04", intel), 7);
	assert_int_equal(decode_len("66 48 e8 01 02 03 04", amd), 7);
	assert_int_equal(decode_len("66 eb 01", intel), 3);
	assert_int_equal(decode_len("66 eb 01", amd), 3);
	/* outside 64-bit mode 66h is the operand size on both */
	{
		uint8_t b[16] = { 0x66, 0xE8, 1, 2, 3, 4 };
		struct emul_insn in;

		assert_int_equal(emul_decode(&in, b, 15, EMUL_MODE_PROT32,
					     intel), 4);
		assert_int_equal(emul_decode(&in, b, 15, EMUL_MODE_PROT32,
					     amd), 4);
	}
}

/* CALL: Intel pushes the 8-byte return address and jumps 64-bit; AMD
 * pushes 2 bytes and truncates the target to 16 bits. */
static void test_branch_66_call(void **state)
{
	(void)state;
	setup_at(EMUL_MODE_LONG64, intel, 0x1FFF0, "66 e8 20 00 00 00");
	run_done();
	assert_int_equal(cpu.rip, 0x1FFF6 + 0x20);
	assert_int_equal(cpu.gpr[EMUL_RSP], STACK_TOP - 8);
	assert_int_equal(mem_le(STACK_TOP - 8, 8), 0x1FFF6);

	setup_at(EMUL_MODE_LONG64, amd, 0x1FFF0, "66 e8 20 00");
	run_done();
	assert_int_equal(cpu.rip, (0x1FFF4 + 0x20) & 0xFFFF);
	assert_int_equal(cpu.gpr[EMUL_RSP], STACK_TOP - 2);
	assert_int_equal(mem_le(STACK_TOP - 2, 2), 0xFFF4);
	assert_int_equal(mem[STACK_TOP - 3], 0xCC);     /* nothing more */
}

/* JMP rel, Jcc, LOOP, JMP r/m and RET with 66h. */
static void test_branch_66_others(void **state)
{
	(void)state;
	setup_at(EMUL_MODE_LONG64, intel, 0x1FFF0, "66 e9 20 00 00 00");
	run_done();
	assert_int_equal(cpu.rip, 0x20016);
	setup_at(EMUL_MODE_LONG64, amd, 0x1FFF0, "66 e9 20 00");
	run_done();
	assert_int_equal(cpu.rip, 0x0014);

	setup_at(EMUL_MODE_LONG64, intel, 0x1FFF0, "66 0f 84 20 00 00 00");
	cpu.rflags |= EMUL_FL_ZF;
	run_done();
	assert_int_equal(cpu.rip, 0x20017);
	setup_at(EMUL_MODE_LONG64, amd, 0x1FFF0, "66 0f 84 20 00");
	cpu.rflags |= EMUL_FL_ZF;
	run_done();
	assert_int_equal(cpu.rip, 0x0015);
	/* not taken: the next instruction, untruncated, on both */
	setup_at(EMUL_MODE_LONG64, amd, 0x1FFF0, "66 0f 84 20 00");
	run_done();
	assert_int_equal(cpu.rip, 0x1FFF5);

	setup_at(EMUL_MODE_LONG64, intel, 0x1FFF0, "66 e2 10");
	cpu.gpr[EMUL_RCX] = 5;
	run_done();
	assert_int_equal(cpu.rip, 0x20003);
	setup_at(EMUL_MODE_LONG64, amd, 0x1FFF0, "66 e2 10");
	cpu.gpr[EMUL_RCX] = 5;
	run_done();
	assert_int_equal(cpu.rip, 0x0003);
	assert_int_equal(cpu.gpr[EMUL_RCX], 4);

	setup(EMUL_MODE_LONG64, intel, "66 ff e0");     /* jmp rax / jmp ax */
	cpu.gpr[EMUL_RAX] = 0x29876;
	run_done();
	assert_int_equal(cpu.rip, 0x29876);
	setup(EMUL_MODE_LONG64, amd, "66 ff e0");
	cpu.gpr[EMUL_RAX] = 0x29876;
	run_done();
	assert_int_equal(cpu.rip, 0x9876);

	setup(EMUL_MODE_LONG64, intel, "66 c3");        /* ret */
	memcpy(mem + STACK_TOP, "\x34\x12\x02\x00\x00\x00\x00\x00", 8);
	run_done();
	assert_int_equal(cpu.rip, 0x21234);
	assert_int_equal(cpu.gpr[EMUL_RSP], STACK_TOP + 8);
	setup(EMUL_MODE_LONG64, amd, "66 c3");
	memcpy(mem + STACK_TOP, "\x34\x12\x02\x00\x00\x00\x00\x00", 8);
	run_done();
	assert_int_equal(cpu.rip, 0x1234);
	assert_int_equal(cpu.gpr[EMUL_RSP], STACK_TOP + 2);
}

/* MOVSXD r16, m: Intel reads a word, AMD a doubleword (keeping its low
 * word): the MMIO read has that size. */
static void test_movsxd_16(void **state)
{
	enum emul_vendor v[2] = { intel, amd };
	unsigned i;

	(void)state;
	for (i = 0; i < 2; i++) {
		setup(EMUL_MODE_LONG64, v[i], "66 63 00");  /* movsxd ax, [rax] */
		cpu.gpr[EMUL_RAX] = MMIO_PAGE;
		run_done();
		assert_int_equal(fm.nlog, 1);
		assert_int_equal(fm.log[0].status, EMUL_MMIO_READ);
		assert_int_equal(fm.log[0].len, v[i] == amd ? 4 : 2);
		assert_int_equal(cpu.rip, 0x1003);
	}
	/* RAM: the register's upper 48 bits stay on both */
	for (i = 0; i < 2; i++) {
		setup(EMUL_MODE_LONG64, v[i], "66 63 03");  /* movsxd ax, [rbx] */
		cpu.gpr[EMUL_RBX] = 0x2000;
		cpu.gpr[EMUL_RAX] = 0xAAAAAAAAAAAAAAAAull;
		memcpy(mem + 0x2000, "\x83\x82\x81\x80", 4);
		run_done();
		assert_int_equal(cpu.gpr[EMUL_RAX], 0xAAAAAAAAAAAA8283ull);
	}
	/* A word at the end of memory: AMD's doubleword faults, Intel's
	 * word does not. */
	setup(EMUL_MODE_LONG64, intel, "66 63 03");
	cpu.gpr[EMUL_RBX] = MEM_SIZE - 2;
	run_done();
	setup(EMUL_MODE_LONG64, amd, "66 63 03");
	cpu.gpr[EMUL_RBX] = MEM_SIZE - 2;
	assert_int_equal(fake_run(&ctx, &cpu, &fm, &res, 100), EMUL_EXCEPTION);
	assert_int_equal(res.event.vector, 14);
}

/* PUSH Sreg with a 32-bit operand size: Intel writes the 16-bit selector
 * and leaves the slot's upper half, AMD writes it zero-extended. */
static void test_push_sreg_32(void **state)
{
	static const struct { const char *hex; unsigned sreg; } forms[] = {
		{ "06", EMUL_SEG_ES }, { "0e", EMUL_SEG_CS },
		{ "1e", EMUL_SEG_DS }, { "0f a0", EMUL_SEG_FS },
		{ "0f a8", EMUL_SEG_GS },
	};
	unsigned i, s;

	(void)state;
	for (i = 0; i < 5; i++) {
		setup(EMUL_MODE_PROT32, intel, forms[i].hex);
		for (s = 0; s < 6; s++)
			cpu.seg[s].sel = (uint16_t)(0x1008 + 8 * s);
		run_done();
		assert_int_equal(cpu.gpr[EMUL_RSP], STACK_TOP - 4);
		assert_int_equal(mem_le(STACK_TOP - 4, 4),
				 0xCCCC1008u + 8 * forms[i].sreg);
		setup(EMUL_MODE_PROT32, amd, forms[i].hex);
		for (s = 0; s < 6; s++)
			cpu.seg[s].sel = (uint16_t)(0x1008 + 8 * s);
		run_done();
		assert_int_equal(cpu.gpr[EMUL_RSP], STACK_TOP - 4);
		assert_int_equal(mem_le(STACK_TOP - 4, 4),
				 0x1008u + 8 * forms[i].sreg);
	}
	/* 64-bit: zero-extended on both */
	setup(EMUL_MODE_LONG64, intel, "0f a0");
	cpu.seg[EMUL_SEG_FS].sel = 0x2B;
	run_done();
	assert_int_equal(mem_le(STACK_TOP - 8, 8), 0x2B);
	setup(EMUL_MODE_LONG64, amd, "0f a0");
	cpu.seg[EMUL_SEG_FS].sel = 0x2B;
	run_done();
	assert_int_equal(mem_le(STACK_TOP - 8, 8), 0x2B);
}

/* REP string, 32-bit address size in 64-bit mode, ECX = 0: Intel writes
 * RCX (zero-extending it) and the storing forms' index registers; AMD
 * writes nothing. */
static void test_rep_zero_count(void **state)
{
	static const struct { const char *hex; bool di, si; } forms[] = {
		{ "67 f3 aa", true, false },    /* STOS: RDI written */
		{ "67 f3 a4", true, true },     /* MOVS: RSI and RDI */
		{ "67 f3 ac", false, false },   /* LODS: neither */
		{ "67 f2 ae", false, false },   /* SCAS */
		{ "66 67 f3 a7", false, false },/* CMPS */
	};
	const uint64_t rcx = 0xDEAD000000000000ull;
	const uint64_t rsi = 0x1111000000002000ull, rdi = 0x2222000000003000ull;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		setup(EMUL_MODE_LONG64, intel, forms[i].hex);
		cpu.gpr[EMUL_RCX] = rcx;
		cpu.gpr[EMUL_RSI] = rsi;
		cpu.gpr[EMUL_RDI] = rdi;
		run_done();
		assert_int_equal(cpu.gpr[EMUL_RCX], 0);
		assert_int_equal(cpu.gpr[EMUL_RSI], forms[i].si ? 0x2000 : rsi);
		assert_int_equal(cpu.gpr[EMUL_RDI], forms[i].di ? 0x3000 : rdi);

		setup(EMUL_MODE_LONG64, amd, forms[i].hex);
		cpu.gpr[EMUL_RCX] = rcx;
		cpu.gpr[EMUL_RSI] = rsi;
		cpu.gpr[EMUL_RDI] = rdi;
		run_done();
		assert_int_equal(cpu.gpr[EMUL_RCX], rcx);
		assert_int_equal(cpu.gpr[EMUL_RSI], rsi);
		assert_int_equal(cpu.gpr[EMUL_RDI], rdi);
		assert_true(cpu.rip > 0x1000);          /* retired */
	}
}

/* The vendor string decides; Hygon is AMD's design. */
static void test_vendor_of(void **state)
{
	(void)state;
	assert_int_equal(emul_vendor_of("GenuineIntel"), EMUL_VENDOR_INTEL);
	assert_int_equal(emul_vendor_of("AuthenticAMD"), EMUL_VENDOR_AMD);
	assert_int_equal(emul_vendor_of("HygonGenuine"), EMUL_VENDOR_AMD);
	assert_int_equal(emul_vendor_of("CentaurHauls"), EMUL_VENDOR_INTEL);
}

/* A decoding is not reused for the other vendor: the same bytes at the
 * same RIP give AMD's length after Intel's. */
static void test_decoding_kept_per_vendor(void **state)
{
	(void)state;
	setup_at(EMUL_MODE_LONG64, intel, 0x1000, "66 e9 00 00 00 00");
	run_done();
	assert_int_equal(cpu.rip, 0x1006);
	cpu.rip = 0x1000;
	cpu.vendor = EMUL_VENDOR_AMD;
	run_done();
	assert_int_equal(cpu.rip, 0x1004);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_branch_66_lengths),
		cmocka_unit_test(test_branch_66_call),
		cmocka_unit_test(test_branch_66_others),
		cmocka_unit_test(test_movsxd_16),
		cmocka_unit_test(test_push_sreg_32),
		cmocka_unit_test(test_rep_zero_count),
		cmocka_unit_test(test_vendor_of),
		cmocka_unit_test(test_decoding_kept_per_vendor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
