/*
 * 4-level second-level page tables for NPT and EPT (see mmu/mmu.h).
 *
 * NPT entries are ordinary long-mode PTEs (AMD APM Vol. 2 15.25.5): every
 * level needs P, RW and US set, or the nested walk faults as a user access.
 * EPT entries (Intel SDM Vol. 3 29.3.2) carry R/W/X in bits 0-2, and leaves
 * a memory type in bits 3-5 (6 = write-back). Both use bit 7 for 2 MiB/1 GiB
 * leaves and bits 12-51 for the address, so one walker serves both.
 */
#include "mmu/mmu.h"
#include "abi/errno.h"
#include <stddef.h>

#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define PTE_LARGE     (1ULL << 7)
#define NPT_P         (1ULL << 0)
#define NPT_RW        (1ULL << 1)
#define NPT_US        (1ULL << 2)
#define EPT_R         (1ULL << 0)
#define EPT_W         (1ULL << 1)
#define EPT_X         (1ULL << 2)
#define EPT_MT_WB     (6ULL << 3)
#define ENTRIES       512
#define MAX64(a, b)   ((a) > (b) ? (a) : (b))
#define MIN64(a, b)   ((a) < (b) ? (a) : (b))
#define ALIGN_DOWN64(x, a) ((x) & ~((a) - 1))

static const uint64_t level_size[5] = { 0, 1ULL << 12, 1ULL << 21, 1ULL << 30,
					1ULL << 39 };

static uint64_t *table_virt(const struct mmu_space *s, uint64_t pa)
{
	return s->alloc->virt(s->alloc->ctx, pa);
}

static unsigned index_at(uint64_t gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & (ENTRIES - 1);
}

static bool entry_present(const struct mmu_space *s, uint64_t e)
{
	return s->fmt == MMU_FORMAT_NPT ? (e & NPT_P) : (e & (EPT_R | EPT_W | EPT_X));
}

/* Non-leaf entries grant everything; leaves decide. */
static uint64_t table_entry(const struct mmu_space *s, uint64_t pa)
{
	return pa | (s->fmt == MMU_FORMAT_NPT ? (NPT_P | NPT_RW | NPT_US)
					      : (EPT_R | EPT_W | EPT_X));
}

static uint64_t leaf_entry(const struct mmu_space *s, uint64_t hpa,
			   unsigned perms, int level)
{
	uint64_t e = hpa | (level > 1 ? PTE_LARGE : 0);

	if (s->fmt == MMU_FORMAT_NPT) {
		/* NPT has no read-only-no-read; any access right means present.
		 * Execute-disable would need host EFER.NXE; all mappings are
		 * executable for now. */
		if (perms)
			e |= NPT_P | NPT_US | ((perms & MMU_WRITE) ? NPT_RW : 0);
	} else {
		e |= EPT_MT_WB | ((perms & MMU_READ) ? EPT_R : 0) |
		     ((perms & MMU_WRITE) ? EPT_W : 0) |
		     ((perms & MMU_EXEC) ? EPT_X : 0);
	}
	return e;
}

static unsigned entry_perms(const struct mmu_space *s, uint64_t e)
{
	if (s->fmt == MMU_FORMAT_NPT)
		return (e & NPT_P) ? (MMU_READ | MMU_EXEC | ((e & NPT_RW) ? MMU_WRITE : 0)) : 0;
	return ((e & EPT_R) ? MMU_READ : 0) | ((e & EPT_W) ? MMU_WRITE : 0) |
	       ((e & EPT_X) ? MMU_EXEC : 0);
}

static int new_table(struct mmu_space *s, uint64_t *pa)
{
	if (s->nreserved) {             /* mmu_unmap's frames, taken beforehand */
		*pa = s->reserved[--s->nreserved];
		s->ntables++;
		return 0;
	}
	int r = s->alloc->alloc_page(s->alloc->ctx, pa);

	if (r == 0)
		s->ntables++;
	return r ? -ENOMEM : 0;
}

int mmu_space_init(struct mmu_space *s, enum mmu_format fmt,
		   const struct mmu_alloc *alloc, bool allow_2m, bool allow_1g)
{
	*s = (struct mmu_space){ .fmt = fmt, .alloc = alloc, .allow_2m = allow_2m,
				 .allow_1g = allow_1g && allow_2m };
	return new_table(s, &s->root_pa);
}

