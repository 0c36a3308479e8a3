/*
 * PAE paging (SDM Vol. 3A 4.4; ptattack32.h): 8-byte entries under four
 * PDPTEs, which the CPU loads with CR3 (4.4.1: a PDPTE written later
 * counts from the next CR3 load; an AMD CPU may read it sooner, so only
 * the state after the load is checked). PDPTE 0 identity-maps the first
 * GiB, PDPTE 3 [3 GiB, 4 GiB) (2 MiB pages); PDPTE 2 links pd_a, whose
 * entry 0 links pt_a: the attack region at linear 0x80000000. Frames above
 * 4 GiB are reachable here, and XD (bit 63) is reserved without EFER.NXE.
 */
#include "ptattack32.h"

#define VA_PT(i)   (0x80000000ul + (unsigned long)(i) * 0x1000)
#define VA_PD(j)   (0x80000000ul + (unsigned long)(j) * MiB2)
#define SELF       511u             /* pd_a[SELF] -> pd_a */
#define VA_SELF(j) (VA_PD(SELF) + (unsigned long)(j) * 0x1000)
#define PTE_XD     (1ull << 63)

typedef uint64_t table[512] __attribute__((aligned(4096)));
static uint64_t pdpt[4] __attribute__((aligned(32)));
static table pd_0, pd_3, pd_a, pt_a;

static void enter(void)
{
	for (uint32_t i = 0; i < 512; i++) {
		pd_0[i] = i * MiB2 | PTE_PS | PTE_RW | PTE_P;
		pd_3[i] = ((3ull << 30) + i * MiB2) | PTE_PS | PTE_PCD | PTE_RW | PTE_P;
	}
	pd_a[0] = (uintptr_t)pt_a | PTE_RW | PTE_P;
	pdpt[0] = (uintptr_t)pd_0 | PTE_P;
	pdpt[2] = (uintptr_t)pd_a | PTE_P;
	pdpt[3] = (uintptr_t)pd_3 | PTE_P;
	write_cr4(read_cr4() | X86_CR4_PAE);
	write_cr3((uintptr_t)pdpt);
	write_cr0(read_cr0() | X86_CR0_PG);
}

static void outside(unsigned int maxphyaddr, bool nxe)
{
	uint64_t top = (1ull << maxphyaddr) - KiB4;

	set_pte64(&pt_a[1], ((4ull << 30) + KiB4) | PTE_RW | PTE_P, VA_PT(1));
	expect_unclaimed("PAE: PTE -> 4 GiB + 4 KiB reads 0", VA_PT(1) + 4);
	set_pte64(&pt_a[2], top | PTE_RW | PTE_P, VA_PT(2));
	expect_unclaimed("PAE: PTE -> last page below MAXPHYADDR reads 0", VA_PT(2) + 0xffc);
	set_pte64(&pt_a[3], (1ull << maxphyaddr) | FRAME_A | PTE_RW | PTE_P, VA_PT(3));
	expect_pf("PAE: PTE with bit MAXPHYADDR set: read #PF P|RSVD", VA_PT(3), false,
		  RSVD_READ);
	expect_pf("PAE: PTE with bit MAXPHYADDR set: write #PF P|RSVD|W", VA_PT(3), true,
		  RSVD_WRITE);
	expect_movs_pf("PAE: an emulated MOVS from MMIO to it: #PF P|RSVD|W", VA_PT(3),
		       MMIOTEST_GPA + MMIOTEST_ID, RSVD_WRITE);
	if (!nxe) {
		set_pte64(&pt_a[4], PTE_XD | FRAME_A | PTE_RW | PTE_P, VA_PT(4));
		expect_pf("PAE: PTE with XD and EFER.NXE = 0: read #PF P|RSVD", VA_PT(4), false,
			  RSVD_READ);
		expect_movs_pf("PAE: XD, an emulated MOVS from MMIO to it: #PF P|RSVD|W",
			       VA_PT(4), MMIOTEST_GPA + MMIOTEST_ID, RSVD_WRITE);
	}
	set_pte64(&pd_a[1], (1ull << maxphyaddr) | (uintptr_t)pt_a | PTE_RW | PTE_P, VA_PD(1));
	expect_pf("PAE: PDE -> table with bit MAXPHYADDR set: read #PF P|RSVD", VA_PD(1), false,
		  RSVD_READ);

	set_pte64(&pd_a[2], 0x1000000 | PTE_PS | PTE_RW | PTE_P, VA_PD(2));
	expect_value("PAE: 2 MiB page over the end of RAM: last RAM word reads its marker",
		     VA_PD(2) + (RAM_END - 4 - 0x1000000), marker(RAM_END - 4));
	expect_unclaimed("PAE: 2 MiB page over the end of RAM: first byte past RAM reads 0",
			 VA_PD(2) + (RAM_END - 0x1000000));
	for (unsigned int i = 1; i <= 4; i++)
		set_pte64(&pt_a[i], 0, VA_PT(i));
	set_pte64(&pd_a[1], 0, VA_PD(1));
	set_pte64(&pd_a[2], 0, VA_PD(2));
}

