/*
 * test_x87.c - x87 instructions through the emulator (emul/exec_x87.c):
 * the operand's size and direction per form, its MMIO reads before and
 * writes after the one call of emul_ops.x87 (however often the handler is
 * replayed for the requests), the #NM / #UD / #MF checks that come first,
 * which register forms run, and what the callback is told
 * to record as the last instruction (FIP, FCS, FDP, FDS). The callback is
 * a fake here; core/x87_proxy.c runs the real one on the vCPU's FPU.
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
#define DEV 0x20000ull  /* two MMIO pages */
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)

static struct {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	struct emul_ops ops;
	uint8_t code[4096];
	uint8_t dev[8192];
	/* the fake FPU */
	unsigned calls;
	struct emul_x87 seen;
	uint8_t seen_buf[112];
	int answer;
} E;

/* Records the call; a store finds the pattern 0xA0, 0xA1, ... in buf. */
static int fake_x87(void *opaque, struct emul_x87 *op)
{
	(void)opaque;
	E.calls++;
	E.seen = *op;
	if (op->buf)                            /* none for FWAIT */
		memcpy(E.seen_buf, op->buf, sizeof(E.seen_buf));
	if (E.answer != EMUL_X87_DONE)
		return E.answer;
	for (unsigned i = 0; op->buf && i < 112; i++)
		op->buf[i] = (uint8_t)(0xA0 + i);
	return EMUL_X87_DONE;
}

static void setup(const char *hex)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.code);
	for (unsigned i = 0; i < sizeof(E.dev); i++)
		E.dev[i] = (uint8_t)(i * 13 + 5);
	fake_init(&E.fm);
	fake_add(&E.fm, CODE, E.code, sizeof(E.code), true, 0);
	fake_add(&E.fm, DEV, E.dev, sizeof(E.dev), false, 3);  /* both pages MMIO */
	fake_cpu_long64(&E.cpu);
	E.cpu.cr0 |= CR0_NE;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = DEV + 0x100;
	E.ops = fake_ops;
	E.ops.x87 = fake_x87;
	emul_init(&E.ctx, &E.ops, &E.fm);
}

static enum emul_status run(void)
{
	return fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 64);
}

/* The requests of the last run: n reads (or writes) of 8 bytes from
 * DEV + 0x100 on, the last one 'last' bytes. */
static void assert_pieces(uint8_t status, unsigned n, unsigned last)
{
	assert_int_equal(E.fm.nlog, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(E.fm.log[i].status, status);
		assert_int_equal(E.fm.log[i].addr, DEV + 0x100 + 8 * i);
		assert_int_equal(E.fm.log[i].len, i + 1 == n ? last : 8);
	}
}

/* fld qword [rbx]: one 8-byte read, then the FPU with the data. */
static void test_load_reads_then_runs(void **state)
{
	(void)state;
	setup("dd 03");
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_READ, 1, 8);
	assert_int_equal(E.calls, 1);
	assert_int_equal(E.seen.opcode, 0xDD);
	assert_int_equal(E.seen.modrm, 0x03);
	assert_true(E.seen.waits);
	assert_memory_equal(E.seen_buf, E.dev + 0x100, 8);
	assert_int_equal(E.seen.fip, CODE);
	assert_int_equal(E.seen.fdp, DEV + 0x100);
	assert_int_equal(E.cpu.rip, CODE + 2);
	assert_int_equal(E.dev[0x100], (uint8_t)(0x100 * 13 + 5));  /* untouched */
}

/* fstp tbyte [rbx]: the FPU runs once, then 8 + 2 bytes go out as two
 * write requests (the handler replayed for the second). */
static void test_store_runs_once_then_writes(void **state)
{
	(void)state;
	setup("db 3b");
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.calls, 1);
	assert_pieces(EMUL_MMIO_WRITE, 2, 2);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(E.dev[0x100 + i], 0xA0 + i);
	assert_int_equal(E.dev[0x10a], (uint8_t)(0x10a * 13 + 5));
	assert_int_equal(E.cpu.rip, CODE + 2);
}

/* The environment and state images by operand size (SDM Vol. 1 8.1.10):
 * fnstenv 28 / 14 bytes, frstor 108 / 94. */
