/*
 * test_mmio.c - the MMIO/IO completion protocol, step by step, the way the
 * hypervisor drives it across KVM_EXIT_MMIO / KVM_EXIT_IO round trips:
 * nothing committed before all reads are answered, a read-modify-write is
 * one read request then one write request, REP string instructions give
 * one element per round trip with RCX/RSI/RDI consistent in between, page
 * splits, port IO with and without exits, REP batch limits, abort.
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
#define RAM 0x1F000ull  /* one RAM page right below the device */
#define DEV 0x20000ull  /* two MMIO pages */

struct env {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	uint8_t code[4096];
	uint8_t ram[4096];
	uint8_t dev[8192];
};

static struct env E;

static void setup(const char *hex)
{
	unsigned i;

	memset(&E, 0, sizeof(E));
	unhex(hex, E.code);
	for (i = 0; i < sizeof(E.ram); i++)
		E.ram[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < sizeof(E.dev); i++)
		E.dev[i] = (uint8_t)(i * 13 + 5);
	fake_init(&E.fm);
	fake_add(&E.fm, CODE, E.code, sizeof(E.code), true, 0);
	fake_add(&E.fm, RAM, E.ram, sizeof(E.ram), false, 0);
	fake_add(&E.fm, DEV, E.dev, sizeof(E.dev), false, 3);
	fake_cpu_long64(&E.cpu);
	E.cpu.rip = CODE;
	emul_init(&E.ctx, &fake_ops, &E.fm);
}

static enum emul_status step(void)
{
	return emul_execute(&E.ctx, &E.cpu, &E.res);
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

/* add [rbx], eax on MMIO: read, (re-ask), complete, write; never two
 * reads; nothing committed before the data arrives. */
static void test_rmw(void **state)
{
	struct emul_cpu before;
	uint32_t dv = 10;

	(void)state;
	setup("01 03");
	E.cpu.gpr[EMUL_RBX] = DEV + 0x10;
	E.cpu.gpr[EMUL_RAX] = 5;
	before = E.cpu;
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_int_equal(E.res.gpa, DEV + 0x10);
	assert_int_equal(E.res.len, 4);
	assert_memory_equal(&E.cpu, &before, sizeof(before));
	assert_true(emul_busy(&E.ctx));
	/* calling again without data asks again */
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_int_equal(E.res.gpa, DEV + 0x10);
	assert_int_equal(emul_complete_read(&E.ctx, &dv, 2), -1);
	assert_int_equal(emul_complete_read(&E.ctx, &dv, 4), 0);
	assert_int_equal(emul_complete_read(&E.ctx, &dv, 4), -1);
	assert_int_equal(step(), EMUL_MMIO_WRITE);
	assert_int_equal(E.res.gpa, DEV + 0x10);
	assert_int_equal(E.res.len, 4);
	assert_int_equal(le(E.res.data, 4), 15);
	assert_true(E.res.retired);
	assert_int_equal(E.cpu.rip, CODE + 2);
	assert_false(E.cpu.rflags & EMUL_FL_ZF);
	assert_false(emul_busy(&E.ctx));
	/* the device memory itself was never touched by the emulator */
	assert_int_equal(le(E.dev + 0x10, 4), le(E.dev + 0x10, 4));
}

static void test_load_store(void **state)
{
	uint64_t v = 0x1122334455667788ull;

	(void)state;
	setup("48 8b 03 89 0b");          /* mov rax,[rbx]; mov [rbx],ecx */
	E.cpu.gpr[EMUL_RBX] = DEV + 0x100;
	E.cpu.gpr[EMUL_RCX] = 0xCAFEBABE;
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_int_equal(E.res.len, 8);
	assert_int_equal(E.cpu.rip, CODE);
	emul_complete_read(&E.ctx, &v, 8);
	assert_int_equal(step(), EMUL_DONE);
	assert_true(E.res.retired);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], v);
	assert_int_equal(E.cpu.rip, CODE + 3);
	assert_int_equal(step(), EMUL_MMIO_WRITE);
	assert_int_equal(E.res.len, 4);
	assert_int_equal(le(E.res.data, 4), 0xCAFEBABE);
	assert_true(E.res.retired);
	assert_int_equal(E.cpu.rip, CODE + 5);
}

/* smsw [rbx] to MMIO stores CR0[15:0], 2 bytes, even with REX.W; with
 * CR4.UMIP it is #GP(0) above CPL 0 and writes nothing. */
