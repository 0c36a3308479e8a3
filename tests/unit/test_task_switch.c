/*
 * Host tests for core/task_switch.c: hardware task switches on a vCPU
 * state and a flat fake guest memory (Intel SDM Vol. 3 7.3, Table 7-1,
 * 6.12.2, Table 6-5; the CALL, JMP, IRET and INT pseudo-code in Vol. 2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/task_switch.h"
#include "core/task_replay.h"

#define MEM_SIZE 0x10000
#define GDT     0x1000
#define TSS_A   0x2000          /* the running task's (32-bit, busy) */
#define TSS_B   0x3000          /* 32-bit, available */
#define TSS_16  0x5000          /* 16-bit, available */
#define LDT_BASE 0x4000
#define IDT     0x6000
#define STACK_B 0x8000          /* task B's ESP */

#define SEL_CODE   0x08
#define SEL_DATA   0x10
#define SEL_TSS_A  0x18
#define SEL_TSS_B  0x20
#define SEL_LDT    0x28
#define SEL_CODE3  0x30
#define SEL_DATA3  0x38
#define SEL_TSS_16 0x40
#define SEL_SMALL  0x48         /* 32-bit TSS with limit 0x60 */
#define SEL_NP     0x50         /* 32-bit TSS, not present */
#define SEL_CODE_NP 0x58        /* code segment, not present */
#define GDT_LIMIT  0x5f

#define NT (1u << 14)
#define CR0_PE 1ull
#define CR0_TS 8ull
#define CR0_PG (1ull << 31)

static uint8_t mem[MEM_SIZE];
static unsigned writes;
static uint64_t pf_lo, pf_hi;           /* [lo, hi): #PF on any access */

static enum task_mem_status fake_access(void *ctx, const struct vcpu_sregs *paging,
					uint64_t la, void *buf, unsigned len,
					bool write, struct task_fault *f)
{
	(void)ctx;
	(void)paging;
	if (la + len > MEM_SIZE)
		return TASK_MEM_BAD;
	if (la + len > pf_lo && la < pf_hi) {
		*f = (struct task_fault){ .vector = 14, .has_error_code = true,
					  .error_code = write ? 2 : 0,
					  .cr2 = la < pf_lo ? pf_lo : la };
		return TASK_MEM_FAULT;
	}
	if (!buf)
		return TASK_MEM_OK;
	if (write) {
		memcpy(mem + la, buf, len);
		writes++;
	} else {
		memcpy(buf, mem + la, len);
	}
	return TASK_MEM_OK;
}

/* Guest-physical reads (the PAE PDPTEs): the same flat memory. */
static int fake_read_phys(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	if (gpa + len > MEM_SIZE)
		return -1;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static const struct task_mem fake = { fake_access, 0, fake_read_phys, 36 };

static uint32_t rd32(uint32_t a)
{
	uint32_t v;
	memcpy(&v, mem + a, 4);
	return v;
}

static uint16_t rd16(uint32_t a)
{
	uint16_t v;
	memcpy(&v, mem + a, 2);
	return v;
}

static void wr32(uint32_t a, uint32_t v)
{
	memcpy(mem + a, &v, 4);
}

static void wr16(uint32_t a, uint16_t v)
{
	memcpy(mem + a, &v, 2);
}

/* A descriptor: base, limit (bytes, < 1 MiB), access byte, flags nibble. */
static void desc(unsigned sel, uint32_t base, uint32_t limit, uint8_t access,
		 uint8_t flags)
{
	uint8_t *d = mem + GDT + (sel & ~7u);

	d[0] = (uint8_t)limit;
	d[1] = (uint8_t)(limit >> 8);
	d[2] = (uint8_t)base;
	d[3] = (uint8_t)(base >> 8);
	d[4] = (uint8_t)(base >> 16);
	d[5] = access;
	d[6] = (uint8_t)((limit >> 16) & 0xf) | (uint8_t)(flags << 4);
	d[7] = (uint8_t)(base >> 24);
}

static uint8_t access_byte(unsigned sel)
{
	return mem[GDT + (sel & ~7u) + 5];
}

/* Task B's TSS: runs at 0x700 with flat DPL 0 segments, an LDT, CR3
 * 0x9000, and recognizable registers. */
static void tss_b_image(void)
{
	memset(mem + TSS_B, 0, 0x68);
	wr32(TSS_B + 0x1c, 0x9000);
	wr32(TSS_B + 0x20, 0x700);
	wr32(TSS_B + 0x24, 0x2 | (1u << 0));    /* CF */
	for (unsigned i = 0; i < 8; i++)
		wr32(TSS_B + 0x28 + 4 * i, 0xb0000000u + i);
	wr32(TSS_B + 0x38, STACK_B);            /* ESP */
	wr16(TSS_B + 0x48, SEL_DATA);
	wr16(TSS_B + 0x4c, SEL_CODE);
	wr16(TSS_B + 0x50, SEL_DATA);
	wr16(TSS_B + 0x54, SEL_DATA);
	wr16(TSS_B + 0x58, 0);
	wr16(TSS_B + 0x5c, SEL_DATA);
	wr16(TSS_B + 0x60, SEL_LDT);
}

static struct vcpu_regs regs;
static struct vcpu_sregs sregs;

static struct vcpu_segment flat(uint16_t sel, uint8_t type, uint8_t dpl)
{
	return (struct vcpu_segment){ .base = 0, .limit = 0xffffffff,
		.selector = sel, .type = type, .s = 1, .dpl = dpl, .present = 1,
		.db = 1, .g = 1 };
}

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	writes = 0;
	pf_lo = pf_hi = 0;
	desc(SEL_CODE, 0, 0xfffff, 0x9b, 0xc);
	desc(SEL_DATA, 0, 0xfffff, 0x93, 0xc);
	desc(SEL_TSS_A, TSS_A, 0x67, 0x8b, 0);          /* busy 32-bit */
	desc(SEL_TSS_B, TSS_B, 0x67, 0x89, 0);          /* available */
	desc(SEL_LDT, LDT_BASE, 0xf, 0x82, 0);
	desc(SEL_CODE3, 0, 0xfffff, 0xfb, 0xc);
	desc(SEL_DATA3, 0, 0xfffff, 0xf3, 0xc);
	desc(SEL_TSS_16, TSS_16, 0x2b, 0x81, 0);        /* 16-bit available */
	desc(SEL_SMALL, 0x7000, 0x60, 0x89, 0);
	desc(SEL_NP, 0x7000, 0x67, 0x09, 0);
	desc(SEL_CODE_NP, 0, 0xfffff, 0x1b, 0xc);
	tss_b_image();
	regs = (struct vcpu_regs){ .rax = 0xa0, .rcx = 0xa1, .rdx = 0xa2,
		.rbx = 0xa3, .rsp = 0x7ff0, .rbp = 0xa5, .rsi = 0xa6, .rdi = 0xa7,
		.rip = 0x500, .rflags = 0x202 };
	sregs = (struct vcpu_sregs){
		.cs = flat(SEL_CODE, 0xb, 0), .ss = flat(SEL_DATA, 3, 0),
		.ds = flat(SEL_DATA, 3, 0), .es = flat(SEL_DATA, 3, 0),
		.fs = flat(SEL_DATA, 3, 0), .gs = flat(SEL_DATA, 3, 0),
		.tr = { .base = TSS_A, .limit = 0x67, .selector = SEL_TSS_A,
			.type = 11, .present = 1 },
		.ldt = { .unusable = 1 },
		.gdt = { GDT, GDT_LIMIT }, .idt = { IDT, 0x7ff },
		.cr0 = CR0_PE | 0x10, .cr3 = 0x1234000,
	};
	return 0;
}

