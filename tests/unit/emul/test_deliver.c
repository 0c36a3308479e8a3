/*
 * test_deliver.c - emul_deliver_event(): event delivery in real mode
 * (IVT), protected mode (16/32-bit interrupt and trap gates, same and
 * inner privilege with the TSS stack), from virtual-8086 mode, IA-32e
 * mode (64-bit gates, IST, alignment), every fault of delivery with its
 * error code, the #DF / shutdown escalation, and the MMIO protocol when
 * the IDT or the stack is a device. Exact frames and registers.
 *
 * Guest memory: 64 KiB of RAM at linear (= physical) 0, page MMIO_PAGE
 * optionally a device; GDT at 0x1000, IDT at 0x2000, TSS at 0x3000, LDT
 * at 0x3800.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "emul.h"
#include "fakemem.h"

#define GDT 0x1000u
#define IDT 0x2000u
#define TSS 0x3000u
#define LDT 0x3800u
#define MMIO_PAGE 9     /* 0x9000-0x9FFF */

#define KCODE32 0x08    /* GDT selectors */
#define KDATA32 0x10
#define KCODE16 0x18
#define UCODE32 0x23
#define UDATA32 0x2B
#define KCODE64 0x30
#define TSSSEL 0x40
#define KDATA16 0x48

#define FL_FIXED 0x2ull
#define FL_TF (1ull << 8)
#define FL_IF (1ull << 9)
#define FL_NT (1ull << 14)
#define FL_RF (1ull << 16)
#define FL_VM (1ull << 17)
#define FL_AC (1ull << 18)

struct env {
	struct fake_mem fm;
	struct emul_ops ops;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	uint8_t mem[0x10000];
	uint64_t idt_base, gdt_base;
	uint16_t idt_limit, gdt_limit;
	struct emul_seg tr, ldtr;
	unsigned writes, reads;         /* MMIO requests served */
};

static struct env E;

static void get_dtable(void *opaque, unsigned which, uint64_t *base,
		       uint16_t *limit)
{
	(void)opaque;
	*base = which == EMUL_DTABLE_IDT ? E.idt_base : E.gdt_base;
	*limit = which == EMUL_DTABLE_IDT ? E.idt_limit : E.gdt_limit;
}

static void get_sysseg(void *opaque, unsigned which, struct emul_seg *s)
{
	(void)opaque;
	*s = which == EMUL_SYSSEG_TR ? E.tr : E.ldtr;
}

static uint64_t desc(uint32_t base, uint32_t limit, unsigned type,
		     unsigned dpl, bool present, bool l, bool db, bool g)
{
	return (limit & 0xFFFFull) | ((uint64_t)(base & 0xFFFFFF) << 16) |
	       ((uint64_t)type << 40) | (1ull << 44) | ((uint64_t)dpl << 45) |
	       ((uint64_t)present << 47) |
	       ((uint64_t)((limit >> 16) & 0xF) << 48) | ((uint64_t)l << 53) |
	       ((uint64_t)db << 54) | ((uint64_t)g << 55) |
	       ((uint64_t)(base >> 24) << 56);
}

static void put64(uint64_t addr, uint64_t v)
{
	memcpy(&E.mem[addr], &v, 8);
}

static uint64_t get(uint64_t addr, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, &E.mem[addr], n);
	return v;
}

static bool zero(uint64_t addr, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (E.mem[addr + i])
			return false;
	return true;
}

static void set_gdt(uint16_t sel, uint64_t d)
{
	put64(GDT + (sel & ~7u), d);
}

/* An 8-byte gate (types 5, 6, 7, 14, 15). */
static void gate32(unsigned vec, uint16_t sel, uint32_t off, unsigned type,
		   unsigned dpl, bool present)
{
	put64(IDT + vec * 8u, (off & 0xFFFF) | ((uint64_t)sel << 16) |
	      ((uint64_t)type << 40) | ((uint64_t)dpl << 45) |
	      ((uint64_t)present << 47) | ((uint64_t)(off >> 16) << 48));
}

static void gate64(unsigned vec, uint16_t sel, uint64_t off, unsigned type,
		   unsigned dpl, unsigned ist)
{
	put64(IDT + vec * 16u, (off & 0xFFFF) | ((uint64_t)sel << 16) |
	      ((uint64_t)ist << 32) | ((uint64_t)type << 40) |
	      ((uint64_t)dpl << 45) | (1ull << 47) |
	      ((uint64_t)((off >> 16) & 0xFFFF) << 48));
	put64(IDT + vec * 16u + 8, off >> 32);
}

static void setup_common(uint64_t mmio_pages)
{
	memset(&E, 0, sizeof(E));
	fake_init(&E.fm);
	fake_add(&E.fm, 0, E.mem, sizeof(E.mem), false, mmio_pages);
	E.ops = fake_ops;
	E.ops.get_dtable = get_dtable;
	E.ops.get_sysseg = get_sysseg;
	emul_init(&E.ctx, &E.ops, &E.fm);
	E.idt_base = IDT;
	E.idt_limit = 0x7FF;
	E.gdt_base = GDT;
	E.gdt_limit = 0xFF;
	E.ldtr.unusable = 1;
	set_gdt(KCODE32, desc(0, 0xFFFFF, 0xA, 0, true, false, true, true));
	set_gdt(KDATA32, desc(0, 0xFFFFF, 0x2, 0, true, false, true, true));
	set_gdt(KCODE16, desc(0, 0xFFFF, 0xA, 0, true, false, false, false));
	set_gdt(UCODE32, desc(0, 0xFFFFF, 0xB, 3, true, false, true, true));
	set_gdt(UDATA32, desc(0, 0xFFFFF, 0x3, 3, true, false, true, true));
	set_gdt(KCODE64, desc(0, 0xFFFFF, 0xB, 0, true, true, false, true));
	set_gdt(KDATA16, desc(0x4000, 0x0FFF, 0x3, 0, true, false, false, false));
	E.tr = (struct emul_seg){ .base = TSS, .limit = 0x67, .sel = TSSSEL,
				  .type = 0xB, .present = 1 };
}

/* Protected mode, 32-bit TSS with SS0:ESP0 = KDATA32:0x8000. */
static void setup_prot(unsigned cpl, uint64_t mmio_pages)
{
	setup_common(mmio_pages);
	fake_cpu_prot(&E.cpu, true);
	E.cpu.cpl = (uint8_t)cpl;
	E.cpu.seg[EMUL_SEG_CS].sel = cpl ? UCODE32 : KCODE32;
	E.cpu.seg[EMUL_SEG_CS].dpl = (uint8_t)cpl;
	E.cpu.seg[EMUL_SEG_SS].sel = cpl ? UDATA32 : KDATA32;
	E.cpu.seg[EMUL_SEG_SS].dpl = (uint8_t)cpl;
	E.cpu.rip = 0x500;
	E.cpu.gpr[EMUL_RSP] = 0x6000;
	E.cpu.rflags = FL_FIXED | FL_IF | FL_TF | FL_NT;
	put64(TSS + 4, 0x8000 | ((uint64_t)KDATA32 << 32));
}

