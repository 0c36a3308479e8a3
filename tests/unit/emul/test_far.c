/*
 * test_far.c - far JMP/CALL, RETF and IRET: real mode, protected and
 * IA-32e mode at the same privilege level, returns to an outer level
 * (new SS:rSP, data segments made null), call gates (same level, and
 * CALL to an inner level with the TSS stack switch and parameter copy),
 * every check of SDM Vol. 2 JMP/CALL/RET/IRET with its fault and error
 * code, the flags IRET may load, IRET into virtual-8086 mode, JMP and
 * CALL to a TSS or task gate (checked, then handed over) and the refusal
 * of a task return.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "desc_env.h"

#define C env.cpu

/* jmp far [eax] with the pointer in the MMIO page (m16:32). */
static void jmp_mmio(unsigned cpl, uint16_t sel, uint32_t off)
{
	env_setup(EMUL_MODE_PROT32, cpl, "ff 28");
	C.gpr[EMUL_RAX] = ENV_MMIO;
	env_wr(ENV_MMIO, off, 4);
	env_wr(ENV_MMIO + 4, sel, 2);
}

static void test_jmp_far(void **state)
{
	(void)state;
	jmp_mmio(0, 0x38, 0x1234);
	env_set_gdt(7, env_desc(0x10000, 0xFFFF, 0xA, 1, 0, 1, 0));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.fm.nlog, 2);
	assert_int_equal(C.rip, 0x1234);
	assert_int_equal(C.seg[EMUL_SEG_CS].sel, 0x38);
	assert_int_equal(C.seg[EMUL_SEG_CS].base, 0x10000);
	assert_int_equal(C.seg[EMUL_SEG_CS].type, 0xB);
	assert_int_equal(C.seg_written, 1u << EMUL_SEG_CS);
	assert_int_equal(C.mode, EMUL_MODE_PROT16);          /* D = 0 */
	assert_int_equal((env_get_gdt(7) >> 40) & 0xFF, 0x9B);
	/* direct, 16-bit operand size: jmp 0x38:0x5678 */
	env_setup(EMUL_MODE_PROT16, 0, "ea 78 56 38 00");
	env_set_gdt(7, env_desc(0, 0xFFFFF, 0xB, 1, 0, 1, 0xC));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x5678);
	assert_int_equal(C.mode, EMUL_MODE_PROT32);
	/* conforming DPL 0 from CPL 3: CPL stays 3, RPL forced to 3 */
	jmp_mmio(3, 0x38, 0x100);
	env_set_gdt(7, env_desc(0, 0xFFFFF, 0xE, 1, 0, 1, 0xC));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_CS].sel, 0x3B);
	assert_int_equal(C.cpl, 3);
}

static void test_jmp_far_checks(void **state)
{
	static const struct {
		unsigned cpl;
		uint16_t sel;
		unsigned type, s, dpl, p, flags;
		uint32_t off;
		uint8_t vector;
		uint16_t ec;
	} cases[] = {
		{ 0, 0x0000, 0xA, 1, 0, 1, 0, 0, 13, 0 },       /* null */
		{ 0, 0x0100, 0xA, 1, 0, 1, 0, 0, 13, 0x100 },   /* limit */
		{ 0, 0x0038, 0x2, 1, 0, 1, 0, 0, 13, 0x38 },    /* data */
		{ 0, 0x0038, 0x2, 0, 0, 1, 0, 0, 13, 0x38 },    /* LDT */
		{ 0, 0x0038, 0xB, 0, 0, 1, 0, 0, 13, 0x38 },    /* busy TSS */
		{ 3, 0x003B, 0xA, 1, 0, 1, 0, 0, 13, 0x38 },    /* DPL != CPL */
		{ 0, 0x0038, 0xA, 1, 3, 1, 0, 0, 13, 0x38 },
		{ 0, 0x003B, 0xA, 1, 0, 1, 0, 0, 13, 0x38 },    /* RPL > CPL */
		{ 0, 0x003B, 0xE, 1, 0, 1, 0, 0, 0, 0 },        /* conforming */
		{ 0, 0x0038, 0xE, 1, 3, 1, 0, 0, 13, 0x38 },    /* DPL > CPL */
		{ 0, 0x0038, 0xA, 1, 0, 0, 0, 0, 11, 0x38 },    /* #NP */
		{ 0, 0x0038, 0xA, 1, 0, 1, 0, 0x10000, 13, 0 }, /* past limit */
		{ 0, 0x0038, 0xA, 1, 0, 1, 0, 0xFFFF, 0, 0 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		jmp_mmio(cases[i].cpl, cases[i].sel, cases[i].off);
		env_set_gdt(7, env_desc(0, 0xFFFF, cases[i].type, cases[i].s,
					cases[i].dpl, cases[i].p,
					cases[i].flags));
		if (!cases[i].vector) {
			assert_int_equal(env_run(), EMUL_DONE);
			assert_int_equal(C.rip, cases[i].off);
			continue;
		}
		env_expect_fault(cases[i].vector, cases[i].ec);
		assert_int_equal(C.seg[EMUL_SEG_CS].sel, 0x08 | cases[i].cpl |
				 (cases[i].cpl ? 0x10 : 0));
	}
}

/* JMP and CALL to a TSS or task gate: the checks before a task switch
 * (SDM Vol. 2 JMP, CALL: "TASK-GATE", "TASK-STATE-SEGMENT"), then the
 * switch is handed over (EMUL_R_TASK_SWITCH) with nothing changed. */
static void test_jmp_far_refused(void **state)
{
	static const struct {
		unsigned cpl, type, dpl, p;
		uint16_t sel;
		bool call;
		uint8_t vector;         /* 0: handed over */
		uint16_t tss;           /* the TSS handed over */
	} cases[] = {
		{ 0, 0x9, 0, 1, 0x38, false, 0, 0x38 },         /* 32-bit TSS */
		{ 0, 0x1, 0, 1, 0x38, true, 0, 0x38 },          /* 16-bit TSS */
		{ 0, 0x5, 0, 1, 0x38, false, 0, 0x08 },         /* task gate: its TSS */
		{ 3, 0x5, 3, 1, 0x3b, true, 0, 0x08 },
		{ 3, 0x9, 0, 1, 0x3b, false, 13, 0x38 },        /* DPL < CPL */
		{ 0, 0x9, 0, 1, 0x3b, false, 13, 0x38 },        /* DPL < RPL */
		{ 3, 0x5, 2, 1, 0x3b, true, 13, 0x38 },
		{ 0, 0x9, 0, 0, 0x38, false, 11, 0x38 },        /* not present */
		{ 0, 0x5, 0, 0, 0x38, true, 11, 0x38 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].call) {
			env_setup(EMUL_MODE_PROT32, cases[i].cpl, "ff 18");
			C.gpr[EMUL_RAX] = ENV_MMIO;
			env_wr(ENV_MMIO, 0, 4);
			env_wr(ENV_MMIO + 4, cases[i].sel, 2);
		} else {
			jmp_mmio(cases[i].cpl, cases[i].sel, 0);
		}
		uint64_t d = env_gate(0x08, 0x1000, cases[i].type, cases[i].dpl, 0);
		if (!cases[i].p)
			d &= ~(1ull << 47);
		env_set_gdt(7, d);
		uint64_t sp = C.gpr[EMUL_RSP];
		if (cases[i].vector) {
			env_expect_fault(cases[i].vector, cases[i].tss);
			continue;
		}
		assert_int_equal(env_run(), EMUL_UNSUPPORTED);
		assert_int_equal(env.res.reason, EMUL_R_TASK_SWITCH);
		assert_int_equal(env.res.task_gate.tss_sel, cases[i].tss);
		assert_int_equal(env.res.task_gate.source,
				 cases[i].call ? EMUL_TASK_CALL : EMUL_TASK_JMP);
		assert_int_equal(env.res.task_gate.insn_len, 2);
		assert_int_equal(C.rip, ENV_CODE);
		assert_int_equal(C.gpr[EMUL_RSP], sp);
		assert_int_equal(C.seg_written, 0);
	}
	/* in IA-32e mode only the 64-bit call gate is a gate; a 32-bit TSS
	 * or a 16-bit call gate type there is #GP */
	env_setup(EMUL_MODE_LONG64, 0, "ff 28");
	C.gpr[EMUL_RAX] = ENV_DATA;
	env_wr(ENV_DATA + 4, 0x38, 2);
	env_set_gdt(7, env_gate(0x08, 0x1000, 0x9, 0, 0));
	env_expect_fault(13, 0x38);
	env_setup(EMUL_MODE_LONG64, 0, "ff 28");
	C.gpr[EMUL_RAX] = ENV_DATA;
	env_wr(ENV_DATA + 4, 0x38, 2);
	env_set_gdt(7, env_gate(0x08, 0x1000, 0x4, 0, 0));
	env_expect_fault(13, 0x38);
}

