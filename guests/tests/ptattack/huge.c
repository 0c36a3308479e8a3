/*
 * Large pages over holes (ptattack.h): a 2 MiB page across the end of RAM
 * (the VM has 17 MiB), a 2 MiB page over the MMIO test device, and where
 * CPUID announces them 1 GiB pages over the end of RAM, over [3 GiB,
 * 4 GiB) and entirely outside RAM. Each part of a large page reaches only
 * what is at its guest-physical address: RAM, the device, or unclaimed
 * MMIO (0).
 */
#include "ptattack.h"

#define LAST_RAM_FRAME (RAM_END - KiB4)

static void two_mib(void)
{
	uint64_t va = VA_PD(5);

	fill_markers(0x1080000);
	fill_markers(LAST_RAM_FRAME);
	set_entry(&pd_t[5], 0x1000000 | PTE_PS | PTE_RW | PTE_P, va);
	expect_value("2 MiB page over the end of RAM: RAM part reads its marker",
		     va + 0x80000, marker(0x1080000));
	expect_value("2 MiB page over the end of RAM: last RAM word reads its marker",
		     va + (RAM_END - 8 - 0x1000000), marker(RAM_END - 8));
	expect_unclaimed("2 MiB page over the end of RAM: first byte past RAM reads 0",
			 va + (RAM_END - 0x1000000));
	expect_unclaimed_write("2 MiB page over the end of RAM: a write past RAM is taken",
			       va + (RAM_END - 0x1000000) + 8);
	expect_unclaimed("2 MiB page over the end of RAM: ... and reads 0 after it",
			 va + (RAM_END - 0x1000000) + 8);
	set_entry(&pd_t[5], 0, va);

	va = VA_PD(6);
	set_entry(&pd_t[6], MMIOTEST_GPA | PTE_PS | PTE_PCD | PTE_RW | PTE_P, va);
	expect_value("2 MiB page over the MMIO test device: its ID register",
		     va + MMIOTEST_ID, MMIOTEST_ID_VALUE);
	expect_unclaimed("2 MiB page over the MMIO test device: 1 MiB further reads 0",
			 va + 0x100000);
	set_entry(&pd_t[6], 0, va);
}

static void one_gib(void)
{
	set_entry(&pdpt_t[3], 3 * GiB1 | PTE_PS | PTE_PCD | PTE_RW | PTE_P, VA_PDPT(3));
	expect_value("1 GiB page over [3 GiB, 4 GiB): the MMIO test device's ID",
		     VA_PDPT(3) + (MMIOTEST_GPA - 3 * GiB1) + MMIOTEST_ID, MMIOTEST_ID_VALUE);
	expect_unclaimed("1 GiB page over [3 GiB, 4 GiB): 0xe0000000 reads 0",
			 VA_PDPT(3) + (0xe0000000ull - 3 * GiB1));
	set_entry(&pdpt_t[4], 0 | PTE_PS | PTE_RW | PTE_P, VA_PDPT(4));
	expect_value("1 GiB page at 0: last RAM word reads its marker",
		     VA_PDPT(4) + RAM_END - 8, marker(RAM_END - 8));
	expect_unclaimed("1 GiB page at 0: first byte past RAM reads 0", VA_PDPT(4) + RAM_END);
	expect_unclaimed("1 GiB page at 0: its last word reads 0", VA_PDPT(4) + GiB1 - 8);
	set_entry(&pdpt_t[5], 4 * GiB1 | PTE_PS | PTE_RW | PTE_P, VA_PDPT(5));
	expect_unclaimed("1 GiB page at 4 GiB: reads 0", VA_PDPT(5) + 0x12345678);
	set_entry(&pdpt_t[3], 0, VA_PDPT(3));
	set_entry(&pdpt_t[4], 0, VA_PDPT(4));
	set_entry(&pdpt_t[5], 0, VA_PDPT(5));
}

void attack_huge(bool gib_pages)
{
	two_mib();
	if (gib_pages)
		one_gib();
	else
		say("1 GiB pages skipped: CPUID does not announce them");
}
