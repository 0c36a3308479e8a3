/*
 * test_io_bitmap.c - the TSS I/O permission bitmap read by the emulator
 * (no emul_ops.io_permitted, but get_sysseg): the I/O map base at TSS
 * offset 0x66, two bitmap bytes per check, every bit of the access, the
 * TSS limit, the TSS type, the reads as supervisor accesses (#PF without
 * U/S), a TSS in MMIO refused; in protected mode only above IOPL, in
 * virtual-8086 mode always.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "emul.h"
#include "fakemem.h"
#include "test_util.h"

#define CODE 0x1000u
#define TSS 0x3000u            /* the TSS; the bitmap follows at 0x3068 */
#define IOMAP 0x68u
#define DEV 0x8000u            /* an MMIO page */

struct env {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	uint8_t mem[0x9000];
	struct emul_seg tr;
	unsigned read_acc;
	int tr_calls;
};

static struct env E;
static struct emul_ops ops;

static void get_sysseg(void *opaque, unsigned which, struct emul_seg *seg)
{
	(void)opaque;
	assert_int_equal(which, EMUL_SYSSEG_TR);
	E.tr_calls++;
	*seg = E.tr;
}

static enum emul_mem_status rec_read(void *opaque, uint64_t la, void *buf,
				     unsigned len, unsigned acc, uint64_t *gpa,
				     struct emul_event *fault)
{
	E.read_acc = acc;
	return fake_ops.read(opaque, la, buf, len, acc, gpa, fault);
}

/* Flat 32-bit protected mode at CPL 3, IOPL 0, running hex; a 32-bit busy
 * TSS whose bitmap allows every port (all zero) up to the limit. */
static void setup(const char *hex)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.mem + CODE);
	fake_init(&E.fm);
	fake_add(&E.fm, 0, E.mem, sizeof(E.mem), false, 1ull << (DEV >> 12));
	fake_cpu_prot(&E.cpu, true);
	for (unsigned i = 0; i < 6; i++)
		E.cpu.seg[i].dpl = 3;
	E.cpu.cpl = 3;
	E.cpu.rip = CODE;
	E.mem[TSS + 0x66] = IOMAP;
	E.tr = (struct emul_seg){ .base = TSS, .limit = IOMAP + 0x2000 / 8,
				  .type = 11, .present = 1 };
	ops = fake_ops;
	ops.read = rec_read;
	ops.get_sysseg = get_sysseg;
	emul_init(&E.ctx, &ops, &E.fm);
}

static void deny(unsigned port)
{
	E.mem[TSS + IOMAP + port / 8] |= (uint8_t)(1u << (port % 8));
}

static enum emul_status run(void)
{
	return fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16);
}

static void expect_gp(void)
{
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_true(E.res.event.has_error_code);
	assert_int_equal(E.res.event.error_code, 0);
	assert_int_equal(E.cpu.rip, CODE);
}

/* Every bit of the access counts, across a byte boundary too. */
static void test_bits(void **state)
{
	(void)state;
	setup("e4 60");                         /* in al, 0x60 */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, CODE + 2);
	assert_int_equal(E.tr_calls, 1);
	assert_int_equal(E.read_acc, 0);        /* supervisor */
	setup("e4 60");
	deny(0x60);
	expect_gp();
	setup("e4 60");
	deny(0x61);                             /* another port */
	assert_int_equal(run(), EMUL_DONE);
	setup("ed");                            /* in eax, dx: 0x3F and on */
	E.cpu.gpr[EMUL_RDX] = 0x3F;
	deny(0x42);
	expect_gp();
	setup("ed");
	E.cpu.gpr[EMUL_RDX] = 0x3F;
	deny(0x43);                             /* just past the access */
	assert_int_equal(run(), EMUL_DONE);
	setup("66 ef");                         /* out dx, ax at 0xFFFF */
	E.cpu.gpr[EMUL_RDX] = 0xFFFF;
	E.tr.limit = IOMAP + 0x2000;            /* the whole map and more */
	deny(0xFFFF);
	expect_gp();
	/* CPL <= IOPL: no bitmap */
	setup("e4 60");
	deny(0x60);
	E.cpu.rflags |= EMUL_FL_IOPL;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.tr_calls, 0);
}

/* Both bitmap bytes must lie within the TSS limit; the base field too. */
static void test_limit(void **state)
{
	(void)state;
	setup("e4 60");                         /* bytes at IOMAP + 0x0C, +0x0D */
	E.tr.limit = IOMAP + 0x0D;
	assert_int_equal(run(), EMUL_DONE);
	setup("e4 60");
	E.tr.limit = IOMAP + 0x0C;
	expect_gp();
	setup("e4 00");                         /* map base past the limit */
	E.mem[TSS + 0x66] = 0x00;
	E.mem[TSS + 0x67] = 0x10;
	expect_gp();
	setup("e4 00");
	E.tr.limit = 0x66;                      /* the base field cut */
	expect_gp();
}

/* TR must be a 32-bit TSS (available or busy): a 16-bit one has no map. */
static void test_tss_type(void **state)
{
	(void)state;
	setup("e4 60");
	E.tr.type = 9;
	assert_int_equal(run(), EMUL_DONE);
	setup("e4 60");
	E.tr.type = 3;                          /* busy 16-bit TSS */
	expect_gp();
	setup("e4 60");
	E.tr.present = 0;
	expect_gp();
}

/* The TSS not mapped: #PF as a supervisor read (U/S clear), at the byte;
 * in MMIO: refused. */
static void test_tss_memory(void **state)
{
	(void)state;
	setup("e4 60");
	E.tr.base = 0x20000;                    /* nothing there */
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 14);
	assert_int_equal(E.res.event.error_code, 0);
	assert_int_equal(E.res.event.cr2, 0x20066);
	setup("e4 60");
	E.tr.base = DEV;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(E.res.reason, EMUL_R_IO_PERM);
}

/* Virtual-8086 mode: the bitmap decides at IOPL 3 too. */
static void test_vm86(void **state)
{
	(void)state;
	for (unsigned allow = 0; allow < 2; allow++) {
		setup("e4 60");
		E.cpu.mode = EMUL_MODE_VM86;
		E.cpu.rflags |= EMUL_FL_VM | EMUL_FL_IOPL;
		for (unsigned i = 0; i < 6; i++) {
			E.cpu.seg[i].limit = 0xFFFF;
			E.cpu.seg[i].type = 3;
		}
		if (!allow)
			deny(0x60);
		if (allow) {
			assert_int_equal(run(), EMUL_DONE);
		} else {
			expect_gp();
		}
		assert_int_equal(E.tr_calls, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bits),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_tss_type),
		cmocka_unit_test(test_tss_memory),
		cmocka_unit_test(test_vm86),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