/* IA-32e: to compatibility mode and back, L = D = 1 rejected, REX.W
 * reads m16:64 on Intel and m16:32 on AMD. */
static void test_jmp_far_ia32e(void **state)
{
	(void)state;
	env_setup(EMUL_MODE_LONG64, 0, "ff 28");
	C.gpr[EMUL_RAX] = ENV_DATA;
	env_wr(ENV_DATA, 0x9000, 4);
	env_wr(ENV_DATA + 4, 0x08, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.mode, EMUL_MODE_PROT32);
	assert_int_equal(C.rip, 0x9000);
	/* compatibility mode to 64-bit code: the target is not limit
	 * checked but must be canonical */
	env_setup(EMUL_MODE_LONG64, 0, "48 ff 28");
	C.mode = EMUL_MODE_PROT32;
	C.seg[EMUL_SEG_CS] = C.seg[EMUL_SEG_DS];
	C.seg[EMUL_SEG_CS].type = 0xB;
	C.seg[EMUL_SEG_CS].sel = 0x08;
	env_setup(EMUL_MODE_LONG64, 0, "48 ff 28");
	C.gpr[EMUL_RAX] = ENV_DATA;
	env_wr(ENV_DATA, 0x123456789ABCull, 8);
	env_wr(ENV_DATA + 8, 0x28, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x123456789ABCull);
	assert_int_equal(C.mode, EMUL_MODE_LONG64);
	env_setup(EMUL_MODE_LONG64, 0, "48 ff 28");
	C.gpr[EMUL_RAX] = ENV_DATA;
	env_wr(ENV_DATA, 0x0008000000000000ull, 8);
	env_wr(ENV_DATA + 8, 0x28, 2);
	env_expect_fault(13, 0);
	/* AMD: REX.W ignored, the selector follows a 4-byte offset */
	env_setup(EMUL_MODE_LONG64, 0, "48 ff 28");
	C.vendor = EMUL_VENDOR_AMD;
	C.gpr[EMUL_RAX] = ENV_DATA;
	env_wr(ENV_DATA, 0x9000, 4);
	env_wr(ENV_DATA + 4, 0x28, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x9000);
	assert_int_equal(C.seg[EMUL_SEG_CS].sel, 0x28);
	/* L = 1 and D = 1 */
	env_setup(EMUL_MODE_LONG64, 0, "ff 28");
	C.gpr[EMUL_RAX] = ENV_DATA;
	env_wr(ENV_DATA + 4, 0x38, 2);
	env_set_gdt(7, env_desc(0, 0xFFFFF, 0xB, 1, 0, 1, 0xE));
	env_expect_fault(13, 0x38);
}

