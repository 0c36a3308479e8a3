/*
 * pfbench.bin: what page faults and address-space switches cost
 * (main.c measures, spaces.c builds the page tables). A 64-bit guest
 * entered like long64.bin (docs/test-guests.md) in a VM of at least
 * 16 MiB; tools/bench.py runs it with `make bench`.
 *
 * Guest-virtual layout, in every address space: the first GiB identity
 * mapped with 2 MiB pages as the VMM's own map is (code, data, stack and
 * the frames below, reachable for checks), and a window at 1 GiB mapped
 * with 4 KiB pages. Address space 0 maps two page tables there; the
 * SPACES switch spaces map SPACE_PAGES pages each.
 */
#ifndef GUESTS_TESTS_PFBENCH_PFBENCH_H
#define GUESTS_TESTS_PFBENCH_PFBENCH_H

#include "guest.h"

#define PAGE            4096ul
#define PAGES           512ul           /* one page table's worth */
#define SPACES          8u
#define SPACE_PAGES     4ul

#define WINDOW          0x40000000ul    /* 1 GiB */
#define TOUCH_WINDOW    WINDOW                  /* space 0, first table */
#define DEMAND_WINDOW   (WINDOW + PAGES * PAGE) /* space 0, second table */

/* Guest-physical frames behind the window, in the VM's RAM (16 MiB),
 * above the image (which ends below 2 MiB). */
#define FRAMES_A        0x400000ul      /* touch window, first mapping */
#define FRAMES_B        0x600000ul      /* touch window, remapped */
#define FRAMES_DEMAND   0x800000ul      /* demand window, filled on #PF */
#define FRAMES_SPACES   0xa00000ul      /* SPACE_PAGES per switch space */

#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_A   (1ull << 5)
#define PTE_D   (1ull << 6)
#define PTE_PS  (1ull << 7)

/* Builds every address space; the window's tables are left as follows:
 * touch table present to FRAMES_A (A and D clear), demand table not
 * present, switch space s's SPACE_PAGES entries present to its frames. */
void spaces_build(void);
/* The CR3 value of address space 0 and of switch space s. */
unsigned long space0_cr3(void);
unsigned long switch_space_cr3(unsigned int s);
/* The entries of space 0's touch and demand windows, one per page. */
uint64_t *touch_ptes(void);
uint64_t *demand_ptes(void);
/* The frame switch space s maps at window page i. */
uint64_t switch_space_frame(unsigned int s, unsigned long i);

#endif
