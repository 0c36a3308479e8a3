/*
 * events.bin: exceptions, debug events and interrupt shadows around the
 * instructions the hypervisor or the VMM completes for the guest
 * (docs/test-guests.md, "events.bin"; issue 14). A 64-bit guest entered
 * like long64.bin, with an IDT of its own. Each check states what a CPU
 * does and compares exact values:
 *
 *  - its own single-step trap (TF) after a native NOP, and after each kind
 *    of instruction that exits and is finished outside the guest: CPUID
 *    and port IO (the VMM), RDMSR/WRMSR, INVD and MOV to CR8 (the
 *    hypervisor, on VMX for CR8), MMIO
 *    reads and writes (the emulator and the VMM), a hypercall: one #DB,
 *    DR6.BS, at the next instruction. After MOV SS the trap waits for the
 *    instruction after it, also when that one exits (one #DB, not two);
 *  - RFLAGS.RF in the frame of a fault the hypervisor injects (#GP from
 *    RDMSR, #UD from VMRUN/VMXOFF), as in the frame of one the CPU raises;
 *  - DR7.GD: MOV DR faults with #DB, DR6.BD, and GD is clear in the handler;
 *  - LGDT/LIDT of a non-canonical base: #GP(0), the register unchanged;
 *    LLDT/LTR of a 16-byte descriptor with one: #GP(selector);
 *  - STI; HLT with an interrupt pending: the interrupt arrives after HLT,
 *    its frame returns past HLT;
 *  - VMCALL (Intel) / VMMCALL (AMD): RAX = -1000 (KVM's -KVM_ENOSYS);
 *  - SMSW to MMIO stores CR0[15:0];
 *  - the performance counters by vendor: AMD's four legacy counters are
 *    there but count nothing (read 0, writes ignored, RDPMC 0-3 reads 0,
 *    reserved event-select bits #GP); on Intel, with CPUID leaf 0xA at
 *    version 0, they and RDPMC are #GP.
 */
#include "guest.h"

const char guest_name[] = "events";
unsigned long entry_rflags;             /* recorded by long64/entry.S */

int main(void);

#define VECTOR_DB        1
#define VECTOR_UD        6
#define VECTOR_GP        13
#define VECTOR_TIMER     0x20           /* IRQ 0 after the PIC remap */
#define X86_EFLAGS_TF    (1ul << 8)
#define X86_EFLAGS_RF    (1ul << 16)
#define DR6_BD           (1ul << 13)
#define DR6_BS           (1ul << 14)
#define DR6_RESET        0xffff0ff0ul
#define DR7_GD           (1ul << 13)
#define DR7_RESET        0x400ul
#define MSR_PAT          0x277u
#define MSR_UNSUPPORTED  0xc0011234u
#define MSR_K7_EVNTSEL0  0xc0010000u
#define MSR_K7_PERFCTR0  0xc0010004u
#define KVM_ENOSYS       1000ul
#define SMSW_SLOT        0x40           /* in the MMIO test device's storage */

/* What the handler saw of the last events. */
static volatile unsigned db_count, gp_count, ud_count, timer_count, other_count;
static volatile unsigned nested_db;
static volatile unsigned long db_rip, db_dr6, fault_rip, fault_flags, fault_error_code;
static volatile unsigned long timer_rip;
/* A traced run (check_sti_steps): the first MAX_TRACE #DBs, and how many
 * of them leave TF set in the frame (the others end the single-step). */
#define MAX_TRACE        4
static volatile unsigned long trace_rip[MAX_TRACE], trace_dr6[MAX_TRACE];
static volatile unsigned keep_tf;
static volatile unsigned fault_skip;    /* bytes to step over a #GP/#UD */
static volatile bool in_db;

