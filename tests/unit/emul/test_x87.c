/*
 * test_x87.c - x87 instructions through the emulator (emul/exec_x87.c):
 * the operand's size and direction per form, its MMIO reads before and
 * writes after the one call of emul_ops.x87 (however often the handler is
 * replayed for the requests), the #NM / #UD / #MF checks that come first,
 * what each register form is (#UD, waiting or not, RFLAGS for FCMOVcc
 * and FCOMI, AX for FNSTSW AX), what the callback is told to record as
 * the last instruction (FIP, FCS, FDP, FDS; by vendor in real mode), and
 * the real-mode environment and state images converted both ways. The
 * callback is a fake here; core/x87_proxy.c runs the real one on the
 * vCPU's FPU.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
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
	bool use_image;         /* a store finds image instead of the pattern */
	uint8_t image[112];
	bool set_flags;         /* the FPU hands back flags_out as RFLAGS */
	uint64_t flags_out;
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
		op->buf[i] = E.use_image ? E.image[i] : (uint8_t)(0xA0 + i);
	if (E.set_flags)
		op->rflags = E.flags_out;
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
 * DEV + off on (0x100: assert_pieces), the last one 'last' bytes. */
static void assert_pieces_at(uint8_t status, unsigned off, unsigned n,
			     unsigned last)
{
	assert_int_equal(E.fm.nlog, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(E.fm.log[i].status, status);
		assert_int_equal(E.fm.log[i].addr, DEV + off + 8 * i);
		assert_int_equal(E.fm.log[i].len, i + 1 == n ? last : 8);
	}
}

static void assert_pieces(uint8_t status, unsigned n, unsigned last)
{
	assert_pieces_at(status, 0x100, n, last);
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

/* Register forms (from code in MMIO): the ones that touch only the FPU
 * run, with no buffer and FIP/FCS; CR0.TS or CR0.EM give #NM, before the
 * #UD of a reserved cell. */
static void test_register_forms(void **state)
{
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
	setup("d9 d1");                         /* reserved, but #NM first */
	E.cpu.cr0 |= CR0_EM;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 7);
	assert_int_equal(E.calls, 0);
}

/*
 * Every register form, D8 C0 to DF FF: 'U' #UD (the FPU is not asked,
 * RIP stays), 'W' runs as a waiting form, 'N' runs without waiting, 'Z'
 * retires without the FPU (no wait, no state: FIP and FOP kept). The
 * map is what an AMD EPYC does with each, run in a user program with and
 * without an unmasked exception pending (Intel's XED decodes the same
 * cells; x87_regform.c): the aliases FSTP1 (D9 D8), FCOM2 (DC D0), FCOMP3
 * (DC D8), FXCH4 (DD C8), FCOMP5 (DE D0), FFREEP (DF C0), FXCH7 (DF C8),
 * FSTP8/9 (DF D0/D8) run, the FNENI, FNDISI, FNSETPM no-ops (DB E0 E1 E4)
 * change nothing; DB E5 (FRSTPM) is #UD.
 */
static void test_register_form_map(void **state)
{
	static const char *const map[8] = {
		/* C0      C8       D0       D8       E0       E8       F0       F8 */
		"WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", /* D8 */
		"WWWWWWWWWWWWWWWWWUUUUUUUWWWWWWWWWWUUWWUUWWWWWWWUWWWWWWWWWWWWWWWW", /* D9 */
		"WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWUUUUUUUUUWUUUUUUUUUUUUUUUUUUUUUU", /* DA */
		"WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWZZNNZUUUWWWWWWWWWWWWWWWWUUUUUUUU", /* DB */
		"WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", /* DC */
		"WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWUUUUUUUUUUUUUUUU", /* DD */
		"WWWWWWWWWWWWWWWWWWWWWWWWUWUUUUUUWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", /* DE */
		"WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWNUUUUUUUWWWWWWWWWWWWWWWWUUUUUUUU", /* DF */
	};

	(void)state;
	for (unsigned op = 0; op < 8; op++) {
		for (unsigned m = 0; m < 64; m++) {
			char hex[8];
			char want = map[op][m];

			snprintf(hex, sizeof(hex), "%02x %02x", 0xD8 + op, 0xC0 + m);
			setup(hex);
			if (want == 'U') {
				assert_int_equal(run(), EMUL_EXCEPTION);
				assert_int_equal(E.res.event.vector, 6);
				assert_int_equal(E.calls, 0);
				assert_int_equal(E.cpu.rip, CODE);
				continue;
			}
			assert_int_equal(run(), EMUL_DONE);
			assert_int_equal(E.cpu.rip, CODE + 2);
			if (want == 'Z') {
				assert_int_equal(E.calls, 0);
				continue;
			}
			assert_int_equal(E.calls, 1);
			assert_int_equal(E.seen.opcode, 0xD8 + op);
			assert_int_equal(E.seen.modrm, 0xC0 + m);
			assert_int_equal(E.seen.waits, want == 'W');
			assert_int_equal(E.cpu.rip, CODE + 2);
		}
	}
}