static void test_call_far(void **state)
{
	(void)state;
	/* call 0x38:0x2000 (32-bit): CS then EIP pushed */
	env_setup(EMUL_MODE_PROT32, 0, "9a 00 20 00 00 38 00");
	env_set_gdt(7, env_desc(0, 0xFFFFF, 0xB, 1, 0, 1, 0xC));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x2000);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK - 8);
	assert_int_equal(env_rd(ENV_STACK - 4, 4), 0x08);
	assert_int_equal(env_rd(ENV_STACK - 8, 4), ENV_CODE + 7);
	assert_int_equal(C.seg[EMUL_SEG_CS].sel, 0x38);
	/* call far [eax] onto an MMIO stack, 16-bit: two write requests */
	env_setup(EMUL_MODE_PROT32, 0, "66 ff 18");
	C.gpr[EMUL_RAX] = ENV_DATA;
	C.gpr[EMUL_RSP] = ENV_MMIO + 0x10;
	env_wr(ENV_DATA, 0x4444, 2);
	env_wr(ENV_DATA + 2, 0x08, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.fm.nlog, 2);
	assert_int_equal(env.fm.log[0].status, EMUL_MMIO_WRITE);
	assert_int_equal(env.fm.log[0].addr, ENV_MMIO + 0xE);
	assert_int_equal(env.fm.log[0].data, 0x08);
	assert_int_equal(env.fm.log[1].addr, ENV_MMIO + 0xC);
	assert_int_equal(env.fm.log[1].data, ENV_CODE + 3);
	assert_int_equal(C.rip, 0x4444);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_MMIO + 0xC);
	/* a stack that holds only one of the two slots: #SS(0), nothing
	 * written */
	env_setup(EMUL_MODE_PROT32, 0, "9a 00 20 00 00 08 00");
	C.seg[EMUL_SEG_SS].limit = ENV_STACK - 5;
	env_expect_fault(12, 0);
	assert_int_equal(env_rd(ENV_STACK - 4, 4), 0);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK);
	/* #NP target: nothing pushed */
	env_setup(EMUL_MODE_PROT32, 0, "9a 00 20 00 00 38 00");
	env_set_gdt(7, env_desc(0, 0xFFFFF, 0xB, 1, 0, 0, 0xC));
	env_expect_fault(11, 0x38);
	assert_int_equal(env_rd(ENV_STACK - 4, 4), 0);
	/* 64-bit, REX.W: 8-byte slots */
	env_setup(EMUL_MODE_LONG64, 0, "48 ff 18");
	C.gpr[EMUL_RAX] = ENV_DATA;
	env_wr(ENV_DATA, 0x9000, 8);
	env_wr(ENV_DATA + 8, 0x28, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK - 16);
	assert_int_equal(env_rd(ENV_STACK - 8, 8), 0x28);
	assert_int_equal(env_rd(ENV_STACK - 16, 8), ENV_CODE + 3);
}

static void test_real_mode(void **state)
{
	(void)state;
	/* jmp 0x1234:0x0010 */
	env_setup(EMUL_MODE_REAL, 0, "ea 10 00 34 12");
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x10);
	assert_int_equal(C.seg[EMUL_SEG_CS].sel, 0x1234);
	assert_int_equal(C.seg[EMUL_SEG_CS].base, 0x12340);
	assert_int_equal(C.mode, EMUL_MODE_REAL);
	assert_int_equal(env.sys_reads, 0);
	/* 32-bit offset past the 64 KiB limit */
	env_setup(EMUL_MODE_REAL, 0, "66 ea 00 00 01 00 34 12");
	assert_int_equal(env_run(), EMUL_EXCEPTION);
	assert_int_equal(env.res.event.vector, 13);
	assert_int_equal(env.res.event.has_error_code, 0);
	assert_int_equal(C.seg_written, 0);
	/* call far [bx] from MMIO */
	env_setup(EMUL_MODE_REAL, 0, "ff 1f");
	C.gpr[EMUL_RBX] = ENV_MMIO;
	env_wr(ENV_MMIO, 0x20001000, 4);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x1000);
	assert_int_equal(C.seg[EMUL_SEG_CS].base, 0x20000);
	assert_int_equal(env_rd(ENV_STACK - 2, 2), 0);
	assert_int_equal(env_rd(ENV_STACK - 4, 2), ENV_CODE + 2);
	/* retf 4 */
	env_setup(EMUL_MODE_REAL, 0, "ca 04 00");
	env_wr(ENV_STACK, 0x30000123, 4);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x123);
	assert_int_equal(C.seg[EMUL_SEG_CS].base, 0x30000);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK + 8);
	/* iret (16-bit): FLAGS[15:0] */
	env_setup(EMUL_MODE_REAL, 0, "cf");
	C.rflags = 0x40002;     /* AC stays */
	env_wr(ENV_STACK, 0x0100, 2);
	env_wr(ENV_STACK + 2, 0x0200, 2);
	env_wr(ENV_STACK + 4, 0xFFFF, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x100);
	assert_int_equal(C.seg[EMUL_SEG_CS].base, 0x2000);
	assert_int_equal(C.rflags, 0x47FD7);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK + 6);
	/* iretd: VM, VIF, VIP kept from EFLAGS, the rest popped */
	env_setup(EMUL_MODE_REAL, 0, "66 cf");
	C.rflags = 0x2;
	env_wr(ENV_STACK, 0x0100, 4);
	env_wr(ENV_STACK + 4, 0x0200, 4);
	env_wr(ENV_STACK + 8, 0x3FFFFF, 4);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rflags, 0x257FD7);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK + 12);
}

/* retf at the same level, 32-bit, with iw */
static void test_retf_same(void **state)
{
	(void)state;
	env_setup(EMUL_MODE_PROT32, 0, "ca 08 00");
	env_wr(ENV_STACK, 0x3000, 4);
	env_wr(ENV_STACK + 4, 0xFFFF0038, 4);        /* high half ignored */
	env_set_gdt(7, env_desc(0, 0xFFFFF, 0xB, 1, 0, 1, 0xC));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x3000);
	assert_int_equal(C.seg[EMUL_SEG_CS].sel, 0x38);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK + 16);
	assert_int_equal(C.seg_written, 1u << EMUL_SEG_CS);
	/* 64-bit mode, REX.W: 8-byte slots, canonical check */
	env_setup(EMUL_MODE_LONG64, 0, "48 cb");
	env_wr(ENV_STACK, 0xFFFF800000001000ull, 8);
	env_wr(ENV_STACK + 8, 0x28, 8);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0xFFFF800000001000ull);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK + 16);
	env_setup(EMUL_MODE_LONG64, 0, "48 cb");
	env_wr(ENV_STACK, 0x0000800000001000ull, 8);
	env_wr(ENV_STACK + 8, 0x28, 8);
	env_expect_fault(13, 0);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK);
}

