/*
 * test_vm86.c - virtual-8086 mode (RFLAGS.VM = 1): real-mode addressing
 * (selector * 16, 64 KiB limits, #GP/#SS with an error code), CPL 3 (user
 * accesses, privileged instructions #GP(0)), the IOPL-sensitive
 * instructions (#GP(0) below IOPL 3; VME cases refused), instructions not
 * recognised there (#UD), segment loads refused, IN/OUT always through the
 * I/O permission bitmap, and code fetched from MMIO.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "emul.h"
#include "fakemem.h"
#include "test_util.h"

#define MEM_SIZE 0x40000        /* the first 256 KiB, linear = physical */
#define CODE_SEG 0x1000         /* CS: code at 0x10000 */
#define DATA_SEG 0x2000         /* DS, ES: 0x20000 */
#define STACK_SEG 0x3000        /* SS: 0x30000 */
#define DEV 0x38000ull          /* the last 32 KiB are MMIO */

struct env {
	struct fake_mem fm;
	struct emul_ctx ctx;
	struct emul_cpu cpu;
	struct emul_result res;
	uint8_t mem[MEM_SIZE];
	unsigned read_acc;      /* acc of the last data read */
	int io_calls;
	bool io_allow;
	uint16_t io_port;
	unsigned io_size;
	int dtable_calls;
	uint16_t idt_limit;
};

static struct env E;
static struct emul_ops ops;

static enum emul_mem_status rec_read(void *opaque, uint64_t la, void *buf,
				     unsigned len, unsigned acc, uint64_t *gpa,
				     struct emul_event *fault)
{
	E.read_acc = acc;
	return fake_ops.read(opaque, la, buf, len, acc, gpa, fault);
}

static bool io_permitted(void *opaque, uint16_t port, unsigned size)
{
	(void)opaque;
	E.io_calls++;
	E.io_port = port;
	E.io_size = size;
	return E.io_allow;
}

static void set_dtable(void *opaque, unsigned which, uint64_t base,
		       uint16_t limit)
{
	(void)opaque; (void)which; (void)base; (void)limit;
	E.dtable_calls++;
}

/* The IDT (at 0x5000, limit idt_limit: 0 unless a test says) and TR
 * (a 32-bit TSS at 0x4000, limit 0x88, I/O map base 0x88: the
 * redirection bitmap at 0x4068-0x4087, clear unless a test sets bits). */
#define IDT 0x5000u
#define TSS 0x4000u

static void get_dtable(void *opaque, unsigned which, uint64_t *base,
		       uint16_t *limit)
{
	(void)opaque;
	*base = which == EMUL_DTABLE_IDT ? IDT : 0;
	*limit = which == EMUL_DTABLE_IDT ? E.idt_limit : 0;
}

static void get_sysseg(void *opaque, unsigned which, struct emul_seg *s)
{
	(void)opaque;
	memset(s, 0, sizeof(*s));
	s->unusable = which != EMUL_SYSSEG_TR;
	s->base = TSS;
	s->limit = 0x88;
	s->type = 0xB;
	s->present = 1;
}

static void vm86_seg(struct emul_seg *s, uint16_t sel)
{
	memset(s, 0, sizeof(*s));
	s->sel = sel;
	s->base = (uint64_t)sel << 4;
	s->limit = 0xFFFF;
	s->type = 3;            /* what the CPU loads in VM86: AR 0xF3 */
	s->s = 1;
	s->dpl = 3;
	s->present = 1;
}