static unsigned long read_dr6(void)
{
	unsigned long v;

	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static void write_dr6(unsigned long v)
{
	__asm__ volatile("mov %0, %%dr6" : : "r"(v));
}

static unsigned long read_dr7(void)
{
	unsigned long v;

	__asm__ volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}

static void write_dr7(unsigned long v)
{
	__asm__ volatile("mov %0, %%dr7" : : "r"(v));
}

/* #DB: record where and DR6, end the single-step (TF off in the frame).
 * A #DB inside this handler means GD stayed set: MOV DR (3 bytes) is
 * stepped over so that the handler ends. */
static void on_db(struct isr_frame *f)
{
	if (in_db) {
		if (++nested_db > 8)
			guest_exit(254);        /* GD never clears: give up */
		f->ip += 3;
		return;
	}
	in_db = true;
	db_rip = f->ip;
	db_dr6 = read_dr6();
	if (db_count < MAX_TRACE) {
		trace_rip[db_count] = db_rip;
		trace_dr6[db_count] = db_dr6;
	}
	db_count++;
	write_dr6(DR6_RESET);
	if (keep_tf)
		keep_tf--;
	else
		f->flags &= ~X86_EFLAGS_TF;
	in_db = false;
}

static void handler(struct isr_frame *f)
{
	switch (f->vector) {
	case VECTOR_DB:
		on_db(f);
		break;
	case VECTOR_GP:
	case VECTOR_UD:
		if (f->vector == VECTOR_GP)
			gp_count++;
		else
			ud_count++;
		fault_rip = f->ip;
		fault_flags = f->flags;
		fault_error_code = f->error;
		f->ip += fault_skip;
		break;
	case VECTOR_TIMER:
		timer_count++;
		timer_rip = f->ip;
		outb(PIC1_CMD, PIC_EOI);
		break;
	default:
		other_count++;
		guest_exit(255);
	}
}

/* ---- single-step over exits ------------------------------------------ */

/* TF on: POPF's trap comes after the instruction that follows it. */
#define TF_ON  "pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"

static void step_reset(void)
{
	db_count = 0;
	db_rip = 0;
	db_dr6 = 0;
}

static bool one_step_at(const char *what, const void *after)
{
	bool ok = db_count == 1 && db_rip == (uintptr_t)after &&
		  (db_dr6 & ~DR6_BD) == (DR6_RESET | DR6_BS);

	check(ok, "TF over %s: one #DB after it, DR6 = 0xffff4ff0 (BS)", what);
	if (!ok)
		say("  #DBs %u, last at 0x%lx (expected 0x%lx), DR6 0x%lx", db_count,
		    db_rip, (unsigned long)(uintptr_t)after, db_dr6);
	return ok;
}

static void check_step_nop(void)
{
	extern const char after_nop[];

	step_reset();
	__asm__ volatile(TF_ON "nop\n"
			 ".globl after_nop\nafter_nop:" ::: "memory", "cc");
	one_step_at("a native NOP", after_nop);
}

static void check_step_cpuid(void)
{
	extern const char after_cpuid[];
	uint32_t a = 0, b, c = 0, d;

	step_reset();
	__asm__ volatile(TF_ON "cpuid\n"
			 ".globl after_cpuid\nafter_cpuid:"
			 : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory", "cc");
	one_step_at("CPUID (the VMM)", after_cpuid);
}

static void check_step_io(void)
{
	extern const char after_out[], after_in[];
	uint8_t v;

	step_reset();
	__asm__ volatile(TF_ON "outb %%al, $0x80\n"
			 ".globl after_out\nafter_out:" : : "a"(0x55) : "memory", "cc");
	one_step_at("OUT (the VMM)", after_out);
	step_reset();
	__asm__ volatile(TF_ON "inb $0xe0, %%al\n"
			 ".globl after_in\nafter_in:" : "=a"(v) : : "memory", "cc");
	one_step_at("IN (the VMM)", after_in);
	(void)v;
}

static void check_step_msr(void)
{
	extern const char after_rdmsr[], after_wrmsr[], after_invd[];
	uint32_t lo, hi;

	step_reset();
	__asm__ volatile(TF_ON "rdmsr\n"
			 ".globl after_rdmsr\nafter_rdmsr:"
			 : "=a"(lo), "=d"(hi) : "c"(MSR_PAT) : "memory", "cc");
	one_step_at("RDMSR (the hypervisor)", after_rdmsr);
	step_reset();
	__asm__ volatile(TF_ON "wrmsr\n"
			 ".globl after_wrmsr\nafter_wrmsr:"
			 : : "c"(MSR_PAT), "a"(lo), "d"(hi) : "memory", "cc");
	one_step_at("WRMSR (the hypervisor)", after_wrmsr);
	step_reset();
	__asm__ volatile(TF_ON "invd\n"
			 ".globl after_invd\nafter_invd:" ::: "memory", "cc");
	one_step_at("INVD (the hypervisor)", after_invd);
}

/* MOV to CR8 exits on VMX (the TPR is the hypervisor's), runs natively on
 * SVM (V_TPR): one #DB either way. */
static void check_step_cr8(void)
{
	extern const char after_cr8[];

	step_reset();
	__asm__ volatile(TF_ON "mov %0, %%cr8\n"
			 ".globl after_cr8\nafter_cr8:" : : "r"(0ul) : "memory", "cc");
	one_step_at("MOV to CR8 (the hypervisor on VMX)", after_cr8);
}

static void check_step_mmio(void)
{
	extern const char after_mmio_read[], after_mmio_write[];
	volatile uint64_t *id = (volatile uint64_t *)(MMIOTEST_GPA + MMIOTEST_ID);
	volatile uint64_t *data = (volatile uint64_t *)(MMIOTEST_GPA + MMIOTEST_DATA);
	uint64_t v;

	step_reset();
	__asm__ volatile(TF_ON "movq (%1), %0\n"
			 ".globl after_mmio_read\nafter_mmio_read:"
			 : "=r"(v) : "r"(id) : "memory", "cc");
	if (one_step_at("an MMIO read (the emulator and the VMM)", after_mmio_read) &&
	    v != MMIOTEST_ID_VALUE)
		say("  read 0x%llx", (unsigned long long)v);
	step_reset();
	__asm__ volatile(TF_ON "movq %1, (%0)\n"
			 ".globl after_mmio_write\nafter_mmio_write:"
			 : : "r"(data), "r"(0x1122334455667788ull) : "memory", "cc");
	one_step_at("an MMIO write (the emulator and the VMM)", after_mmio_write);
}

/* The instructions that follow STI or MOV SS in the checks below, one of
 * each kind: native, the VMM's (OUT, CPUID), the hypervisor's (RDMSR),
 * the emulator's and the VMM's (a read of the MMIO test device's ID).
 * RUN_X runs PRE, then X at NAME_x, then POST at NAME_after, with the
 * registers every X needs: EAX 0, ECX = IA32_PAT, RDI at the device. */
#define X_NOP    "nop"
#define X_OUT    "outb %%al, $0x80"
#define X_CPUID  "cpuid"
#define X_RDMSR  "rdmsr"
#define X_MMIO   "movq (%%rdi), %%rsi"
#define RUN_X(pre, x, post, name) do {                                          \
	uint64_t a_ = 0, b_, c_ = MSR_PAT, d_, si_;                             \
	uint64_t di_ = MMIOTEST_GPA + MMIOTEST_ID;                              \
	__asm__ volatile(pre ".globl " #name "_x\n" #name "_x: " x "\n"         \
			 ".globl " #name "_after\n" #name "_after: " post        \
			 : "+a"(a_), "=b"(b_), "+c"(c_), "=d"(d_), "+D"(di_),   \
			   "=S"(si_) : : "r8", "memory", "cc");                 \
	(void)b_; (void)d_; (void)si_;                                          \
} while (0)
#define X_LABELS(name) extern const char name##_x[], name##_after[]
X_LABELS(ss_out);
X_LABELS(ss_rdmsr);
X_LABELS(ss_mmio);
X_LABELS(sti_nop);
X_LABELS(sti_out);
X_LABELS(sti_cpuid);
X_LABELS(sti_rdmsr);
X_LABELS(sti_mmio);
X_LABELS(irq_nop);
X_LABELS(irq_out);
X_LABELS(irq_cpuid);
X_LABELS(irq_rdmsr);
X_LABELS(irq_mmio);

/* MOV SS holds off the trap of the instruction before it (POPF's) until
 * the instruction after it has run (SDM 6.8.3): one #DB, after that one,
 * whether it runs natively or exits. */
static void check_step_mov_ss(void)
{
	extern const char after_ss_nop[], after_ss_cpuid[];
	uint32_t a = 0, b, c = 0, d;

	step_reset();
	__asm__ volatile("mov %%ss, %%si\n\t" TF_ON "mov %%si, %%ss\n\tnop\n"
			 ".globl after_ss_nop\nafter_ss_nop:" ::: "rsi", "memory", "cc");
	one_step_at("MOV to SS; NOP", after_ss_nop);
	step_reset();
	__asm__ volatile("mov %%ss, %%si\n\t" TF_ON "mov %%si, %%ss\n\tcpuid\n"
			 ".globl after_ss_cpuid\nafter_ss_cpuid:"
			 : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "rsi", "memory", "cc");
	one_step_at("MOV to SS; CPUID (the VMM)", after_ss_cpuid);
	step_reset();
	RUN_X("mov %%ss, %%r8w\n\t" TF_ON "mov %%r8w, %%ss\n\t", X_OUT, "", ss_out);
	one_step_at("MOV to SS; OUT (the VMM)", ss_out_after);
	step_reset();
	RUN_X("mov %%ss, %%r8w\n\t" TF_ON "mov %%r8w, %%ss\n\t", X_RDMSR, "", ss_rdmsr);
	one_step_at("MOV to SS; RDMSR (the hypervisor)", ss_rdmsr_after);
	step_reset();
	RUN_X("mov %%ss, %%r8w\n\t" TF_ON "mov %%r8w, %%ss\n\t", X_MMIO, "", ss_mmio);
	one_step_at("MOV to SS; an MMIO read (the emulator and the VMM)", ss_mmio_after);
}

/* ---- RF in the frames of faults ---------------------------------------- */

static void check_rf(bool amd)
{
	extern const char native_gp[];
	volatile uint64_t sink;

	gp_count = ud_count = 0;
	fault_skip = 3;
	__asm__ volatile(".globl native_gp\nnative_gp: movq (%1), %0"  /* 48 8b 01 */
			 : "=a"(sink) : "c"(0x8000000000000000ull) : "memory");
	check(gp_count == 1 && fault_rip == (uintptr_t)native_gp &&
	      (fault_flags & X86_EFLAGS_RF), "#GP from a non-canonical load (the CPU): RF = 1 in its frame");
	fault_skip = 2;
	fault_flags = 0;
	__asm__ volatile("rdmsr" : : "c"(MSR_UNSUPPORTED) : "rax", "rdx", "memory");
	check(gp_count == 2 && (fault_flags & X86_EFLAGS_RF),
	      "#GP from RDMSR 0xc0011234 (injected): RF = 1 in its frame");
	/* the vendor's own virtualization instruction exits on every CPU
	 * (VMRUN must be intercepted, VMXOFF always exits): #UD injected */
	fault_skip = 3;
	fault_flags = 0;
	if (amd)
		__asm__ volatile("vmrun" : : "a"(0) : "memory");
	else
		__asm__ volatile("vmxoff" ::: "memory", "cc");
	check(ud_count == 1 && (fault_flags & X86_EFLAGS_RF),
	      "#UD from %s (injected): RF = 1 in its frame", amd ? "VMRUN" : "VMXOFF");
	(void)sink;
}

/* ---- DR7.GD ---------------------------------------------------------------- */

static void check_general_detect(void)
{
	extern const char gd_insn[];
	unsigned long dr0;

	write_dr7(DR7_RESET | DR7_GD);
	step_reset();
	nested_db = 0;
	__asm__ volatile(".globl gd_insn\ngd_insn: mov %%dr0, %0" : "=r"(dr0) : : "memory");
	unsigned long dr7 = read_dr7();
	check(db_count == 1 && db_rip == (uintptr_t)gd_insn && (db_dr6 & DR6_BD) &&
	      nested_db == 0 && dr7 == DR7_RESET,
	      "MOV DR with DR7.GD: #DB at it, DR6.BD, GD clear in the handler");
	if (db_count != 1 || nested_db || dr7 != DR7_RESET)
		say("  #DBs %u at 0x%lx DR6 0x%lx, nested %u, DR7 after 0x%lx", db_count,
		    db_rip, db_dr6, nested_db, dr7);
	(void)dr0;
}

/* ---- descriptor-table bases ------------------------------------------------ */

struct __attribute__((packed)) table_reg {
	uint16_t limit;
	uint64_t base;
};

/* LGDT/LIDT of a non-canonical base in 64-bit mode: #GP(0), the register
 * unchanged (SDM LGDT/LIDT; a VM entry would refuse such a base). */
static void check_table_bases(void)
{
	struct table_reg before, after, bad = { 0xfff, 0x8000000000001000ull };

	gp_count = 0;
	fault_skip = 3;                 /* 0f 01 10 / 0f 01 18: (%rax) */
	__asm__ volatile("sgdt %0" : "=m"(before));
	__asm__ volatile("lgdt (%0)" : : "a"(&bad) : "memory");
	__asm__ volatile("sgdt %0" : "=m"(after));
	check(gp_count == 1 && after.base == before.base && after.limit == before.limit,
	      "LGDT with a non-canonical base: #GP(0), GDTR unchanged");
	if (gp_count != 1)
		say("  #GPs %u, GDTR base 0x%llx", gp_count, (unsigned long long)after.base);
	__asm__ volatile("sidt %0" : "=m"(before));
	__asm__ volatile("lidt (%0)" : : "a"(&bad) : "memory");
	__asm__ volatile("sidt %0" : "=m"(after));
	check(gp_count == 2 && after.base == before.base && after.limit == before.limit,
	      "LIDT with a non-canonical base: #GP(0), IDTR unchanged");
	if (gp_count != 2)
		say("  #GPs %u, IDTR base 0x%llx", gp_count, (unsigned long long)after.base);
}

/* LLDT/LTR of a 16-byte system descriptor whose base is not canonical
 * (64-bit mode): #GP(selector), LDTR/TR unchanged. The descriptors go into
 * a copy of the GDT at entries 10-13. */
static uint64_t gdt_copy[16] __attribute__((aligned(16)));

static void system_descriptor(unsigned index, unsigned type)
{
	const uint64_t base = 0x8000000000002000ull;

	gdt_copy[index] = 0xfff | (base & 0xffffff) << 16 | (uint64_t)type << 40 |
			  1ull << 47 | ((base >> 24) & 0xff) << 56;
	gdt_copy[index + 1] = base >> 32;
}

static void check_system_bases(void)
{
	struct table_reg old, copy;
	uint16_t ldtr_before, ldtr_after, tr_before, tr_after;

	__asm__ volatile("sgdt %0" : "=m"(old));
	const uint64_t *cur = (const uint64_t *)old.base;
	for (unsigned i = 0; i < 10 && i * 8 < old.limit; i++)
		gdt_copy[i] = cur[i];
	system_descriptor(10, 0x2);     /* LDT */
	system_descriptor(12, 0x9);     /* available 64-bit TSS */
	copy.limit = sizeof(gdt_copy) - 1;
	copy.base = (uintptr_t)gdt_copy;
	__asm__ volatile("lgdt %0" : : "m"(copy) : "memory");
	gp_count = 0;
	fault_skip = 3;                 /* 0f 00 d0 / 0f 00 d8: LLDT/LTR %ax */
	__asm__ volatile("sldt %0" : "=r"(ldtr_before));
	__asm__ volatile("lldt %w0" : : "a"(10 * 8) : "memory");
	__asm__ volatile("sldt %0" : "=r"(ldtr_after));
	check(gp_count == 1 && fault_error_code == 10 * 8 && ldtr_after == ldtr_before,
	      "LLDT of a non-canonical LDT base: #GP(0x50), LDTR unchanged");
	__asm__ volatile("str %0" : "=r"(tr_before));
	__asm__ volatile("ltr %w0" : : "a"(12 * 8) : "memory");
	__asm__ volatile("str %0" : "=r"(tr_after));
	check(gp_count == 2 && fault_error_code == 12 * 8 && tr_after == tr_before &&
	      !(gdt_copy[12] & 1ull << 41),
	      "LTR of a non-canonical TSS base: #GP(0x60), TR unchanged, not busy");
	if (gp_count != 2)
		say("  #GPs %u, LDTR 0x%x, TR 0x%x", gp_count, ldtr_after, tr_after);
	__asm__ volatile("lgdt %0" : : "m"(old) : "memory");
}

/* ---- STI; HLT with an interrupt pending ------------------------------------ */

static void pic_init(void)
{
	outb(PIC1_CMD, 0x11);           /* ICW1: edge, cascade, ICW4 */
	outb(PIC1_DATA, VECTOR_TIMER);  /* ICW2 */
	outb(PIC1_DATA, 0x04);          /* ICW3: slave on IRQ 2 */
	outb(PIC1_DATA, 0x01);          /* ICW4: 8086 mode */
	outb(PIC2_CMD, 0x11);
	outb(PIC2_DATA, VECTOR_TIMER + 8);
	outb(PIC2_DATA, 0x02);
	outb(PIC2_DATA, 0x01);
	outb(PIC2_DATA, 0xff);
	outb(PIC1_DATA, 0xfe);          /* IRQ 0 only */
}

static bool irq0_requested(void)
{
	outb(PIC1_CMD, PIC_READ_IRR);
	return inb(PIC1_CMD) & 1;
}

static void check_sti_hlt(void)
{
	extern const char after_hlt[];

	pic_init();
	outb(PIT_CMD, 0x30);            /* channel 0, lo/hi, mode 0 */
	outb(PIT_CH0, 100);
	outb(PIT_CH0, 0);
	unsigned polls = 0;
	while (!irq0_requested() && ++polls < 1000000)
		;
	timer_count = 0;
	__asm__ volatile("sti\n\thlt\n.globl after_hlt\nafter_hlt:\n\tcli" ::: "memory");
	check(polls < 1000000 && timer_count == 1 && timer_rip == (uintptr_t)after_hlt,
	      "STI; HLT with IRQ 0 pending: the interrupt comes after HLT");
	if (timer_count != 1 || timer_rip != (uintptr_t)after_hlt)
		say("  interrupts %u, last returns to 0x%lx (HLT ends at 0x%lx), %u polls",
		    timer_count, timer_rip, (unsigned long)(uintptr_t)after_hlt, polls);
	outb(PIC1_DATA, 0xff);
}

/* ---- STI's shadow: single-step and a pending interrupt ----------------- */

/* TF set by POPF, then STI, then X: STI's shadow blocks interrupts, not
 * debug exceptions (SDM 6.8.3 is about MOV SS/POP SS only), so STI's own
 * trap comes at X (the handler keeps TF), then X's after it, DR6.BS both
 * times (SDM 17.3.1.4). The first is the CPU's; the second the CPU's for
 * a NOP, the hypervisor's for an X finished outside the guest. Only the
 * NOP's line checks the first DR6 (Bochs' SVM loses a native one). */
static void sti_steps(const char *what, const char *x, const char *after, bool dr6_0)
{
	const unsigned long bs = DR6_RESET | DR6_BS;
	bool ok = db_count == 2 && trace_rip[0] == (uintptr_t)x &&
		  trace_rip[1] == (uintptr_t)after && trace_dr6[1] == bs &&
		  (!dr6_0 || trace_dr6[0] == bs);

	check(ok, "TF, STI; %s: #DB after STI, then after %s", what,
	      dr6_0 ? "it, DR6 = BS both" : "it with DR6 = BS");
	if (!ok)
		say("  #DBs %u: 0x%lx DR6 0x%lx, 0x%lx DR6 0x%lx (X at 0x%lx, after 0x%lx)",
		    db_count, trace_rip[0], trace_dr6[0], trace_rip[1], trace_dr6[1],
		    (unsigned long)(uintptr_t)x, (unsigned long)(uintptr_t)after);
}

#define STI_STEP(what, x, name, dr6_0) do {                                     \
	step_reset();                                                           \
	keep_tf = 1;                                                            \
	RUN_X("cli\n\t" TF_ON "sti\n", x, "nop\n\tnop\n\tcli", name);           \
	keep_tf = 0;                                                            \
	sti_steps(what, name##_x, name##_after, dr6_0);                         \
} while (0)

static void check_sti_step(void)
{
	STI_STEP("NOP", X_NOP, sti_nop, true);
	STI_STEP("OUT (the VMM)", X_OUT, sti_out, false);
	STI_STEP("CPUID (the VMM)", X_CPUID, sti_cpuid, false);
	STI_STEP("RDMSR (the hypervisor)", X_RDMSR, sti_rdmsr, false);
	STI_STEP("an MMIO read (the emulator and the VMM)", X_MMIO, sti_mmio, false);
}

/* The same from the MMIO test device, where the emulator runs every
 * instruction (each fetch is an MMIO read): code at DEV_CODE, called with
 * ESI = SS. The emulator's POPF sets TF (no trap for it), then:
 *  +0x00 MOV SS; NOP: one #DB, after the NOP (+0x0d);
 *  +0x20 STI; NOP: #DBs after STI (+0x2b) and after the NOP (+0x2c). */
#define DEV_CODE         0x700
#define DEV_TF_ON        0x000100240c81489cull   /* pushfq; orq $0x100,(%rsp); */
#define DEV_SS_NOP       0xccccc390d68e9d00ull   /* popfq; mov %esi,%ss; nop; ret */
#define DEV_STI_NOP      0xccccccc390fb9d00ull   /* popfq; sti; nop; ret */
#define DEV_IRQ_STI_NOP  0xccccccccccc390fbull   /* sti; nop; ret */

static void dev_code(unsigned off, uint64_t q0, uint64_t q1)
{
	volatile uint64_t *at = (volatile uint64_t *)(MMIOTEST_GPA + MMIOTEST_DATA + DEV_CODE + off);

	at[0] = q0;
	at[1] = q1;
}

static void dev_call(unsigned off)
{
	uint16_t ss;

	__asm__ volatile("mov %%ss, %0" : "=r"(ss));
	__asm__ volatile("call *%0"
			 : : "r"(MMIOTEST_GPA + MMIOTEST_DATA + DEV_CODE + off), "S"((uint32_t)ss)
			 : "rax", "memory", "cc");
}

static void check_emulated_step(void)
{
	const uintptr_t dev = MMIOTEST_GPA + MMIOTEST_DATA + DEV_CODE;

	dev_code(0x00, DEV_TF_ON, DEV_SS_NOP);
	step_reset();
	dev_call(0x00);
	one_step_at("MOV to SS; NOP, both run by the emulator", (const void *)(dev + 0x0d));
	dev_code(0x20, DEV_TF_ON, DEV_STI_NOP);
	step_reset();
	keep_tf = 1;
	__asm__ volatile("cli" ::: "memory");
	dev_call(0x20);
	__asm__ volatile("cli" ::: "memory");
	keep_tf = 0;
	sti_steps("NOP, both run by the emulator", (const char *)(dev + 0x2b),
		  (const char *)(dev + 0x2c), true);
}

/* IRQ 0 requested at the PIC (PIT mode 0 reprogrammed: a new edge) */
static bool irq0_raised(void)
{
	outb(PIT_CMD, 0x30);
	outb(PIT_CH0, 100);
	outb(PIT_CH0, 0);
	for (unsigned polls = 0; polls < 1000000; polls++)
		if (irq0_requested())
			return true;
	return false;
}

/* An interrupt pending when STI sets IF is taken after the instruction
 * that follows STI, not before it (SDM STI: "delayed until after the next
 * instruction is executed"), whoever completes that instruction. */
static void sti_irq(const char *what, bool raised, const char *after)
{
	bool ok = raised && timer_count == 1 && timer_rip == (uintptr_t)after;

	check(ok, "STI; %s with IRQ 0 pending: the interrupt comes after it", what);
	if (!ok)
		say("  raised %d, interrupts %u, last returns to 0x%lx (expected 0x%lx)",
		    raised, timer_count, timer_rip, (unsigned long)(uintptr_t)after);
}

#define STI_IRQ(what, x, name) do {                                             \
	bool raised_ = irq0_raised();                                           \
	timer_count = 0;                                                        \
	timer_rip = 0;                                                          \
	RUN_X("sti\n", x, "cli", name);                                         \
	sti_irq(what, raised_, name##_after);                                   \
} while (0)

static void check_sti_irq(void)
{
	outb(PIC1_DATA, 0xfe);          /* IRQ 0 only */
	STI_IRQ("NOP", X_NOP, irq_nop);
	STI_IRQ("OUT (the VMM)", X_OUT, irq_out);
	STI_IRQ("CPUID (the VMM)", X_CPUID, irq_cpuid);
	STI_IRQ("RDMSR (the hypervisor)", X_RDMSR, irq_rdmsr);
	STI_IRQ("an MMIO read (the emulator and the VMM)", X_MMIO, irq_mmio);
	/* STI and NOP run by the emulator (from the device): the shadow it
	 * reports holds the interrupt over the NOP */
	dev_code(0x40, DEV_IRQ_STI_NOP, DEV_IRQ_STI_NOP);
	bool raised = irq0_raised();
	timer_count = 0;
	timer_rip = 0;
	dev_call(0x40);
	__asm__ volatile("cli" ::: "memory");
	sti_irq("NOP, both run by the emulator", raised,
		(const char *)(MMIOTEST_GPA + MMIOTEST_DATA + DEV_CODE + 0x42));
	outb(PIC1_DATA, 0xff);
}

/* ---- hypercalls, SMSW, counters ---------------------------------------------- */

static bool vendor_amd(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	return r[1] == 0x68747541;      /* "Auth"enticAMD */
}

static void check_hypercall(bool amd)
{
	unsigned long rax = 0x1234;

	step_reset();
	if (amd)
		__asm__ volatile("vmmcall" : "+a"(rax) : : "memory");
	else
		__asm__ volatile("vmcall" : "+a"(rax) : : "memory");
	check(rax == -KVM_ENOSYS && db_count == 0,
	      "%s with an unknown number: RAX = -1000 (-KVM_ENOSYS), no exception",
	      amd ? "VMMCALL" : "VMCALL");
	if (rax != -KVM_ENOSYS)
		say("  RAX 0x%lx", rax);
}

static void check_smsw_mmio(void)
{
	volatile uint32_t *slot = (volatile uint32_t *)(MMIOTEST_GPA + SMSW_SLOT);

	*slot = 0xa5a5a5a5;
	__asm__ volatile("smsw (%0)" : : "r"(slot) : "memory");
	uint32_t v = *slot;
	check(v == (0xa5a50000 | (read_cr0() & 0xffff)),
	      "SMSW to MMIO: CR0[15:0], 2 bytes");
	if (v != (0xa5a50000 | (read_cr0() & 0xffff)))
		say("  read 0x%x, CR0 0x%lx", v, read_cr0());
}

static bool rdmsr_ok(uint32_t index, uint64_t *v)
{
	unsigned before = gp_count;
	uint32_t lo = 0, hi = 0;

	fault_skip = 2;
	__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(index) : "memory");
	*v = (uint64_t)hi << 32 | lo;
	return gp_count == before;
}

