/*
 * Second-level address translation: one guest-physical → host-physical
 * address space per VM, built as AMD nested page tables (NPT) or Intel EPT
 * behind the same calls, so core/ never knows which. Without either the map
 * is what the shadow page tables are built from (mmu/shadow.h).
 *
 * Freestanding and host-testable: page-table frames come from the caller's
 * allocator. Not locked: one space is changed by one CPU at a time (core/
 * serializes per VM). After any unmap or permission reduction the caller
 * must flush the guest's TLB (ASID / INVEPT) before the guest runs again;
 * mmu_* returns whether that is needed via s->flush_needed.
 */
#ifndef MMU_MMU_H
#define MMU_MMU_H

#include <stdbool.h>
#include <stdint.h>

enum mmu_format {
	MMU_FORMAT_NPT,         /* x86-64 long-mode page tables, P/RW/US */
	MMU_FORMAT_EPT,         /* Intel EPT, R/W/X and memory type */
};

#define MMU_READ   1u
#define MMU_WRITE  2u
#define MMU_EXEC   4u
#define MMU_RWX    (MMU_READ | MMU_WRITE | MMU_EXEC)

struct mmu_alloc {
	/* Returns 0 and a zeroed 4 KiB frame's physical address, or <0. */
	int (*alloc_page)(void *ctx, uint64_t *pa);
	void (*free_page)(void *ctx, uint64_t pa);
	/* Where the hypervisor can read and write the frame at 'pa'. */
	void *(*virt)(void *ctx, uint64_t pa);
	void *ctx;
	/*
	 * Optional: as alloc_page, but a frame below 4 GiB. Shadow paging
	 * (mmu/shadow.h) needs one for each PAE-format root, which a legacy
	 * guest's 32-bit CR3 must reach (SDM Vol. 3 4.4.1: CR3 bits 31:5).
	 * NULL: alloc_page is used and a frame above 4 GiB is refused.
	 */
	int (*alloc_page_below_4g)(void *ctx, uint64_t *pa);
};

/* Most tables one unmap can need: each end of the range may split a 1 GiB
 * leaf into 2 MiB ones and one of those into 4 KiB ones. */
#define MMU_UNMAP_RESERVE 4

struct mmu_space {
	enum mmu_format fmt;
	uint64_t root_pa;       /* PML4 (NPT: nCR3; EPT: EPTP address bits) */
	const struct mmu_alloc *alloc;
	bool allow_2m, allow_1g;
	bool flush_needed;      /* set by unmap/protect; cleared by the caller */
	uint64_t ntables;       /* page-table frames in use */
	uint64_t mapped_bytes;
	/* frames mmu_unmap took before changing anything */
	uint64_t reserved[MMU_UNMAP_RESERVE];
	unsigned nreserved;
};

#define MMU_GPA_LIMIT (1ULL << 48)      /* 4-level tables */

int mmu_space_init(struct mmu_space *s, enum mmu_format fmt,
		   const struct mmu_alloc *alloc, bool allow_2m, bool allow_1g);
/* Frees every table frame (not the memory that was mapped). */
void mmu_space_destroy(struct mmu_space *s);

/*
 * Maps [gpa, gpa+size) to [hpa, hpa+size) with 'perms' (MMU_*), using 2 MiB
 * and 1 GiB entries where both addresses are aligned and allowed. All
 * arguments page-aligned. Replaces what was mapped there. Returns 0,
 * -EINVAL (misaligned, beyond MMU_GPA_LIMIT) or -ENOMEM (tables; the part
 * already mapped stays mapped).
 */
int mmu_map(struct mmu_space *s, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned perms);
/*
 * Removes translations in [gpa, gpa+size); splits large pages as needed.
 * All or nothing: 0, -EINVAL, or -ENOMEM with nothing changed (the tables a
 * split needs are allocated first). A range whose ends fall on leaf
 * boundaries (a range mapped by one mmu_map call, say) needs no split and
 * cannot fail.
 */
int mmu_unmap(struct mmu_space *s, uint64_t gpa, uint64_t size);
/* Translates one address: 0 with *hpa and *perms, or -ENOENT. */
int mmu_lookup(const struct mmu_space *s, uint64_t gpa, uint64_t *hpa,
	       unsigned *perms);

#endif
