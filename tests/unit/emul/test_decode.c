/*
 * test_decode.c - decoder unit tables: bytes and mode in, length or
 * reason and selected decoded fields out. Complements the objdump length
 * comparison with the cases objdump cannot judge (NEED_MORE, LOCK
 * legality, opcode queries for the SVM backend). Every case is decoded for
 * both vendors; the few whose length differs say so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "emul.h"
#include "test_util.h"

struct dcase {
	enum emul_mode mode;
	const char *hex;
	int expect; /* length or EMUL_E_*, for both vendors */
};

#define R EMUL_MODE_REAL
#define P16 EMUL_MODE_PROT16
#define P32 EMUL_MODE_PROT32
#define L64 EMUL_MODE_LONG64

static const struct dcase cases[] = {
	/* the SVM backend's opcodes */
	{ L64, "0f a2", 2 }, { L64, "0f 01 d9", 3 }, { L64, "f4", 1 },
	{ L64, "0f 32", 2 }, { L64, "0f 30", 2 }, { P32, "0f 01 c1", 3 },
	/* immediates and moffs */
	{ L64, "48 b8 11 22 33 44 55 66 77 88", 10 },
	{ L64, "b8 11 22 33 44", 5 }, { L64, "66 b8 11 22", 4 },
	{ L64, "a0 01 02 03 04 05 06 07 08", 9 },
	{ L64, "67 a0 01 02 03 04", 6 }, { P32, "a1 01 02 03 04", 5 },
	{ P16, "a1 01 02", 3 }, { P16, "67 a1 01 02 03 04", 6 },
	{ L64, "48 c7 00 01 02 03 04", 7 }, { L64, "66 c7 00 01 02", 5 },
	{ L64, "c8 10 00 01", 4 }, { P32, "9a 01 02 03 04 05 06", 7 },
	{ P16, "9a 01 02 03 04", 5 }, { P32, "66 ea 01 02 03 04", 6 },
	{ L64, "f6 00 11", 3 }, { L64, "f7 00 11 22 33 44", 6 },
	{ L64, "f7 10", 2 }, { L64, "68 01 02 03 04", 5 },
	{ L64, "66 68 01 02", 4 }, { L64, "0f ba 20 05", 4 },
	/* ModRM / SIB / displacement forms */
	{ L64, "8b 05 01 02 03 04", 6 }, { L64, "8b 04 25 01 02 03 04", 7 },
	{ L64, "8b 44 24 08", 4 }, { L64, "8b 84 24 01 02 03 04", 7 },
	{ L64, "8b 45 00", 3 }, { L64, "41 8b 45 00", 4 },
	{ L64, "8b 04 05 01 02 03 04", 7 }, { P16, "8b 46 02", 3 },
	{ P16, "8b 06 34 12", 4 }, { P16, "8b 86 34 12", 4 },
	{ P16, "67 8b 04 24", 4 }, { P32, "67 8b 06 34 12", 5 },
	/* MOV CR/DR ignore ModRM.mod: no displacement ever */
	{ P32, "0f 20 00", 3 }, { L64, "0f 22 85", 3 },
	/* near branches (66h in 64-bit mode: vendor_cases below) */
	{ L64, "e8 01 02 03 04", 5 }, { L64, "66 48 e8 01 02 03 04", 7 },
	{ P16, "e8 01 02", 3 }, { P16, "66 e9 01 02 03 04", 6 },
	{ L64, "66 eb 05", 3 }, { P32, "0f 85 01 02 03 04", 6 },
	/* VEX / EVEX / XOP lengths */
	{ L64, "c5 f8 77", 3 }, { L64, "c4 e2 79 18 00", 5 },
	{ L64, "c4 e3 79 04 c0 05", 6 }, { L64, "62 f1 7c 48 10 00", 6 },
	{ L64, "62 f3 7d 48 00 c0 01", 7 }, { P32, "c5 f8 77", 3 },
	{ P32, "c4 00", 2 }, { R, "c4 c0", EMUL_E_UD },
	{ P32, "8f e8 78 a2 c0 05", 6 }, { P32, "8f c0", 2 },
	{ L64, "66 c5 f8 77", EMUL_E_UD }, { L64, "48 c5 f8 77", EMUL_E_UD },
	/* #UD cases */
	{ L64, "06", EMUL_E_UD }, { L64, "27", EMUL_E_UD }, { L64, "d6", EMUL_E_UD },
	{ L64, "0f 0b", EMUL_E_UD }, { L64, "0f ff 00", EMUL_E_UD },
	{ L64, "8d c0", EMUL_E_UD }, { L64, "f0 01 c0", EMUL_E_UD },
	{ L64, "f0 8b 00", EMUL_E_UD }, { P32, "8e c8", EMUL_E_UD },
	{ P32, "8c f8", EMUL_E_UD }, { L64, "fe 10", EMUL_E_UD },
	{ L64, "ff 38", EMUL_E_UD }, { L64, "ff d8", EMUL_E_UD },
	{ L64, "0f ba 00 01", EMUL_E_UD }, { L64, "c6 08 01", EMUL_E_UD },
	{ L64, "c6 f9 01", EMUL_E_UD }, { L64, "0f c7 c8", EMUL_E_UD },
	{ R, "63 c0", EMUL_E_UD }, { L64, "0f b8 c0", EMUL_E_UD },
	{ L64, "66 0f c3 00", EMUL_E_UD }, { L64, "f3 0f c3 00", EMUL_E_UD },
	/* stray REX: only a REX right before the opcode counts (the
	 * differential stack tests show the CPU agreeing) */
	{ L64, "66 48 40 68 01 02", 6 }, { L64, "48 66 68 01 02", 5 },
	{ L64, "66 40 48 68 01 02 03 04", 8 },
	/* legal LOCKs */
	{ L64, "f0 01 00", 3 }, { L64, "f0 0f b1 0a", 4 },
	{ L64, "f0 48 0f c7 0e", 5 }, { L64, "f0 80 30 01", 4 },
	{ L64, "f0 87 03", 3 }, { L64, "f0 ff 00", 3 },
	/* XABORT / XBEGIN */
	{ L64, "c6 f8 01", 3 }, { L64, "c7 f8 01 02 03 04", 6 },
	/* 15-byte limit */
	{ L64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", 15 },
	{ L64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90",
	  EMUL_E_TOO_LONG },
	{ L64, "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 48 b8 01 02 03 04 05 06 07 08",
	  EMUL_E_TOO_LONG },
};

/* The lengths that depend on the vendor: 66h on a near branch in 64-bit
 * mode is ignored by Intel (rel32) and makes it rel16 on AMD. */
static const struct { const char *hex; int intel, amd; } vendor_cases[] = {
	{ "66 e8 01 02 03 04", 6, 4 }, { "66 e9 01 02 03 04", 6, 4 },
	{ "66 0f 84 01 02 03 04", 7, 5 }, { "66 0f 8f 01 02 03 04", 7, 5 },
};

static void test_vendor_lengths(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(vendor_cases) / sizeof(vendor_cases[0]); i++) {
		uint8_t b[32] = { 0 };

		unhex(vendor_cases[i].hex, b);
		assert_int_equal(emul_insn_len(b, 15, L64, EMUL_VENDOR_INTEL),
				 vendor_cases[i].intel);
		assert_int_equal(emul_insn_len(b, 15, L64, EMUL_VENDOR_AMD),
				 vendor_cases[i].amd);
	}
}

