/*
 * Shadow paging internals shared by mmu/shadow_*.c (not for other layers:
 * mmu/shadow.h is the interface).
 *
 * A shadow page is one shadow table frame plus a record saying what it
 * mirrors: its gfn and role. The records live in metadata frames, indexed
 * by a 32-bit number; a hash table (keyed by gfn) finds them, a second one
 * (keyed by host frame) chains every present leaf entry: the reverse map
 * that write protection walks and through which a table is unlinked from
 * its parents. Each shadow table has a reverse-map frame beside it: one
 * {next, prev} link per entry. Only level-1 shadow tables hold leaves
 * (guest large pages are shadowed by 4 KiB leaves).
 */
#ifndef MMU_SHADOW_INTERNAL_H
#define MMU_SHADOW_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "mmu/shadow.h"

#define SHADOW_ENTRIES    512
#define SP_NONE           UINT32_MAX
#define SP_PER_META_FRAME (4096u / sizeof(struct shadow_page))
#define HASH_BUCKETS      1024u

/* Shadow entry bits: long-mode / PAE format (SDM Vol. 3 4.4, 4.5). */
#define SPTE_P    (1ULL << 0)
#define SPTE_RW   (1ULL << 1)
#define SPTE_US   (1ULL << 2)
#define SPTE_A    (1ULL << 5)
#define SPTE_D    (1ULL << 6)
#define SPTE_PS   (1ULL << 7)
#define SPTE_NX   (1ULL << 63)
#define SPTE_ADDR 0x000ffffffffff000ULL
/*
 * An MMIO leaf: a not-present level-1 entry (P = 0, so the CPU ignores
 * every other bit and caches nothing, SDM Vol. 3 4.10.2.3, APM Vol. 2
 * 5.5.1) that says the guest entry it mirrors maps gpa SPTE_ADDR, outside
 * every slot. It keeps the guest leaf's R/W, U/S, NX and D (always set for
 * a direct table's leaf: the large page's rights are in the link), so a
 * fault on it goes to the emulator without the guest walk when the shadow
 * path grants the access (shadow_fault.c, mmio_hit). Never in the reverse
 * map; cleared with the entry it mirrors like any leaf.
 */
#define SPTE_MMIO (1ULL << 62)

#define CR0_WP    (1ULL << 16)
#define CR0_PG    (1ULL << 31)
#define CR4_PSE   (1ULL << 4)
#define CR4_PAE   (1ULL << 5)
#define CR4_LA57  (1ULL << 12)
#define EFER_LMA  (1ULL << 10)
#define EFER_NXE  (1ULL << 11)

/* How the guest translates; a change of mode drops every shadow table. */
enum shadow_mode {
	SHADOW_MODE_OFF,        /* paging off: identity over 4 GiB */
	SHADOW_MODE_32,         /* 32-bit paging, 4-byte entries */
	SHADOW_MODE_PAE,
	SHADOW_MODE_LONG,       /* 4-level */
};

/*
 * What a shadow table mirrors, with its gfn:
 *  - a guest table (direct = 0, pdpt_root = 0): gfn is the guest table's;
 *    for a 32-bit guest, quadrant says which part of the 1024-entry table
 *    (level 1: entries q*512.., level 2: PDEs q*256..);
 *  - a direct table (direct = 1): part of a guest large page, or of the
 *    paging-off identity map; gfn is the first gfn it maps, entry i maps
 *    gfn + i * 512^(level-1);
 *  - a PAE-format root (pdpt_root = 1, level 3) of a legacy guest: gfn is
 *    the guest's CR3 bits 31:5 (a PAE PDPT need not be page-aligned).
 * The level-4 root of a long-mode guest is an ordinary guest-table shadow.
 */
union shadow_role {
	uint32_t word;
	struct {
		uint32_t level : 3;     /* 1..4; 0: a free record */
		uint32_t quadrant : 2;
		uint32_t direct : 1;
		uint32_t pdpt_root : 1;
	};
};

struct shadow_page {
	uint64_t gfn;
	uint64_t table_hpa;
	uint64_t rmap_hpa;      /* struct rmap_link[512] */
	uint32_t hash_next;     /* by gfn, or the free list */
	uint32_t hpa_next;      /* by table_hpa: the walk down a shadow path */
	union shadow_role role;
	uint32_t writes;        /* emulated writes since a fault used it */
};
_Static_assert(SHADOW_BUDGET_MAX <= SHADOW_META_FRAMES_MAX * SP_PER_META_FRAME,
	       "a record for every frame of the largest budget");

struct rmap_link {
	uint32_t next, prev;    /* node = sp index * 512 + entry index */
};

/* mmu/shadow_pages.c: records, frames, the cache and the budget */
struct shadow_page *sp_at(const struct shadow *s, uint32_t idx);
uint64_t *sp_table(const struct shadow *s, const struct shadow_page *sp);
void *shadow_virt(const struct shadow *s, uint64_t hpa);
uint32_t sp_find(const struct shadow *s, uint64_t gfn, union shadow_role role);
/* The shadow page whose table is at hpa (a non-leaf entry's target). */
uint32_t sp_by_table(const struct shadow *s, uint64_t hpa);
/* The cached page or a new one; SP_NONE when the budget or the allocator
 * runs out (the caller drops everything and starts again). */
uint32_t sp_get(struct shadow *s, uint64_t gfn, union shadow_role role);
bool sp_is_guest_table(const struct shadow_page *sp);
/* A shadow table mirrors gfn (its writes must be emulated). */
bool gfn_is_guest_table(const struct shadow *s, uint64_t gfn);
void shadow_drop_all(struct shadow *s);
/* Unlinks one shadow table from its parents and frees it (not the root). */
void sp_free(struct shadow *s, uint32_t idx);
int shadow_pages_init(struct shadow *s);
void shadow_pages_destroy(struct shadow *s);
uint32_t *sp_hash_bucket(const struct shadow *s, uint64_t gfn);

/* mmu/shadow_rmap.c: entries and the reverse map */
void rmap_init(struct shadow *s);
/* Sets entry i of a shadow table (leaf or link), flushing what it reduces. */
void entry_set(struct shadow *s, uint32_t sp_idx, unsigned i, uint64_t spte);
void spte_clear(struct shadow *s, uint32_t sp_idx, unsigned i);
/* Clears every entry that points to the shadow table sp_idx. */
void unlink_parents(struct shadow *s, uint32_t sp_idx);
void write_protect_gfn(struct shadow *s, uint64_t gfn);

/* mmu/shadow_root.c */
enum shadow_mode shadow_mode_of(const struct shadow_paging *p);
int shadow_load_root(struct shadow *s);

/* mmu/shadow_fault.c: the index of gva's entry in a shadow table at
 * 'level'; the PAE root's entry i */
unsigned shadow_index(const struct shadow *s, uint64_t gva, unsigned level);
bool root_child(const struct shadow *s, unsigned i, uint64_t *gfn,
		union shadow_role *role);
uint64_t link_entry(const struct shadow *s, const struct shadow_page *parent,
		    const struct shadow_page *child, uint64_t rights);

#endif