/* Replaces a large leaf at 'level' by a table of 512 smaller leaves with
 * the same translation, so part of it can change. */
static int split_large(struct mmu_space *s, uint64_t *entry, int level)
{
	uint64_t pa, old = *entry;
	uint64_t base = old & PTE_ADDR_MASK & ~(level_size[level] - 1);
	unsigned perms = entry_perms(s, old);

	if (new_table(s, &pa))
		return -ENOMEM;
	uint64_t *t = table_virt(s, pa);
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = leaf_entry(s, base + i * level_size[level - 1], perms, level - 1);
	*entry = table_entry(s, pa);
	return 0;
}

/* The entry for 'gpa' at 'level', creating/splitting tables on the way
 * when 'create'; NULL if absent (or on allocation failure with create). */
static uint64_t *walk_to(struct mmu_space *s, uint64_t gpa, int level, bool create)
{
	uint64_t *t = table_virt(s, s->root_pa);

	for (int l = 4; l > level; l--) {
		uint64_t *e = &t[index_at(gpa, l)];
		if (entry_present(s, *e) && (*e & PTE_LARGE) && l > 1) {
			if (!create || split_large(s, e, l))
				return NULL;
		}
		if (!entry_present(s, *e)) {
			uint64_t pa;
			if (!create || new_table(s, &pa))
				return NULL;
			*e = table_entry(s, pa);
		}
		t = table_virt(s, *e & PTE_ADDR_MASK);
	}
	return &t[index_at(gpa, level)];
}

static int best_level(const struct mmu_space *s, uint64_t gpa, uint64_t hpa,
		      uint64_t left)
{
	if (s->allow_1g && !((gpa | hpa) & (level_size[3] - 1)) && left >= level_size[3])
		return 3;
	if (s->allow_2m && !((gpa | hpa) & (level_size[2] - 1)) && left >= level_size[2])
		return 2;
	return 1;
}

/* Frees the table under a non-leaf entry, recursively. */
static void free_table(struct mmu_space *s, uint64_t pa, int level)
{
	uint64_t *t = table_virt(s, pa);

	if (level > 1) {
		for (unsigned i = 0; i < ENTRIES; i++)
			if (entry_present(s, t[i]) && !(t[i] & PTE_LARGE))
				free_table(s, t[i] & PTE_ADDR_MASK, level - 1);
	}
	s->alloc->free_page(s->alloc->ctx, pa);
	s->ntables--;
}

static void set_leaf(struct mmu_space *s, uint64_t *e, uint64_t val, int level)
{
	if (entry_present(s, *e)) {
		if (level > 1 && !(*e & PTE_LARGE))
			free_table(s, *e & PTE_ADDR_MASK, level - 1);
		s->flush_needed = true;
		s->mapped_bytes -= level_size[level];
	}
	*e = val;
	if (entry_present(s, val))
		s->mapped_bytes += level_size[level];
}

static bool range_ok(uint64_t gpa, uint64_t size)
{
	return !(gpa & 0xfff) && !(size & 0xfff) && size && gpa < MMU_GPA_LIMIT &&
	       size <= MMU_GPA_LIMIT - gpa;
}

int mmu_map(struct mmu_space *s, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned perms)
{
	if (!range_ok(gpa, size) || (hpa & 0xfff) || !perms)
		return -EINVAL;
	while (size) {
		int level = best_level(s, gpa, hpa, size);
		uint64_t *e = walk_to(s, gpa, level, true);
		if (!e)
			return -ENOMEM;
		set_leaf(s, e, leaf_entry(s, hpa, perms, level), level);
		gpa += level_size[level];
		hpa += level_size[level];
		size -= level_size[level];
	}
	return 0;
}

static bool table_empty(const struct mmu_space *s, const uint64_t *t)
{
	for (unsigned i = 0; i < ENTRIES; i++)
		if (entry_present(s, t[i]))
			return false;
	return true;
}

/*
 * Removes [gpa, end) below the table at 'level' (whose entries each span
 * level_size[level]); 'base' is the address its entry 0 maps. Splits large
 * leaves the range covers only in part, and frees tables it leaves empty,
 * so unmapping everything gives every table frame back.
 */