static void test_retf_checks(void **state)
{
	static const struct {
		unsigned cpl;
		uint16_t sel;
		unsigned type, s, dpl, p;
		uint8_t vector;
		uint16_t ec;
	} cases[] = {
		{ 0, 0x0000, 0xB, 1, 0, 1, 13, 0 },
		{ 0, 0x0100, 0xB, 1, 0, 1, 13, 0x100 },
		{ 0, 0x0038, 0x3, 1, 0, 1, 13, 0x38 },    /* data */
		{ 0, 0x0038, 0x9, 0, 0, 1, 13, 0x38 },    /* system */
		{ 3, 0x0038, 0xB, 1, 0, 1, 13, 0x38 },    /* RPL < CPL */
		{ 0, 0x0039, 0xF, 1, 2, 1, 13, 0x38 },    /* conf. DPL > RPL */
		{ 0, 0x0039, 0xB, 1, 0, 1, 13, 0x38 },    /* DPL != RPL */
		{ 0, 0x0038, 0xB, 1, 0, 0, 11, 0x38 },    /* #NP */
		{ 0, 0x0038, 0xF, 1, 0, 1, 0, 0 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env_setup(EMUL_MODE_PROT32, cases[i].cpl, "cb");
		env_wr(ENV_STACK, 0x3000, 4);
		env_wr(ENV_STACK + 4, cases[i].sel, 4);
		env_set_gdt(7, env_desc(0, 0xFFFFF, cases[i].type, cases[i].s,
					cases[i].dpl, cases[i].p, 0xC));
		if (!cases[i].vector) {
			assert_int_equal(env_run(), EMUL_DONE);
			continue;
		}
		env_expect_fault(cases[i].vector, cases[i].ec);
		assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK);
	}
}

/* retf 8 from CPL 0 to CPL 3: SS:ESP from the stack above the iw bytes,
 * iw released on the new stack too, inner data segments made null. */
static void test_retf_outer(void **state)
{
	(void)state;
	env_setup(EMUL_MODE_PROT32, 0, "ca 08 00");
	env_wr(ENV_STACK, 0x3000, 4);
	env_wr(ENV_STACK + 4, 0x1B, 4);
	env_wr(ENV_STACK + 16, 0x6000, 4);
	env_wr(ENV_STACK + 20, 0x23, 4);
	C.seg[EMUL_SEG_FS].sel = 0x23;               /* DPL 3: stays */
	C.seg[EMUL_SEG_FS].dpl = 3;
	C.seg[EMUL_SEG_GS].type = 0xF;               /* conforming: stays */
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x3000);
	assert_int_equal(C.cpl, 3);
	assert_int_equal(C.seg[EMUL_SEG_CS].sel, 0x1B);
	assert_int_equal(C.seg[EMUL_SEG_SS].sel, 0x23);
	assert_int_equal(C.seg[EMUL_SEG_SS].dpl, 3);
	assert_int_equal(C.gpr[EMUL_RSP], 0x6008);
	assert_int_equal(C.seg[EMUL_SEG_DS].sel, 0);
	assert_int_equal(C.seg[EMUL_SEG_DS].unusable, 1);
	assert_int_equal(C.seg[EMUL_SEG_ES].unusable, 1);
	assert_int_equal(C.seg[EMUL_SEG_FS].sel, 0x23);
	assert_int_equal(C.seg[EMUL_SEG_FS].unusable, 0);
	assert_int_equal(C.seg[EMUL_SEG_GS].unusable, 0);
	assert_int_equal(C.seg_written, (1u << EMUL_SEG_CS) |
			 (1u << EMUL_SEG_SS) | (1u << EMUL_SEG_DS) |
			 (1u << EMUL_SEG_ES));
	/* the SS checks */
	static const struct {
		uint16_t ss;
		unsigned type, dpl, p;
		uint8_t vector;
		uint16_t ec;
	} cases[] = {
		{ 0x0000, 0x3, 3, 1, 13, 0 },         /* null */
		{ 0x0038, 0x3, 3, 1, 13, 0x38 },      /* RPL != CS.RPL */
		{ 0x003B, 0x1, 3, 1, 13, 0x38 },      /* read-only */
		{ 0x003B, 0xB, 3, 1, 13, 0x38 },      /* code */
		{ 0x003B, 0x3, 0, 1, 13, 0x38 },      /* DPL */
		{ 0x003B, 0x3, 3, 0, 12, 0x38 },      /* #SS */
		{ 0x013B, 0x3, 3, 1, 13, 0x138 },     /* limit */
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env_setup(EMUL_MODE_PROT32, 0, "cb");
		env_wr(ENV_STACK, 0x3000, 4);
		env_wr(ENV_STACK + 4, 0x1B, 4);
		env_wr(ENV_STACK + 8, 0x6000, 4);
		env_wr(ENV_STACK + 12, cases[i].ss, 4);
		env_set_gdt(7, env_desc(0, 0xFFFFF, cases[i].type, 1,
					cases[i].dpl, cases[i].p, 0xC));
		env_expect_fault(cases[i].vector, cases[i].ec);
		assert_int_equal(C.cpl, 0);
		assert_int_equal(C.seg[EMUL_SEG_DS].unusable, 0);
	}
}

