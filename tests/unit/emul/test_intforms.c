/*
 * test_intforms.c - unit tables for the integer instructions with a
 * memory or stack operand that reach the emulator through MMIO and that
 * the host CPU cannot run for the differential tests (legacy modes, CPL 0,
 * system registers): ENTER, PUSHA/POPA, BOUND, ARPL, POPF, SGDT/SIDT,
 * SLDT/STR, LMSW, CMPXCHG16B, the XOP escape, the fences and the
 * cache-line flushes. Each case asserts exact
 * registers, flags and memory, and every fault with its vector and error
 * code, memory and registers untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "emul.h"
#include "fakemem.h"
#include "test_util.h"

/* Linear memory: [0, 0x20000) RAM with the code at 0x1000; [0x20000,
 * 0x21000) read-only; [0x21000, 0x40000) RAM whose pages 0x30000 and
 * 0x31000 are MMIO; nothing above 0x40000. */
#define MEM_SIZE 0x40000u
#define RO_PAGE 0x20000u
#define MMIO_PAGE 0x30000u

static uint8_t mem[MEM_SIZE];
static struct fake_mem fm;
static struct emul_ctx ctx;
static struct emul_cpu cpu;
static struct emul_result res;
static struct emul_ops ops;

/* What get_dtable and get_sysseg hand out. */
static uint64_t dt_base[2];
static uint16_t dt_limit[2];
static struct emul_seg sysseg[2];

static void t_get_dtable(void *opaque, unsigned which, uint64_t *base,
			 uint16_t *limit)
{
	(void)opaque;
	*base = dt_base[which];
	*limit = dt_limit[which];
}

static void t_get_sysseg(void *opaque, unsigned which, struct emul_seg *seg)
{
	(void)opaque;
	*seg = sysseg[which];
}

static void setup(enum emul_mode mode, const char *hex)
{
	unsigned i;

	memset(mem, 0, sizeof(mem));
	unhex(hex, mem + 0x1000);
	fake_init(&fm);
	fake_add(&fm, 0, mem, RO_PAGE, false, 0);
	fake_add(&fm, RO_PAGE, mem + RO_PAGE, 0x1000, true, 0);
	fake_add(&fm, RO_PAGE + 0x1000, mem + RO_PAGE + 0x1000,
		 MEM_SIZE - RO_PAGE - 0x1000, false,
		 3ull << ((MMIO_PAGE - RO_PAGE - 0x1000) / 0x1000));
	if (mode == EMUL_MODE_REAL) {
		fake_cpu_real(&cpu);
		for (i = 0; i < 6; i++) {
			cpu.seg[i].sel = 0x100;
			cpu.seg[i].base = 0x1000;
		}
		cpu.rip = 0;
	} else if (mode == EMUL_MODE_LONG64) {
		fake_cpu_long64(&cpu);
		cpu.rip = 0x1000;
	} else {
		fake_cpu_prot(&cpu, mode == EMUL_MODE_PROT32);
		cpu.rip = 0x1000;
	}
	ops = fake_ops;
	ops.get_dtable = t_get_dtable;
	ops.get_sysseg = t_get_sysseg;
	emul_init(&ctx, &ops, &fm);
}

static enum emul_status run(void)
{
	return fake_run(&ctx, &cpu, &fm, &res, 1000);
}

static void expect_fault(uint8_t vector, bool has_ec, uint32_t ec)
{
	uint64_t rip = cpu.rip;

	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(res.event.vector, vector);
	assert_int_equal(res.event.has_error_code, has_ec);
	assert_int_equal(res.event.error_code, ec);
	assert_int_equal(cpu.rip, rip);
}

static uint64_t rd(uint64_t la, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, mem + la, n);
	return v;
}

static void wr(uint64_t la, unsigned n, uint64_t v)
{
	memcpy(mem + la, &v, n);
}

/* A copy of the memory the instruction may touch, to check that a fault
 * left it alone. */
static uint8_t before[MEM_SIZE];

static void snapshot(void)
{
	memcpy(before, mem, sizeof(mem));
}

static void assert_mem_unchanged(void)
{
	assert_memory_equal(before, mem, sizeof(mem));
}

/* ---- ENTER ---- */

static void test_enter_basic(void **state)
{
	(void)state;
	/* enter 0x10, 0 (32-bit): push ebp, ebp = esp, esp -= 0x10 */
	setup(EMUL_MODE_PROT32, "c8 10 00 00");
	cpu.gpr[EMUL_RSP] = 0x8000;
	cpu.gpr[EMUL_RBP] = 0x1234;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x7FFC, 4), 0x1234);
	assert_int_equal(cpu.gpr[EMUL_RBP], 0x7FFC);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x7FEC);
	assert_int_equal(cpu.rip, 0x1004);

	/* enter 8, 3 (32-bit): two frame pointers copied from [ebp-4],
	 * [ebp-8], then FrameTemp */
	setup(EMUL_MODE_PROT32, "c8 08 00 03");
	cpu.gpr[EMUL_RSP] = 0x8000;
	cpu.gpr[EMUL_RBP] = 0x9000;
	wr(0x8FFC, 4, 0xAAAA1111);
	wr(0x8FF8, 4, 0xBBBB2222);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x7FFC, 4), 0x9000);
	assert_int_equal(rd(0x7FF8, 4), 0xAAAA1111);
	assert_int_equal(rd(0x7FF4, 4), 0xBBBB2222);
	assert_int_equal(rd(0x7FF0, 4), 0x7FFC);
	assert_int_equal(cpu.gpr[EMUL_RBP], 0x7FFC);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x7FE8);

	/* the level is taken mod 32: enter 0, 0x21 is level 1 */
	setup(EMUL_MODE_PROT32, "c8 00 00 21");
	cpu.gpr[EMUL_RSP] = 0x8000;
	cpu.gpr[EMUL_RBP] = 0x9000;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x7FFC, 4), 0x9000);
	assert_int_equal(rd(0x7FF8, 4), 0x7FFC);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x7FF8);
}