/* A VM86 vCPU with IOPL iopl at CS:0 running hex. */
static void setup(unsigned iopl, const char *hex)
{
	memset(&E, 0, sizeof(E));
	unhex(hex, E.mem + ((uint32_t)CODE_SEG << 4));
	fake_init(&E.fm);
	fake_add(&E.fm, 0, E.mem, sizeof(E.mem), false,
		 0xFFull << (DEV >> 12));
	vm86_seg(&E.cpu.seg[EMUL_SEG_CS], CODE_SEG);
	vm86_seg(&E.cpu.seg[EMUL_SEG_DS], DATA_SEG);
	vm86_seg(&E.cpu.seg[EMUL_SEG_ES], DATA_SEG);
	vm86_seg(&E.cpu.seg[EMUL_SEG_FS], DATA_SEG);
	vm86_seg(&E.cpu.seg[EMUL_SEG_GS], DATA_SEG);
	vm86_seg(&E.cpu.seg[EMUL_SEG_SS], STACK_SEG);
	E.cpu.mode = EMUL_MODE_VM86;
	E.cpu.cpl = 3;
	E.cpu.cr0 = 0x80000011;
	E.cpu.rflags = EMUL_FL_VM | ((uint64_t)iopl << 12) | 0x2;
	E.cpu.gpr[EMUL_RSP] = 0x100;
	ops = fake_ops;
	ops.read = rec_read;
	ops.io_permitted = io_permitted;
	ops.set_dtable = set_dtable;
	ops.get_dtable = get_dtable;
	ops.get_sysseg = get_sysseg;
	E.mem[TSS + 0x66] = 0x88;
	emul_init(&E.ctx, &ops, &E.fm);
}

static enum emul_status run(void)
{
	return fake_run(&E.ctx, &E.cpu, &E.fm, &E.res, 64);
}

/* An exception with error code 0 (VM86 delivers through the protected-mode
 * IDT, which pushes it); nothing committed. */
static void expect_fault(uint8_t vector)
{
	struct emul_regs before = E.cpu.regs;

	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, vector);
	assert_true(E.res.event.has_error_code);
	assert_int_equal(E.res.event.error_code, 0);
	assert_memory_equal(&E.cpu.regs, &before, sizeof(before));
	assert_false(emul_busy(&E.ctx));
}

static void expect_refused(uint8_t reason)
{
	struct emul_regs before = E.cpu.regs;

	assert_int_equal(run(), EMUL_UNSUPPORTED);
	assert_int_equal(E.res.reason, reason);
	assert_memory_equal(&E.cpu.regs, &before, sizeof(before));
}

static uint16_t word_at(uint32_t la)
{
	return (uint16_t)(E.mem[la] | E.mem[la + 1] << 8);
}

/* mov ax,[bx+si]: DS * 16 + offset, a user access; movsb between DS:SI
 * and ES:DI; 16-bit IP wraps inside CS. */
static void test_addressing(void **state)
{
	(void)state;
	setup(0, "8b 00 a4");
	E.cpu.gpr[EMUL_RBX] = 0x100;
	E.cpu.gpr[EMUL_RSI] = 0x23;
	E.cpu.gpr[EMUL_RDI] = 0x400;
	E.mem[0x20123] = 0x34;
	E.mem[0x20124] = 0x12;
	E.mem[0x20023] = 0x56;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x1234);
	assert_int_equal(E.read_acc, EMUL_ACC_USER);
	assert_int_equal(E.cpu.rip, 2);
	assert_int_equal(run(), EMUL_DONE);                  /* movsb */
	assert_int_equal(E.mem[0x20400], 0x56);
	assert_int_equal(E.cpu.gpr[EMUL_RSI], 0x24);
	assert_int_equal(E.cpu.gpr[EMUL_RDI], 0x401);
	assert_int_equal(E.cpu.rip, 3);
	/* no type or present checks, as in real mode: a write through CS
	 * works whatever its cached type (a code segment here) */
	setup(0, "2e 88 07");                   /* mov cs:[bx], al */
	E.cpu.seg[EMUL_SEG_CS].type = 0xB;
	E.cpu.seg[EMUL_SEG_DS].present = 0;
	E.cpu.gpr[EMUL_RBX] = 0x200;
	E.cpu.gpr[EMUL_RAX] = 0x77;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.mem[0x10200], 0x77);
	/* a NOP at IP 0xFFFF: the next IP is 0 (16-bit) */
	setup(0, "");
	E.mem[0x10000 + 0xFFFF] = 0x90;
	E.cpu.rip = 0xFFFF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0);
}