/* FCMOVcc reads RFLAGS: the FPU is given the guest's; they stay as they
 * were whatever it hands back. */
static void test_fcmov_reads_flags(void **state)
{
	(void)state;
	setup("da c9");                         /* fcmove st, st(1) */
	E.cpu.rflags = 0x2 | 0x40 | 0x4 | 0x200;       /* ZF PF IF */
	E.set_flags = true;
	E.flags_out = 0x2 | 0x1;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.seen.rflags, 0x2 | 0x40 | 0x4 | 0x200);
	assert_true(E.seen.waits);
	assert_null(E.seen.buf);
	assert_int_equal(E.cpu.rflags, 0x2 | 0x40 | 0x4 | 0x200);
	assert_int_equal(E.cpu.rip, CODE + 2);
}

/* FCOMI, FCOMIP, FUCOMI, FUCOMIP write CF PF AF ZF SF OF (SDM Vol. 2
 * FCOMI: ZF PF CF by the comparison, OF SF AF cleared): those six come
 * from the FPU's run, every other flag stays; with an exception pending,
 * #MF and no flag changes. */
static void test_fcomi_writes_flags(void **state)
{
	static const char *const forms[] = { "db f1", "df f1", "db e9", "df e9" };

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		setup(forms[i]);
		E.cpu.rflags = 0x2 | 0x800 | 0x80 | 0x10 | 0x400 | 0x200; /* OF SF AF DF IF */
		E.set_flags = true;
		E.flags_out = 0x2 | 0x40 | 0x4 | 0x1 | 0x100;   /* ZF PF CF, and TF */
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.seen.rflags, 0x2 | 0x800 | 0x80 | 0x10 | 0x400 | 0x200);
		assert_true(E.seen.waits);
		assert_int_equal(E.cpu.rflags, 0x2 | 0x400 | 0x200 | 0x40 | 0x4 | 0x1);
		assert_int_equal(E.cpu.rip, CODE + 2);
	}
	setup("db f1");
	E.cpu.rflags = 0x2 | 0x1;
	E.answer = EMUL_X87_PENDING;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 16);
	assert_int_equal(E.cpu.rflags, 0x2 | 0x1);
	assert_int_equal(E.cpu.rip, CODE);
}

/* FNSTSW AX: no wait, the status word through the buffer into AX, the
 * rest of RAX kept; no memory access. */
static void test_fnstsw_ax(void **state)
{
	(void)state;
	setup("df e0");
	E.cpu.gpr[EMUL_RAX] = 0x1122334455667788ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_false(E.seen.waits);
	assert_non_null(E.seen.buf);
	assert_int_equal(E.seen.modrm, 0xE0);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x112233445566A1A0ull);
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.cpu.rip, CODE + 2);
	setup("df e0");                         /* CR0.TS: #NM, AX kept */
	E.cpu.cr0 |= CR0_TS;
	E.cpu.gpr[EMUL_RAX] = 0x7788;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 7);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x7788);
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
 * offset). No callback: refused. */
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
	setup("dd 03");
	E.ops.x87 = NULL;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* A real-mode vCPU at CODE (CS base 0) with DS = DEV >> 4, BX = 0x100:
 * [bx] is DEV + 0x100. vm86: the same addresses in virtual-8086 mode. */
static void setup_real(const char *hex, bool vm86)
{
	setup(hex);
	fake_cpu_real(&E.cpu);
	E.cpu.cr0 |= CR0_NE;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = 0x100;
	E.cpu.seg[EMUL_SEG_DS].base = DEV;
	E.cpu.seg[EMUL_SEG_DS].sel = (uint16_t)(DEV >> 4);
	if (vm86) {
		E.cpu.mode = EMUL_MODE_VM86;
		E.cpu.cpl = 3;
		E.cpu.cr0 |= 1;                 /* PE */
		E.cpu.rflags |= EMUL_FL_VM;
		for (unsigned i = 0; i < 6; i++)
			E.cpu.seg[i].dpl = 3;
	}
}

/* The FPU's 32-bit protected-mode image: FCW 037F, FSW 3800, FTW 3FFF
 * (reserved halves all ones, as CPUs write them), FIP fcs:fip, FOP 0x144
 * (D9 /0 with ModRM 44), FDP fds:fdp; then the registers 0x60, 0x61... */
