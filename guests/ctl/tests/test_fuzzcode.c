/*
 * Host unit tests for the random-code fuzzer's machine and guard
 * (guests/ctl/fuzzcode_machine.c, fuzzcode_guard.c, fuzzcode_code.c): the
 * tables each mode gets, that every program starts from a state the guard
 * accepts, that the guard refuses each way delivery can break, and the
 * byte patterns taken out of random code. `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/fuzzcode.h"

static struct fc_machine m;

static int setup(void **state)
{
	(void)state;
	memset(&m, 0, sizeof(m));
	m.low = calloc(1, FC_LOW_BYTES);
	m.high = calloc(1, FC_HIGH_BYTES);
	m.tr_type = 0xb;
	/* the reset state's parts the setup keeps (docs/hypercall-abi.md) */
	m.reset.tr = (struct kvm_segment){ .limit = 0xffff, .type = 3, .present = 1 };
	m.reset.ldt = (struct kvm_segment){ .limit = 0xffff, .type = 2, .present = 1 };
	m.reset.apic_base = 0xfee00900;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(m.low);
	free(m.high);
	return 0;
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, m.low + gpa, 8);
	return v;
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, m.low + gpa, 4);
	return v;
}

static struct fc_program program(enum fc_mode mode, int cpl, uint64_t seed)
{
	struct fc_rng r = { seed };
	struct fc_program p = { .mode = mode, .cpl = cpl };

	fc_program_setup(&m, &p, &r);
	return p;
}

/* ---- tables -------------------------------------------------------------- */

static void test_system_area(void **state)
{
	(void)state;
	program(FC_PROT32, 0, 1);
	assert_int_equal(get32(4 * 14), FC_HANDLERS + 14);             /* IVT 0000:060e */
	assert_int_equal(m.low[FC_HANDLERS], 0xf4);
	assert_int_equal(m.low[FC_HANDLERS + 255], 0xf4);
	assert_int_equal(get64(FC_GDT + FC_SEL_CODE32), 0x00cf9b000000ffffULL);
	assert_int_equal(get64(FC_GDT + FC_SEL_DATA_3), 0x00cff3000000ffffULL);
	assert_int_equal(get64(FC_GDT + FC_SEL_CODE16), 0x00009b020000ffffULL);
	assert_int_equal(get64(FC_GDT + FC_SEL_TSS32), 0x00008b00300000e8ULL);
	/* 32-bit interrupt gate, DPL 3, to 0008:060d */
	assert_int_equal(get64(FC_IDT + 8 * 13), 0x0000ee000008060dULL);
	assert_int_equal(get32(FC_TSS32 + 4), FC_STACK0_TOP);          /* ESP0 */
	assert_int_equal(get32(FC_TSS32 + 8), FC_SEL_DATA);            /* SS0 */
	assert_int_equal(m.low[FC_TSS32 + 0x66], 0x68);                /* IO bitmap */
	assert_int_equal(m.low[FC_TSS32 + FC_TSS_LIMIT], 0xff);
	assert_memory_equal(m.golden, m.low, FC_SYS_BYTES);
}

static void test_long_mode_tables(void **state)
{
	(void)state;
	program(FC_LONG64, 0, 2);
	/* 64-bit gate: 0018:060e, IST 1, P, DPL 3, interrupt gate */
	assert_int_equal(get64(FC_IDT + 16 * 14), 0x0000ee010018060eULL);
	assert_int_equal(get64(FC_IDT + 16 * 14 + 8), 0);
	assert_int_equal(get64(FC_TSS64 + 4), FC_STACK0_TOP);          /* RSP0 */
	assert_int_equal(get64(FC_TSS64 + 0x24), FC_STACK0_TOP);       /* IST1 */
	assert_int_equal(get64(FC_TABLES), 0x6027);                    /* PML4 -> PDPT */
	assert_int_equal(get64(0x6000), 0x7027);                       /* PDPT -> PD */
	assert_int_equal(get64(0x7000), 0x8027);                       /* PD -> PTs */
	assert_int_equal(get64(0x7008), 0x9027);
	assert_int_equal(get64(0x8000 + 8 * 0x20), 0x20067);           /* code: P RW US A D */
	assert_int_equal(get64(0x8000 + 8 * 0x01), 0x1061);            /* GDT: read-only, supervisor */
	assert_int_equal(get64(0x8000 + 8 * 0x0e), 0xe063);            /* handlers' stack: RW */
	assert_int_equal(get64(0x8000 + 8 * 0x40), 0);                 /* the hole */
	assert_int_equal(get64(0x9000 + 8 * 0x1ff), 0x3ff067);         /* MMIO below 4 MiB */
}

