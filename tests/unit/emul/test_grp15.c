/*
 * test_grp15.c - the group 15 (0F AE) and group 9 (0F C7) forms beyond
 * the fences, FXSAVE, MXCSR and CMPXCHG8B, and the PREFETCHW group (0F
 * 0D): the XSAVE family and XGETBV/XSETBV (#UD with CR4.OSXSAVE = 0,
 * ahead of every other fault; refused with it), RDFSBASE/RDGSBASE/
 * WRFSBASE/WRGSBASE (the base read and written, 32 and 64 bits, each #UD
 * and the #GP(0) for a non-canonical base), INCSSP, CLRSSBSY, PTWRITE,
 * UMONITOR, TPAUSE, UMWAIT, the undefined register forms, RDRAND and
 * RDSEED through emul_ops.rdrand, RDPID, SENDUIPI, the VMX memory forms,
 * and PREFETCH/PREFETCHW per vendor and CPUID, with no access.
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
#define CR4_VMXE (1ull << 13)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_CET (1ull << 23)
#define CR4_UINTR (1ull << 25)
#define NONCANON 0x0000800000000000ull

static struct {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	struct emul_ops ops;
	uint8_t code[4096];
	uint8_t data[8192];
	unsigned draws;
	bool draw_ok;
	bool draw_seed;
} E;

static bool fake_rdrand(void *opaque, bool seed, uint64_t *value)
{
	(void)opaque;
	E.draws++;
	E.draw_seed = seed;
	*value = 0x8877665544332211ull;
	return E.draw_ok;
}

/* 64-bit mode at CPL 0, CR4.FSGSBASE set and every feature of these
 * files announced; RBX points into the device page; FS and GS have
 * distinct bases. code_mmio: the code page is MMIO too. */
static void setup_at(const char *hex, bool code_mmio)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.code);
	fake_init(&E.fm);
	fake_add(&E.fm, CODE, E.code, sizeof(E.code), !code_mmio,
		 code_mmio ? 1 : 0);
	fake_add(&E.fm, DATA, E.data, sizeof(E.data), false, 1ull << 1);
	fake_cpu_long64(&E.cpu);
	E.cpu.cpl = 0;
	E.cpu.seg[EMUL_SEG_CS].dpl = 0;
	E.cpu.cr4 = 0x20 | 0x200 | CR4_FSGSBASE;
	E.cpu.features = EMUL_FEAT_FSGSBASE | EMUL_FEAT_RDRAND |
			 EMUL_FEAT_RDSEED | EMUL_FEAT_SSE | EMUL_FEAT_SSE2;
	E.cpu.seg[EMUL_SEG_FS].base = 0x1111222233334444ull;
	E.cpu.seg[EMUL_SEG_GS].base = 0xFFFF800012345678ull;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = DEV;
	E.draw_ok = true;
	E.ops = fake_ops;
	E.ops.rdrand = fake_rdrand;
	emul_init(&E.ctx, &E.ops, &E.fm);
}

static void setup(const char *hex)
{
	setup_at(hex, false);
}

static enum emul_status run(void)
{
	return fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16);
}

/* vector (#UD without, #GP with error code 0), nothing retired, no data
 * access */
static void expect_fault(uint8_t vector)
{
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, vector);
	assert_int_equal(E.res.event.has_error_code, vector == 13);
	assert_int_equal(E.res.event.error_code, 0);
	assert_int_equal(E.cpu.rip, CODE);
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.cpu.seg_written, 0);
	assert_int_equal(E.cpu.gpr_written, 0);
}

static void expect_refused(void)
{
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(E.res.reason, EMUL_R_OPCODE);
	assert_int_equal(E.cpu.rip, CODE);
	assert_int_equal(E.fm.nlog, 0);
}

/* XSAVE, XRSTOR, XSAVEOPT, XRSTORS, XSAVEC, XSAVES (and REX.W forms)
 * with the area in MMIO, XGETBV, XSETBV: #UD with CR4.OSXSAVE = 0, before
 * the #GP for a non-canonical area or CPL 3 and before #NM for CR0.TS;
 * refused with CR4.OSXSAVE = 1. */