static void fpu_image(uint16_t fcs, uint32_t fip, uint16_t fds, uint32_t fdp)
{
	E.use_image = true;
	put32(E.image + 0, 0xFFFF037F);
	put32(E.image + 4, 0xFFFF3800);
	put32(E.image + 8, 0xFFFF3FFF);
	put32(E.image + 12, fip);
	put32(E.image + 16, 0x01440000u | fcs);
	put32(E.image + 20, fdp);
	put32(E.image + 24, 0xFFFF0000u | fds);
	for (unsigned i = 28; i < 108; i++)
		E.image[i] = (uint8_t)(0x60 + i - 28);
}

/*
 * FNSTENV in real mode (SDM Vol. 1 Figures 8-10, 8-12): the FPU, in
 * 64-bit mode, stores the protected-mode image; the guest gets linear
 * pointers, selector * 16 + offset: FIP 1234:5678 is 179B8, FDP 9ABC:0DEF
 * is 9B9AF. 16-bit: FIP 79B8, then 1 (bits 19:16) in 15:12 with FOP 144;
 * FDP B9AF, then 9 in 15:12. The callback runs the 32-bit form.
 */
static void test_real_mode_fnstenv(void **state)
{
	uint8_t *img = E.dev + 0x100;

	(void)state;
	setup_real("d9 37", false);             /* fnstenv [bx], 14 bytes */
	fpu_image(0x1234, 0x5678, 0x9ABC, 0x0DEF);
	assert_int_equal(run(), EMUL_DONE);
	assert_false(E.seen.env16);
	assert_false(E.seen.waits);
	assert_pieces(EMUL_MMIO_WRITE, 2, 6);
	assert_int_equal(get16(img + 0), 0x037F);
	assert_int_equal(get16(img + 2), 0x3800);
	assert_int_equal(get16(img + 4), 0x3FFF);
	assert_int_equal(get16(img + 6), 0x79B8);
	assert_int_equal(get16(img + 8), 0x1144);
	assert_int_equal(get16(img + 10), 0xB9AF);
	assert_int_equal(get16(img + 12), 0x9000);
	assert_int_equal(img[14], (uint8_t)((0x100 + 14) * 13 + 5)); /* untouched */
	assert_int_equal(E.cpu.rip, CODE + 2);

	setup_real("66 d9 37", false);          /* 32-bit: 28 bytes */
	fpu_image(0x1234, 0x5678, 0x9ABC, 0x0DEF);
	assert_int_equal(run(), EMUL_DONE);
	assert_false(E.seen.env16);
	assert_pieces(EMUL_MMIO_WRITE, 4, 4);
	assert_int_equal(get32(img + 0), 0xFFFF037F);
	assert_int_equal(get32(img + 4), 0xFFFF3800);
	assert_int_equal(get32(img + 8), 0xFFFF3FFF);
	assert_int_equal(get32(img + 12), 0xFFFF79B8);
	assert_int_equal(get32(img + 16), 0x00001144);
	assert_int_equal(get32(img + 20), 0xFFFFB9AF);
	assert_int_equal(get32(img + 24), 0x00009000);

	/* a pointer beyond 20 bits (what a real-mode FLDENV of a 32-bit
	 * image loaded: selector 0): its bits 31:16 in 27:12 */
	setup_real("66 d9 37", false);
	fpu_image(0, 0xAB123456, 0x0010, 0x00FFFFF8);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(get32(img + 12), 0xFFFF3456);
	assert_int_equal(get32(img + 16), 0x0AB12144);
	assert_int_equal(get32(img + 20), 0xFFFF00F8);
	assert_int_equal(get32(img + 24), 0x00100000);
	/* the 16-bit image keeps bits 19:16 */
	setup_real("d9 37", false);
	fpu_image(0, 0xAB123456, 0x0010, 0x00FFFFF8);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(get16(img + 6), 0x3456);
	assert_int_equal(get16(img + 8), 0x2144);
	assert_int_equal(get16(img + 10), 0x00F8);
	assert_int_equal(get16(img + 12), 0x0000);
}

/* FLDENV in real mode: the guest's linear pointers become FIP and FDP of
 * the protected-mode image, FCS and FDS 0, FOP from bits 10:0 (the bits
 * the layout leaves 0 ignored). */
