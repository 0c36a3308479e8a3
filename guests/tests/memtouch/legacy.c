/*
 * memtouch32.bin's paging modes (memtouch.h): 32-bit paging with 4 KiB
 * pages (CR4.PSE = 0) and with 4 MiB pages (CR4.PSE = 1; SDM Vol. 3A 4.3),
 * PAE paging with 4 KiB and with 2 MiB pages (4.4). Each mode identity-maps
 * [0, LOW_BYTES) (code, data, stack, the table pool) with its own page
 * size and maps the two windows as memtouch.h says.
 */
#include "memtouch.h"

/* 4-byte entries: the PD of one 32-bit space. */
static uint32_t *build_32(unsigned int s, unsigned long page)
{
	uint32_t *pd = table_page();
	unsigned long pages = REGION_BYTES / page;

	if (page == MiB4) {
		for (unsigned long a = 0; a < LOW_BYTES; a += MiB4)
			pd[a >> 22] = a | PTE_PS | PTE_RW | PTE_P;
		for (unsigned int w = 0; w < 2; w++)
			for (unsigned long i = 0; i < pages; i++)
				pd[((w ? WINDOW_B : WINDOW_A) >> 22) + i] =
					(REGION_GPA + window_frame(s, w, i, pages) * page) |
					PTE_PS | PTE_RW | PTE_P;
		return pd;
	}
	for (unsigned long a = 0; a < LOW_BYTES; a += KiB4) {
		uint32_t *pde = &pd[a >> 22];

		if (!*pde)
			*pde = (uintptr_t)table_page() | PTE_RW | PTE_P;
		((uint32_t *)(*pde & ~0xffful))[(a >> 12) & 1023] = a | PTE_RW | PTE_P;
	}
	for (unsigned int w = 0; w < 2; w++)
		for (unsigned long i = 0; i < pages; i++) {
			unsigned long va = (w ? WINDOW_B : WINDOW_A) + i * page;
			uint32_t *pde = &pd[va >> 22];

			if (!*pde)
				*pde = (uintptr_t)table_page() | PTE_RW | PTE_P;
			((uint32_t *)(*pde & ~0xffful))[(va >> 12) & 1023] =
				(REGION_GPA + window_frame(s, w, i, pages) * page) | PTE_RW | PTE_P;
		}
	return pd;
}

/* 8-byte entries below 4 GiB: one PAE space's PDPT. A PDPTE has no RW
 * bit (SDM Vol. 3A 4.4.1: bits 1, 2 and 5-8 are reserved). */
static uint64_t *pae_pd(uint64_t *pdpt, unsigned long va)
{
	uint64_t *pdpte = &pdpt[va >> 30];

	if (!*pdpte)
		*pdpte = (uintptr_t)table_page() | PTE_P;
	return (uint64_t *)(uintptr_t)(*pdpte & ~0xfffull);
}

static void map_pae(uint64_t *pdpt, unsigned long va, unsigned long gpa, unsigned long page)
{
	uint64_t *pde = &pae_pd(pdpt, va)[(va >> 21) & 511];

	if (page == MiB2) {
		*pde = gpa | PTE_PS | PTE_RW | PTE_P;
		return;
	}
	if (!*pde)
		*pde = (uintptr_t)table_page() | PTE_RW | PTE_P;
	((uint64_t *)(uintptr_t)(*pde & ~0xfffull))[(va >> 12) & 511] = gpa | PTE_RW | PTE_P;
}

static uint64_t *build_pae(unsigned int s, unsigned long page)
{
	uint64_t *pdpt = table_page();
	unsigned long pages = REGION_BYTES / page;

	for (unsigned long a = 0; a < LOW_BYTES; a += page)
		map_pae(pdpt, a, a, page);
	for (unsigned int w = 0; w < 2; w++)
		for (unsigned long i = 0; i < pages; i++)
			map_pae(pdpt, (w ? WINDOW_B : WINDOW_A) + i * page,
				REGION_GPA + window_frame(s, w, i, pages) * page, page);
	return pdpt;
}

/* Paging off, the mode's CR4 bits, the CR3, paging on (SDM Vol. 3A 4.1.2:
 * CR4.PAE changes only with paging off). */
static void enter(unsigned long cr4_bits, unsigned long cr3)
{
	write_cr0(read_cr0() & ~X86_CR0_PG);
	write_cr4((read_cr4() & ~(X86_CR4_PSE | X86_CR4_PAE)) | cr4_bits);
	write_cr3(cr3);
	write_cr0(read_cr0() | X86_CR0_PG);
}

/*
 * Where the tables are built: 32-bit paging identity-mapping [0, LOW_BYTES)
 * with 4 MiB pages, outside the pool. Without unrestricted guest and EPT
 * (bochs-penryn) code with paging off runs in the hypervisor's emulator,
 * so the guest spends as little as it can there: filling this PD's two
 * entries, and the few instructions of each enter().
 */
static uint32_t builder_pd[1024] __attribute__((aligned(4096)));

static void enter_builder(void)
{
	if (!builder_pd[0])
		for (unsigned long a = 0; a < LOW_BYTES; a += MiB4)
			builder_pd[a >> 22] = a | PTE_PS | PTE_RW | PTE_P;
	enter(X86_CR4_PSE, (uintptr_t)builder_pd);
}

void run_legacy_modes(void)
{
	static const struct {
		const char *mode;
		unsigned long page, cr4;
	} modes[] = {
		{ "32-bit, 4 KiB pages", KiB4, 0 },
		{ "32-bit, 4 MiB pages", MiB4, X86_CR4_PSE },
		{ "PAE, 4 KiB pages", KiB4, X86_CR4_PAE },
		{ "PAE, 2 MiB pages", MiB2, X86_CR4_PAE },
	};

	for (unsigned int m = 0; m < 4; m++) {
		struct spaces sp = { .mode = modes[m].mode, .page = modes[m].page };

		enter_builder();                /* off the pool before rebuilding it */
		tables_reset();
		for (unsigned int s = 0; s < 2; s++)
			sp.cr3[s] = modes[m].cr4 & X86_CR4_PAE ?
				(uintptr_t)build_pae(s, sp.page) : (uintptr_t)build_32(s, sp.page);
		enter(modes[m].cr4, sp.cr3[0]);
		memtouch(&sp, 1 + m);
	}
	write_cr0(read_cr0() & ~X86_CR0_PG);
}
