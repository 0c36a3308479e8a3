/*
 * test_exec.c - execution unit tables for what the host CPU cannot check
 * natively in the differential tests: real mode and 16/32-bit protected
 * mode (segment bases, limits, types, #GP/#SS choice), near branches,
 * instruction fetch across pages and the CS limit, and the refusal paths
 * (#UD events vs "unsupported").
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

static uint8_t mem[MEM_SIZE];   /* linear 0 .. 256 KiB, all RAM */
static struct fake_mem fm;
static struct emul_ctx ctx;
static struct emul_cpu cpu;
static struct emul_result res;

/* Code at linear 0x1000 (real mode: CS = 0x0100). */
static void setup(enum emul_mode mode, const char *hex)
{
	memset(mem, 0, sizeof(mem));
	unhex(hex, mem + 0x1000);
	fake_init(&fm);
	fake_add(&fm, 0, mem, sizeof(mem), false, 0);
	if (mode == EMUL_MODE_REAL) {
		unsigned i;

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
	emul_init(&ctx, &fake_ops, &fm);
}

static enum emul_status run(void)
{
	return fake_run(&ctx, &cpu, &fm, &res, 1000);
}

static void expect_event(uint8_t vector, bool has_ec)
{
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(res.event.vector, vector);
	assert_int_equal(res.event.has_error_code, has_ec);
	assert_int_equal(res.event.error_code, 0);
}

static void test_real_mode(void **state)
{
	(void)state;
	/* mov ax, [bx+si+4]: DS base 0x1000 */
	setup(EMUL_MODE_REAL, "8b 40 04");
	cpu.gpr[EMUL_RBX] = 0x10;
	cpu.gpr[EMUL_RSI] = 0x20;
	cpu.gpr[EMUL_RAX] = 0xFFFF0000;
	mem[0x1034] = 0x34;
	mem[0x1035] = 0x12;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0xFFFF1234);
	assert_int_equal(cpu.rip, 3);
	/* mov ax, [0xffff]: beyond the 64 KiB limit, #GP without code */
	setup(EMUL_MODE_REAL, "a1 ff ff");
	expect_event(13, false);
	/* push ax with SP = 0 wraps to 0xfffe */
	setup(EMUL_MODE_REAL, "50");
	cpu.gpr[EMUL_RAX] = 0xBEEF;
	cpu.gpr[EMUL_RSP] = 0x12340000;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x1234FFFE);
	assert_int_equal(mem[0x1000 + 0xFFFE], 0xEF);
	/* cs: movsb copies CS:SI to ES:DI (no override of ES) */
	setup(EMUL_MODE_REAL, "2e a4");
	cpu.seg[EMUL_SEG_ES].base = 0x20000;
	cpu.gpr[EMUL_RSI] = 0;
	cpu.gpr[EMUL_RDI] = 0x10;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(mem[0x20010], 0x2E);
	assert_int_equal(cpu.gpr[EMUL_RDI], 0x11);
	/* 16-bit string wrap: DI = 0xffff + 1 -> 0 (upper bits kept) */
	setup(EMUL_MODE_REAL, "aa");
	cpu.gpr[EMUL_RDI] = 0xABCDFFFF;
	cpu.gpr[EMUL_RAX] = 0x77;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RDI], 0xABCD0000);
	assert_int_equal(mem[0x1000 + 0xFFFF], 0x77);
}

static void test_prot_segments(void **state)
{
	(void)state;
	/* write through a read-only data segment: #GP(0) */
	setup(EMUL_MODE_PROT32, "89 18");
	cpu.seg[EMUL_SEG_DS].type = 1;
	cpu.gpr[EMUL_RAX] = 0x100;
	expect_event(13, true);
	/* ebp-based access past the SS limit: #SS(0) */
	setup(EMUL_MODE_PROT32, "8b 45 00");
	cpu.seg[EMUL_SEG_SS].limit = 0xFFF;
	cpu.gpr[EMUL_RBP] = 0xFFE;
	expect_event(12, true);
	/* null (unusable) ES for stosb: #GP(0) */
	setup(EMUL_MODE_PROT32, "aa");
	cpu.seg[EMUL_SEG_ES].unusable = 1;
	expect_event(13, true);
	/* expand-down data segment, limit 0xfff: offsets 0x1000.. valid */
	setup(EMUL_MODE_PROT32, "8b 00");
	cpu.seg[EMUL_SEG_DS].type = 7;
	cpu.seg[EMUL_SEG_DS].limit = 0xFFF;
	cpu.gpr[EMUL_RAX] = 0x800;
	expect_event(13, true);
	setup(EMUL_MODE_PROT32, "8b 00");
	cpu.seg[EMUL_SEG_DS].type = 7;
	cpu.seg[EMUL_SEG_DS].limit = 0xFFF;
	cpu.gpr[EMUL_RAX] = 0x2000;
	mem[0x2000] = 9;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 9);
	/* segment base applies: DS base 0x30000 */
	setup(EMUL_MODE_PROT32, "c6 00 5a");
	cpu.seg[EMUL_SEG_DS].base = 0x30000;
	cpu.gpr[EMUL_RAX] = 0x10;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(mem[0x30010], 0x5A);
	/* execute-only code segment cannot be read through CS: */
	setup(EMUL_MODE_PROT32, "2e 8b 00");
	cpu.seg[EMUL_SEG_CS].type = 8;
	expect_event(13, true);
}

