/*
 * test_segload.c - MOV Sreg, POP Sreg and LDS/LES/LFS/LGS/LSS: the
 * descriptor read (GDT and LDT, supervisor access), every check of SDM
 * Vol. 2 MOV/POP with its fault and error code, the accessed bit, the
 * hidden part loaded, real mode, 64-bit mode, and that a fault commits
 * nothing. Also LAR, LSL, VERR and VERW, which read a descriptor the same
 * way without loading it, and LLDT/LTR (emul_ops.set_sysseg).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "desc_env.h"

#define C env.cpu

/* mov ds, [eax] with the selector in the MMIO page. */
static void mov_ds_mmio(unsigned cpl, uint16_t sel)
{
	env_setup(EMUL_MODE_PROT32, cpl, "8e 18");
	C.gpr[EMUL_RAX] = ENV_MMIO;
	env_wr(ENV_MMIO, sel, 2);
}

static void test_mov_ds(void **state)
{
	(void)state;
	mov_ds_mmio(0, 0x38);
	env_set_gdt(7, env_desc(0x123456, 0xABCDE, 0x2, 1, 0, 1, 0x4));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.fm.nlog, 1);           /* the operand */
	assert_int_equal(env.fm.log[0].addr, ENV_MMIO);
	assert_int_equal(env.fm.log[0].len, 2);
	assert_int_equal(C.rip, ENV_CODE + 2);
	assert_int_equal(C.seg_written, 1u << EMUL_SEG_DS);
	assert_int_equal(C.seg[EMUL_SEG_DS].sel, 0x38);
	assert_int_equal(C.seg[EMUL_SEG_DS].base, 0x123456);
	assert_int_equal(C.seg[EMUL_SEG_DS].limit, 0xABCDE);
	assert_int_equal(C.seg[EMUL_SEG_DS].type, 0x3);   /* accessed */
	assert_int_equal(C.seg[EMUL_SEG_DS].db, 1);
	assert_int_equal(C.seg[EMUL_SEG_DS].present, 1);
	assert_int_equal(C.seg[EMUL_SEG_DS].unusable, 0);
	/* the accessed bit written back to the descriptor */
	assert_int_equal((env_get_gdt(7) >> 40) & 0xFF, 0x93);
	assert_int_equal(env.sys_reads, 1);
	assert_int_equal(env.user_sys, 0);
}

static void test_mov_ds_granular_ldt(void **state)
{
	(void)state;
	/* TI = 1, RPL 3 at CPL 3, G = 1: limit scaled */
	mov_ds_mmio(3, 0x0F);
	env_set_ldt(1, env_desc(0x1000, 0x2, 0x1, 1, 3, 1, 0x8));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_DS].sel, 0x0F);
	assert_int_equal(C.seg[EMUL_SEG_DS].base, 0x1000);
	assert_int_equal(C.seg[EMUL_SEG_DS].limit, 0x2FFF);
	assert_int_equal(C.seg[EMUL_SEG_DS].dpl, 3);
	/* already accessed: nothing written */
	assert_int_equal(env_rd(ENV_LDT + 8 + 5, 1), 0xF1);
	assert_int_equal(env.user_sys, 0);           /* CPL 3, supervisor */
	assert_true(env.sys_reads >= 1);
	/* TI = 1 without an LDT */
	mov_ds_mmio(0, 0x0C);
	env.ldtr.sel = 0;
	env.ldtr.unusable = 1;
	env_expect_fault(13, 0x0C);
	/* beyond the LDT limit (4 slots) */
	mov_ds_mmio(0, 0x24);
	env_expect_fault(13, 0x24);
}

static void test_mov_ds_null_and_limits(void **state)
{
	(void)state;
	mov_ds_mmio(0, 0x0003);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_DS].sel, 3);
	assert_int_equal(C.seg[EMUL_SEG_DS].unusable, 1);
	assert_int_equal(C.seg[EMUL_SEG_DS].present, 0);
	assert_int_equal(env.sys_reads, 0);
	/* index 32 is past the GDT limit 0xFF; the error code keeps TI and
	 * drops the RPL */
	mov_ds_mmio(0, 0x103);
	env_expect_fault(13, 0x100);
	/* the last slot (0xF8..0xFF) is inside */
	mov_ds_mmio(0, 0xF8);
	env_set_gdt(31, env_desc(0, 0xFFFF, 0x3, 1, 0, 1, 0));
	assert_int_equal(env_run(), EMUL_DONE);
	env_setup(EMUL_MODE_PROT32, 0, "8e 18");
	C.gpr[EMUL_RAX] = ENV_MMIO;
	env_wr(ENV_MMIO, 0xF8, 2);
	env.gdt_limit = 0xFE;
	env_expect_fault(13, 0xF8);
}