/* IA-32e mode, 64-bit TSS: RSP0 = 0x8008 (not aligned), IST1 = 0x7004. */
static void setup_long(unsigned cpl)
{
	setup_common(0);
	fake_cpu_long64(&E.cpu);
	E.cpu.cpl = (uint8_t)cpl;
	E.cpu.seg[EMUL_SEG_CS].sel = cpl ? 0x33 : KCODE64;
	E.cpu.seg[EMUL_SEG_CS].dpl = (uint8_t)cpl;
	E.cpu.seg[EMUL_SEG_SS].sel = cpl ? UDATA32 : 0;
	E.cpu.seg[EMUL_SEG_SS].dpl = (uint8_t)cpl;
	E.cpu.rip = 0x500;
	E.cpu.gpr[EMUL_RSP] = 0x6003;
	E.cpu.rflags = FL_FIXED | FL_IF | FL_TF;
	E.tr.type = 0xB;
	E.idt_limit = 0xFFF;
	put64(TSS + 4, 0x8008);
	put64(TSS + 36, 0x7004);
}

static enum emul_status deliver(uint8_t vector, uint8_t kind, bool has_ec,
				uint32_t ec, uint8_t insn_len)
{
	struct emul_deliver ev = { .vector = vector, .kind = kind,
				   .has_error_code = has_ec,
				   .insn_len = insn_len, .error_code = ec };

	for (unsigned calls = 0; calls < 64; calls++) {
		enum emul_status st = emul_deliver_event(&E.ctx, &E.cpu, &ev,
							 &E.res);
		uint64_t v = 0;

		switch (st) {
		case EMUL_MMIO_READ:
			E.reads++;
			memcpy(&v, &E.mem[E.res.gpa], E.res.len);
			assert_int_equal(emul_complete_read(&E.ctx, &v, E.res.len), 0);
			break;
		case EMUL_MMIO_WRITE:
			E.writes++;
			memcpy(&E.mem[E.res.gpa], E.res.data, E.res.len);
			if (E.res.retired)
				return EMUL_DONE;
			break;
		default:
			return st;
		}
	}
	fail_msg("delivery did not end");
	return EMUL_UNSUPPORTED;
}

/* A macro: a failure names the caller's line. */
#define assert_fault(st, vec, ec) do {                                   \
		assert_int_equal((st), EMUL_EXCEPTION);                  \
		assert_int_equal(E.res.event.vector, (vec));             \
		assert_true(E.res.event.has_error_code);                 \
		assert_int_equal(E.res.event.error_code, (ec));          \
	} while (0)

/* ---- real mode ---- */

static void setup_real(void)
{
	setup_common(0);
	fake_cpu_real(&E.cpu);
	E.idt_base = 0;
	E.idt_limit = 0x3FF;
	E.cpu.seg[EMUL_SEG_CS].sel = 0x50;
	E.cpu.seg[EMUL_SEG_CS].base = 0x500;
	E.cpu.seg[EMUL_SEG_SS].sel = 0x700;
	E.cpu.seg[EMUL_SEG_SS].base = 0x7000;
	E.cpu.rip = 0x100;
	E.cpu.gpr[EMUL_RSP] = 0x12340100;   /* SS.B = 0: SP only */
	E.cpu.rflags = FL_FIXED | FL_IF | FL_TF | FL_AC | 0x8D5;
	put64(0x21 * 4, 0x0600ABCD);         /* 0600:ABCD */
}

/* INT 21h: FLAGS, CS, IP (past the instruction) on SS:SP; CS:IP from
 * the IVT; IF, TF, AC clear; CS limit and attributes kept. */
static void test_real_int(void **state)
{
	(void)state;
	setup_real();
	E.cpu.seg[EMUL_SEG_CS].limit = 0xFFFFF;  /* big real: stays */
	assert_int_equal(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), EMUL_DONE);
	assert_int_equal(get(0x7000 + 0xFE, 2), (FL_FIXED | FL_IF | FL_TF | 0x8D5) & 0xFFFF);
	assert_int_equal(get(0x7000 + 0xFC, 2), 0x50);
	assert_int_equal(get(0x7000 + 0xFA, 2), 0x102);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x123400FA);
	assert_int_equal(E.cpu.rip, 0xABCD);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, 0x600);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].base, 0x6000);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].limit, 0xFFFFF);
	assert_int_equal(E.cpu.rflags, FL_FIXED | 0x8D5);
	assert_int_equal(E.cpu.seg_written, 1u << EMUL_SEG_CS);
	assert_true(E.cpu.gpr_written & (1u << EMUL_RSP));
	assert_int_equal(E.cpu.cpl, 0);
}

/* SP wraps within the 64 KiB segment; a hardware fault pushes its own
 * address; no error code in real mode. */
static void test_real_wrap_and_fault_ip(void **state)
{
	(void)state;
	setup_real();
	E.cpu.seg[EMUL_SEG_SS].sel = 0;
	E.cpu.seg[EMUL_SEG_SS].base = 0;
	E.cpu.gpr[EMUL_RSP] = 0x2;
	put64(13 * 4, 0x00001000);
	assert_int_equal(deliver(13, EMUL_EV_HWEXC, true, 0x55, 0), EMUL_DONE);
	assert_int_equal(get(0x0, 2), (FL_FIXED | FL_IF | FL_TF | 0x8D5) & 0xFFFF);
	assert_int_equal(get(0xFFFE, 2), 0x50);
	assert_int_equal(get(0xFFFC, 2), 0x100);            /* no error code */
	assert_int_equal(E.cpu.rip, 0x1000);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0xFFFC);
}

/* IVT entry past the IDTR limit: #GP; SP = 1 cannot hold a word: #SS;
 * neither has an error code, nothing changes. */
static void test_real_faults(void **state)
{
	struct emul_cpu before;

	(void)state;
	setup_real();
	E.idt_limit = 0x21 * 4 + 2;
	before = E.cpu;
	assert_int_equal(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_false(E.res.event.has_error_code);
	assert_memory_equal(&E.cpu, &before, sizeof(before));

	setup_real();
	E.cpu.gpr[EMUL_RSP] = 1;
	assert_int_equal(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 12);
	assert_false(E.res.event.has_error_code);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 1);
	assert_int_equal(E.cpu.rip, 0x100);
}

/* ---- protected mode ---- */

/* #GP(0x1234) at CPL 0 through a 32-bit interrupt gate: EFLAGS (RF set:
 * a fault), CS, EIP of the faulting instruction, error code; IF, TF, NT
 * clear; the CS descriptor's accessed bit set in the GDT. */
static void test_prot_same_level(void **state)
{
	(void)state;
	setup_prot(0, 0);
	gate32(13, KCODE32, 0x12345678, 0xE, 0, true);
	assert_int_equal(deliver(13, EMUL_EV_HWEXC, true, 0x1234, 0), EMUL_DONE);
	assert_int_equal(get(0x6000 - 4, 4), FL_FIXED | FL_IF | FL_TF | FL_NT | FL_RF);
	assert_int_equal(get(0x6000 - 8, 4), KCODE32);
	assert_int_equal(get(0x6000 - 12, 4), 0x500);
	assert_int_equal(get(0x6000 - 16, 4), 0x1234);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x6000 - 16);
	assert_int_equal(E.cpu.rip, 0x12345678);
	assert_int_equal(E.cpu.rflags, FL_FIXED);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, KCODE32);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].type, 0xB);
	assert_int_equal(get(GDT + KCODE32 + 5, 1), 0x9B);
	assert_int_equal(E.cpu.seg_written, 1u << EMUL_SEG_CS);
	assert_int_equal(E.cpu.mode, EMUL_MODE_PROT32);
}

/* An NMI is delivered as an external interrupt through vector 2: the
 * frame returns to RIP itself (no RF: not a fault), IF cleared by the
 * interrupt gate (NMIs are not masked by IF, but the handler's IF is the
 * gate's); faults while delivering it carry EXT; a task gate is the
 * caller's. Blocking further NMIs is the caller's too. */