static void test_legacy_forms(void **state)
{
	(void)state;
	/* inc eax / dec ecx (40-4F outside 64-bit mode); CF untouched */
	setup(EMUL_MODE_PROT32, "40 49");
	cpu.gpr[EMUL_RAX] = 0x7FFFFFFF;
	cpu.rflags |= EMUL_FL_CF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x80000000);
	assert_true(cpu.rflags & EMUL_FL_OF);
	assert_true(cpu.rflags & EMUL_FL_CF);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RCX], 0xFFFFFFFF);
	/* 16-bit mode: add word [bx], 1 with a 16-bit address */
	setup(EMUL_MODE_PROT16, "83 07 01");
	cpu.gpr[EMUL_RBX] = 0xFFFF0100;
	mem[0x100] = 0xFF;
	mem[0x101] = 0xFF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(mem[0x100] | mem[0x101] << 8, 0);
	assert_true(cpu.rflags & EMUL_FL_CF);
	assert_true(cpu.rflags & EMUL_FL_ZF);
	assert_int_equal(cpu.rip, 0x1003);
	/* 32-bit mode, 67h: [bx+si] 16-bit addressing */
	setup(EMUL_MODE_PROT32, "67 8b 00");
	cpu.gpr[EMUL_RBX] = 0x12340100;
	cpu.gpr[EMUL_RSI] = 0x56780020;
	mem[0x120] = 0x42;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x42);
	/* push/pop in 16-bit protected mode: SP only */
	setup(EMUL_MODE_PROT16, "50 5b");
	cpu.gpr[EMUL_RSP] = 0xAAAA0200;
	cpu.gpr[EMUL_RAX] = 0x1234;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0xAAAA01FE);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RBX] & 0xFFFF, 0x1234);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0xAAAA0200);
	/* xlat, cbw, cwd, lahf/sahf, flag ops */
	setup(EMUL_MODE_PROT32, "d7 98 99 9f f9 f5 fd fc");
	cpu.gpr[EMUL_RBX] = 0x200;
	cpu.gpr[EMUL_RAX] = 0x5;
	mem[0x205] = 0x80;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x80);
	assert_int_equal(run(), EMUL_DONE);          /* cwde */
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x80);
	assert_int_equal(run(), EMUL_DONE);          /* cdq */
	assert_int_equal(cpu.gpr[EMUL_RDX], 0);
	cpu.gpr_written = 0;
	assert_int_equal(run(), EMUL_DONE);          /* lahf */
	assert_int_equal((cpu.gpr[EMUL_RAX] >> 8) & 0xFF, 0x02);
	assert_int_equal(cpu.gpr_written, 1u << EMUL_RAX);
	assert_int_equal(run(), EMUL_DONE);          /* stc */
	assert_true(cpu.rflags & EMUL_FL_CF);
	assert_int_equal(run(), EMUL_DONE);          /* cmc */
	assert_false(cpu.rflags & EMUL_FL_CF);
	assert_int_equal(run(), EMUL_DONE);          /* std */
	assert_true(cpu.rflags & EMUL_FL_DF);
	assert_int_equal(run(), EMUL_DONE);          /* cld */
	assert_false(cpu.rflags & EMUL_FL_DF);
}

