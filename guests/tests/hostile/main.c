/*
 * hostile.bin: what a guest can try against the isolation between VMs and
 * the hypervisor's hold on the CPU (docs/test-guests.md, "hostile.bin";
 * issue 11). A 64-bit guest entered like long64.bin; RBX at entry selects
 * the mode (entry.S):
 *
 *  0 leave: set DR0-DR3, DR6, DR7 (breakpoints at addresses never used),
 *    the x87 control word and a stack entry, MXCSR, XMM0-XMM15, CR2 and,
 *    where CPUID announces PKU, PKRU to marker values, and leave them
 *    there; INVD (no exception), RDPMC of counter 4 (#GP(0)), MONITOR and MWAIT (#UD:
 *    CPUID hides MONITOR) on the way.
 *  1 check: a new VM's vCPU must hold the reset values (docs/hypercall-
 *    abi.md, KVM_CREATE_VCPU) whatever another VM left.
 *  2 #DB storm: a write breakpoint on the IST stack slot the delivery of
 *    #DB pushes to (CVE-2015-8104); the hypervisor must stop the VM.
 *  3 #AC storm (storm_ac.S, CVE-2015-5307).
 */
#include "guest.h"

const char guest_name[] = "hostile";
extern unsigned long hostile_mode;      /* entry.S */
void hostile_ac_storm(void);            /* storm_ac.S */

int main(void);

#define VECTOR_DB 1
#define VECTOR_UD 6
#define VECTOR_GP 13
#define DR6_RESET 0xffff0ff0ul
#define DR7_RESET 0x400ul
#define DR6_MARK  0xffff0ff5ul          /* B0 and B2 */
#define DR6_RESET_BS 0xffff4ff0ul
#define X86_EFLAGS_TF 0x100ul
#define DR7_MARK  0x455ul               /* L0-L3: execute, at dr_mark[] */
#define CR2_MARK  0x0000dead0000cafeul
#define FCW_MARK  0x027f                /* 53-bit precision */
#define MXCSR_MARK 0x9f80               /* FZ */
#define PKRU_MARK 0x55555554u
#define CR4_OSFXSR (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define CR4_PKE   (1ul << 22)
#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID7_ECX_PKU (1u << 3)
#define EXIT_DB_HANDLER 0x7d
#define EXIT_DB_MISSED  0x7e

static const unsigned long dr_mark[4] = {
	0xdead0000ul, 0xdead0100ul, 0xdead0200ul, 0xdead0300ul,
};

static volatile unsigned int gp_count, ud_count, db_count, other_count;
static volatile unsigned long fault_error, db_dr6;

/* #GP (RDPMC, 2 bytes) and #UD (MONITOR, MWAIT: 3 bytes) are stepped over. */
static void handler(struct isr_frame *f)
{
	if (f->vector == VECTOR_GP) {
		gp_count++;
		fault_error = f->error;
		f->ip += 2;
	} else if (f->vector == VECTOR_UD) {
		ud_count++;
		f->ip += 3;
	} else if (f->vector == VECTOR_DB) {
		db_count++;
		__asm__ volatile("mov %%dr6, %0" : "=r"(db_dr6));
		f->flags &= ~X86_EFLAGS_TF;
	} else {
		other_count++;
		say("unexpected exception %lu at 0x%lx", f->vector, f->ip);
		guest_exit(255);
	}
}

#define READ_DR(n) ({ unsigned long v_; \
	__asm__ volatile("mov %%dr" #n ", %0" : "=r"(v_)); v_; })
#define WRITE_DR(n, v) __asm__ volatile("mov %0, %%dr" #n : : "r"((unsigned long)(v)))

static unsigned long read_cr2(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static bool has_pku(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] < 7)
		return false;
	cpuid(7, 0, r);
	return r[2] & CPUID7_ECX_PKU;
}

/* FXSAVE wants CR4.OSFXSR for MXCSR and XMM (SDM Vol. 1 10.5.1); setting it
 * changes no register this guest checks. */
