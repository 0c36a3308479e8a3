/*
 * memtouch.bin's paging modes (memtouch.h): 4-level paging (SDM Vol. 3A
 * 4.5) with 4 KiB and with 2 MiB pages, entered from long64.bin's entry
 * (long mode on its own identity map) by loading CR3 with the mode's
 * tables. Each mode identity-maps [0, LOW_BYTES) with its own page size.
 */
#include "memtouch.h"

/* The table entry *entry links, allocated when absent. */
static uint64_t *next_table(uint64_t *entry)
{
	if (!*entry)
		*entry = (uintptr_t)table_page() | PTE_RW | PTE_P;
	return (uint64_t *)(uintptr_t)(*entry & ~0xfffull);
}

static void map_4level(uint64_t *pml4, unsigned long va, unsigned long gpa, unsigned long page)
{
	uint64_t *pdpt = next_table(&pml4[(va >> 39) & 511]);
	uint64_t *pd = next_table(&pdpt[(va >> 30) & 511]);

	if (page == MiB2) {
		pd[(va >> 21) & 511] = gpa | PTE_PS | PTE_RW | PTE_P;
		return;
	}
	next_table(&pd[(va >> 21) & 511])[(va >> 12) & 511] = gpa | PTE_RW | PTE_P;
}

static uint64_t *build_4level(unsigned int s, unsigned long page)
{
	uint64_t *pml4 = table_page();
	unsigned long pages = REGION_BYTES / page;

	for (unsigned long a = 0; a < LOW_BYTES; a += page)
		map_4level(pml4, a, a, page);
	for (unsigned int w = 0; w < 2; w++)
		for (unsigned long i = 0; i < pages; i++)
			map_4level(pml4, (w ? WINDOW_B : WINDOW_A) + i * page,
				   REGION_GPA + window_frame(s, w, i, pages) * page, page);
	return pml4;
}

void run_long_modes(void)
{
	static const struct {
		const char *mode;
		unsigned long page;
	} modes[] = {
		{ "4-level, 4 KiB pages", KiB4 },
		{ "4-level, 2 MiB pages", MiB2 },
	};
	unsigned long entry_cr3 = read_cr3();

	for (unsigned int m = 0; m < 2; m++) {
		struct spaces sp = { .mode = modes[m].mode, .page = modes[m].page };

		write_cr3(entry_cr3);           /* off the pool before rebuilding it */
		tables_reset();
		for (unsigned int s = 0; s < 2; s++)
			sp.cr3[s] = (uintptr_t)build_4level(s, sp.page);
		memtouch(&sp, 5 + m);
	}
	write_cr3(entry_cr3);
}