static int unmap_in(struct mmu_space *s, uint64_t *t, int level, uint64_t base,
		    uint64_t gpa, uint64_t end)
{
	uint64_t span = level_size[level];

	for (unsigned i = index_at(gpa, level); i < ENTRIES; i++) {
		uint64_t lo = base + i * span, hi = lo + span;
		if (lo >= end)
			break;
		uint64_t *e = &t[i];
		if (!entry_present(s, *e))
			continue;
		bool whole = gpa <= lo && end >= hi;
		if (whole && (level == 1 || (*e & PTE_LARGE))) {
			set_leaf(s, e, 0, level);
			continue;
		}
		if (*e & PTE_LARGE) {
			if (split_large(s, e, level))
				return -ENOMEM;
		}
		uint64_t *sub = table_virt(s, *e & PTE_ADDR_MASK);
		int r = unmap_in(s, sub, level - 1, lo, MAX64(gpa, lo), MIN64(end, hi));
		if (r)
			return r;
		if (table_empty(s, sub)) {
			s->alloc->free_page(s->alloc->ctx, *e & PTE_ADDR_MASK);
			s->ntables--;
			*e = 0;
			s->flush_needed = true;
		}
	}
	return 0;
}

/*
 * Tables an unmap of [gpa, end) may have to create: only the large leaves
 * holding its first and last page can be covered in part, and splitting a
 * leaf at level l down to 4 KiB takes at most l - 1 tables. An upper bound
 * (both ends may share one leaf); at most 2 * 2 = MMU_UNMAP_RESERVE.
 */
static unsigned splits_needed(const struct mmu_space *s, uint64_t gpa, uint64_t end)
{
	const uint64_t ends[2] = { gpa, end - 1 };
	unsigned n = 0;

	for (int i = 0; i < 2; i++) {
		const uint64_t *t = table_virt(s, s->root_pa);
		for (int l = 4; l > 1; l--) {
			uint64_t e = t[index_at(ends[i], l)];
			if (!entry_present(s, e))
				break;
			if (e & PTE_LARGE) {
				uint64_t lo = ALIGN_DOWN64(ends[i], level_size[l]);
				if (lo < gpa || lo + level_size[l] > end)
					n += (unsigned)(l - 1);
				break;
			}
			t = table_virt(s, e & PTE_ADDR_MASK);
		}
	}
	return n;
}

static void release_reserved(struct mmu_space *s)
{
	while (s->nreserved)
		s->alloc->free_page(s->alloc->ctx, s->reserved[--s->nreserved]);
}

/*
 * All or nothing: the tables a split needs are allocated before anything
 * changes, so an unmap either fails with -ENOMEM having changed nothing or
 * removes the whole range. A caller that frees the frames it unmapped can
 * therefore never leave them mapped (issue 11 item 6).
 */
int mmu_unmap(struct mmu_space *s, uint64_t gpa, uint64_t size)
{
	if (!range_ok(gpa, size))
		return -EINVAL;
	unsigned need = splits_needed(s, gpa, gpa + size);
	for (s->nreserved = 0; s->nreserved < need; s->nreserved++) {
		if (s->alloc->alloc_page(s->alloc->ctx, &s->reserved[s->nreserved])) {
			release_reserved(s);
			return -ENOMEM;
		}
	}
	int r = unmap_in(s, table_virt(s, s->root_pa), 4, 0, gpa, gpa + size);
	release_reserved(s);
	return r;
}

int mmu_lookup(const struct mmu_space *s, uint64_t gpa, uint64_t *hpa,
	       unsigned *perms)
{
	const uint64_t *t = table_virt(s, s->root_pa);

	if (gpa >= MMU_GPA_LIMIT)
		return -ENOENT;
	for (int l = 4; l >= 1; l--) {
		uint64_t e = t[index_at(gpa, l)];
		if (!entry_present(s, e))
			return -ENOENT;
		if (l == 1 || (e & PTE_LARGE)) {
			uint64_t off = gpa & (level_size[l] - 1);
			*hpa = (e & PTE_ADDR_MASK & ~(level_size[l] - 1)) + off;
			*perms = entry_perms(s, e);
			return 0;
		}
		t = table_virt(s, e & PTE_ADDR_MASK);
	}
	return -ENOENT;
}

void mmu_space_destroy(struct mmu_space *s)
{
	if (s->root_pa)
		free_table(s, s->root_pa, 4);
	s->root_pa = 0;
	s->mapped_bytes = 0;
}