static void test_nmi(void **state)
{
	(void)state;
	setup_prot(0, 0);
	E.cpu.rflags = FL_FIXED | FL_TF;                /* IF = 0 */
	gate32(2, KCODE32, 0x2000, 0xE, 0, true);
	assert_int_equal(deliver(2, EMUL_EV_NMI, false, 0, 0), EMUL_DONE);
	assert_int_equal(get(0x6000 - 4, 4), FL_FIXED | FL_TF);
	assert_int_equal(get(0x6000 - 8, 4), KCODE32);
	assert_int_equal(get(0x6000 - 12, 4), 0x500);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x6000 - 12);
	assert_int_equal(E.cpu.rip, 0x2000);
	assert_int_equal(E.cpu.rflags, FL_FIXED);
	setup_prot(3, 0);
	gate32(2, KCODE32, 0x2000, 0xE, 0, false);      /* not present */
	assert_fault(deliver(2, EMUL_EV_NMI, false, 0, 0), 11, 2 * 8 + 2 + 1);
	gate32(2, 0x40, 0x1000, 0x5, 0, true);          /* task gate, DPL 0 */
	assert_int_equal(deliver(2, EMUL_EV_NMI, false, 0, 0), EMUL_UNSUPPORTED);
	assert_int_equal(E.res.reason, EMUL_R_TASK_GATE);
	assert_int_equal(E.res.task_gate.tss_sel, 0x40);
	assert_int_equal(E.res.task_gate.kind, EMUL_EV_NMI);
}

/* A 16-bit trap gate at CPL 0: 16-bit pushes, IF kept, IP 16 bits; an
 * external interrupt returns to RIP itself. */
static void test_prot_gate16(void **state)
{
	(void)state;
	setup_prot(0, 0);
	gate32(0x30, KCODE16, 0xFFFF4321, 0x7, 0, true);
	assert_int_equal(deliver(0x30, EMUL_EV_EXTINT, false, 0, 0), EMUL_DONE);
	assert_int_equal(get(0x6000 - 2, 2), FL_FIXED | FL_IF | FL_TF | FL_NT);
	assert_int_equal(get(0x6000 - 4, 2), KCODE32);
	assert_int_equal(get(0x6000 - 6, 2), 0x500);
	assert_int_equal(get(0x6000 - 8, 2), 0);        /* nothing more */
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x6000 - 6);
	assert_int_equal(E.cpu.rip, 0x4321);
	assert_int_equal(E.cpu.rflags, FL_FIXED | FL_IF);
	assert_int_equal(E.cpu.mode, EMUL_MODE_PROT16);
}

/* INT 80h at CPL 3 through a DPL-3 trap gate to ring 0: the stack from
 * the TSS, SS and ESP pushed, the return address past INT. */
static void test_prot_inner(void **state)
{
	(void)state;
	setup_prot(3, 0);
	gate32(0x80, KCODE32, 0xC0001000, 0xF, 3, true);
	assert_int_equal(deliver(0x80, EMUL_EV_SOFTINT, false, 0, 2), EMUL_DONE);
	assert_int_equal(get(0x8000 - 4, 4), UDATA32);
	assert_int_equal(get(0x8000 - 8, 4), 0x6000);
	assert_int_equal(get(0x8000 - 12, 4), FL_FIXED | FL_IF | FL_TF | FL_NT);
	assert_int_equal(get(0x8000 - 16, 4), UCODE32);
	assert_int_equal(get(0x8000 - 20, 4), 0x502);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x8000 - 20);
	assert_int_equal(E.cpu.rip, 0xC0001000);
	assert_int_equal(E.cpu.cpl, 0);
	assert_int_equal(E.cpu.seg[EMUL_SEG_SS].sel, KDATA32);
	assert_int_equal(E.cpu.seg[EMUL_SEG_SS].dpl, 0);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, KCODE32);
	assert_int_equal(E.cpu.seg_written, (1u << EMUL_SEG_CS) | (1u << EMUL_SEG_SS));
	assert_int_equal(E.cpu.rflags, FL_FIXED | FL_IF);
	assert_int_equal(get(GDT + KDATA32 + 5, 1), 0x93);      /* accessed */
}

/* Runs the instruction at 0x500 (its bytes in RAM here; in the guest
 * they would be in MMIO) through emul_execute(). */
static enum emul_status run_insn(const uint8_t *bytes, unsigned n)
{
	memcpy(&E.mem[0x500], bytes, n);
	return fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 64);
}

/* INT 80h executed by the emulator at CPL 3: the delivery of the event
 * test, as part of the instruction; no single-step trap after it (TF is
 * clear in the handler); INT3 through a DPL-0 gate from CPL 3 is
 * #GP(3 * 8 + 2); INT1 ignores the gate's DPL; INTO without OF is a NOP. */
static void test_int_instructions(void **state)
{
	(void)state;
	setup_prot(3, 0);
	gate32(0x80, KCODE32, 0xC0001000, 0xF, 3, true);
	assert_int_equal(run_insn((const uint8_t[]){ 0xCD, 0x80 }, 2), EMUL_DONE);
	assert_int_equal(get(0x8000 - 20, 4), 0x502);
	assert_int_equal(get(0x8000 - 12, 4), FL_FIXED | FL_IF | FL_TF | FL_NT);
	assert_int_equal(E.cpu.rip, 0xC0001000);
	assert_int_equal(E.cpu.cpl, 0);
	assert_false(E.res.tf_trap);
	assert_int_equal(E.cpu.seg_written, (1u << EMUL_SEG_CS) | (1u << EMUL_SEG_SS));

	setup_prot(3, 0);
	gate32(3, KCODE32, 0xC0001000, 0xE, 0, true);
	assert_fault(run_insn((const uint8_t[]){ 0xCC }, 1), 13, 3 * 8 + 2);
	assert_int_equal(E.cpu.rip, 0x500);
	assert_int_equal(E.cpu.cpl, 3);

	setup_prot(3, 0);
	gate32(1, KCODE32, 0xC0002000, 0xE, 0, true);
	assert_int_equal(run_insn((const uint8_t[]){ 0xF1 }, 1), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0xC0002000);
	assert_int_equal(get(0x8000 - 20, 4), 0x501);     /* past INT1 */

	/* INT3 from virtual-8086 mode to a handler at ring 3 is #GP(selector): the
	 * instruction leaves the vCPU exactly as it was (segments, CPL,
	 * mode; fuzz_emul found a delivery that had changed them) */
	setup_prot(3, 0);
	E.cpu.mode = EMUL_MODE_VM86;
	E.cpu.rflags = FL_FIXED | FL_VM | (3u << 12);
	gate32(3, UCODE32, 0x3000, 0xE, 3, true);       /* INT3: any IOPL */
	memcpy(&E.mem[0x500], (const uint8_t[]){ 0xCC }, 1);
	struct emul_cpu vm86 = E.cpu;
	assert_fault(fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 64), 13, UCODE32 & ~3u);
	assert_memory_equal(&E.cpu.regs, &vm86.regs, sizeof(vm86.regs));
	assert_memory_equal(E.cpu.seg, vm86.seg, sizeof(vm86.seg));
	assert_int_equal(E.cpu.cpl, 3);
	assert_int_equal(E.cpu.mode, EMUL_MODE_VM86);
	assert_int_equal(E.cpu.seg_written, 0);

	/* a stack fault after the switch to ring 0: nothing of it stays
	 * (CPL, SS, mode), as for any instruction that faults */
	setup_prot(3, 0);
	gate32(0x80, KCODE32, 0xC0001000, 0xF, 3, true);
	set_gdt(0x50, desc(0, 0x7FFF, 0x2, 0, true, false, true, false));
	put64(TSS + 4, 19 | (0x50ull << 32));           /* 20 bytes don't fit */
	struct emul_cpu before = E.cpu;
	assert_fault(run_insn((const uint8_t[]){ 0xCD, 0x80 }, 2), 12, 0x50);
	assert_int_equal(E.cpu.cpl, 3);
	assert_int_equal(E.cpu.mode, before.mode);
	assert_int_equal(E.cpu.seg[EMUL_SEG_SS].sel, UDATA32);
	assert_int_equal(E.cpu.seg_written, 0);
	assert_int_equal(E.cpu.rip, 0x500);

	setup_prot(0, 0);
	gate32(4, KCODE32, 0xC0003000, 0xE, 0, true);
	assert_int_equal(run_insn((const uint8_t[]){ 0xCE }, 1), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x501);                /* OF clear */
	assert_true(E.res.tf_trap);                         /* a plain step */
	setup_prot(0, 0);
	gate32(4, KCODE32, 0xC0003000, 0xE, 0, true);
	E.cpu.rflags |= EMUL_FL_OF;
	assert_int_equal(run_insn((const uint8_t[]){ 0xCE }, 1), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0xC0003000);
	assert_int_equal(get(0x6000 - 12, 4), 0x501);
}

