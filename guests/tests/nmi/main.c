/*
 * nmi.bin: NMIs to the guest (docs/test-guests.md, "nmi.bin";
 * docs/virtual-cpu.md, "NMIs"). A 32-bit protected-mode guest, entered like
 * prot32.bin, with an IDT of its own; it runs with IF = 0 throughout, which
 * does not mask NMIs (SDM Vol. 3 6.7, 6.8.1).
 *
 * Its NMIs come from its local APIC (the VMM's, dev_lapic.c): an ICR write
 * with delivery mode NMI and the "self" shorthand is an MMIO exit; the VMM
 * passes the NMI down with KVM_NMI before the next KVM_RUN, and the
 * hypervisor delivers it at that entry unless the guest blocks NMIs. So:
 *
 *  - the NMI arrives through vector 2 right after the ICR write, its frame
 *    returning to the next instruction with the guest's CS and EFLAGS
 *    (IF = 0, RF = 0);
 *  - a second NMI sent inside the handler is held until the handler's
 *    IRET (blocking by NMI, SDM 6.7.1) and arrives on the first
 *    instruction boundary after it: its frame returns where the first
 *    handler's did; exactly one more arrives;
 *  - two NMIs sent inside the handler are one: the CPU latches one NMI,
 *    so after the IRET exactly one more arrives;
 *  - an NMI sent by an ICR write in MOV SS's shadow arrives right after
 *    that write: the shadow covers only the write (SDM 6.8.3), and the
 *    exit the write makes must not leave it in force longer;
 *  - IA32_APIC_BASE moves the APIC's page (SDM 11.4.4): its version
 *    register and its ICR answer at the new page (the NMI arrives), the
 *    old page, with nothing else there, reads 0 (the VMM's empty MMIO),
 *    and it moves back;
 *  - then it halts with IF = 0, so the run ends; the system test sends one
 *    with the CLI's `nmi 0` and runs it again: the NMI arrives before the
 *    instruction after the HLT;
 *  - it halts again; the test latches an NMI and puts the vCPU in a MOV SS
 *    shadow (`events 0 nmi=1 shadow=movss`: KVM_SET_VCPU_EVENTS) and runs
 *    it: the NOP after the HLT runs in the shadow, and the NMI arrives
 *    right after it (SDM 6.8.3), not at some later exit.
 */
#include "guest.h"

const char guest_name[] = "nmi";
unsigned long entry_eflags;             /* recorded by prot32/entry.S */

int main(void);

#define VECTOR_NMI      2
#define LAPIC_BASE      0xfee00000ul
#define LAPIC_MOVED     0xfed40000ul    /* kvm-unit-tests apic's choice */
#define LAPIC_VERSION   0x030
#define MSR_APIC_BASE   0x1b
#define APIC_BASE_FLAGS 0x900ul         /* enabled, BSP */
#define LAPIC_SVR       0x0f0
#define LAPIC_ICR_LO    0x300
#define ICR_SELF_NMI    0x00044400u     /* shorthand self, assert, NMI */
#define SVR_ENABLE      0x1ffu          /* software enable, vector 0xff */
#define X86_EFLAGS_RF   (1ul << 16)
#define MAX_NMIS        8

/* What the handler does besides recording (the test in progress). */
enum mode { PLAIN, SEND_ONE_INSIDE, SEND_TWO_INSIDE };

static volatile enum mode mode;
static volatile unsigned nmi_count, other_count, count_at_iret;
static volatile unsigned long nmi_ip[MAX_NMIS], nmi_cs[MAX_NMIS], nmi_flags[MAX_NMIS];
static volatile unsigned long unexpected_vector;