static void test_paging_tables(void **state)
{
	(void)state;
	program(FC_PAGING32, 0, 3);
	assert_int_equal(get32(FC_TABLES), 0x6027);
	assert_int_equal(get32(0x6000 + 4 * 0x21), 0x21067);
	assert_int_equal(get32(0x6000 + 4 * 0x4f), 0);
	assert_int_equal(get32(0x6000 + 4 * 0x50), 0x50067);
	program(FC_PAE, 0, 3);
	assert_int_equal(get64(FC_TABLES), 0x6001);                    /* PDPTE: P only */
	assert_int_equal(get64(FC_TABLES + 8), 0);
	assert_int_equal(get64(0x6000), 0x7027);                       /* PD -> PTs */
	assert_int_equal(get64(0x6008), 0x8027);
	assert_int_equal(get64(0x7000), 0x61);                         /* the IVT's page */
	assert_int_equal(get64(0x8000 + 8 * 0x1ff), 0x3ff067);
}

static void test_page_writable(void **state)
{
	(void)state;
	assert_true(fc_page_writable(FC_STACK0_PAGE + 0xff8));
	assert_false(fc_page_writable(FC_GDT));
	assert_false(fc_page_writable(FC_HOLE + 0x10));
	assert_true(fc_page_writable(FC_HOLE - 1));
	assert_true(fc_page_writable(FC_CODE));
	assert_true(fc_page_writable(FC_MAPPED_END - 1));
	assert_false(fc_page_writable(FC_MAPPED_END));
}

/* ---- initial states ------------------------------------------------------ */

static void test_modes(void **state)
{
	(void)state;
	struct fc_program p = program(FC_REAL, 0, 4);
	assert_int_equal(p.sregs.cs.base, FC_CODE);
	assert_int_equal(p.sregs.cr0 & 0x80000001, 0);
	assert_int_equal(p.sregs.idt.limit, 0x3ff);
	assert_true(p.regs.rip < 16);

	p = program(FC_BIGREAL, 0, 4);
	assert_int_equal(p.sregs.ds.limit, 0xffffffff);
	assert_int_equal(p.sregs.ss.limit, 0xffff);

	p = program(FC_PROT16, 0, 4);
	assert_int_equal(p.sregs.cs.selector, FC_SEL_CODE16);
	assert_int_equal(p.sregs.cs.db, 0);

	p = program(FC_PAE, 3, 4);
	assert_int_equal(p.sregs.cs.selector, FC_SEL_CODE32_3 | 3);
	assert_int_equal(p.sregs.ss.dpl, 3);
	assert_int_equal(p.sregs.cr3, FC_TABLES);
	assert_int_equal(p.sregs.cr4 & 0x20, 0x20);
	assert_int_equal(p.sregs.efer & 0x500, 0);

	p = program(FC_LONG64, 0, 4);
	assert_int_equal(p.sregs.efer & 0x500, 0x500);
	assert_int_equal(p.sregs.cs.l, 1);
	assert_int_equal(p.sregs.tr.base, FC_TSS64);
	assert_int_equal(p.sregs.tr.type, 0xb);
	assert_int_equal(p.regs.rip & ~0xfULL, FC_CODE);

	p = program(FC_COMPAT, 3, 4);
	assert_int_equal(p.sregs.cs.l, 0);
	assert_int_equal(p.sregs.cs.db, 1);
	assert_int_equal(p.sregs.efer & 0x500, 0x500);
}

/* Every program starts where an exception would reach its handler; only
 * its first instruction may be one the guard holds back (an IRETD into
 * virtual-8086 mode, MOV SS, POP SS), and rarely. */
static void test_every_start_is_safe(void **state)
{
	unsigned held = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 300; seed++) {
		for (int mode = 0; mode < FC_MODES; mode++) {
			for (int cpl = 0; cpl <= 3; cpl += 3) {
				struct fc_program p = program((enum fc_mode)mode, cpl, seed);
				const char *why = fc_unsafe(&m, &p, &p.sregs, &p.regs);
				if (why)
					assert_string_equal(why, "v86");
				held += why != NULL;
			}
		}
	}
	assert_true(held < 300 * FC_MODES * 2 / 50);
}

