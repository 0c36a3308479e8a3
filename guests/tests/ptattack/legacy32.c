/*
 * 32-bit paging (SDM Vol. 3A 4.3; ptattack32.h): 4-byte entries, 4 MiB
 * pages with CR4.PSE, PSE-36's address bits 32-39 in PDE bits 13-20, bit
 * 21 of a 4 MiB PDE reserved. The PD identity-maps [0, 16 MiB) and the
 * MMIO test device's 4 MiB with large pages; PD entry 0x200 (linear
 * 0x80000000) links pt32, the attack region.
 */
#include "ptattack32.h"

#define VA_PT(i)   (0x80000000ul + (unsigned long)(i) * 0x1000)
#define VA_PD(j)   ((unsigned long)(j) << 22)
#define SELF       0x300u          /* PD[SELF] -> the PD: 0xc0000000 up */
#define VA_SELF(j) (VA_PD(SELF) + (unsigned long)(j) * 0x1000)

static uint32_t pd32[1024] __attribute__((aligned(4096)));
static uint32_t pt32[1024] __attribute__((aligned(4096)));

static void enter(void)
{
	for (uint32_t i = 0; i < 4; i++)
		pd32[i] = i * MiB4 | PTE_PS | PTE_RW | PTE_P;
	pd32[MMIOTEST_GPA >> 22] = (uint32_t)MMIOTEST_GPA | PTE_PS | PTE_PCD | PTE_RW | PTE_P;
	pd32[0x200] = (uintptr_t)pt32 | PTE_RW | PTE_P;
	write_cr3((uintptr_t)pd32);
	write_cr4(read_cr4() | X86_CR4_PSE);
	write_cr0(read_cr0() | X86_CR0_PG);
}

static void outside(bool pse36)
{
	set_pte32(&pt32[1], (uint32_t)RAM_END | PTE_RW | PTE_P, VA_PT(1));
	expect_unclaimed("32-bit: PTE -> first page past RAM reads 0", VA_PT(1) + 4);
	expect_unclaimed_write("32-bit: PTE -> first page past RAM: a write is taken",
			       VA_PT(1) + 4);
	expect_unclaimed("32-bit: ... and reads 0 after it", VA_PT(1) + 4);
	set_pte32(&pt32[2], (uint32_t)HOLE_GPA | PTE_RW | PTE_P, VA_PT(2));
	expect_unclaimed("32-bit: PTE -> 0xe0000000 reads 0", VA_PT(2));

	set_pte32(&pd32[0x201], 0x1000000 | PTE_PS | PTE_RW | PTE_P, VA_PD(0x201));
	expect_value("32-bit: 4 MiB page over the end of RAM: RAM part reads its marker",
		     VA_PD(0x201) + 0x80000, marker(0x1080000));
	expect_value("32-bit: 4 MiB page over the end of RAM: last RAM word reads its marker",
		     VA_PD(0x201) + (RAM_END - 4 - 0x1000000), marker(RAM_END - 4));
	expect_unclaimed("32-bit: 4 MiB page over the end of RAM: first byte past RAM reads 0",
			 VA_PD(0x201) + (RAM_END - 0x1000000));
	set_pte32(&pd32[0x202], MiB4 | (1u << 21) | PTE_PS | PTE_RW | PTE_P, VA_PD(0x202));
	expect_pf("32-bit: 4 MiB PDE with bit 21 set: read #PF P|RSVD", VA_PD(0x202), false,
		  RSVD_READ);
	expect_movs_pf("32-bit: an emulated MOVS from MMIO to it: #PF P|RSVD|W", VA_PD(0x202),
		       MMIOTEST_GPA + MMIOTEST_ID, RSVD_WRITE);
	if (pse36) {
		/* bit 13 = address bit 32: the 4 MiB at 4 GiB + 4 MiB */
		set_pte32(&pd32[0x205], MiB4 | (1u << 13) | PTE_PS | PTE_RW | PTE_P,
			  VA_PD(0x205));
		expect_unclaimed("32-bit: PSE-36 4 MiB page at 4 GiB + 4 MiB reads 0",
				 VA_PD(0x205) + 0x1230);
		set_pte32(&pd32[0x205], 0, VA_PD(0x205));
	}
	set_pte32(&pt32[1], 0, VA_PT(1));
	set_pte32(&pt32[2], 0, VA_PT(2));
	set_pte32(&pd32[0x201], 0, VA_PD(0x201));
	set_pte32(&pd32[0x202], 0, VA_PD(0x202));
}