static void test_smsw_to_mmio(void **state)
{
	(void)state;
	setup("0f 01 23 48 0f 01 23");   /* smsw [rbx]; smsw [rbx] (REX.W) */
	E.cpu.gpr[EMUL_RBX] = DEV + 0x20;
	E.cpu.cr0 = 0x80050033;
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(step(), EMUL_MMIO_WRITE);
		assert_int_equal(E.res.gpa, DEV + 0x20);
		assert_int_equal(E.res.len, 2);
		assert_int_equal(le(E.res.data, 2), 0x0033);
		assert_true(E.res.retired);
	}
	assert_int_equal(E.cpu.rip, CODE + 7);

	setup("0f 01 23");
	E.cpu.gpr[EMUL_RBX] = DEV + 0x20;
	E.cpu.cr4 |= 1ull << 11;        /* UMIP */
	E.cpu.cpl = 3;
	assert_int_equal(step(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.res.event.error_code, 0);
	assert_int_equal(E.cpu.rip, CODE);
}

static struct { unsigned calls, which; uint64_t base; uint16_t limit; } dt;

static void record_dtable(void *opaque, unsigned which, uint64_t base, uint16_t limit)
{
	(void)opaque;
	dt.calls++;
	dt.which = which;
	dt.base = base;
	dt.limit = limit;
}

/* lgdt [rbx] / lidt [rbx] in 64-bit mode: limit and 8-byte base, the
 * operand in MMIO; a non-canonical base or CPL 3 is #GP(0) with nothing
 * loaded; without set_dtable it is not emulated. */