static struct task_outcome run(uint16_t sel, uint8_t source, uint32_t insn_len)
{
	struct task_switch ts = { .selector = sel, .source = source,
				  .insn_len = insn_len };
	struct task_outcome o;

	task_switch_run(&ts, &regs, &sregs, &fake, &o);
	return o;
}

static void assert_fault(const struct task_outcome *o, uint8_t vector,
			 uint32_t error_code, bool committed)
{
	assert_int_equal(o->result, TASK_FAULT);
	assert_int_equal(o->fault.vector, vector);
	assert_true(o->fault.has_error_code);
	assert_int_equal(o->fault.error_code, error_code);
	assert_int_equal(o->committed, committed);
}

/* The old task's state in TSS A as the switch at RIP 0x500 left it. */
static void assert_saved_a(uint32_t eip, uint32_t eflags)
{
	assert_int_equal(rd32(TSS_A + 0x20), eip);
	assert_int_equal(rd32(TSS_A + 0x24), eflags);
	assert_int_equal(rd32(TSS_A + 0x28), 0xa0);     /* EAX */
	assert_int_equal(rd32(TSS_A + 0x2c), 0xa1);     /* ECX */
	assert_int_equal(rd32(TSS_A + 0x34), 0xa3);     /* EBX */
	assert_int_equal(rd32(TSS_A + 0x38), 0x7ff0);   /* ESP */
	assert_int_equal(rd32(TSS_A + 0x44), 0xa7);     /* EDI */
	assert_int_equal(rd16(TSS_A + 0x4c), SEL_CODE);
	assert_int_equal(rd16(TSS_A + 0x50), SEL_DATA);
}

/* The state task B's TSS holds, in the vCPU. */
static void assert_in_b(void)
{
	assert_int_equal(regs.rip, 0x700);
	assert_int_equal(regs.rax, 0xb0000000);
	assert_int_equal(regs.rcx, 0xb0000001);
	assert_int_equal(regs.rbx, 0xb0000003);
	assert_int_equal(regs.rdi, 0xb0000007);
	assert_int_equal(sregs.tr.selector, SEL_TSS_B);
	assert_int_equal(sregs.tr.base, TSS_B);
	assert_int_equal(sregs.tr.type, 11);
	assert_int_equal(sregs.cs.selector, SEL_CODE);
	assert_int_equal(sregs.cs.limit, 0xffffffff);
	assert_int_equal(sregs.ss.selector, SEL_DATA);
	assert_true(sregs.fs.unusable);
	assert_int_equal(sregs.ldt.selector, SEL_LDT);
	assert_int_equal(sregs.ldt.base, LDT_BASE);
	assert_true(sregs.cr0 & CR0_TS);
}

static void test_jmp(void **state)
{
	(void)state;
	struct task_outcome o = run(SEL_TSS_B, TASK_FROM_JMP, 7);

	assert_int_equal(o.result, TASK_DONE);
	assert_saved_a(0x507, 0x202);
	assert_in_b();
	assert_int_equal(regs.rsp, STACK_B);
	assert_int_equal(regs.rflags, 0x3);             /* NT as loaded: clear */
	assert_int_equal(access_byte(SEL_TSS_A), 0x89); /* old: available */
	assert_int_equal(access_byte(SEL_TSS_B), 0x8b); /* new: busy */
	assert_int_equal(rd16(TSS_B), 0);               /* no back link */
	/* paging off: CR3 stays */
	assert_int_equal(sregs.cr3, 0x1234000);
	/* the data and code descriptors loaded are marked accessed */
	assert_int_equal(access_byte(SEL_CODE), 0x9b);
}