static void test_xsave_family(void **state)
{
	static const char *const forms[] = {
		"0f ae 23", "48 0f ae 23", "0f ae 2b", "48 0f ae 2b",
		"0f ae 33", "48 0f ae 33", "0f c7 1b", "48 0f c7 1b",
		"0f c7 23", "48 0f c7 23", "0f c7 2b", "48 0f c7 2b",
		"0f 01 d0", "0f 01 d1",
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		setup(forms[i]);
		expect_fault(6);
		setup(forms[i]);
		E.cpu.gpr[EMUL_RBX] = NONCANON;
		E.cpu.cr0 |= 8;                 /* CR0.TS */
		E.cpu.cpl = 3;
		E.cpu.seg[EMUL_SEG_CS].dpl = 3;
		expect_fault(6);
		setup(forms[i]);
		E.cpu.cr4 |= CR4_OSXSAVE;
		expect_refused();
	}
	/* in 32-bit protected mode alike */
	setup("0f ae 23");
	fake_cpu_prot(&E.cpu, true);
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = DEV;
	expect_fault(6);
}

/* RDFSBASE/RDGSBASE: the base, 64 bits with REX.W, else the low 32 bits
 * zero-extended; REX.B names r8-r15; 66 changes nothing. */
static void test_rdbase(void **state)
{
	(void)state;
	setup("f3 48 0f ae c0");                /* rdfsbase rax */
	E.cpu.gpr[EMUL_RAX] = 1;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + 5);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x1111222233334444ull);
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.cpu.seg_written, 0);
	setup("f3 49 0f ae c9");                /* rdgsbase r9 */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_R9], 0xFFFF800012345678ull);
	setup("f3 0f ae c1");                   /* rdfsbase ecx */
	E.cpu.gpr[EMUL_RCX] = ~0ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + 4);
	assert_int_equal(E.cpu.gpr[EMUL_RCX], 0x33334444ull);
	setup("66 f3 0f ae ca");                /* rdgsbase edx */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RDX], 0x12345678ull);
}

/* WRFSBASE/WRGSBASE: the new base, the segment marked written with its
 * selector and attributes kept; #GP(0) for a non-canonical value. */
static void test_wrbase(void **state)
{
	struct emul_seg before;

	(void)state;
	setup("f3 48 0f ae d3");                /* wrfsbase rbx */
	E.cpu.seg[EMUL_SEG_FS].sel = 0x23;
	before = E.cpu.seg[EMUL_SEG_FS];
	E.cpu.gpr[EMUL_RBX] = 0xFFFFFFFF80001000ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + 5);
	assert_int_equal(E.cpu.seg[EMUL_SEG_FS].base, 0xFFFFFFFF80001000ull);
	before.base = E.cpu.seg[EMUL_SEG_FS].base;
	assert_memory_equal(&before, &E.cpu.seg[EMUL_SEG_FS], sizeof(before));
	assert_int_equal(E.cpu.seg_written, 1u << EMUL_SEG_FS);
	assert_int_equal(E.cpu.gpr_written, 0);
	setup("f3 41 0f ae da");                /* wrgsbase r10d */
	E.cpu.gpr[EMUL_R10] = 0xFFFFFFFFFFFFFFFFull;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.seg[EMUL_SEG_GS].base, 0xFFFFFFFFull);
	assert_int_equal(E.cpu.seg_written, 1u << EMUL_SEG_GS);
	setup("f3 48 0f ae db");                /* wrgsbase rbx */
	E.cpu.gpr[EMUL_RBX] = NONCANON;
	expect_fault(13);
	assert_int_equal(E.cpu.seg[EMUL_SEG_GS].base, 0xFFFF800012345678ull);
	setup("f3 48 0f ae d3");
	E.cpu.gpr[EMUL_RBX] = 0x00007FFFFFFFFFFFull;   /* the last canonical */
	assert_int_equal(run(), EMUL_DONE);
}

/* Code in MMIO: the bytes come through read requests, then the base. */
static void test_fsgsbase_from_mmio_code(void **state)
{
	(void)state;
	setup_at("f3 48 0f ae c0", true);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x1111222233334444ull);
	assert_int_equal(E.cpu.rip, CODE + 5);
	assert_true(E.fm.nlog >= 1);
	for (unsigned i = 0; i < E.fm.nlog; i++)
		assert_int_equal(E.fm.log[i].status, EMUL_MMIO_READ);
}

/* #UD: CR4.FSGSBASE clear, CPUID without FSGSBASE, outside 64-bit mode
 * (where the form would not be recognised); the order against #GP. */
