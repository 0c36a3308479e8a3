/*
 * Page-table pages for memtouch (memtouch.h): each mode takes what it needs
 * from one pool, which the next mode reuses after paging has moved off it.
 * Every table is a page of its own, so the hypervisor's write protection
 * of guest tables (shadow paging) covers nothing else the guest writes.
 */
#include "memtouch.h"

/* the most a mode takes: 4-level with 4 KiB pages, per space a PML4, a
 * PDPT, 3 PDs, 4 PTs for the identity map and 8 for the windows */
#define POOL_PAGES 34u

static uint8_t pool[POOL_PAGES][KiB4] __attribute__((aligned(4096)));
static unsigned int used;

void tables_reset(void)
{
	used = 0;
}

void *table_page(void)
{
	uint8_t *page;

	if (used == POOL_PAGES) {
		check(false, "table pool exhausted");
		guest_exit(finish());
	}
	page = pool[used++];
	for (unsigned long i = 0; i < KiB4; i++)
		page[i] = 0;
	return page;
}
