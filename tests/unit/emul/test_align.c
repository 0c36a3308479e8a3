/*
 * test_align.c - the alignment check (#AC, emul/align.c; SDM Vol. 3A
 * 6.15 and Table 6-7, AMD APM Vol. 2 8.2.18): which accesses need which
 * alignment, when the check is armed (CR0.AM, EFLAGS.AC, CPL 3 or
 * virtual-8086 mode), the accesses it never applies to (descriptor
 * tables, the TSS, frames pushed at CPL 0), its place before paging
 * (an MMIO device sees nothing), and #AC raised by an event's delivery
 * (error code 0, EXT set unless a software interrupt).
 *
 * Guest memory: 64 KiB of RAM at linear (= physical) 0, code at 0x100,
 * data at 0x2000, stack below 0x6000, GDT at 0x1000, IDT at 0x3000, TSS
 * at 0x4000; page 9 (0x9000) a device.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "emul.h"
#include "fakemem.h"
#include "test_util.h"

#define CODE 0x100u
#define DATA 0x2000u
#define STACK 0x6000u
#define GDT 0x1000u
#define IDT 0x3000u
#define TSS 0x4000u
#define MMIO 0x9000u

#define UDATA32 0x2B    /* GDT selectors */
#define KCODE32 0x08
#define KDATA32 0x10
#define CONFORM 0x18

#define VEC_AC 17
#define CR0_AM (1ull << 18)
#define FL_AC (1ull << 18)
#define FL_FIXED 0x2ull

static struct {
	struct fake_mem fm;
	struct emul_ops ops;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	uint64_t gdt_base;
	uint8_t mem[0x10000];
} E;

static void get_dtable(void *opaque, unsigned which, uint64_t *base,
		       uint16_t *limit)
{
	(void)opaque;
	*base = which == EMUL_DTABLE_IDT ? IDT : E.gdt_base;
	*limit = which == EMUL_DTABLE_IDT ? 0x7FF : 0xFF;
}

static void get_sysseg(void *opaque, unsigned which, struct emul_seg *s)
{
	(void)opaque;
	memset(s, 0, sizeof(*s));
	s->unusable = which != EMUL_SYSSEG_TR;
	s->base = TSS;
	s->limit = 0x67;
	s->type = 0xB;
	s->present = 1;
}

static uint64_t desc(unsigned type, unsigned dpl)
{
	/* flat, 4 GiB, 32-bit, present, code or data */
	return 0xFFFFull | (0xFull << 48) | ((uint64_t)type << 40) |
	       (1ull << 44) | ((uint64_t)dpl << 45) | (1ull << 47) |
	       (1ull << 54) | (1ull << 55);
}

static void put(uint64_t addr, uint64_t v, unsigned n)
{
	memcpy(&E.mem[addr], &v, n);
}

static uint64_t get(uint64_t addr, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, &E.mem[addr], n);
	return v;
}

static void set_gdt(uint16_t sel, uint64_t d)
{
	put(E.gdt_base + (sel & ~7u), d, 8);
}

/* Flat 32-bit protected mode (64-bit with long64) at cpl, CR0.AM and
 * EFLAGS.AC set: the check armed at CPL 3. */
static void setup(bool long64, unsigned cpl, const char *hex)
{
	memset(&E, 0, sizeof(E));
	fake_init(&E.fm);
	fake_add(&E.fm, 0, E.mem, sizeof(E.mem), false, 1ull << (MMIO >> 12));
	E.ops = fake_ops;
	E.ops.get_dtable = get_dtable;
	E.ops.get_sysseg = get_sysseg;
	emul_init(&E.ctx, &E.ops, &E.fm);
	if (long64) {
		fake_cpu_long64(&E.cpu);
	} else {
		fake_cpu_prot(&E.cpu, true);
	}
	E.cpu.cpl = (uint8_t)cpl;
	for (unsigned i = 0; i < 6; i++)
		E.cpu.seg[i].dpl = (uint8_t)cpl;
	E.cpu.seg[EMUL_SEG_CS].sel = (uint16_t)(0x20 | cpl);
	E.cpu.seg[EMUL_SEG_SS].sel = (uint16_t)(0x28 | cpl);
	E.cpu.cr0 |= CR0_AM;
	E.cpu.rflags = FL_FIXED | FL_AC;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RSP] = STACK;
	unhex(hex, E.mem + CODE);
	E.gdt_base = GDT;
	set_gdt(KCODE32, desc(0xB, 0));
	set_gdt(KDATA32, desc(0x3, 0));
	set_gdt(CONFORM, desc(0xF, 0));         /* conforming, DPL 0 */
	set_gdt(0x20, desc(0xB, 3));
	set_gdt(UDATA32, desc(0x3, 3));
}

