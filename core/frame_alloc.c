/*
 * Bitmap frame allocator (see core/frame_alloc.h). Next-fit search keeps
 * repeated single-frame allocations cheap; contiguous aligned runs (VMCB
 * permission maps, 2 MiB pages) use the same scan.
 */
#include "core/frame_alloc.h"
#include "core/lib.h"
#include "abi/errno.h"

#define LOW_RESERVED_BYTES (1ULL << 20)

static bool frame_is_free(const struct frame_alloc *fa, uint64_t pfn)
{
	return fa->bitmap[pfn / 64] & (1ULL << (pfn % 64));
}

static void frame_set(struct frame_alloc *fa, uint64_t pfn, bool free)
{
	uint64_t bit = 1ULL << (pfn % 64);
	bool was = frame_is_free(fa, pfn);

	if (free && !was) {
		fa->bitmap[pfn / 64] |= bit;
		fa->nfree++;
	} else if (!free && was) {
		fa->bitmap[pfn / 64] &= ~bit;
		fa->nfree--;
	}
}

size_t frame_alloc_bitmap_bytes(uint64_t npages)
{
	return (size_t)((npages + 63) / 64 * 8);
}

void frame_alloc_init(struct frame_alloc *fa, uint64_t *bitmap,
		      uint64_t npages, uintptr_t virt_offset)
{
	*fa = (struct frame_alloc){ .bitmap = bitmap, .npages = npages,
				    .virt_offset = virt_offset };
	memset(bitmap, 0, frame_alloc_bitmap_bytes(npages));
}

void frame_alloc_add_free(struct frame_alloc *fa, uint64_t start, uint64_t end)
{
	uint64_t first = ALIGN_UP(start, PAGE_SIZE) >> PAGE_SHIFT;
	uint64_t last = ALIGN_DOWN(end, PAGE_SIZE) >> PAGE_SHIFT;

	for (uint64_t pfn = first; pfn < last && pfn < fa->npages; pfn++)
		frame_set(fa, pfn, true);
}

void frame_alloc_reserve(struct frame_alloc *fa, uint64_t start, uint64_t end)
{
	uint64_t first = ALIGN_DOWN(start, PAGE_SIZE) >> PAGE_SHIFT;
	/* not ALIGN_UP: an end within a page of 2^64 would round to 0 */
	uint64_t last = (end >> PAGE_SHIFT) + !!(end & (PAGE_SIZE - 1));

	for (uint64_t pfn = first; pfn < last && pfn < fa->npages; pfn++)
		frame_set(fa, pfn, false);
}

/*
 * First frame in [pfn, end) whose state is 'free' (true: a free frame,
 * false: a used one); 'end' if none. Whole bitmap words at a time.
 */
static uint64_t next_frame(struct frame_alloc *fa, uint64_t pfn, uint64_t end,
			   bool free)
{
	while (pfn < end) {
		uint64_t word = fa->bitmap[pfn / 64];
		uint64_t bits = (free ? word : ~word) >> (pfn % 64);

		fa->words_scanned++;
		if (bits) {
			pfn += (uint64_t)__builtin_ctzll(bits);
			return MIN(pfn, end);
		}
		pfn = ALIGN_UP(pfn + 1, 64);
	}
	return end;
}

/*
 * First free aligned run of n frames in [from, to); ~0 if none. A used
 * frame inside a candidate run moves the next candidate past it and past
 * the used frames after it, so each bitmap word is read a bounded number
 * of times: linear in the range, whatever the fragmentation (a quadratic
 * rescan of every candidate once took 15 s for one 512 MiB slot).
 */
static uint64_t find_run(struct frame_alloc *fa, uint64_t from, uint64_t to,
			 uint64_t n, uint64_t align)
{
	uint64_t pfn = ALIGN_UP(from, align);

	while (pfn < to && n <= to - pfn) {
		uint64_t used = next_frame(fa, pfn, pfn + n, false);

		if (used == pfn + n)
			return pfn;
		pfn = ALIGN_UP(next_frame(fa, used, to, true), align);
	}
	return ~0ULL;
}

int frame_alloc_pages(struct frame_alloc *fa, uint64_t npages,
		      uint64_t align_pages, uint64_t *pa)
{
	if (npages == 0 || align_pages == 0 || (align_pages & (align_pages - 1)) ||
	    npages > fa->nfree)
		return -ENOMEM;

	uint64_t pfn = find_run(fa, fa->hint, fa->npages, npages, align_pages);
	if (pfn == ~0ULL)
		pfn = find_run(fa, 0, fa->npages, npages, align_pages);
	if (pfn == ~0ULL)
		return -ENOMEM;

	for (uint64_t i = 0; i < npages; i++)
		frame_set(fa, pfn + i, false);
	fa->hint = pfn + npages;
	*pa = pfn << PAGE_SHIFT;
	memset(frame_virt(fa, *pa), 0, npages * PAGE_SIZE);
	return 0;
}