static void test_real_mode_fldenv(void **state)
{
	uint8_t *img = E.dev + 0x100;

	(void)state;
	setup_real("66 d9 27", false);          /* fldenv [bx], 28 bytes */
	put32(img + 0, 0xFFFF027F);
	put32(img + 4, 0xFFFF0000);
	put32(img + 8, 0xFFFFFFFF);
	put32(img + 12, 0xFFFF3456);
	put32(img + 16, 0xF0012944);            /* 0000 | 0012 | 1 | 144: junk in 31:28, 11 */
	put32(img + 20, 0xFFFF0098);
	put32(img + 24, 0x00100FFF);
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_READ, 4, 4);
	assert_false(E.seen.env16);
	assert_true(E.seen.waits);
	assert_int_equal(get32(E.seen_buf + 0), 0xFFFF027F);
	assert_int_equal(get32(E.seen_buf + 4), 0xFFFF0000);
	assert_int_equal(get32(E.seen_buf + 8), 0xFFFFFFFF);
	assert_int_equal(get32(E.seen_buf + 12), 0x00123456);
	assert_int_equal(get32(E.seen_buf + 16), 0x01440000);
	assert_int_equal(get32(E.seen_buf + 20), 0x01000098);
	assert_int_equal(get32(E.seen_buf + 24), 0);
	assert_int_equal(E.cpu.rip, CODE + 3);

	setup_real("d9 27", false);             /* 16-bit: 14 bytes */
	memcpy(img, "\x7f\x02\x00\x00\xff\xff\x34\x12\x44\x99\x78\x56\x00\xf0", 14);
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_READ, 2, 6);
	assert_false(E.seen.env16);
	assert_int_equal(get32(E.seen_buf + 0), 0x027F);
	assert_int_equal(get32(E.seen_buf + 4), 0);
	assert_int_equal(get32(E.seen_buf + 8), 0xFFFF);
	assert_int_equal(get32(E.seen_buf + 12), 0x91234);
	assert_int_equal(get32(E.seen_buf + 16), 0x01440000);
	assert_int_equal(get32(E.seen_buf + 20), 0xF5678);
	assert_int_equal(get32(E.seen_buf + 24), 0);
}

/* FRSTOR and FNSAVE in real mode, 16-bit (94 bytes): the header converted,
 * the 80 bytes of registers behind it moved between offsets 14 and 28. */
static void test_real_mode_state_images(void **state)
{
	uint8_t *img = E.dev + 0x100;

	(void)state;
	setup_real("dd 27", false);             /* frstor [bx] */
	memcpy(img, "\x7f\x03\x00\x00\xff\xff\x34\x12\x44\x21\x78\x56\x00\x30", 14);
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_READ, 12, 6);
	assert_int_equal(get32(E.seen_buf + 12), 0x21234);
	assert_int_equal(get32(E.seen_buf + 16), 0x01440000);
	assert_int_equal(get32(E.seen_buf + 20), 0x35678);
	assert_memory_equal(E.seen_buf + 28, E.dev + 0x100 + 14, 80);

	setup_real("dd 37", false);             /* fnsave [bx] */
	fpu_image(0x1234, 0x5678, 0x9ABC, 0x0DEF);
	assert_int_equal(run(), EMUL_DONE);
	assert_false(E.seen.waits);
	assert_pieces(EMUL_MMIO_WRITE, 12, 6);
	assert_int_equal(get16(img + 6), 0x79B8);
	assert_int_equal(get16(img + 8), 0x1144);
	assert_int_equal(get16(img + 10), 0xB9AF);
	assert_int_equal(get16(img + 12), 0x9000);
	assert_memory_equal(img + 14, E.image + 28, 80);
	assert_int_equal(img[94], (uint8_t)((0x100 + 94) * 13 + 5));

	setup_real("66 dd 37", false);          /* 32-bit: 108 bytes */
	fpu_image(0x1234, 0x5678, 0x9ABC, 0x0DEF);
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_WRITE, 14, 4);
	assert_int_equal(get32(img + 12), 0xFFFF79B8);
	assert_int_equal(get32(img + 16), 0x00001144);
	assert_memory_equal(img + 28, E.image + 28, 80);
}

/*
 * The vendors differ in what the FPU holds for an instruction run in real
 * mode: Intel selector and offset (SDM Vol. 1 8.1.8), AMD the linear
 * address, segment base + offset (APM Vol. 1 6.2.5). fld qword [bx] at
 * 0080:0800 (linear 0x1000) on DS:0100: the FPU is given FIP 0x800 and FDP
 * 0x100 on Intel, 0x1000 and DEV + 0x100 on AMD (the selectors both). A
 * real-mode FNSTENV on AMD takes FIP and FDP as the linear pointers and
 * ignores FCS and FDS.
 */
