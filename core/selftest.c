/*
 * Deliberate faults for the system tests (see core/selftest.h):
 *   selftest=fault  write to an unmapped address: #PF with CR2 and error code
 *   selftest=ud     execute UD2: #UD
 *   selftest=gp     load a non-canonical address: #GP(0)
 *   selftest=de     divide by zero: #DE
 * The fault happens two calls deep so the stack trace has frames to show.
 */
#include "core/selftest.h"
#include "core/lib.h"
#include "core/log.h"

/* Nothing maps the PML4 slot of this address (boot/ maps only 4 GiB). */
#define UNMAPPED_ADDR 0x00007f0000001000ULL
#define NONCANONICAL_ADDR 0x8000000000000000ULL

static __attribute__((noinline)) void fault_now(const char *name)
{
	volatile uint64_t *p;

	if (!strcmp(name, "fault")) {
		p = (volatile uint64_t *)UNMAPPED_ADDR;
		*p = 0x5a5a5a5a;
	} else if (!strcmp(name, "ud")) {
		__asm__ volatile("ud2");
	} else if (!strcmp(name, "gp")) {
		p = (volatile uint64_t *)NONCANONICAL_ADDR;
		(void)*p;
	} else if (!strcmp(name, "de")) {
		/* in asm: C compilers may turn 1/x into x==1 and never divide */
		__asm__ volatile("xor %%ecx, %%ecx; mov $1, %%eax; xor %%edx, %%edx;"
				 " divl %%ecx" ::: "eax", "ecx", "edx");
	}
}

static __attribute__((noinline)) void selftest_fault(const char *name)
{
	printk("selftest: triggering '%s' on purpose; a register dump follows\n",
	       name);
	fault_now(name);
	__asm__ volatile("" ::: "memory");      /* keep this frame on the stack */
}

void selftest_run(const char *name)
{
	static const char *const known[] = { "fault", "ud", "gp", "de" };

	for (unsigned i = 0; i < ARRAY_SIZE(known); i++) {
		if (!strcmp(name, known[i])) {
			selftest_fault(name);
			printk("selftest: '%s' did not fault!\n", name);
			return;
		}
	}
	printk("selftest: unknown test '%s' (known: fault ud gp de); ignored\n", name);
}
