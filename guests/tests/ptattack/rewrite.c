/*
 * Tables rewritten while in use (ptattack.h; SDM Vol. 3A 4.10.4). After a
 * present entry changes, a read without INVLPG may still use the old
 * translation or already the new one (either is architectural, so the
 * check only requires one of the two frames); after INVLPG, or a CR3
 * load for a non-global page, it must use the new one.
 */
#include "ptattack.h"

static void live_pte(void)
{
	set_entry(&pt_t[10], FRAME_A | PTE_RW | PTE_P, VA_PT(10));
	expect_value("live PTE -> A: marker A", VA_PT(10), marker(FRAME_A));
	pt_t[10] = FRAME_B | PTE_RW | PTE_P;
	expect_either("live PTE -> B without INVLPG: marker A or B", VA_PT(10), marker(FRAME_A),
		      marker(FRAME_B));
	invlpg(VA_PT(10));
	expect_value("live PTE -> B, INVLPG: marker B", VA_PT(10), marker(FRAME_B));
	pt_t[10] = FRAME_C | PTE_RW | PTE_P;
	reload_cr3();
	expect_value("live PTE -> C, CR3 reloaded: marker C", VA_PT(10), marker(FRAME_C));
	pt_t[10] = 0;
	invlpg(VA_PT(10));
	expect_pf("live PTE cleared, INVLPG: read #PF", VA_PT(10), false, 0);
	expect_pf("live PTE cleared, INVLPG: write #PF W", VA_PT(10), true, PF_W);
	expect_movs_pf("live PTE cleared: an emulated MOVS from MMIO: #PF W", VA_PT(10),
		       MMIOTEST_GPA + MMIOTEST_ID, PF_W);

	/* read-only: a supervisor write faults with CR0.WP and goes through
	 * without it (SDM Vol. 3A 4.6.1); then writable */
	write_cr0(read_cr0() | CR0_WP);
	set_entry(&pt_t[11], FRAME_D | PTE_P, VA_PT(11));
	expect_pf("read-only PTE, CR0.WP = 1: write #PF P|W", VA_PT(11), true, PF_P | PF_W);
	expect_value("read-only PTE: reads marker D", VA_PT(11), marker(FRAME_D));
	expect_movs_pf("read-only PTE, CR0.WP = 1: an emulated MOVS from MMIO: #PF P|W",
		       VA_PT(11), MMIOTEST_GPA + MMIOTEST_ID, PF_P | PF_W);
	write_cr0(read_cr0() & ~CR0_WP);
	check(write_va(VA_PT(11) + 8, 0x0badc0de0badc0deull) == NO_FAULT &&
	      *phys(FRAME_D + 8) == 0x0badc0de0badc0deull,
	      "read-only PTE, CR0.WP = 0: a supervisor write goes through to frame D");
	*phys(FRAME_D + 8) = marker(FRAME_D + 8);
	set_entry(&pt_t[11], FRAME_D | PTE_RW | PTE_P, VA_PT(11));
	check(write_va(VA_PT(11) + 16, 0x1234abcd5678ef00ull) == NO_FAULT &&
	      *phys(FRAME_D + 16) == 0x1234abcd5678ef00ull,
	      "PTE made writable, INVLPG: the write reaches frame D");
	*phys(FRAME_D + 16) = marker(FRAME_D + 16);
	set_entry(&pt_t[11], 0, VA_PT(11));

	/* accessed and dirty: set by a write, also by an emulated one */
	set_entry(&pt_t[13], FRAME_D | PTE_RW | PTE_P, VA_PT(13));
	check(movs_va(VA_PT(13) + 24, MMIOTEST_GPA + MMIOTEST_ID) == NO_FAULT &&
	      (pt_t[13] & PTE_AD) == PTE_AD && *phys(FRAME_D + 24) == MMIOTEST_ID_VALUE,
	      "an emulated MOVS from MMIO through a PTE sets its accessed and dirty bits");
	say("the PTE after the emulated MOVS: 0x%llx", (unsigned long long)pt_t[13]);
	*phys(FRAME_D + 24) = marker(FRAME_D + 24);
	set_entry(&pt_t[13], 0, VA_PT(13));
}