/* Type, privilege and presence checks of a data segment load. */
static void test_mov_ds_checks(void **state)
{
	static const struct {
		unsigned cpl;
		uint16_t sel;
		unsigned type, s, dpl, p;
		uint8_t vector; /* 0: loads */
	} cases[] = {
		{ 0, 0x38, 0x9, 0, 0, 1, 13 },  /* system (TSS) */
		{ 0, 0x38, 0x2, 0, 0, 1, 13 },  /* LDT */
		{ 0, 0x38, 0x8, 1, 0, 1, 13 },  /* execute-only code */
		{ 0, 0x38, 0xA, 1, 0, 1, 0 },   /* readable code */
		{ 3, 0x3B, 0x2, 1, 0, 1, 13 },  /* DPL < CPL */
		{ 0, 0x3B, 0x2, 1, 0, 1, 13 },  /* DPL < RPL */
		{ 0, 0x3B, 0x2, 1, 3, 1, 0 },
		{ 3, 0x3B, 0xE, 1, 0, 1, 0 },   /* conforming code: no check */
		{ 3, 0x3B, 0xA, 1, 0, 1, 13 },  /* non-conforming code */
		{ 0, 0x38, 0x2, 1, 0, 0, 11 },  /* not present: #NP */
		{ 3, 0x3B, 0x2, 1, 0, 0, 13 },  /* privilege before presence */
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t d = env_desc(0x4000, 0xFFF, cases[i].type, cases[i].s,
				      cases[i].dpl, cases[i].p, 4);

		mov_ds_mmio(cases[i].cpl, cases[i].sel);
		env_set_gdt(7, d);
		if (!cases[i].vector) {
			assert_int_equal(env_run(), EMUL_DONE);
			assert_int_equal(C.seg[EMUL_SEG_DS].base, 0x4000);
			continue;
		}
		env_expect_fault(cases[i].vector, 0x38);
		assert_int_equal(C.seg[EMUL_SEG_DS].base, 0);
		assert_int_equal(env_get_gdt(7), d);     /* not accessed */
	}
}

/* mov ss, ax */
static void test_mov_ss(void **state)
{
	static const struct {
		unsigned cpl;
		uint16_t sel;
		unsigned type, dpl, p;
		uint8_t vector;
		uint16_t ec;
	} cases[] = {
		{ 0, 0x0000, 0x3, 0, 1, 13, 0 },        /* null: #GP(0) */
		{ 0, 0x003B, 0x3, 0, 1, 13, 0x38 },     /* RPL != CPL */
		{ 0, 0x0038, 0x1, 0, 1, 13, 0x38 },     /* read-only */
		{ 0, 0x0038, 0xB, 0, 1, 13, 0x38 },     /* code */
		{ 3, 0x003B, 0x3, 0, 1, 13, 0x38 },     /* DPL != CPL */
		{ 0, 0x0038, 0x3, 3, 1, 13, 0x38 },
		{ 0, 0x0038, 0x3, 0, 0, 12, 0x38 },     /* not present: #SS */
		{ 0, 0x0038, 0x7, 0, 1, 0, 0 },         /* expand-down: fine */
		{ 3, 0x003B, 0x3, 3, 1, 0, 0 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env_setup(EMUL_MODE_PROT32, cases[i].cpl, "8e d0");
		C.gpr[EMUL_RAX] = cases[i].sel;
		C.rflags |= EMUL_FL_TF;
		env_set_gdt(7, env_desc(0x4000, 0xFFF, cases[i].type, 1,
					cases[i].dpl, cases[i].p, 4));
		if (!cases[i].vector) {
			assert_int_equal(env_run(), EMUL_DONE);
			assert_int_equal(C.seg[EMUL_SEG_SS].sel, cases[i].sel);
			assert_int_equal(C.seg[EMUL_SEG_SS].base, 0x4000);
			assert_int_equal(C.seg_written, 1u << EMUL_SEG_SS);
			/* SDM 6.8.3: the trap waits for the next one */
			assert_int_equal(env.res.tf_trap, 0);
			continue;
		}
		env_expect_fault(cases[i].vector, cases[i].ec);
	}
}

/* 64-bit mode: a null SS at CPL < 3 with RPL = CPL; FS keeps a 32-bit
 * base from the descriptor. */
static void test_long64(void **state)
{
	(void)state;
	env_setup(EMUL_MODE_LONG64, 0, "8e d0");
	C.gpr[EMUL_RAX] = 0;
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_SS].unusable, 1);
	assert_int_equal(C.seg[EMUL_SEG_SS].dpl, 0);
	env_setup(EMUL_MODE_LONG64, 0, "8e d0");
	C.gpr[EMUL_RAX] = 1;
	env_expect_fault(13, 0);
	env_setup(EMUL_MODE_LONG64, 3, "8e d0");
	C.gpr[EMUL_RAX] = 3;
	env_expect_fault(13, 0);
	/* mov fs, [rax] */
	env_setup(EMUL_MODE_LONG64, 0, "8e 20");
	C.gpr[EMUL_RAX] = ENV_MMIO;
	env_wr(ENV_MMIO, 0x38, 2);
	env_set_gdt(7, env_desc(0xFEDC0000u, 0xFFFFF, 0x3, 1, 0, 1, 0x8));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_FS].base, 0xFEDC0000u);
	assert_int_equal(C.seg_written, 1u << EMUL_SEG_FS);
	/* pop fs: 8 bytes of stack */
	env_setup(EMUL_MODE_LONG64, 0, "0f a1");
	env_wr(ENV_STACK, 0xFFFF000000000010ull, 8);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_FS].sel, 0x10);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK + 8);
	/* pop gs with 66h: 2 bytes */
	env_setup(EMUL_MODE_LONG64, 0, "66 0f a9");
	env_wr(ENV_STACK, 0x10, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_GS].sel, 0x10);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK + 2);
	/* mov fs, ax with a null selector: Intel clears the base; AMD keeps
	 * it on some models and not on others: refused when it matters */
	env_setup(EMUL_MODE_LONG64, 0, "8e e0");
	C.seg[EMUL_SEG_FS].base = 0x12345000;
	C.gpr[EMUL_RAX] = 0;
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_FS].base, 0);
	assert_int_equal(C.seg[EMUL_SEG_FS].unusable, 1);
	env_setup(EMUL_MODE_LONG64, 0, "8e e0");
	C.vendor = EMUL_VENDOR_AMD;
	C.seg[EMUL_SEG_FS].base = 0x12345000;
	C.gpr[EMUL_RAX] = 0;
	assert_int_equal(env_run(), EMUL_UNSUPPORTED);
	assert_int_equal(C.seg_written, 0);
	env_setup(EMUL_MODE_LONG64, 0, "8e e0");
	C.vendor = EMUL_VENDOR_AMD;
	C.gpr[EMUL_RAX] = 0;                          /* base 0: both agree */
	assert_int_equal(env_run(), EMUL_DONE);
	env_setup(EMUL_MODE_LONG64, 0, "8e d8");      /* DS: no base */
	C.vendor = EMUL_VENDOR_AMD;
	C.seg[EMUL_SEG_DS].base = 0x12345000;
	C.gpr[EMUL_RAX] = 0;
	assert_int_equal(env_run(), EMUL_DONE);
	/* a GDT whose slot is not canonical */
	env_setup(EMUL_MODE_LONG64, 0, "8e d8");
	C.gpr[EMUL_RAX] = 0x10;
	env.gdt_base = 0x00007FFFFFFFFFF0ull;
	env_expect_fault(13, 0);
}