static void test_enter_sizes(void **state)
{
	(void)state;
	/* real mode, enter 4, 2: SP wraps at 64 KiB, the upper halves of
	 * ESP and EBP are kept; [bp-2] is read at SS:0x00FE */
	setup(EMUL_MODE_REAL, "c8 04 00 02");
	cpu.gpr[EMUL_RSP] = 0xABCD0002;
	cpu.gpr[EMUL_RBP] = 0x55550100;
	wr(0x1000 + 0xFE, 2, 0x4321);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x1000 + 0x0000, 2), 0x0100);     /* bp */
	assert_int_equal(rd(0x1000 + 0xFFFE, 2), 0x4321);     /* [bp-2] */
	assert_int_equal(rd(0x1000 + 0xFFFC, 2), 0x0000);     /* FrameTemp */
	assert_int_equal(cpu.gpr[EMUL_RBP], 0x55550000);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0xABCDFFF8);
	assert_int_equal(cpu.rip, 4);

	/* 16-bit code, 66h: a 32-bit frame on a 16-bit stack: EBP gets
	 * the whole ESP after the first push */
	setup(EMUL_MODE_PROT16, "66 c8 00 00 01");
	cpu.gpr[EMUL_RSP] = 0x00030010;
	cpu.gpr[EMUL_RBP] = 0x11112222;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x000C, 4), 0x11112222);
	assert_int_equal(rd(0x0008, 4), 0x0003000C);
	assert_int_equal(cpu.gpr[EMUL_RBP], 0x0003000C);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x00030008);

	/* 64-bit, enter 0, 2 */
	setup(EMUL_MODE_LONG64, "c8 00 00 02");
	cpu.gpr[EMUL_RSP] = 0x8000;
	cpu.gpr[EMUL_RBP] = 0x9000;
	wr(0x8FF8, 8, 0x1122334455667788ull);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x7FF8, 8), 0x9000);
	assert_int_equal(rd(0x7FF0, 8), 0x1122334455667788ull);
	assert_int_equal(rd(0x7FE8, 8), 0x7FF8);
	assert_int_equal(cpu.gpr[EMUL_RBP], 0x7FF8);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x7FE8);

	/* 64-bit with 66h: 16-bit pushes, BP only, RSP fully */
	setup(EMUL_MODE_LONG64, "66 c8 02 00 01");
	cpu.gpr[EMUL_RSP] = 0x8000;
	cpu.gpr[EMUL_RBP] = 0xFFFF00009876ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x7FFE, 2), 0x9876);
	assert_int_equal(rd(0x7FFC, 2), 0x7FFE);
	assert_int_equal(cpu.gpr[EMUL_RBP], 0xFFFF00007FFEull);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x7FFA);
}

/* A frame-pointer read that overlaps slots ENTER has already pushed sees
 * the pushed bytes, as on the CPU, which reads after writing. */
static void test_enter_overlap(void **state)
{
	(void)state;
	/* EBP = ESP: [ebp-4] and [ebp-8] are the slots pushed just before */
	setup(EMUL_MODE_PROT32, "c8 00 00 03");
	cpu.gpr[EMUL_RSP] = 0x8000;
	cpu.gpr[EMUL_RBP] = 0x8000;
	wr(0x7FFC, 4, 0xDEADBEEF);
	wr(0x7FF8, 4, 0xCAFEF00D);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x7FFC, 4), 0x8000);
	assert_int_equal(rd(0x7FF8, 4), 0x8000);
	assert_int_equal(rd(0x7FF4, 4), 0x8000);
	assert_int_equal(rd(0x7FF0, 4), 0x7FFC);

	/* EBP = ESP + 2: the first read takes two pushed bytes and two old
	 * ones (bytes 0x7FFE.. of the pushed EBP 0x00008002 are 0x0000) */
	setup(EMUL_MODE_PROT32, "c8 00 00 02");
	cpu.gpr[EMUL_RSP] = 0x8000;
	cpu.gpr[EMUL_RBP] = 0x8002;
	wr(0x7FFC, 4, 0x44332211);
	wr(0x8000, 4, 0x88776655);
	assert_int_equal(run(), EMUL_DONE);
	/* read at 0x7FFE: bytes 7FFE 7FFF (pushed: 0x00 0x00) and 8000 8001
	 * (0x55 0x66) */
	assert_int_equal(rd(0x7FF8, 4), 0x66550000);
	assert_int_equal(rd(0x7FFC, 4), 0x8002);
}

static void test_enter_faults(void **state)
{
	(void)state;
	/* the final ESP outside SS's limit: #SS(0), nothing pushed */
	setup(EMUL_MODE_PROT32, "c8 00 02 00");
	cpu.seg[EMUL_SEG_SS].limit = 0xFFFF;
	cpu.gpr[EMUL_RSP] = 0x100;
	cpu.gpr[EMUL_RBP] = 0x5555;
	snapshot();
	expect_fault(12, true, 0);
	assert_mem_unchanged();
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x100);
	assert_int_equal(cpu.gpr[EMUL_RBP], 0x5555);

	/* the final ESP on a read-only page: #PF(P|W) there, nothing pushed */
	setup(EMUL_MODE_PROT32, "c8 00 01 00");
	cpu.gpr[EMUL_RSP] = RO_PAGE + 0x1010;
	snapshot();
	expect_fault(14, true, 3);
	assert_int_equal(res.event.cr2, RO_PAGE + 0xF0C);
	assert_mem_unchanged();
	assert_int_equal(cpu.gpr[EMUL_RSP], RO_PAGE + 0x1010);

	/* a frame pointer read from unmapped memory: #PF(0) at it */
	setup(EMUL_MODE_PROT32, "c8 00 00 02");
	cpu.gpr[EMUL_RSP] = 0x8000;
	cpu.gpr[EMUL_RBP] = MEM_SIZE + 0x10;
	snapshot();
	expect_fault(14, true, 0);
	assert_int_equal(res.event.cr2, MEM_SIZE + 0xC);
	assert_mem_unchanged();

	/* a push to unmapped memory: #PF(W) */
	setup(EMUL_MODE_PROT32, "c8 00 00 00");
	cpu.gpr[EMUL_RSP] = MEM_SIZE + 4;
	expect_fault(14, true, 2);
	assert_int_equal(res.event.cr2, MEM_SIZE);

	/* 64-bit: a non-canonical stack is #SS(0) */
	setup(EMUL_MODE_LONG64, "c8 00 00 00");
	cpu.gpr[EMUL_RSP] = 0x0000800000000004ull;
	expect_fault(12, true, 0);
}

/* Level 31 with the stack in MMIO: 30 frame-pointer reads (one split
 * across a page) and 32 pushes, each its own request, in program order
 * for the reads, then the writes. */
