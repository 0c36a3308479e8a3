/*
 * The hypervisor's physical memory: the frame allocator set up from the boot
 * memory map, and the calls the rest of the hypervisor uses to get frames.
 * Frames are reachable at their physical address (identity map from boot/).
 */
#ifndef CORE_MEMORY_H
#define CORE_MEMORY_H

#include <stdint.h>
#include "core/multiboot2.h"

/* Sets up the allocator; panics only if no memory at all can be managed. */
void memory_init(const struct boot_info *bi);
void memory_print(const struct boot_info *bi);

/* Zeroed, contiguous, aligned frames: 0 and *pa, or -ENOMEM. */
int page_alloc(uint64_t npages, uint64_t align_pages, uint64_t *pa);
/* -EINVAL (logged) when the frames were not allocated. */
int page_free(uint64_t pa, uint64_t npages);
uint64_t page_free_count(void);

#endif