static void test_iret_same(void **state)
{
	(void)state;
	/* CPL 0, 32-bit: IOPL, IF, VIF/VIP, AC, RF, ID popped; RF kept */
	env_setup(EMUL_MODE_PROT32, 0, "cf");
	env_wr(ENV_STACK, 0x3000, 4);
	env_wr(ENV_STACK + 4, 0x08, 4);
	env_wr(ENV_STACK + 8, 0x3D3FD5, 4);          /* all but NT, VM */
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x3000);
	assert_int_equal(C.rflags, 0x3D3FD7);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK + 12);
	/* CPL 3, IOPL 0: IF and IOPL are not loaded; VIF/VIP neither */
	env_setup(EMUL_MODE_PROT32, 3, "cf");
	C.rflags = 0x2;
	env_wr(ENV_STACK, 0x3000, 4);
	env_wr(ENV_STACK + 4, 0x1B, 4);
	env_wr(ENV_STACK + 8, 0x1B3FD5, 4);
	assert_int_equal(env_run(), EMUL_DONE);
	/* not IF, IOPL, VIF, VIP, VM; bit 1 set */
	assert_int_equal(C.rflags, 0x10DD7);
	/* 16-bit operand size */
	env_setup(EMUL_MODE_PROT16, 0, "cf");
	C.rflags = 0x40002;
	env_wr(ENV_STACK, 0x3000, 2);
	env_wr(ENV_STACK + 2, 0x08, 2);
	env_wr(ENV_STACK + 4, 0x0001, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rflags, 0x40003);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK + 6);
	/* NT = 1: a task return to the current TSS's back link, handed
	 * over with nothing changed (the stack is not popped) */
	env_setup(EMUL_MODE_PROT32, 0, "cf");
	C.rflags = 0x4002;
	env_wr(ENV_TSS, 0x0070, 2);
	assert_int_equal(env_run(), EMUL_UNSUPPORTED);
	assert_int_equal(env.res.reason, EMUL_R_TASK_SWITCH);
	assert_int_equal(env.res.task_gate.source, EMUL_TASK_IRET);
	assert_int_equal(env.res.task_gate.tss_sel, 0x70);
	assert_int_equal(env.res.task_gate.insn_len, 1);
	assert_int_equal(C.rip, ENV_CODE);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK);
	assert_int_equal(C.seg_written, 0);
	/* ... also at CPL 3: the read is a supervisor one */
	env_setup(EMUL_MODE_PROT32, 3, "cf");
	C.rflags = 0x4002;
	env_wr(ENV_TSS, 0x0018, 2);
	assert_int_equal(env_run(), EMUL_UNSUPPORTED);
	assert_int_equal(env.res.task_gate.tss_sel, 0x18);
	/* VM = 1 in the image at CPL 0: into VM86 (vm86_enter.c): ESP, SS,
	 * ES, DS, FS, GS popped too; every segment selector * 16 with the
	 * VM86 attributes; EFLAGS as popped (reserved bits dropped); CPL 3 */
	static const uint8_t sregs[] = { EMUL_SEG_CS, EMUL_SEG_SS, EMUL_SEG_ES,
					 EMUL_SEG_DS, EMUL_SEG_FS, EMUL_SEG_GS };
	env_setup(EMUL_MODE_PROT32, 0, "cf");
	env_wr(ENV_STACK, 0x1234, 4);
	env_wr(ENV_STACK + 4, 0xFFFF2000, 4);
	env_wr(ENV_STACK + 8, 0x801F1209, 4);
	env_wr(ENV_STACK + 12, 0xABCD1234, 4);
	for (unsigned i = 1; i < 6; i++)
		env_wr(ENV_STACK + 12 + 4 * i, 0xDEAD0000 | (0x2000 + 0x1000 * i), 4);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x1234);
	assert_int_equal(C.gpr[EMUL_RSP], 0xABCD1234);
	assert_int_equal(C.rflags, 0x1F1203);
	assert_int_equal(C.cpl, 3);
	assert_int_equal(C.mode, EMUL_MODE_VM86);
	assert_int_equal(C.seg_written, 0x3F);
	for (unsigned i = 0; i < 6; i++) {
		const struct emul_seg *s = &C.seg[sregs[i]];

		assert_int_equal(s->sel, 0x2000 + 0x1000 * i);
		assert_int_equal(s->base, (0x2000 + 0x1000 * i) << 4);
		assert_int_equal(s->limit, 0xFFFF);
		assert_int_equal(s->type, 3);
		assert_int_equal(s->dpl, 3);
		assert_true(s->s && s->present && !s->db && !s->g && !s->unusable);
	}
	/* GS's slot past the SS limit: #SS(0), nothing loaded */
	env_setup(EMUL_MODE_PROT32, 0, "cf");
	env_wr(ENV_STACK + 8, 0x20002, 4);
	C.seg[EMUL_SEG_SS].limit = ENV_STACK + 34;
	env_expect_fault(12, 0);
	assert_int_equal(C.seg_written, 0);
	assert_int_equal(C.mode, EMUL_MODE_PROT32);
	/* ... at CPL 3 VM is ignored */
	env_setup(EMUL_MODE_PROT32, 3, "cf");
	env_wr(ENV_STACK, 0x3000, 4);
	env_wr(ENV_STACK + 4, 0x1B, 4);
	env_wr(ENV_STACK + 8, 0x20002, 4);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rflags, 2);
}

/* IRET into VM86 with an EIP beyond the 64 KiB of a virtual-8086 CS
 * (vm86_enter.c), on the stack at ENV_MMIO so that the reads are seen:
 * Intel checks the frame's limits (#SS(0)), then EIP (#GP(0)) before
 * popping ESP..GS; AMD pops them and keeps EIP's low 16 bits. */
static void iret_vm86_setup(uint8_t vendor, uint32_t eip)
{
	env_setup(EMUL_MODE_PROT32, 0, "cf");
	C.vendor = vendor;
	C.gpr[EMUL_RSP] = ENV_MMIO;
	env_wr(ENV_MMIO, eip, 4);
	env_wr(ENV_MMIO + 4, 0x2000, 4);
	env_wr(ENV_MMIO + 8, 0x20202, 4);               /* VM IF */
	env_wr(ENV_MMIO + 12, 0x1234, 4);               /* ESP */
	for (unsigned i = 1; i < 6; i++)                /* SS ES DS FS GS */
		env_wr(ENV_MMIO + 12 + 4 * i, 0x3000 + i, 4);
}

static void test_iret_vm86_eip(void **state)
{
	(void)state;
	/* Intel: #GP(0) after the three reads of EIP, CS, EFLAGS only */
	iret_vm86_setup(EMUL_VENDOR_INTEL, 0x10000);
	env_expect_fault(13, 0);
	assert_int_equal(env.fm.nlog, 3);
	assert_int_equal(C.mode, EMUL_MODE_PROT32);
	assert_int_equal(C.cpl, 0);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_MMIO);
	assert_int_equal(C.rflags, 2);
	iret_vm86_setup(EMUL_VENDOR_INTEL, 0xFFFFFFFF);
	env_expect_fault(13, 0);
	/* ... the frame's limit first: GS's slot past SS's limit, #SS(0) */
	iret_vm86_setup(EMUL_VENDOR_INTEL, 0x10000);
	C.seg[EMUL_SEG_SS].limit = ENV_MMIO + 34;
	env_expect_fault(12, 0);
	assert_int_equal(env.fm.nlog, 3);
	/* 0xFFFF is inside, whatever the old CS limit */
	iret_vm86_setup(EMUL_VENDOR_INTEL, 0xFFFF);
	C.seg[EMUL_SEG_CS].limit = ENV_CODE;      /* the IRET is its last byte */
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.fm.nlog, 9);
	assert_int_equal(C.rip, 0xFFFF);
	assert_int_equal(C.seg[EMUL_SEG_CS].base, 0x20000);
	assert_int_equal(C.seg[EMUL_SEG_CS].limit, 0xFFFF);
	assert_int_equal(C.mode, EMUL_MODE_VM86);
	/* AMD: every pop, then IP = EIP & 0xFFFF */
	iret_vm86_setup(EMUL_VENDOR_AMD, 0x12345678);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.fm.nlog, 9);
	assert_int_equal(C.rip, 0x5678);
	assert_int_equal(C.gpr[EMUL_RSP], 0x1234);
	assert_int_equal(C.rflags, 0x20202);
	assert_int_equal(C.cpl, 3);
	assert_int_equal(C.mode, EMUL_MODE_VM86);
	assert_int_equal(C.seg[EMUL_SEG_SS].base, 0x30010);
	assert_int_equal(C.seg[EMUL_SEG_GS].sel, 0x3005);
	assert_int_equal(C.seg_written, 0x3F);
	/* ... and its #SS(0) for a slot past SS's limit, after the reads
	 * before it */
	iret_vm86_setup(EMUL_VENDOR_AMD, 0x10000);
	C.seg[EMUL_SEG_SS].limit = ENV_MMIO + 34;
	env_expect_fault(12, 0);
	assert_int_equal(env.fm.nlog, 8);
}