static void test_fsgsbase_ud(void **state)
{
	static const char *const forms[] = {
		"f3 48 0f ae c0", "f3 48 0f ae c8", "f3 48 0f ae d0",
		"f3 48 0f ae d8",
	};
	static const char *const forms32[] = {
		"f3 0f ae c0", "f3 0f ae c8", "f3 0f ae d0", "f3 0f ae d8",
	};

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		setup(forms[i]);
		E.cpu.cr4 &= ~CR4_FSGSBASE;
		E.cpu.gpr[EMUL_RAX] = NONCANON;
		expect_fault(6);
		setup(forms[i]);
		E.cpu.features &= ~EMUL_FEAT_FSGSBASE;
		expect_fault(6);
		setup(forms32[i]);              /* in 32-bit mode */
		fake_cpu_prot(&E.cpu, true);
		E.cpu.cpl = 0;
		E.cpu.cr4 = CR4_FSGSBASE;
		E.cpu.features = EMUL_FEAT_FSGSBASE;
		E.cpu.rip = CODE;
		expect_fault(6);
	}
	/* compatibility mode (IA-32e, CS.L = 0) too */
	setup("f3 0f ae c0");
	E.cpu.mode = EMUL_MODE_PROT32;
	E.cpu.seg[EMUL_SEG_CS].l = 0;
	E.cpu.seg[EMUL_SEG_CS].db = 1;
	expect_fault(6);
}

/* The other F3/66/F2 register forms and the undefined ones. */
static void test_other_register_forms(void **state)
{
	static const char *const undefined[] = {
		"0f ae c0", "0f ae c8", "0f ae d0", "0f ae d8", "0f ae e0",
		"f3 0f ae f8", "66 0f ae c0", "66 0f ae e8", "66 0f ae f8",
		"f2 0f ae c0", "f2 0f ae e8", "f2 0f ae f8",
	};
	static const char *const waitpkg[] = {
		"f3 0f ae f0", "66 0f ae f1", "f2 0f ae f2",
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(undefined) / sizeof(undefined[0]); i++) {
		setup(undefined[i]);
		E.cpu.features = ~0ull;
		E.cpu.cr4 |= CR4_CET | CR4_OSXSAVE;
		expect_fault(6);
	}
	for (unsigned i = 0; i < 3; i++) {
		setup(waitpkg[i]);
		expect_fault(6);
		setup(waitpkg[i]);
		E.cpu.features |= EMUL_FEAT_WAITPKG;
		expect_refused();
	}
	/* INCSSPD/Q and CLRSSBSY: CR4.CET */
	setup("f3 0f ae e8");
	expect_fault(6);
	setup("f3 48 0f ae e8");
	E.cpu.cr4 |= CR4_CET;
	expect_refused();
	setup("f3 0f ae 33");                   /* clrssbsy [rbx] */
	expect_fault(6);
	setup("f3 0f ae 33");
	E.cpu.cr4 |= CR4_CET;
	expect_refused();
	/* PTWRITE, register and memory */
	setup("f3 0f ae e0");
	expect_fault(6);
	setup("f3 48 0f ae 23");
	expect_fault(6);
	setup("f3 0f ae e0");
	E.cpu.features |= EMUL_FEAT_PTWRITE;
	expect_refused();
	/* the fences still run */
	setup("0f ae e8");
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + 3);
}

/* RDRAND/RDSEED: 16, 32, 64 bits; CF and the other flags. */
static void test_rdrand(void **state)
{
	(void)state;
	setup("0f c7 f0");                      /* rdrand eax */
	E.cpu.gpr[EMUL_RAX] = ~0ull;
	E.cpu.rflags = 0x2 | EMUL_FL_ARITH;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + 3);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x44332211ull);
	assert_int_equal(E.cpu.rflags, 0x2 | EMUL_FL_CF);
	assert_int_equal(E.draws, 1);
	assert_false(E.draw_seed);
	setup("66 0f c7 f3");                   /* rdrand bx */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RBX], (DEV & ~0xFFFFull) | 0x2211);
	setup("49 0f c7 f8");                   /* rdseed r8 */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_R8], 0x8877665544332211ull);
	assert_true(E.draw_seed);
	/* no number: CF = 0, destination 0 */
	setup("48 0f c7 f1");                   /* rdrand rcx */
	E.draw_ok = false;
	E.cpu.gpr[EMUL_RCX] = 5;
	E.cpu.rflags = 0x2 | EMUL_FL_ARITH;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RCX], 0);
	assert_int_equal(E.cpu.rflags, 0x2);
	/* without the callback: refused */
	setup("0f c7 f0");
	E.ops.rdrand = NULL;
	expect_refused();
}

/* #UD: hidden RDRAND/RDSEED, F2/F3 (RDPID and SENDUIPI hidden), mod 3
 * /3-/5; refused where announced or enabled. */
