/*
 * Entries that point outside the VM's memory (ptattack.h). A frame beyond
 * RAM but below MAXPHYADDR is guest-physical space with nothing in it:
 * MMIO that no device claims, which the VMM reads as 0 and whose writes it
 * drops (docs/control-partition.md). An address bit at or above MAXPHYADDR
 * in a present entry is reserved: #PF with P and RSVD set, for a leaf and
 * for a link alike (SDM Vol. 3A 4.5.4 and Table 4-20, 4.7; AMD APM Vol. 2
 * 5.3.3). So are PS in a PML4 entry and bits 20:13 of a 2 MiB leaf.
 */
#include "ptattack.h"


static void beyond_ram(unsigned int maxphyaddr)
{
	uint64_t top = (1ull << maxphyaddr) - KiB4;

	set_entry(&pt_t[1], RAM_END | PTE_RW | PTE_P, VA_PT(1));
	expect_unclaimed("PTE -> first page past RAM: unclaimed MMIO, reads 0", VA_PT(1) + 8);
	expect_unclaimed_write("PTE -> first page past RAM: a write is taken (and dropped)",
			       VA_PT(1) + 8);
	expect_unclaimed("PTE -> first page past RAM: reads 0 after the write", VA_PT(1) + 8);
	set_entry(&pt_t[2], 4 * GiB1 | PTE_RW | PTE_P, VA_PT(2));
	expect_unclaimed("PTE -> 4 GiB: unclaimed MMIO, reads 0", VA_PT(2));
	set_entry(&pt_t[3], top | PTE_RW | PTE_P, VA_PT(3));
	expect_unclaimed("PTE -> last page below MAXPHYADDR: unclaimed MMIO, reads 0",
			 VA_PT(3) + KiB4 - 8);
	for (unsigned int i = 1; i <= 3; i++)
		set_entry(&pt_t[i], 0, VA_PT(i));
}

static void reserved_bits(unsigned int maxphyaddr)
{
	uint64_t bit_m = 1ull << maxphyaddr;

	set_entry(&pt_t[4], bit_m | FRAME_A | PTE_RW | PTE_P, VA_PT(4));
	expect_pf("PTE with bit MAXPHYADDR set: read #PF P|RSVD", VA_PT(4), false, RSVD_READ);
	expect_pf("PTE with bit MAXPHYADDR set: write #PF P|RSVD|W", VA_PT(4), true,
		  RSVD_WRITE);
	/* the same through the hypervisor's emulator: the MOVS's source is
	 * the MMIO test device, so its destination's walk is the emulator's */
	expect_movs_pf("MOVS from MMIO to a PTE with bit MAXPHYADDR set: #PF P|RSVD|W",
		       VA_PT(4), MMIOTEST_GPA + MMIOTEST_ID, RSVD_WRITE);
	set_entry(&pt_t[5], (1ull << 51) | FRAME_A | PTE_RW | PTE_P, VA_PT(5));
	if (maxphyaddr < 52)
		expect_pf("PTE with bit 51 set: read #PF P|RSVD", VA_PT(5), false, RSVD_READ);
	/* a link: the reserved bit in the PDE that points at a table */
	set_entry(&pd_t[1], bit_m | (uintptr_t)pt_t | PTE_RW | PTE_P, VA_PD(1));
	expect_pf("PDE -> table with bit MAXPHYADDR set: read #PF P|RSVD", VA_PD(1), false,
		  RSVD_READ);
	set_entry(&pd_t[2], (FRAME_A & ~(MiB2 - 1)) | (1ull << 13) | PTE_PS | PTE_RW | PTE_P,
		  VA_PD(2));
	expect_pf("2 MiB PDE with bit 13 set: read #PF P|RSVD", VA_PD(2), false, RSVD_READ);
	pml4[5] = (uintptr_t)pdpt_t | PTE_PS | PTE_RW | PTE_P;
	invlpg(VA_IDX(5, 0, 0, 0));
	expect_pf("PML4E with PS set: read #PF P|RSVD", VA_IDX(5, 0, 0, 0), false, RSVD_READ);
	pml4[5] = 0;
	set_entry(&pt_t[4], 0, VA_PT(4));
	set_entry(&pt_t[5], 0, VA_PT(5));
	set_entry(&pd_t[1], 0, VA_PD(1));
	set_entry(&pd_t[2], 0, VA_PD(2));
	invlpg(VA_IDX(5, 0, 0, 0));
}

/* The MMIO test device at its address, through a 4 KiB PTE: its ID
 * register, and a word of its storage written through the PTE and read
 * back through the identity map. */
static void test_device(void)
{
	set_entry(&pt_t[6], MMIOTEST_GPA | PTE_PCD | PTE_RW | PTE_P, VA_PT(6));
	expect_value("PTE -> MMIO test device: its ID register", VA_PT(6) + MMIOTEST_ID,
		     MMIOTEST_ID_VALUE);
	check(write_va(VA_PT(6) + MMIOTEST_DATA + 0x10, marker(MMIOTEST_GPA + 0x10)) == NO_FAULT &&
	      *phys(MMIOTEST_GPA + MMIOTEST_DATA + 0x10) == marker(MMIOTEST_GPA + 0x10),
	      "PTE -> MMIO test device: a stored word reads back through the identity map");
	set_entry(&pt_t[6], 0, VA_PT(6));
}

void attack_outside(unsigned int maxphyaddr)
{
	beyond_ram(maxphyaddr);
	reserved_bits(maxphyaddr);
	test_device();
}