static void lapic_write(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

/* Exits to the VMM (port 0x80) that give a held NMI every chance to be
 * delivered too early, or twice. */
static void exits(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		outb(POST_PORT, (uint8_t)i);
}

static void on_nmi(struct isr_frame *f)
{
	unsigned n = nmi_count;

	if (n < MAX_NMIS) {
		nmi_ip[n] = f->ip;
		nmi_cs[n] = f->cs;
		nmi_flags[n] = f->flags;
	}
	nmi_count = n + 1;
	if (n != 0 || mode == PLAIN)
		return;
	/* the first NMI's handler: more NMIs, held until its IRET */
	lapic_write(LAPIC_ICR_LO, ICR_SELF_NMI);
	if (mode == SEND_TWO_INSIDE)
		lapic_write(LAPIC_ICR_LO, ICR_SELF_NMI);
	exits(20);
	count_at_iret = nmi_count;
}

static void handler(struct isr_frame *f)
{
	if (f->vector == VECTOR_NMI) {
		on_nmi(f);
		return;
	}
	other_count++;
	unexpected_vector = f->vector;
}

static void reset(enum mode m)
{
	mode = m;
	nmi_count = 0;
	count_at_iret = 0;
	for (unsigned i = 0; i < MAX_NMIS; i++)
		nmi_ip[i] = nmi_cs[i] = nmi_flags[i] = 0;
}

static void report(const char *what)
{
	say("  %s: %u NMIs; frames ip 0x%lx 0x%lx, cs 0x%lx, eflags 0x%lx; "
	    "%u before the IRET", what, nmi_count, nmi_ip[0], nmi_ip[1], nmi_cs[0],
	    nmi_flags[0], count_at_iret);
}

static void check_icr_nmi(void)
{
	extern const char after_icr1[];
	unsigned long flags;
	bool ok;

	reset(PLAIN);
	/* EFLAGS as the ICR write leaves them (a MOV changes none) */
	__asm__ volatile("pushfl\n\tpopl %1\n\t"
			 "movl %2, %0\n"
			 ".globl after_icr1\nafter_icr1:"
			 : "=m"(*(volatile uint32_t *)(LAPIC_BASE + LAPIC_ICR_LO)), "=&r"(flags)
			 : "r"(ICR_SELF_NMI) : "memory");
	exits(10);
	ok = nmi_count == 1 && nmi_ip[0] == (uintptr_t)after_icr1 &&
	     nmi_cs[0] == read_cs() && nmi_flags[0] == flags &&
	     !(flags & (X86_EFLAGS_IF | X86_EFLAGS_RF));
	check(ok, "self-NMI by the ICR with IF = 0: one, through vector 2, its frame "
	      "returning after the ICR write with CS and EFLAGS (IF = 0, RF = 0)");
	if (!ok)
		report("ICR NMI");
}

/* The first NMI's handler sends one (or two) more: held until its IRET,
 * then exactly one, at the first NMI's return address. */
static void check_inside(enum mode m, const char *what)
{
	extern const char after_icr2[];
	bool ok;

	reset(m);
	__asm__ volatile("movl %1, %0\n"
			 ".globl after_icr2\nafter_icr2:"
			 : "=m"(*(volatile uint32_t *)(LAPIC_BASE + LAPIC_ICR_LO))
			 : "r"(ICR_SELF_NMI) : "memory");
	exits(30);
	ok = nmi_count == 2 && count_at_iret == 1 &&
	     nmi_ip[0] == (uintptr_t)after_icr2 && nmi_ip[1] == (uintptr_t)after_icr2 &&
	     nmi_flags[1] == nmi_flags[0];
	check(ok, "%s", what);
	if (!ok)
		report("nested");
}

/* MOV SS blocks NMIs until the next instruction has run (SDM 6.8.3):
 * the ICR write in its shadow exits to the VMM, which sends the NMI; the
 * write completes there, the shadow with it, and the NMI arrives before
 * the instruction after the write. */
static void check_mov_ss_shadow(void)
{
	extern const char after_icr3[];
	bool ok;

	reset(PLAIN);
	__asm__ volatile("mov %%ss, %%eax\n\t"
			 "mov %%eax, %%ss\n\t"
			 "movl %1, %0\n"
			 ".globl after_icr3\nafter_icr3:"
			 : "=m"(*(volatile uint32_t *)(LAPIC_BASE + LAPIC_ICR_LO))
			 : "r"(ICR_SELF_NMI) : "eax", "memory");
	exits(10);
	ok = nmi_count == 1 && nmi_ip[0] == (uintptr_t)after_icr3;
	check(ok, "an NMI sent by an ICR write in MOV SS's shadow: one, right after "
	      "the write");
	if (!ok)
		report("MOV SS shadow");
}

/* The APIC moved away and back with WRMSR IA32_APIC_BASE: at its new
 * page it answers (its version register, an NMI by its ICR), at the old
 * one nothing does. */
static void check_relocated(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	uint32_t version = *(volatile uint32_t *)(LAPIC_BASE + LAPIC_VERSION);
	uint32_t moved_version, old_page;
	bool ok;

	reset(PLAIN);
	wrmsr(MSR_APIC_BASE, LAPIC_MOVED | APIC_BASE_FLAGS);
	moved_version = *(volatile uint32_t *)(LAPIC_MOVED + LAPIC_VERSION);
	old_page = *(volatile uint32_t *)(LAPIC_BASE + LAPIC_VERSION);
	*(volatile uint32_t *)(LAPIC_MOVED + LAPIC_ICR_LO) = ICR_SELF_NMI;
	exits(10);
	wrmsr(MSR_APIC_BASE, base);
	ok = base == (LAPIC_BASE | APIC_BASE_FLAGS) && moved_version == version &&
	     version != 0 && old_page == 0 && nmi_count == 1 &&
	     *(volatile uint32_t *)(LAPIC_BASE + LAPIC_VERSION) == version;
	check(ok, "IA32_APIC_BASE moves the APIC: its ICR at 0xfed40000 sends the NMI, "
	      "the old page reads 0, and it moves back");
	if (!ok)
		say("  APIC_BASE 0x%lx, version 0x%x, at the new page 0x%x, at the old 0x%x, "
		    "%u NMIs", (unsigned long)base, version, moved_version, old_page,
		    nmi_count);
}

static void check_nmi_command(void)
{
	extern const char after_hlt[];
	bool ok;

	reset(PLAIN);
	say("halting with IF = 0 for an NMI from the VMM (nmi command)");
	__asm__ volatile("cli; hlt\n"
			 ".globl after_hlt\nafter_hlt:" ::: "memory");
	exits(10);
	ok = nmi_count == 1 && nmi_ip[0] == (uintptr_t)after_hlt;
	check(ok, "the nmi command's NMI: one, before the instruction after the HLT");
	if (!ok)
		report("nmi command");
}

/* An NMI latched with a MOV SS shadow in force: it waits for exactly the
 * one instruction the shadow covers. */
static void check_shadow_events(void)
{
	extern const char after_nop[];
	bool ok;

	reset(PLAIN);
	say("halting with IF = 0 for an NMI in a MOV SS shadow (events command)");
	__asm__ volatile("cli; hlt\n\t"
			 "nop\n"
			 ".globl after_nop\nafter_nop:" ::: "memory");
	exits(10);
	ok = nmi_count == 1 && nmi_ip[0] == (uintptr_t)after_nop;
	check(ok, "an NMI set with a MOV SS shadow: one, after the one instruction "
	      "the shadow covers");
	if (!ok)
		report("shadow events");
}

int main(void)
{
	con_init();
	say("hello from 32-bit protected mode, with an IDT and IF = 0");
	cli();
	idt_install(handler);
	lapic_write(LAPIC_SVR, SVR_ENABLE);
	check_icr_nmi();
	check_inside(SEND_ONE_INSIDE, "an NMI sent inside the handler: held until its "
		     "IRET, then exactly one, at the first NMI's return address");
	check_inside(SEND_TWO_INSIDE, "two NMIs sent inside the handler merge: exactly "
		     "one more after its IRET");
	check_mov_ss_shadow();
	check_relocated();
	check_nmi_command();
	check_shadow_events();
	check(other_count == 0, "no other vector arrived");
	if (other_count)
		say("  last unexpected vector 0x%lx", unexpected_vector);
	return (int)finish();
}