static void test_enter_mmio(void **state)
{
	unsigned i, reads = 0, writes = 0;

	(void)state;
	setup(EMUL_MODE_LONG64, "c8 00 00 1f");
	cpu.gpr[EMUL_RSP] = MMIO_PAGE + 0x1800;
	cpu.gpr[EMUL_RBP] = MMIO_PAGE + 0x1004;  /* reads cross 0x31000 */
	for (i = 1; i < 31; i++)
		wr(MMIO_PAGE + 0x1004 - 8 * i, 8, 0x100 + i);
	assert_int_equal(run(), EMUL_DONE);
	for (i = 0; i < fm.nlog; i++) {
		if (fm.log[i].status == EMUL_MMIO_READ)
			reads++;
		else if (fm.log[i].status == EMUL_MMIO_WRITE)
			writes++;
	}
	assert_int_equal(reads, 31);
	assert_int_equal(writes, 32);
	assert_int_equal(rd(MMIO_PAGE + 0x17F8, 8), MMIO_PAGE + 0x1004);
	for (i = 1; i < 31; i++)
		assert_int_equal(rd(MMIO_PAGE + 0x17F8 - 8 * i, 8), 0x100 + i);
	assert_int_equal(rd(MMIO_PAGE + 0x17F8 - 8 * 31, 8),
			 MMIO_PAGE + 0x17F8);
	assert_int_equal(cpu.gpr[EMUL_RBP], MMIO_PAGE + 0x17F8);
	assert_int_equal(cpu.gpr[EMUL_RSP], MMIO_PAGE + 0x1800 - 8 * 32);
}

/* ---- PUSHA / POPA ---- */

static void test_pusha(void **state)
{
	unsigned i;

	(void)state;
	setup(EMUL_MODE_PROT32, "60");
	for (i = 0; i < 8; i++)
		cpu.gpr[i] = 0x11110000u * (i + 1) + i;
	cpu.gpr[EMUL_RSP] = 0x8000;
	assert_int_equal(run(), EMUL_DONE);
	for (i = 0; i < 8; i++)
		assert_int_equal(rd(0x8000 - 4 * (i + 1), 4),
				 i == 4 ? 0x8000 : 0x11110000u * (i + 1) + i);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x7FE0);
	assert_int_equal(cpu.rip, 0x1001);

	/* real mode, SP = 4: the slots wrap to 0xFFFE.. within SS */
	setup(EMUL_MODE_REAL, "60");
	for (i = 0; i < 8; i++)
		cpu.gpr[i] = 0xA000 + i;
	cpu.gpr[EMUL_RSP] = 0x77770004;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x1000 + 2, 2), 0xA000);         /* AX */
	assert_int_equal(rd(0x1000 + 0, 2), 0xA001);         /* CX */
	assert_int_equal(rd(0x1000 + 0xFFFE, 2), 0xA002);    /* DX */
	assert_int_equal(rd(0x1000 + 0xFFFA, 2), 0x0004);    /* SP */
	assert_int_equal(rd(0x1000 + 0xFFF4, 2), 0xA007);    /* DI */
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x7777FFF4);

	/* 66h in 32-bit code: 16-bit slots */
	setup(EMUL_MODE_PROT32, "66 60");
	cpu.gpr[EMUL_RAX] = 0x12345678;
	cpu.gpr[EMUL_RSP] = 0x8000;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x7FFE, 2), 0x5678);
	assert_int_equal(rd(0x7FFC, 2), 0);             /* CX */
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x7FF0);
}

static void test_pusha_faults(void **state)
{
	(void)state;
	/* real mode SP = 1: the first slot crosses the limit: #SS */
	setup(EMUL_MODE_REAL, "60");
	cpu.gpr[EMUL_RSP] = 1;
	snapshot();
	expect_fault(12, false, 0);
	assert_mem_unchanged();
	/* SP = 7: the 4th slot does: #GP on Intel (SDM), #SS on AMD (APM);
	 * nothing written either way */
	setup(EMUL_MODE_REAL, "60");
	cpu.gpr[EMUL_RSP] = 7;
	snapshot();
	expect_fault(13, false, 0);
	assert_mem_unchanged();
	assert_int_equal(cpu.gpr[EMUL_RSP], 7);
	setup(EMUL_MODE_REAL, "60");
	cpu.vendor = EMUL_VENDOR_AMD;
	cpu.gpr[EMUL_RSP] = 7;
	expect_fault(12, false, 0);
	assert_mem_unchanged();

	/* protected mode, the block below ESP = 0x10 wraps to 0xFFFFFFF0:
	 * in the 4 GiB limit but unmapped: #PF(W) at the 5th slot, and the
	 * first four are not written */
	setup(EMUL_MODE_PROT32, "60");
	cpu.gpr[EMUL_RSP] = 0x10;
	cpu.gpr[EMUL_RAX] = 0x99;
	snapshot();
	expect_fault(14, true, 2);
	assert_int_equal(res.event.cr2, 0xFFFFFFFC);
	assert_mem_unchanged();

	/* a stack limit of 0x7FFF in 16-bit protected mode, SP = 0x8008:
	 * #SS(0) before anything is written */
	setup(EMUL_MODE_PROT16, "60");
	cpu.seg[EMUL_SEG_SS].limit = 0x7FFF;
	cpu.gpr[EMUL_RSP] = 0x8008;
	snapshot();
	expect_fault(12, true, 0);
	assert_mem_unchanged();
}

static void test_popa(void **state)
{
	unsigned i;

	(void)state;
	setup(EMUL_MODE_PROT32, "61");
	for (i = 0; i < 8; i++)
		wr(0x8000 + 4 * i, 4, 0x50500000u + i);
	cpu.gpr[EMUL_RSP] = 0x8000;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RDI], 0x50500000);
	assert_int_equal(cpu.gpr[EMUL_RSI], 0x50500001);
	assert_int_equal(cpu.gpr[EMUL_RBP], 0x50500002);
	assert_int_equal(cpu.gpr[EMUL_RBX], 0x50500004);
	assert_int_equal(cpu.gpr[EMUL_RDX], 0x50500005);
	assert_int_equal(cpu.gpr[EMUL_RCX], 0x50500006);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x50500007);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x8020);

	/* 66h: only the low words change */
	setup(EMUL_MODE_PROT32, "66 61");
	for (i = 0; i < 8; i++) {
		wr(0x8000 + 2 * i, 2, 0x7000 + i);
		cpu.gpr[i] = 0xFFFFFFFF;
	}
	cpu.gpr[EMUL_RSP] = 0x8000;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RDI], 0xFFFF7000);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0xFFFF7007);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x8010);

	/* the stack in MMIO: seven reads, the SP slot is not read */
	setup(EMUL_MODE_PROT32, "61");
	for (i = 0; i < 8; i++)
		wr(MMIO_PAGE + 4 * i, 4, 0x600 + i);
	cpu.gpr[EMUL_RSP] = MMIO_PAGE;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(fm.nlog, 7);
	assert_int_equal(fm.log[3].addr, MMIO_PAGE + 16);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x607);
	assert_int_equal(cpu.gpr[EMUL_RSP], MMIO_PAGE + 32);

	/* the block's end beyond SS's limit: #SS(0), registers kept */
	setup(EMUL_MODE_PROT32, "61");
	cpu.seg[EMUL_SEG_SS].limit = 0x7FFF;
	cpu.gpr[EMUL_RSP] = 0x7FF0;
	cpu.gpr[EMUL_RDI] = 0x42;
	expect_fault(12, true, 0);
	assert_int_equal(cpu.gpr[EMUL_RDI], 0x42);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x7FF0);
}