static void test_real_mode_pointers_by_vendor(void **state)
{
	static const uint8_t vendors[2] = { EMUL_VENDOR_INTEL, EMUL_VENDOR_AMD };
	uint8_t *img = E.dev + 0x100;

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		bool amd = vendors[i] == EMUL_VENDOR_AMD;

		setup_real("dd 07", false);     /* fld qword [bx] */
		E.cpu.vendor = vendors[i];
		E.cpu.seg[EMUL_SEG_CS].base = 0x800;
		E.cpu.seg[EMUL_SEG_CS].sel = 0x80;
		E.cpu.rip = 0x800;
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.seen.fip, amd ? CODE : 0x800);
		assert_int_equal(E.seen.fcs, 0x80);
		assert_int_equal(E.seen.fdp, amd ? DEV + 0x100 : 0x100);
		assert_int_equal(E.seen.fds, DEV >> 4);
		assert_int_equal(E.cpu.rip, 0x802);
	}
	setup_real("d9 37", false);             /* fnstenv [bx] on AMD */
	E.cpu.vendor = EMUL_VENDOR_AMD;
	fpu_image(0x1234, 0x000179B8, 0x9ABC, 0x0009B9AF);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(get16(img + 6), 0x79B8);
	assert_int_equal(get16(img + 8), 0x1144);
	assert_int_equal(get16(img + 10), 0xB9AF);
	assert_int_equal(get16(img + 12), 0x9000);
	setup_real("66 dd 37", true);           /* fnsave [bx], VM86, AMD */
	E.cpu.vendor = EMUL_VENDOR_AMD;
	fpu_image(0x1234, 0xAB123456, 0x9ABC, 0x0009B9AF);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(get32(img + 12), 0xFFFF3456);
	assert_int_equal(get32(img + 16), 0x0AB12144);
	assert_int_equal(get32(img + 20), 0xFFFFB9AF);
	assert_int_equal(get32(img + 24), 0x00009000);
	assert_memory_equal(img + 28, E.image + 28, 80);
	/* protected mode: the selector and offset on AMD too */
	setup("26 d8 03");                      /* fadd dword es:[ebx] */
	fake_cpu_prot(&E.cpu, true);
	E.cpu.vendor = EMUL_VENDOR_AMD;
	E.cpu.cr0 |= CR0_NE;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = 0x100;
	E.cpu.seg[EMUL_SEG_ES].base = DEV;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.seen.fip, CODE);
	assert_int_equal(E.seen.fdp, 0x100);
}

/* Virtual-8086 mode uses the real-mode layouts too. */
static void test_vm86_images(void **state)
{
	uint8_t *img = E.dev + 0x100;

	(void)state;
	setup_real("66 d9 37", true);
	fpu_image(0x1234, 0x5678, 0x9ABC, 0x0DEF);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(get32(img + 12), 0xFFFF79B8);
	assert_int_equal(get32(img + 16), 0x00001144);
	assert_int_equal(get32(img + 20), 0xFFFFB9AF);
	assert_int_equal(get32(img + 24), 0x00009000);
	setup_real("d9 27", true);
	memcpy(img, "\x7f\x02\x00\x00\xff\xff\x34\x12\x44\x99\x78\x56\x00\xf0", 14);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(get32(E.seen_buf + 12), 0x91234);
	assert_int_equal(get32(E.seen_buf + 20), 0xF5678);
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
	setup("66 0f ae 1b");
	E.cpu.cr4 |= 1u << 9;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(E.calls, 0);
}

/* FXSAVE/FXRSTOR (exec_fxsr.c): the callback's image and length. */
static struct {
	struct emul_x87 seen;
	uint8_t image[512];
	int answer;
} FX;

static int fake_fxsr(void *opaque, struct emul_x87 *op)
{
	(void)opaque;
	E.calls++;
	FX.seen = *op;
	if (FX.answer != EMUL_X87_DONE)
		return FX.answer;
	if (((op->modrm >> 3) & 7) == 1)
		memcpy(FX.image, op->buf, op->len);
	else
		for (unsigned i = 0; i < op->len; i++)
			op->buf[i] = (uint8_t)(i * 7 + 1);
	return EMUL_X87_DONE;
}

static void setup_fxsr(const char *hex)
{
	setup(hex);
	memset(&FX, 0, sizeof(FX));
	E.ops.x87 = fake_fxsr;
	emul_init(&E.ctx, &E.ops, &E.fm);
	E.cpu.cr4 |= 1u << 9;                   /* CR4.OSFXSR */
}