static void test_call_then_iret(void **state)
{
	(void)state;
	struct task_outcome o = run(SEL_TSS_B, TASK_FROM_CALL, 7);

	assert_int_equal(o.result, TASK_DONE);
	assert_in_b();
	assert_int_equal(regs.rflags, 0x3 | NT);
	assert_int_equal(rd16(TSS_B), SEL_TSS_A);       /* back link */
	assert_int_equal(access_byte(SEL_TSS_A), 0x8b); /* old stays busy */
	assert_int_equal(access_byte(SEL_TSS_B), 0x8b);
	assert_saved_a(0x507, 0x202);

	/* B returns with IRET (1 byte at 0x710): back to A after its CALL */
	regs.rip = 0x710;
	o = run(SEL_TSS_A, TASK_FROM_IRET, 1);
	assert_int_equal(o.result, TASK_DONE);
	assert_int_equal(regs.rip, 0x507);
	assert_int_equal(regs.rax, 0xa0);
	assert_int_equal(regs.rsp, 0x7ff0);
	assert_int_equal(regs.rflags, 0x202);
	assert_int_equal(sregs.tr.selector, SEL_TSS_A);
	assert_int_equal(access_byte(SEL_TSS_B), 0x89); /* B: available again */
	assert_int_equal(access_byte(SEL_TSS_A), 0x8b);
	/* B saved with NT clear, resuming after its IRET */
	assert_int_equal(rd32(TSS_B + 0x20), 0x711);
	assert_int_equal(rd32(TSS_B + 0x24), 0x3);
}

static void test_iret_needs_busy_tss(void **state)
{
	(void)state;
	struct task_outcome o = run(SEL_TSS_B, TASK_FROM_IRET, 1);

	assert_fault(&o, 10, SEL_TSS_B, false);
	assert_int_equal(writes, 0);
	assert_int_equal(regs.rip, 0x500);
	assert_int_equal(sregs.tr.selector, SEL_TSS_A);
}

static void test_busy_jmp_and_call(void **state)
{
	(void)state;
	struct task_outcome o = run(SEL_TSS_A, TASK_FROM_JMP, 7);

	assert_fault(&o, 13, SEL_TSS_A, false);
	o = run(SEL_TSS_A | 3, TASK_FROM_CALL, 7);
	assert_fault(&o, 13, SEL_TSS_A, false);
	assert_int_equal(writes, 0);
}

static void test_tss_descriptor_checks(void **state)
{
	(void)state;
	struct task_outcome o = run(SEL_SMALL, TASK_FROM_JMP, 7);

	assert_fault(&o, 10, SEL_SMALL, false);         /* limit < 0x67 */
	o = run(SEL_NP, TASK_FROM_CALL, 7);
	assert_fault(&o, 11, SEL_NP, false);
	o = run(SEL_DATA, TASK_FROM_JMP, 7);
	assert_fault(&o, 13, SEL_DATA, false);          /* not a TSS */
	o = run(0x60, TASK_FROM_JMP, 7);
	assert_fault(&o, 13, 0x60, false);              /* past the GDT limit */
	o = run(SEL_TSS_B | 4, TASK_FROM_JMP, 7);
	assert_fault(&o, 13, SEL_TSS_B | 4, false);     /* in the LDT (TI) */
	o = run(0, TASK_FROM_CALL, 7);
	assert_fault(&o, 13, 0, false);
	/* through a task gate for an exception: EXT set */
	struct task_switch ts = { .selector = SEL_SMALL, .source = TASK_FROM_GATE,
				  .vector = 8, .external = true,
				  .has_error_code = true };
	task_switch_run(&ts, &regs, &sregs, &fake, &o);
	assert_fault(&o, 10, SEL_SMALL | 1, false);
	assert_int_equal(writes, 0);
}

static void test_old_tss_too_small(void **state)
{
	(void)state;
	sregs.tr.limit = 0x5e;
	struct task_outcome o = run(SEL_TSS_B, TASK_FROM_JMP, 7);

	assert_fault(&o, 10, SEL_TSS_A, false);
}

static void test_exception_through_gate(void **state)
{
	(void)state;
	struct task_switch ts = { .selector = SEL_TSS_B, .source = TASK_FROM_GATE,
				  .vector = 13, .external = true,
				  .has_error_code = true, .error_code = 0x1230 };
	struct task_outcome o;

	task_switch_run(&ts, &regs, &sregs, &fake, &o);
	assert_int_equal(o.result, TASK_DONE);
	assert_in_b();
	assert_int_equal(regs.rflags, 0x3 | NT);
	assert_int_equal(rd16(TSS_B), SEL_TSS_A);
	/* the fault's RIP is saved as it is: no instruction to step over */
	assert_saved_a(0x500, 0x202);
	assert_int_equal(regs.rsp, STACK_B - 4);
	assert_int_equal(rd32(STACK_B - 4), 0x1230);
}

static void test_int_n_gate_dpl(void **state)
{
	(void)state;
	struct task_switch ts = { .selector = SEL_TSS_B, .source = TASK_FROM_GATE,
				  .vector = 0x40, .soft = true, .insn_len = 2 };
	struct task_outcome o;

	/* task gate, DPL 0, at CPL 3 */
	mem[IDT + 0x40 * 8 + 5] = 0x85;
	sregs.ss.dpl = 3;
	task_switch_run(&ts, &regs, &sregs, &fake, &o);
	assert_fault(&o, 13, 0x40 * 8 + 2, false);
	/* DPL 3: allowed, resumes after INT n */
	mem[IDT + 0x40 * 8 + 5] = 0xe5;
	task_switch_run(&ts, &regs, &sregs, &fake, &o);
	assert_int_equal(o.result, TASK_DONE);
	assert_int_equal(rd32(TSS_A + 0x20), 0x502);
	assert_int_equal(regs.rflags & NT, NT);
}

/* A gate the caller checked (the emulator read it from an IDT in MMIO):
 * the IDT is not read again, whatever it holds or where it is. */
static void test_int_n_gate_checked(void **state)
{
	(void)state;
	struct task_switch ts = { .selector = SEL_TSS_B, .source = TASK_FROM_GATE,
				  .vector = 0x40, .soft = true, .gate_checked = true,
				  .insn_len = 2 };
	struct task_outcome o;

	mem[IDT + 0x40 * 8 + 5] = 0x85;         /* DPL 0 at CPL 3 */
	sregs.ss.dpl = 3;
	sregs.idt.base = MEM_SIZE;              /* not guest RAM */
	task_switch_run(&ts, &regs, &sregs, &fake, &o);
	assert_int_equal(o.result, TASK_DONE);
	assert_int_equal(rd32(TSS_A + 0x20), 0x502);
	assert_int_equal(rd16(TSS_B), SEL_TSS_A);
	assert_int_equal(regs.rflags & NT, NT);
}

