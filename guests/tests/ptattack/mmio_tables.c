/*
 * Page tables in guest-physical space that is not RAM (ptattack.h;
 * docs/architecture.md, "Shadow paging", Filling). A table on the MMIO
 * test device holds a PTE the guest wrote there (-> marker A); a CPU's own
 * walker would read the device and map A, the hypervisor cannot run a
 * page walk through device emulation and gives a not-present #PF, as KVM
 * does for a table gfn without memory: either is no leak, anything else
 * is. Tables in unclaimed space read as 0 on any account: not present.
 */
#include "ptattack.h"

void attack_mmio_tables(unsigned int maxphyaddr)
{
	uint64_t got;
	unsigned int vector;

	*phys(MMIOTEST_GPA + MMIOTEST_DATA) = FRAME_A | PTE_RW | PTE_P;
	set_entry(&pd_t[7], MMIOTEST_GPA | PTE_RW | PTE_P, VA_PD(7));
	vector = read_va(VA_PD(7), &got);
	check((vector == VEC_PF && last_fault.error == 0 && last_fault.cr2 == VA_PD(7)) ||
	      (vector == NO_FAULT && got == marker(FRAME_A)),
	      "PT on the MMIO test device: #PF (not present) or the PTE's marker A");
	if (vector == NO_FAULT)
		say("PT on the MMIO test device: %s 0x%llx",
		    got == marker(FRAME_A) ? "walked, read" : "LEAK read", (unsigned long long)got);
	else
		say("PT on the MMIO test device: vector %u, error 0x%lx", vector,
		    last_fault.error);
	if (vector == NO_FAULT) {
		check(write_va(VA_PD(7) + 8, marker(FRAME_A + 8)) == NO_FAULT,
		      "PT on the MMIO test device: a write goes where the read went");
	} else {
		expect_pf("PT on the MMIO test device: a write goes where the read went", VA_PD(7),
			  true, PF_W);
	}
	set_entry(&pd_t[7], 0, VA_PD(7));

	set_entry(&pd_t[9], (RAM_END + MiB2) | PTE_RW | PTE_P, VA_PD(9));
	expect_pf("PT past RAM: read #PF", VA_PD(9), false, 0);
	expect_pf("PT past RAM: write #PF W", VA_PD(9) + 8, true, PF_W);
	set_entry(&pd_t[9], 0, VA_PD(9));

	set_entry(&pdpt_t[6], 0xe0000000ull | PTE_RW | PTE_P, VA_PDPT(6));
	expect_pf("PD in the MMIO hole (0xe0000000): read #PF", VA_PDPT(6), false, 0);
	set_entry(&pdpt_t[6], 0, VA_PDPT(6));

	pml4[6] = ((1ull << maxphyaddr) - KiB4) | PTE_RW | PTE_P;
	invlpg(VA_IDX(6, 0, 0, 0));
	expect_pf("PDPT at the last page below MAXPHYADDR: read #PF", VA_IDX(6, 0, 0, 0), false, 0);
	pml4[6] = 0;
	invlpg(VA_IDX(6, 0, 0, 0));
}