static enum emul_status run(void)
{
	return fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 100);
}

/* #AC(0): nothing retired, no request went out. A macro: a failure names
 * the caller's line. */
#define assert_ac(st, ec) do {                                           \
		assert_int_equal((st), EMUL_EXCEPTION);                  \
		assert_int_equal(E.res.event.vector, VEC_AC);            \
		assert_true(E.res.event.has_error_code);                 \
		assert_int_equal(E.res.event.error_code, (ec));          \
		assert_int_equal(E.cpu.rip, CODE);                       \
		assert_int_equal(E.fm.nlog, 0);                          \
	} while (0)

/* One load of size bytes at addr: #AC or not. */
static enum emul_status load_at(bool long64, const char *hex, uint64_t addr)
{
	setup(long64, 3, hex);
	E.cpu.gpr[EMUL_RBX] = addr;
	put(addr & 0xFFF8, 0x1122334455667788ull, 8);
	put((addr & 0xFFF8) + 8, 0x99AABBCCDDEEFF00ull, 8);
	return run();
}

/* Word 2, doubleword 4, quadword 8, byte none (Table 6-7). */
static void test_sizes(void **state)
{
	(void)state;
	assert_ac(load_at(false, "66 8b 03", DATA + 1), 0); /* mov ax, [ebx] */
	assert_int_equal(load_at(false, "66 8b 03", DATA + 2), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x5566);
	assert_ac(load_at(false, "8b 03", DATA + 2), 0);   /* mov eax, [ebx] */
	assert_ac(load_at(false, "8b 03", DATA + 3), 0);
	assert_int_equal(load_at(false, "8b 03", DATA + 4), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x11223344);
	assert_int_equal(load_at(false, "8a 03", DATA + 3), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX] & 0xFF, 0x55);
	assert_ac(load_at(true, "48 8b 03", DATA + 4), 0); /* mov rax, [rbx] */
	assert_int_equal(load_at(true, "48 8b 03", DATA + 8), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x1122334455667788ull);
	assert_int_equal(load_at(true, "8b 03", DATA + 4), EMUL_DONE);
	/* a store: memory untouched */
	setup(false, 3, "89 03");                          /* mov [ebx], eax */
	E.cpu.gpr[EMUL_RBX] = DATA + 6;
	E.cpu.gpr[EMUL_RAX] = 0xDEADBEEF;
	assert_ac(run(), 0);
	assert_int_equal(get(DATA + 6, 4), 0);
	E.cpu.gpr[EMUL_RBX] = DATA + 8;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(get(DATA + 8, 4), 0xDEADBEEF);
}

/* Armed only with CR0.AM, EFLAGS.AC and CPL 3 all at once. */
static void test_not_armed(void **state)
{
	(void)state;
	setup(false, 3, "8b 03");
	E.cpu.gpr[EMUL_RBX] = DATA + 2;
	E.cpu.cr0 &= ~CR0_AM;
	assert_int_equal(run(), EMUL_DONE);

	setup(false, 3, "8b 03");
	E.cpu.gpr[EMUL_RBX] = DATA + 2;
	E.cpu.rflags &= ~FL_AC;
	assert_int_equal(run(), EMUL_DONE);

	for (unsigned cpl = 0; cpl < 3; cpl++) {
		setup(false, cpl, "8b 03");
		E.cpu.gpr[EMUL_RBX] = DATA + 2;
		assert_int_equal(run(), EMUL_DONE);
	}
	setup(true, 0, "48 8b 03");
	E.cpu.gpr[EMUL_RBX] = DATA + 1;
	assert_int_equal(run(), EMUL_DONE);
}

