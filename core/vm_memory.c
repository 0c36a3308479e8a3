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
#include "abi/kvm.h"

#define LARGE_PAGES 512u                /* 2 MiB in frames */

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

struct vm_slot *vm_slot_find(struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->slots_end; i++) {
		struct vm_slot *s = &vm->slots[i];
		if (s->used && gpa - s->gpa < s->size) {
			vm->last_slot = i;
			return s;
		}
	}
	vm->miss_page = ALIGN_DOWN(gpa, PAGE_SIZE);   /* slots are page-aligned */
	vm->miss_gen = vm->mem_gen + 1;
	return 0;
}

/* slots_end: one past the highest slot in use, so lookups of addresses in
 * no slot (MMIO) scan only what exists; logging_slots: how many log dirty
 * pages, so write faults elsewhere skip vm_dirty_fault's lookup. Every
 * slot change ends here (vm_set_slot). */
static void update_slots_end(struct vm *vm)
{
	vm->slots_end = 0;
	vm->logging_slots = 0;
	for (unsigned i = 0; i < VM_MAX_SLOTS; i++) {
		if (vm->slots[i].used)
			vm->slots_end = i + 1;
		if (vm->slots[i].used && vm->slots[i].dirty_bitmap)
			vm->logging_slots++;
	}
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

/* A logging slot is mapped read-only until each page's first write. */
static unsigned slot_perms(const struct vm_slot *s)
{
	return (s->flags & KVM_MEM_LOG_DIRTY_PAGES) ? (MMU_READ | MMU_EXEC) : MMU_RWX;
}

static int map_slot(struct vm *vm, struct vm_slot *s)
{
	for (unsigned i = 0; i < s->nextents; i++) {
		const struct vm_extent *e = &s->extents[i];
		int r = mmu_map(&vm->slat, s->gpa + e->offset, e->hpa, e->size,
				slot_perms(s));
		if (r)
			return r;
	}
	return 0;
}

/*
 * Removes the slot from the guest's tables and the control partition's
 * window. Its frames may be freed only when this returns 0: a frame still
 * mapped somewhere must stay allocated. Neither unmap can fail for a
 * slot's exact range (no leaf spans two slots: map_slot maps extent by
 * extent, ctl_window_map run by run inside one slot), but an error is
 * passed on all the same. The window goes first: if the guest's unmap then
 * failed, the slot would still be whole for the guest.
 */
static int unmap_slot(struct vm *vm, struct vm_slot *s)
{
	vm->extent_cache.size = 0;
	vm->mem_gen++;
	int r = ctl_window_unmap(vm, s->gpa, s->size);
	if (!r)
		r = mmu_unmap(&vm->slat, s->gpa, s->size);
	vm_slat_changed(vm);
	if (r)
		printk("vm%u: slot at %#llx not unmapped (%d); its frames stay allocated\n",
		       vm->id, (unsigned long long)s->gpa, r);
	return r;
}

/* Undoes a partial map_slot at [gpa, gpa+size) and frees the slot; keeps
 * the frames if the unmap failed (never free what is still mapped). */
static int drop_slot(struct vm *vm, struct vm_slot *s, uint64_t gpa, uint64_t size,
		     int err)
{
	int r = mmu_unmap(&vm->slat, gpa, size);

	vm_slat_changed(vm);
	if (r) {
		printk("vm%u: slot at %#llx not unmapped (%d); its frames stay allocated\n",
		       vm->id, (unsigned long long)gpa, r);
		return err;
	}
	free_slot_memory(s);
	return err;
}

uint64_t vm_dirty_bitmap_bytes(const struct vm_slot *s)
{
	return (s->size / PAGE_SIZE + 63) / 64 * 8;
}

/* A clear dirty bitmap for s: 0 or -ENOMEM (s unchanged). */
static int alloc_bitmap(struct vm_slot *s)
{
	unsigned pages = (unsigned)(ALIGN_UP(vm_dirty_bitmap_bytes(s), PAGE_SIZE) /
				    PAGE_SIZE);
	uint64_t pa;

	if (page_alloc(pages, 1, &pa))
		return -ENOMEM;
	s->dirty_bitmap = (uint64_t *)pa;
	s->dirty_pages = pages;
	return 0;
}

/* Everything a new slot needs, the dirty bitmap included, is allocated
 * before it is mapped: a failure leaves no slot behind. */
static int create_slot(struct vm *vm, struct vm_slot *s, uint32_t flags,
		       uint64_t gpa, uint64_t size)
{
	int r;

	*s = (struct vm_slot){ .used = true, .flags = flags, .gpa = gpa, .size = size };
	r = alloc_slot_memory(s, !(gpa & (LARGE_PAGES * PAGE_SIZE - 1)));
	if (!r && (flags & KVM_MEM_LOG_DIRTY_PAGES))
		r = alloc_bitmap(s);
	if (r) {                        /* nothing mapped yet */
		free_slot_memory(s);
		return r;
	}
	r = map_slot(vm, s);
	if (r)
		return drop_slot(vm, s, gpa, size, r);
	vm_slat_changed(vm);
	return 0;
}

/* Turning KVM_MEM_LOG_DIRTY_PAGES on allocates a clear bitmap and
 * write-protects the slot; turning it off frees it and allows writes. */
static int set_logging(struct vm *vm, struct vm_slot *s, uint32_t flags)
{
	bool was = s->flags & KVM_MEM_LOG_DIRTY_PAGES;
	bool now = flags & KVM_MEM_LOG_DIRTY_PAGES;

	if (now && !was) {
		if (alloc_bitmap(s))
			return -ENOMEM;         /* nothing changed */
	} else if (was && !now) {
		page_free((uint64_t)s->dirty_bitmap, s->dirty_pages);
		s->dirty_bitmap = 0;
		s->dirty_pages = 0;
	}
	s->flags = flags;           /* other bits are stored, as 2.6.21 did */
	if (now != was) {
		int r = map_slot(vm, s);
		vm_slat_changed(vm);
		return r;
	}
	return 0;
}

void vm_mark_dirty(struct vm *vm, uint64_t gpa)
{
	struct vm_slot *s = vm_slot_at(vm, gpa);

	if (s && s->dirty_bitmap) {
		uint64_t page = (gpa - s->gpa) / PAGE_SIZE;
		s->dirty_bitmap[page / 64] |= 1ULL << (page % 64);
	}
}

bool vm_dirty_fault(struct vm *vm, uint64_t gpa)
{
	uint64_t hpa, page_gpa = ALIGN_DOWN(gpa, PAGE_SIZE);
	unsigned perms;

	if (!vm->logging_slots)         /* the usual case: nothing logs */
		return false;
	struct vm_slot *s = vm_slot_at(vm, gpa);
	if (!s || !s->dirty_bitmap || mmu_lookup(&vm->slat, page_gpa, &hpa, &perms) ||
	    (perms & MMU_WRITE))
		return false;
	vm_mark_dirty(vm, gpa);
	/* 4 KiB granularity: a large page is split by the remap */
	if (mmu_map(&vm->slat, page_gpa, hpa, PAGE_SIZE, MMU_RWX))
		return false;
	vm_slat_widened(vm);
	return true;
}

int vm_get_dirty_log(struct vm *vm, uint32_t slot, void *out, uint64_t bitmap_bytes)
{
	if (slot >= VM_MAX_SLOTS)
		return -EINVAL;
	struct vm_slot *s = &vm->slots[slot];
	if (!s->used || !s->dirty_bitmap)
		return -ENOENT;
	uint64_t bytes = vm_dirty_bitmap_bytes(s);
	if (bitmap_bytes < bytes)
		return -EFAULT;
	bool any = false;
	for (uint64_t i = 0; i < bytes / 8; i++)
		any |= s->dirty_bitmap[i] != 0;
	/* Re-arm (write-protect again) before clearing anything: if that
	 * fails, the request fails with the bitmap intact, and every page
	 * left writable is one whose bit is still set, so it is reported
	 * next time. (The guest does not run while this request is served.) */
	if (any) {
		int r = map_slot(vm, s);
		vm_slat_changed(vm);
		if (r)
			return r;
	}
	memcpy(out, s->dirty_bitmap, bytes);
	memset(s->dirty_bitmap, 0, bytes);
	return 0;
}

static int set_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		    uint64_t size);

int vm_set_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		uint64_t size)
{
	int r = set_slot(vm, slot, flags, gpa, size);

	update_slots_end(vm);
	return r;
}

static int set_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		    uint64_t size)
{
	if (slot >= VM_MAX_SLOTS || (gpa | size) & (PAGE_SIZE - 1) ||
	    gpa + size < gpa || gpa + size > MMU_GPA_LIMIT)
		return -EINVAL;
	struct vm_slot *s = &vm->slots[slot];

	vm->extent_cache.size = 0;              /* any change: forget it */
	vm->mem_gen++;
	if (size == 0) {                        /* delete */
		if (s->used) {
			int r = unmap_slot(vm, s);
			if (r)
				return r;       /* the slot stays, whole */
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
		int r = unmap_slot(vm, s);
		if (r)
			return r;               /* still mapped where it was */
		s->gpa = gpa;
		r = map_slot(vm, s);
		if (r)                          /* as 2.6.21: the slot is gone */
			return drop_slot(vm, s, gpa, size, r);
		vm_slat_changed(vm);
	}
	return set_logging(vm, s, flags);
}