static void enable_sse(void)
{
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

static struct { uint8_t b[512]; } __attribute__((aligned(16))) fx;
#define FX_FCW   0
#define FX_FTW   4                      /* abridged: bit i = ST(i) valid */
#define FX_MXCSR 24
#define FX_XMM   160

static uint8_t xmm_mark(unsigned int reg, unsigned int byte)
{
	return (uint8_t)(0xa0 + reg * 16 + byte);
}

static void load_xmm_marks(void)
{
	static uint8_t m[16][16] __attribute__((aligned(16)));

	for (unsigned int r = 0; r < 16; r++)
		for (unsigned int b = 0; b < 16; b++)
			m[r][b] = xmm_mark(r, b);
	__asm__ volatile("movdqa 0(%0), %%xmm0\n\tmovdqa 16(%0), %%xmm1\n\t"
			 "movdqa 32(%0), %%xmm2\n\tmovdqa 48(%0), %%xmm3\n\t"
			 "movdqa 64(%0), %%xmm4\n\tmovdqa 80(%0), %%xmm5\n\t"
			 "movdqa 96(%0), %%xmm6\n\tmovdqa 112(%0), %%xmm7\n\t"
			 "movdqa 128(%0), %%xmm8\n\tmovdqa 144(%0), %%xmm9\n\t"
			 "movdqa 160(%0), %%xmm10\n\tmovdqa 176(%0), %%xmm11\n\t"
			 "movdqa 192(%0), %%xmm12\n\tmovdqa 208(%0), %%xmm13\n\t"
			 "movdqa 224(%0), %%xmm14\n\tmovdqa 240(%0), %%xmm15"
			 : : "r"(m) : "memory");
}

static uint16_t fx16(unsigned int off)
{
	return (uint16_t)(fx.b[off] | fx.b[off + 1] << 8);
}

static uint32_t fx32(unsigned int off)
{
	return fx16(off) | (uint32_t)fx16(off + 2) << 16;
}

static void fxsave(void)
{
	__asm__ volatile("fxsave64 %0" : "=m"(fx));
}

static bool xmm_all(bool marks)
{
	for (unsigned int r = 0; r < 16; r++)
		for (unsigned int b = 0; b < 16; b++)
			if (fx.b[FX_XMM + 16 * r + b] != (marks ? xmm_mark(r, b) : 0))
				return false;
	return true;
}

static void leave_debug_registers(void)
{
	WRITE_DR(0, dr_mark[0]);
	WRITE_DR(1, dr_mark[1]);
	WRITE_DR(2, dr_mark[2]);
	WRITE_DR(3, dr_mark[3]);
	WRITE_DR(6, DR6_MARK);
	WRITE_DR(7, DR7_MARK);
	check(READ_DR(0) == dr_mark[0] && READ_DR(1) == dr_mark[1] &&
	      READ_DR(2) == dr_mark[2] && READ_DR(3) == dr_mark[3],
	      "DR0-DR3 set to 0xdead0000, 0xdead0100, 0xdead0200, 0xdead0300");
	check(READ_DR(6) == DR6_MARK, "DR6 set to 0xffff0ff5");
	check(READ_DR(7) == DR7_MARK, "DR7 set to 0x455 (execute breakpoints never reached)");
}

static void leave_fpu_and_cr2(void)
{
	uint16_t one = 0;

	__asm__ volatile("fninit\n\tfldcw %1\n\tfldpi\n\tfnstcw %0"
			 : "=m"(one) : "m"((uint16_t){ FCW_MARK }));
	check(one == FCW_MARK, "x87 FCW set to 0x27f, pi pushed");
	__asm__ volatile("ldmxcsr %0" : : "m"((uint32_t){ MXCSR_MARK }));
	load_xmm_marks();
	fxsave();
	check(fx32(FX_MXCSR) == MXCSR_MARK && xmm_all(true) && fx.b[FX_FTW] == 0x80,
	      "MXCSR 0x9f80, XMM0-XMM15 markers, ST(0) valid");
	__asm__ volatile("mov %0, %%cr2" : : "r"(CR2_MARK));
	check(read_cr2() == CR2_MARK, "CR2 set to 0xdead0000cafe");
}

static void leave_pkru(void)
{
	if (!has_pku()) {
		say("PKRU skipped: CPUID does not announce PKU");
		return;
	}
	write_cr4(read_cr4() | CR4_PKE);
	__asm__ volatile("wrpkru" : : "a"(PKRU_MARK), "c"(0), "d"(0));
	uint32_t v;
	__asm__ volatile("rdpkru" : "=a"(v) : "c"(0) : "rdx");
	check(v == PKRU_MARK, "PKRU set to 0x55555554");
}

static void try_instructions(void)
{
	uint32_t r[4];
	uint32_t lo = 0x1234, hi = 0x5678;

	__asm__ volatile("invd" : : : "memory");
	check(gp_count == 0 && ud_count == 0, "invd: no exception");
	/* counter 4: no CPU of either vendor has it without PerfCtrExtCore
	 * or version 2 (AMD's counters 0-3: events.bin) */
	__asm__ volatile(".byte 0x0f, 0x33" /* rdpmc */
			 : "+a"(lo), "+d"(hi) : "c"(4));
	check(gp_count == 1 && fault_error == 0 && lo == 0x1234 && hi == 0x5678,
	      "rdpmc counter 4: #GP(0), edx:eax unchanged");
	cpuid(1, 0, r);
	check(!(r[2] & CPUID1_ECX_MONITOR), "CPUID.1:ECX.MONITOR = 0");
	__asm__ volatile("monitor" : : "a"(&r), "c"(0), "d"(0));
	__asm__ volatile("mwait" : : "a"(0), "c"(0));
	check(ud_count == 2, "monitor, mwait: #UD at each (2 of 2)");
}

/* A single-step trap of its own: the hypervisor intercepts #DB and gives it
 * back, with DR6 as the CPU sets it (BS, SDM 17.2.3). */
static void own_single_step(void)
{
	__asm__ volatile("pushfq\n\torq %0, (%%rsp)\n\tpopfq\n\tnop"
			 : : "i"(X86_EFLAGS_TF) : "memory", "cc");
	if (!check(db_count == 1 && db_dr6 == DR6_RESET_BS,
		   "own single-step: one #DB, DR6 = 0xffff4ff0 (BS) in the handler"))
		say("  %u #DB, DR6 0x%lx", db_count, db_dr6);
	WRITE_DR(6, DR6_RESET);
}

static int leave(void)
{
	idt_install(handler);
	enable_sse();
	own_single_step();
	try_instructions();
	leave_debug_registers();
	leave_pkru();
	leave_fpu_and_cr2();    /* last: printing uses no x87/SSE, CR2 or DRs */
	check(other_count == 0, "no exception but one #DB, one #GP and two #UDs");
	return (int)finish();
}

static int check_reset(void)
{
	idt_install(handler);
	check(READ_DR(0) == 0 && READ_DR(1) == 0 && READ_DR(2) == 0 && READ_DR(3) == 0,
	      "DR0-DR3 = 0");
	unsigned long dr6 = READ_DR(6), dr7 = READ_DR(7);
	if (!check(dr6 == DR6_RESET, "DR6 = 0xffff0ff0"))
		say("  read 0x%lx", dr6);
	if (!check(dr7 == DR7_RESET, "DR7 = 0x400"))
		say("  read 0x%lx", dr7);
	enable_sse();
	fxsave();
	if (!check(fx16(FX_FCW) == 0x37f && fx.b[FX_FTW] == 0,
		   "x87 FCW = 0x37f, all tags empty"))
		say("  read FCW 0x%x, abridged FTW 0x%x", fx16(FX_FCW), fx.b[FX_FTW]);
	if (!check(fx32(FX_MXCSR) == 0x1f80, "MXCSR = 0x1f80"))
		say("  read 0x%x", fx32(FX_MXCSR));
	check(xmm_all(false), "XMM0-XMM15 = 0");
	unsigned long cr2 = read_cr2();
	if (!check(cr2 == 0, "CR2 = 0"))
		say("  read 0x%lx", cr2);
	if (has_pku()) {
		uint32_t v;
		write_cr4(read_cr4() | CR4_PKE);        /* for RDPKRU; keeps PKRU */
		__asm__ volatile("rdpkru" : "=a"(v) : "c"(0) : "rdx");
		check(v == 0, "PKRU = 0");
	} else {
		say("PKRU skipped: CPUID does not announce PKU");
	}
	check(other_count == 0 && gp_count == 0 && ud_count == 0, "no exception");
	return (int)finish();
}

/* ---- mode 2: the #DB storm ---------------------------------------------- */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));

