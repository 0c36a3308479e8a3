/*
 * Recursive and self-referencing maps (ptattack.h). With PML4[2] pointing
 * at the PML4 itself, the walk of VA_IDX(2, a, b, c) uses the PML4 as a
 * PDPT, so that address maps the table that the walk of (a, b, c) would
 * use last: VA_IDX(2, 2, 2, 2) is the PML4's own page, VA_IDX(2, 1, 0, 0)
 * is pt_t. Reads through such maps must see exactly the guest's tables
 * (as the identity map shows them: the CPU sets accessed bits in them),
 * and writes through them are page-table writes that the next walk uses
 * (after INVLPG where the entry was present).
 */
#include "ptattack.h"

#define SELF 2u

static void self_pml4(void)
{
	uint64_t self_pml4 = VA_IDX(SELF, SELF, SELF, SELF);
	uint64_t self_pt = VA_IDX(SELF, 1, 0, 0);
	uint64_t *pdpt_x = (uint64_t *)(uintptr_t)TABLE_X;
	uint64_t *pd_y = (uint64_t *)(uintptr_t)TABLE_Y;
	uint64_t *pt_z = (uint64_t *)(uintptr_t)TABLE_Z;

	pml4[SELF] = (uintptr_t)pml4 | PTE_RW | PTE_P;
	set_entry(&pt_t[0], FRAME_A | PTE_RW | PTE_P, VA_PT(0));
	expect_alias("PML4[2] -> PML4: VA 2/2/2/2 reads the PML4's own entries", self_pml4, pml4);
	expect_alias("PML4[2] -> PML4: VA 2/1/0/0 reads pt_t's entries", self_pt, pt_t);

	/* a PTE written through the recursive map */
	check(write_va(self_pt + 8 * 9, FRAME_B | PTE_RW | PTE_P) == NO_FAULT &&
	      (pt_t[9] & ~PTE_AD) == (FRAME_B | PTE_RW | PTE_P),
	      "PTE written through the recursive map lands in pt_t");
	expect_value("... and maps its frame (marker B)", VA_PT(9), marker(FRAME_B));
	write_va(self_pt + 8 * 9, FRAME_C | PTE_RW | PTE_P);
	invlpg(VA_PT(9));
	expect_value("PTE rewritten through the recursive map, INVLPG: marker C", VA_PT(9),
		     marker(FRAME_C));
	/* the same write made by the hypervisor's emulator: a MOVS whose
	 * source, the MMIO test device's storage, holds the new PTE */
	*phys(MMIOTEST_GPA + MMIOTEST_DATA + 0x20) = FRAME_D | PTE_RW | PTE_P;
	check(movs_va(self_pt + 8 * 12, MMIOTEST_GPA + MMIOTEST_DATA + 0x20) == NO_FAULT &&
	      (pt_t[12] & ~PTE_AD) == (FRAME_D | PTE_RW | PTE_P),
	      "PTE written by an emulated MOVS from MMIO through the recursive map lands in pt_t");
	expect_value("... and maps its frame (marker D)", VA_PT(12), marker(FRAME_D));

	/* a PML4 entry installed and removed through the PML4's own page */
	for (unsigned int i = 0; i < 512; i++)
		pdpt_x[i] = pd_y[i] = pt_z[i] = 0;
	pdpt_x[0] = TABLE_Y | PTE_RW | PTE_P;
	pd_y[0] = TABLE_Z | PTE_RW | PTE_P;
	pt_z[0] = FRAME_D | PTE_RW | PTE_P;
	check(write_va(self_pml4 + 8 * 3, TABLE_X | PTE_RW | PTE_P) == NO_FAULT &&
	      (pml4[3] & ~PTE_AD) == (TABLE_X | PTE_RW | PTE_P),
	      "PML4E written through the PML4's own page lands in the PML4");
	expect_value("... and its walk maps marker D", VA_IDX(3, 0, 0, 0), marker(FRAME_D));
	write_va(self_pml4 + 8 * 3, 0);
	invlpg(VA_IDX(3, 0, 0, 0));
	expect_pf("PML4E cleared through the PML4's own page, INVLPG: #PF", VA_IDX(3, 0, 0, 0),
		  false, 0);

	pml4[SELF] = 0;
	reload_cr3();
	expect_pf("PML4[2] cleared, CR3 reloaded: the recursive map is gone: #PF", self_pml4,
		  false, 0);
	set_entry(&pt_t[9], 0, VA_PT(9));
	set_entry(&pt_t[12], 0, VA_PT(12));
}

/* A PT whose entry 7 maps the PT itself, a PD whose entry 8 points at the
 * PD itself (so its entries act as PTEs), and a PDPT entry pointing at the
 * PML4 (a cycle across levels). */
static void self_tables(void)
{
	set_entry(&pt_t[7], (uintptr_t)pt_t | PTE_RW | PTE_P, VA_PT(7));
	expect_alias("PTE -> its own PT: reads the PT's entries", VA_PT(7), pt_t);
	check(write_va(VA_PT(7) + 8 * 8, FRAME_A | PTE_RW | PTE_P) == NO_FAULT,
	      "PTE written through the PT's self-map is taken");
	expect_value("... and maps its frame (marker A)", VA_PT(8), marker(FRAME_A));

	set_entry(&pd_t[8], (uintptr_t)pd_t | PTE_RW | PTE_P, VA_PD(8));
	expect_alias("PDE -> its own PD: entry 0 maps pt_t", VA_PD(8), pt_t);
	invlpg(VA_PD(8) + 8 * KiB4);
	expect_alias("PDE -> its own PD: entry 8 maps the PD", VA_PD(8) + 8 * KiB4, pd_t);

	set_entry(&pdpt_t[2], (uintptr_t)pml4 | PTE_RW | PTE_P, VA_PDPT(2));
	/* PML4 as PD; PML4[0] -> pdpt_low as PT; pdpt_low[0] -> pd_low */
	expect_alias("PDPTE -> PML4: a cycle across levels reads pd_low", VA_PDPT(2),
		     (const uint64_t *)pd_low_table());
	set_entry(&pdpt_t[2], 0, VA_PDPT(2));
	set_entry(&pd_t[8], 0, VA_PD(8));
	invlpg(VA_PD(8) + 8 * KiB4);
	set_entry(&pt_t[8], 0, VA_PT(8));
	set_entry(&pt_t[7], 0, VA_PT(7));
	reload_cr3();
}

void attack_recursive(void)
{
	self_pml4();
	self_tables();
}