/* A 16-bit TSS (SS0:SP0 at 4:2) and a 16-bit new stack (SS.B = 0: SP
 * wraps in the segment, base 0x4000). */
static void test_prot_inner_tss16(void **state)
{
	(void)state;
	setup_prot(3, 0);
	E.tr.type = 0x3;
	E.tr.limit = 0x2B;
	put64(TSS, 0);
	put64(TSS + 2, 0x0F00 | ((uint64_t)KDATA16 << 16));
	gate32(0x40, KCODE32, 0x2000, 0xE, 3, true);
	assert_int_equal(deliver(0x40, EMUL_EV_SOFTINT, false, 0, 2), EMUL_DONE);
	assert_int_equal(get(0x4000 + 0xF00 - 4, 4), UDATA32);
	assert_int_equal(get(0x4000 + 0xF00 - 20, 4), 0x502);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0xF00 - 20);
	assert_int_equal(E.cpu.seg[EMUL_SEG_SS].base, 0x4000);
}

/* #GP(0) from virtual-8086 mode: GS FS DS ES SS ESP EFLAGS(VM) CS EIP and
 * the error code on the ring-0 stack; the data segments null; VM clear. */
static void test_vm86(void **state)
{
	static const unsigned segs[] = { EMUL_SEG_GS, EMUL_SEG_FS, EMUL_SEG_DS,
					 EMUL_SEG_ES };

	(void)state;
	setup_prot(3, 0);
	fake_cpu_real(&E.cpu);          /* real-mode-like segments */
	E.cpu.cr0 = 0x11;
	E.cpu.mode = EMUL_MODE_VM86;
	E.cpu.cpl = 3;
	E.cpu.rflags = FL_FIXED | FL_VM | FL_IF | (3u << 12);
	for (unsigned i = 0; i < 6; i++)
		E.cpu.seg[i].sel = (uint16_t)(0x1000 + i);
	E.cpu.rip = 0x1234;
	E.cpu.gpr[EMUL_RSP] = 0xFFF0;
	gate32(13, KCODE32, 0x3000, 0xE, 0, true);
	assert_int_equal(deliver(13, EMUL_EV_HWEXC, true, 0, 0), EMUL_DONE);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(get(0x8000 - 4 * (i + 1), 4), 0x1000 + segs[i]);
	assert_int_equal(get(0x8000 - 20, 4), 0x1000 + EMUL_SEG_SS);
	assert_int_equal(get(0x8000 - 24, 4), 0xFFF0);
	assert_int_equal(get(0x8000 - 28, 4), FL_FIXED | FL_VM | FL_IF | (3u << 12) | FL_RF);
	assert_int_equal(get(0x8000 - 32, 4), 0x1000 + EMUL_SEG_CS);
	assert_int_equal(get(0x8000 - 36, 4), 0x1234);
	assert_int_equal(get(0x8000 - 40, 4), 0);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x8000 - 40);
	assert_int_equal(E.cpu.rflags, FL_FIXED | (3u << 12));
	assert_int_equal(E.cpu.cpl, 0);
	assert_int_equal(E.cpu.seg_written, 0x3F);
	for (unsigned i = 0; i < 4; i++)
		assert_true(E.cpu.seg[segs[i]].unusable);
	assert_int_equal(E.cpu.seg[EMUL_SEG_SS].sel, KDATA32);

	/* INT n with IOPL < 3 is #GP(0); a ring-3 handler is #GP(sel) */
	setup_prot(3, 0);
	E.cpu.mode = EMUL_MODE_VM86;
	E.cpu.rflags = FL_FIXED | FL_VM;
	gate32(0x21, KCODE32, 0x3000, 0xE, 3, true);
	assert_fault(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), 13, 0);
	E.cpu.rflags |= 3u << 12;
	gate32(0x21, UCODE32, 0x3000, 0xE, 3, true);
	assert_fault(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), 13, UCODE32 & ~3u);
	/* CR4.VME with the vector's redirection bit set (the bitmap is
	 * zero-filled here but for this bit): as without VME at IOPL 3 */
	E.cpu.cr4 = 1;
	E.tr.limit = 0x88;
	put64(TSS + 0x64, 0x88ull << 16);       /* I/O map base 0x88 */
	E.mem[TSS + 0x68 + 0x21 / 8] = 1u << (0x21 & 7);
	assert_fault(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), 13, UCODE32 & ~3u);
}

/* ---- INT n in virtual-8086 mode with CR4.VME (SDM Vol. 3 Table 20-2) */

#define V86_CS 0x0700u
#define V86_SS 0x0500u  /* stack at 0x5000 + SP */
#define FL_VIF (1ull << 19)
#define FL_VIP (1ull << 20)
#define FL_IOPL3 (3ull << 12)

/* VM86 at CS 0x0700:0x0100, SS 0x0500:0x0FF0, IOPL iopl, CR4.VME; the
 * TSS's I/O map base is 0x88 (the redirection bitmap at 0x68-0x87, all
 * clear: every INT n is redirected), TR limit 0x88. IVT entry 0x21 is
 * 1234:5678, IDT entry 0x21 a ring-0 interrupt gate at 0x3000. */
static void setup_vme(unsigned iopl)
{
	setup_prot(3, 0);
	fake_cpu_real(&E.cpu);
	E.cpu.cr0 = 0x11;
	E.cpu.cr4 = 1;
	E.cpu.mode = EMUL_MODE_VM86;
	E.cpu.cpl = 3;
	for (unsigned i = 0; i < 6; i++) {
		E.cpu.seg[i].sel = (uint16_t)(i == EMUL_SEG_SS ? V86_SS : V86_CS);
		E.cpu.seg[i].base = (uint64_t)E.cpu.seg[i].sel << 4;
		E.cpu.seg[i].dpl = 3;
		E.cpu.seg[i].type = 3;
	}
	E.cpu.rip = 0x100;
	E.cpu.gpr[EMUL_RSP] = 0xFF0;
	E.cpu.rflags = FL_FIXED | FL_VM | ((uint64_t)iopl << 12) | FL_IF |
		       FL_TF | 1;
	E.tr.limit = 0x88;
	put64(TSS + 0x64, 0x88ull << 16);
	put64(0x21 * 4, 0x12345678);
	gate32(0x21, KCODE32, 0x3000, 0xE, 3, true);
}