static void test_branches(void **state)
{
	(void)state;
	/* jmp short +2; jz taken; call; ret */
	setup(EMUL_MODE_PROT32, "eb 02 90 90 74 10");
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, 0x1004);
	cpu.rflags |= EMUL_FL_ZF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, 0x1016);
	setup(EMUL_MODE_PROT32, "e8 10 00 00 00");
	cpu.gpr[EMUL_RSP] = 0x3000;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, 0x1015);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x2FFC);
	assert_int_equal(mem[0x2FFC] | mem[0x2FFD] << 8, 0x1005);
	mem[0x1015] = 0xC3;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, 0x1005);
	assert_int_equal(cpu.gpr[EMUL_RSP], 0x3000);
	/* loop: ecx 2 -> 1 taken, 1 -> 0 falls through */
	setup(EMUL_MODE_PROT32, "e2 fe");
	cpu.gpr[EMUL_RCX] = 2;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, 0x1000);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, 0x1002);
	/* jump beyond the CS limit: #GP(0) */
	setup(EMUL_MODE_PROT32, "e9 00 00 01 00");
	cpu.seg[EMUL_SEG_CS].limit = 0xFFFF;
	expect_event(13, true);
	/* 16-bit: IP wraps within 64 KiB */
	setup(EMUL_MODE_REAL, "e9 fd ef");
	cpu.rip = 0x1000;
	memcpy(mem + 0x2000, "\xe9\xfd\xef", 3);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, 0x0000);
	/* 64-bit: jmp [rax], and a non-canonical target */
	setup(EMUL_MODE_LONG64, "ff 20");
	cpu.gpr[EMUL_RAX] = 0x2000;
	memcpy(mem + 0x2000, "\x00\x30\x00\x00\x00\x00\x00\x00", 8);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, 0x3000);
	setup(EMUL_MODE_LONG64, "ff 20");
	cpu.gpr[EMUL_RAX] = 0x2000;
	memcpy(mem + 0x2000, "\x00\x00\x00\x00\x00\x80\x00\x00", 8);
	expect_event(13, true);
}

/* VEX and EVEX (exec_vex.c): without CR4.OSXSAVE every SIMD form is #UD;
 * the BMI1/BMI2 general-purpose forms are #UD without their CPUID bit or
 * with VEX.L = 1, and run with it (exec_bmi.c; test_diff's bmi family
 * compares them with the host CPU). */
static void put32(uint64_t at, uint32_t v)
{
	memcpy(mem + at, &v, sizeof(v));
}

