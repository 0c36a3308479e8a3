/*
 * test_fetch_mmio.c - instructions whose bytes are in a device's memory:
 * fetched through EMUL_MMIO_READ requests in naturally aligned chunks of at
 * most 8 bytes, only as far as the decoder needs, each byte once across
 * the round trips; then run as usual (their own data accesses may be MMIO
 * too). Page crossings between RAM and MMIO, #PF on the next page, the CS
 * and 15-byte limits, #UD, the fetch's access bits, and that bytes from a
 * device are never reused as the decode cache.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "emul.h"
#include "fakemem.h"
#include "test_util.h"

#define RAM 0x1F000ull  /* one RAM page right below the device */
#define DEV 0x20000ull  /* two pages: the first MMIO, the second RAM */
#define DEV2 0x30000ull /* one MMIO page for data */

struct env {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	uint8_t ram[4096];
	uint8_t dev[8192];
	uint8_t dev2[4096];
	unsigned fetch_acc;     /* acc of the last fetch callback */
};

static struct env E;

static enum emul_mem_status rec_fetch(void *opaque, uint64_t la, void *buf,
				      unsigned len, unsigned acc,
				      uint64_t *gpa, struct emul_event *fault)
{
	E.fetch_acc = acc;
	return fake_ops.fetch(opaque, la, buf, len, acc, gpa, fault);
}

static struct emul_ops rec_ops;

/* The code bytes hex at la (in RAM or the device), the rest zero. */
static void setup(uint64_t la, const char *hex)
{
	uint8_t code[32];
	unsigned n, i;

	memset(&E, 0, sizeof(E));
	n = unhex(hex, code);
	for (i = 0; i < sizeof(E.dev2); i++)
		E.dev2[i] = (uint8_t)(i * 13 + 5);
	fake_init(&E.fm);
	fake_add(&E.fm, RAM, E.ram, sizeof(E.ram), false, 0);
	fake_add(&E.fm, DEV, E.dev, sizeof(E.dev), false, 1);
	fake_add(&E.fm, DEV2, E.dev2, sizeof(E.dev2), false, 1);
	for (i = 0; i < n; i++) {
		uint64_t a = la + i;

		if (a >= DEV2)
			E.dev2[a - DEV2] = code[i];
		else if (a >= DEV)
			E.dev[a - DEV] = code[i];
		else
			E.ram[a - RAM] = code[i];
	}
	fake_cpu_long64(&E.cpu);
	E.cpu.rip = la;
	rec_ops = fake_ops;
	rec_ops.fetch = rec_fetch;
	emul_init(&E.ctx, &rec_ops, &E.fm);
}

static enum emul_status step(void)
{
	return emul_execute(&E.ctx, &E.cpu, &E.res);
}

/* The device's answer to the pending read. */
static void answer(void)
{
	uint64_t v = 0;
	uint8_t *p = E.res.gpa >= DEV2 ? E.dev2 + (E.res.gpa - DEV2) :
					  E.dev + (E.res.gpa - DEV);

	memcpy(&v, p, E.res.len);
	assert_int_equal(emul_complete_read(&E.ctx, &v, E.res.len), 0);
}

/* The next request is a read of n bytes at gpa; nothing is committed. */
static void expect_read(uint64_t gpa, unsigned n, const struct emul_cpu *before)
{
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_int_equal(E.res.gpa, gpa);
	assert_int_equal(E.res.len, n);
	assert_false(E.res.retired);
	assert_true(emul_busy(&E.ctx));
	assert_memory_equal(&E.cpu.regs, &before->regs, sizeof(before->regs));
	answer();
}

/* The requests fake_run() answered: (gpa, len) pairs, in order. */
static void expect_log(const uint64_t *want, unsigned n)
{
	assert_int_equal(E.fm.nlog, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(E.fm.log[i].status, EMUL_MMIO_READ);
		assert_int_equal(E.fm.log[i].addr, want[2 * i]);
		assert_int_equal(E.fm.log[i].len, want[2 * i + 1]);
	}
}

/* mov rax, imm32 (7 bytes) at an aligned address: one 8-byte read, then
 * the instruction runs; the fetch asked with the fetch's access bits. */