int frame_free_pages(struct frame_alloc *fa, uint64_t pa, uint64_t npages)
{
	uint64_t pfn = pa >> PAGE_SHIFT;

	if ((pa & (PAGE_SIZE - 1)) || pfn >= fa->npages || npages > fa->npages - pfn)
		return -EINVAL;
	for (uint64_t i = 0; i < npages; i++)
		if (frame_is_free(fa, pfn + i))
			return -EINVAL;         /* double free: change nothing */
	for (uint64_t i = 0; i < npages; i++)
		frame_set(fa, pfn + i, true);
	return 0;
}

static bool overlaps(uint64_t s, uint64_t e, const struct phys_range *r)
{
	return s < r->end && r->start < e;
}

/* First page boundary at or after 'end'; saturates instead of wrapping. */
static uint64_t page_after(uint64_t end)
{
	return end > UINT64_MAX - (PAGE_SIZE - 1) ? UINT64_MAX
						  : ALIGN_UP(end, PAGE_SIZE);
}

/* Lowest page-aligned address in usable RAM below 'limit' where 'bytes' fit
 * without touching a reserved range, a non-usable map entry (buggy maps
 * overlap usable ones) or the first MiB; 0 if none. */
static uint64_t place_bitmap(const struct boot_mmap_entry *mmap, unsigned nmmap,
			     const struct phys_range *reserved, unsigned nreserved,
			     uint64_t limit, uint64_t bytes)
{
	for (unsigned i = 0; i < nmmap; i++) {
		if (mmap[i].type != MB2_MEM_AVAILABLE)
			continue;
		uint64_t s = ALIGN_UP(MAX(mmap[i].base, LOW_RESERVED_BYTES), PAGE_SIZE);
		uint64_t e = ALIGN_DOWN(MIN(mmap[i].base + mmap[i].len, limit), PAGE_SIZE);
		bool moved = true;

		while (moved && s < e && bytes <= e - s) {
			moved = false;
			for (unsigned r = 0; r < nreserved; r++) {
				if (overlaps(s, s + bytes, &reserved[r])) {
					s = page_after(reserved[r].end);
					moved = true;
				}
			}
			for (unsigned m = 0; m < nmmap; m++) {
				struct phys_range fw = { mmap[m].base,
							 mmap[m].base + mmap[m].len };

				if (mmap[m].type != MB2_MEM_AVAILABLE &&
				    overlaps(s, s + bytes, &fw)) {
					s = page_after(fw.end);
					moved = true;
				}
			}
		}
		if (!moved && s < e && bytes <= e - s)
			return s;
	}
	return 0;
}

int frame_alloc_setup(struct frame_alloc *fa, const struct boot_mmap_entry *mmap,
		      unsigned nmmap, const struct phys_range *reserved,
		      unsigned nreserved, uint64_t limit, uintptr_t virt_offset)
{
	uint64_t top = 0;

	for (unsigned i = 0; i < nmmap; i++)
		if (mmap[i].type == MB2_MEM_AVAILABLE)
			top = MAX(top, MIN(mmap[i].base + mmap[i].len, limit));

	uint64_t npages = top >> PAGE_SHIFT;
	uint64_t bytes = ALIGN_UP((uint64_t)frame_alloc_bitmap_bytes(npages), PAGE_SIZE);
	uint64_t where = place_bitmap(mmap, nmmap, reserved, nreserved, limit, bytes);
	if (!where)
		return -ENOMEM;

	frame_alloc_init(fa, (uint64_t *)(where + virt_offset), npages, virt_offset);
	for (unsigned i = 0; i < nmmap; i++)
		if (mmap[i].type == MB2_MEM_AVAILABLE)
			frame_alloc_add_free(fa, mmap[i].base, mmap[i].base + mmap[i].len);
	/* A usable entry may overlap a reserved one in buggy firmware maps:
	 * whatever is not usable everywhere is taken out again. */
	for (unsigned i = 0; i < nmmap; i++)
		if (mmap[i].type != MB2_MEM_AVAILABLE)
			frame_alloc_reserve(fa, mmap[i].base, mmap[i].base + mmap[i].len);
	frame_alloc_reserve(fa, 0, LOW_RESERVED_BYTES);
	for (unsigned r = 0; r < nreserved; r++)
		frame_alloc_reserve(fa, reserved[r].start, reserved[r].end);
	frame_alloc_reserve(fa, where, where + bytes);
	fa->hint = 0;
	return 0;
}