/* ---- BOUND, ARPL ---- */

static void test_bound(void **state)
{
	(void)state;
	/* bound eax, [ebx]: -5 <= idx <= 100 */
	setup(EMUL_MODE_PROT32, "62 03");
	cpu.gpr[EMUL_RBX] = 0x8000;
	wr(0x8000, 4, (uint32_t)-5);
	wr(0x8004, 4, 100);
	cpu.gpr[EMUL_RAX] = (uint32_t)-5;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, 0x1002);
	setup(EMUL_MODE_PROT32, "62 03");
	cpu.gpr[EMUL_RBX] = 0x8000;
	wr(0x8000, 4, (uint32_t)-5);
	wr(0x8004, 4, 100);
	cpu.gpr[EMUL_RAX] = 101;
	expect_fault(5, false, 0);
	setup(EMUL_MODE_PROT32, "62 03");
	cpu.gpr[EMUL_RBX] = 0x8000;
	wr(0x8000, 4, (uint32_t)-5);
	wr(0x8004, 4, 100);
	cpu.gpr[EMUL_RAX] = (uint32_t)-6;
	expect_fault(5, false, 0);

	/* real mode, 16-bit signed: bound ax, [bx] with -2..5 */
	setup(EMUL_MODE_REAL, "62 07");
	cpu.gpr[EMUL_RBX] = 0x200;
	wr(0x1200, 2, 0xFFFE);
	wr(0x1202, 2, 5);
	cpu.gpr[EMUL_RAX] = 0x1234FFFF;         /* AX = -1 */
	assert_int_equal(run(), EMUL_DONE);
	setup(EMUL_MODE_REAL, "62 07");
	cpu.gpr[EMUL_RBX] = 0x200;
	wr(0x1200, 2, 0xFFFE);
	wr(0x1202, 2, 5);
	cpu.gpr[EMUL_RAX] = 0x8000;
	expect_fault(5, false, 0);

	/* the upper bound beyond DS's limit: #GP(0) */
	setup(EMUL_MODE_PROT32, "62 03");
	cpu.seg[EMUL_SEG_DS].limit = 0x8003;
	cpu.gpr[EMUL_RBX] = 0x8000;
	expect_fault(13, true, 0);

	/* a register operand (mod 3) outside real mode is EVEX; in real
	 * mode BOUND with a register is #UD */
	setup(EMUL_MODE_REAL, "62 c0");
	expect_fault(6, false, 0);

	/* bounds in MMIO: two reads */
	setup(EMUL_MODE_PROT32, "62 03");
	cpu.gpr[EMUL_RBX] = MMIO_PAGE;
	wr(MMIO_PAGE + 4, 4, 10);
	cpu.gpr[EMUL_RAX] = 3;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(fm.nlog, 2);
}

static void test_arpl(void **state)
{
	(void)state;
	/* arpl ax, cx: RPL 0 < 3: raised, ZF = 1 */
	setup(EMUL_MODE_PROT16, "63 c8");
	cpu.gpr[EMUL_RAX] = 0xABCD0010;
	cpu.gpr[EMUL_RCX] = 0x0003;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0xABCD0013);
	assert_true(cpu.rflags & EMUL_FL_ZF);
	/* RPL 2 >= 1: unchanged, ZF = 0 */
	setup(EMUL_MODE_PROT32, "63 c8");
	cpu.gpr[EMUL_RAX] = 0x0012;
	cpu.gpr[EMUL_RCX] = 0x0001;
	cpu.rflags |= EMUL_FL_ZF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x0012);
	assert_false(cpu.rflags & EMUL_FL_ZF);

	/* arpl [ebx], cx in MMIO: one read, one write when raised ... */
	setup(EMUL_MODE_PROT32, "63 0b");
	cpu.gpr[EMUL_RBX] = MMIO_PAGE;
	cpu.gpr[EMUL_RCX] = 2;
	wr(MMIO_PAGE, 4, 0xEEEE0028);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(fm.nlog, 2);
	assert_int_equal(fm.log[1].status, EMUL_MMIO_WRITE);
	assert_int_equal(fm.log[1].len, 2);
	assert_int_equal(rd(MMIO_PAGE, 4), 0xEEEE002A);
	/* ... and only the read when not */
	setup(EMUL_MODE_PROT32, "63 0b");
	cpu.gpr[EMUL_RBX] = MMIO_PAGE;
	cpu.gpr[EMUL_RCX] = 1;
	wr(MMIO_PAGE, 2, 0x0029);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(fm.nlog, 1);
	assert_false(cpu.rflags & EMUL_FL_ZF);

	/* a read-only data segment is #GP(0) even when nothing changes */
	setup(EMUL_MODE_PROT32, "63 0b");
	cpu.seg[EMUL_SEG_DS].type = 1;
	cpu.gpr[EMUL_RBX] = 0x8000;
	wr(0x8000, 2, 3);
	expect_fault(13, true, 0);
	/* a read-only page: read as a read, #PF(P|W) only for the write */
	setup(EMUL_MODE_PROT32, "63 0b");
	cpu.gpr[EMUL_RBX] = RO_PAGE;
	cpu.gpr[EMUL_RCX] = 3;
	expect_fault(14, true, 3);
	setup(EMUL_MODE_PROT32, "63 0b");
	cpu.gpr[EMUL_RBX] = RO_PAGE;
	assert_int_equal(run(), EMUL_DONE);
	assert_false(cpu.rflags & EMUL_FL_ZF);
	/* not present: #PF without W */
	setup(EMUL_MODE_PROT32, "63 0b");
	cpu.gpr[EMUL_RBX] = MEM_SIZE;
	cpu.gpr[EMUL_RCX] = 3;
	expect_fault(14, true, 0);

	/* real mode: #UD */
	setup(EMUL_MODE_REAL, "63 c8");
	expect_fault(6, false, 0);
}

/* ---- POPF ---- */

static void popf_case(enum emul_mode mode, const char *hex, unsigned cpl,
		      uint64_t rflags, uint64_t popped, uint64_t expect,
		      uint64_t sp_after)
{
	setup(mode, hex);
	cpu.cpl = (uint8_t)cpl;
	cpu.rflags = rflags;
	cpu.gpr[EMUL_RSP] = 0x8000;
	wr(mode == EMUL_MODE_REAL ? 0x9000 : 0x8000, 8, popped);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rflags, expect);
	assert_int_equal(cpu.gpr[EMUL_RSP], sp_after);
}