static void test_aligned(void **state)
{
	struct emul_cpu before;

	(void)state;
	setup(DEV, "48 c7 c0 44 33 22 81");
	before = E.cpu;
	expect_read(DEV, 8, &before);
	assert_int_equal(E.fetch_acc, EMUL_ACC_FETCH | EMUL_ACC_USER);
	assert_int_equal(step(), EMUL_DONE);
	assert_true(E.res.retired);
	assert_false(emul_busy(&E.ctx));
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0xFFFFFFFF81223344ull);
	assert_int_equal(E.cpu.rip, DEV + 7);
	/* CPL 0: no EMUL_ACC_USER */
	setup(DEV, "90");
	E.cpu.cpl = 0;
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 8), EMUL_DONE);
	assert_int_equal(E.fetch_acc, EMUL_ACC_FETCH);
	assert_int_equal(E.cpu.rip, DEV + 1);
}

/* At DEV+3 the chunks are 1 byte at +3, 4 at +4, 8 at +8: aligned, and
 * the decoder asked for each; nothing is read again on the round trips. */
static void test_unaligned_chunks(void **state)
{
	static const uint64_t want[] = { DEV + 3, 1, DEV + 4, 4, DEV + 8, 8 };
	struct emul_cpu before;

	(void)state;
	setup(DEV + 3, "48 c7 c0 44 33 22 11");
	before = E.cpu;
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_int_equal(E.res.gpa, DEV + 3);
	/* called again without the data: the same request, once more */
	assert_int_equal(step(), EMUL_MMIO_READ);
	assert_int_equal(E.res.gpa, DEV + 3);
	assert_int_equal(E.res.len, 1);
	answer();
	assert_int_equal(emul_complete_read(&E.ctx, "x", 1), -1);
	expect_read(DEV + 4, 4, &before);
	expect_read(DEV + 8, 8, &before);
	assert_int_equal(step(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x11223344);
	assert_int_equal(E.cpu.rip, DEV + 10);
	/* the same through the driver: exactly those three reads */
	setup(DEV + 3, "48 c7 c0 44 33 22 11");
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_DONE);
	expect_log(want, 3);
	/* one byte at an odd address: one 1-byte read, no more */
	setup(DEV + 0x81, "90");
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_DONE);
	assert_int_equal(E.fm.nlog, 1);
	assert_int_equal(E.fm.log[0].len, 1);
	assert_int_equal(E.cpu.rip, DEV + 0x82);
}

/* add [rbx], eax in MMIO on MMIO data: the fetch, one data read, one
 * write; the fetch is not repeated on the data's round trip. */
static void test_mmio_data(void **state)
{
	static const uint64_t want[] = { DEV + 6, 2, DEV2 + 0x10, 4 };
	struct emul_cpu before;
	uint32_t old;

	(void)state;
	setup(DEV + 6, "01 03");
	E.cpu.gpr[EMUL_RBX] = DEV2 + 0x10;
	E.cpu.gpr[EMUL_RAX] = 5;
	before = E.cpu;
	memcpy(&old, E.dev2 + 0x10, 4);
	expect_read(DEV + 6, 2, &before);
	expect_read(DEV2 + 0x10, 4, &before);
	assert_int_equal(step(), EMUL_MMIO_WRITE);
	assert_int_equal(E.res.gpa, DEV2 + 0x10);
	assert_int_equal(E.res.len, 4);
	assert_int_equal(E.res.data[0] | E.res.data[1] << 8 |
			 E.res.data[2] << 16 | (uint32_t)E.res.data[3] << 24,
			 old + 5);
	assert_true(E.res.retired);
	assert_int_equal(E.cpu.rip, DEV + 8);
	/* mov eax,[rbx]: the short path of a load after the fetch */
	setup(DEV + 6, "8b 03");
	E.cpu.gpr[EMUL_RBX] = DEV2 + 0x10;
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_DONE);
	expect_log(want, 2);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], old);
	assert_int_equal(E.cpu.rip, DEV + 8);
}

/* An instruction that starts in RAM and ends in the device, and one that
 * starts in the device and ends in RAM. */
static void test_page_crossing(void **state)
{
	static const uint64_t ram_first[] = { DEV, 8 };
	static const uint64_t dev_first[] = { DEV + 0xFFD, 1, DEV + 0xFFE, 2 };

	(void)state;
	setup(DEV - 2, "48 c7 c0 44 33 22 11");
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_DONE);
	expect_log(ram_first, 1);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x11223344);
	assert_int_equal(E.cpu.rip, DEV + 5);
	/* the device's last three bytes, then RAM (the region's page 1) */
	setup(DEV + 0xFFD, "48 c7 c0 44 33 22 11");
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_DONE);
	expect_log(dev_first, 2);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x11223344);
	assert_int_equal(E.cpu.rip, DEV + 0x1004);
}