static void set_redirect_bit(uint8_t vec)
{
	E.mem[TSS + 0x68 + vec / 8] |= (uint8_t)(1u << (vec & 7));
}

/* Method 5 (IOPL 3, bit clear): FLAGS, CS, IP on the VM86 stack, CS:IP
 * from the IVT, IF and TF cleared; VIF, VM, CPL 3 stay. */
static void test_vme_redirect_iopl3(void **state)
{
	(void)state;
	setup_vme(3);
	E.cpu.rflags |= FL_VIF;
	assert_int_equal(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), EMUL_DONE);
	assert_int_equal(get(0x5FEE, 2), 0x3303);      /* IOPL 3, IF, TF, CF */
	assert_int_equal(get(0x5FEC, 2), V86_CS);
	assert_int_equal(get(0x5FEA, 2), 0x102);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0xFEA);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, 0x1234);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].base, 0x12340);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].limit, 0xFFFF);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].dpl, 3);
	assert_int_equal(E.cpu.rip, 0x5678);
	assert_int_equal(E.cpu.rflags, FL_FIXED | FL_VM | FL_IOPL3 | FL_VIF | 1);
	assert_int_equal(E.cpu.mode, EMUL_MODE_VM86);
	assert_int_equal(E.cpu.cpl, 3);
	assert_int_equal(E.cpu.seg_written, 1u << EMUL_SEG_CS);
}

/* Method 6 (IOPL < 3, bit clear): the image shows IOPL 3 and VIF as IF;
 * VIF and TF are cleared, IF stays. */
static void test_vme_redirect_vif(void **state)
{
	(void)state;
	setup_vme(0);                   /* IF set, VIF clear */
	assert_int_equal(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), EMUL_DONE);
	assert_int_equal(get(0x5FEE, 2), 0x3103);      /* IF from VIF: 0 */
	assert_int_equal(E.cpu.rflags, FL_FIXED | FL_VM | FL_IF | 1);
	assert_int_equal(E.cpu.rip, 0x5678);
	setup_vme(1);
	E.cpu.rflags = (E.cpu.rflags & ~FL_IF) | FL_VIF | FL_VIP;
	assert_int_equal(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), EMUL_DONE);
	assert_int_equal(get(0x5FEE, 2), 0x3303);      /* IF from VIF: 1 */
	assert_int_equal(E.cpu.rflags, FL_FIXED | FL_VM | (1u << 12) | FL_VIP | 1);
}

/* Bit set: method 3 (IOPL < 3) is #GP(0), method 4 (IOPL 3) goes through
 * the IDT to ring 0. INT3 is never redirected (nor IOPL-checked). */
static void test_vme_via_idt(void **state)
{
	struct emul_cpu before;

	(void)state;
	setup_vme(2);
	set_redirect_bit(0x21);
	before = E.cpu;
	assert_fault(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), 13, 0);
	assert_memory_equal(&E.cpu, &before, sizeof(before));
	assert_true(zero(0x5FE0, 0x10));
	setup_vme(3);
	set_redirect_bit(0x21);
	assert_int_equal(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x3000);
	assert_int_equal(E.cpu.cpl, 0);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x8000 - 36);
	assert_int_equal(get(0x8000 - 36, 4), 0x102);
	/* INT3 at IOPL 0 with its bit clear: the IDT, no #GP */
	setup_vme(0);
	gate32(3, KCODE32, 0x3100, 0xE, 3, true);
	assert_int_equal(deliver(3, EMUL_EV_SOFTEXC, false, 0, 1), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x3100);
	assert_int_equal(E.cpu.cpl, 0);
	assert_int_equal(get(0x8000 - 36, 4), 0x101);
}

/* #GP(0): TR limit without the I/O map base, an I/O map base below 32,
 * the bitmap byte past the limit; #SS(0): the frame past the 64 KiB
 * stack; #PF on the IVT read. Nothing changed. */
static void test_vme_faults(void **state)
{
	struct emul_cpu before;

	(void)state;
	setup_vme(3);
	E.tr.limit = 0x66;
	before = E.cpu;
	assert_fault(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), 13, 0);
	assert_memory_equal(&E.cpu, &before, sizeof(before));
	setup_vme(3);
	put64(TSS + 0x64, 0x1Full << 16);
	assert_fault(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), 13, 0);
	setup_vme(3);
	E.tr.limit = 0x68 + 0x21 / 8 - 1;
	assert_fault(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), 13, 0);
	E.tr.limit++;                   /* the byte itself in the limit */
	assert_int_equal(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), EMUL_DONE);
	setup_vme(3);
	E.cpu.gpr[EMUL_RSP] = 1;        /* FLAGS would go to SS:FFFF */
	before = E.cpu;
	assert_fault(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), 12, 0);
	assert_memory_equal(&E.cpu, &before, sizeof(before));
	assert_int_equal(E.mem[0x5000], 0);
}

/* The TSS in a device: the I/O map base and the bitmap byte come by MMIO
 * reads, then the redirection goes on. */
static void test_vme_mmio_tss(void **state)
{
	(void)state;
	setup_vme(3);
	fake_init(&E.fm);
	fake_add(&E.fm, 0, E.mem, sizeof(E.mem), false, 1ull << MMIO_PAGE);
	E.tr.base = MMIO_PAGE * 0x1000u;
	put64(E.tr.base + 0x64, 0x88ull << 16);
	assert_int_equal(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), EMUL_DONE);
	assert_int_equal(E.reads, 2);
	assert_int_equal(E.cpu.rip, 0x5678);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, 0x1234);
	assert_int_equal(get(0x5FEA, 2), 0x102);
	/* its bit set there: through the IDT */
	setup_vme(3);
	fake_init(&E.fm);
	fake_add(&E.fm, 0, E.mem, sizeof(E.mem), false, 1ull << MMIO_PAGE);
	E.tr.base = MMIO_PAGE * 0x1000u;
	put64(E.tr.base + 0x64, 0x88ull << 16);
	E.mem[E.tr.base + 0x68 + 4] = 1u << 1;         /* vector 0x21 */
	put64(E.tr.base + 4, 0x8000 | ((uint64_t)KDATA32 << 32));
	assert_int_equal(deliver(0x21, EMUL_EV_SOFTINT, false, 0, 2), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x3000);
}

/* The faults of the gate and the handler's code segment, in order, with
 * their error codes: EXT set for hardware events and INT1, clear for INT
 * n; software interrupts alone check the gate DPL. */