static void test_lgdt_lidt(void **state)
{
	static struct emul_ops ops;
	uint64_t limit = 0x27, base = 0xffff800000001000ull;

	(void)state;
	ops = fake_ops;
	ops.set_dtable = record_dtable;
	memset(&dt, 0, sizeof(dt));
	setup("0f 01 13 0f 01 1b");     /* lgdt [rbx]; lidt [rbx] */
	emul_init(&E.ctx, &ops, &E.fm);
	E.cpu.cpl = 0;
	E.cpu.gpr[EMUL_RBX] = DEV + 0x30;
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_int_equal(E.res.len, 2);
	emul_complete_read(&E.ctx, &limit, 2);
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_int_equal(E.res.gpa, DEV + 0x32);
	assert_int_equal(E.res.len, 8);
	assert_int_equal(dt.calls, 0);          /* nothing before the data */
	emul_complete_read(&E.ctx, &base, 8);
	assert_int_equal(step(), EMUL_DONE);
	assert_int_equal(dt.calls, 1);
	assert_int_equal(dt.which, EMUL_DTABLE_GDT);
	assert_int_equal(dt.base, base);
	assert_int_equal(dt.limit, 0x27);
	assert_int_equal(E.cpu.rip, CODE + 3);

	base = 0x8000000000001000ull;           /* lidt: not canonical */
	assert_int_equal(step(), EMUL_MMIO_READ);
	emul_complete_read(&E.ctx, &limit, 2);
	assert_int_equal(step(), EMUL_MMIO_READ);
	emul_complete_read(&E.ctx, &base, 8);
	assert_int_equal(step(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.res.event.error_code, 0);
	assert_int_equal(dt.calls, 1);
	assert_int_equal(E.cpu.rip, CODE + 3);

	setup("f3 0f 01 1b");           /* rep lidt: the prefix is ignored */
	emul_init(&E.ctx, &ops, &E.fm);
	E.cpu.cpl = 0;
	E.cpu.gpr[EMUL_RBX] = DEV + 0x30;
	base = 0x2000;
	assert_int_equal(step(), EMUL_MMIO_READ);
	emul_complete_read(&E.ctx, &limit, 2);
	assert_int_equal(step(), EMUL_MMIO_READ);
	emul_complete_read(&E.ctx, &base, 8);
	assert_int_equal(step(), EMUL_DONE);
	assert_int_equal(dt.calls, 2);
	assert_int_equal(dt.which, EMUL_DTABLE_IDT);
	assert_int_equal(dt.base, 0x2000);
	assert_int_equal(E.cpu.rip, CODE + 4);

	setup("0f 01 13");              /* fake_cpu_long64: CPL 3 */
	emul_init(&E.ctx, &ops, &E.fm);
	assert_int_equal(step(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(dt.calls, 2);

	setup("0f 01 13");                      /* fake_ops: no set_dtable */
	E.cpu.cpl = 0;
	assert_int_equal(step(), EMUL_UNSUPPORTED);
}

/* rep movsb RAM -> MMIO: one element per call, registers consistent. */
static void test_rep_movs_to_mmio(void **state)
{
	unsigned i;

	(void)state;
	setup("f3 a4");
	E.cpu.gpr[EMUL_RSI] = RAM + 0x40;
	E.cpu.gpr[EMUL_RDI] = DEV + 0x80;
	E.cpu.gpr[EMUL_RCX] = 4;
	for (i = 0; i < 4; i++) {
		assert_int_equal(step(), EMUL_MMIO_WRITE);
		assert_int_equal(E.res.gpa, DEV + 0x80 + i);
		assert_int_equal(E.res.len, 1);
		assert_int_equal(E.res.data[0], E.ram[0x40 + i]);
		assert_int_equal(E.cpu.gpr[EMUL_RCX], 3 - i);
		assert_int_equal(E.cpu.gpr[EMUL_RSI], RAM + 0x41 + i);
		assert_int_equal(E.cpu.gpr[EMUL_RDI], DEV + 0x81 + i);
		assert_int_equal(E.res.retired, i == 3);
		assert_int_equal(E.cpu.rip, i == 3 ? CODE + 2 : CODE);
	}
}

/* rep movsd MMIO -> RAM with DF = 1: one read per element. */
static void test_rep_movs_from_mmio(void **state)
{
	unsigned i, reads = 0;

	(void)state;
	setup("f3 a5");
	E.cpu.rflags |= EMUL_FL_DF;
	E.cpu.gpr[EMUL_RSI] = DEV + 0x200;
	E.cpu.gpr[EMUL_RDI] = RAM + 0x200;
	E.cpu.gpr[EMUL_RCX] = 3;
	for (;;) {
		enum emul_status st = step();
		uint32_t v;

		if (st == EMUL_DONE)
			break;
		assert_int_equal(st, EMUL_MMIO_READ);
		assert_int_equal(E.res.gpa, DEV + 0x200 - 4 * reads);
		v = 0xA0000000 + reads;
		reads++;
		emul_complete_read(&E.ctx, &v, 4);
	}
	assert_int_equal(reads, 3);
	assert_true(E.res.retired);
	for (i = 0; i < 3; i++)
		assert_int_equal(le(E.ram + 0x200 - 4 * i, 4), 0xA0000000 + i);
	assert_int_equal(E.cpu.gpr[EMUL_RCX], 0);
	assert_int_equal(E.cpu.gpr[EMUL_RSI], DEV + 0x200 - 12);
}

/* cmpsb with both operands on MMIO: two reads, then done. */
static void test_cmps_two_reads(void **state)
{
	uint8_t a = 7, b = 7;

	(void)state;
	setup("a6");
	E.cpu.gpr[EMUL_RSI] = DEV + 1;
	E.cpu.gpr[EMUL_RDI] = DEV + 2;
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_int_equal(E.res.gpa, DEV + 1);
	emul_complete_read(&E.ctx, &a, 1);
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_int_equal(E.res.gpa, DEV + 2);
	emul_complete_read(&E.ctx, &b, 1);
	assert_int_equal(step(), EMUL_DONE);
	assert_true(E.cpu.rflags & EMUL_FL_ZF);
}

/* A write split RAM|MMIO and one split MMIO|MMIO. */
static void test_split_write(void **state)
{
	(void)state;
	setup("48 89 03");
	E.cpu.gpr[EMUL_RAX] = 0x8877665544332211ull;
	E.cpu.gpr[EMUL_RBX] = DEV - 4;
	assert_int_equal(step(), EMUL_MMIO_WRITE);
	assert_int_equal(E.res.gpa, DEV);
	assert_int_equal(E.res.len, 4);
	assert_int_equal(le(E.res.data, 4), 0x88776655);
	assert_true(E.res.retired);
	assert_int_equal(le(E.ram + 4092, 4), 0x44332211);

	setup("48 89 03");
	E.cpu.gpr[EMUL_RAX] = 0x8877665544332211ull;
	E.cpu.gpr[EMUL_RBX] = DEV + 4096 - 2;
	assert_int_equal(step(), EMUL_MMIO_WRITE);
	assert_int_equal(E.res.gpa, DEV + 4094);
	assert_int_equal(E.res.len, 2);
	assert_false(E.res.retired);
	assert_int_equal(E.cpu.rip, CODE);
	assert_int_equal(step(), EMUL_MMIO_WRITE);
	assert_int_equal(E.res.gpa, DEV + 4096);
	assert_int_equal(E.res.len, 6);
	assert_int_equal(le(E.res.data, 6), 0x887766554433ull);
	assert_true(E.res.retired);
	assert_int_equal(E.cpu.rip, CODE + 3);
}

/* A read split across two MMIO pages: two requests, one result. */
static void test_split_read(void **state)
{
	uint16_t lo = 0xBBAA;
	uint16_t hi = 0xDDCC;

	(void)state;
	setup("8b 03");
	E.cpu.gpr[EMUL_RBX] = DEV + 4096 - 2;
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_int_equal(E.res.len, 2);
	emul_complete_read(&E.ctx, &lo, 2);
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_int_equal(E.res.gpa, DEV + 4096);
	emul_complete_read(&E.ctx, &hi, 2);
	assert_int_equal(step(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0xDDCCBBAA);
}

/* IN/OUT with exits to the caller, and REP OUTSB / REP INSW. */
static void test_io(void **state)
{
	uint8_t in = 0x42;
	uint16_t w;
	unsigned i;

	(void)state;
	setup("ec ef");                       /* in al,dx; out dx,eax */
	E.cpu.cpl = 0;
	E.fm.io_exit = true;
	E.cpu.gpr[EMUL_RDX] = 0x3F8;
	E.cpu.gpr[EMUL_RAX] = 0x11223300;
	assert_int_equal(step(), EMUL_IO_IN);
	assert_int_equal(E.res.port, 0x3F8);
	assert_int_equal(E.res.size, 1);
	assert_int_equal(E.cpu.rip, CODE);
	emul_complete_read(&E.ctx, &in, 1);
	assert_int_equal(step(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x11223342);
	assert_int_equal(step(), EMUL_IO_OUT);
	assert_int_equal(E.res.size, 4);
	assert_int_equal(le(E.res.data, 4), 0x11223342);
	assert_true(E.res.retired);

	setup("f3 6e");                       /* rep outsb */
	E.cpu.cpl = 0;
	E.fm.io_exit = true;
	E.cpu.gpr[EMUL_RDX] = 0xE9;
	E.cpu.gpr[EMUL_RSI] = RAM;
	E.cpu.gpr[EMUL_RCX] = 3;
	for (i = 0; i < 3; i++) {
		assert_int_equal(step(), EMUL_IO_OUT);
		assert_int_equal(E.res.data[0], E.ram[i]);
		assert_int_equal(E.res.retired, i == 2);
		assert_int_equal(E.cpu.gpr[EMUL_RCX], 2 - i);
	}

	setup("66 f3 6d");                    /* rep insw */
	E.cpu.cpl = 0;
	E.fm.io_exit = true;
	E.cpu.gpr[EMUL_RDX] = 0x1F0;
	E.cpu.gpr[EMUL_RDI] = RAM + 0x100;
	E.cpu.gpr[EMUL_RCX] = 2;
	for (i = 0; i < 2; i++) {
		assert_int_equal(step(), EMUL_IO_IN);
		assert_int_equal(E.res.size, 2);
		w = (uint16_t)(0x1000 + i);
		emul_complete_read(&E.ctx, &w, 2);
	}
	assert_int_equal(step(), EMUL_DONE);
	assert_true(E.res.retired);
	assert_int_equal(le(E.ram + 0x100, 2), 0x1000);
	assert_int_equal(le(E.ram + 0x102, 2), 0x1001);

	/* without exits the callbacks answer synchronously */
	setup("e4 60");                       /* in al, 0x60 */
	E.cpu.cpl = 0;
	assert_int_equal(step(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX] & 0xFF,
			 (E.fm.port_in_base + 0x60 * 7) & 0xFF);

	/* CPL 3 > IOPL 0: the TSS bitmap decides; without io_permitted()
	 * that is "unsupported", never a guess */
	setup("e4 60");
	assert_int_equal(step(), EMUL_UNSUPPORTED);
	assert_int_equal(E.res.reason, EMUL_R_IO_PERM);
	E.cpu.rflags |= EMUL_FL_IOPL;          /* IOPL 3: allowed */
	assert_int_equal(step(), EMUL_DONE);
}

/* A long REP on RAM stops at rep_limit with RIP on the instruction. */
static void test_rep_limit(void **state)
{
	unsigned calls = 0;

	(void)state;
	setup("f3 aa");
	E.ctx.rep_limit = 1000;
	E.cpu.gpr[EMUL_RDI] = RAM;
	E.cpu.gpr[EMUL_RCX] = 3500;
	E.cpu.gpr[EMUL_RAX] = 0x5A;
	E.fm.r[1].size = 4096;
	/* stos on a 4 KiB page: 3500 bytes fit */
	assert_int_equal(step(), EMUL_DONE);
	assert_false(E.res.retired);
	assert_int_equal(E.cpu.gpr[EMUL_RCX], 2500);
	assert_int_equal(E.cpu.rip, CODE);
	assert_false(emul_busy(&E.ctx));
	do {
		assert_int_equal(step(), EMUL_DONE);
		calls++;
	} while (!E.res.retired);
	assert_int_equal(calls, 3);
	assert_int_equal(E.cpu.gpr[EMUL_RCX], 0);
	assert_int_equal(E.ram[3499], 0x5A);
	assert_int_equal(E.cpu.rip, CODE + 2);
}

static void test_xchg_and_abort(void **state)
{
	uint32_t v = 0x77;

	(void)state;
	setup("87 03");
	E.cpu.gpr[EMUL_RBX] = DEV + 0x20;
	E.cpu.gpr[EMUL_RAX] = 0x55;
	assert_int_equal(step(), EMUL_MMIO_READ);
	emul_abort(&E.ctx);
	assert_false(emul_busy(&E.ctx));
	assert_int_equal(emul_complete_read(&E.ctx, &v, 4), -1);
	assert_int_equal(step(), EMUL_MMIO_READ);  /* starts over */
	emul_complete_read(&E.ctx, &v, 4);
	assert_int_equal(step(), EMUL_MMIO_WRITE);
	assert_int_equal(le(E.res.data, 4), 0x55);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x77);
	assert_true(E.res.retired);
}

/* Faults leave everything as it was. */
static void test_faults(void **state)
{
	struct emul_cpu before;

	(void)state;
	setup("8b 03");
	E.cpu.gpr[EMUL_RBX] = 0x0000800000000000ull; /* non-canonical */
	before = E.cpu;
	assert_int_equal(step(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_true(E.res.event.has_error_code);
	assert_memory_equal(&E.cpu, &before, sizeof(before));

	setup("8b 04 24");                    /* mov eax,[rsp]: #SS */
	E.cpu.gpr[EMUL_RSP] = 0x0000800000000000ull;
	assert_int_equal(step(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 12);

	setup("01 03");                       /* unmapped: #PF, W=1 (RMW) */
	E.cpu.gpr[EMUL_RBX] = 0x40000;
	assert_int_equal(step(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 14);
	assert_int_equal(E.res.event.error_code, 2 | 4);
	assert_int_equal(E.res.event.cr2, 0x40000);

	/* pop qword [rbx]: the stack read succeeds and RSP moves before the
	 * store faults; the run is taken back, RSP included (handlers work
	 * on the caller's registers, execute.c restores them) */
	setup("8f 03");
	E.cpu.gpr[EMUL_RSP] = RAM + 0x100;
	E.cpu.gpr[EMUL_RBX] = 0x0000800000000000ull;
	before = E.cpu;
	assert_int_equal(step(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_memory_equal(&E.cpu, &before, sizeof(before));

	/* and a load that stops for MMIO data changes nothing yet */
	setup("8b 03");
	E.cpu.gpr[EMUL_RBX] = DEV + 8;
	before = E.cpu;
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_memory_equal(&E.cpu, &before, sizeof(before));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rmw),
		cmocka_unit_test(test_load_store),
		cmocka_unit_test(test_smsw_to_mmio),
		cmocka_unit_test(test_lgdt_lidt),
		cmocka_unit_test(test_rep_movs_to_mmio),
		cmocka_unit_test(test_rep_movs_from_mmio),
		cmocka_unit_test(test_cmps_two_reads),
		cmocka_unit_test(test_split_write),
		cmocka_unit_test(test_split_read),
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_rep_limit),
		cmocka_unit_test(test_xchg_and_abort),
		cmocka_unit_test(test_faults),
	};

	return cmocka_run_group_tests_name("emul-mmio", tests, NULL, NULL);
}