/* The device's page ends, the next is not mapped: #PF there (I/D and U
 * set), after the bytes the decoder needed first; nothing committed and
 * the next call starts afresh. A one-byte instruction there is fine. */
static void test_fault_next_page(void **state)
{
	struct emul_cpu before;

	(void)state;
	setup(DEV2 + 0xFFE, "48 c7");
	before = E.cpu;
	expect_read(DEV2 + 0xFFE, 2, &before);
	assert_int_equal(step(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 14);
	assert_int_equal(E.res.event.error_code, 0x14);
	assert_int_equal(E.res.event.cr2, DEV2 + 0x1000);
	assert_false(emul_busy(&E.ctx));
	assert_memory_equal(&E.cpu.regs, &before.regs, sizeof(before.regs));
	E.dev2[0xFFE] = 0x90;
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_DONE);
	assert_int_equal(E.cpu.rip, DEV2 + 0xFFF);
	assert_int_equal(E.fm.nlog, 1);
	assert_int_equal(E.fm.log[0].addr, DEV2 + 0xFFE);
	assert_int_equal(E.fm.log[0].len, 2);
}

/* The last canonical page (64-bit mode): an instruction running past it
 * is #GP(0) (SDM 3.3.7.1), whether its first bytes came from the device
 * or from RAM; one that ends there runs. */
static void test_canonical_end(void **state)
{
	static uint8_t top[4096];
	const uint64_t last = 0x00007FFFFFFFF000ull;

	(void)state;
	for (unsigned mmio = 0; mmio < 2; mmio++) {
		setup(DEV, "");
		memset(top, 0, sizeof(top));
		fake_add(&E.fm, last, top, sizeof(top), false, mmio);
		top[0xFFE] = 0x48;              /* mov rax, imm32: 7 bytes */
		top[0xFFF] = 0xc7;
		E.cpu.rip = last + 0xFFE;
		assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
				 EMUL_EXCEPTION);
		assert_int_equal(E.res.event.vector, 13);
		assert_int_equal(E.res.event.error_code, 0);
		assert_int_equal(E.fm.nlog, mmio);
		assert_false(emul_busy(&E.ctx));
		top[0xFFE] = 0x90;              /* nop: fine */
		assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
				 EMUL_DONE);
		assert_int_equal(E.cpu.rip, last + 0xFFF);
	}
}

/* The CS limit bounds the chunks; an instruction past it is #GP(0). The
 * 15-byte limit: 15 bytes are read (8, 4, 2, 1), never a 16th, #GP(0). */
static void test_limits(void **state)
{
	static const uint64_t cs_limit[] = { DEV, 4, DEV + 4, 2 };
	static const uint64_t too_long[] = { DEV, 8, DEV + 8, 4, DEV + 12, 2,
					     DEV + 14, 1 };

	(void)state;
	setup(DEV, "b8 44 33 22 11 90");        /* mov eax, imm32 (5 bytes) */
	fake_cpu_prot(&E.cpu, true);
	E.cpu.rip = DEV;
	E.cpu.seg[EMUL_SEG_CS].limit = DEV + 5;
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_DONE);
	expect_log(cs_limit, 2);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x11223344);
	/* mov [disp32], imm32: 10 bytes with 6 below the limit */
	setup(DEV, "c7 05 00 00 00 00 44 33 22 11");
	fake_cpu_prot(&E.cpu, true);
	E.cpu.rip = DEV;
	E.cpu.seg[EMUL_SEG_CS].limit = DEV + 5;
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.res.event.error_code, 0);
	expect_log(cs_limit, 2);
	assert_int_equal(E.cpu.rip, DEV);
	assert_false(emul_busy(&E.ctx));
	/* real mode: CS.base + IP; an aligned 8-byte chunk */
	setup(DEV + 0x10, "b0 5a");              /* mov al, 0x5a */
	fake_cpu_real(&E.cpu);
	E.cpu.seg[EMUL_SEG_CS].base = DEV;
	E.cpu.seg[EMUL_SEG_CS].sel = (uint16_t)(DEV >> 4);
	E.cpu.rip = 0x10;
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_DONE);
	assert_int_equal(E.fm.nlog, 1);
	assert_int_equal(E.fm.log[0].addr, DEV + 0x10);
	assert_int_equal(E.fm.log[0].len, 8);
	assert_int_equal(E.cpu.gpr[EMUL_RAX] & 0xFF, 0x5a);
	assert_int_equal(E.cpu.rip, 0x12);
	/* 16 bytes of prefixes and a NOP */
	setup(DEV, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90");
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.res.event.error_code, 0);
	expect_log(too_long, 4);
}