static void recursive(void)
{
	set_pte64(&pt_a[0], FRAME_A | PTE_RW | PTE_P, VA_PT(0));
	set_pte64(&pd_a[SELF], (uintptr_t)pd_a | PTE_RW | PTE_P, VA_PD(SELF));
	expect_alias("PAE: PDE -> its own PD: entry 0 maps pt_a", VA_SELF(0), pt_a);
	expect_alias("PAE: PDE -> its own PD: entry 511 maps the PD", VA_SELF(SELF), pd_a);
	check(write_va(VA_SELF(0) + 8 * 9, (uint32_t)FRAME_B | PTE_RW | PTE_P) == NO_FAULT &&
	      (pt_a[9] & ~0x60ull) == (FRAME_B | PTE_RW | PTE_P),
	      "PAE: PTE written through the PD's self-map lands in pt_a");
	expect_value("PAE: ... and maps its frame (marker B)", VA_PT(9), marker(FRAME_B));
	set_pte64(&pd_a[SELF], 0, VA_PD(SELF));
	invlpg(VA_SELF(0));
	invlpg(VA_SELF(SELF));
	set_pte64(&pt_a[9], 0, VA_PT(9));
}

/* MOV to CR3 run by the hypervisor's emulator: "mov cr3, eax; ret" (0f
 * 22 d8 c3) written to the MMIO test device and called there. Returns the
 * vector it raised (NO_FAULT if none). */
#define MMIO_MOV_CR3 0x700ul            /* in the device's storage */

static unsigned int mmio_mov_cr3(unsigned long cr3)
{
	*(volatile uint32_t *)(MMIOTEST_GPA + MMIOTEST_DATA + MMIO_MOV_CR3) = 0xc3d8220f;
	return call_va(MMIOTEST_GPA + MMIOTEST_DATA + MMIO_MOV_CR3, cr3);
}

/* The same through the emulator: a MOV to CR3 with the value CR3 holds
 * loads the rewritten PDPTEs all the same, and one with a reserved bit
 * is #GP(0) for the MOV (SDM Vol. 3 4.4.1), CR3 left as it was. (What
 * the old PDPTEs then map is not checked: an AMD CPU may read them from
 * memory on a walk.) */
static void pdpte_emulated(void)
{
	uint64_t *pd_x = (uint64_t *)(uintptr_t)TABLE_X;
	uint64_t *pd_y = (uint64_t *)(uintptr_t)TABLE_Y;
	unsigned long cr3 = read_cr3();

	pd_x[0] = 0x400000 | PTE_PS | PTE_RW | PTE_P;
	pd_y[0] = 0x1000000 | PTE_PS | PTE_RW | PTE_P;
	pdpt[1] = TABLE_X | PTE_P;
	unsigned int vector = mmio_mov_cr3(cr3);

	if (!check(vector == NO_FAULT && read_cr3() == cr3,
		   "PAE: emulated MOV to CR3 (code on the MMIO device) runs"))
		say("  got vector %u, error 0x%lx, PDPTE 0 0x%llx", vector, last_fault.error,
		    (unsigned long long)pdpt[0]);
	expect_value("PAE: PDPTE 1 -> PD X, emulated CR3 load: marker B", 0x40001000,
		     marker(FRAME_B));
	pdpt[1] = TABLE_Y | PTE_P;
	mmio_mov_cr3(cr3);
	expect_value("PAE: PDPTE 1 -> PD Y, emulated load of the same CR3: its marker",
		     0x40001000, marker(0x1001000));
	pdpt[1] = TABLE_X | 0x20 | PTE_P;       /* bit 5: reserved in a PDPTE */
	check(mmio_mov_cr3(cr3) == VEC_GP && last_fault.error == 0 && read_cr3() == cr3,
	      "PAE: emulated CR3 load of a PDPTE with bit 5 set: #GP(0)");
	pdpt[1] = 0;
	reload_cr3();
}