static void test_vex(void **state)
{
	(void)state;
	setup(EMUL_MODE_LONG64, "c5 f8 10 00");        /* vmovups */
	expect_event(6, false);
	setup(EMUL_MODE_PROT32, "c5 f8 10 c0");        /* vmovups, 32-bit */
	expect_event(6, false);
	setup(EMUL_MODE_LONG64, "62 f1 7c 48 10 00");  /* EVEX vmovups zmm */
	cpu.features = EMUL_FEAT_BMI1 | EMUL_FEAT_BMI2;
	expect_event(6, false);
	/* ANDN eax, ecx, [rax]: BMI1; #UD without it or with VEX.L */
	setup(EMUL_MODE_LONG64, "c4 e2 70 f2 00");
	expect_event(6, false);
	setup(EMUL_MODE_LONG64, "c4 e2 70 f2 00");
	cpu.features = EMUL_FEAT_BMI2;
	expect_event(6, false);
	setup(EMUL_MODE_LONG64, "c4 e2 74 f2 00");     /* VEX.L = 1 */
	cpu.features = EMUL_FEAT_BMI1;
	expect_event(6, false);
	setup(EMUL_MODE_LONG64, "c4 e2 70 f2 00");
	cpu.features = EMUL_FEAT_BMI1;
	cpu.gpr[EMUL_RAX] = 0x2000;
	cpu.gpr[EMUL_RCX] = 0xFF00FF00;
	cpu.rflags = 0x2 | EMUL_FL_CF | EMUL_FL_OF | EMUL_FL_AF;
	put32(0x2000, 0xF0F0F0F0);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x00F000F0);
	assert_int_equal(cpu.rflags, 0x2 | EMUL_FL_PF);
	assert_int_equal(cpu.rip, 0x1005);
	/* 0F38 F3 /0 is no BMI form; /3 is BLSI ecx, eax (CF: source != 0) */
	setup(EMUL_MODE_LONG64, "c4 e2 70 f3 c0");
	cpu.features = EMUL_FEAT_BMI1;
	expect_event(6, false);
	setup(EMUL_MODE_LONG64, "c4 e2 70 f3 d8");
	cpu.features = EMUL_FEAT_BMI1;
	cpu.gpr[EMUL_RAX] = 0x30;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RCX], 0x10);
	assert_int_equal(cpu.rflags & 0x8D5, EMUL_FL_CF);
	/* 0F38 F7: BEXTR (no prefix) is BMI1, SHLX (66) BMI2 */
	setup(EMUL_MODE_LONG64, "c4 e2 71 f7 00");     /* shlx eax, [rax], ecx */
	cpu.features = EMUL_FEAT_BMI1;
	expect_event(6, false);
	setup(EMUL_MODE_LONG64, "c4 e2 71 f7 00");
	cpu.features = EMUL_FEAT_BMI2;
	cpu.gpr[EMUL_RAX] = 0x2000;
	cpu.gpr[EMUL_RCX] = 36;                         /* count mod 32: 4 */
	put32(0x2000, 0x81234567);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x12345670);
	setup(EMUL_MODE_LONG64, "c4 e2 70 f7 00");     /* bextr */
	cpu.features = EMUL_FEAT_BMI2;
	expect_event(6, false);
	/* BEXTR eax, [rax], ecx: 8 bits from bit 4; AF set, SF clear (AMD) */
	setup(EMUL_MODE_LONG64, "c4 e2 70 f7 00");
	cpu.features = EMUL_FEAT_BMI1;
	cpu.gpr[EMUL_RAX] = 0x2000;
	cpu.gpr[EMUL_RCX] = 0x0804;
	put32(0x2000, 0x00000AB0);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0xAB);
	assert_int_equal(cpu.rflags & 0x8D5, EMUL_FL_AF);
	/* RORX eax, [rax], 4 is VEX.F2.0F3A F0 ib; with 66 it is no form */
	setup(EMUL_MODE_LONG64, "c4 e3 7b f0 00 04");
	cpu.features = EMUL_FEAT_BMI2;
	cpu.gpr[EMUL_RAX] = 0x2000;
	put32(0x2000, 0x12345678);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x81234567);
	assert_int_equal(cpu.rip, 0x1006);
	setup(EMUL_MODE_LONG64, "c4 e3 79 f0 00 05");
	cpu.features = EMUL_FEAT_BMI2;
	expect_event(6, false);
	/* RORX with VEX.vvvv other than 1111b: #UD */
	setup(EMUL_MODE_LONG64, "c4 e3 73 f0 00 05");
	cpu.features = EMUL_FEAT_BMI2;
	expect_event(6, false);
	/* VEX.R and VEX.B reach ModRM: ANDN r9d, ecx, r8d */
	setup(EMUL_MODE_LONG64, "c4 42 70 f2 c8");
	cpu.features = EMUL_FEAT_BMI1;
	cpu.gpr[8] = 0xFF;
	cpu.gpr[EMUL_RCX] = 0x0F;
	cpu.gpr[9] = ~0ull;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[9], 0xF0);
}

static void test_refusals(void **state)
{
	(void)state;
	setup(EMUL_MODE_LONG64, "f0 01 c0");           /* LOCK on a reg */
	expect_event(6, false);
	setup(EMUL_MODE_LONG64, "0f 0b");              /* UD2 */
	expect_event(6, false);
	setup(EMUL_MODE_LONG64, "0f a2");              /* CPUID */
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(res.reason, EMUL_R_OPCODE);
	setup(EMUL_MODE_LONG64, "c5 f8 10 00");        /* vmovups */
	cpu.cr4 |= 1ull << 18;                          /* CR4.OSXSAVE */
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(res.reason, EMUL_R_VEX);
	setup(EMUL_MODE_PROT32, "8e d8");              /* mov ds, ax */
	cpu.gpr[EMUL_RAX] = 0x10;       /* a descriptor, and no get_dtable */
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	setup(EMUL_MODE_PROT32, "0f 31");              /* rdtsc */
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	setup(EMUL_MODE_PROT16, "a4");  /* VM86 at CPL 0: inconsistent */
	cpu.mode = EMUL_MODE_VM86;
	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(res.reason, EMUL_R_MODE);
	/* 16 bytes: #GP(0) */
	setup(EMUL_MODE_LONG64,
	      "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90");
	expect_event(13, true);
	/* div by zero: #DE, nothing changed */
	setup(EMUL_MODE_LONG64, "f7 f1");
	cpu.gpr[EMUL_RAX] = 5;
	expect_event(0, false);
	assert_int_equal(cpu.gpr[EMUL_RAX], 5);
	assert_int_equal(cpu.rip, 0x1000);
}