static void test_fxsave_fxrstor(void **state)
{
	(void)state;
	/* 64-bit FXSAVE: bytes 0-415 (XMM0-15) out in 52 writes, after the
	 * one run; the REX.W form asks for the 64-bit image */
	setup_fxsr("0f ae 03");
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.calls, 1);
	assert_int_equal(FX.seen.len, 416);
	assert_int_equal(FX.seen.wide, 0);
	assert_pieces(EMUL_MMIO_WRITE, 52, 8);
	for (unsigned i = 0; i < 416; i++)
		assert_int_equal(E.dev[0x100 + i], (uint8_t)(i * 7 + 1));
	assert_int_equal(E.dev[0x100 + 416], (uint8_t)(416 * 13 + 5));  /* untouched */
	assert_int_equal(E.cpu.rip, CODE + 3);
	setup_fxsr("48 0f ae 03");
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(FX.seen.wide, 1);
	/* FXRSTOR: 52 reads, then the run with the device's bytes */
	setup_fxsr("0f ae 0b");
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_READ, 52, 8);
	assert_int_equal(FX.seen.len, 416);
	assert_memory_equal(FX.image, E.dev + 0x100, 416);
	/* an MXCSR the CPU refuses: #GP(0) after the reads, nothing retired */
	setup_fxsr("0f ae 0b");
	FX.answer = EMUL_X87_GP;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.res.event.error_code, 0);
	assert_int_equal(E.cpu.rip, CODE);
	/* misaligned: #GP(0) before any access or run */
	setup_fxsr("0f ae 03");
	E.cpu.gpr[EMUL_RBX] = DEV + 0x108;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.calls, 0);
	/* CR0.EM: #UD; CR0.TS: #NM; no access */
	setup_fxsr("0f ae 0b");
	E.cpu.cr0 |= CR0_EM;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 6);
	setup_fxsr("0f ae 0b");
	E.cpu.cr0 |= CR0_TS;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 7);
	assert_int_equal(E.fm.nlog, 0);
}

/* Without CR4.OSFXSR: on AMD the x87 and MMX state only (bytes 0-23 and
 * 32-159: 3 + 16 pieces), no MXCSR checked; on Intel all of it. */
static void assert_x87_mmx_pieces(uint8_t status)
{
	unsigned n = 0;

	for (unsigned off = 0; off < 160; off += 8) {
		if (off == 24)
			continue;               /* MXCSR, MXCSR_MASK */
		assert_int_equal(E.fm.log[n].status, status);
		assert_int_equal(E.fm.log[n].addr, DEV + 0x100 + off);
		assert_int_equal(E.fm.log[n].len, 8);
		n++;
	}
	assert_int_equal(E.fm.nlog, n);
}

static void test_fxsr_without_osfxsr(void **state)
{
	(void)state;
	setup_fxsr("0f ae 03");                 /* fxsave [rbx], AMD */
	E.cpu.cr4 &= ~(1ull << 9);
	E.cpu.vendor = EMUL_VENDOR_AMD;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.calls, 1);
	assert_int_equal(FX.seen.len, 160);
	assert_int_equal(FX.seen.x87_only, 1);
	assert_x87_mmx_pieces(EMUL_MMIO_WRITE);
	for (unsigned i = 0; i < 512; i++) {
		bool written = i < 24 || (i >= 32 && i < 160);

		assert_int_equal(E.dev[0x100 + i],
				 written ? (uint8_t)(i * 7 + 1) :
					   (uint8_t)((0x100 + i) * 13 + 5));
	}
	assert_int_equal(E.cpu.rip, CODE + 3);
	setup_fxsr("0f ae 0b");                 /* fxrstor [rbx], AMD */
	E.cpu.cr4 &= ~(1ull << 9);
	E.cpu.vendor = EMUL_VENDOR_AMD;
	assert_int_equal(run(), EMUL_DONE);
	assert_x87_mmx_pieces(EMUL_MMIO_READ);
	assert_memory_equal(FX.image, E.dev + 0x100, 24);
	assert_memory_equal(FX.image + 32, E.dev + 0x100 + 32, 128);
	assert_int_equal(FX.seen.x87_only, 1);
	setup_fxsr("0f ae 03");                 /* Intel: the whole image */
	E.cpu.cr4 &= ~(1ull << 9);
	E.cpu.vendor = EMUL_VENDOR_INTEL;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(FX.seen.len, 416);
	assert_int_equal(FX.seen.x87_only, 0);
	assert_pieces(EMUL_MMIO_WRITE, 52, 8);
}

/* fake_cpu_long64() is CPL 3: CPL 0 with CS and SS of DPL 0 */
static void kernel_mode(void)
{
	E.cpu.cpl = 0;
	E.cpu.seg[EMUL_SEG_CS].dpl = 0;
	E.cpu.seg[EMUL_SEG_SS].dpl = 0;
}

/* EFER.FFXSR: in 64-bit mode at CPL 0 bytes 0-159 (MXCSR in, XMM out),
 * at CPL 3 all 416. */