static void recursive(void)
{
	set_pte32(&pt32[0], (uint32_t)FRAME_A | PTE_RW | PTE_P, VA_PT(0));
	pd32[SELF] = (uintptr_t)pd32 | PTE_RW | PTE_P;
	expect_alias("32-bit: PD[0x300] -> PD: 0xc0300000 reads the PD's own entries",
		     VA_SELF(SELF), pd32);
	expect_alias("32-bit: PD[0x300] -> PD: 0xc0200000 reads pt32's entries", VA_SELF(0x200),
		     pt32);
	check(write_va(VA_SELF(0x200) + 4 * 9, (uint32_t)FRAME_B | PTE_RW | PTE_P) == NO_FAULT &&
	      (pt32[9] & ~0x60u) == ((uint32_t)FRAME_B | PTE_RW | PTE_P),
	      "32-bit: PTE written through the recursive map lands in pt32");
	expect_value("32-bit: ... and maps its frame (marker B)", VA_PT(9), marker(FRAME_B));
	write_va(VA_SELF(0x200) + 4 * 9, (uint32_t)FRAME_C | PTE_RW | PTE_P);
	invlpg(VA_PT(9));
	expect_value("32-bit: PTE rewritten through the recursive map, INVLPG: marker C",
		     VA_PT(9), marker(FRAME_C));
	pd32[SELF] = 0;
	reload_cr3();
	expect_pf("32-bit: PD[0x300] cleared, CR3 reloaded: #PF", VA_SELF(SELF), false, 0);
	set_pte32(&pt32[7], (uintptr_t)pt32 | PTE_RW | PTE_P, VA_PT(7));
	expect_alias("32-bit: PTE -> its own PT: reads the PT's entries", VA_PT(7), pt32);
	set_pte32(&pt32[7], 0, VA_PT(7));
	set_pte32(&pt32[9], 0, VA_PT(9));
}

static void rewrite(void)
{
	set_pte32(&pt32[10], (uint32_t)FRAME_A | PTE_RW | PTE_P, VA_PT(10));
	expect_value("32-bit: live PTE -> A: marker A", VA_PT(10), marker(FRAME_A));
	pt32[10] = (uint32_t)FRAME_B | PTE_RW | PTE_P;
	expect_either("32-bit: live PTE -> B without INVLPG: marker A or B", VA_PT(10),
		      marker(FRAME_A), marker(FRAME_B));
	invlpg(VA_PT(10));
	expect_value("32-bit: live PTE -> B, INVLPG: marker B", VA_PT(10), marker(FRAME_B));
	pt32[10] = (uint32_t)FRAME_C | PTE_RW | PTE_P;
	reload_cr3();
	expect_value("32-bit: live PTE -> C, CR3 reloaded: marker C", VA_PT(10), marker(FRAME_C));
	set_pte32(&pt32[10], 0, VA_PT(10));
	expect_pf("32-bit: live PTE cleared, INVLPG: #PF", VA_PT(10), false, 0);

	/* an emulated write (a MOVS from MMIO) sets A and D like the CPU's */
	pd32[0x200] &= ~0x20u;
	set_pte32(&pt32[14], (uint32_t)FRAME_D | PTE_RW | PTE_P, VA_PT(14));
	check(movs_va(VA_PT(14) + 12, MMIOTEST_GPA + MMIOTEST_ID) == NO_FAULT &&
	      *phys(FRAME_D + 12) == (unsigned long)MMIOTEST_ID_VALUE &&
	      (pt32[14] & 0x60u) == 0x60u && (pd32[0x200] & 0x20u),
	      "32-bit: an emulated MOVS sets A and D in the PTE, A in the PDE");
	*phys(FRAME_D + 12) = marker(FRAME_D + 12);
	set_pte32(&pt32[14], 0, VA_PT(14));
}

static void mmio_tables(void)
{
	unsigned long got;
	unsigned int vector;

	*(volatile uint32_t *)(uintptr_t)(MMIOTEST_GPA + MMIOTEST_DATA) =
		(uint32_t)FRAME_A | PTE_RW | PTE_P;
	set_pte32(&pd32[0x203], (uint32_t)MMIOTEST_GPA | PTE_RW | PTE_P, VA_PD(0x203));
	vector = read_va(VA_PD(0x203), &got);
	check((vector == VEC_PF && last_fault.error == 0 && last_fault.cr2 == VA_PD(0x203)) ||
	      (vector == NO_FAULT && got == marker(FRAME_A)),
	      "32-bit: PT on the MMIO test device: #PF (not present) or the PTE's marker A");
	say("32-bit: PT on the MMIO test device: %s 0x%lx", vector == NO_FAULT ? "read" : "#PF error",
	    vector == NO_FAULT ? got : last_fault.error);
	set_pte32(&pd32[0x203], 0, VA_PD(0x203));
	set_pte32(&pd32[0x204], (uint32_t)(RAM_END + MiB2) | PTE_RW | PTE_P, VA_PD(0x204));
	expect_pf("32-bit: PT past RAM: read #PF", VA_PD(0x204), false, 0);
	set_pte32(&pd32[0x204], 0, VA_PD(0x204));
}

void attack_legacy32(bool pse36)
{
	enter();
	outside(pse36);
	recursive();
	rewrite();
	mmio_tables();
	write_cr0(read_cr0() & ~X86_CR0_PG);
}