/* A PDPTE rewritten: the new PD counts after the CR3 load; a PDPTE
 * linking a PD outside RAM gives a not-present #PF. */
static void pdpte(void)
{
	uint64_t *pd_x = (uint64_t *)(uintptr_t)TABLE_X;
	uint64_t *pd_y = (uint64_t *)(uintptr_t)TABLE_Y;

	clear_frame(TABLE_X);
	clear_frame(TABLE_Y);
	pd_x[0] = 0x400000 | PTE_PS | PTE_RW | PTE_P;   /* 0x40001000 -> FRAME_B */
	pd_y[0] = 0x1000000 | PTE_PS | PTE_RW | PTE_P;  /* 0x40001000 -> 0x1001000 */
	pdpt[1] = TABLE_X | PTE_P;
	reload_cr3();
	expect_value("PAE: PDPTE 1 -> PD X, CR3 loaded: marker B", 0x40001000, marker(FRAME_B));
	pdpt[1] = TABLE_Y | PTE_P;
	reload_cr3();
	expect_value("PAE: PDPTE 1 -> PD Y, CR3 loaded: its marker", 0x40001000,
		     marker(0x1001000));
	pdpt[1] = HOLE_GPA | PTE_P;
	reload_cr3();
	expect_pf("PAE: PDPTE 1 -> PD at 0xe0000000, CR3 loaded: #PF", 0x40001000, false, 0);
	pdpt[1] = 0;
	reload_cr3();
	expect_pf("PAE: PDPTE 1 cleared, CR3 loaded: #PF", 0x40001000, false, 0);
	set_pte64(&pd_a[3], HOLE_GPA | PTE_RW | PTE_P, VA_PD(3));
	expect_pf("PAE: PT at 0xe0000000: read #PF", VA_PD(3), false, 0);
	set_pte64(&pd_a[3], 0, VA_PD(3));
	pdpte_emulated();
	clear_frame(TABLE_X);
	clear_frame(TABLE_Y);
}

/* An emulated write (a MOVS from MMIO) sets A and D in the PDE and PTE
 * it went through, and nothing in the PDPTE, which has no A bit (bit 5 is
 * reserved there: the next CR3 load would be #GP). */
static void accessed_dirty(void)
{
	uint64_t pdpte = pdpt[2];

	set_pte64(&pd_a[0], (uintptr_t)pt_a | PTE_RW | PTE_P, VA_PT(14));
	set_pte64(&pt_a[14], FRAME_D | PTE_RW | PTE_P, VA_PT(14));
	check(movs_va(VA_PT(14) + 24, MMIOTEST_GPA + MMIOTEST_ID) == NO_FAULT &&
	      *phys(FRAME_D + 24) == (unsigned long)MMIOTEST_ID_VALUE &&
	      (pt_a[14] & 0x60) == 0x60 && (pd_a[0] & 0x20) && pdpt[2] == pdpte,
	      "PAE: an emulated MOVS sets A and D in the PTE, A in the PDE, nothing in the PDPTE");
	reload_cr3();
	*phys(FRAME_D + 24) = marker(FRAME_D + 24);
	set_pte64(&pt_a[14], 0, VA_PT(14));
}

void attack_pae(unsigned int maxphyaddr, bool nxe)
{
	enter();
	outside(maxphyaddr, nxe);
	recursive();
	accessed_dirty();
	pdpte();
	write_cr0(read_cr0() & ~X86_CR0_PG);
	write_cr4(read_cr4() & ~X86_CR4_PAE);
}