/* 64 KiB limits: a word at DS:FFFF is #GP(0), at SS:FFFF #SS(0), both with
 * an error code (real mode pushes none); an instruction running past IP
 * 0xFFFF is #GP(0). */
static void test_limits(void **state)
{
	(void)state;
	setup(0, "8b 07");                      /* mov ax,[bx] */
	E.cpu.gpr[EMUL_RBX] = 0xFFFF;
	expect_fault(13);
	setup(0, "8b 46 00");                   /* mov ax,[bp+0] */
	E.cpu.gpr[EMUL_RBP] = 0xFFFF;
	expect_fault(12);
	setup(0, "67 8b 03");                   /* mov ax,[ebx]: 32-bit EA */
	E.cpu.gpr[EMUL_RBX] = 0x10000;
	expect_fault(13);
	setup(0, "");
	E.mem[0x10000 + 0xFFFF] = 0x8b;         /* mov r16, r/m16 needs ModRM */
	E.cpu.rip = 0xFFFF;
	expect_fault(13);
}

/* CLI, STI, PUSHF, POPF, INT n, IRET below IOPL 3 without CR4.VME:
 * #GP(0) before any access. With VME the 32-bit PUSHFD, POPFD and IRETD
 * stay #GP(0) (the 16-bit forms: test_vme_flags). */
static void test_iopl_sensitive(void **state)
{
	static const char *const sensitive[] = {
		"fa", "fb", "9c", "66 9c", "9d", "cd 21", "cf",
	};
	static const char *const vme_gp[] = { "66 9c", "66 9d", "66 cf" };

	(void)state;
	for (unsigned iopl = 0; iopl < 3; iopl++) {
		for (unsigned i = 0; i < 7; i++) {
			setup(iopl, sensitive[i]);
			expect_fault(13);
			assert_int_equal(word_at(0x300FE), 0);  /* no push */
		}
		for (unsigned i = 0; i < 3; i++) {
			setup(iopl, vme_gp[i]);
			E.cpu.cr4 = 1;
			E.cpu.gpr[EMUL_RSP] = 0xF0;
			expect_fault(13);
		}
	}
	/* INT3 and INTO are not IOPL-sensitive (SDM 20.2.7): no #GP(0),
	 * they go to the IDT, here empty: #GP(IDT entry 3) */
	setup(0, "cc");
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.res.event.error_code, 3 * 8 + 2);
}

/* CR4.VME below IOPL 3, 16-bit forms (vm86_vif.c): PUSHF shows VIF as IF
 * and IOPL 3; POPF and IRET load VIF from the popped IF and leave IF and
 * IOPL; a popped TF, or a popped IF with VIP set, is #GP(0). */
