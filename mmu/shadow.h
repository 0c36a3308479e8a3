/*
 * Shadow paging: page tables the hardware runs on when the CPU has no
 * second-level translation (no NPT/EPT). Each shadow table is the
 * composition of one guest table (the guest's gva -> gpa translation,
 * mmu/guest_access.h) with the VM's gpa -> hpa map (mmu/mmu.h, which stays
 * authoritative for which gfns the VM owns and with which rights).
 *
 * Used by SVM without NPT (arch/x86/svm/shadow.c) and VMX without EPT
 * (arch/x86/vmx/shadow.c), through core/vm_shadow.c; docs/architecture.md
 * "SVM without nested paging", "VMX without EPT".
 *
 * Formats: a long-mode guest runs on 4-level shadow tables; every legacy
 * guest (paging off, 32-bit paging with or without PSE, PAE) runs on
 * PAE-format shadow tables, whose root is a PDPT below 4 GiB. A 1024-entry
 * 32-bit guest table is shadowed by several 512-entry PAE tables (its
 * "quadrants"); guest large pages (4 MiB, 2 MiB, 1 GiB) are shadowed by
 * 4 KiB leaves in "direct" shadow tables, so a large page partly over MMIO
 * maps only its RAM parts.
 *
 * Rights: each shadow entry carries its own guest entry's R/W, U/S and NX,
 * so the hardware combines the levels exactly as the guest's own walk would
 * (SDM Vol. 3 4.6, APM Vol. 2 5.6); a leaf is writable only when the guest
 * entry is dirty, the VM's map allows writes and the gfn is not a guest page
 * table. No shadow entry carries G, PWT, PCD or PAT: the memory type is
 * write-back and a flush of the guest's ASID/VPID removes everything.
 * Coherence: every gfn some shadow table mirrors is write-protected in
 * every shadow leaf, its writes are emulated and reported back through
 * shadow_guest_wrote().
 *
 * Context: one struct shadow per VM, changed by one CPU at a time (the
 * caller serializes, as for struct mmu_space). It holds one paging context
 * (the registers of the last shadow_cr3_write): with several vCPUs, call
 * shadow_cr3_write with the running vCPU's registers before its faults (a
 * cache hit when they share the mode; vCPUs in different modes would drop
 * everything at each switch until contexts become per vCPU). Freestanding:
 * frames come from struct mmu_alloc, guest memory through the callbacks
 * below.
 *
 * The caller's duties, after every shadow_* call that can change them:
 *  - load root_hpa as the guest's hardware CR3 when it changed (a budget
 *    overrun or shadow_reset() rebuilds the root elsewhere);
 *  - flush the guest's TLB (ASID / VPID) when flush_needed is set, then
 *    clear it.
 * The hardware must run the guest with CR0.WP=1 (write protection must
 * stop supervisor writes too), CR0.PG=1 and, for a legacy guest, CR4.PAE=1,
 * CR4.PSE and EFER.NXE as the guest set them (EFER.NXE decides whether the
 * shadow's NX bits are valid).
 */
#ifndef MMU_SHADOW_H
#define MMU_SHADOW_H

#include <stdbool.h>
#include <stdint.h>
#include "mmu/mmu.h"

struct shadow_config {
	/* The VM's gpa -> hpa map: leaves only ever point where it maps. */
	const struct mmu_space *space;
	/*
	 * Shadow frames. A PAE-format root is loaded into a 32-bit CR3, so it
	 * is taken from alloc->alloc_page_below_4g (mmu/mmu.h); without that
	 * callback alloc_page is used and a frame above 4 GiB is refused.
	 */
	const struct mmu_alloc *alloc;
	/* Guest-physical reads of 4 or 8 bytes (guest page-table entries):
	 * 0 or <0. Only called for gpas the VM's map holds (RAM). */
	int (*read_gpa)(void *ctx, uint64_t gpa, void *buf, unsigned len);
	/* Accessed/dirty updates, as guest_access_cpu.update_entry (a
	 * compare-and-store; it must also mark the page dirty when the VM
	 * logs dirty pages). Required: a leaf becomes writable only once
	 * its dirty bit is set. */
	int (*update_entry)(void *ctx, uint64_t gpa, uint64_t old, uint64_t new,
			    unsigned len);
	void *ctx;
	uint8_t maxphyaddr;     /* the guest's CPUID 0x80000008 EAX[7:0] */
	bool pdpe1gb;           /* the guest's CPUID announces 1 GiB pages */
	/* Shadow table and reverse-map frames (two per shadow table) the VM
	 * may hold at once (SHADOW_BUDGET_MIN..SHADOW_BUDGET_MAX); past it
	 * everything is dropped and rebuilt on demand. Metadata frames come on top:
	 * 3 + budget / 102. */
	unsigned budget_frames;
};

#define SHADOW_BUDGET_MIN 16
#define SHADOW_BUDGET_MAX 4096
#define SHADOW_META_FRAMES_MAX 48

/* The guest's paging registers as it set them. */
struct shadow_paging {
	uint64_t cr0, cr3, cr4, efer;
};

struct shadow {
	struct shadow_config cfg;
	struct shadow_paging paging;    /* the last shadow_cr3_write() */
	bool paging_valid;
	uint64_t pdpte[4];      /* PAE: the PDPTE registers that CR3 load read */
	uint64_t root_hpa;      /* the guest's hardware CR3; 0 until loaded */
	uint32_t root_sp;
	bool flush_needed;      /* set on any dropped or reduced entry */

	/* private to mmu/shadow_*.c */
	bool pdpte_from_regs;   /* the walk's next read is the PDPTE */
	uint64_t meta_hpa[SHADOW_META_FRAMES_MAX];
	unsigned nmeta;
	uint64_t sp_hash_hpa, table_hash_hpa, rmap_hash_hpa;
	uint32_t free_sp;       /* free shadow_page records, by hash_next */
	uint32_t capacity;      /* shadow_page records */

