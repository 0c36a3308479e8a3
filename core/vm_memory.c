/*
 * Memory slots (see core/vm.h vm_set_slot). As in 2.6.21 the hypervisor
 * allocates a slot's RAM itself, zeroed, all at once; the control partition
 * reaches it through KVM_BAREKVM_MMAP. A slot is backed by as few extents as
 * the allocator allows: one contiguous run when it can, else 2 MiB runs
 * (which keep large nested pages), else single frames.
 */
#include "core/vm.h"
#include "core/ctl_window.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/memory.h"
#include "abi/errno.h"

#define LARGE_PAGES 512u                /* 2 MiB in frames */

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

struct vm_slot *vm_slot_at(struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < VM_MAX_SLOTS; i++) {
		struct vm_slot *s = &vm->slots[i];
		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return 0;
}

static void free_slot_memory(struct vm_slot *s)
{
	for (unsigned i = 0; i < s->nextents; i++)
		page_free(s->extents[i].hpa, s->extents[i].size / PAGE_SIZE);
	if (s->extents)
		page_free((uint64_t)s->extents, s->extents_pages);
	if (s->dirty_bitmap)
		page_free((uint64_t)s->dirty_bitmap, s->dirty_pages);
	*s = (struct vm_slot){ 0 };
}

static int add_extent(struct vm_slot *s, uint64_t offset, uint64_t hpa,
		      uint64_t bytes)
{
	unsigned cap = s->extents_pages * PAGE_SIZE / sizeof(struct vm_extent);
	struct vm_extent *last = s->nextents ? &s->extents[s->nextents - 1] : 0;

	if (last && last->hpa + last->size == hpa) {
		last->size += bytes;            /* the allocator gave the next frames */
		return 0;
	}
	if (s->nextents == cap)
		return -ENOMEM;
	s->extents[s->nextents++] = (struct vm_extent){ offset, hpa, bytes };
	return 0;
}

/* Allocates the slot's frames; on failure everything is given back. */
static int alloc_slot_memory(struct vm_slot *s, uint64_t gpa_align_ok)
{
	uint64_t hpa, npages = s->size / PAGE_SIZE, done = 0;
	uint64_t pa;

	s->extents_pages = 1;
	if (page_alloc(1, 1, &pa))
		return -ENOMEM;
	s->extents = (struct vm_extent *)pa;
	if (page_alloc(npages, gpa_align_ok ? LARGE_PAGES : 1, &hpa) == 0)
		return add_extent(s, 0, hpa, s->size);
	while (done < npages) {
		uint64_t left = npages - done, chunk = MIN(left, LARGE_PAGES);
		int r = page_alloc(chunk, chunk == LARGE_PAGES ? LARGE_PAGES : 1, &hpa);
		if (r) {
			chunk = 1;
			r = page_alloc(1, 1, &hpa);
		}
		if (r == 0) {
			r = add_extent(s, done * PAGE_SIZE, hpa, chunk * PAGE_SIZE);
			if (r)
				page_free(hpa, chunk);
		}
		if (r)
			return r;
		done += chunk;
	}
	return 0;
}

static int map_slot(struct vm *vm, struct vm_slot *s)
{
	for (unsigned i = 0; i < s->nextents; i++) {
		const struct vm_extent *e = &s->extents[i];
		int r = mmu_map(&vm->slat, s->gpa + e->offset, e->hpa, e->size, MMU_RWX);
		if (r)
			return r;
	}
	return 0;
}

static void unmap_slot(struct vm *vm, struct vm_slot *s)
{
	mmu_unmap(&vm->slat, s->gpa, s->size);
	ctl_window_unmap(vm, s->gpa, s->size);
	vm_slat_changed(vm);
}

static int create_slot(struct vm *vm, struct vm_slot *s, uint32_t flags,
		       uint64_t gpa, uint64_t size)
{
	int r;

	*s = (struct vm_slot){ .used = true, .flags = flags, .gpa = gpa, .size = size };
	r = alloc_slot_memory(s, !(gpa & (LARGE_PAGES * PAGE_SIZE - 1)));
	if (!r)
		r = map_slot(vm, s);
	if (r) {
		mmu_unmap(&vm->slat, gpa, size);
		free_slot_memory(s);
		return r;
	}
	vm_slat_changed(vm);
	return 0;
}

int vm_set_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		uint64_t size)
{
	if (slot >= VM_MAX_SLOTS || (gpa | size) & (PAGE_SIZE - 1) ||
	    gpa + size < gpa || gpa + size > MMU_GPA_LIMIT)
		return -EINVAL;
	struct vm_slot *s = &vm->slots[slot];

	if (size == 0) {                        /* delete */
		if (s->used) {
			unmap_slot(vm, s);
			free_slot_memory(s);
		}
		return 0;
	}
	if (s->used && size != s->size)
		return -EINVAL;                 /* 2.6.21: size cannot change */
	for (unsigned i = 0; i < VM_MAX_SLOTS; i++) {
		const struct vm_slot *o = &vm->slots[i];
		if (i != slot && o->used && ranges_overlap(gpa, size, o->gpa, o->size))
			return -EEXIST;
	}
	if (!s->used)
		return create_slot(vm, s, flags, gpa, size);
	if (gpa != s->gpa) {                    /* move, keeping contents */
		unmap_slot(vm, s);
		s->gpa = gpa;
		int r = map_slot(vm, s);
		if (r) {
			mmu_unmap(&vm->slat, gpa, size);
			free_slot_memory(s);
			return r;
		}
		vm_slat_changed(vm);
	}
	s->flags = flags;
	return 0;
}