static void test_popf(void **state)
{
	(void)state;
	/* real mode, 16-bit: all of bits 15:0 but the reserved ones; AC
	 * (bit 18) above them untouched */
	popf_case(EMUL_MODE_REAL, "9d", 0, 0x40002, 0xFFFF, 0x47FD7, 0x8002);
	popf_case(EMUL_MODE_REAL, "9d", 0, 0x47FD7, 0, 0x40002, 0x8002);
	/* CPL 0, 32-bit: AC and ID too; VIF, VIP kept; RF cleared */
	popf_case(EMUL_MODE_PROT32, "9d", 0, 0x190002, 0xFFFFFFFF,
		  0x3C7FD7, 0x8004);
	popf_case(EMUL_MODE_PROT32, "9d", 0, 0x3C7FD7, 0, 0x180002, 0x8004);
	/* CPL 3 > IOPL 0: IF and IOPL kept */
	popf_case(EMUL_MODE_LONG64, "9d", 3, 0x202, 0x3000, 0x202, 0x8008);
	popf_case(EMUL_MODE_LONG64, "9d", 3, 0x2, 0x3ED5, 0xCD7, 0x8008);
	/* CPL 3 = IOPL 3: IF writable, IOPL kept */
	popf_case(EMUL_MODE_LONG64, "9d", 3, 0x3202, 0x0, 0x3002, 0x8008);
	/* CPL 1, IOPL 1: IF writable, IOPL not */
	popf_case(EMUL_MODE_PROT32, "9d", 1, 0x1002, 0x3200, 0x1202, 0x8004);
	/* 64-bit with 66h: a 16-bit pop, bits 63:16 kept */
	popf_case(EMUL_MODE_LONG64, "66 9d", 0, 0x40202, 0x0001, 0x40003,
		  0x8002);

	/* the pop beyond SS's limit: #SS(0), flags kept */
	setup(EMUL_MODE_PROT16, "9d");
	cpu.seg[EMUL_SEG_SS].limit = 0x8000;
	cpu.gpr[EMUL_RSP] = 0x8000;
	cpu.rflags = 0x2;
	expect_fault(12, true, 0);
	assert_int_equal(cpu.rflags, 0x2);

	/* TF set at the start: the single-step trap is due after POPF even
	 * when it clears TF */
	setup(EMUL_MODE_PROT32, "9d");
	cpu.rflags = 0x102;
	cpu.gpr[EMUL_RSP] = 0x8000;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rflags, 0x2);
	assert_true(res.tf_trap);
}

/* ---- SGDT, SIDT, SLDT, STR ---- */

static void test_sgdt_sidt(void **state)
{
	(void)state;
	dt_base[EMUL_DTABLE_GDT] = 0xFFFFFFFF12345678ull;
	dt_limit[EMUL_DTABLE_GDT] = 0x03FF;
	dt_base[EMUL_DTABLE_IDT] = 0xFFFF800000001000ull;
	dt_limit[EMUL_DTABLE_IDT] = 0x0FFF;
	/* sgdt [eax]: limit then the 32-bit base; byte 6 untouched */
	setup(EMUL_MODE_PROT32, "0f 01 00");
	cpu.gpr[EMUL_RAX] = 0x8000;
	wr(0x8006, 1, 0xEE);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x8000, 2), 0x03FF);
	assert_int_equal(rd(0x8002, 4), 0x12345678);
	assert_int_equal(rd(0x8006, 1), 0xEE);
	/* 16-bit operand size: the full 32-bit base as well */
	setup(EMUL_MODE_PROT16, "0f 01 07");
	cpu.gpr[EMUL_RBX] = 0x8000;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x8002, 4), 0x12345678);
	/* sidt [rax] in 64-bit mode: 10 bytes */
	setup(EMUL_MODE_LONG64, "0f 01 08");
	cpu.gpr[EMUL_RAX] = 0x8000;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x8000, 2), 0x0FFF);
	assert_int_equal(rd(0x8002, 8), 0xFFFF800000001000ull);
	/* real mode, sidt [bx] */
	setup(EMUL_MODE_REAL, "0f 01 0f");
	cpu.gpr[EMUL_RBX] = 0x10;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x1010, 2), 0x0FFF);
	assert_int_equal(rd(0x1012, 4), 0x00001000);

	/* CR4.UMIP above CPL 0: #GP(0); at CPL 0 allowed */
	setup(EMUL_MODE_LONG64, "0f 01 00");
	cpu.cr4 = 1u << 11;
	cpu.gpr[EMUL_RAX] = 0x8000;
	expect_fault(13, true, 0);
	setup(EMUL_MODE_PROT32, "0f 01 00");
	cpu.cr4 = 1u << 11;
	cpu.gpr[EMUL_RAX] = 0x8000;
	assert_int_equal(run(), EMUL_DONE);

	/* the base part on a read-only page: #PF, the limit not written */
	setup(EMUL_MODE_PROT32, "0f 01 00");
	cpu.gpr[EMUL_RAX] = RO_PAGE - 2;
	snapshot();
	expect_fault(14, true, 3);
	assert_int_equal(res.event.cr2, RO_PAGE);
	assert_mem_unchanged();

	/* to MMIO: two writes */
	setup(EMUL_MODE_PROT32, "0f 01 00");
	cpu.gpr[EMUL_RAX] = MMIO_PAGE;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(fm.nlog, 2);
	assert_int_equal(rd(MMIO_PAGE + 2, 4), 0x12345678);

	/* without get_dtable: unsupported */
	setup(EMUL_MODE_PROT32, "0f 01 00");
	ops.get_dtable = NULL;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
}

static void test_sldt_str(void **state)
{
	(void)state;
	sysseg[EMUL_SYSSEG_LDTR].sel = 0x0028;
	sysseg[EMUL_SYSSEG_TR].sel = 0x0040;
	/* sldt [eax]: two bytes whatever the operand size */
	setup(EMUL_MODE_PROT32, "0f 00 00");
	cpu.gpr[EMUL_RAX] = 0x8000;
	wr(0x8000, 4, 0xFFFFFFFF);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x8000, 4), 0xFFFF0028);
	/* str eax: zero-extended; with 66h only AX */
	setup(EMUL_MODE_PROT32, "0f 00 c8");
	cpu.gpr[EMUL_RAX] = 0xFFFFFFFF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x40);
	setup(EMUL_MODE_PROT32, "66 0f 00 c8");
	cpu.gpr[EMUL_RAX] = 0xFFFFFFFF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0xFFFF0040);
	/* sldt rax with REX.W: zero-extended to 64 bits (CPL 3, no UMIP) */
	setup(EMUL_MODE_LONG64, "48 0f 00 c0");
	cpu.gpr[EMUL_RAX] = ~0ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x28);
	/* UMIP above CPL 0: #GP(0) */
	setup(EMUL_MODE_LONG64, "0f 00 08");
	cpu.cr4 = 1u << 11;
	cpu.gpr[EMUL_RAX] = 0x8000;
	expect_fault(13, true, 0);
	/* real mode: #UD */
	setup(EMUL_MODE_REAL, "0f 00 00");
	expect_fault(6, false, 0);
	/* str [eax] to MMIO: one 2-byte write */
	setup(EMUL_MODE_PROT32, "0f 00 08");
	cpu.gpr[EMUL_RAX] = MMIO_PAGE + 6;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(fm.nlog, 1);
	assert_int_equal(fm.log[0].len, 2);
	assert_int_equal(fm.log[0].data, 0x40);
}