/* A PDE switched from one PT to another, and a PT freed and reused as
 * data: written many times (as a page-table shadow's write-flood
 * heuristic would notice), it reads back as written. */
static void live_pde(void)
{
	uint64_t *pt_x = (uint64_t *)(uintptr_t)TABLE_X;
	uint64_t *pt_y = (uint64_t *)(uintptr_t)TABLE_Y;
	bool ok = true;

	clear_frame(TABLE_X);
	clear_frame(TABLE_Y);
	pt_x[0] = FRAME_A | PTE_RW | PTE_P;
	pt_y[0] = FRAME_B | PTE_RW | PTE_P;
	set_entry(&pd_t[3], TABLE_X | PTE_RW | PTE_P, VA_PD(3));
	expect_value("live PDE -> PT X: marker A", VA_PD(3), marker(FRAME_A));
	set_entry(&pd_t[3], TABLE_Y | PTE_RW | PTE_P, VA_PD(3));
	expect_value("live PDE -> PT Y, INVLPG: marker B", VA_PD(3), marker(FRAME_B));
	pt_y[0] = FRAME_C | PTE_RW | PTE_P;
	invlpg(VA_PD(3));
	expect_value("PT Y's PTE -> C, INVLPG: marker C", VA_PD(3), marker(FRAME_C));

	set_entry(&pd_t[3], 0, VA_PD(3));
	for (unsigned int round = 0; round < 8; round++)
		fill_markers(TABLE_Y);
	for (uint64_t off = 0; off < KiB4 && ok; off += 8)
		ok = *phys(TABLE_Y + off) == marker(TABLE_Y + off);
	check(ok, "freed PT Y rewritten as data reads back as written");
	expect_pf("PDE cleared, INVLPG: #PF", VA_PD(3), false, 0);
	clear_frame(TABLE_X);
	clear_frame(TABLE_Y);
}

/* A live PT written again and again in entries no access uses (a
 * shadow's write-flood heuristic may stop tracking it: KVM's takes that
 * for a freed table), then an entry in use changed: after a CR3 load, and
 * after INVLPG, the walk must use the new one. */
static void flooded_pt(void)
{
	set_entry(&pt_t[20], FRAME_A | PTE_RW | PTE_P, VA_PT(20));
	expect_value("flooded PT: PTE -> A: marker A", VA_PT(20), marker(FRAME_A));
	for (unsigned int round = 0; round < 16; round++)
		for (unsigned int i = 100; i < 108; i++)
			*(volatile uint64_t *)&pt_t[i] = round & 1 ? 0 : FRAME_D | PTE_P;
	expect_value("flooded PT: 128 writes elsewhere, PTE unchanged: marker A", VA_PT(20),
		     marker(FRAME_A));
	pt_t[20] = FRAME_B | PTE_RW | PTE_P;
	reload_cr3();
	expect_value("flooded PT: PTE -> B, CR3 reloaded: marker B", VA_PT(20), marker(FRAME_B));
	for (unsigned int round = 0; round < 16; round++)
		*(volatile uint64_t *)&pt_t[100] = round & 1 ? 0 : FRAME_D | PTE_P;
	pt_t[20] = FRAME_C | PTE_RW | PTE_P;
	invlpg(VA_PT(20));
	expect_value("flooded PT: PTE -> C, INVLPG: marker C", VA_PT(20), marker(FRAME_C));
	set_entry(&pt_t[20], 0, VA_PT(20));
	expect_pf("flooded PT: PTE cleared, INVLPG: #PF", VA_PT(20), false, 0);
}

/* A writable alias of a frame, made before the frame becomes a page
 * table: a write through it changes the table like any other (the
 * alias's own mapping never changed, so nothing tells the CPU about it
 * but the CR3 load that follows; a shadow must have taken R/W from that
 * older leaf when the frame became a table). */