static void test_fast_fxsr(void **state)
{
	(void)state;
	setup_fxsr("0f ae 03");
	E.cpu.efer |= 1ull << 14;
	kernel_mode();
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(FX.seen.len, 160);
	assert_int_equal(FX.seen.x87_only, 0);
	assert_pieces(EMUL_MMIO_WRITE, 20, 8);
	assert_int_equal(E.dev[0x100 + 160], (uint8_t)((0x100 + 160) * 13 + 5));
	setup_fxsr("48 0f ae 0b");              /* fxrstor64 */
	E.cpu.efer |= 1ull << 14;
	kernel_mode();
	assert_int_equal(run(), EMUL_DONE);
	assert_pieces(EMUL_MMIO_READ, 20, 8);
	assert_int_equal(FX.seen.len, 160);
	assert_memory_equal(FX.image, E.dev + 0x100, 160);
	setup_fxsr("0f ae 03");                 /* CPL 3: the whole image */
	E.cpu.efer |= 1ull << 14;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(FX.seen.len, 416);
}

/* Real and virtual-8086 mode: the 32-bit layout (288 bytes, XMM0-7),
 * #GP(0) when misaligned, #GP or #SS (SS) when the operand reaches past
 * the 64 KiB limit, before any access; an image that ends at 0FFFFh
 * runs. */
static void test_fxsr_real_mode(void **state)
{
	(void)state;
	for (unsigned vm86 = 0; vm86 < 2; vm86++) {
		setup_real("0f ae 07", vm86);   /* fxsave [bx] */
		E.ops.x87 = fake_fxsr;
		memset(&FX, 0, sizeof(FX));
		E.cpu.cr4 |= 1u << 9;
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(FX.seen.len, 288);
		assert_int_equal(FX.seen.wide, 0);
		assert_pieces(EMUL_MMIO_WRITE, 36, 8);
		for (unsigned i = 0; i < 288; i++)
			assert_int_equal(E.dev[0x100 + i], (uint8_t)(i * 7 + 1));
		assert_int_equal(E.cpu.rip, CODE + 3);
		setup_real("0f ae 0f", vm86);   /* fxrstor [bx] */
		E.ops.x87 = fake_fxsr;
		memset(&FX, 0, sizeof(FX));
		E.cpu.cr4 |= 1u << 9;
		assert_int_equal(run(), EMUL_DONE);
		assert_pieces(EMUL_MMIO_READ, 36, 8);
		assert_memory_equal(FX.image, E.dev + 0x100, 288);
	}
	setup_real("0f ae 07", false);          /* misaligned */
	E.ops.x87 = fake_fxsr;
	E.cpu.gpr[EMUL_RBX] = 0x108;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.calls, 0);
	/* 288 bytes from 0xFF00 reach 0x1001F: #GP, no access, no run */
	setup_real("0f ae 07", false);
	E.ops.x87 = fake_fxsr;
	E.cpu.cr4 |= 1u << 9;
	E.cpu.gpr[EMUL_RBX] = 0xFF00;
	E.cpu.seg[EMUL_SEG_DS].base = DEV - 0xF000;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.fm.nlog, 0);
	assert_int_equal(E.calls, 0);
	setup_real("0f ae 0b", false);          /* fxrstor [bp+di]: SS */
	E.ops.x87 = fake_fxsr;
	E.cpu.cr4 |= 1u << 9;
	E.cpu.gpr[EMUL_RBP] = 0xFF00;
	E.cpu.seg[EMUL_SEG_SS].base = DEV - 0xF000;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 12);
	assert_int_equal(E.fm.nlog, 0);
	/* 288 bytes from 0xFEE0 end at 0xFFFF: runs */
	setup_real("0f ae 07", false);
	E.ops.x87 = fake_fxsr;
	E.cpu.cr4 |= 1u << 9;
	E.cpu.gpr[EMUL_RBX] = 0xFEE0;
	E.cpu.seg[EMUL_SEG_DS].base = DEV - 0xFE00;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.fm.nlog, 36);
	assert_int_equal(E.fm.log[35].addr, DEV + 0xE0 + 280);
	/* real mode, AMD, no CR4.OSFXSR: the fuzzer's case, x87 and MMX */
	setup_real("0f ae 0f", false);
	E.ops.x87 = fake_fxsr;
	E.cpu.vendor = EMUL_VENDOR_AMD;
	assert_int_equal(run(), EMUL_DONE);
	assert_x87_mmx_pieces(EMUL_MMIO_READ);
	assert_int_equal(FX.seen.x87_only, 1);
	assert_int_equal(FX.seen.len, 160);
	/* CR0.EM: #UD; CR0.TS: #NM, as in protected mode */
	setup_real("0f ae 07", true);
	E.ops.x87 = fake_fxsr;
	E.cpu.cr0 |= CR0_EM;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 6);
	setup_real("0f ae 07", true);
	E.ops.x87 = fake_fxsr;
	E.cpu.cr0 |= CR0_TS;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 7);
	assert_int_equal(E.calls, 0);
}