/* ---- LMSW ---- */

static void test_lmsw(void **state)
{
	(void)state;
	/* real mode, lmsw [bx]: bits 3:0 loaded, PE set: CR0 = 0x1F */
	setup(EMUL_MODE_REAL, "0f 01 37");
	cpu.gpr[EMUL_RBX] = 0x100;
	wr(0x1100, 2, 0xFFFF);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.cr0, 0x1F);
	assert_int_equal(cpu.cr0_written, 1);
	/* PE cannot be cleared; bits above 3 never change */
	setup(EMUL_MODE_PROT32, "0f 01 33");
	cpu.cr0 = 0x8000001B;
	cpu.gpr[EMUL_RBX] = 0x8000;
	wr(0x8000, 2, 0xFFF0);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.cr0, 0x80000011);
	/* register form: lmsw ax */
	setup(EMUL_MODE_PROT32, "0f 01 f0");
	cpu.cr0 = 0x11;
	cpu.gpr[EMUL_RAX] = 0xFFFF000E;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.cr0, 0x1F);
	/* from MMIO: one 2-byte read */
	setup(EMUL_MODE_PROT32, "0f 01 33");
	cpu.cr0 = 0x11;
	cpu.gpr[EMUL_RBX] = MMIO_PAGE;
	wr(MMIO_PAGE, 2, 0x8);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(fm.nlog, 1);
	assert_int_equal(fm.log[0].len, 2);
	assert_int_equal(cpu.cr0, 0x19);
	/* above CPL 0: #GP(0), CR0 unchanged and not marked */
	setup(EMUL_MODE_LONG64, "0f 01 33");
	cpu.gpr[EMUL_RBX] = 0x8000;
	expect_fault(13, true, 0);
	assert_int_equal(cpu.cr0, 0x80050033);
	assert_int_equal(cpu.cr0_written, 0);
	/* a faulting read: CR0 unchanged and not marked */
	setup(EMUL_MODE_PROT32, "0f 01 33");
	cpu.gpr[EMUL_RBX] = MEM_SIZE;
	expect_fault(14, true, 0);
	assert_int_equal(cpu.cr0, 0x11);
	assert_int_equal(cpu.cr0_written, 0);
}

/* ---- CMPXCHG16B, CMPXCHG8B ---- */

static void test_cmpxchg16b(void **state)
{
	(void)state;
	/* lock cmpxchg16b [rax]: equal -> RCX:RBX stored, ZF = 1 */
	setup(EMUL_MODE_LONG64, "f0 48 0f c7 08");
	cpu.features = EMUL_FEAT_CX16;
	cpu.gpr[EMUL_RAX] = 0x8000;        /* also the low comparand */
	cpu.gpr[EMUL_RDX] = 0x2222;
	cpu.gpr[EMUL_RBX] = 0xB0B0B0B0B0B0B0B0ull;
	cpu.gpr[EMUL_RCX] = 0xC0C0C0C0C0C0C0C0ull;
	wr(0x8000, 8, 0x8000);
	wr(0x8008, 8, 0x2222);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x8000, 8), 0xB0B0B0B0B0B0B0B0ull);
	assert_int_equal(rd(0x8008, 8), 0xC0C0C0C0C0C0C0C0ull);
	assert_true(cpu.rflags & EMUL_FL_ZF);
	/* not equal -> RDX:RAX loaded, memory written back unchanged */
	setup(EMUL_MODE_LONG64, "48 0f c7 0b");
	cpu.features = EMUL_FEAT_CX16;
	cpu.gpr[EMUL_RBX] = MMIO_PAGE + 0x10;
	cpu.gpr[EMUL_RAX] = 1;
	wr(MMIO_PAGE + 0x10, 8, 0x1111111111111111ull);
	wr(MMIO_PAGE + 0x18, 8, 0x9999999999999999ull);
	cpu.rflags |= EMUL_FL_ZF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x1111111111111111ull);
	assert_int_equal(cpu.gpr[EMUL_RDX], 0x9999999999999999ull);
	assert_false(cpu.rflags & EMUL_FL_ZF);
	assert_int_equal(fm.nlog, 4);      /* two reads, two writes */
	assert_int_equal(fm.log[3].data, 0x9999999999999999ull);
	/* not 16-byte aligned: #GP(0) */
	setup(EMUL_MODE_LONG64, "48 0f c7 08");
	cpu.features = EMUL_FEAT_CX16;
	cpu.gpr[EMUL_RAX] = 0x8008;
	expect_fault(13, true, 0);
	/* without CPUID.CX16: #UD */
	setup(EMUL_MODE_LONG64, "48 0f c7 08");
	cpu.gpr[EMUL_RAX] = 0x8000;
	expect_fault(6, false, 0);
	/* a read-only page: #PF(P|W|U), memory untouched */
	setup(EMUL_MODE_LONG64, "48 0f c7 08");
	cpu.features = EMUL_FEAT_CX16;
	cpu.gpr[EMUL_RAX] = RO_PAGE;
	expect_fault(14, true, 7);
}

/* ---- the XOP escape ---- */

static void test_xop(void **state)
{
	(void)state;
	/* 8F with map 9 (XOP): #UD on a CPU without XOP ... */
	setup(EMUL_MODE_PROT32, "8f 69 0f 01 dd");
	expect_fault(6, false, 0);
	/* ... a SIMD instruction, not emulated, with it */
	setup(EMUL_MODE_PROT32, "8f 69 0f 01 dd");
	cpu.features = EMUL_FEAT_XOP;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(res.reason, EMUL_R_VEX);
	/* real mode: group 1A /5, #UD on every CPU */
	setup(EMUL_MODE_REAL, "8f 69 0f");
	cpu.features = EMUL_FEAT_XOP;
	expect_fault(6, false, 0);
}

/* CLZERO (0F 01 FC): the 64-byte line holding rAX zeroed, eight 8-byte
 * writes (MMIO requests on the device page, none before all are checked);
 * #UD without the CPUID bit; a read-only line #PF before any write. */
