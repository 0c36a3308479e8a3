/*
 * Physical frame allocator: one bit per 4 KiB frame (1 = free) over the range
 * [0, npages). Hands out only frames that were added as free and never
 * reserved afterwards; every allocation is zeroed; exhaustion returns -ENOMEM.
 *
 * The allocator reaches frame contents through virt = phys + virt_offset
 * (0 in the identity-mapped hypervisor, a buffer in host tests).
 * Not locked: callers serialize (one CPU today).
 */
#ifndef CORE_FRAME_ALLOC_H
#define CORE_FRAME_ALLOC_H

#include <stdint.h>
#include <stddef.h>
#include "core/multiboot2.h"

struct frame_alloc {
	uint64_t *bitmap;
	uint64_t npages;
	uint64_t nfree;
	uint64_t hint;          /* next-fit start, in frames */
	uintptr_t virt_offset;
	uint64_t words_scanned; /* bitmap words read by searches (the unit
				 * test bounds it: searches stay linear) */
};

struct phys_range {
	uint64_t start, end;    /* [start, end) in bytes */
};

/* Bytes of bitmap needed to cover 'npages' frames. */
size_t frame_alloc_bitmap_bytes(uint64_t npages);

/* Starts with every frame in use. */
void frame_alloc_init(struct frame_alloc *fa, uint64_t *bitmap,
		      uint64_t npages, uintptr_t virt_offset);
/* Marks the whole frames inside [start, end) free. */
void frame_alloc_add_free(struct frame_alloc *fa, uint64_t start, uint64_t end);
/* Marks every frame touching [start, end) in use. */
void frame_alloc_reserve(struct frame_alloc *fa, uint64_t start, uint64_t end);

/* Allocates 'npages' contiguous zeroed frames aligned to 'align_pages'
 * (a power of two). Returns 0 and the physical address, or -ENOMEM. */
int frame_alloc_pages(struct frame_alloc *fa, uint64_t npages,
		      uint64_t align_pages, uint64_t *pa);
/* Returns frames; -EINVAL (and nothing changes) if any of them is outside
 * the allocator or already free. */
int frame_free_pages(struct frame_alloc *fa, uint64_t pa, uint64_t npages);

static inline void *frame_virt(const struct frame_alloc *fa, uint64_t pa)
{
	return (void *)(uintptr_t)(pa + fa->virt_offset);
}

/*
 * Boot-time setup from the firmware memory map: usable RAM below 'limit'
 * becomes free except the 'reserved' ranges and the first MiB (kept for
 * real-mode trampolines and firmware leftovers). The bitmap itself is placed
 * in usable RAM that no reserved range touches. Returns 0 or -ENOMEM when no
 * place for the bitmap exists.
 */
int frame_alloc_setup(struct frame_alloc *fa, const struct boot_mmap_entry *mmap,
		      unsigned nmmap, const struct phys_range *reserved,
		      unsigned nreserved, uint64_t limit, uintptr_t virt_offset);

#endif