/* Same source, same program. */
static void test_deterministic(void **state)
{
	static uint8_t first[FC_CODE_BYTES];

	(void)state;
	struct fc_program a = program(FC_PROT32, 0, 77);
	memcpy(first, m.low + FC_CODE, sizeof(first));
	struct fc_program b = program(FC_PROT32, 0, 77);
	assert_memory_equal(first, m.low + FC_CODE, sizeof(first));
	assert_memory_equal(&a.regs, &b.regs, sizeof(a.regs));
	program(FC_PROT32, 0, 78);
	assert_memory_not_equal(first, m.low + FC_CODE, sizeof(first));
}

/* ---- the guard ----------------------------------------------------------- */

static const char *unsafe_after(struct fc_program *p, void (*change)(struct kvm_sregs *s,
								     struct kvm_regs *g))
{
	struct kvm_sregs s = p->sregs;
	struct kvm_regs g = p->regs;

	change(&s, &g);
	return fc_unsafe(&m, p, &s, &g);
}

static void sp_odd_low(struct kvm_sregs *s, struct kvm_regs *g) { (void)s; g->rsp = 3; }
static void sp_zero(struct kvm_sregs *s, struct kvm_regs *g) { (void)s; g->rsp = 0; }
static void sp_odd_high(struct kvm_sregs *s, struct kvm_regs *g) { (void)s; g->rsp = 0xffff; }
static void idt_moved(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->idt.base += 8; }
static void idt_shorter(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->idt.limit = 0x3f; }
static void pe_on(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->cr0 |= 1; }
static void pe_off(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->cr0 &= ~1ULL; }
static void ts_on(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->cr0 |= 8; }
static void wp_off(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->cr0 &= ~0x10000ULL; }
static void esp_low(struct kvm_sregs *s, struct kvm_regs *g) { (void)s; g->rsp = 16; }
static void esp_mmio(struct kvm_sregs *s, struct kvm_regs *g) { (void)s; g->rsp = 0xc0000000; }
static void esp_hole(struct kvm_sregs *s, struct kvm_regs *g) { (void)s; g->rsp = FC_HOLE + 0x800; }
static void esp_gdt(struct kvm_sregs *s, struct kvm_regs *g) { (void)s; g->rsp = FC_GDT + 0x80; }
static void ss_16(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->ss.db = 0; }
static void ss_based(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->ss.base = 0x1000; }
static void ss_code(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->ss.type = 0xb; }
static void ring0(struct kvm_sregs *s, struct kvm_regs *g)
{
	(void)g;
	s->cs.selector = FC_SEL_CODE32;
	s->ss.dpl = 0;
	g->rsp = FC_HOLE + 0x800;
}
static void v86(struct kvm_sregs *s, struct kvm_regs *g)
{
	s->cs.selector = 0x2000;
	s->ss.dpl = 3;
	g->rflags |= 0x20000;
	g->rsp = 3;
}
static void rsp_wild(struct kvm_sregs *s, struct kvm_regs *g) { (void)s; g->rsp = 0x8000000000000000ULL; }
static void tr_moved(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->tr.base = 0x5000; }
static void gdt_moved(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->gdt.base = 0; }
static void cr3_moved(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->cr3 = 0x6000; }
static void smep_on(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->cr4 |= 1 << 20; }
static void fxsr_flip(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->cr4 ^= 0x200; }
static void lma_off(struct kvm_sregs *s, struct kvm_regs *g) { (void)g; s->efer &= ~0x400ULL; }
static void nothing(struct kvm_sregs *s, struct kvm_regs *g) { (void)s; (void)g; }