static void test_pop_sreg(void **state)
{
	(void)state;
	/* pop ds, 32-bit: a 4-byte slot */
	env_setup(EMUL_MODE_PROT32, 0, "1f");
	env_wr(ENV_STACK, 0xABCD0038, 4);
	env_set_gdt(7, env_desc(0x300, 0xFFFF, 0x3, 1, 0, 1, 0));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_DS].sel, 0x38);
	assert_int_equal(C.seg[EMUL_SEG_DS].base, 0x300);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK + 4);
	/* pop es from an MMIO stack, 16-bit operand size */
	env_setup(EMUL_MODE_PROT32, 0, "66 07");
	C.gpr[EMUL_RSP] = ENV_MMIO;
	env_wr(ENV_MMIO, 0x10, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.fm.nlog, 1);
	assert_int_equal(env.fm.log[0].len, 2);
	assert_int_equal(C.seg[EMUL_SEG_ES].sel, 0x10);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_MMIO + 2);
	/* pop ss with TF: no trap; a faulting one leaves rSP alone */
	env_setup(EMUL_MODE_PROT32, 0, "17");
	C.rflags |= EMUL_FL_TF;
	env_wr(ENV_STACK, 0x10, 4);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.res.tf_trap, 0);
	assert_int_equal(C.seg[EMUL_SEG_SS].sel, 0x10);
	env_setup(EMUL_MODE_PROT32, 0, "17");
	env_wr(ENV_STACK, 0x08, 4);                  /* code: #GP */
	env_expect_fault(13, 0x08);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK);
	/* pop ss from a 16-bit stack to a 32-bit one: SP wraps at 64 KiB,
	 * ESP[31:16] kept */
	env_setup(EMUL_MODE_PROT16, 0, "17");
	C.gpr[EMUL_RSP] = 0xABCDFFFE;
	env_wr(0xFFFE, 0x10, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.gpr[EMUL_RSP], 0xABCD0000);
	assert_int_equal(C.seg[EMUL_SEG_SS].db, 1);
	/* pop fs: TF traps as usual */
	env_setup(EMUL_MODE_PROT32, 0, "0f a1");
	C.rflags |= EMUL_FL_TF;
	env_wr(ENV_STACK, 0x10, 4);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.res.tf_trap, 1);
}