/* In 32-bit protected mode only XMM0-7: bytes 0-287, 36 writes. */
static void test_fxsave32(void **state)
{
	(void)state;
	setup_fxsr("0f ae 03");
	fake_cpu_prot(&E.cpu, true);
	E.cpu.cr4 |= 1u << 9;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = DEV + 0x100;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(FX.seen.len, 288);
	assert_int_equal(FX.seen.wide, 0);
	assert_pieces(EMUL_MMIO_WRITE, 36, 8);
}

/* #AC (emul/align.c) at CPL 3 with CR0.AM and EFLAGS.AC: each operand
 * by its type (SDM Vol. 3A Table 6-7), the environment and save images
 * by operand size (4 or 2) although they move in 8-byte pieces; a store
 * faults before the FPU runs (FNSTENV would mask its exceptions). */
static enum emul_status run_ac(const char *hex, uint64_t off)
{
	setup(hex);
	E.cpu.cr0 |= 1ull << 18;                /* AM */
	E.cpu.rflags |= 1ull << 18;             /* AC */
	E.cpu.gpr[EMUL_RBX] = DEV + off;
	return run();
}

#define assert_ac(st) do {                                               \
		assert_int_equal((st), EMUL_EXCEPTION);                  \
		assert_int_equal(E.res.event.vector, 17);                \
		assert_int_equal(E.res.event.error_code, 0);             \
		assert_int_equal(E.calls, 0);                            \
		assert_int_equal(E.fm.nlog, 0);                          \
	} while (0)

static void test_alignment_check(void **state)
{
	(void)state;
	assert_int_equal(run_ac("d9 33", 0x104), EMUL_DONE);   /* fnstenv */
	assert_pieces_at(EMUL_MMIO_WRITE, 0x104, 4, 4);
	assert_ac(run_ac("d9 33", 0x102));
	assert_int_equal(run_ac("66 d9 33", 0x102), EMUL_DONE);
	assert_ac(run_ac("66 d9 33", 0x101));
	assert_int_equal(run_ac("dd 33", 0x10c), EMUL_DONE);   /* fnsave */
	assert_ac(run_ac("dd 33", 0x10e));
	assert_int_equal(run_ac("dd 23", 0x104), EMUL_DONE);   /* frstor */
	assert_ac(run_ac("dd 23", 0x106));
	assert_int_equal(run_ac("d9 23", 0x104), EMUL_DONE);   /* fldenv */
	assert_ac(run_ac("db 2b", 0x104));                      /* fld m80 */
	assert_int_equal(run_ac("db 2b", 0x108), EMUL_DONE);
	assert_ac(run_ac("db 3b", 0x104));                      /* fstp m80 */
	assert_ac(run_ac("d9 03", 0x102));                      /* fld m32 */
	assert_int_equal(run_ac("d9 03", 0x104), EMUL_DONE);
	assert_ac(run_ac("dd 1b", 0x104));                      /* fstp m64 */
	assert_ac(run_ac("df 3b", 0x10c));                      /* fistp m64 */
	assert_ac(run_ac("d9 3b", 0x101));                      /* fnstcw */
	assert_int_equal(run_ac("d9 3b", 0x102), EMUL_DONE);
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
		cmocka_unit_test(test_register_form_map),
		cmocka_unit_test(test_fcmov_reads_flags),
		cmocka_unit_test(test_fcomi_writes_flags),
		cmocka_unit_test(test_fnstsw_ax),
		cmocka_unit_test(test_pointers_in_protected_mode),
		cmocka_unit_test(test_real_mode_and_unsupported),
		cmocka_unit_test(test_real_mode_fnstenv),
		cmocka_unit_test(test_real_mode_fldenv),
		cmocka_unit_test(test_real_mode_state_images),
		cmocka_unit_test(test_vm86_images),
		cmocka_unit_test(test_real_mode_pointers_by_vendor),
		cmocka_unit_test(test_fwait),
		cmocka_unit_test(test_mxcsr),
		cmocka_unit_test(test_fxsave_fxrstor),
		cmocka_unit_test(test_fxsave32),
		cmocka_unit_test(test_alignment_check),
		cmocka_unit_test(test_fxsr_without_osfxsr),
		cmocka_unit_test(test_fxsr_real_mode),
		cmocka_unit_test(test_fast_fxsr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