static void test_guard_real_mode(void **state)
{
	(void)state;
	struct fc_program p = program(FC_REAL, 0, 5);
	assert_string_equal(unsafe_after(&p, sp_odd_low), "stack");     /* a word at 0xffff */
	assert_null(unsafe_after(&p, sp_zero));                        /* wraps to 0xfffe */
	assert_null(unsafe_after(&p, sp_odd_high));
	assert_string_equal(unsafe_after(&p, idt_moved), "idtr");
	assert_string_equal(unsafe_after(&p, idt_shorter), "idtr");
	assert_string_equal(unsafe_after(&p, pe_on), "cr0");
	assert_null(unsafe_after(&p, ts_on));
	m.low[4 * 13 + 1] ^= 1;                                         /* the #GP vector */
	assert_string_equal(unsafe_after(&p, nothing), "tables");
	m.low[4 * 13 + 1] ^= 1;
	m.low[FC_GDT] ^= 1;                                             /* unused in real mode */
	assert_null(unsafe_after(&p, nothing));
	m.low[FC_GDT] ^= 1;
}

static void test_guard_protected_ring0(void **state)
{
	(void)state;
	struct fc_program p = program(FC_PROT32, 0, 6);
	assert_null(unsafe_after(&p, nothing));
	assert_string_equal(unsafe_after(&p, esp_low), "stack");
	assert_null(unsafe_after(&p, esp_mmio));                       /* no paging: no fault */
	assert_string_equal(unsafe_after(&p, ss_16), "stack");
	assert_string_equal(unsafe_after(&p, ss_based), "stack");
	assert_string_equal(unsafe_after(&p, ss_code), "stack");
	assert_string_equal(unsafe_after(&p, pe_off), "cr0");
	assert_string_equal(unsafe_after(&p, gdt_moved), "gdtr");
	assert_string_equal(unsafe_after(&p, tr_moved), "tr");
	assert_null(unsafe_after(&p, wp_off));                         /* no paging */
	m.low[FC_IDT + 8 * 14 + 2] ^= 0x10;                             /* #PF's selector */
	assert_string_equal(unsafe_after(&p, nothing), "tables");
	m.low[FC_IDT + 8 * 14 + 2] ^= 0x10;
	m.low[FC_HANDLERS + 6] = 0x90;                                  /* #UD's HLT */
	assert_string_equal(unsafe_after(&p, nothing), "tables");
	m.low[FC_HANDLERS + 6] = 0xf4;
	m.low[FC_GDT + FC_SEL_RANDOM] ^= 1;                             /* no gate names it */
	assert_null(unsafe_after(&p, nothing));
	m.low[FC_GDT + FC_SEL_RANDOM] ^= 1;
}

/* A 32-bit IRET at CPL 0 popping EFLAGS.VM = 1 does not run (Bochs). */
static void test_guard_iret_to_v86(void **state)
{
	(void)state;
	struct fc_program p = program(FC_PROT32, 0, 9);
	uint64_t ip = p.regs.rip, sp = p.regs.rsp;

	m.low[ip] = 0xcf;                       /* iretd */
	m.low[sp + 10] = 0x02;                  /* EFLAGS.VM */
	assert_string_equal(unsafe_after(&p, nothing), "v86");
	m.low[sp + 10] = 0x01;                  /* AC only */
	assert_null(unsafe_after(&p, nothing));
	m.low[sp + 10] = 0x02;
	m.low[ip] = 0x66;                       /* o16 iret: pops FLAGS only */
	m.low[ip + 1] = 0xcf;
	assert_null(unsafe_after(&p, nothing));
	m.low[ip] = 0x2e;                       /* cs iretd */
	assert_string_equal(unsafe_after(&p, nothing), "v86");
	m.low[ip] = 0x17;                       /* pop ss: the next step is two */
	assert_string_equal(unsafe_after(&p, nothing), "v86");
	m.low[ip] = 0x8e;                       /* mov ss, ax */
	m.low[ip + 1] = 0xd0;
	assert_string_equal(unsafe_after(&p, nothing), "v86");
	m.low[ip + 1] = 0xd8;                   /* mov ds, ax */
	assert_null(unsafe_after(&p, nothing));

	p = program(FC_PROT16, 0, 9);           /* 16-bit code: 66 makes it IRETD */
	ip = FC_CODE + p.regs.rip;
	sp = p.regs.rsp;
	m.low[ip] = 0x66;
	m.low[ip + 1] = 0xcf;
	m.low[sp + 10] = 0x02;
	assert_string_equal(unsafe_after(&p, nothing), "v86");
	m.low[ip] = 0xcf;
	assert_null(unsafe_after(&p, nothing));

	p = program(FC_PAE, 3, 9);              /* CPL 3: IRET cannot set VM */
	m.low[p.regs.rip] = 0xcf;
	m.low[p.regs.rsp + 10] = 0x02;
	assert_null(unsafe_after(&p, nothing));
}