/* Virtual-8086 mode runs at CPL 3: checked; real mode (CPL 0) is not. */
static void test_vm86_and_real(void **state)
{
	(void)state;
	setup(false, 3, "8b 07");                          /* mov ax, [bx] */
	for (unsigned i = 0; i < 6; i++) {
		E.cpu.seg[i].base = 0;
		E.cpu.seg[i].limit = 0xFFFF;
		E.cpu.seg[i].db = 0;
		E.cpu.seg[i].type = 3;
		E.cpu.seg[i].g = 0;
	}
	E.cpu.mode = EMUL_MODE_VM86;
	E.cpu.rflags |= EMUL_FL_VM | EMUL_FL_IOPL;
	E.cpu.gpr[EMUL_RBX] = DATA + 1;
	assert_ac(run(), 0);
	E.cpu.gpr[EMUL_RBX] = DATA + 2;
	assert_int_equal(run(), EMUL_DONE);

	setup(false, 0, "8b 07");
	fake_cpu_real(&E.cpu);
	E.cpu.cr0 |= CR0_AM;
	E.cpu.rflags |= FL_AC;
	E.cpu.rip = CODE;
	E.cpu.gpr[EMUL_RBX] = DATA + 1;
	assert_int_equal(run(), EMUL_DONE);
}

/* PUSH, POP and CALL: stack accesses of the operand size. */
static void test_stack(void **state)
{
	(void)state;
	setup(false, 3, "50");                             /* push eax */
	E.cpu.gpr[EMUL_RSP] = STACK + 1;
	assert_ac(run(), 0);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], STACK + 1);
	assert_int_equal(get(STACK - 4, 8), 0);
	E.cpu.gpr[EMUL_RSP] = STACK + 2;
	assert_ac(run(), 0);
	E.cpu.gpr[EMUL_RSP] = STACK;
	E.cpu.gpr[EMUL_RAX] = 0xCAFE;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(get(STACK - 4, 4), 0xCAFE);

	setup(false, 3, "66 50");                          /* push ax */
	E.cpu.gpr[EMUL_RSP] = STACK + 2;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], STACK);

	setup(false, 3, "58");                             /* pop eax */
	E.cpu.gpr[EMUL_RSP] = STACK - 2;
	assert_ac(run(), 0);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], STACK - 2);

	setup(false, 3, "e8 00 00 00 00");                 /* call $+5 */
	E.cpu.gpr[EMUL_RSP] = STACK + 3;
	assert_ac(run(), 0);

	setup(true, 3, "50");                              /* push rax */
	E.cpu.gpr[EMUL_RSP] = STACK + 4;
	assert_ac(run(), 0);
	E.cpu.gpr[EMUL_RSP] = STACK + 8;
	assert_int_equal(run(), EMUL_DONE);
}

/* String instructions: each element is an access of its size. */
static void test_string(void **state)
{
	(void)state;
	setup(false, 3, "a5");                             /* movsd */
	E.cpu.gpr[EMUL_RSI] = DATA + 1;
	E.cpu.gpr[EMUL_RDI] = DATA + 0x100;
	assert_ac(run(), 0);
	E.cpu.gpr[EMUL_RSI] = DATA;
	E.cpu.gpr[EMUL_RDI] = DATA + 0x102;               /* the store */
	assert_ac(run(), 0);
	assert_int_equal(E.cpu.gpr[EMUL_RSI], DATA);

	setup(false, 3, "a4");                             /* movsb */
	E.cpu.gpr[EMUL_RSI] = DATA + 1;
	E.cpu.gpr[EMUL_RDI] = DATA + 0x103;
	assert_int_equal(run(), EMUL_DONE);

	setup(false, 3, "f3 66 ab");                       /* rep stosw */
	E.cpu.gpr[EMUL_RDI] = DATA + 1;
	E.cpu.gpr[EMUL_RCX] = 3;
	E.cpu.gpr[EMUL_RAX] = 0x7777;
	assert_ac(run(), 0);
	assert_int_equal(E.cpu.gpr[EMUL_RCX], 3);
	assert_int_equal(get(DATA, 8), 0);
	E.cpu.gpr[EMUL_RDI] = DATA + 2;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RCX], 0);
	assert_int_equal(get(DATA + 2, 6), 0x777777777777ull);
}

/* Table 6-7's far pointers: m16:16 needs 2, m16:32 needs 4 (the offset
 * is read first). The descriptor read is an implicit supervisor access:
 * a GDT at an odd address raises nothing. */