static void test_vme_flags(void **state)
{
	const uint64_t vif = 1u << 19, vip = 1u << 20;

	(void)state;
	setup(0, "9c 9c");
	E.cpu.cr4 = 1;
	E.cpu.rflags |= vif | EMUL_FL_DF | EMUL_FL_CF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(word_at(0x300FE), 0x3603);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0xFE);
	E.cpu.rflags = (E.cpu.rflags & ~vif) | EMUL_FL_IF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(word_at(0x300FC), 0x3403);
	assert_int_equal(E.cpu.rflags, EMUL_FL_VM | EMUL_FL_IF | EMUL_FL_DF |
				       EMUL_FL_CF | 2);
	/* POPF at IOPL 1: NT OF DF IF SF ZF AF PF CF popped, IOPL 0 not */
	setup(1, "9d");
	E.cpu.cr4 = 1;
	E.cpu.gpr[EMUL_RSP] = 0xFE;
	E.mem[0x300FE] = 0xD5;
	E.mem[0x300FF] = 0x4E;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rflags, EMUL_FL_VM | (1u << 12) | vif | 0x4CD5 | 2);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x100);
	assert_int_equal(E.cpu.rip, 1);
	/* IF popped while VIP is set: #GP(0), SP and flags as they were */
	setup(1, "9d");
	E.cpu.cr4 = 1;
	E.cpu.rflags |= vip;
	E.cpu.gpr[EMUL_RSP] = 0xFE;
	E.mem[0x300FF] = 0x02;                  /* IF */
	expect_fault(13);
	assert_int_equal(E.cpu.rflags, EMUL_FL_VM | (1u << 12) | vip | 2);
	E.mem[0x300FF] = 0x00;                  /* IF clear: VIF cleared */
	E.cpu.rflags |= vif;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rflags, EMUL_FL_VM | (1u << 12) | vip | 2);
	setup(0, "9d");
	E.cpu.cr4 = 1;
	E.cpu.gpr[EMUL_RSP] = 0xFE;
	E.mem[0x300FF] = 0x01;                  /* TF */
	expect_fault(13);
	/* IRET: IP, CS, FLAGS; VIF from IF, IF and IOPL kept */
	setup(0, "cf");
	E.cpu.cr4 = 1;
	E.cpu.gpr[EMUL_RSP] = 0xFA;
	E.mem[0x300FA] = 0x34;                  /* IP 0x1234 */
	E.mem[0x300FB] = 0x12;
	E.mem[0x300FD] = 0x40;                  /* CS 0x4000 */
	E.mem[0x300FE] = 0x01;                  /* CF */
	E.mem[0x300FF] = 0x32;                  /* IF, IOPL 3 */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x1234);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, 0x4000);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].base, 0x40000);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].limit, 0xFFFF);
	assert_int_equal(E.cpu.rflags, EMUL_FL_VM | vif | EMUL_FL_CF | 2);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x100);
	assert_int_equal(E.cpu.mode, EMUL_MODE_VM86);
	/* TF in the image: #GP(0), nothing loaded */
	setup(0, "cf");
	E.cpu.cr4 = 1;
	E.cpu.gpr[EMUL_RSP] = 0xFA;
	E.mem[0x300FD] = 0x40;
	E.mem[0x300FF] = 0x01;
	expect_fault(13);
	assert_int_equal(E.cpu.seg_written, 0);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, CODE_SEG);
}

/* INT n run by the emulator: without VME at IOPL 3 through the IDT
 * (here empty: #GP(IDT entry)); with VME the redirection bitmap
 * (deliver_vm86.c): bit clear, the IVT handler with a 16-bit frame and no
 * single-step trap; bit set below IOPL 3, #GP(0). */
static void test_int_n(void **state)
{
	(void)state;
	setup(3, "cd 10");
	assert_int_equal(run(), EMUL_EXCEPTION);
	assert_int_equal(E.res.event.vector, 13);
	assert_int_equal(E.res.event.error_code, 0x10 * 8 + 2);
	setup(0, "cd 10");
	E.cpu.cr4 = 1;
	E.cpu.rflags |= EMUL_FL_TF | (1u << 19);        /* VIF */
	E.mem[0x40] = 0x78;                             /* IVT 0x10: 1234:5678 */
	E.mem[0x41] = 0x56;
	E.mem[0x42] = 0x34;
	E.mem[0x43] = 0x12;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x5678);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, 0x1234);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].base, 0x12340);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0xFA);
	assert_int_equal(word_at(0x300FE), 0x3302);     /* IOPL 3, IF(VIF), TF */
	assert_int_equal(word_at(0x300FC), CODE_SEG);
	assert_int_equal(word_at(0x300FA), 2);
	assert_int_equal(E.cpu.rflags, EMUL_FL_VM | 2);
	assert_false(E.res.tf_trap);
	setup(2, "cd 10");
	E.cpu.cr4 = 1;
	E.mem[TSS + 0x68 + 2] = 1;                      /* bit 0x10 */
	expect_fault(13);
	assert_int_equal(word_at(0x300FE), 0);
	/* through the IDT to a task gate (DPL 3): the task switch is the
	 * caller's, with the gate's TSS selector and the event */
	setup(3, "cd 10");
	E.idt_limit = 0x10 * 8 + 7;
	E.mem[IDT + 0x80 + 2] = 0x38;                   /* TSS selector 0x38 */
	E.mem[IDT + 0x80 + 5] = 0xE5;                   /* P, DPL 3, type 5 */
	expect_refused(EMUL_R_TASK_GATE);
	assert_int_equal(E.res.task_gate.tss_sel, 0x38);
	assert_int_equal(E.res.task_gate.vector, 0x10);
	assert_int_equal(E.res.task_gate.kind, EMUL_EV_SOFTINT);
	assert_int_equal(E.res.task_gate.insn_len, 2);
	assert_false(E.res.task_gate.has_error_code);
	assert_int_equal(E.cpu.seg_written, 0);
}

