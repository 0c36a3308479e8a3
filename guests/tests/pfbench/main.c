/*
 * pfbench.bin: page faults and address-space switches measured from
 * inside a 64-bit guest (pfbench.h), as bench.bin measures exits: under
 * `qemu -icount shift=0` the TSC advances once per executed instruction
 * at every nesting level, so each figure is an exact path length, guest +
 * hypervisor (+ VMM), and shadow paging and NPT/EPT compare directly
 * (tools/bench.py, docs/performance.md).
 *
 * Each figure is the average over its operations, net of a loop that does
 * the same with nothing to fault on (the pages already mapped, or no CR3
 * write), printed as "pfbench: <name>: <n> instructions". Under NPT/EPT a
 * first touch costs nothing extra (the CPU walks both levels itself), so
 * its figure is 0 and the others are about the guest's own instructions.
 * Checks that every write reached the frame it was mapped to make the
 * figures count only paths that worked; the tally ends the run.
 */
#include "pfbench.h"

const char guest_name[] = "pfbench";
unsigned long entry_rflags;             /* recorded by long64/entry.S */

int main(void);

#define SWITCH_ROUNDS   64u
#define PF_VECTOR       14u
#define PF_ERR_P        1ul             /* SDM Vol. 3A 4.7: a protection fault */
#define GDT_PAGE        0x1000ul        /* the VMM's GDT (docs/test-guests.md) */
#define STACK_BOTTOM    0x70000ul       /* long64/entry.S: [0x70000, 0x80000) */
#define STACK_TOP       0x80000ul
#define IMAGE_START     0x100000ul

extern char __bss_end[];                /* flat.ld */