static bool wrmsr_ok(uint32_t index, uint64_t v)
{
	unsigned before = gp_count;

	fault_skip = 2;
	wrmsr(index, v);
	return gp_count == before;
}

static bool rdpmc_ok(uint32_t counter, uint64_t *v)
{
	unsigned before = gp_count;
	uint32_t lo = 0x1234, hi = 0x5678;

	fault_skip = 2;
	__asm__ volatile("rdpmc" : "+a"(lo), "+d"(hi) : "c"(counter) : "memory");
	*v = (uint64_t)hi << 32 | lo;
	return gp_count == before;
}

static void check_counters(bool amd)
{
	uint64_t v, sum = 0;
	bool all = true;

	if (!amd) {
		check(!rdmsr_ok(MSR_K7_EVNTSEL0, &v) && !rdpmc_ok(0, &v),
		      "counters (Intel, CPUID 0xA version 0): RDMSR 0xc0010000 and RDPMC 0 #GP");
		return;
	}
	for (uint32_t i = 0; i < 8; i++) {
		all &= rdmsr_ok(MSR_K7_EVNTSEL0 + i, &v);
		sum |= v;
	}
	check(all && sum == 0, "counters (AMD): PerfEvtSel0-3, PerfCtr0-3 read 0");
	bool w = wrmsr_ok(MSR_K7_PERFCTR0, 0xffff) && wrmsr_ok(MSR_K7_EVNTSEL0, 0x530076);
	check(w && rdmsr_ok(MSR_K7_PERFCTR0, &v) && v == 0,
	      "counters (AMD): writes taken, nothing counts (PerfCtr0 reads 0)");
	check(!wrmsr_ok(MSR_K7_EVNTSEL0, 1ull << 42),
	      "counters (AMD): reserved PerfEvtSel bit 42: #GP");
	bool r = true;
	sum = 0;
	for (uint32_t i = 0; i < 4; i++) {
		r &= rdpmc_ok(i, &v);
		sum |= v;
	}
	check(r && sum == 0 && !rdpmc_ok(4, &v), "counters (AMD): RDPMC 0-3 read 0, RDPMC 4 #GP");
}

int main(void)
{
	bool amd = vendor_amd();

	con_init();
	idt_install(handler);
	mmiotest_map();
	say("hello: %s", amd ? "AMD" : "Intel");
	check_step_nop();
	check_step_cpuid();
	check_step_io();
	check_step_msr();
	check_step_cr8();
	check_step_mmio();
	check_step_mov_ss();
	check_rf(amd);
	check_general_detect();
	check_table_bases();
	check_system_bases();
	check_sti_hlt();
	check_sti_step();
	check_emulated_step();
	check_sti_irq();
	check_hypercall(amd);
	check_smsw_mmio();
	check_counters(amd);
	check(other_count == 0, "no unexpected exception");
	return (int)finish();
}