static void test_prot_gate_faults(void **state)
{
	struct emul_cpu before;

	(void)state;
	setup_prot(3, 0);
	before = E.cpu;
	E.idt_limit = 0x80 * 8 + 6;     /* entry 0x80 not entirely inside */
	assert_fault(deliver(0x80, EMUL_EV_SOFTINT, false, 0, 2), 13, 0x80 * 8 + 2);
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 13, 0x80 * 8 + 3);
	assert_memory_equal(&E.cpu, &before, sizeof(before));
	E.idt_limit = 0x7FF;

	gate32(0x80, KCODE32, 0x1000, 0xC, 3, true);    /* a call gate */
	assert_fault(deliver(0x80, EMUL_EV_SOFTINT, false, 0, 2), 13, 0x402);
	gate32(0x80, KCODE32, 0x1000, 0xE, 0, true);    /* DPL 0 < CPL 3 */
	assert_fault(deliver(0x80, EMUL_EV_SOFTINT, false, 0, 2), 13, 0x402);
	assert_fault(deliver(0x80, EMUL_EV_SOFTEXC, false, 0, 1), 13, 0x402);
	assert_int_equal(deliver(0x80, EMUL_EV_ICEBP, false, 0, 1), EMUL_DONE);
	assert_int_equal(get(0x8000 - 20, 4), 0x501);  /* past INT1 */

	setup_prot(3, 0);
	gate32(0x80, KCODE32, 0x1000, 0xE, 3, false);
	assert_fault(deliver(0x80, EMUL_EV_SOFTINT, false, 0, 2), 11, 0x402);
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 11, 0x403);
	gate32(0x80, 0x0003, 0x1000, 0xE, 3, true);     /* null CS */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 13, 1);
	assert_fault(deliver(0x80, EMUL_EV_SOFTINT, false, 0, 2), 13, 0);
	gate32(0x80, 0x100, 0x1000, 0xE, 3, true);      /* past the GDT limit */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 13, 0x101);
	gate32(0x80, 0x0C, 0x1000, 0xE, 3, true);       /* LDT, none loaded */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 13, 0x0D);
	gate32(0x80, KDATA32, 0x1000, 0xE, 3, true);    /* not code */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 13, KDATA32 | 1);
	set_gdt(0x50, desc(0, 0xFFFFF, 0xA, 0, false, false, true, true));
	gate32(0x80, 0x50, 0x1000, 0xE, 3, true);       /* not present */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 11, 0x51);
	gate32(0x80, 0x5, 0x1000, 0x5, 3, true);        /* task gate */
	assert_int_equal(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), EMUL_UNSUPPORTED);
	assert_int_equal(E.res.reason, EMUL_R_TASK_GATE);
	/* what the caller's task switch needs: the gate's TSS selector and
	 * the event; the gate's checks came first (DPL for INT n, present) */
	gate32(0x0D, 0x40, 0x1000, 0x5, 0, true);
	assert_int_equal(deliver(0x0D, EMUL_EV_HWEXC, true, 0x1234, 0), EMUL_UNSUPPORTED);
	assert_int_equal(E.res.reason, EMUL_R_TASK_GATE);
	assert_int_equal(E.res.task_gate.tss_sel, 0x40);
	assert_int_equal(E.res.task_gate.vector, 0x0D);
	assert_int_equal(E.res.task_gate.kind, EMUL_EV_HWEXC);
	assert_true(E.res.task_gate.has_error_code);
	assert_int_equal(E.res.task_gate.error_code, 0x1234);
	gate32(0x81, 0x48, 0x1000, 0x5, 3, true);
	assert_int_equal(deliver(0x81, EMUL_EV_SOFTINT, false, 0, 2), EMUL_UNSUPPORTED);
	assert_int_equal(E.res.task_gate.tss_sel, 0x48);
	assert_int_equal(E.res.task_gate.kind, EMUL_EV_SOFTINT);
	assert_int_equal(E.res.task_gate.insn_len, 2);
	gate32(0x81, 0x48, 0x1000, 0x5, 0, true);       /* DPL 0 < CPL 3 */
	assert_fault(deliver(0x81, EMUL_EV_SOFTINT, false, 0, 2), 13, 0x81 * 8 + 2);
	gate32(0x81, 0x48, 0x1000, 0x5, 3, false);      /* not present */
	assert_fault(deliver(0x81, EMUL_EV_SOFTINT, false, 0, 2), 11, 0x81 * 8 + 2);

	/* a code segment in the LDT, its selector's TI kept in codes */
	setup_prot(3, 0);
	E.ldtr = (struct emul_seg){ .base = LDT, .limit = 0xF, .present = 1, .type = 2 };
	put64(LDT + 8, desc(0, 0xFFFFF, 0xB, 3, true, false, true, true));
	gate32(0x80, 0x0F, 0x1000, 0xE, 3, true);
	assert_int_equal(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), EMUL_DONE);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, 0x0F);    /* DPL 3 = CPL */
	assert_int_equal(get(LDT + 8 + 5, 1), 0xFB);
	setup_prot(3, 0);
	E.ldtr = (struct emul_seg){ .base = LDT, .limit = 0xF, .present = 1, .type = 2 };
	gate32(0x80, 0x14, 0x1000, 0xE, 3, true);       /* past the LDT limit */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 13, 0x15);
}

/* The faults of the stack switch: the TSS limit (#TS naming the TSS),
 * the new SS (#TS/#SS naming it), the room on the stacks (#SS), and the
 * handler's offset (#GP(EXT)). Nothing is written. */
static void test_prot_stack_faults(void **state)
{
	(void)state;
	setup_prot(3, 0);
	gate32(0x80, KCODE32, 0x1000, 0xE, 3, true);
	E.tr.limit = 9;                 /* SS0 at 8..9 fits, 4+5 = 9 */
	assert_int_equal(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), EMUL_DONE);
	setup_prot(3, 0);
	gate32(0x80, KCODE32, 0x1000, 0xE, 3, true);
	E.tr.limit = 8;
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 10, TSSSEL | 1);
	assert_fault(deliver(0x80, EMUL_EV_SOFTINT, false, 0, 2), 10, TSSSEL);
	E.tr.limit = 0x67;

	put64(TSS + 4, 0x8000);                                  /* null SS */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 10, 1);
	put64(TSS + 4, 0x8000 | ((uint64_t)(KDATA32 | 1) << 32)); /* RPL 1 */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 10, KDATA32 | 1);
	put64(TSS + 4, 0x8000 | ((uint64_t)(UDATA32 & ~3u) << 32)); /* DPL 3 */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 10, (UDATA32 & ~3u) | 1);
	set_gdt(0x50, desc(0, 0xFFFFF, 0x0, 0, true, false, true, true)); /* RO */
	put64(TSS + 4, 0x8000 | (0x50ull << 32));
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 10, 0x51);
	set_gdt(0x50, desc(0, 0xFFFFF, 0x2, 0, false, false, true, true)); /* NP */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 12, 0x51);
	set_gdt(0x50, desc(0, 0x7FFF, 0x2, 0, true, false, true, false));
	put64(TSS + 4, 0x8001 | (0x50ull << 32));       /* top past the limit */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 12, 0x51);
	put64(TSS + 4, 19 | (0x50ull << 32));           /* 20 bytes don't fit */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 12, 0x51);
	assert_true(zero(0, 19));
	put64(TSS + 4, 20 | (0x50ull << 32));           /* they do */
	assert_int_equal(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), EMUL_DONE);
	assert_int_equal(get(16, 4), UDATA32);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0);

	/* same level: no room is #SS(EXT) (an expand-down stack whose
	 * lowest offset is 0x5FF8); past the CS limit #GP(EXT) */
	setup_prot(0, 0);
	E.cpu.seg[EMUL_SEG_SS].type = 7;
	E.cpu.seg[EMUL_SEG_SS].limit = 0x5FF7;
	E.cpu.gpr[EMUL_RSP] = 0x6004;
	gate32(17, KCODE32, 0x1000, 0xE, 0, true);     /* #AC: benign */
	assert_fault(deliver(17, EMUL_EV_HWEXC, true, 0, 0), 12, 1);
	gate32(13, KCODE32, 0x1000, 0xE, 0, true);     /* #GP: a #DF */
	assert_fault(deliver(13, EMUL_EV_HWEXC, true, 0, 0), 8, 0);
	E.cpu.gpr[EMUL_RSP] = 0x6000;                   /* INT n: EXT clear */
	assert_fault(deliver(17, EMUL_EV_SOFTINT, false, 0, 2), 12, 0);
	E.cpu.gpr[EMUL_RSP] = 0x6004;
	gate32(0x20, KCODE32, 0x1000, 0xE, 0, true);    /* 12 bytes fit */
	assert_int_equal(deliver(0x20, EMUL_EV_EXTINT, false, 0, 0), EMUL_DONE);
	setup_prot(0, 0);
	gate32(0x20, KCODE16, 0x10000, 0xE, 0, true);   /* limit 0xFFFF */
	assert_fault(deliver(0x20, EMUL_EV_EXTINT, false, 0, 0), 13, 1);
	assert_fault(deliver(0x20, EMUL_EV_SOFTINT, false, 0, 2), 13, 0);
	assert_true(zero(0x6000 - 12, 12));
}