static void test_image_sizes(void **state)
{
	(void)state;
	setup("d9 33");                         /* fnstenv [rbx] */
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_WRITE, 4, 4);
	assert_false(E.seen.waits);
	assert_false(E.seen.env16);
	setup("66 d9 33");                      /* 16-bit image */
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_WRITE, 2, 6);
	assert_true(E.seen.env16);
	setup("dd 23");                         /* frstor [rbx] */
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_READ, 14, 4);
	assert_memory_equal(E.seen_buf, E.dev + 0x100, 108);
	assert_int_equal(E.calls, 1);
	setup("66 dd 33");                      /* fnsave, 94 bytes */
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_WRITE, 12, 6);
	setup("df 2b");                         /* fild qword [rbx] */
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_READ, 1, 8);
	setup("de 03");                         /* fiadd word [rbx] */
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_READ, 1, 2);
	setup("d9 3b");                         /* fnstcw [rbx] */
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_WRITE, 1, 2);
}

/* What comes before the access: CR0.EM or CR0.TS #NM, the undefined
 * memory forms #UD; the FPU is not called and nothing is accessed. */
static void test_faults_first(void **state)
{
	(void)state;
	setup("dd 03");
	E.cpu.cr0 |= CR0_TS;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 7);
	setup("dd 03");
	E.cpu.cr0 |= CR0_EM;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 7);
	static const char *const undefined[] = { "d9 0b", "db 23", "db 33", "dd 2b" };
	for (unsigned i = 0; i < 4; i++) {
		setup(undefined[i]);
		assert_int_equal(run(), EMUL_EXCEPTION);
		assert_int_equal(E.res.event.vector, 6);
		assert_int_equal(E.fm.nlog, 0);
		assert_int_equal(E.calls, 0);
		assert_int_equal(E.cpu.rip, CODE);
	}
}

/* A pending unmasked exception: #MF with CR0.NE; without it the FERR#
 * path is not modelled: unsupported, nothing changed. */
static void test_pending_exception(void **state)
{
	(void)state;
	setup("db 3b");
	E.answer = EMUL_X87_PENDING;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 16);
	assert_false(E.res.event.has_error_code);
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.cpu.rip, CODE);
	setup("db 3b");
	E.answer = EMUL_X87_PENDING;
	E.cpu.cr0 &= ~CR0_NE;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	setup("db 3b");
	E.answer = EMUL_X87_REFUSED;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(E.fm.nlog, 0);
}

/* Register forms (from code in MMIO): the documented ones that touch
 * only the FPU run, with no buffer and FIP/FCS; reserved cells, FCMOVcc,
 * FCOMI and FNSTSW AX are refused and the FPU never sees them. */
static void test_register_forms(void **state)
{
	static const char *const refused[] = {
		"df e0",        /* fnstsw ax: writes AX */
		"da c1",        /* fcmovb: reads RFLAGS */
		"db e9",        /* fucomi: writes RFLAGS */
		"d9 d8",        /* reserved (FSTP1 alias) */
		"dc d0",        /* reserved (FCOM2 alias) */
		"d9 e6",        /* reserved */
	};

	(void)state;
	setup("d9 e8");                         /* fld1 */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.calls, 1);
	assert_int_equal(E.seen.modrm, 0xE8);
	assert_null(E.seen.buf);
	assert_true(E.seen.waits);
	assert_int_equal(E.seen.fip, CODE);
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.cpu.rip, CODE + 2);
	setup("db e3");                         /* fninit: no wait */
	assert_int_equal(run(), EMUL_DONE);
	assert_false(E.seen.waits);
	setup("de d9");                         /* fcompp */
	assert_int_equal(run(), EMUL_DONE);
	setup("d8 c1");
	E.cpu.cr0 |= CR0_TS;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 7);
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		setup(refused[i]);
		assert_int_equal(run(), EMUL_UNSUPPORTED);
		assert_int_equal(E.calls, 0);
		assert_int_equal(E.cpu.rip, CODE);
	}
}

/* 32-bit protected mode: FIP/FCS are CS's, FDP/FDS the operand's. */
static void test_pointers_in_protected_mode(void **state)
{
	(void)state;
	setup("26 d8 03");                      /* fadd dword es:[ebx] */
	fake_cpu_prot(&E.cpu, true);
	E.cpu.cr0 |= CR0_NE;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = DEV + 0x100;
	E.cpu.seg[EMUL_SEG_CS].sel = 0x08;
	E.cpu.seg[EMUL_SEG_ES].sel = 0x2b;
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_READ, 1, 4);
	assert_int_equal(E.seen.fcs, 0x08);
	assert_int_equal(E.seen.fds, 0x2b);
	assert_int_equal(E.seen.fdp, DEV + 0x100);
	assert_int_equal(E.cpu.rip, CODE + 3);
}