static struct tss64 tss;
static uint64_t gdt[5] __attribute__((aligned(16)));
static struct { uint64_t lo, hi; } db_idt[2] __attribute__((aligned(16)));
static uint8_t ist_stack[4096] __attribute__((aligned(16)));
void db_handler(void);

/* reached only if a delivery of #DB completes: the storm did not recurse */
__asm__(".text\n db_handler:\n mov $" "0x7d" ", %al\n out %al, $0xf4\n 1: jmp 1b\n");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static int db_storm(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
	uint64_t h = (uint64_t)db_handler;
	uint64_t ist_top = (uint64_t)ist_stack + sizeof(ist_stack);
	struct desc_ptr gp = { sizeof(gdt) - 1, (uint64_t)gdt };
	struct desc_ptr ip = { sizeof(db_idt) - 1, (uint64_t)db_idt };

	gdt[1] = 0x00af9a000000ffffull;                 /* 0x08 code, 64-bit */
	gdt[2] = 0x00cf92000000ffffull;                 /* 0x10 data */
	gdt[3] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
		 ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[4] = base >> 32;                            /* 0x18 TSS */
	tss.ist[0] = ist_top;
	tss.iomap_base = sizeof(tss);
	/* interrupt gate, DPL 0, IST 1 (SDM 6.14.5) */
	db_idt[VECTOR_DB].lo = (h & 0xffff) | 0x08ull << 16 | 1ull << 32 |
			       0x8eull << 40 | ((h >> 16) & 0xffff) << 48;
	db_idt[VECTOR_DB].hi = h >> 32;
	__asm__ volatile("lgdt %0\n\tpushq $0x08\n\tlea 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\tlretq\n1:\tmov $0x10, %%eax\n\t"
			 "mov %%eax, %%ds\n\tmov %%eax, %%es\n\tmov %%eax, %%ss\n\t"
			 "mov $0x18, %%eax\n\tltr %%ax\n\tlidt %1"
			 : : "m"(gp), "m"(ip) : "rax", "memory");
	/* DR0: 8-byte write breakpoint on the SS slot, the first the
	 * delivery pushes (SDM 6.14.2); DR7: L0, R/W0 = 01, LEN0 = 10 */
	WRITE_DR(0, ist_top - 8);
	WRITE_DR(7, 0x400ul | 1 | 1ul << 16 | 2ul << 18);
	*(volatile uint64_t *)(ist_top - 8) = 0;        /* the first #DB */
	__asm__ volatile("" : : : "memory");
	return EXIT_DB_MISSED;  /* no breakpoint fired: not the storm */
}

int main(void)
{
	switch (hostile_mode) {
	case 0:
		return leave();
	case 1:
		return check_reset();
	case 2:
		return db_storm();
	case 3:
		hostile_ac_storm();
		return 255;
	default:
		say("unknown mode %lu (RBX at entry)", hostile_mode);
		return 255;
	}
}