/* The accessed-bit write faults (read-only GDT page): nothing loaded. */
static void test_accessed_fault(void **state)
{
	(void)state;
	mov_ds_mmio(0, 0x38);
	env_set_gdt(7, env_desc(0x4000, 0xFFF, 0x2, 1, 0, 1, 4));
	env.fm.r[0].readonly = true;
	assert_int_equal(env_run(), EMUL_EXCEPTION);
	assert_int_equal(env.res.event.vector, 14);
	assert_int_equal(env.res.event.cr2, ENV_GDT + 0x38 + 5);
	assert_int_equal(env.res.event.error_code & 6, 2);  /* write, sup. */
	assert_int_equal(C.seg_written, 0);
	assert_int_equal(C.seg[EMUL_SEG_DS].sel, 0x10);
}

/* A GDT in MMIO: one 8-byte read, one 1-byte write of the type byte. */
static void test_gdt_in_mmio(void **state)
{
	(void)state;
	env_setup(EMUL_MODE_PROT32, 0, "8e d8");
	env.gdt_base = ENV_MMIO;
	env_wr(ENV_MMIO + 0x38, env_desc(0x4000, 0xFFF, 0x2, 1, 0, 1, 4), 8);
	C.gpr[EMUL_RAX] = 0x38;
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.fm.nlog, 2);
	assert_int_equal(env.fm.log[0].status, EMUL_MMIO_READ);
	assert_int_equal(env.fm.log[0].addr, ENV_MMIO + 0x38);
	assert_int_equal(env.fm.log[0].len, 8);
	assert_int_equal(env.fm.log[1].status, EMUL_MMIO_WRITE);
	assert_int_equal(env.fm.log[1].addr, ENV_MMIO + 0x3D);
	assert_int_equal(env.fm.log[1].len, 1);
	assert_int_equal(env.fm.log[1].data, 0x93);
	assert_int_equal(C.seg[EMUL_SEG_DS].base, 0x4000);
}

static void test_far_pointer_loads(void **state)
{
	(void)state;
	/* lds esi, [eax] (MMIO): offset, then selector */
	env_setup(EMUL_MODE_PROT32, 0, "c5 30");
	C.gpr[EMUL_RAX] = ENV_MMIO;
	env_wr(ENV_MMIO, 0x12345678, 4);
	env_wr(ENV_MMIO + 4, 0x38, 2);
	env_set_gdt(7, env_desc(0x4000, 0xFFF, 0x2, 1, 0, 1, 4));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.fm.nlog, 2);
	assert_int_equal(env.fm.log[0].len, 4);
	assert_int_equal(env.fm.log[1].addr, ENV_MMIO + 4);
	assert_int_equal(env.fm.log[1].len, 2);
	assert_int_equal(C.gpr[EMUL_RSI], 0x12345678);
	assert_int_equal(C.seg[EMUL_SEG_DS].base, 0x4000);
	assert_int_equal(C.rip, ENV_CODE + 2);
	/* les si, [eax] 16-bit: selector at +2; a failing load leaves SI */
	env_setup(EMUL_MODE_PROT32, 0, "66 c4 30");
	C.gpr[EMUL_RAX] = ENV_MMIO;
	C.gpr[EMUL_RSI] = 0xAAAA5555;
	env_wr(ENV_MMIO, 0x9876, 2);
	env_wr(ENV_MMIO + 2, 0x08, 2);               /* execute-only? no: */
	env_set_gdt(1, env_desc(0, 0xFFFFF, 0x8, 1, 0, 1, 0xC));
	env_expect_fault(13, 0x08);
	assert_int_equal(C.gpr[EMUL_RSI], 0xAAAA5555);
	/* lss esp, [eax]: no TF shadow */
	env_setup(EMUL_MODE_PROT32, 0, "0f b2 20");
	C.gpr[EMUL_RAX] = ENV_DATA;
	C.rflags |= EMUL_FL_TF;
	env_wr(ENV_DATA, 0x6000, 4);
	env_wr(ENV_DATA + 4, 0x10, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.gpr[EMUL_RSP], 0x6000);
	assert_int_equal(C.seg[EMUL_SEG_SS].sel, 0x10);
	assert_int_equal(env.res.tf_trap, 1);
	/* lgs rbx, [rax] with REX.W: m16:64 on Intel */
	env_setup(EMUL_MODE_LONG64, 0, "48 0f b5 18");
	C.gpr[EMUL_RAX] = ENV_DATA;
	env_wr(ENV_DATA, 0x1122334455667788ull, 8);
	env_wr(ENV_DATA + 8, 0x10, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.gpr[EMUL_RBX], 0x1122334455667788ull);
	assert_int_equal(C.seg[EMUL_SEG_GS].sel, 0x10);
	/* ... refused on AMD, state unchanged */
	env_setup(EMUL_MODE_LONG64, 0, "48 0f b5 18");
	C.vendor = EMUL_VENDOR_AMD;
	C.gpr[EMUL_RAX] = ENV_DATA;
	assert_int_equal(env_run(), EMUL_UNSUPPORTED);
	assert_int_equal(C.seg_written, 0);
	/* lfs in 16-bit protected mode: 16-bit offset and addressing */
	env_setup(EMUL_MODE_PROT16, 0, "0f b4 1f");  /* lfs bx, [bx] */
	C.gpr[EMUL_RBX] = ENV_DATA;
	env_wr(ENV_DATA, 0xBEEF, 2);
	env_wr(ENV_DATA + 2, 0x10, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.gpr[EMUL_RBX], 0xBEEF);
	assert_int_equal(C.seg[EMUL_SEG_FS].sel, 0x10);
}