static void test_table(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < 2 * sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *c = &cases[i / 2];
		enum emul_vendor vendor = i & 1 ? EMUL_VENDOR_AMD
						: EMUL_VENDOR_INTEL;
		int want = c->expect;
		uint8_t b[32] = { 0 };
		struct emul_insn insn;
		int rc;

		unhex(c->hex, b);
		rc = emul_decode(&insn, b, 15, c->mode, vendor);
		if (rc != want)
			print_message("case %u (%s, %s): got %d want %d\n",
				      i / 2, c->hex, i & 1 ? "AMD" : "Intel",
				      rc, want);
		assert_int_equal(rc, want);
		if (rc > 0)
			assert_int_equal(insn.len, rc);
	}
	print_message("emul-decode: %zu table cases passed for each vendor\n",
		      sizeof(cases) / sizeof(cases[0]));
}

static void test_need_more(void **state)
{
	static const uint8_t b[] = { 0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(b); n++)
		assert_int_equal(emul_insn_len(b, n, EMUL_MODE_LONG64, EMUL_VENDOR_INTEL),
				 EMUL_E_NEED_MORE);
	assert_int_equal(emul_insn_len(b, sizeof(b), EMUL_MODE_LONG64,
				       EMUL_VENDOR_INTEL), 10);
}