static void test_guard_paging(void **state)
{
	(void)state;
	struct fc_program p = program(FC_PAGING32, 0, 7);
	assert_string_equal(unsafe_after(&p, esp_hole), "stack");
	assert_string_equal(unsafe_after(&p, esp_gdt), "stack");       /* read-only page */
	assert_string_equal(unsafe_after(&p, esp_mmio), "stack");      /* not mapped */
	assert_string_equal(unsafe_after(&p, cr3_moved), "cr3");
	assert_string_equal(unsafe_after(&p, smep_on), "cr4");
	assert_null(unsafe_after(&p, fxsr_flip));
	assert_string_equal(unsafe_after(&p, wp_off), "cr0");          /* tables writable */
	m.low[0x6000 + 4 * 0x38] ^= 2;          /* read-only with WP: not compared */
	assert_null(unsafe_after(&p, nothing));
	m.low[0x6000 + 4 * 0x38] ^= 2;

	p = program(FC_PAE, 3, 7);
	assert_null(unsafe_after(&p, esp_hole));                       /* SS0:ESP0 then */
	assert_null(unsafe_after(&p, v86));
	assert_string_equal(unsafe_after(&p, ring0), "stack");
}

static void test_guard_long_mode(void **state)
{
	(void)state;
	struct fc_program p = program(FC_LONG64, 0, 8);
	assert_null(unsafe_after(&p, rsp_wild));                       /* IST 1 */
	assert_string_equal(unsafe_after(&p, tr_moved), "tr");
	assert_string_equal(unsafe_after(&p, lma_off), "efer");
	assert_string_equal(unsafe_after(&p, wp_off), "cr0");
	assert_null(unsafe_after(&p, ts_on));
}

/* ---- what random code must not hold -------------------------------------- */

static void test_scrub(void **state)
{
	static const struct {
		uint8_t in[8], out[8];
	} cases[] = {
		{ { 0x0f, 0x23, 0xf8 }, { 0x0f, 0x23, 0xc0 } },         /* mov dr7, eax */
		{ { 0x0f, 0x23, 0xe9 }, { 0x0f, 0x23, 0xc1 } },         /* mov dr5, ecx */
		{ { 0x0f, 0x23, 0xd0 }, { 0x0f, 0x23, 0xd0 } },         /* mov dr2: kept */
		{ { 0x0f, 0x21, 0xf8 }, { 0x0f, 0x21, 0xf8 } },         /* from dr7: kept */
		{ { 0xf0, 0x0f, 0xba, 0xf4, 0xec }, { 0x3e, 0x0f, 0xba, 0xf4, 0xec } },
		{ { 0xf0, 0x66, 0x48, 0x0f, 0xab, 0xc0 }, { 0x3e, 0x66, 0x48, 0x0f, 0xab, 0xc0 } },
		{ { 0xf0, 0x90, 0x0f, 0xab, 0xc0 }, { 0xf0, 0x90, 0x0f, 0xab, 0xc0 } },
		{ { 0xf0, 0x0f, 0xb1, 0x08 }, { 0xf0, 0x0f, 0xb1, 0x08 } },     /* cmpxchg */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[8];
		memcpy(b, cases[i].in, 8);
		fc_scrub(b, 8);
		assert_memory_equal(b, cases[i].out, 8);
	}
}

/* Code for any mode holds none of it. */
static void test_code_is_scrubbed(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 200; seed++) {
		program((enum fc_mode)(seed % FC_MODES), 0, seed);
		const uint8_t *c = m.low + FC_CODE;
		for (unsigned i = 0; i + 2 < FC_CODE_BYTES; i++)
			assert_false(c[i] == 0x0f && c[i + 1] == 0x23 &&
				     (((c[i + 2] >> 3) & 7) == 7 || ((c[i + 2] >> 3) & 7) == 5));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_system_area, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_mode_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paging_tables, setup, teardown),
		cmocka_unit_test(test_page_writable),
		cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_start_is_safe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_real_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_protected_ring0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_iret_to_v86, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_long_mode, setup, teardown),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test_setup_teardown(test_code_is_scrubbed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