/* IRET to CPL 3, and 64-bit IRETQ which always pops SS:RSP. */
static void test_iret_outer(void **state)
{
	(void)state;
	env_setup(EMUL_MODE_PROT32, 0, "cf");
	env_wr(ENV_STACK, 0x3000, 4);
	env_wr(ENV_STACK + 4, 0x1B, 4);
	env_wr(ENV_STACK + 8, 0x202, 4);
	env_wr(ENV_STACK + 12, 0x6000, 4);
	env_wr(ENV_STACK + 16, 0x23, 4);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.cpl, 3);
	assert_int_equal(C.rflags, 0x202);
	assert_int_equal(C.gpr[EMUL_RSP], 0x6000);
	assert_int_equal(C.seg[EMUL_SEG_SS].sel, 0x23);
	assert_int_equal(C.seg[EMUL_SEG_DS].unusable, 1);
	/* iretq at CPL 0 to CPL 0 */
	env_setup(EMUL_MODE_LONG64, 0, "48 cf");
	env_wr(ENV_STACK, 0x4000, 8);
	env_wr(ENV_STACK + 8, 0x28, 8);
	env_wr(ENV_STACK + 16, 0x2, 8);
	env_wr(ENV_STACK + 24, 0x7777, 8);
	env_wr(ENV_STACK + 32, 0x10, 8);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x4000);
	assert_int_equal(C.gpr[EMUL_RSP], 0x7777);
	assert_int_equal(C.seg[EMUL_SEG_SS].sel, 0x10);
	assert_int_equal(C.seg_written, (1u << EMUL_SEG_CS) |
			 (1u << EMUL_SEG_SS));
	/* ... with a null SS (allowed: 64-bit code, CPL 0) */
	env_setup(EMUL_MODE_LONG64, 0, "48 cf");
	env_wr(ENV_STACK, 0x4000, 8);
	env_wr(ENV_STACK + 8, 0x28, 8);
	env_wr(ENV_STACK + 16, 0x2, 8);
	env_wr(ENV_STACK + 24, 0x7777, 8);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_SS].unusable, 1);
	/* ... not to CPL 3 */
	env_setup(EMUL_MODE_LONG64, 0, "48 cf");
	env_wr(ENV_STACK, 0x4000, 8);
	env_wr(ENV_STACK + 8, 0x33, 8);
	env_wr(ENV_STACK + 16, 0x2, 8);
	env_expect_fault(13, 0);
	/* VM in the image is ignored in IA-32e mode */
	env_setup(EMUL_MODE_LONG64, 0, "48 cf");
	env_wr(ENV_STACK, 0x4000, 8);
	env_wr(ENV_STACK + 8, 0x28, 8);
	env_wr(ENV_STACK + 16, 0x20202, 8);
	env_wr(ENV_STACK + 24, 0x7777, 8);
	env_wr(ENV_STACK + 32, 0x10, 8);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rflags, 0x202);
	/* to CPL 3 in 64-bit mode with a DPL 0 GS that has a base: whether
	 * the base survives the nulling is not documented: refused */
	env_setup(EMUL_MODE_LONG64, 0, "48 cf");
	env_wr(ENV_STACK, 0x4000, 8);
	env_wr(ENV_STACK + 8, 0x33, 8);
	env_wr(ENV_STACK + 16, 0x2, 8);
	env_wr(ENV_STACK + 24, 0x7777, 8);
	env_wr(ENV_STACK + 32, 0x23, 8);
	C.seg[EMUL_SEG_GS].base = 0xFFFF888000000000ull;
	assert_int_equal(env_run(), EMUL_UNSUPPORTED);
	assert_int_equal(C.seg_written, 0);
	C.seg[EMUL_SEG_GS].base = 0;
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_GS].unusable, 1);
	assert_int_equal(C.cpl, 3);
	/* NT in IA-32e mode: #GP(0) */
	env_setup(EMUL_MODE_LONG64, 0, "48 cf");
	C.rflags = 0x4002;
	env_expect_fault(13, 0);
	/* to compatibility mode at CPL 3 with a 32-bit stack */
	env_setup(EMUL_MODE_LONG64, 0, "48 cf");
	env_wr(ENV_STACK, 0x4000, 8);
	env_wr(ENV_STACK + 8, 0x1B, 8);
	env_wr(ENV_STACK + 16, 0x2, 8);
	env_wr(ENV_STACK + 24, 0xFFFFFFFF00006000ull, 8);
	env_wr(ENV_STACK + 32, 0x23, 8);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.mode, EMUL_MODE_PROT32);
	assert_int_equal(C.gpr[EMUL_RSP], 0x6000);
	assert_int_equal(C.cpl, 3);
}

/* A stack in MMIO: the pops are read requests, then the instruction
 * finishes. */
static void test_iret_mmio_stack(void **state)
{
	(void)state;
	env_setup(EMUL_MODE_PROT32, 0, "cf");
	C.gpr[EMUL_RSP] = ENV_MMIO;
	env_wr(ENV_MMIO, 0x3000, 4);
	env_wr(ENV_MMIO + 4, 0x08, 4);
	env_wr(ENV_MMIO + 8, 0x2, 4);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.fm.nlog, 3);
	assert_int_equal(env.fm.log[2].addr, ENV_MMIO + 8);
	assert_int_equal(C.rip, 0x3000);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_MMIO + 12);
}

/* call/jmp far [eax] -> the gate at GDT slot 7 (selector 0x38 | rpl). */
static void gate_setup(const char *hex, enum emul_mode mode, unsigned cpl,
		       uint16_t sel)
{
	env_setup(mode, cpl, hex);
	C.gpr[EMUL_RAX] = ENV_DATA;
	env_wr(ENV_DATA + 4, sel, 2);            /* m16:32 */
}