static void test_real_mode(void **state)
{
	(void)state;
	/* mov es, ax: base = selector * 16, limit and attributes stay */
	env_setup(EMUL_MODE_REAL, 0, "8e c0");
	C.gpr[EMUL_RAX] = 0x1234;
	C.seg[EMUL_SEG_ES].limit = 0xFFFFF;
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_ES].sel, 0x1234);
	assert_int_equal(C.seg[EMUL_SEG_ES].base, 0x12340);
	assert_int_equal(C.seg[EMUL_SEG_ES].limit, 0xFFFFF);
	assert_int_equal(C.seg_written, 1u << EMUL_SEG_ES);
	assert_int_equal(env.sys_reads, 0);
	/* lds si, [bx] from MMIO */
	env_setup(EMUL_MODE_REAL, 0, "c5 37");
	C.gpr[EMUL_RBX] = ENV_MMIO;
	env_wr(ENV_MMIO, 0xF00DBEEF, 4);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.gpr[EMUL_RSI], 0xBEEF);
	assert_int_equal(C.seg[EMUL_SEG_DS].base, 0xF00D0);
	/* pop ss */
	env_setup(EMUL_MODE_REAL, 0, "17");
	env_wr(ENV_STACK, 0x0050, 2);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.seg[EMUL_SEG_SS].base, 0x500);
	assert_int_equal(C.gpr[EMUL_RSP], ENV_STACK + 2);
}

/* Without get_dtable the protected-mode loads are refused; real mode
 * needs no table. */
static void test_no_tables(void **state)
{
	static const struct emul_ops bare = { 0 };
	struct emul_ops ops;

	(void)state;
	env_setup(EMUL_MODE_PROT32, 0, "8e d8");
	C.gpr[EMUL_RAX] = 0x10;
	ops = fake_ops;
	(void)bare;
	emul_init(&env.ctx, &ops, &env.fm);
	assert_int_equal(env_run(), EMUL_UNSUPPORTED);
	assert_int_equal(C.seg_written, 0);
	assert_int_equal(C.rip, ENV_CODE);
}

/* lar eax, [ebx] (selector in MMIO) / lsl eax, cx and friends. */
static void lar_setup(const char *hex, unsigned cpl, uint16_t sel, uint64_t d)
{
	env_setup(EMUL_MODE_PROT32, cpl, hex);
	C.gpr[EMUL_RAX] = 0xDEADBEEF;
	C.gpr[EMUL_RBX] = ENV_MMIO;
	C.gpr[EMUL_RCX] = sel;
	env_wr(ENV_MMIO, sel, 2);
	env_set_gdt(7, d);
}