/* ---- IA-32e mode ---- */

/* From CPL 3 to ring 0: RSP0 aligned to 16, SS RSP RFLAGS CS RIP error
 * code, 8 bytes each; SS null with RPL 0. */
static void test_long_inner(void **state)
{
	(void)state;
	setup_long(3);
	gate64(14, KCODE64, 0xFFFFFFFF80001000ull, 0xE, 0, 0);
	assert_int_equal(deliver(14, EMUL_EV_HWEXC, true, 0x7, 0), EMUL_DONE);
	assert_int_equal(get(0x8000 - 8, 8), UDATA32);
	assert_int_equal(get(0x8000 - 16, 8), 0x6003);
	assert_int_equal(get(0x8000 - 24, 8), FL_FIXED | FL_IF | FL_TF | FL_RF);
	assert_int_equal(get(0x8000 - 32, 8), 0x33);
	assert_int_equal(get(0x8000 - 40, 8), 0x500);
	assert_int_equal(get(0x8000 - 48, 8), 0x7);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x8000 - 48);
	assert_int_equal(E.cpu.rip, 0xFFFFFFFF80001000ull);
	assert_int_equal(E.cpu.cpl, 0);
	assert_int_equal(E.cpu.seg[EMUL_SEG_SS].sel, 0);
	assert_true(E.cpu.seg[EMUL_SEG_SS].unusable);
	assert_int_equal(E.cpu.seg[EMUL_SEG_SS].dpl, 0);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, KCODE64);
	assert_int_equal(E.cpu.rflags, FL_FIXED);
	assert_int_equal(E.cpu.mode, EMUL_MODE_LONG64);

	/* from compatibility mode: the same 16-byte gates and 8-byte frame */
	setup_long(3);
	E.cpu.seg[EMUL_SEG_CS].l = 0;
	E.cpu.seg[EMUL_SEG_CS].sel = UCODE32;
	E.cpu.mode = EMUL_MODE_PROT32;
	E.cpu.gpr[EMUL_RSP] = 0xFFFFFFFF00006000ull;   /* pushed whole */
	gate64(0x80, KCODE64, 0x4000, 0xE, 3, 0);
	assert_int_equal(deliver(0x80, EMUL_EV_SOFTINT, false, 0, 2), EMUL_DONE);
	assert_int_equal(get(0x8000 - 16, 8), 0xFFFFFFFF00006000ull);
	assert_int_equal(get(0x8000 - 32, 8), UCODE32);
	assert_int_equal(get(0x8000 - 40, 8), 0x502);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x8000 - 40);
	assert_int_equal(E.cpu.mode, EMUL_MODE_LONG64);
}

/* Same level: the current stack, aligned; with IST 1 the IST stack even
 * at CPL 0; a trap gate keeps IF; SS not reloaded. */
static void test_long_same_and_ist(void **state)
{
	(void)state;
	setup_long(0);
	gate64(3, KCODE64, 0x4000, 0xF, 3, 0);
	assert_int_equal(deliver(3, EMUL_EV_SOFTEXC, false, 0, 1), EMUL_DONE);
	assert_int_equal(get(0x6000 - 8, 8), 0);           /* SS */
	assert_int_equal(get(0x6000 - 16, 8), 0x6003);
	assert_int_equal(get(0x6000 - 40, 8), 0x501);      /* past INT3 */
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x6000 - 40);
	assert_int_equal(E.cpu.rflags, FL_FIXED | FL_IF);
	assert_int_equal(E.cpu.seg_written, 1u << EMUL_SEG_CS);

	setup_long(0);
	gate64(2 + 0x30, KCODE64, 0x4000, 0xE, 0, 1);
	assert_int_equal(deliver(0x32, EMUL_EV_EXTINT, false, 0, 0), EMUL_DONE);
	assert_int_equal(get(0x7000 - 16, 8), 0x6003);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x7000 - 40);
}

/* 16-byte gates: limit, type (no 32-bit gates, no task gates), a
 * non-64-bit handler segment, a non-canonical stack or handler. */
static void test_long_faults(void **state)
{
	(void)state;
	setup_long(3);
	gate64(0x80, KCODE64, 0x4000, 0xE, 3, 0);
	E.idt_limit = 0x80 * 16 + 14;
	assert_fault(deliver(0x80, EMUL_EV_SOFTINT, false, 0, 2), 13, 0x402);
	E.idt_limit = 0xFFF;
	gate64(0x80, KCODE32, 0x4000, 0x5, 3, 0);
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 13, 0x403);
	gate64(0x80, KCODE32, 0x4000, 0xE, 3, 0);       /* not 64-bit code */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 13, KCODE32 | 1);
	gate64(0x80, KCODE64, 0x0000800000000000ull, 0xE, 3, 0);
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 13, 1);
	gate64(0x80, KCODE64, 0x4000, 0xE, 3, 0);
	put64(TSS + 4, 0x0000800000000010ull);          /* RSP0 not canonical */
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 12, 1);
	E.tr.limit = 0xB;                               /* RSP0 at 4..11 */
	put64(TSS + 4, 0x8000);
	assert_int_equal(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), EMUL_DONE);
	setup_long(3);
	gate64(0x80, KCODE64, 0x4000, 0xE, 3, 0);
	E.tr.limit = 0xA;
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 10, TSSSEL | 1);
	E.tr.limit = 0x67;
	gate64(0x80, KCODE64, 0x4000, 0xE, 3, 7);       /* IST7 at 84..91 */
	E.tr.limit = 90;
	assert_fault(deliver(0x80, EMUL_EV_EXTINT, false, 0, 0), 10, TSSSEL | 1);
}

/* ---- double fault, shutdown, page faults ---- */

/* SDM Table 6-5: contributory then contributory is #DF(0); page fault
 * then contributory or page fault is #DF; benign then anything, or
 * contributory then page fault, delivers the second; anything
 * contributory or a page fault while delivering #DF shuts down. */