/* Real mode: the loads and stores run (FIP/FCS, FDP/FDS as selector and
 * offset); the environment and state images, whose real-mode layouts hold
 * linear pointers, are refused. No callback: refused. */
static void test_real_mode_and_unsupported(void **state)
{
	(void)state;
	setup("dd 07");                         /* fld qword [bx] */
	fake_cpu_real(&E.cpu);
	E.cpu.cr0 |= CR0_NE;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = 0x100;
	E.cpu.seg[EMUL_SEG_DS].base = DEV;
	E.cpu.seg[EMUL_SEG_DS].sel = (uint16_t)(DEV >> 4);
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_READ, 1, 8);
	assert_int_equal(E.seen.fdp, 0x100);
	assert_int_equal(E.seen.fds, DEV >> 4);
	setup("d9 37");                         /* fnstenv [bx] */
	fake_cpu_real(&E.cpu);
	E.cpu.rip = CODE;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(E.calls, 0);
	setup("dd 03");
	E.ops.x87 = NULL;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
}

/* FWAIT: #NM only with CR0.MP and CR0.TS, #MF when the FPU has an
 * unmasked exception pending, else nothing but RIP. */
static void test_fwait(void **state)
{
	(void)state;
	setup("9b");
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.calls, 1);
	assert_int_equal(E.seen.opcode, 0x9B);
	assert_true(E.seen.waits);
	assert_int_equal(E.cpu.rip, CODE + 1);
	setup("9b");
	E.cpu.cr0 = (E.cpu.cr0 | CR0_TS) & ~(1ull << 1);   /* TS without MP: runs */
	assert_int_equal(run(), EMUL_DONE);
	setup("9b");
	E.cpu.cr0 |= CR0_TS | (1ull << 1);
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 7);
	assert_int_equal(E.calls, 0);
	setup("9b");
	E.answer = EMUL_X87_PENDING;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 16);
	assert_int_equal(E.cpu.rip, CODE);
}

/* LDMXCSR / STMXCSR (0F AE /2 /3): 4 bytes through MMIO, #UD without
 * CR4.OSFXSR or with CR0.EM, #NM with CR0.TS, #GP(0) when the FPU refuses
 * the value; FXSAVE and the prefixed forms refused. */
static void test_mxcsr(void **state)
{
	(void)state;
	setup("0f ae 1b");                      /* stmxcsr [rbx] */
	E.cpu.cr4 |= 1u << 9;
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_WRITE, 1, 4);
	assert_int_equal(E.fm.log[0].data, 0xA3A2A1A0);
	assert_int_equal(E.seen.opcode, 0xAE);
	setup("0f ae 13");                      /* ldmxcsr [rbx] */
	E.cpu.cr4 |= 1u << 9;
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_READ, 1, 4);
	assert_memory_equal(E.seen_buf, E.dev + 0x100, 4);
	assert_int_equal(E.cpu.rip, CODE + 3);
	setup("0f ae 13");
	E.cpu.cr4 |= 1u << 9;
	E.answer = EMUL_X87_GP;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.res.event.error_code, 0);
	assert_int_equal(E.cpu.rip, CODE);
	setup("0f ae 13");                      /* no CR4.OSFXSR: #UD */
	E.cpu.cr4 &= ~(1ull << 9);
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 6);
	assert_int_equal(E.fm.nlog, 0);
	setup("0f ae 1b");
	E.cpu.cr4 |= 1u << 9;
	E.cpu.cr0 |= CR0_TS;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 7);
	setup("0f ae 03");                      /* fxsave: 512 bytes */
	E.cpu.cr4 |= 1u << 9;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	setup("66 0f ae 1b");
	E.cpu.cr4 |= 1u << 9;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(E.calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_reads_then_runs),
		cmocka_unit_test(test_store_runs_once_then_writes),
		cmocka_unit_test(test_image_sizes),
		cmocka_unit_test(test_faults_first),
		cmocka_unit_test(test_pending_exception),
		cmocka_unit_test(test_register_forms),
		cmocka_unit_test(test_pointers_in_protected_mode),
		cmocka_unit_test(test_real_mode_and_unsupported),
		cmocka_unit_test(test_fwait),
		cmocka_unit_test(test_mxcsr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
