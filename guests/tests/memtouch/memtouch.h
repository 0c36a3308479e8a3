/*
 * memtouch.bin and memtouch32.bin (docs/test-guests.md, "memtouch"; issue
 * 13 item 4): a guest that touches 8 MiB of its RAM in every paging mode
 * and must see the same data under shadow paging as under NPT/EPT.
 *
 * Each mode builds two address spaces over the same REGION_BYTES of RAM at
 * REGION_GPA. Space 0 maps the region at WINDOW_A in frame order and at
 * WINDOW_B in scrambled page order (scrambled_page()); space 1 swaps the
 * two windows. memtouch() writes a pattern derived from each 64-byte
 * line's guest-physical address through the frame-order window, reads it
 * back through the scrambled one, and loads CR3 with the other space every
 * SWITCH_BYTES. Everything it prints follows from the algorithm alone, so
 * every platform prints the same lines (tests/system/test_memtouch.py
 * recomputes them).
 */
#ifndef GUESTS_TESTS_MEMTOUCH_MEMTOUCH_H
#define GUESTS_TESTS_MEMTOUCH_MEMTOUCH_H

#include "guest.h"

#define KiB4          0x1000ul
#define MiB2          0x200000ul
#define MiB4          0x400000ul
#define REGION_GPA    0x800000ul        /* [8 MiB, 16 MiB): the VM has 16 MiB */
#define REGION_BYTES  0x800000ul
#define LOW_BYTES     0x800000ul        /* identity map: code, data, stack, tables */
#define WINDOW_A      0x40000000ul
#define WINDOW_B      0x80000000ul
#define LINE_BYTES    64ul
#define SWITCH_BYTES  0x4000ul          /* 512 CR3 loads per pass over 8 MiB */

#define PTE_P         0x001ul
#define PTE_RW        0x002ul
#define PTE_PS        0x080ul
#define X86_CR4_PSE   (1ul << 4)

/* One paging mode's two address spaces. */
struct spaces {
	const char *mode;               /* e.g. "PAE, 2 MiB pages" */
	unsigned long cr3[2];
	unsigned long page;             /* bytes per page of both windows */
};

/* The frame (in pages of the region) that scrambled window page i maps:
 * a bijection on [0, pages) for pages a power of two. */
static inline unsigned long scrambled_page(unsigned long i, unsigned long pages)
{
	return (i * 0x9e5ul + 0x2b5ul) & (pages - 1);
}

/* The frame that page i of window w (0: A, 1: B) maps in space s. */
static inline unsigned long window_frame(unsigned int s, unsigned int w, unsigned long i,
					 unsigned long pages)
{
	return s == w ? i : scrambled_page(i, pages);
}

/* sweep.c: runs one mode (seed makes each mode's pattern its own, so that
 * a stale line from an earlier mode shows) and prints its two lines. */
void memtouch(const struct spaces *s, uint32_t seed);

/* legacy.c (memtouch32.bin): 32-bit and PAE paging, 4 KiB and large pages,
 * entered from protected mode with paging off and left with it off again. */
void run_legacy_modes(void);
/* long.c (memtouch.bin): 4-level paging, 4 KiB and 2 MiB pages. */
void run_long_modes(void);

/* tables.c: a pool of zeroed page-table pages, emptied by tables_reset(). */
void tables_reset(void);
void *table_page(void);

#endif