static void test_double_fault(void **state)
{
	(void)state;
	setup_prot(0, 0);
	gate32(13, KCODE32, 0x1000, 0xE, 0, false);     /* #NP(13*8+3) */
	gate32(14, KCODE32, 0x1000, 0xE, 0, false);
	gate32(8, KCODE32, 0x1000, 0xE, 0, false);
	gate32(6, KCODE32, 0x1000, 0xE, 0, false);
	gate32(0x40, KCODE32, 0x1000, 0xE, 0, false);
	assert_fault(deliver(13, EMUL_EV_HWEXC, true, 0, 0), 8, 0);
	assert_fault(deliver(14, EMUL_EV_HWEXC, true, 2, 0), 8, 0);
	assert_int_equal(deliver(8, EMUL_EV_HWEXC, true, 0, 0), EMUL_SHUTDOWN);
	assert_fault(deliver(6, EMUL_EV_HWEXC, false, 0, 0), 11, 6 * 8 + 3);
	assert_fault(deliver(0x40, EMUL_EV_EXTINT, false, 0, 0), 11, 0x40 * 8 + 3);
	assert_fault(deliver(0x0D, EMUL_EV_SOFTINT, false, 0, 2), 11, 13 * 8 + 2);

	/* #GP whose frame is on an unmapped page: the #PF is delivered */
	setup_prot(0, 0);
	gate32(13, KCODE32, 0x1000, 0xE, 0, true);
	E.cpu.gpr[EMUL_RSP] = 0x10008;                  /* 0x10000+ unmapped */
	assert_int_equal(deliver(13, EMUL_EV_HWEXC, true, 0, 0), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 14);
	assert_int_equal(E.res.event.error_code, 2);    /* supervisor write */
	assert_int_equal(E.res.event.cr2, 0x10004);
	assert_int_equal(get(0xFFF8, 8), 0);            /* nothing written */
	assert_int_equal(get(GDT + KCODE32 + 5, 1), 0x9A);
	/* ... while delivering a #PF it is a #DF */
	gate32(14, KCODE32, 0x1000, 0xE, 0, true);
	assert_fault(deliver(14, EMUL_EV_HWEXC, true, 0, 0), 8, 0);
	/* in real mode #DF has no error code */
	setup_real();
	E.idt_limit = 0x33;
	assert_int_equal(deliver(13, EMUL_EV_HWEXC, false, 0, 0), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 8);
	assert_false(E.res.event.has_error_code);
}

/* Pushes at CPL 3 (same level) are user accesses: U/S in the #PF. */
static void test_user_stack_pf(void **state)
{
	(void)state;
	setup_prot(3, 0);
	gate32(0x80, UCODE32, 0x1000, 0xE, 3, true);
	E.cpu.gpr[EMUL_RSP] = 0x10004;
	assert_int_equal(deliver(0x80, EMUL_EV_SOFTINT, false, 0, 2), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 14);
	assert_int_equal(E.res.event.error_code, 6);
	assert_int_equal(E.res.event.cr2, 0x10000);
}

/* ---- MMIO ---- */

/* The ring-0 stack is a device: one write request per push, in push
 * order, only the last one retired; registers committed once. */
static void test_mmio_stack(void **state)
{
	struct emul_deliver ev = { .vector = 0x80, .kind = EMUL_EV_SOFTINT,
				   .insn_len = 2 };
	uint32_t want[5] = { UDATA32, 0x6000, FL_FIXED | FL_IF | FL_TF | FL_NT,
			     UCODE32, 0x502 };
	struct emul_cpu before;

	(void)state;
	setup_prot(3, 1ull << MMIO_PAGE);
	put64(TSS + 4, 0x9100 | ((uint64_t)KDATA32 << 32));
	gate32(0x80, KCODE32, 0x1000, 0xE, 3, true);
	before = E.cpu;
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(emul_deliver_event(&E.ctx, &E.cpu, &ev, &E.res),
				 EMUL_MMIO_WRITE);
		assert_int_equal(E.res.gpa, 0x9100 - 4 * (i + 1));
		assert_int_equal(E.res.len, 4);
		assert_memory_equal(E.res.data, &want[i], 4);
		assert_int_equal(E.res.retired, i == 4);
		if (i < 4)
			assert_memory_equal(&E.cpu, &before, sizeof(before));
	}
	assert_int_equal(E.cpu.rip, 0x1000);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x9100 - 20);
	assert_int_equal(E.cpu.cpl, 0);
	assert_false(emul_busy(&E.ctx));
}

/* The IDT is a device: its 8 bytes are read first, nothing is committed
 * or written before the data comes, and the read is not asked again. */
static void test_mmio_idt(void **state)
{
	struct emul_deliver ev = { .vector = 0x21, .kind = EMUL_EV_EXTINT };
	uint64_t g;

	(void)state;
	setup_prot(0, 1ull << MMIO_PAGE);
	E.idt_base = 0x9000;
	gate32(0x21, KCODE32, 0x2468, 0xE, 0, true);
	memcpy(&g, &E.mem[IDT + 0x21 * 8], 8);
	assert_int_equal(emul_deliver_event(&E.ctx, &E.cpu, &ev, &E.res), EMUL_MMIO_READ);
	assert_int_equal(E.res.gpa, 0x9000 + 0x21 * 8);
	assert_int_equal(E.res.len, 8);
	assert_true(zero(0x6000 - 12, 12));
	assert_int_equal(E.cpu.rip, 0x500);
	assert_int_equal(emul_complete_read(&E.ctx, &g, 8), 0);
	assert_int_equal(emul_deliver_event(&E.ctx, &E.cpu, &ev, &E.res), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x2468);
	assert_int_equal(get(0x6000 - 12, 4), 0x500);

	/* the same with a fault after the read: the log is forgotten */
	setup_prot(0, 1ull << MMIO_PAGE);
	E.idt_base = 0x9000;
	g = 0;                                          /* type 0: #GP */
	assert_int_equal(emul_deliver_event(&E.ctx, &E.cpu, &ev, &E.res), EMUL_MMIO_READ);
	emul_complete_read(&E.ctx, &g, 8);
	assert_fault(emul_deliver_event(&E.ctx, &E.cpu, &ev, &E.res), 13, 0x21 * 8 + 3);
	assert_false(emul_busy(&E.ctx));
}

/* Without get_dtable/get_sysseg nothing is delivered. */
static void test_no_callbacks(void **state)
{
	(void)state;
	setup_prot(0, 0);
	E.ops.get_sysseg = NULL;
	assert_int_equal(deliver(0x20, EMUL_EV_EXTINT, false, 0, 0), EMUL_UNSUPPORTED);
	assert_int_equal(E.res.reason, EMUL_R_EVENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_int),
		cmocka_unit_test(test_real_wrap_and_fault_ip),
		cmocka_unit_test(test_real_faults),
		cmocka_unit_test(test_prot_same_level),
		cmocka_unit_test(test_nmi),
		cmocka_unit_test(test_prot_gate16),
		cmocka_unit_test(test_prot_inner),
		cmocka_unit_test(test_int_instructions),
		cmocka_unit_test(test_prot_inner_tss16),
		cmocka_unit_test(test_vm86),
		cmocka_unit_test(test_vme_redirect_iopl3),
		cmocka_unit_test(test_vme_redirect_vif),
		cmocka_unit_test(test_vme_via_idt),
		cmocka_unit_test(test_vme_faults),
		cmocka_unit_test(test_vme_mmio_tss),
		cmocka_unit_test(test_prot_gate_faults),
		cmocka_unit_test(test_prot_stack_faults),
		cmocka_unit_test(test_long_inner),
		cmocka_unit_test(test_long_same_and_ist),
		cmocka_unit_test(test_long_faults),
		cmocka_unit_test(test_double_fault),
		cmocka_unit_test(test_user_stack_pf),
		cmocka_unit_test(test_mmio_stack),
		cmocka_unit_test(test_mmio_idt),
		cmocka_unit_test(test_no_callbacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