static void test_lar_lsl(void **state)
{
	static const struct {
		const char *hex;
		unsigned cpl;
		uint16_t sel;
		unsigned type, s, dpl, p, flags;
		bool zf;
		uint64_t rax;
	} cases[] = {
		/* lar eax, [ebx]: the second dword & 00F0FF00h */
		{ "0f 02 03", 0, 0x38, 0x2, 1, 0, 1, 0xC, true, 0x00C09200 },
		/* not present: LAR still reports it */
		{ "0f 02 03", 0, 0x38, 0x2, 1, 3, 0, 0x1, true, 0x00107200 },
		/* lar ax, cx: 16 bits, the rest of EAX kept */
		{ "66 0f 02 c1", 0, 0x38, 0xA, 1, 0, 1, 0xC, true, 0xDEAD9A00 },
		{ "0f 02 03", 3, 0x3B, 0x2, 1, 0, 1, 0xC, false, 0xDEADBEEF },
		{ "0f 02 03", 0, 0x3B, 0x2, 1, 2, 1, 0xC, false, 0xDEADBEEF },
		{ "0f 02 03", 3, 0x3B, 0xE, 1, 0, 1, 0xC, true, 0x00C09E00 },
		{ "0f 02 03", 0, 0x00, 0x2, 1, 0, 1, 0xC, false, 0xDEADBEEF },
		{ "0f 02 03", 0, 0x100, 0x2, 1, 0, 1, 0xC, false, 0xDEADBEEF },
		{ "0f 02 03", 0, 0x38, 0xC, 0, 0, 1, 0, true, 0x00008C00 },
		{ "0f 02 03", 0, 0x38, 0xE, 0, 0, 1, 0, false, 0xDEADBEEF },
		/* lsl eax, [ebx]: the scaled limit */
		{ "0f 03 03", 0, 0x38, 0x2, 1, 0, 1, 0x8, true, 0x1FFFF },
		{ "0f 03 03", 0, 0x38, 0x9, 0, 0, 1, 0, true, 0x1F },
		{ "0f 03 03", 0, 0x38, 0xC, 0, 0, 1, 0, false, 0xDEADBEEF },
		{ "66 0f 03 c1", 0, 0x38, 0x2, 1, 0, 1, 0x8, true, 0xDEADFFFF },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lar_setup(cases[i].hex, cases[i].cpl, cases[i].sel,
			  env_desc(0, 0x1F, cases[i].type, cases[i].s,
				   cases[i].dpl, cases[i].p, cases[i].flags));
		C.rflags = cases[i].zf ? 2 : 2 | EMUL_FL_ZF;
		assert_int_equal(env_run(), EMUL_DONE);
		assert_int_equal(!!(C.rflags & EMUL_FL_ZF), cases[i].zf);
		assert_int_equal(C.gpr[EMUL_RAX], cases[i].rax);
		assert_int_equal(C.seg_written, 0);
		assert_int_equal(env.user_sys, 0);
	}
	/* IA-32e: a 32-bit TSS type is fine, a 16-bit one is not */
	env_setup(EMUL_MODE_LONG64, 0, "0f 03 c1");
	C.gpr[EMUL_RCX] = 0x38;
	env_set_gdt(7, env_desc(0, 0x67, 0x1, 0, 0, 1, 0));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.rflags & EMUL_FL_ZF, 0);
	env_setup(EMUL_MODE_LONG64, 0, "48 0f 03 c1");
	C.gpr[EMUL_RCX] = 0x38;
	C.gpr[EMUL_RAX] = ~0ull;
	env_set_gdt(7, env_desc(0, 0x67, 0x9, 0, 0, 1, 0));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(C.gpr[EMUL_RAX], 0x67);
	/* real mode: #UD */
	env_setup(EMUL_MODE_REAL, 0, "0f 02 c1");
	assert_int_equal(env_run(), EMUL_EXCEPTION);
	assert_int_equal(env.res.event.vector, 6);
}

static void test_verr_verw(void **state)
{
	static const struct {
		const char *hex; /* verr/verw [ebx] */
		unsigned cpl;
		uint16_t sel;
		unsigned type, s, dpl;
		bool zf;
	} cases[] = {
		{ "0f 00 23", 0, 0x38, 0x0, 1, 0, true },   /* read-only data */
		{ "0f 00 2b", 0, 0x38, 0x0, 1, 0, false },
		{ "0f 00 2b", 0, 0x38, 0x2, 1, 0, true },
		{ "0f 00 23", 0, 0x38, 0x8, 1, 0, false },  /* execute-only */
		{ "0f 00 23", 0, 0x38, 0xA, 1, 0, true },
		{ "0f 00 2b", 0, 0x38, 0xA, 1, 0, false },  /* code */
		{ "0f 00 23", 3, 0x3B, 0x2, 1, 0, false },  /* CPL > DPL */
		{ "0f 00 23", 0, 0x3B, 0x2, 1, 0, false },  /* RPL > DPL */
		{ "0f 00 23", 3, 0x3B, 0xE, 1, 0, true },   /* conforming */
		{ "0f 00 23", 0, 0x38, 0x2, 0, 0, false },  /* system */
		{ "0f 00 23", 0, 0x00, 0x2, 1, 0, false },  /* null */
		{ "0f 00 23", 0, 0x138, 0x2, 1, 0, false }, /* beyond limit */
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lar_setup(cases[i].hex, cases[i].cpl, cases[i].sel,
			  env_desc(0, 0xFFFF, cases[i].type, cases[i].s,
				   cases[i].dpl, 1, 0));
		C.rflags = cases[i].zf ? 2 : 2 | EMUL_FL_ZF;
		assert_int_equal(env_run(), EMUL_DONE);
		assert_int_equal(!!(C.rflags & EMUL_FL_ZF), cases[i].zf);
		assert_int_equal(C.rip, ENV_CODE + 3);
		assert_int_equal(env.fm.nlog, 1);           /* the selector */
	}
}