static void test_cr3_with_paging(void **state)
{
	(void)state;
	sregs.cr0 |= CR0_PG;
	struct task_outcome o = run(SEL_TSS_B, TASK_FROM_JMP, 7);

	assert_int_equal(o.result, TASK_DONE);
	assert_int_equal(sregs.cr3, 0x9000);
	assert_true(o.cr3_loaded);
	/* without paging the TSS's CR3 is not loaded */
	setup(NULL);
	o = run(SEL_TSS_B, TASK_FROM_JMP, 7);
	assert_int_equal(o.result, TASK_DONE);
	assert_false(o.cr3_loaded);
}

static void wr64(uint32_t a, uint64_t v)
{
	wr32(a, (uint32_t)v);
	wr32(a + 4, (uint32_t)(v >> 32));
}

/* PAE paging: the new CR3's PDPTEs are loaded, and a present one with a
 * reserved bit set is a #GP(0) in the new task (SDM Vol. 3 4.4.1). */
static void test_pae_pdptes_of_the_new_cr3(void **state)
{
	(void)state;
	sregs.cr0 |= CR0_PG;
	sregs.cr4 |= 1u << 5;                           /* PAE */
	wr64(0x9000, 0x1001);                           /* present, valid */
	wr64(0x9008, 0x1e6);                            /* not present: anything */
	struct task_outcome o = run(SEL_TSS_B, TASK_FROM_JMP, 7);

	assert_int_equal(o.result, TASK_DONE);
	assert_int_equal(sregs.cr3, 0x9000);

	static const uint64_t bad[] = { 0x1003, 0x1005, 0x1021, 0x1101,
					0x1000001000ULL | 1 /* bit 36 */,
					(1ULL << 63) | 0x1001 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(NULL);
		sregs.cr0 |= CR0_PG;
		sregs.cr4 |= 1u << 5;
		wr64(0x9000, 0x1001);
		wr64(0x9018, bad[i]);
		o = run(SEL_TSS_B, TASK_FROM_JMP, 7);
		assert_fault(&o, 13, 0, true);
		assert_int_equal(sregs.tr.selector, SEL_TSS_B);  /* switched */
		assert_int_equal(regs.rip, 0x700);
		assert_false(o.debug_trap);
	}
	/* without PAE the same CR3 is a page directory: no PDPTE check */
	setup(NULL);
	sregs.cr0 |= CR0_PG;
	wr64(0x9018, 0x1003);
	assert_int_equal(run(SEL_TSS_B, TASK_FROM_JMP, 7).result, TASK_DONE);
}

/* The T bit of the new 32-bit TSS asks for a #DB (DR6.BT) before the new
 * task's first instruction (SDM Vol. 3 17.3.1.5); only when the switch
 * completes. */
static void test_debug_trap_bit(void **state)
{
	(void)state;
	struct task_outcome o = run(SEL_TSS_B, TASK_FROM_JMP, 7);

	assert_int_equal(o.result, TASK_DONE);
	assert_false(o.debug_trap);

	setup(NULL);
	mem[TSS_B + 0x64] = 1;
	o = run(SEL_TSS_B, TASK_FROM_CALL, 7);
	assert_int_equal(o.result, TASK_DONE);
	assert_true(o.committed);
	assert_true(o.debug_trap);

	/* a fault in the new task comes instead */
	setup(NULL);
	mem[TSS_B + 0x64] = 1;
	wr16(TSS_B + 0x4c, SEL_CODE_NP);
	o = run(SEL_TSS_B, TASK_FROM_JMP, 7);
	assert_int_equal(o.result, TASK_FAULT);
	assert_true(o.committed);
	assert_false(o.debug_trap);
}

static void test_page_fault_before_commit(void **state)
{
	(void)state;
	/* the old TSS's save area is not writable: nothing changes */
	pf_lo = TSS_A + 0x40;
	pf_hi = TSS_A + 0x41;
	struct task_outcome o = run(SEL_TSS_B, TASK_FROM_JMP, 7);

	assert_int_equal(o.result, TASK_FAULT);
	assert_false(o.committed);
	assert_int_equal(o.fault.vector, 14);
	assert_int_equal(o.fault.error_code, 2);
	assert_int_equal(o.fault.cr2, TSS_A + 0x40);
	assert_int_equal(writes, 0);
	assert_int_equal(access_byte(SEL_TSS_A), 0x8b);
	assert_int_equal(regs.rip, 0x500);
}

static void test_faults_in_new_task(void **state)
{
	(void)state;
	/* CS with DPL 3 but RPL 0: #TS(CS) after the switch */
	wr16(TSS_B + 0x4c, SEL_CODE3);
	struct task_outcome o = run(SEL_TSS_B, TASK_FROM_JMP, 7);

	assert_fault(&o, 10, SEL_CODE3, true);
	assert_int_equal(sregs.tr.selector, SEL_TSS_B);
	assert_int_equal(regs.rip, 0x700);
	assert_int_equal(sregs.cs.selector, SEL_CODE3);
	assert_int_equal(access_byte(SEL_TSS_B), 0x8b);

	/* code segment not present: #NP(CS) */
	setup(0);
	wr16(TSS_B + 0x4c, SEL_CODE_NP);
	o = run(SEL_TSS_B, TASK_FROM_JMP, 7);
	assert_fault(&o, 11, SEL_CODE_NP, true);

	/* SS RPL != CPL: #TS(SS) */
	setup(0);
	wr16(TSS_B + 0x50, SEL_DATA | 3);
	o = run(SEL_TSS_B, TASK_FROM_JMP, 7);
	assert_fault(&o, 10, SEL_DATA, true);   /* the RPL is not in it */

	/* DS names the LDT descriptor, which is no data segment: #TS(DS) */
	setup(0);
	wr16(TSS_B + 0x54, SEL_LDT);
	o = run(SEL_TSS_B, TASK_FROM_JMP, 7);
	assert_fault(&o, 10, SEL_LDT, true);

	/* LDT selector naming a TSS: #TS(LDT) */
	setup(0);
	wr16(TSS_B + 0x60, SEL_TSS_16);
	o = run(SEL_TSS_B, TASK_FROM_JMP, 7);
	assert_fault(&o, 10, SEL_TSS_16, true);

	/* EIP beyond CS's limit: #GP(0) in the new task */
	setup(0);
	desc(SEL_CODE, 0, 0x6ff, 0x9b, 0x4);
	o = run(SEL_TSS_B, TASK_FROM_JMP, 7);
	assert_fault(&o, 13, 0, true);
}

