/*
 * prot32.bin: the 32-bit protected-mode test guest (docs/test-guests.md).
 * Entered by entry.S with our own stack; prints one PASS/FAIL line per
 * check and a tally, and returns the number of failures (the exit status).
 */
#include "guest.h"

const char guest_name[] = "prot32";

/* EFLAGS at entry, stored by entry.S before .bss is cleared (so: .data). */
unsigned long entry_eflags = ~0ul;

int main(void);

static uint16_t read_selector_cs(void)
{
	uint16_t v;

	__asm__ volatile("mov %%cs, %0" : "=r"(v));
	return v;
}

static uint16_t read_selector_ds(void)
{
	uint16_t v;

	__asm__ volatile("mov %%ds, %0" : "=r"(v));
	return v;
}

static uint16_t read_selector_ss(void)
{
	uint16_t v;

	__asm__ volatile("mov %%ss, %0" : "=r"(v));
	return v;
}

static void check_entry_state(void)
{
	unsigned long cr0 = read_cr0();

	say("entry: cs=0x%04x ds=0x%04x ss=0x%04x cr0=0x%08lx eflags=0x%08lx",
	    read_selector_cs(), read_selector_ds(), read_selector_ss(), cr0,
	    entry_eflags);
	check((cr0 & (X86_CR0_PE | X86_CR0_PG)) == X86_CR0_PE &&
	      !(entry_eflags & (X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_VM)),
	      "entry state: cr0.pe = 1, cr0.pg = 0, eflags.if = df = vm = 0");
}

/* Byte, word and dword OUT to the POST port: nothing to check in the guest;
 * the VMM may report the values (docs/test-guests.md lists them). */
static void post_codes(void)
{
	outb(POST_PORT, 0x32);
	outw(POST_PORT, 0xbeef);
	outl(POST_PORT, 0xc0ffee32);
	say("out to port 0x80: byte 0x32, word 0xbeef, dword 0xc0ffee32");
}

/*
 * Every data segment register reads the same flat memory: the word at
 * probe through DS, ES, FS, GS and SS overrides. A segment left unusable
 * by the VMM faults here (a SHUTDOWN exit), which is why this runs last.
 */
static void check_flat_segments(void)
{
	static volatile uint32_t probe = 0x5e65a11d;
	uint32_t ds, es, fs, gs, ss;

	__asm__ volatile("movl %%ds:%5, %0\n\t"
			 "movl %%es:%5, %1\n\t"
			 "movl %%fs:%5, %2\n\t"
			 "movl %%gs:%5, %3\n\t"
			 "movl %%ss:%5, %4"
			 : "=&r"(ds), "=&r"(es), "=&r"(fs), "=&r"(gs), "=r"(ss)
			 : "m"(probe));
	if (!check(ds == probe && es == probe && fs == probe && gs == probe &&
		   ss == probe,
		   "ds, es, fs, gs, ss are flat (same word through each)"))
		say("  read 0x%08x 0x%08x 0x%08x 0x%08x 0x%08x, want 0x%08x",
		    ds, es, fs, gs, ss, probe);
}

int main(void)
{
	con_init();
	say("hello from 32-bit protected mode");
	check_entry_state();
	check_rep_outsb(false);
	check_rep_outsb(true);
	check_rep_insb(false);
	check_rep_insb(true);
	check_in_unclaimed();
	post_codes();
	check_cpuid();
	check_flat_segments();
	return (int)finish();
}