/* lldt/ltr [ebx] with the selector in MMIO */
static void sysseg_setup(const char *hex, unsigned cpl, uint16_t sel,
			 uint64_t d)
{
	env_setup(EMUL_MODE_PROT32, cpl, hex);
	C.gpr[EMUL_RBX] = ENV_MMIO;
	env_wr(ENV_MMIO, sel, 2);
	env_set_gdt(7, d);
}

static void test_lldt(void **state)
{
	static const struct {
		unsigned cpl;
		uint16_t sel;
		unsigned type, s, p;
		uint8_t vector;
		uint16_t ec;
	} faults[] = {
		{ 3, 0x38, 0x2, 0, 1, 13, 0 },          /* CPL 3 */
		{ 0, 0x3C, 0x2, 0, 1, 13, 0x3C },       /* TI = 1 */
		{ 0, 0x138, 0x2, 0, 1, 13, 0x138 },     /* beyond the GDT */
		{ 0, 0x38, 0x9, 0, 1, 13, 0x38 },       /* a TSS */
		{ 0, 0x38, 0x2, 1, 1, 13, 0x38 },       /* a data segment */
		{ 0, 0x38, 0x2, 0, 0, 11, 0x38 },
	};
	unsigned i;

	(void)state;
	sysseg_setup("0f 00 13", 0, 0x3B, env_desc(0x12345, 0x3F, 0x2, 0, 0,
						   1, 0));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.sysseg_sets, 1);
	assert_int_equal(env.ldtr.sel, 0x3B);
	assert_int_equal(env.ldtr.base, 0x12345);
	assert_int_equal(env.ldtr.limit, 0x3F);
	assert_int_equal(env.ldtr.type, 0x2);
	assert_int_equal(env.ldtr.unusable, 0);
	assert_int_equal(env_get_gdt(7), env_desc(0x12345, 0x3F, 0x2, 0, 0,
						   1, 0));   /* no A bit */
	assert_int_equal(C.rip, ENV_CODE + 3);
	/* null: LDTR unusable */
	sysseg_setup("0f 00 13", 0, 0x0002, 0);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.ldtr.sel, 2);
	assert_int_equal(env.ldtr.unusable, 1);
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		sysseg_setup("0f 00 13", faults[i].cpl, faults[i].sel,
			     env_desc(0x12345, 0x3F, faults[i].type,
				      faults[i].s, 0, faults[i].p, 0));
		env_expect_fault(faults[i].vector, faults[i].ec);
		assert_int_equal(env.sysseg_sets, 0);
		assert_int_equal(env.ldtr.sel, 0x60);
	}
	/* IA-32e: 16 bytes, base 63:32 from the second half */
	env_setup(EMUL_MODE_LONG64, 0, "0f 00 d0");     /* lldt ax */
	C.gpr[EMUL_RAX] = 0x38;
	env_set_gdt(7, env_desc(0x12345, 0x3F, 0x2, 0, 0, 1, 0));
	env_set_gdt(8, 0xFFFF8000ull);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.ldtr.base, 0xFFFF800000012345ull);
	/* a non-canonical base (la57's 0xffaaaaaaaaaaaaaa): #GP(selector),
	 * LDTR unchanged */
	env_setup(EMUL_MODE_LONG64, 0, "0f 00 d0");
	C.gpr[EMUL_RAX] = 0x38;
	env_set_gdt(7, env_desc(0xaaaaaaaa, 0x3F, 0x2, 0, 0, 1, 0));
	env_set_gdt(8, 0xffaaaaaaull);
	env_expect_fault(13, 0x38);
	assert_int_equal(env.sysseg_sets, 0);
	/* not present and non-canonical: #NP first */
	env_setup(EMUL_MODE_LONG64, 0, "0f 00 d0");
	C.gpr[EMUL_RAX] = 0x38;
	env_set_gdt(7, env_desc(0x12345, 0x3F, 0x2, 0, 0, 0, 0));
	env_set_gdt(8, 0x80000000ull);
	env_expect_fault(11, 0x38);
	env_setup(EMUL_MODE_LONG64, 0, "0f 00 d0");
	C.gpr[EMUL_RAX] = 0xF8;                          /* last slot */
	env_set_gdt(31, env_desc(0x12345, 0x3F, 0x2, 0, 0, 1, 0));
	env_expect_fault(13, 0xF8);
	/* real mode: #UD */
	env_setup(EMUL_MODE_REAL, 0, "0f 00 d0");
	assert_int_equal(env_run(), EMUL_EXCEPTION);
	assert_int_equal(env.res.event.vector, 6);
}

