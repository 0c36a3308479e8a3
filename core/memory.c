/*
 * Boot-time memory management (see core/memory.h). Everything GRUB left in
 * RAM that we still need (our image, the boot information, the modules) is
 * reserved before the first frame is handed out.
 */
#include "core/memory.h"
#include "core/frame_alloc.h"
#include "core/lib.h"
#include "core/log.h"
#include "boot/layout.h"

extern uint8_t __image_start[], __image_end[];

#define DIRECT_MAP_LIMIT ((uint64_t)BOOT_IDMAP_GB << 30)

static struct frame_alloc frames;
static uint64_t usable_bytes, unmapped_bytes;

void memory_init(const struct boot_info *bi)
{
	struct phys_range reserved[2 + BOOT_MAX_MODULES];
	unsigned n = 0;

	reserved[n++] = (struct phys_range){ (uint64_t)__image_start,
					     (uint64_t)__image_end };
	reserved[n++] = (struct phys_range){ bi->info_addr,
					     bi->info_addr + bi->info_size };
	for (unsigned i = 0; i < bi->nmodules; i++)
		reserved[n++] = (struct phys_range){ bi->modules[i].start,
						     bi->modules[i].end };

	for (unsigned i = 0; i < bi->nmmap; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];
		if (e->type != MB2_MEM_AVAILABLE)
			continue;
		usable_bytes += e->len;
		if (e->base + e->len > DIRECT_MAP_LIMIT)
			unmapped_bytes += e->base + e->len -
					  MAX(e->base, DIRECT_MAP_LIMIT);
	}
	if (frame_alloc_setup(&frames, bi->mmap, bi->nmmap, reserved, n,
			      DIRECT_MAP_LIMIT, 0))
		panic("memory: no usable RAM outside the image, boot information "
		      "and modules for the frame bitmap");
}

void memory_print(const struct boot_info *bi)
{
	for (unsigned i = 0; i < bi->nmmap; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];
		printk("mem: %016lx-%016lx %s\n", e->base, e->base + e->len - 1,
		       mb2_mem_type_name(e->type));
	}
	printk("mem: image %#lx-%#lx, boot info %#lx (%u bytes)\n",
	       (uint64_t)(uintptr_t)__image_start,
	       (uint64_t)(uintptr_t)__image_end - 1, bi->info_addr, bi->info_size);
	printk("mem: %lu MiB usable RAM found, %lu MiB free for the hypervisor "
	       "(%lu frames)\n", usable_bytes >> 20,
	       (frames.nfree * PAGE_SIZE) >> 20, frames.nfree);
	if (unmapped_bytes)
		printk("mem: %lu MiB above %u GiB are not used yet (outside the "
		       "boot identity map)\n", unmapped_bytes >> 20, BOOT_IDMAP_GB);
}

int page_alloc(uint64_t npages, uint64_t align_pages, uint64_t *pa)
{
	return frame_alloc_pages(&frames, npages, align_pages, pa);
}

int page_free(uint64_t pa, uint64_t npages)
{
	int r = frame_free_pages(&frames, pa, npages);

	if (r)
		printk("mem: BUG: freeing %lu frame(s) at %#lx that are not "
		       "allocated\n", npages, pa);
	return r;
}

uint64_t page_free_count(void)
{
	return frames.nfree;
}
