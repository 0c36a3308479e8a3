/*
 * test_invpcid.c - INVPCID (66 0F 38 82 /r) run by the emulator with its
 * descriptor in MMIO: the type from a 32/64-bit register, the 16-byte
 * descriptor read in two 8-byte requests, each #GP(0) condition of the
 * SDM (reserved bits, type > 3, PCID without CR4.PCIDE for types 0 and
 * 1, a non-canonical address for type 0), CPL 3, the #UD forms (CPUID,
 * prefixes, register operand, LOCK, virtual-8086 mode), a #PF on the
 * descriptor, and the invalidation through emul_ops.flush_tlb, called
 * only when the instruction completes.
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
#define CR4_PCIDE (1ull << 17)

static struct {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	struct emul_ops ops;
	uint8_t code[4096];
	uint8_t data[8192];
	unsigned flushes;
} E;

static void count_flush(void *opaque)
{
	(void)opaque;
	E.flushes++;
}

/* 64-bit mode at CPL 0 with INVPCID announced and CR4.PCIDE set; RBX
 * points at the descriptor in the device page. */
static void setup(const char *hex)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.code);
	fake_init(&E.fm);
	fake_add(&E.fm, CODE, E.code, sizeof(E.code), true, 0);
	fake_add(&E.fm, DATA, E.data, sizeof(E.data), false, 1ull << 1);
	fake_cpu_long64(&E.cpu);
	E.cpu.cpl = 0;
	E.cpu.seg[EMUL_SEG_CS].dpl = 0;
	E.cpu.cr4 = 0x20 | CR4_PCIDE;
	E.cpu.features = EMUL_FEAT_INVPCID;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = DEV;
	E.ops = fake_ops;
	E.ops.flush_tlb = count_flush;
	emul_init(&E.ctx, &E.ops, &E.fm);
}

static void set_desc(uint64_t at, uint64_t lo, uint64_t hi)
{
	memcpy(&E.data[at - DATA], &lo, 8);
	memcpy(&E.data[at - DATA + 8], &hi, 8);
}

static enum emul_status run(void)
{
	return fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16);
}

static void expect_done(uint64_t next_rip)
{
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.flushes, 1);
	assert_int_equal(E.cpu.rip, next_rip);
}

/* vector, with error code 0 unless #UD; nothing flushed or retired */
static void expect_fault(uint8_t vector)
{
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, vector);
	if (vector == 13) {
		assert_true(E.res.event.has_error_code);
		assert_int_equal(E.res.event.error_code, 0);
	}
	if (vector == 6)
		assert_false(E.res.event.has_error_code);
	assert_int_equal(E.flushes, 0);
	assert_int_equal(E.cpu.rip, CODE);
}

/* Type 0 with a PCID and a canonical address: both halves read from the
 * device, then one flush. */
static void test_mmio_descriptor(void **state)
{
	(void)state;
	setup("66 0f 38 82 03");                /* invpcid rax, [rbx] */
	set_desc(DEV, 5, 0xFFFF800000001000ull);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.flushes, 1);
	assert_int_equal(E.cpu.rip, CODE + 5);
	assert_int_equal(E.fm.nlog, 2);
	assert_int_equal(E.fm.log[0].status, EMUL_MMIO_READ);
	assert_int_equal(E.fm.log[0].addr, DEV);
	assert_int_equal(E.fm.log[0].len, 8);
	assert_int_equal(E.fm.log[1].addr, DEV + 8);
	assert_int_equal(E.fm.log[1].len, 8);
	/* r9 with REX.R, and types 1, 2, 3 */
	for (uint64_t type = 1; type < 4; type++) {
		setup("66 44 0f 38 82 0b");     /* invpcid r9, [rbx] */
		E.cpu.gpr[EMUL_R9] = type;
		set_desc(DEV, 0xFFF, 0x8000000000000000ull);
		expect_done(CODE + 6);
	}
}

/* #GP(0): reserved descriptor bits, a type above 3 (all 64 bits of the
 * register count in 64-bit mode), PCID != 0 with CR4.PCIDE = 0 for types
 * 0 and 1 (not 2, 3), a non-canonical address for type 0 (not 1). */