static void test_ltr(void **state)
{
	static const struct {
		unsigned cpl;
		uint16_t sel;
		unsigned type, p;
		uint8_t vector;
		uint16_t ec;
	} faults[] = {
		{ 3, 0x38, 0x9, 1, 13, 0 },
		{ 0, 0x00, 0x9, 1, 13, 0 },             /* null */
		{ 0, 0x3C, 0x9, 1, 13, 0x3C },          /* TI = 1 */
		{ 0, 0x38, 0xB, 1, 13, 0x38 },          /* busy */
		{ 0, 0x38, 0x2, 1, 13, 0x38 },          /* LDT */
		{ 0, 0x38, 0x9, 0, 11, 0x38 },
	};
	unsigned i;

	(void)state;
	sysseg_setup("0f 00 1b", 0, 0x38, env_desc(0xA000, 0x67, 0x9, 0, 0,
						   1, 0));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.tr.sel, 0x38);
	assert_int_equal(env.tr.base, 0xA000);
	assert_int_equal(env.tr.type, 0xB);                /* busy */
	assert_int_equal((env_get_gdt(7) >> 40) & 0xFF, 0x8B);
	/* a 16-bit TSS outside IA-32e mode */
	sysseg_setup("0f 00 1b", 0, 0x38, env_desc(0xA000, 0x2B, 0x1, 0, 0,
						   1, 0));
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.tr.type, 0x3);
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		uint64_t d = env_desc(0xA000, 0x67, faults[i].type, 0, 0,
				      faults[i].p, 0);

		sysseg_setup("0f 00 1b", faults[i].cpl, faults[i].sel, d);
		env_expect_fault(faults[i].vector, faults[i].ec);
		assert_int_equal(env.sysseg_sets, 0);
		assert_int_equal(env_get_gdt(7), d);
	}
	/* the busy-bit write faults: TR unchanged */
	sysseg_setup("0f 00 1b", 0, 0x38, env_desc(0xA000, 0x67, 0x9, 0, 0,
						   1, 0));
	env.fm.r[0].readonly = true;
	assert_int_equal(env_run(), EMUL_EXCEPTION);
	assert_int_equal(env.res.event.vector, 14);
	assert_int_equal(env.sysseg_sets, 0);
	/* IA-32e: a 16-bit TSS is #GP */
	env_setup(EMUL_MODE_LONG64, 0, "0f 00 d8");     /* ltr ax */
	C.gpr[EMUL_RAX] = 0x38;
	env_set_gdt(7, env_desc(0xA000, 0x67, 0x1, 0, 0, 1, 0));
	env_expect_fault(13, 0x38);
	/* IA-32e: a non-canonical base is #GP(selector), the TSS not busy */
	env_setup(EMUL_MODE_LONG64, 0, "0f 00 d8");
	C.gpr[EMUL_RAX] = 0x38;
	env_set_gdt(7, env_desc(0xA000, 0x67, 0x9, 0, 0, 1, 0));
	env_set_gdt(8, 0x00008000ull);
	env_expect_fault(13, 0x38);
	assert_int_equal(env.sysseg_sets, 0);
	assert_int_equal(env_get_gdt(7), env_desc(0xA000, 0x67, 0x9, 0, 0, 1, 0));
	/* and a canonical high one loads */
	env_setup(EMUL_MODE_LONG64, 0, "0f 00 d8");
	C.gpr[EMUL_RAX] = 0x38;
	env_set_gdt(7, env_desc(0xA000, 0x67, 0x9, 0, 0, 1, 0));
	env_set_gdt(8, 0xffff8000ull);
	assert_int_equal(env_run(), EMUL_DONE);
	assert_int_equal(env.tr.base, 0xffff80000000A000ull);
	/* without set_sysseg: refused */
	sysseg_setup("0f 00 1b", 0, 0x38, env_desc(0xA000, 0x67, 0x9, 0, 0,
						   1, 0));
	{
		struct emul_ops ops = env_ops;

		ops.fetch = fake_ops.fetch;
		ops.set_sysseg = NULL;
		emul_init(&env.ctx, &ops, &env.fm);
		assert_int_equal(env_run(), EMUL_UNSUPPORTED);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mov_ds),
		cmocka_unit_test(test_mov_ds_granular_ldt),
		cmocka_unit_test(test_mov_ds_null_and_limits),
		cmocka_unit_test(test_mov_ds_checks),
		cmocka_unit_test(test_mov_ss),
		cmocka_unit_test(test_long64),
		cmocka_unit_test(test_pop_sreg),
		cmocka_unit_test(test_accessed_fault),
		cmocka_unit_test(test_gdt_in_mmio),
		cmocka_unit_test(test_far_pointer_loads),
		cmocka_unit_test(test_real_mode),
		cmocka_unit_test(test_no_tables),
		cmocka_unit_test(test_lar_lsl),
		cmocka_unit_test(test_verr_verw),
		cmocka_unit_test(test_lldt),
		cmocka_unit_test(test_ltr),
	};

	return cmocka_run_group_tests_name("emul-segload", tests, NULL, NULL);
}