static void test_fetch(void **state)
{
	(void)state;
	/* nop as the last byte of mapped memory: fine */
	setup(EMUL_MODE_LONG64, "");
	mem[MEM_SIZE - 1] = 0x90;
	cpu.rip = MEM_SIZE - 1;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, MEM_SIZE);
	/* a 2-byte instruction there: #PF on the next page, I/D and U set */
	setup(EMUL_MODE_LONG64, "");
	mem[MEM_SIZE - 1] = 0x8B;
	cpu.rip = MEM_SIZE - 1;
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(res.event.vector, 14);
	assert_int_equal(res.event.error_code, 0x14);
	assert_int_equal(res.event.cr2, MEM_SIZE);
	/* an instruction crossing the CS limit: #GP(0) */
	setup(EMUL_MODE_PROT32, "");
	cpu.seg[EMUL_SEG_CS].limit = 0x1FFF;
	cpu.rip = 0x1FFF;
	mem[0x1FFF] = 0x8B;
	expect_event(13, true);
	/* TF set: the caller is told a single-step trap is due */
	setup(EMUL_MODE_LONG64, "90");
	cpu.rflags |= EMUL_FL_TF;
	assert_int_equal(run(), EMUL_DONE);
	assert_true(res.tf_trap);
}

/* The context keeps the last decoding for the same bytes in the same mode;
 * different bytes at the same RIP, or another mode, are decoded afresh. */
static void test_decode_reuse(void **state)
{
	(void)state;
	setup(EMUL_MODE_LONG64, "8b 04 25 00 20 00 00");  /* mov eax,[0x2000] */
	mem[0x2000] = 0x11;
	mem[0x2004] = 0x22;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x11);
	cpu.rip = 0x1000;                       /* same bytes again */
	mem[0x2000] = 0x33;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x33);
	cpu.rip = 0x1000;                       /* the guest rewrote the disp */
	mem[0x1003] = 0x04;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x22);
	assert_int_equal(cpu.rip, 0x1007);
	cpu.rip = 0x1000;                       /* and the opcode: mov al */
	mem[0x1000] = 0x8a;
	cpu.gpr[EMUL_RAX] = 0xAAAA;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0xAA22);
	/* the last byte of a short and of a long instruction changes */
	setup(EMUL_MODE_LONG64, "8b 43 04");     /* mov eax,[rbx+4] */
	cpu.gpr[EMUL_RBX] = 0x2000;
	mem[0x2004] = 0x44;
	mem[0x2008] = 0x88;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x44);
	cpu.rip = 0x1000;
	mem[0x1002] = 0x08;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.gpr[EMUL_RAX], 0x88);
	setup(EMUL_MODE_LONG64, "c7 04 25 00 20 00 00 01 02 03 04");
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(mem[0x2003], 0x04);
	cpu.rip = 0x1000;
	mem[0x100a] = 0x05;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(mem[0x2003], 0x05);
	setup(EMUL_MODE_LONG64, "8b 04 25 00 20 00 00");
	mem[0x1000] = 0x8a;
	mem[0x2000] = 0x22;
	mem[0x2004] = 0x22;
	assert_int_equal(run(), EMUL_DONE);
	/* the same bytes in 32-bit mode: no SIB base, 8a 04 25 = [ebp*1...]
	 * is mov al,[disp32] there too, but the address size differs */
	fake_cpu_prot(&cpu, true);
	cpu.rip = 0x1000;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(ctx.insn.mode, EMUL_MODE_PROT32);
	assert_int_equal(ctx.insn.addrsize, 4);
	/* 16-bit mode: 8a 04 is mov al,[si]; the length changes */
	fake_cpu_prot(&cpu, false);
	cpu.rip = 0x1000;
	cpu.gpr[EMUL_RSI] = 0x2004;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(cpu.rip, 0x1002);
	assert_int_equal(cpu.gpr[EMUL_RAX] & 0xFF, 0x22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_mode),
		cmocka_unit_test(test_prot_segments),
		cmocka_unit_test(test_legacy_forms),
		cmocka_unit_test(test_branches),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_vex),
		cmocka_unit_test(test_fetch),
		cmocka_unit_test(test_decode_reuse),
	};

	return cmocka_run_group_tests_name("emul-exec", tests, NULL, NULL);
}