static void test_gp(void **state)
{
	(void)state;
	setup("66 0f 38 82 03");
	set_desc(DEV, 0x1000, 0);
	expect_fault(13);
	setup("66 0f 38 82 03");
	E.cpu.gpr[EMUL_RAX] = 4;
	expect_fault(13);
	setup("66 0f 38 82 03");
	E.cpu.gpr[EMUL_RAX] = 1ull << 32;
	expect_fault(13);
	for (uint64_t type = 0; type < 4; type++) {
		setup("66 0f 38 82 03");
		E.cpu.cr4 &= ~CR4_PCIDE;
		E.cpu.gpr[EMUL_RAX] = type;
		set_desc(DEV, 1, 0);
		if (type < 2) {
			expect_fault(13);
		} else {
			expect_done(CODE + 5);
		}
	}
	setup("66 0f 38 82 03");
	set_desc(DEV, 0, 0x0000800000000000ull);
	expect_fault(13);
	setup("66 0f 38 82 03");
	E.cpu.gpr[EMUL_RAX] = 1;
	set_desc(DEV, 0, 0x0000800000000000ull);
	expect_done(CODE + 5);
}

/* CPL 3: #GP(0) before the descriptor is read. A #PF on the descriptor. */
static void test_cpl_and_pf(void **state)
{
	(void)state;
	setup("66 0f 38 82 03");
	E.cpu.cpl = 3;
	expect_fault(13);
	assert_int_equal(E.fm.nlog, 0);
	setup("66 0f 38 82 03");
	E.cpu.gpr[EMUL_RBX] = 0x40000;          /* nothing mapped there */
	expect_fault(14);
	assert_int_equal(E.res.event.cr2, 0x40000);
	/* the second half on an unmapped page: after the first read */
	setup("66 0f 38 82 03");
	E.cpu.gpr[EMUL_RBX] = DATA + sizeof(E.data) - 8;
	expect_fault(14);
	assert_int_equal(E.res.event.cr2, DATA + sizeof(E.data));
}

/* #UD: INVPCID hidden, no 66, F3, a register operand, LOCK, VM86. */
static void test_ud(void **state)
{
	static const char *const forms[] = {
		"0f 38 82 03", "f3 66 0f 38 82 03", "66 0f 38 82 c3",
		"f0 66 0f 38 82 03",
	};

	(void)state;
	setup("66 0f 38 82 03");
	E.cpu.features = 0;
	expect_fault(6);
	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		setup(forms[i]);
		expect_fault(6);
	}
	setup("66 0f 38 82 07");
	fake_cpu_real(&E.cpu);
	E.cpu.features = EMUL_FEAT_INVPCID;
	E.cpu.rip = CODE;
	E.cpu.mode = EMUL_MODE_VM86;
	E.cpu.cpl = 3;
	E.cpu.rflags |= EMUL_FL_VM;
	expect_fault(6);
}

/* Real mode (CPL 0 by definition) and 32-bit protected mode: the type
 * is 32 bits (EAX), the PCID must be 0 (PCIDE is 0 there). */
static void test_legacy_modes(void **state)
{
	(void)state;
	setup("66 0f 38 82 07");                /* invpcid eax, [bx] */
	fake_cpu_real(&E.cpu);
	E.cpu.features = EMUL_FEAT_INVPCID;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = DEV + 0x10;
	E.cpu.gpr[EMUL_RAX] = 0xFFFFFFFF00000000ull | 1;
	expect_done(CODE + 5);
	setup("66 0f 38 82 03");                /* invpcid eax, [ebx] */
	fake_cpu_prot(&E.cpu, true);
	E.cpu.features = EMUL_FEAT_INVPCID;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = DEV;
	E.cpu.gpr[EMUL_RAX] = 0x100000000ull;  /* type 0 */
	set_desc(DEV, 0, 0x1234);
	expect_done(CODE + 5);
	setup("66 0f 38 82 03");
	fake_cpu_prot(&E.cpu, true);
	E.cpu.features = EMUL_FEAT_INVPCID;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = DEV;
	set_desc(DEV, 7, 0x1234);
	expect_fault(13);
}

/* Without emul_ops.flush_tlb: refused, nothing changed. */
static void test_no_callback(void **state)
{
	(void)state;
	setup("66 0f 38 82 03");
	E.ops.flush_tlb = NULL;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(E.res.reason, EMUL_R_OPCODE);
	assert_int_equal(E.cpu.rip, CODE);
	assert_int_equal(E.fm.nlog, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmio_descriptor),
		cmocka_unit_test(test_gp),
		cmocka_unit_test(test_cpl_and_pf),
		cmocka_unit_test(test_ud),
		cmocka_unit_test(test_legacy_modes),
		cmocka_unit_test(test_no_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