static void test_16bit_tss(void **state)
{
	(void)state;
	memset(mem + TSS_16, 0, 0x2c);
	wr16(TSS_16 + 14, 0x1234);              /* IP */
	wr16(TSS_16 + 16, 0x0046);              /* FLAGS: ZF PF */
	wr16(TSS_16 + 18, 0x1111);              /* AX */
	wr16(TSS_16 + 26, 0x7000);              /* SP */
	wr16(TSS_16 + 34, SEL_DATA);
	wr16(TSS_16 + 36, SEL_CODE);
	wr16(TSS_16 + 38, SEL_DATA);
	wr16(TSS_16 + 40, SEL_DATA);
	struct task_outcome o = run(SEL_TSS_16, TASK_FROM_CALL, 7);

	assert_int_equal(o.result, TASK_DONE);
	assert_int_equal(regs.rip, 0x1234);
	assert_int_equal(regs.rflags, 0x46 | NT);
	assert_int_equal(regs.rax, 0xffff1111);
	assert_int_equal(regs.rsp, 0xffff7000);
	assert_int_equal(sregs.tr.type, 3);
	assert_true(sregs.fs.unusable);
	assert_true(sregs.gs.unusable);
	assert_int_equal(rd16(TSS_16), SEL_TSS_A);

	/* and back with IRET: the 16-bit TSS gets the 16-bit image */
	regs.rip = 0x1240;
	regs.rbx = 0xdead2222;
	o = run(SEL_TSS_A, TASK_FROM_IRET, 1);
	assert_int_equal(o.result, TASK_DONE);
	assert_int_equal(regs.rip, 0x507);
	assert_int_equal(rd16(TSS_16 + 14), 0x1241);
	assert_int_equal(rd16(TSS_16 + 16), 0x46);
	assert_int_equal(rd16(TSS_16 + 24), 0x2222);    /* BX */
	assert_int_equal(access_byte(SEL_TSS_16), 0x81);
}

static void test_virtual_8086_task(void **state)
{
	(void)state;
	wr32(TSS_B + 0x24, 0x20002);            /* VM */
	wr16(TSS_B + 0x48, 0x1000);
	wr16(TSS_B + 0x4c, 0x2000);
	wr16(TSS_B + 0x50, 0x3000);
	struct task_outcome o = run(SEL_TSS_B, TASK_FROM_JMP, 7);

	assert_int_equal(o.result, TASK_DONE);
	assert_int_equal(regs.rflags, 0x20002);
	assert_int_equal(sregs.cs.base, 0x20000);
	assert_int_equal(sregs.cs.limit, 0xffff);
	assert_int_equal(sregs.cs.dpl, 3);
	assert_int_equal(sregs.cs.type, 3);             /* VMX: AR 0xf3 */
	assert_int_equal(sregs.ss.base, 0x30000);
	assert_int_equal(sregs.es.base, 0x10000);
	assert_int_equal(sregs.ldt.selector, SEL_LDT);  /* loaded as usual */
}

static void test_bad_memory_and_modes(void **state)
{
	(void)state;
	desc(SEL_TSS_B, 0xfff0, 0x67, 0x89, 0);         /* runs off the end */
	struct task_outcome o = run(SEL_TSS_B, TASK_FROM_JMP, 7);

	assert_int_equal(o.result, TASK_BAD_MEMORY);
	assert_false(o.committed);
	sregs.efer = 1u << 10;                          /* IA-32e mode */
	o = run(SEL_TSS_B, TASK_FROM_JMP, 7);
	assert_int_equal(o.result, TASK_UNSUPPORTED);
}

static void test_fault_combine(void **state)
{
	(void)state;
	assert_int_equal(task_fault_combine(13, 10), 8);        /* #GP, #TS */
	assert_int_equal(task_fault_combine(0, 11), 8);
	assert_int_equal(task_fault_combine(14, 14), 8);
	assert_int_equal(task_fault_combine(14, 13), 8);
	assert_int_equal(task_fault_combine(13, 14), 14);       /* serially */
	assert_int_equal(task_fault_combine(8, 10), -1);        /* triple */
	assert_int_equal(task_fault_combine(8, 14), -1);
	assert_int_equal(task_fault_combine(2, 10), 10);        /* benign first */
	assert_int_equal(task_fault_combine(13, 1), 1);
}

static void test_desc_decode(void **state)
{
	(void)state;
	const uint8_t d[8] = { 0xff, 0xff, 0x00, 0x10, 0x20, 0x9b, 0xcf, 0x30 };
	struct vcpu_segment s;

	task_desc_decode(d, &s);
	assert_int_equal(s.base, 0x30201000);
	assert_int_equal(s.limit, 0xffffffff);
	assert_int_equal(s.type, 0xb);
	assert_int_equal(s.s, 1);
	assert_int_equal(s.dpl, 0);
	assert_int_equal(s.present, 1);
	assert_int_equal(s.db, 1);
	assert_int_equal(s.g, 1);
}


/* ---- memory in MMIO: core/task_replay.c ----------------------------------
 * The same flat memory, identity-mapped; the pages marked in mmio_pages
 * are a device (plain memory behind it, like guests/ctl/dev_mmiotest.c)
 * reached only through the requests the replay makes, which the loop in
 * run_replay() answers as the VMM would. */