static void alias_before_table(void)
{
	clear_frame(TABLE_X);
	set_entry(&pt_t[30], TABLE_X | PTE_RW | PTE_P, VA_PT(30));
	check(write_va(VA_PT(30) + 8 * 5, FRAME_A | PTE_RW | PTE_P) == NO_FAULT,
	      "writable alias of frame X: a PTE written through it");
	set_entry(&pd_t[10], TABLE_X | PTE_RW | PTE_P, VA_PD(10));
	expect_value("frame X made a PT after the alias: its entry 5 maps A",
		     VA_PD(10) + 5 * KiB4, marker(FRAME_A));
	write_va(VA_PT(30) + 8 * 5, FRAME_B | PTE_RW | PTE_P);
	reload_cr3();
	expect_value("PTE rewritten through the older alias, CR3 reloaded: marker B",
		     VA_PD(10) + 5 * KiB4, marker(FRAME_B));
	set_entry(&pd_t[10], 0, VA_PD(10));
	invlpg(VA_PD(10) + 5 * KiB4);
	set_entry(&pt_t[30], 0, VA_PT(30));
	clear_frame(TABLE_X);
}

/* Two address spaces: a second PML4 (TABLE_Z) whose region maps pt_y.
 * Each CR3 sees its own tables; a table of the space not loaded, changed
 * meanwhile, is what the walk uses once its CR3 is loaded again. */
static void two_spaces(void)
{
	uint64_t *pml4_z = (uint64_t *)(uintptr_t)TABLE_Z;
	uint64_t *pdpt_x = (uint64_t *)(uintptr_t)TABLE_X;
	uint64_t *pd_y = (uint64_t *)(uintptr_t)TABLE_Y;
	uint64_t *pt_w;
	uint64_t own = read_cr3();
	static table pt_other;

	pt_w = pt_other;
	clear_frame(TABLE_X);
	clear_frame(TABLE_Y);
	for (unsigned int i = 0; i < 512; i++)
		pml4_z[i] = pml4[i];
	pml4_z[1] = TABLE_X | PTE_RW | PTE_P;
	pdpt_x[0] = TABLE_Y | PTE_RW | PTE_P;
	pd_y[0] = (uintptr_t)pt_w | PTE_RW | PTE_P;
	pd_y[1] = (uintptr_t)pt_t | PTE_RW | PTE_P;   /* shared with the first space */
	pt_w[0] = FRAME_B | PTE_RW | PTE_P;
	set_entry(&pt_t[0], FRAME_A | PTE_RW | PTE_P, VA_PT(0));
	set_entry(&pt_t[21], FRAME_A | PTE_RW | PTE_P, VA_PT(21));

	expect_value("CR3 = PML4: VA_PT(0) reads marker A", VA_PT(0), marker(FRAME_A));
	write_cr3(TABLE_Z);
	expect_value("CR3 = second PML4: VA_PT(0) reads marker B", VA_PT(0), marker(FRAME_B));
	write_cr3(own);
	pt_w[0] = FRAME_C | PTE_RW | PTE_P;   /* changed while not in use */
	expect_value("CR3 = PML4 again: marker A", VA_PT(0), marker(FRAME_A));
	write_cr3(TABLE_Z);
	expect_value("second PML4 again, its PT changed meanwhile: marker C", VA_PT(0),
		     marker(FRAME_C));
	expect_value("second PML4: the PT it shares with the first maps A", VA_PD(1) + 21 * KiB4,
		     marker(FRAME_A));
	write_cr3(own);
	set_entry(&pt_t[21], FRAME_D | PTE_RW | PTE_P, VA_PT(21));
	expect_value("first PML4: the shared PT's entry -> D, INVLPG: marker D", VA_PT(21),
		     marker(FRAME_D));
	write_cr3(TABLE_Z);
	expect_value("second PML4 again: the shared PT's entry maps D", VA_PD(1) + 21 * KiB4,
		     marker(FRAME_D));
	write_cr3(own);
	set_entry(&pt_t[21], 0, VA_PT(21));
	set_entry(&pt_t[0], 0, VA_PT(0));
	clear_frame(TABLE_X);
	clear_frame(TABLE_Y);
	clear_frame(TABLE_Z);
}

void attack_rewrite(void)
{
	live_pte();
	live_pde();
	flooded_pt();
	alias_before_table();
	two_spaces();
}