static void test_gate_same_level(void **state)
{
	(void)state;
	/* jmp through a 32-bit gate: the gate's offset, nothing pushed */
	gate_setup("ff 28", EMUL_MODE_PROT32, 0, 0x38);
	env_set_gdt(7, env_gate(0x08, 0x12345678, 0xC, 0, 0));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x12345678);
	assert_int_equal(C.seg[EMUL_SEG_CS].sel, 0x08);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK);
	/* call through a 16-bit gate from 32-bit code: 2-byte pushes, a
	 * 16-bit offset */
	gate_setup("ff 18", EMUL_MODE_PROT32, 0, 0x38);
	env_set_gdt(7, env_gate(0x08, 0xABCD1234, 0x4, 0, 0));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x1234);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK - 4);
	assert_int_equal(env_rd(ENV_STACK - 2, 2), 0x08);
	assert_int_equal(env_rd(ENV_STACK - 4, 2), ENV_CODE + 2);
	/* call through a gate to a conforming segment: same level at CPL 3 */
	gate_setup("ff 18", EMUL_MODE_PROT32, 3, 0x3B);
	env_set_gdt(7, env_gate(0x48, 0x3000, 0xC, 3, 0));
	env_set_gdt(9, env_desc(0, 0xFFFFF, 0xE, 1, 0, 1, 0xC));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.cpl, 3);
	assert_int_equal(C.seg[EMUL_SEG_CS].sel, 0x4B);
	assert_int_equal(env_rd(ENV_STACK - 4, 4), 0x1B);
}

static void test_gate_checks(void **state)
{
	static const struct {
		const char *hex;
		unsigned cpl;
		uint16_t sel;      /* gate selector */
		unsigned gdpl, gp; /* gate DPL, present */
		uint16_t cs;       /* gate's target */
		unsigned type, dpl, p;
		uint8_t vector;
		uint16_t ec;
	} cases[] = {
		{ "ff 18", 3, 0x3B, 0, 1, 0x48, 0xA, 0, 1, 13, 0x38 }, /* gate DPL */
		{ "ff 18", 0, 0x3B, 2, 1, 0x48, 0xA, 0, 1, 13, 0x38 }, /* RPL */
		{ "ff 18", 0, 0x38, 0, 0, 0x48, 0xA, 0, 1, 11, 0x38 },
		{ "ff 18", 0, 0x38, 0, 1, 0x03, 0xA, 0, 1, 13, 0 },    /* null */
		{ "ff 18", 0, 0x38, 0, 1, 0x100, 0xA, 0, 1, 13, 0x100 },
		{ "ff 18", 0, 0x38, 0, 1, 0x48, 0x2, 0, 1, 13, 0x48 }, /* data */
		{ "ff 18", 0, 0x38, 0, 1, 0x48, 0xA, 3, 1, 13, 0x48 }, /* DPL>CPL */
		{ "ff 18", 0, 0x38, 0, 1, 0x48, 0xA, 0, 0, 11, 0x48 },
		{ "ff 28", 3, 0x3B, 3, 1, 0x48, 0xA, 0, 1, 13, 0x48 }, /* JMP */
		{ "ff 28", 3, 0x3B, 3, 1, 0x48, 0xE, 0, 1, 0, 0 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t g = env_gate(cases[i].cs, 0x3000, 0xC, cases[i].gdpl, 0);

		if (!cases[i].gp)
			g &= ~(1ull << 47);
		gate_setup(cases[i].hex, EMUL_MODE_PROT32, cases[i].cpl,
			   cases[i].sel);
		env_set_gdt(7, g);
		env_set_gdt(9, env_desc(0, 0xFFFFF, cases[i].type, 1,
					cases[i].dpl, cases[i].p, 0xC));
		if (!cases[i].vector) {
			assert_int_equal(env_run(), EMUL_DONE);
			assert_int_equal(C.rip, 0x3000);
			continue;
		}
		env_expect_fault(cases[i].vector, cases[i].ec);
		assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK);
		assert_int_equal(env_rd(ENV_STACK - 4, 4), 0);
	}
}

/* A 32-bit TSS for CPL 0: ESP0 at +4, SS0 at +8. */
static void tss32(uint32_t esp0, uint16_t ss0)
{
	env_wr(ENV_TSS + 4, esp0, 4);
	env_wr(ENV_TSS + 8, ss0, 2);
}

/* call from CPL 3 through a gate to CPL 0 code, two parameters */
static void inner_setup(void)
{
	gate_setup("ff 18", EMUL_MODE_PROT32, 3, 0x3B);
	env_set_gdt(7, env_gate(0x08, 0x3000, 0xC, 3, 2));
	env_wr(ENV_STACK, 0x11111111, 4);
	env_wr(ENV_STACK + 4, 0x22222222, 4);
	tss32(0x6800, 0x10);
}

static void test_gate_inner(void **state)
{
	(void)state;
	inner_setup();
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.cpl, 0);
	assert_int_equal(C.rip, 0x3000);
	assert_int_equal(C.seg[EMUL_SEG_CS].sel, 0x08);
	assert_int_equal(C.seg[EMUL_SEG_SS].sel, 0x10);
	assert_int_equal(C.gpr[EMUL_RSP], 0x6800 - 24);
	assert_int_equal(env_rd(0x6800 - 4, 4), 0x23);          /* old SS */
	assert_int_equal(env_rd(0x6800 - 8, 4), ENV_STACK);     /* old ESP */
	assert_int_equal(env_rd(0x6800 - 12, 4), 0x22222222);
	assert_int_equal(env_rd(0x6800 - 16, 4), 0x11111111);
	assert_int_equal(env_rd(0x6800 - 20, 4), 0x1B);         /* old CS */
	assert_int_equal(env_rd(0x6800 - 24, 4), ENV_CODE + 2);
	assert_int_equal(C.seg_written, (1u << EMUL_SEG_CS) |
			 (1u << EMUL_SEG_SS));
	assert_int_equal(env.user_sys, 0);
	/* ... and back with retf 8 */
	env.cpu.rip = ENV_CODE;
	env_wr(ENV_CODE, 0x0008CA, 3);
	C.seg_written = 0;
	env.ctx.insn_bytes_len = 0;
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.cpl, 3);
	assert_int_equal(C.rip, ENV_CODE + 2);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK + 8);
	assert_int_equal(C.seg[EMUL_SEG_SS].sel, 0x23);
}