/* At IOPL 3: PUSHF pushes FLAGS with VM and RF clear in the image;
 * POPF and IRET keep IOPL (INT n: test_int_n). */
static void test_iopl3(void **state)
{
	(void)state;
	setup(3, "9c 66 9c");
	E.cpu.rflags |= EMUL_FL_RF | EMUL_FL_CF;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0xFE);
	assert_int_equal(word_at(0x300FE), 0x3003);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0xFA);
	assert_int_equal(word_at(0x300FA), 0x3003);
	assert_int_equal(word_at(0x300FC), 0);  /* VM (bit 17), RF clear */
	/* POPF pops all but IOPL (and VM, VIF, VIP, RF) */
	setup(3, "9d");
	E.cpu.gpr[EMUL_RSP] = 0xFE;
	E.mem[0x300FE] = 0xD5;                  /* arithmetic flags, IOPL 0 */
	E.mem[0x300FF] = 0x0E;                  /* IF DF OF: 0x0E00 */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rflags, EMUL_FL_VM | EMUL_FL_IOPL | 0x0ED5 | 2);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x100);
	/* IRET: IP, CS (selector * 16), FLAGS; VM and IOPL stay */
	setup(3, "cf");
	E.cpu.gpr[EMUL_RSP] = 0xFA;
	E.mem[0x300FA] = 0x34;                  /* IP 0x1234 */
	E.mem[0x300FB] = 0x12;
	E.mem[0x300FC] = 0x00;                  /* CS 0x4000 */
	E.mem[0x300FD] = 0x40;
	E.mem[0x300FE] = 0x01;                  /* FLAGS: CF, IOPL 0 */
	E.mem[0x300FF] = 0x00;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x1234);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, 0x4000);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].base, 0x40000);
	assert_int_equal(E.cpu.rflags, EMUL_FL_VM | EMUL_FL_IOPL | EMUL_FL_CF | 2);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x100);
	assert_int_equal(E.cpu.mode, EMUL_MODE_VM86);
	assert_int_equal(E.cpu.cpl, 3);
	/* CLI and STI at IOPL 3 change IF (exec_cli_sti_hlt.c) */
	setup(3, "fa fb");
	E.cpu.rflags |= EMUL_FL_IF;
	assert_int_equal(run(), EMUL_DONE);
	assert_false(E.cpu.rflags & EMUL_FL_IF);
	assert_int_equal(run(), EMUL_DONE);
	assert_true(E.cpu.rflags & EMUL_FL_IF);
	assert_int_equal(E.res.shadow, EMUL_SHADOW_STI);
}

/* CR4.VME below IOPL 3: CLI clears VIF, STI sets it unless VIP is set
 * (#GP(0)); IF stays. At IOPL 3 the same bytes are plain CLI/STI again,
 * though their decoding is reused. */
