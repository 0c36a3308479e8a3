/*
 * The address spaces of pfbench.bin (pfbench.h): 4-level page tables
 * (Intel SDM Vol. 3A 4.5, AMD APM Vol. 2 5.3). Every table is a whole
 * page of its own, so the hypervisor's write protection of guest tables
 * (shadow paging) covers nothing else the guest writes.
 */
#include "pfbench.h"

#define MB2 0x200000ull

typedef uint64_t table[512] __attribute__((aligned(4096)));

/* The identity map of the first GiB, shared by every space. Its entries
 * are accessed and dirty already, so touching the guest's own code, data
 * and stack never sets A or D (a shadow MMU would otherwise take one
 * more fault per page the first time it is written). */
static table pd_low;

struct space {
	table pml4, pdpt, pd_window;
};

static struct space space0;
static table pt_touch, pt_demand;
static struct space switch_spaces[SPACES];
static table switch_pts[SPACES];

static void build_space(struct space *s)
{
	s->pml4[0] = (uintptr_t)s->pdpt | PTE_P | PTE_RW;
	s->pdpt[0] = (uintptr_t)pd_low | PTE_P | PTE_RW;
	s->pdpt[1] = (uintptr_t)s->pd_window | PTE_P | PTE_RW;
}

void spaces_build(void)
{
	for (uint64_t i = 0; i < 512; i++)
		pd_low[i] = i * MB2 | PTE_PS | PTE_D | PTE_A | PTE_RW | PTE_P;

	build_space(&space0);
	space0.pd_window[0] = (uintptr_t)pt_touch | PTE_P | PTE_RW;
	space0.pd_window[1] = (uintptr_t)pt_demand | PTE_P | PTE_RW;
	for (unsigned long i = 0; i < PAGES; i++) {
		pt_touch[i] = (FRAMES_A + i * PAGE) | PTE_RW | PTE_P;
		pt_demand[i] = 0;
	}

	for (unsigned int s = 0; s < SPACES; s++) {
		build_space(&switch_spaces[s]);
		switch_spaces[s].pd_window[0] = (uintptr_t)switch_pts[s] | PTE_P | PTE_RW;
		for (unsigned long i = 0; i < SPACE_PAGES; i++)
			switch_pts[s][i] = switch_space_frame(s, i) | PTE_RW | PTE_P;
	}
}

unsigned long space0_cr3(void)
{
	return (uintptr_t)space0.pml4;
}

unsigned long switch_space_cr3(unsigned int s)
{
	return (uintptr_t)switch_spaces[s].pml4;
}

uint64_t *touch_ptes(void)
{
	return pt_touch;
}

uint64_t *demand_ptes(void)
{
	return pt_demand;
}

uint64_t switch_space_frame(unsigned int s, unsigned long i)
{
	return FRAMES_SPACES + (s * SPACE_PAGES + i) * PAGE;
}