static uint32_t mmio_pages;             /* bit n: page n is MMIO */
struct access_rec { uint64_t gpa; uint8_t len; bool write; uint8_t data[8]; };
static struct access_rec trace[128];    /* the MMIO accesses, in order */
static unsigned ntrace, ram_writes;

static bool is_mmio(uint64_t gpa)
{
	return gpa < MEM_SIZE && (mmio_pages >> (gpa >> 12)) & 1;
}

static enum task_mem_status bus_translate(void *ctx, const struct vcpu_sregs *pg,
					  uint64_t la, bool write, uint64_t *gpa,
					  struct task_fault *f)
{
	(void)ctx;
	(void)pg;
	if (la >= MEM_SIZE)
		return TASK_MEM_BAD;
	if (la >= pf_lo && la < pf_hi) {
		*f = (struct task_fault){ .vector = 14, .has_error_code = true,
					  .error_code = write ? 2 : 0, .cr2 = la };
		return TASK_MEM_FAULT;
	}
	/* a page's piece: the fault is at its first byte in [pf_lo, pf_hi) */
	uint64_t page_end = (la | 0xfff) + 1;
	if (pf_lo > la && pf_lo < page_end && pf_hi > pf_lo) {
		*f = (struct task_fault){ .vector = 14, .has_error_code = true,
					  .error_code = write ? 2 : 0, .cr2 = pf_lo };
		return TASK_MEM_FAULT;
	}
	*gpa = la;
	return TASK_MEM_OK;
}

static int bus_ram(void *ctx, uint64_t gpa, void *buf, unsigned len, bool write)
{
	(void)ctx;
	assert_true((gpa >> 12) == ((gpa + len - 1) >> 12));    /* one page */
	if (gpa + len > MEM_SIZE)
		return -1;
	if (is_mmio(gpa))
		return 1;
	if (write) {
		memcpy(mem + gpa, buf, len);
		ram_writes++;
	} else {
		memcpy(buf, mem + gpa, len);
	}
	return 0;
}

static const struct task_bus bus = { bus_translate, bus_ram, 0, 36 };

/* Field by field: the structs have padding. */
static void assert_seg_equal(const struct vcpu_segment *a, const struct vcpu_segment *b)
{
	assert_int_equal(a->base, b->base);
	assert_int_equal(a->limit, b->limit);
	assert_int_equal(a->selector, b->selector);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->present, b->present);
	assert_int_equal(a->dpl, b->dpl);
	assert_int_equal(a->db, b->db);
	assert_int_equal(a->s, b->s);
	assert_int_equal(a->l, b->l);
	assert_int_equal(a->g, b->g);
	assert_int_equal(a->avl, b->avl);
	assert_int_equal(a->unusable, b->unusable);
}

static void assert_sregs_equal(const struct vcpu_sregs *a, const struct vcpu_sregs *b)
{
	const struct vcpu_segment *sa[8] = { &a->cs, &a->ds, &a->es, &a->fs,
					     &a->gs, &a->ss, &a->tr, &a->ldt };
	const struct vcpu_segment *sb[8] = { &b->cs, &b->ds, &b->es, &b->fs,
					     &b->gs, &b->ss, &b->tr, &b->ldt };

	for (unsigned i = 0; i < 8; i++)
		assert_seg_equal(sa[i], sb[i]);
	assert_int_equal(a->gdt.base, b->gdt.base);
	assert_int_equal(a->gdt.limit, b->gdt.limit);
	assert_int_equal(a->idt.base, b->idt.base);
	assert_int_equal(a->idt.limit, b->idt.limit);
	assert_int_equal(a->cr0, b->cr0);
	assert_int_equal(a->cr2, b->cr2);
	assert_int_equal(a->cr3, b->cr3);
	assert_int_equal(a->cr4, b->cr4);
	assert_int_equal(a->efer, b->efer);
}

static void assert_outcome_equal(const struct task_outcome *a, const struct task_outcome *b)
{
	assert_int_equal(a->result, b->result);
	assert_int_equal(a->committed, b->committed);
	assert_int_equal(a->debug_trap, b->debug_trap);
	assert_int_equal(a->cr3_loaded, b->cr3_loaded);
	assert_int_equal(a->fault.vector, b->fault.vector);
	assert_int_equal(a->fault.has_error_code, b->fault.has_error_code);
	assert_int_equal(a->fault.error_code, b->fault.error_code);
	assert_int_equal(a->fault.cr2, b->fault.cr2);
}

/* Runs ts to its end as the hypervisor does, each MMIO request one exit
 * the device answers; regs and sregs must not move until the end. */
static struct task_outcome run_replay(const struct task_switch *ts, unsigned *exits)
{
	static struct task_replay rp;
	struct vcpu_regs r0 = regs;
	struct vcpu_sregs s0 = sregs;
	struct task_outcome o;

	*exits = 0;
	task_replay_start(&rp, ts, false, 0);
	for (;;) {
		task_replay_run(&rp, &bus, &regs, &sregs, &o);
		if (o.result != TASK_MMIO)
			return o;
		assert_false(o.committed);
		assert_memory_equal(&regs, &r0, sizeof(regs));
		assert_sregs_equal(&sregs, &s0);
		const struct task_mmio_req *q = &rp.req;
		/* one device access of 1-8 bytes within an aligned 8 */
		assert_true(q->len >= 1 && q->len <= 8);
		assert_true((q->gpa & 7) + q->len <= 8);
		assert_true(is_mmio(q->gpa));
		assert_true(ntrace < 128);
		trace[ntrace] = (struct access_rec){ .gpa = q->gpa, .len = q->len,
						     .write = q->write };
		if (q->write) {
			memcpy(mem + q->gpa, q->data, q->len);
			memcpy(trace[ntrace].data, q->data, q->len);
		} else {
			uint8_t data[8] = { 0 };
			memcpy(data, mem + q->gpa, q->len);
			assert_int_equal(task_replay_answer(&rp, data), 0);
		}
		ntrace++;
		(*exits)++;
		assert_true(*exits <= TASK_REPLAY_MAX_EXITS);
	}
}