static uint64_t *demand_pte;
static volatile unsigned long demand_faults;
static unsigned long switch_cr3[SPACES];

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void invlpg(unsigned long va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline unsigned long read_cr2(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static volatile uint64_t *word(unsigned long va)
{
	return (volatile uint64_t *)va;
}

/* The guest's own demand paging: a not-present entry of the demand window
 * is filled in and the access retried (no INVLPG: a not-present entry is
 * never cached, SDM Vol. 3A 4.10.2.3). Anything else ends the run. */
static void on_exception(struct isr_frame *f)
{
	unsigned long cr2 = read_cr2();
	unsigned long page = (cr2 - DEMAND_WINDOW) / PAGE;

	if (f->vector == PF_VECTOR && !(f->error & PF_ERR_P) &&
	    cr2 >= DEMAND_WINDOW && page < PAGES) {
		demand_pte[page] = (FRAMES_DEMAND + page * PAGE) | PTE_RW | PTE_P;
		demand_faults++;
		return;
	}
	check(false, "no exception but a #PF in the demand window (vector %lu, error 0x%lx, "
	      "rip 0x%lx, cr2 0x%lx)", f->vector, f->error, f->ip, cr2);
	guest_exit(finish());
}

/* Writes tag ^ i to the first word of page i of [base, base + n pages). */
static __attribute__((noinline)) uint64_t touch(unsigned long base, unsigned long n,
						uint64_t tag)
{
	uint64_t t0 = rdtsc();

	for (unsigned long i = 0; i < n; i++)
		*word(base + i * PAGE) = tag ^ i;
	return rdtsc() - t0;
}

/* Points the touch window's page i at frames + i pages, invalidates it
 * and writes tag ^ i there, for every page. */
static __attribute__((noinline)) uint64_t remap(unsigned long frames, uint64_t tag)
{
	volatile uint64_t *pte = touch_ptes();
	uint64_t t0 = rdtsc();

	for (unsigned long i = 0; i < PAGES; i++) {
		pte[i] = (frames + i * PAGE) | PTE_RW | PTE_P;
		invlpg(TOUCH_WINDOW + i * PAGE);
		*word(TOUCH_WINDOW + i * PAGE) = tag ^ i;
	}
	return rdtsc() - t0;
}

/* INVLPG of every page of the touch window, each then written: what a
 * remap costs besides its PTE write. */
static __attribute__((noinline)) uint64_t invalidate(uint64_t tag)
{
	uint64_t t0 = rdtsc();

	for (unsigned long i = 0; i < PAGES; i++) {
		invlpg(TOUCH_WINDOW + i * PAGE);
		*word(TOUCH_WINDOW + i * PAGE) = tag ^ i;
	}
	return rdtsc() - t0;
}

/* Rounds over the switch spaces: each visit loads the space's CR3 (or,
 * for the reference loop, stays where it is) and writes the round's
 * number to the first word of each of its window pages (writes only, as
 * everywhere here: a read first would take one more shadow fault, the
 * write that sets D). */
static __attribute__((noinline)) uint64_t visit_spaces(unsigned int rounds, bool load_cr3)
{
	uint64_t t0 = rdtsc();

	for (unsigned int r = 0; r < rounds; r++) {
		for (unsigned int s = 0; s < SPACES; s++) {
			if (load_cr3)
				write_cr3(switch_cr3[s]);
			for (unsigned long i = 0; i < SPACE_PAGES; i++)
				*word(WINDOW + i * PAGE) = r;
		}
	}
	return rdtsc() - t0;
}

/* Every page the code, data, stack and descriptor tables live in is
 * touched once, so that only the window's pages fault while timed. */
static void prefault(void)
{
	(void)*word(GDT_PAGE);
	for (unsigned long a = STACK_BOTTOM; a < STACK_TOP; a += PAGE)
		(void)*word(a);
	for (unsigned long a = IMAGE_START; a < (uintptr_t)__bss_end; a += PAGE)
		(void)*word(a);
}

static void report(const char *name, int64_t net, unsigned long ops)
{
	say("%s: %ld instructions", name, (long)(net / (int64_t)ops));
}

/* Frames hold tag ^ i at page i? */
static bool frames_hold(unsigned long frames, unsigned long n, uint64_t tag)
{
	for (unsigned long i = 0; i < n; i++)
		if (*word(frames + i * PAGE) != (tag ^ i))
			return false;
	return true;
}

static bool entries_accessed_dirty(const uint64_t *pte, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if ((pte[i] & (PTE_A | PTE_D)) != (PTE_A | PTE_D))
			return false;
	return true;
}

/* (a) N fresh pages, each written once, then again (the reference). */
static void bench_first_touch(void)
{
	uint64_t fresh = touch(TOUCH_WINDOW, PAGES, 0xa0);
	uint64_t warm = touch(TOUCH_WINDOW, PAGES, 0xa1);

	check(frames_hold(FRAMES_A, PAGES, 0xa1) && entries_accessed_dirty(touch_ptes(), PAGES),
	      "first touch: every write reached its frame, every entry accessed and dirty");
	report("first touch of a fresh page", (int64_t)(fresh - warm), PAGES);
}

/* (b) every page moved to another frame and back, then touched warm;
 * then INVLPG and a write without a PTE write, for the split. */
static void bench_remap(void)
{
	uint64_t to_b = remap(FRAMES_B, 0xb0);
	bool b_ok = frames_hold(FRAMES_B, PAGES, 0xb0);
	uint64_t to_a = remap(FRAMES_A, 0xb1);
	uint64_t warm = touch(TOUCH_WINDOW, PAGES, 0xb2);
	uint64_t flushed = invalidate(0xb3);

	check(b_ok && frames_hold(FRAMES_A, PAGES, 0xb3),
	      "remap: every write after a PTE write and INVLPG reached the new frame");
	report("remap of a page (PTE write, INVLPG, touch)",
	       (int64_t)(to_b + to_a - 2 * warm), 2 * PAGES);
	report("INVLPG of a mapped page, then touch", (int64_t)(flushed - warm), PAGES);
}

/* (c) one round into spaces never loaded, SWITCH_ROUNDS rounds more, and
 * SWITCH_ROUNDS rounds without CR3 writes (the reference). */
static void bench_switch(void)
{
	bool reached = true;

	for (unsigned int s = 0; s < SPACES; s++) {
		switch_cr3[s] = switch_space_cr3(s);
		for (unsigned long i = 0; i < SPACE_PAGES; i++)
			*word(switch_space_frame(s, i)) = ~0ull;
	}
	uint64_t first = visit_spaces(1, true);
	uint64_t again = visit_spaces(SWITCH_ROUNDS, true);
	for (unsigned int s = 0; s < SPACES; s++)
		for (unsigned long i = 0; i < SPACE_PAGES; i++)
			reached &= *word(switch_space_frame(s, i)) == SWITCH_ROUNDS - 1;
	uint64_t stay = visit_spaces(SWITCH_ROUNDS, false);
	write_cr3(space0_cr3());

	check(reached, "address-space switches: the last round's writes reached every space's frames");
	report("first switch to an address space (MOV CR3, 4 pages touched)",
	       (int64_t)(first * SWITCH_ROUNDS - stay), SWITCH_ROUNDS * SPACES);
	report("switch between address spaces (MOV CR3, 4 pages touched)",
	       (int64_t)(again - stay), SWITCH_ROUNDS * SPACES);
}

/* (d) N pages whose entries are not present: each first write is a #PF
 * the guest's handler fixes; then the same writes again (the reference). */
static void bench_guest_fault(void)
{
	uint64_t faulting = touch(DEMAND_WINDOW, PAGES, 0xd0);
	unsigned long faults = demand_faults;
	uint64_t warm = touch(DEMAND_WINDOW, PAGES, 0xd1);

	check(faults == PAGES && demand_faults == PAGES && frames_hold(FRAMES_DEMAND, PAGES, 0xd1),
	      "guest page faults: one #PF per page, every write reached its frame");
	report("guest page fault fixed by the guest (PTE filled in, IRET)",
	       (int64_t)(faulting - warm), PAGES);
}

int main(void)
{
	con_init();
	spaces_build();
	demand_pte = demand_ptes();
	idt_install(on_exception);
	write_cr3(space0_cr3());
	prefault();
	say("%lu pages per window, %u address spaces of %lu pages, %u rounds",
	    PAGES, SPACES, SPACE_PAGES, SWITCH_ROUNDS);

	bench_first_touch();
	bench_remap();
	bench_switch();
	bench_guest_fault();
	say("done");
	return (int)finish();
}