	/* statistics */
	unsigned frames;        /* every frame held, metadata included */
	unsigned budget_used;   /* tables and reverse-map frames: 2 * npages */
	unsigned nresets;       /* drop-alls: shadow_reset() and overruns */
	unsigned npages;        /* shadow tables */
};

/* 0, -EINVAL (budget out of range), -ENOMEM. No root until the first
 * shadow_cr3_write(). */
int shadow_init(struct shadow *s, const struct shadow_config *cfg);
/* Frees every frame. */
void shadow_destroy(struct shadow *s);

/*
 * The guest's paging registers changed: call it for every guest write to
 * CR3 (MOV, task switch) and to CR0, CR4 or EFER, and once before the
 * first shadow_fault(). A change of the bits that say how the guest
 * translates (CR0.PG/WP, CR4.PAE/PSE, EFER.LMA/NXE) drops everything; a
 * PAE guest's PDPTEs are read again every time, as a CPU loads its PDPTE
 * registers on those writes (SDM Vol. 3 4.4.1). The root for this CR3 is
 * looked up in the cache: a CR3 seen before costs no allocation.
 * On success s->root_hpa is the hardware CR3 to load; the caller flushes as
 * flush_needed says, and also as the guest's MOV CR3 requires of a TLB
 * (with no global bit in any shadow leaf, a flush of the guest's ASID/VPID
 * covers it). Returns 0; -EINVAL when a present PDPTE has reserved bits
 * (the caller raises #GP(0) and keeps the old CR3; nothing changed here);
 * -EOPNOTSUPP for 5-level paging; -ENOMEM (root_hpa is then 0).
 */
int shadow_cr3_write(struct shadow *s, const struct shadow_paging *p);

enum shadow_fault_result {
	SHADOW_FIXED,           /* shadow entries installed: resume */
	SHADOW_GUEST_PF,        /* the guest's tables forbid the access:
				 * inject #PF(error_code), CR2 = gva */
	SHADOW_MMIO,            /* gpa is in no slot: emulate */
	SHADOW_DIRTY_LOG,       /* a write to a gpa the VM's map has
				 * read-only: log it, map it writable, retry */
	SHADOW_PT_WRITE,        /* a write to a guest page table: emulate it,
				 * then shadow_guest_wrote() */
	SHADOW_WP0_WRITE,       /* a supervisor write the guest's CR0.WP=0
				 * allows to a read-only page (the hardware
				 * runs with WP=1): emulate it, then
				 * shadow_guest_wrote() */
};

struct shadow_fault_info {
	uint64_t gpa;           /* MMIO, DIRTY_LOG, PT_WRITE, WP0_WRITE */
	uint32_t error_code;    /* GUEST_PF */
};

/*
 * A #PF the hardware raised under the shadow tables at gva; acc is
 * GUEST_ACC_* (mmu/guest_access.h) from the error code and CPL, rflags_ac
 * the guest's RFLAGS.AC (SMAP), present the error code's P bit. A
 * not-present fault on an MMIO leaf (a gva whose guest leaf was found to
 * map a gpa in no slot, and the shadow path grants the access) is
 * SHADOW_MMIO at once, from the shadow tables alone; a protection fault
 * (present) never is, and skips that look. Otherwise walks the guest's
 * tables as the CPU would (setting accessed bits, and the dirty bit for a
 * write), then installs the missing shadow entries (an MMIO leaf for a gpa
 * in no slot) or says what the caller must do. A guest table in a
 * gfn that is not RAM makes the access a not-present #PF (see
 * docs/architecture.md, "Shadow paging"). Returns a shadow_fault_result,
 * -EOPNOTSUPP (5-level paging), -EINVAL (no shadow_cr3_write() yet) or
 * -ENOMEM.
 */
int shadow_fault(struct shadow *s, uint64_t gva, unsigned acc, bool rflags_ac,
		 bool present, struct shadow_fault_info *info);

/*
 * The caller wrote [gpa, gpa + len_bytes) of guest memory behind the shadow
 * tables' back (the emulated write of SHADOW_PT_WRITE, or any write the
 * hypervisor makes for the guest): drops the shadow entries derived from
 * the guest entries it touched. Cheap when no shadow table mirrors it.
 */
void shadow_guest_wrote(struct shadow *s, uint64_t gpa, uint64_t len_bytes);

/*
 * Stops shadowing the guest table at gpa's gfn: for a write to it that the
 * caller cannot emulate (SHADOW_PT_WRITE, SHADOW_WP0_WRITE), so the
 * instruction can run natively once the fault that follows makes the leaf
 * writable. The tables that mirrored it are unlinked and freed; the next
 * fault through it shadows it again, so this helps for a page that is no
 * longer a table (freed and reused as data), not for one the access itself
 * walks through (the retried fault reports SHADOW_PT_WRITE again: the
 * caller must emulate or stop the guest). Returns 0, or -EBUSY when the
 * gfn is the current root's guest table (still shadowed: the root cannot
 * go).
 */
int shadow_unprotect(struct shadow *s, uint64_t gpa);

/* The guest's INVLPG: drops the shadow leaf for gva and sets
 * flush_needed (a flush of gva alone, INVLPGA / INVVPID, is enough). */
void shadow_invlpg(struct shadow *s, uint64_t gva);

/*
 * Drops every shadow table and rebuilds the current root: for changes of
 * the VM's gpa -> hpa map (slots created, moved or deleted, dirty logging
 * re-protected). 0 or -ENOMEM (then root_hpa is 0: the guest cannot run).
 */
int shadow_reset(struct shadow *s);

#endif