static void test_clzero(void **state)
{
	(void)state;
	setup(EMUL_MODE_LONG64, "0f 01 fc");
	cpu.features = EMUL_FEAT_CLZERO;
	cpu.gpr[EMUL_RAX] = 0x1507F;            /* line 0x15040-0x1507F */
	memset(mem + 0x15000, 0xAB, 0x100);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(rd(0x1503F, 1), 0xAB);
	for (unsigned i = 0; i < 64; i++)
		assert_int_equal(mem[0x15040 + i], 0);
	assert_int_equal(rd(0x15080, 1), 0xAB);
	assert_int_equal(cpu.rip, 0x1003);
	setup(EMUL_MODE_LONG64, "0f 01 fc");
	cpu.features = EMUL_FEAT_CLZERO;
	cpu.gpr[EMUL_RAX] = MMIO_PAGE + 0x10;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(fm.nlog, 8);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(fm.log[i].status, EMUL_MMIO_WRITE);
		assert_int_equal(fm.log[i].addr, MMIO_PAGE + 8 * i);
		assert_int_equal(fm.log[i].data, 0);
	}
	setup(EMUL_MODE_LONG64, "0f 01 fc");
	expect_fault(6, false, 0);
	setup(EMUL_MODE_LONG64, "0f 01 fc");
	cpu.features = EMUL_FEAT_CLZERO;
	cpu.gpr[EMUL_RAX] = RO_PAGE + 0x40;
	memset(mem + RO_PAGE, 0xCD, 0x100);
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(res.event.vector, 14);
	assert_int_equal(rd(RO_PAGE + 0x40, 1), 0xCD);
}

/* ---- group 15's fences and cache-line flushes (exec_fence.c) ---- */

/* LFENCE, MFENCE, SFENCE (any ModRM.rm): retire with nothing accessed;
 * #UD without SSE2 (LFENCE, MFENCE) or without both SSE and AMD's MMX
 * extensions (SFENCE); LOCK is #UD; 66 0F AE /6 with mod = 3 (TPAUSE)
 * is not a fence and stays refused; PAUSE retires as a NOP. */
static void test_fences(void **state)
{
	static const char *const fence[] = { "0f ae e8", "0f ae ef",
					     "0f ae f0", "0f ae f8", "0f ae ff" };

	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		setup(EMUL_MODE_LONG64, fence[i]);
		cpu.features = EMUL_FEAT_SSE | EMUL_FEAT_SSE2;
		snapshot();
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(cpu.rip, 0x1003);
		assert_int_equal(fm.nlog, 0);
		assert_mem_unchanged();
	}
	setup(EMUL_MODE_PROT32, "0f ae e8");            /* LFENCE, SSE only */
	cpu.features = EMUL_FEAT_SSE;
	expect_fault(6, false, 0);
	setup(EMUL_MODE_PROT32, "0f ae f0");            /* MFENCE, SSE only */
	cpu.features = EMUL_FEAT_SSE;
	expect_fault(6, false, 0);
	setup(EMUL_MODE_PROT32, "0f ae f8");            /* SFENCE, SSE */
	cpu.features = EMUL_FEAT_SSE;
	assert_int_equal(run(), EMUL_DONE);
	setup(EMUL_MODE_PROT32, "0f ae f8");            /* SFENCE, MMX ext. */
	cpu.features = EMUL_FEAT_MMXEXT;
	assert_int_equal(run(), EMUL_DONE);
	setup(EMUL_MODE_PROT32, "0f ae f8");
	cpu.features = EMUL_FEAT_SSE2;
	expect_fault(6, false, 0);
	setup(EMUL_MODE_PROT32, "f0 0f ae f0");         /* LOCK MFENCE */
	cpu.features = EMUL_FEAT_SSE | EMUL_FEAT_SSE2;
	expect_fault(6, false, 0);
	/* CR0.TS and CR0.EM do not matter */
	setup(EMUL_MODE_PROT32, "0f ae f0");
	cpu.features = EMUL_FEAT_SSE2;
	cpu.cr0 |= 0xC;
	assert_int_equal(run(), EMUL_DONE);
	/* TPAUSE eax: not a fence; #UD without WAITPKG (test_grp15.c) */
	setup(EMUL_MODE_LONG64, "66 0f ae f0");
	cpu.features = EMUL_FEAT_SSE | EMUL_FEAT_SSE2;
	expect_fault(6, false, 0);
	/* PAUSE (F3 90), the other no-operand hint: RAX whole, as XCHG
	 * EAX, EAX (90) leaves it */
	setup(EMUL_MODE_LONG64, "f3 90");
	cpu.gpr[EMUL_RAX] = 0x123456789ABCDEF0ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, 0x1002);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x123456789ABCDEF0ull);
}

/* CLFLUSH, CLFLUSHOPT, CLWB m8: no access (the MMIO page gets no
 * request, RAM is untouched), each with its own CPUID bit; the checks of
 * a byte load: #PF (not present, read) on a page that is not there, no #PF on a read-only
 * one, #GP(0) past a segment limit, #SS(0) for SS, none for an
 * execute-only code segment. */
static void test_cache_flush(void **state)
{
	static const struct { const char *hex; uint32_t feat; } f[] = {
		{ "0f ae 38", EMUL_FEAT_CLFSH },
		{ "66 0f ae 38", EMUL_FEAT_CLFLUSHOPT },
		{ "66 0f ae 30", EMUL_FEAT_CLWB },
	};

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		unsigned len = i ? 4 : 3;

		setup(EMUL_MODE_LONG64, f[i].hex);
		cpu.features = f[i].feat;
		cpu.gpr[EMUL_RAX] = MMIO_PAGE + 0x40;
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(cpu.rip, 0x1000 + len);
		assert_int_equal(fm.nlog, 0);
		setup(EMUL_MODE_LONG64, f[i].hex);
		cpu.features = f[i].feat;
		cpu.gpr[EMUL_RAX] = RO_PAGE + 0x40;
		snapshot();
		assert_int_equal(run(), EMUL_DONE);
		assert_mem_unchanged();
		setup(EMUL_MODE_LONG64, f[i].hex);
		cpu.features = f[i].feat;
		cpu.gpr[EMUL_RAX] = MEM_SIZE + 0x40;    /* nothing there */
		expect_fault(14, true, 4);              /* not present, CPL 3 */
		assert_int_equal(res.event.cr2, MEM_SIZE + 0x40);
		setup(EMUL_MODE_LONG64, f[i].hex);
		cpu.features = EMUL_FEAT_CLFSH | EMUL_FEAT_CLFLUSHOPT |
			       EMUL_FEAT_CLWB;
		cpu.features &= ~f[i].feat;
		cpu.gpr[EMUL_RAX] = MMIO_PAGE;
		expect_fault(6, false, 0);
	}
	/* the segments: a limit, #GP(0); SS, #SS(0); an execute-only CS,
	 * none */
	setup(EMUL_MODE_PROT32, "0f ae 38");
	cpu.features = EMUL_FEAT_CLFSH;
	cpu.seg[EMUL_SEG_DS].limit = 0x2FFFF;
	cpu.gpr[EMUL_RAX] = MMIO_PAGE;
	expect_fault(13, true, 0);
	setup(EMUL_MODE_PROT32, "36 0f ae 38");
	cpu.features = EMUL_FEAT_CLFSH;
	cpu.seg[EMUL_SEG_SS].limit = 0x2FFFF;
	cpu.gpr[EMUL_RAX] = MMIO_PAGE;
	expect_fault(12, true, 0);
	setup(EMUL_MODE_PROT32, "2e 0f ae 38");
	cpu.features = EMUL_FEAT_CLFSH;
	cpu.seg[EMUL_SEG_CS].type = 0x9;                /* execute-only */
	cpu.gpr[EMUL_RAX] = MMIO_PAGE;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(fm.nlog, 0);
	/* a non-canonical address in 64-bit mode: #GP(0) */
	setup(EMUL_MODE_LONG64, "0f ae 38");
	cpu.features = EMUL_FEAT_CLFSH;
	cpu.gpr[EMUL_RAX] = 0x0000800000000000ull;
	expect_fault(13, true, 0);
}

