/*
 * mmiotest_map() for the 64-bit guests that aim at the VMM's MMIO test
 * device (mmio.bin, events.bin): the VMM's identity map covers the first
 * GiB only, so they load their own.
 */
#include "guest.h"

#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_PCD (1ull << 4)
#define PTE_PS  (1ull << 7)
#define GiB     (1ull << 30)

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd_low[512] __attribute__((aligned(4096)));
static uint64_t pd_high[512] __attribute__((aligned(4096)));

/* Identity map of [0, 1 GiB) and [3 GiB, 4 GiB) (the device's, uncached)
 * with 2 MiB pages. */
void mmiotest_map(void)
{
	for (uint64_t i = 0; i < 512; i++) {
		pd_low[i] = (i << 21) | PTE_PS | PTE_RW | PTE_P;
		pd_high[i] = (3 * GiB + (i << 21)) | PTE_PS | PTE_PCD | PTE_RW | PTE_P;
	}
	pdpt[0] = (uintptr_t)pd_low | PTE_RW | PTE_P;
	pdpt[3] = (uintptr_t)pd_high | PTE_RW | PTE_P;
	pml4[0] = (uintptr_t)pdpt | PTE_RW | PTE_P;
	write_cr3((uintptr_t)pml4);
}