static void test_vme(void **state)
{
	const uint64_t vif = 1u << 19, vip = 1u << 20;

	(void)state;
	setup(0, "fa fb fb");
	E.cpu.cr4 = 1;
	E.cpu.rflags |= vif | EMUL_FL_IF;
	assert_int_equal(run(), EMUL_DONE);              /* cli */
	assert_int_equal(E.cpu.rflags, EMUL_FL_VM | EMUL_FL_IF | 2);
	assert_int_equal(E.cpu.rip, 1);
	E.cpu.rip = 0;                                   /* cli at IOPL 3 */
	E.cpu.rflags |= EMUL_FL_IOPL | vif;
	assert_int_equal(run(), EMUL_DONE);              /* IF, not VIF */
	assert_int_equal(E.cpu.rflags, EMUL_FL_VM | EMUL_FL_IOPL | vif | 2);
	E.cpu.rip = 0;
	E.cpu.rflags &= ~(uint64_t)(EMUL_FL_IOPL | EMUL_FL_IF);
	assert_int_equal(run(), EMUL_DONE);              /* and back */
	assert_false(E.cpu.rflags & vif);
	assert_int_equal(E.cpu.rip, 1);
	assert_int_equal(run(), EMUL_DONE);              /* sti */
	assert_int_equal(E.cpu.rflags, EMUL_FL_VM | vif | 2);
	assert_int_equal(E.cpu.rip, 2);
	E.cpu.rflags = EMUL_FL_VM | vip | 2;
	expect_fault(13);                                /* sti with VIP */
	assert_int_equal(E.cpu.rflags, EMUL_FL_VM | vip | 2);
	/* without VME: #GP(0) */
	E.cpu.cr4 = 0;
	E.cpu.rflags = EMUL_FL_VM | 2;
	expect_fault(13);
}

/* Not recognised in VM86: #UD (no error code). */
static void test_ud(void **state)
{
	static const char *const ud[] = {
		"0f 00 c0",     /* sldt ax */
		"0f 00 08",     /* str [bx+si] */
		"0f 00 d0",     /* lldt ax */
		"0f 00 e0",     /* verr ax */
		"0f 02 c0",     /* lar ax, ax */
		"0f 03 c0",     /* lsl ax, ax */
		"63 c0",        /* arpl ax, ax */
		"0f aa",        /* rsm: never in SMM (exec_rsm.c) */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(ud) / sizeof(ud[0]); i++) {
		setup(3, ud[i]);
		assert_int_equal(run(), EMUL_EXCEPTION);
		assert_int_equal(E.res.event.vector, 6);
		assert_false(E.res.event.has_error_code);
		assert_int_equal(E.cpu.rip, 0);
	}
}

/* CPL 3: LGDT is #GP(0) and changes nothing; SMSW works unless UMIP. */
static void test_privilege(void **state)
{
	(void)state;
	setup(3, "0f 01 16 00 01");             /* lgdt [0x100] */
	expect_fault(13);
	assert_int_equal(E.dtable_calls, 0);
	setup(0, "0f 01 e0");                   /* smsw ax */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0x0011);
	setup(0, "0f 01 e0");
	E.cpu.cr4 = 1u << 11;                   /* UMIP */
	expect_fault(13);
	/* a caller that says VM86 at CPL 0 is inconsistent: refused */
	setup(3, "90");
	E.cpu.cpl = 0;
	expect_refused(EMUL_R_MODE);
}

/* Far JMP, CALL and RETF as in real mode (SDM Vol. 2 JMP, CALL, RET:
 * "real-address or virtual-8086 mode"): CS = selector * 16 with its
 * virtual-8086 attributes, the offset checked against the 64 KiB limit
 * (#GP(0)), pushes and pops on SS:SP with user accesses; mode and CPL
 * stay. */
