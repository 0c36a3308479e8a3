/*
 * ptattack.bin: the set-up, the probes and the verdicts (ptattack.h).
 * Entered like long64.bin; loads its own tables at once:
 *
 *   PML4[0] -> identity map of [0, 1 GiB) and [3 GiB, 4 GiB) (2 MiB pages,
 *              the upper GiB uncached: the MMIO test device is there)
 *   PML4[1] -> pdpt_t -> pd_t -> pt_t: the attack region (VA_BASE)
 *
 * and runs the attacks, each rewriting the attack region and clearing what
 * it added. Any exception outside a probe ends the run with status 255.
 */
#include "ptattack.h"

const char guest_name[] = "ptattack";
unsigned long entry_rflags;             /* recorded by long64/entry.S */
int main(void);

table pml4, pdpt_t, pd_t, pt_t;
static table pdpt_low, pd_low, pd_high;

const uint64_t *pd_low_table(void)
{
	return pd_low;
}

volatile struct fault last_fault;
static volatile unsigned long probe_resume;
unsigned int unclaimed_reads, unclaimed_writes;

static void handler(struct isr_frame *f)
{
	if (probe_resume) {
		last_fault.vector = (unsigned int)f->vector;
		last_fault.error = f->error;
		if (f->vector == VEC_PF)
			__asm__ volatile("mov %%cr2, %0" : "=r"(last_fault.cr2));
		f->ip = probe_resume;
		probe_resume = 0;
		return;
	}
	say("unexpected vector %u, error 0x%lx at rip 0x%lx", (unsigned int)f->vector,
	    f->error, f->ip);
	guest_exit(255);
}

/* The probes: the access sits between the label's address stored in
 * probe_resume and the label, where the handler resumes. */
unsigned int read_va(uint64_t va, uint64_t *value)
{
	uint64_t v = 0;

	last_fault.vector = NO_FAULT;
	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"
			 "mov %%r11, %[resume]\n\t"
			 "mov (%[va]), %[v]\n"
			 "1:\n\t"
			 "movq $0, %[resume]"
			 : [v] "+r"(v), [resume] "=m"(probe_resume)
			 : [va] "r"(va) : "r11", "memory");
	*value = v;
	return last_fault.vector;
}

unsigned int write_va(uint64_t va, uint64_t value)
{
	last_fault.vector = NO_FAULT;
	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"
			 "mov %%r11, %[resume]\n\t"
			 "mov %[v], (%[va])\n"
			 "1:\n\t"
			 "movq $0, %[resume]"
			 : [resume] "=m"(probe_resume)
			 : [va] "r"(va), [v] "r"(value) : "r11", "memory");
	return last_fault.vector;
}

void fill_markers(uint64_t frame)
{
	for (uint64_t off = 0; off < KiB4; off += 8)
		*phys(frame + off) = marker(frame + off);
}

/* The detail line after a FAIL: a value nobody gave the guest is a LEAK. */
static void explain(uint64_t va, unsigned int vector, uint64_t got, const char *want)
{
	if (vector == NO_FAULT)
		say("LEAK read 0x%llx at 0x%llx, want %s", (unsigned long long)got,
		    (unsigned long long)va, want);
	else
		say("  got vector %u, error 0x%lx, cr2 0x%lx at 0x%llx, want %s", vector,
		    last_fault.error, last_fault.cr2, (unsigned long long)va, want);
}

bool expect_value(const char *what, uint64_t va, uint64_t want)
{
	uint64_t got;
	unsigned int vector = read_va(va, &got);
	bool ok = vector == NO_FAULT && got == want;

	check(ok, "%s", what);
	if (!ok)
		explain(va, vector, got, "that value");
	return ok;
}

bool expect_unclaimed(const char *what, uint64_t va)
{
	unclaimed_reads++;
	return expect_value(what, va, 0);
}

bool expect_pf(const char *what, uint64_t va, bool write, unsigned long error)
{
	uint64_t got = 0;
	unsigned int vector = write ? write_va(va, marker(0)) : read_va(va, &got);
	bool ok = vector == VEC_PF && last_fault.error == error && last_fault.cr2 == va;

	check(ok, "%s", what);
	if (!ok) {
		if (write && vector == NO_FAULT)
			say("  the write went through at 0x%llx", (unsigned long long)va);
		else
			explain(va, vector, got, "#PF");
	}
	return ok;
}

static void build_tables(void)
{
	for (uint64_t i = 0; i < 512; i++) {
		pd_low[i] = i * MiB2 | PTE_PS | PTE_RW | PTE_P;
		pd_high[i] = (3 * GiB1 + i * MiB2) | PTE_PS | PTE_PCD | PTE_RW | PTE_P;
	}
	pdpt_low[0] = (uintptr_t)pd_low | PTE_RW | PTE_P;
	pdpt_low[3] = (uintptr_t)pd_high | PTE_RW | PTE_P;
	pd_t[0] = (uintptr_t)pt_t | PTE_RW | PTE_P;
	pdpt_t[0] = (uintptr_t)pd_t | PTE_RW | PTE_P;
	pml4[0] = (uintptr_t)pdpt_low | PTE_RW | PTE_P;
	pml4[1] = (uintptr_t)pdpt_t | PTE_RW | PTE_P;
	write_cr3((uintptr_t)pml4);
}

int main(void)
{
	uint32_t r[4];
	unsigned int maxphyaddr;
	bool gib_pages;

	con_init();
	idt_install(handler);
	build_tables();
	cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000008) {
		say("CPUID has no leaf 0x80000008: cannot place MAXPHYADDR");
		return 254;
	}
	cpuid(0x80000008, 0, r);
	maxphyaddr = r[0] & 0xff;
	cpuid(0x80000001, 0, r);
	gib_pages = (r[3] >> 26) & 1;
	say("MAXPHYADDR %u, 1 GiB pages %s", maxphyaddr, gib_pages ? "announced" : "hidden");
	for (uint64_t f = FRAME_A; f <= FRAME_D; f += KiB4)
		fill_markers(f);

	attack_outside(maxphyaddr);
	attack_recursive();
	attack_rewrite();
	attack_huge(gib_pages);
	attack_mmio_tables(maxphyaddr);

	/* the system test compares this with the VMM's `stats` */
	say("unclaimed MMIO: %u reads, %u writes", unclaimed_reads, unclaimed_writes);
	return (int)finish();
}