/* #UD from a device's bytes; an instruction the emulator does not run is
 * refused after its fetch, and the context is free again. */
static void test_ud_and_refusal(void **state)
{
	(void)state;
	setup(DEV, "0f 0b");
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 6);
	assert_false(E.res.event.has_error_code);
	assert_int_equal(E.fm.nlog, 1);
	assert_false(emul_busy(&E.ctx));
	setup(DEV, "0f 28 c1");                  /* movaps: not emulated */
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_UNSUPPORTED);
	assert_int_equal(E.res.reason, EMUL_R_OPCODE);
	assert_false(emul_busy(&E.ctx));
	assert_int_equal(E.cpu.rip, DEV);
}

/* RSM outside SMM (the virtual CPU never is in SMM): #UD without an
 * error code in real, protected and 64-bit mode, at CPL 0 and 3, with an
 * operand-size prefix too (F2/F3 on the 0F map are refused, as for every
 * such opcode); nothing changes. */
static void test_rsm(void **state)
{
	static const char *const forms[] = { "0f aa", "66 0f aa" };
	struct emul_cpu before;

	(void)state;
	for (unsigned mode = 0; mode < 4; mode++) {
		for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
			setup(DEV, forms[i]);
			if (mode == 1)
				fake_cpu_prot(&E.cpu, true);
			else if (mode == 2)
				fake_cpu_real(&E.cpu);
			if (mode == 3)
				E.cpu.cpl = 3;
			E.cpu.rip = DEV;
			if (mode == 2) {        /* CS = 2000h: the device at IP 0 */
				E.cpu.seg[EMUL_SEG_CS].sel = DEV >> 4;
				E.cpu.seg[EMUL_SEG_CS].base = DEV;
				E.cpu.rip = 0;
			}
			before = E.cpu;
			assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
					 EMUL_EXCEPTION);
			assert_int_equal(E.res.event.vector, 6);
			assert_false(E.res.event.has_error_code);
			assert_memory_equal(&E.cpu.regs, &before.regs, sizeof(before.regs));
			assert_int_equal(E.cpu.rip, before.rip);
			assert_int_equal(E.cpu.rflags, before.rflags);
			assert_false(emul_busy(&E.ctx));
		}
	}
}

/* Bytes from a device are read again for every instruction: the decode
 * cache never answers for them, even for the same bytes at the same RIP. */
static void test_no_cache(void **state)
{
	(void)state;
	setup(DEV, "b0 01");                     /* mov al, 1 */
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX] & 0xFF, 1);
	assert_int_equal(E.ctx.insn_bytes_len, 0);
	E.cpu.rip = DEV;
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_DONE);
	assert_int_equal(E.fm.nlog, 1);          /* read again */
	E.cpu.rip = DEV;
	E.dev[1] = 0x02;                         /* the device changed it */
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX] & 0xFF, 2);
	/* the same bytes in RAM after the device: decoded from RAM */
	E.ram[0] = 0xb0;
	E.ram[1] = 0x03;
	E.cpu.rip = RAM;
	assert_int_equal(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 16),
			 EMUL_DONE);
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.cpu.gpr[EMUL_RAX] & 0xFF, 3);
}

/* emul_abort() in the middle of a fetch: the next call starts again. */
static void test_abort(void **state)
{
	struct emul_cpu before;

	(void)state;
	setup(DEV + 4, "b8 44 33 22 11");
	before = E.cpu;
	expect_read(DEV + 4, 4, &before);
	emul_abort(&E.ctx);
	assert_false(emul_busy(&E.ctx));
	expect_read(DEV + 4, 4, &before);
	expect_read(DEV + 8, 8, &before);
	assert_int_equal(step(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x11223344);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aligned),
		cmocka_unit_test(test_unaligned_chunks),
		cmocka_unit_test(test_mmio_data),
		cmocka_unit_test(test_page_crossing),
		cmocka_unit_test(test_fault_next_page),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_canonical_end),
		cmocka_unit_test(test_ud_and_refusal),
		cmocka_unit_test(test_rsm),
		cmocka_unit_test(test_no_cache),
		cmocka_unit_test(test_abort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