static void test_fields(void **state)
{
	struct emul_insn in;
	uint8_t b[16];

	(void)state;
	/* mov eax, [rip+0x10] with 67h: EIP-relative */
	unhex("67 8b 05 10 00 00 00", b);
	assert_int_equal(emul_decode(&in, b, 7, L64, EMUL_VENDOR_INTEL), 7);
	assert_true(in.rip_rel);
	assert_int_equal(in.addrsize, 4);
	assert_int_equal(in.disp, 0x10);
	/* mov ax, [bp+si-2]: SS default, 16-bit address */
	unhex("8b 42 fe", b);
	assert_int_equal(emul_decode(&in, b, 3, P16, EMUL_VENDOR_INTEL), 3);
	assert_int_equal(in.seg, EMUL_SEG_SS);
	assert_int_equal(in.base, EMUL_RBP);
	assert_int_equal(in.index, EMUL_RSI);
	assert_int_equal(in.disp, -2);
	/* fs: mov r9, [r12 + r13*8]: REX bits, FS override, R12 -> DS */
	unhex("64 4f 8b 0c ec", b);
	assert_int_equal(emul_decode(&in, b, 5, L64, EMUL_VENDOR_INTEL), 5);
	assert_int_equal(in.seg, EMUL_SEG_FS);
	assert_int_equal(in.reg, 9);
	assert_int_equal(in.base, 12);
	assert_int_equal(in.index, 13);
	assert_int_equal(in.scale, 8);
	assert_int_equal(in.opsize, 8);
	/* ds override ignored in 64-bit mode: rbp base stays SS */
	unhex("3e 8b 45 00", b);
	assert_int_equal(emul_decode(&in, b, 4, L64, EMUL_VENDOR_INTEL), 4);
	assert_int_equal(in.seg, EMUL_SEG_SS);
	/* REX followed by a legacy prefix is ignored */
	unhex("48 66 01 c0", b);
	assert_int_equal(emul_decode(&in, b, 4, L64, EMUL_VENDOR_INTEL), 4);
	assert_int_equal(in.rex, 0);
	assert_int_equal(in.opsize, 2);
	/* push defaults to 64 bits in long mode */
	unhex("50", b);
	assert_int_equal(emul_decode(&in, b, 1, L64, EMUL_VENDOR_INTEL), 1);
	assert_int_equal(in.opsize, 8);
}

static void test_queries(void **state)
{
	struct emul_insn in;
	uint8_t b[16] = { 0 };

	(void)state;
	unhex("0f a2", b);
	assert_int_equal(emul_decode(&in, b, 2, L64, EMUL_VENDOR_INTEL), 2);
	assert_true(emul_insn_is(&in, EMUL_OPC_CPUID));
	assert_false(emul_insn_is(&in, EMUL_OPC_RDMSR));
	unhex("0f 01 d9", b);
	assert_int_equal(emul_decode(&in, b, 3, L64, EMUL_VENDOR_INTEL), 3);
	assert_true(emul_insn_is(&in, EMUL_OPC_VMMCALL));
	assert_false(emul_insn_is(&in, EMUL_OPC_VMCALL));
	unhex("f3 f4", b);
	assert_int_equal(emul_decode(&in, b, 2, P32, EMUL_VENDOR_INTEL), 2);
	assert_true(emul_insn_is(&in, EMUL_OPC_HLT));
	unhex("c5 f8 a2", b); /* a VEX opcode A2 is not CPUID */
	assert_int_equal(emul_decode(&in, b, 4, L64, EMUL_VENDOR_INTEL), 4);
	assert_false(emul_insn_is(&in, EMUL_OPC_CPUID));
}

static void test_mode_of(void **state)
{
	(void)state;
	assert_int_equal(emul_mode_of(0x10, 0, 2, false, false), R);
	assert_int_equal(emul_mode_of(0x11, 0, 2, false, false), P16);
	assert_int_equal(emul_mode_of(0x11, 0, 2, false, true), P32);
	assert_int_equal(emul_mode_of(0x80000011, 0x500, 2, true, false), L64);
	assert_int_equal(emul_mode_of(0x80000011, 0x500, 2, false, true), P32);
	assert_int_equal(emul_mode_of(0x11, 0, 0x20002, false, false),
			 EMUL_MODE_VM86);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_vendor_lengths),
		cmocka_unit_test(test_need_more),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_mode_of),
	};

	return cmocka_run_group_tests_name("emul-decode", tests, NULL, NULL);
}