static void test_grp9_ud(void **state)
{
	static const char *const undefined[] = {
		"f2 0f c7 f0", "f2 0f c7 f8", "0f c7 d8", "0f c7 e0",
		"0f c7 e8", "66 0f c7 d8",
	};

	(void)state;
	setup("0f c7 f0");
	E.cpu.features &= ~EMUL_FEAT_RDRAND;
	expect_fault(6);
	assert_int_equal(E.draws, 0);
	setup("0f c7 f8");
	E.cpu.features &= ~EMUL_FEAT_RDSEED;
	expect_fault(6);
	for (unsigned i = 0; i < sizeof(undefined) / sizeof(undefined[0]); i++) {
		setup(undefined[i]);
		E.cpu.features = ~0ull;
		expect_fault(6);
		assert_int_equal(E.draws, 0);
	}
	setup("f3 0f c7 f8");                   /* rdpid rax */
	expect_fault(6);
	setup("f3 0f c7 f8");
	E.cpu.features |= EMUL_FEAT_RDPID;
	expect_refused();
	setup("f3 0f c7 f0");                   /* senduipi rax */
	expect_fault(6);
	setup("f3 0f c7 f0");
	E.cpu.cr4 |= CR4_UINTR;
	expect_refused();
	setup("f3 0f c7 f0");                   /* 32-bit: RDRAND with F3 */
	fake_cpu_prot(&E.cpu, true);
	E.cpu.rip = CODE;
	E.cpu.cr4 = CR4_UINTR;
	E.cpu.features = EMUL_FEAT_RDRAND;
	expect_fault(6);
	/* the VMX memory forms: CR4.VMXE */
	static const char *const vmx[] = {
		"0f c7 33", "66 0f c7 33", "f3 0f c7 33", "0f c7 3b",
	};
	for (unsigned i = 0; i < 4; i++) {
		setup(vmx[i]);
		expect_fault(6);
		setup(vmx[i]);
		E.cpu.cr4 |= CR4_VMXE;
		expect_refused();
	}
}

/* PREFETCH/PREFETCHW: no access and no fault (an MMIO operand, an
 * unmapped one, a non-canonical one), on AMD with any of 3DNowPrefetch,
 * LM and 3DNow!, on Intel whatever CPUID says. */
static void expect_prefetch_runs(const char *hex, unsigned vendor,
				 uint64_t features, size_t len)
{
	static const uint64_t at[] = { DEV, 0x40000, NONCANON };

	for (unsigned i = 0; i < 3; i++) {
		setup(hex);
		E.cpu.vendor = (uint8_t)vendor;
		E.cpu.features = features;
		E.cpu.gpr[EMUL_RBX] = at[i];
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.cpu.rip, CODE + len);
		assert_int_equal(E.fm.nlog, 0);
	}
}

static void test_prefetchw(void **state)
{
	static const char *const forms[] = {
		"0f 0d 03", "0f 0d 0b", "0f 0d 13", "0f 0d 1b", "0f 0d 23",
		"0f 0d 2b", "0f 0d 33", "0f 0d 3b", "f3 0f 0d 0b",
		"f2 0f 0d 0b", "66 0f 0d 0b", "64 0f 0d 0b",
	};
	static const uint64_t amd_ok[] = {
		EMUL_FEAT_PRFCHW, EMUL_FEAT_LM, EMUL_FEAT_3DNOW,
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t len = strlen(forms[i]) / 3 + 1;

		expect_prefetch_runs(forms[i], EMUL_VENDOR_INTEL, 0, len);
		for (unsigned f = 0; f < 3; f++)
			expect_prefetch_runs(forms[i], EMUL_VENDOR_AMD,
					     amd_ok[f], len);
		setup(forms[i]);
		E.cpu.vendor = EMUL_VENDOR_AMD;
		E.cpu.features = ~(EMUL_FEAT_PRFCHW | EMUL_FEAT_LM |
				   EMUL_FEAT_3DNOW);
		expect_fault(6);
	}
	/* the register form: #UD on AMD, a NOP on Intel */
	setup("0f 0d c8");
	E.cpu.vendor = EMUL_VENDOR_AMD;
	E.cpu.features = ~0ull;
	expect_fault(6);
	setup("0f 0d c8");
	E.cpu.vendor = EMUL_VENDOR_INTEL;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + 3);
	/* LOCK: #UD on both */
	setup("f0 0f 0d 0b");
	expect_fault(6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xsave_family),
		cmocka_unit_test(test_rdbase),
		cmocka_unit_test(test_wrbase),
		cmocka_unit_test(test_fsgsbase_from_mmio_code),
		cmocka_unit_test(test_fsgsbase_ud),
		cmocka_unit_test(test_other_register_forms),
		cmocka_unit_test(test_rdrand),
		cmocka_unit_test(test_grp9_ud),
		cmocka_unit_test(test_prefetchw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