/* INVLPG m (0F 01 /7): the callback gets the linear address (FS/GS
 * base only in 64-bit mode, 32 bits elsewhere), nothing is read; #GP(0)
 * above CPL 0; without the callback it is refused. */
static uint64_t invlpg_la;
static unsigned invlpg_calls;

static void t_invlpg(void *opaque, uint64_t la)
{
	(void)opaque;
	invlpg_la = la;
	invlpg_calls++;
}

static void setup_invlpg(enum emul_mode mode, const char *hex)
{
	setup(mode, hex);
	ops.invlpg = t_invlpg;
	invlpg_calls = 0;
	cpu.cpl = 0;                    /* the fake long-mode vCPU runs at 3 */
}

static void test_invlpg(void **state)
{
	(void)state;
	setup_invlpg(EMUL_MODE_LONG64, "0f 01 38");     /* invlpg [rax] */
	cpu.gpr[EMUL_RAX] = 0xffff800012345678ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(invlpg_calls, 1);
	assert_true(invlpg_la == 0xffff800012345678ull);
	assert_int_equal(cpu.rip, 0x1003);
	assert_int_equal(fm.nlog, 0);
	setup_invlpg(EMUL_MODE_LONG64, "64 0f 01 78 10"); /* invlpg fs:[rax+16] */
	cpu.seg[EMUL_SEG_FS].base = 0x7000;
	cpu.gpr[EMUL_RAX] = 0x100;
	assert_int_equal(run(), EMUL_DONE);
	assert_true(invlpg_la == 0x7110);
	setup_invlpg(EMUL_MODE_REAL, "0f 01 3f");       /* invlpg [bx] */
	cpu.gpr[EMUL_RBX] = 0x20;
	assert_int_equal(run(), EMUL_DONE);
	assert_true(invlpg_la == 0x1020);
	setup_invlpg(EMUL_MODE_LONG64, "0f 01 38");
	cpu.cpl = 3;
	expect_fault(13, true, 0);
	assert_int_equal(invlpg_calls, 0);
	setup(EMUL_MODE_LONG64, "0f 01 38");            /* no callback */
	cpu.cpl = 0;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
}

/* XBEGIN (C7 F8) and XABORT (C6 F8 ib): #UD without RTM and for the
 * cell's other ModRM bytes; with RTM XBEGIN is a transaction aborted at
 * once (EAX 0, RIP the fallback, which must be a valid target) and XABORT
 * outside one does nothing. */
static void test_rtm(void **state)
{
	(void)state;
	/* XBEGIN +0x20 in 64-bit mode: EAX cleared (upper half too) */
	setup(EMUL_MODE_LONG64, "c7 f8 20 00 00 00");
	cpu.features = EMUL_FEAT_RTM;
	cpu.gpr[EMUL_RAX] = 0xFFFFFFFF12345678ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0);
	assert_int_equal(cpu.rip, 0x1006 + 0x20);
	/* backwards, 16-bit operand size in 32-bit mode: rel16 */
	setup(EMUL_MODE_PROT32, "66 c7 f8 f0 ff");
	cpu.features = EMUL_FEAT_RTM;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, 0x1005 - 0x10);
	/* a fallback beyond the CS limit: #GP(0), EAX kept */
	setup(EMUL_MODE_PROT32, "c7 f8 00 00 00 40");
	cpu.features = EMUL_FEAT_RTM;
	cpu.gpr[EMUL_RAX] = 7;
	cpu.seg[EMUL_SEG_CS].limit = 0xFFFFF;
	expect_fault(13, true, 0);
	assert_int_equal(cpu.gpr[EMUL_RAX], 7);
	/* XABORT outside a transaction: nothing but RIP */
	setup(EMUL_MODE_LONG64, "c6 f8 55");
	cpu.features = EMUL_FEAT_RTM;
	cpu.gpr[EMUL_RAX] = 9;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 9);
	assert_int_equal(cpu.rip, 0x1003);
	/* no RTM in the CPUID: #UD for both; C7 F9 is #UD with it */
	setup(EMUL_MODE_LONG64, "c7 f8 20 00 00 00");
	expect_fault(6, false, 0);
	setup(EMUL_MODE_REAL, "c6 f8 01");
	expect_fault(6, false, 0);
	setup(EMUL_MODE_LONG64, "c7 f9 20 00 00 00");
	cpu.features = EMUL_FEAT_RTM;
	expect_fault(6, false, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enter_basic),
		cmocka_unit_test(test_enter_sizes),
		cmocka_unit_test(test_enter_overlap),
		cmocka_unit_test(test_enter_faults),
		cmocka_unit_test(test_enter_mmio),
		cmocka_unit_test(test_pusha),
		cmocka_unit_test(test_pusha_faults),
		cmocka_unit_test(test_popa),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_arpl),
		cmocka_unit_test(test_popf),
		cmocka_unit_test(test_sgdt_sidt),
		cmocka_unit_test(test_sldt_str),
		cmocka_unit_test(test_lmsw),
		cmocka_unit_test(test_cmpxchg16b),
		cmocka_unit_test(test_xop),
		cmocka_unit_test(test_clzero),
		cmocka_unit_test(test_fences),
		cmocka_unit_test(test_cache_flush),
		cmocka_unit_test(test_invlpg),
		cmocka_unit_test(test_rtm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