/* A scenario: the switch, and changes to the memory setup() made. */
struct scenario {
	struct task_switch ts;
	void (*prepare)(void);
	uint8_t result, vector;         /* the outcome (vector: a fault's) */
};

static void data_not_accessed(void)
{
	desc(SEL_DATA, 0, 0xfffff, 0x92, 0xc);  /* the first load sets A */
}

static void cs_not_present(void)
{
	wr16(TSS_B + 0x4c, SEL_CODE_NP);        /* #NP(CS) in the new task */
}

static void unaligned_tables(void)
{
	/* B's TSS off any alignment, its stack's error code across 8 bytes */
	memmove(mem + TSS_B + 5, mem + TSS_B, 0x68);
	desc(SEL_TSS_B, TSS_B + 5, 0x67, 0x89, 0);
	wr32(TSS_B + 5 + 0x38, STACK_B - 0xe);  /* pushed at 0x7fee */
	data_not_accessed();
}

static const struct scenario scenarios[] = {
	{ { .selector = SEL_TSS_B, .source = TASK_FROM_JMP, .insn_len = 7 }, 0,
	  TASK_DONE, 0 },
	{ { .selector = SEL_TSS_B, .source = TASK_FROM_CALL, .insn_len = 7 },
	  data_not_accessed, TASK_DONE, 0 },
	{ { .selector = SEL_TSS_B, .source = TASK_FROM_GATE, .vector = 13,
	    .external = true, .has_error_code = true, .error_code = 0x1230 },
	  unaligned_tables, TASK_DONE, 0 },
	{ { .selector = SEL_TSS_B, .source = TASK_FROM_JMP, .insn_len = 7 },
	  cs_not_present, TASK_FAULT, 11 },
	{ { .selector = SEL_TSS_16, .source = TASK_FROM_CALL, .insn_len = 5 }, 0,
	  TASK_DONE, 0 },
};

/* The pages of the GDT, both TSSes, the LDT, the stack of B: MMIO. */
#define ALL_TABLE_PAGES (1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 7)

static void prepare_16bit_tss(void)
{
	memset(mem + TSS_16, 0, 0x2c);
	wr16(TSS_16 + 14, 0x1234);              /* IP */
	wr16(TSS_16 + 16, 0x2);                 /* FLAGS */
	wr16(TSS_16 + 26, 0x7000);              /* SP */
	wr16(TSS_16 + 34, SEL_DATA);            /* ES CS SS DS */
	wr16(TSS_16 + 36, SEL_CODE);
	wr16(TSS_16 + 38, SEL_DATA);
	wr16(TSS_16 + 40, SEL_DATA);
}

static void test_mmio_same_as_ram(void **state)
{
	(void)state;
	static uint8_t ram_mem[MEM_SIZE];

	for (unsigned i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		const struct scenario *sc = &scenarios[i];
		struct task_outcome want, got;
		struct vcpu_regs want_regs;
		struct vcpu_sregs want_sregs;
		unsigned exits;

		/* all in RAM: the reference, in one attempt */
		setup(0);
		mmio_pages = 0;
		prepare_16bit_tss();
		if (sc->prepare)
			sc->prepare();
		want = run_replay(&sc->ts, &exits);
		assert_int_equal(exits, 0);
		assert_int_equal(want.result, sc->result);
		assert_int_equal(want.fault.vector, sc->vector);
		want_regs = regs;
		want_sregs = sregs;
		memcpy(ram_mem, mem, MEM_SIZE);

		/* every table and the stack in MMIO: many rounds, same end */
		setup(0);
		mmio_pages = ALL_TABLE_PAGES;
		ntrace = ram_writes = 0;
		prepare_16bit_tss();
		if (sc->prepare)
			sc->prepare();
		got = run_replay(&sc->ts, &exits);
		assert_true(exits > 10);
		assert_int_equal(ram_writes, 0);
		assert_outcome_equal(&got, &want);
		assert_memory_equal(&regs, &want_regs, sizeof(regs));
		assert_sregs_equal(&sregs, &want_sregs);
		assert_memory_equal(mem, ram_mem, MEM_SIZE);
	}
}

/* Each store of a JMP reaches the device once, in the switch's order
 * (SDM Vol. 3 7.3 steps 5-9, then the segment loads of step 11). */
static void test_mmio_writes_once_in_order(void **state)
{
	(void)state;
	static const struct { uint64_t gpa; uint8_t len; } want[] = {
		{ GDT + SEL_TSS_A + 5, 1 },             /* A: available */
		{ TSS_A + 0x20, 8 }, { TSS_A + 0x28, 8 }, { TSS_A + 0x30, 8 },
		{ TSS_A + 0x38, 8 }, { TSS_A + 0x40, 8 },       /* EIP..EDI */
		{ TSS_A + 0x48, 2 }, { TSS_A + 0x4c, 2 }, { TSS_A + 0x50, 2 },
		{ TSS_A + 0x54, 2 }, { TSS_A + 0x58, 2 }, { TSS_A + 0x5c, 2 },
		{ GDT + SEL_TSS_B + 5, 1 },             /* B: busy */
		{ GDT + SEL_DATA + 5, 1 },              /* SS: accessed, once */
	};
	struct task_switch ts = { .selector = SEL_TSS_B, .source = TASK_FROM_JMP,
				  .insn_len = 7 };
	unsigned exits, nw = 0;

	data_not_accessed();
	mmio_pages = ALL_TABLE_PAGES;
	ntrace = 0;
	wr16(TSS_A + 0x4e, 0xdead);             /* reserved half: kept */
	struct task_outcome o = run_replay(&ts, &exits);

	assert_int_equal(o.result, TASK_DONE);
	assert_in_b();
	for (unsigned i = 0; i < ntrace; i++) {
		if (!trace[i].write)
			continue;
		assert_true(nw < sizeof(want) / sizeof(want[0]));
		assert_int_equal(trace[i].gpa, want[nw].gpa);
		assert_int_equal(trace[i].len, want[nw].len);
		nw++;
	}
	assert_int_equal(nw, sizeof(want) / sizeof(want[0]));
	assert_saved_a(0x507, 0x202);
	assert_int_equal(rd16(TSS_A + 0x4e), 0xdead);
	assert_int_equal(access_byte(SEL_DATA), 0x93);
	/* the device saw no read of the old TSS's save area */
	for (unsigned i = 0; i < ntrace; i++)
		assert_false(!trace[i].write && trace[i].gpa >= TSS_A + 0x20 &&
			     trace[i].gpa < TSS_A + 0x60);
}

