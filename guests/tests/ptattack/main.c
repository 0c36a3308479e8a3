/*
 * ptattack.bin: the set-up and the order of the attacks (ptattack.h).
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

/*
 * Entered instead of _start by the system test (`set N rip`): CR3 on
 * unclaimed MMIO, so that the next instruction fetch finds no PML4. The
 * #PF cannot be delivered either (the IDT is reached through the same
 * tables): #DF, then shutdown, for this VM alone.
 */
__asm__(".text\n.globl cr3_in_mmio\ncr3_in_mmio:\n\t"
	"mov $0xe0000000, %eax\n\tmov %rax, %cr3\n\thlt\n");

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
	idt_install(probe_handler);
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