static void test_far_pointer_and_gdt(void **state)
{
	(void)state;
	setup(false, 3, "c5 03");                          /* lds eax, [ebx] */
	E.cpu.gpr[EMUL_RBX] = DATA + 2;
	put(DATA + 2, 0x12345678, 4);
	put(DATA + 6, UDATA32, 2);
	assert_ac(run(), 0);
	assert_int_equal(E.cpu.seg_written, 0);

	setup(false, 3, "66 c5 03");                       /* lds ax, [ebx] */
	E.cpu.gpr[EMUL_RBX] = DATA + 2;
	put(DATA + 2, 0x5678, 2);
	put(DATA + 4, UDATA32, 2);
	E.gdt_base = GDT + 1;                              /* misaligned */
	set_gdt(UDATA32, desc(0x2, 3));                    /* not accessed */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX] & 0xFFFF, 0x5678);
	assert_int_equal(E.cpu.seg[EMUL_SEG_DS].sel, UDATA32);
	/* the accessed bit written back, at CPL 3, to the odd GDT */
	assert_int_equal(E.mem[GDT + 1 + (UDATA32 & ~7u) + 5] & 1, 1);

	setup(false, 3, "8e 1b");                          /* mov ds, [ebx] */
	E.cpu.gpr[EMUL_RBX] = DATA + 1;
	put(DATA + 1, UDATA32, 2);
	assert_ac(run(), 0);
}

/* The check comes before paging: a misaligned read of a device is never
 * made (no MMIO request), an aligned one is. */
static void test_before_mmio(void **state)
{
	(void)state;
	setup(false, 3, "8b 03");
	E.cpu.gpr[EMUL_RBX] = MMIO + 2;
	assert_ac(run(), 0);
	E.cpu.gpr[EMUL_RBX] = MMIO + 4;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.fm.nlog, 1);
}

static enum emul_status deliver(uint8_t vector, uint8_t kind, bool has_ec)
{
	struct emul_deliver ev = { .vector = vector, .kind = kind,
				   .has_error_code = has_ec, .insn_len = 2 };

	return emul_deliver_event(&E.ctx, &E.cpu, &ev, &E.res);
}

static void gate32(unsigned vec, uint16_t sel, uint32_t off, unsigned dpl)
{
	put(IDT + vec * 8u, (off & 0xFFFF) | ((uint64_t)sel << 16) |
	    (0xEull << 40) | ((uint64_t)dpl << 45) | (1ull << 47) |
	    ((uint64_t)(off >> 16) << 48), 8);
}

/* The #AC storm (CVE-2015-5307): #AC through a gate to a conforming
 * segment stays at CPL 3, so its frame is alignment-checked; on an odd
 * ESP the delivery raises #AC with EXT (an event's delivery, SDM 6.13).
 * INT n raises it without EXT; a frame pushed at CPL 0 (a
 * privilege-level change to the TSS stack) is never checked. */
static void test_delivery(void **state)
{
	(void)state;
	setup(false, 3, "");
	gate32(VEC_AC, CONFORM, 0x700, 3);
	E.cpu.gpr[EMUL_RSP] = STACK + 1;
	assert_int_equal(deliver(VEC_AC, EMUL_EV_HWEXC, true), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, VEC_AC);
	assert_int_equal(E.res.event.error_code, 1);
	assert_int_equal(E.cpu.rip, CODE);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], STACK + 1);

	assert_int_equal(deliver(VEC_AC, EMUL_EV_SOFTINT, false), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, VEC_AC);
	assert_int_equal(E.res.event.error_code, 0);

	E.cpu.gpr[EMUL_RSP] = STACK;
	assert_int_equal(deliver(VEC_AC, EMUL_EV_HWEXC, true), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x700);
	assert_int_equal(E.cpu.cpl, 3);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], STACK - 16);
	assert_int_equal(get(STACK - 16, 4), 0);           /* error code */

	/* to CPL 0 on the TSS's ESP0, misaligned: no #AC */
	setup(false, 3, "");
	gate32(VEC_AC, KCODE32, 0x800, 3);
	put(TSS + 4, (STACK + 0x1002) | ((uint64_t)KDATA32 << 32), 8);
	E.cpu.gpr[EMUL_RSP] = STACK + 1;
	assert_int_equal(deliver(VEC_AC, EMUL_EV_HWEXC, true), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x800);
	assert_int_equal(E.cpu.cpl, 0);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], STACK + 0x1002 - 24);
	assert_int_equal(get(STACK + 0x1002 - 8, 4), STACK + 1); /* old ESP */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_not_armed),
		cmocka_unit_test(test_vm86_and_real),
		cmocka_unit_test(test_stack),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_far_pointer_and_gdt),
		cmocka_unit_test(test_before_mmio),
		cmocka_unit_test(test_delivery),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