/* A fault found after many rounds, before the commit point: nothing
 * written, to RAM or to the device; the vCPU as it was. */
static void test_mmio_late_fault_changes_nothing(void **state)
{
	(void)state;
	static uint8_t before[MEM_SIZE];
	struct task_switch ts = { .selector = SEL_TSS_B, .source = TASK_FROM_CALL,
				  .insn_len = 7 };
	struct vcpu_regs r0 = regs;
	struct vcpu_sregs s0 = sregs;
	unsigned exits;

	/* B's TSS (read from the device) fine, A's save area not writable */
	mmio_pages = 1u << 3;
	ntrace = ram_writes = 0;
	pf_lo = TSS_A + 0x40;
	pf_hi = TSS_A + 0x41;
	memcpy(before, mem, MEM_SIZE);
	struct task_outcome o = run_replay(&ts, &exits);

	assert_int_equal(o.result, TASK_FAULT);
	assert_false(o.committed);
	assert_int_equal(o.fault.vector, 14);
	assert_int_equal(o.fault.cr2, TSS_A + 0x40);
	assert_int_equal(exits, 13);            /* 104 bytes, 8 at a time */
	for (unsigned i = 0; i < ntrace; i++)
		assert_false(trace[i].write);
	assert_int_equal(ram_writes, 0);
	assert_memory_equal(mem, before, MEM_SIZE);
	assert_memory_equal(&regs, &r0, sizeof(regs));
	assert_sregs_equal(&sregs, &s0);

	/* the new TSS's descriptor from the device says not present */
	setup(0);
	mmio_pages = 1u << 1;
	ntrace = ram_writes = 0;
	desc(SEL_TSS_B, TSS_B, 0x67, 0x09, 0);
	memcpy(before, mem, MEM_SIZE);
	o = run_replay(&ts, &exits);
	assert_fault(&o, 11, SEL_TSS_B, false);
	assert_int_equal(exits, 1);
	assert_int_equal(ram_writes, 0);
	assert_memory_equal(mem, before, MEM_SIZE);
}

/* The journal's interface refuses what the protocol does not allow. */
static void test_mmio_replay_protocol(void **state)
{
	(void)state;
	static struct task_replay rp;
	struct task_switch ts = { .selector = SEL_TSS_B, .source = TASK_FROM_JMP,
				  .insn_len = 7 };
	const uint8_t data[8] = { 0 };
	struct task_outcome o;

	task_replay_start(&rp, &ts, false, 0);
	assert_int_equal(task_replay_answer(&rp, data), -1);    /* nothing asked */
	mmio_pages = 1u << 2;                   /* A's TSS: only stores */
	task_replay_run(&rp, &bus, &regs, &sregs, &o);
	assert_int_equal(o.result, TASK_MMIO);
	assert_true(rp.req.write);
	assert_int_equal(rp.req.gpa, TSS_A + 0x20);
	assert_int_equal(task_replay_answer(&rp, data), -1);    /* a write */
	/* PDPTEs outside RAM read as not present, as MOV CR3 reads them: no
	 * device access, the switch ends (a reserved bit there would be
	 * #GP(0) in the new task) */
	setup(0);
	mmio_pages = 1u << 9;
	sregs.cr0 |= CR0_PG;
	sregs.cr4 = 1u << 5;                    /* PAE: CR3 0x9000's PDPTEs */
	ntrace = 0;
	task_replay_start(&rp, &ts, false, 0);
	task_replay_run(&rp, &bus, &regs, &sregs, &o);
	assert_int_equal(o.result, TASK_DONE);
	assert_true(o.cr3_loaded);
	assert_int_equal(ntrace, 0);
	assert_int_equal(sregs.tr.selector, SEL_TSS_B);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_jmp, setup),
		cmocka_unit_test_setup(test_call_then_iret, setup),
		cmocka_unit_test_setup(test_iret_needs_busy_tss, setup),
		cmocka_unit_test_setup(test_busy_jmp_and_call, setup),
		cmocka_unit_test_setup(test_tss_descriptor_checks, setup),
		cmocka_unit_test_setup(test_old_tss_too_small, setup),
		cmocka_unit_test_setup(test_exception_through_gate, setup),
		cmocka_unit_test_setup(test_int_n_gate_dpl, setup),
		cmocka_unit_test_setup(test_int_n_gate_checked, setup),
		cmocka_unit_test_setup(test_cr3_with_paging, setup),
		cmocka_unit_test_setup(test_pae_pdptes_of_the_new_cr3, setup),
		cmocka_unit_test_setup(test_debug_trap_bit, setup),
		cmocka_unit_test_setup(test_page_fault_before_commit, setup),
		cmocka_unit_test_setup(test_faults_in_new_task, setup),
		cmocka_unit_test_setup(test_16bit_tss, setup),
		cmocka_unit_test_setup(test_virtual_8086_task, setup),
		cmocka_unit_test_setup(test_bad_memory_and_modes, setup),
		cmocka_unit_test_setup(test_mmio_same_as_ram, setup),
		cmocka_unit_test_setup(test_mmio_writes_once_in_order, setup),
		cmocka_unit_test_setup(test_mmio_late_fault_changes_nothing, setup),
		cmocka_unit_test_setup(test_mmio_replay_protocol, setup),
		cmocka_unit_test(test_fault_combine),
		cmocka_unit_test(test_desc_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