static void test_far(void **state)
{
	(void)state;
	setup(0, "ea 34 12 00 20");             /* jmp 2000:1234 */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x1234);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, 0x2000);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].base, 0x20000);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].limit, 0xFFFF);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].dpl, 3);
	assert_int_equal(E.cpu.mode, EMUL_MODE_VM86);
	assert_int_equal(E.cpu.cpl, 3);
	setup(0, "66 ea 00 00 01 00 00 20");    /* jmp 2000:00010000 */
	expect_fault(13);
	assert_int_equal(E.cpu.seg_written, 0);
	setup(0, "9a 34 12 00 20");             /* call 2000:1234 */
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0xFC);
	assert_int_equal(word_at(0x300FE), CODE_SEG);
	assert_int_equal(word_at(0x300FC), 5);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].base, 0x20000);
	setup(0, "9a 34 12 00 20");             /* a push to SS:FFFF: #SS(0) */
	E.cpu.gpr[EMUL_RSP] = 1;
	expect_fault(12);
	assert_int_equal(E.cpu.seg_written, 0);
	setup(0, "ff 1f");                      /* call far [bx] */
	E.cpu.gpr[EMUL_RBX] = 0x10;
	E.mem[0x20010] = 0x78;                  /* 3000:5678 */
	E.mem[0x20011] = 0x56;
	E.mem[0x20013] = 0x30;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.read_acc, EMUL_ACC_USER);
	assert_int_equal(E.cpu.rip, 0x5678);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].base, 0x30000);
	assert_int_equal(word_at(0x300FC), 2);
	setup(0, "ff 2f");                      /* jmp far [bx] */
	E.cpu.gpr[EMUL_RBX] = 0x10;
	E.mem[0x20010] = 0x78;
	E.mem[0x20013] = 0x30;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x78);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x100);
	setup(0, "ca 04 00");                   /* retf 4 */
	E.cpu.gpr[EMUL_RSP] = 0xF0;
	E.mem[0x300F0] = 0x11;                  /* 2222:1111 */
	E.mem[0x300F1] = 0x11;
	E.mem[0x300F2] = 0x22;
	E.mem[0x300F3] = 0x22;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x1111);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].sel, 0x2222);
	assert_int_equal(E.cpu.seg[EMUL_SEG_CS].base, 0x22220);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0xF8);
	assert_int_equal(E.cpu.cpl, 3);
	setup(0, "66 cb");                      /* retfd to EIP 0x10000 */
	E.cpu.gpr[EMUL_RSP] = 0xF0;
	E.mem[0x300F2] = 0x01;
	expect_fault(13);
}

/* Segment loads: selector * 16, nothing else checked. */
static void test_segment_loads(void **state)
{
	(void)state;
	/* data segment loads: selector * 16, 64 KiB, DPL 3 read/write data
	 * whatever the register held; MOV SS gives its interrupt shadow */
	setup(3, "8e d8 0f a1 8e d0");         /* mov ds, ax; pop fs; mov ss, ax */
	E.cpu.gpr[EMUL_RAX] = 0x1234;
	E.cpu.seg[EMUL_SEG_DS].type = 0xB;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.seg[EMUL_SEG_DS].base, 0x12340);
	assert_int_equal(E.cpu.seg[EMUL_SEG_DS].sel, 0x1234);
	assert_int_equal(E.cpu.seg[EMUL_SEG_DS].limit, 0xFFFF);
	assert_int_equal(E.cpu.seg[EMUL_SEG_DS].type, 3);
	assert_int_equal(E.cpu.seg[EMUL_SEG_DS].dpl, 3);
	assert_true(E.cpu.seg_written & (1u << EMUL_SEG_DS));
	E.mem[0x300FE] = 0x78;                  /* the stack holds 0x5678 */
	E.mem[0x300FF] = 0x56;
	E.cpu.gpr[EMUL_RSP] = 0xFE;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.seg[EMUL_SEG_FS].base, 0x56780);
	assert_int_equal(E.cpu.gpr[EMUL_RSP], 0x100);
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.seg[EMUL_SEG_SS].base, 0x12340);
	assert_int_equal(E.res.shadow, EMUL_SHADOW_MOV_SS);
	setup(3, "c5 07");                      /* lds ax, [bx] */
	E.cpu.gpr[EMUL_RBX] = 0x10;
	E.mem[0x20010] = 0x11;
	E.mem[0x20011] = 0x22;
	E.mem[0x20012] = 0x00;
	E.mem[0x20013] = 0x40;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX] & 0xFFFF, 0x2211);
	assert_int_equal(E.cpu.seg[EMUL_SEG_DS].base, 0x40000);
	/* the near forms of FF are not segment loads */
	setup(3, "ff e0");                      /* jmp ax */
	E.cpu.gpr[EMUL_RAX] = 0x1234;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.rip, 0x1234);
	/* mov ax, ds stores the selector */
	setup(3, "8c d8");
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], DATA_SEG);
}