static void test_gate_inner_faults(void **state)
{
	(void)state;
	/* TSS too short for ESP0/SS0: #TS(TR) */
	inner_setup();
	env.tr.limit = 8;
	env_expect_fault(10, 0x68);
	/* SS0 null, RPL != DPL, DPL != DPL, read-only, code: #TS(SS0) */
	inner_setup();
	tss32(0x6800, 0);
	env_expect_fault(10, 0);
	inner_setup();
	tss32(0x6800, 0x13);
	env_expect_fault(10, 0x10);
	inner_setup();
	tss32(0x6800, 0x20);
	env_expect_fault(10, 0x20);
	inner_setup();
	tss32(0x6800, 0x48);
	env_set_gdt(9, env_desc(0, 0xFFFFF, 0x1, 1, 0, 1, 0xC));
	env_expect_fault(10, 0x48);
	inner_setup();
	tss32(0x6800, 0x148);                        /* beyond the GDT */
	env_expect_fault(10, 0x148);
	/* not present: #SS(SS0) */
	inner_setup();
	tss32(0x6800, 0x48);
	env_set_gdt(9, env_desc(0, 0xFFFFF, 0x3, 1, 0, 0, 0xC));
	env_expect_fault(12, 0x48);
	/* no room for the frame under the new SS limit: #SS(SS0) */
	inner_setup();
	tss32(0x10, 0x48);
	env_set_gdt(9, env_desc(0, 0xFFFFF, 0x3, 1, 0, 1, 0xC));
	env_expect_fault(12, 0x48);
	assert_int_equal(C.cpl, 3);
	assert_int_equal(C.seg[EMUL_SEG_SS].sel, 0x23);
	/* gate offset past the new CS limit: #GP(0), nothing written */
	inner_setup();
	env_set_gdt(1, env_desc(0, 0xFFF, 0xB, 1, 0, 1, 0x4));
	env_expect_fault(13, 0);
	assert_int_equal(env_rd(0x6800 - 4, 4), 0);
	assert_int_equal(C.cpl, 3);
	/* 31 parameters, the most a gate holds, fit the read log with the
	 * descriptors: all copied, the first (nearest the old ESP) highest */
	inner_setup();
	env_set_gdt(7, env_gate(0x08, 0x3000, 0xC, 3, 31));
	for (unsigned i = 0; i < 31; i++)
		env_wr(ENV_STACK + 4 * i, 0x1000 + i, 4);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.cpl, 0);
	assert_int_equal(C.gpr[EMUL_RSP], 0x6800 - 16 - 4 * 31);
	assert_int_equal(env_rd(0x6800 - 8, 4), ENV_STACK);     /* old ESP */
	for (unsigned i = 0; i < 31; i++)
		assert_int_equal(env_rd(0x6800 - 8 - 4 * 31 + 4 * i, 4), 0x1000 + i);
}

/* IA-32e: 16-byte gates, 64-bit targets only, RSP0 from the 64-bit TSS
 * and a null SS. */
static void test_gate_ia32e(void **state)
{
	(void)state;
	gate_setup("ff 18", EMUL_MODE_LONG64, 3, 0x3B);
	env_set_gdt(7, env_gate(0x28, 0x5000, 0xC, 3, 5));
	env_set_gdt(8, 0x7FFFull);                   /* offset 63:32 */
	env_wr(ENV_TSS + 4, 0x6808, 8);              /* RSP0 */
	C.gpr[EMUL_RSP] = 0xFFFFFFFF00007000ull & 0xFFFFFFFFull;
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rip, 0x7FFF00005000ull);
	assert_int_equal(C.cpl, 0);
	assert_int_equal(C.mode, EMUL_MODE_LONG64);
	assert_int_equal(C.seg[EMUL_SEG_SS].sel, 0);
	assert_int_equal(C.seg[EMUL_SEG_SS].unusable, 1);
	assert_int_equal(C.gpr[EMUL_RSP], 0x6808 - 32);
	assert_int_equal(env_rd(0x6808 - 8, 8), 0x23);          /* old SS */
	assert_int_equal(env_rd(0x6808 - 16, 8), 0x7000);
	assert_int_equal(env_rd(0x6808 - 24, 8), 0x33);
	assert_int_equal(env_rd(0x6808 - 32, 8), ENV_CODE + 2);
	/* the upper half's type field must be 0 */
	gate_setup("ff 18", EMUL_MODE_LONG64, 3, 0x3B);
	env_set_gdt(7, env_gate(0x28, 0x5000, 0xC, 3, 0));
	env_set_gdt(8, 0xC00ull << 32);
	env_expect_fault(13, 0x38);
	/* a gate in the last 8 bytes of the GDT */
	gate_setup("ff 18", EMUL_MODE_LONG64, 0, 0xF8);
	env_set_gdt(31, env_gate(0x28, 0x5000, 0xC, 0, 0));
	env_expect_fault(13, 0xF8);
	/* to a compatibility-mode segment: #GP(CS) */
	gate_setup("ff 18", EMUL_MODE_LONG64, 0, 0x38);
	env_set_gdt(7, env_gate(0x08, 0x5000, 0xC, 0, 0));
	env_set_gdt(8, 0);
	env_expect_fault(13, 0x08);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jmp_far),
		cmocka_unit_test(test_jmp_far_checks),
		cmocka_unit_test(test_jmp_far_refused),
		cmocka_unit_test(test_jmp_far_ia32e),
		cmocka_unit_test(test_call_far),
		cmocka_unit_test(test_real_mode),
		cmocka_unit_test(test_retf_same),
		cmocka_unit_test(test_retf_checks),
		cmocka_unit_test(test_retf_outer),
		cmocka_unit_test(test_iret_same),
		cmocka_unit_test(test_iret_outer),
		cmocka_unit_test(test_iret_mmio_stack),
		cmocka_unit_test(test_iret_vm86_eip),
		cmocka_unit_test(test_gate_same_level),
		cmocka_unit_test(test_gate_checks),
		cmocka_unit_test(test_gate_inner),
		cmocka_unit_test(test_gate_inner_faults),
		cmocka_unit_test(test_gate_ia32e),
	};

	return cmocka_run_group_tests_name("emul-far", tests, NULL, NULL);
}