/* IN/OUT consult the I/O permission bitmap at every IOPL, IOPL 3 too. */
static void test_io(void **state)
{
	(void)state;
	for (unsigned iopl = 0; iopl < 4; iopl += 3) {
		setup(iopl, "e4 60");                   /* in al, 0x60 */
		E.io_allow = false;
		expect_fault(13);
		assert_int_equal(E.io_calls, 1);
		assert_int_equal(E.io_port, 0x60);
		assert_int_equal(E.io_size, 1);
		setup(iopl, "ef");                      /* out dx, ax */
		E.cpu.gpr[EMUL_RDX] = 0x3F8;
		E.io_allow = true;
		assert_int_equal(run(), EMUL_DONE);
		assert_int_equal(E.io_calls, 1);
		assert_int_equal(E.io_port, 0x3F8);
		assert_int_equal(E.io_size, 2);
		assert_int_equal(E.cpu.rip, 1);
	}
	/* no io_permitted: the emulator reads the TSS, whose I/O bitmap
	 * (at 0x88, the limit) does not reach port 0x60: #GP(0); without
	 * get_sysseg either, refused */
	setup(3, "e4 60");
	ops.io_permitted = NULL;
	expect_fault(13);
	setup(3, "e4 60");
	ops.io_permitted = NULL;
	ops.get_sysseg = NULL;
	expect_refused(EMUL_R_IO_PERM);
}

/* Code in MMIO at CS * 16 + IP: fetched through requests, as a user
 * access, then run. */
static void test_fetch_mmio(void **state)
{
	(void)state;
	setup(3, "");
	E.cpu.seg[EMUL_SEG_CS].sel = (uint16_t)(DEV >> 4);
	E.cpu.seg[EMUL_SEG_CS].base = DEV;
	E.cpu.rip = 0x12;
	E.mem[DEV + 0x12] = 0xb8;               /* mov ax, 0xbeef */
	E.mem[DEV + 0x13] = 0xef;
	E.mem[DEV + 0x14] = 0xbe;
	assert_int_equal(run(), EMUL_DONE);
	assert_int_equal(E.cpu.gpr[EMUL_RAX], 0xbeef);
	assert_int_equal(E.cpu.rip, 0x15);
	assert_int_equal(E.fm.nlog, 2);         /* aligned chunks: 2, 4 */
	assert_int_equal(E.fm.log[0].status, EMUL_MMIO_READ);
	assert_int_equal(E.fm.log[0].addr, DEV + 0x12);
	assert_int_equal(E.fm.log[0].len, 2);
	assert_int_equal(E.fm.log[1].addr, DEV + 0x14);
	assert_int_equal(E.fm.log[1].len, 4);
	/* cli from MMIO at IOPL 0: fetched, then #GP(0) */
	E.mem[DEV + 0x15] = 0xfa;
	E.cpu.rflags &= ~(uint64_t)EMUL_FL_IOPL;
	expect_fault(13);
	assert_int_equal(E.cpu.rip, 0x15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addressing),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_iopl_sensitive),
		cmocka_unit_test(test_iopl3),
		cmocka_unit_test(test_vme),
		cmocka_unit_test(test_vme_flags),
		cmocka_unit_test(test_int_n),
		cmocka_unit_test(test_far),
		cmocka_unit_test(test_ud),
		cmocka_unit_test(test_privilege),
		cmocka_unit_test(test_segment_loads),
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_fetch_mmio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
