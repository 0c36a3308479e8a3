/*
 * ptattack.bin: hostile page tables (docs/test-guests.md, "ptattack.bin";
 * issue 13 item 3). The guest builds 4-level tables that point outside its
 * memory, at themselves, at MMIO, with reserved bits and huge pages over
 * holes, rewrites them while they are in use, and checks that every access
 * either faults as the architecture says or reads what the guest itself
 * put there: a marker in its RAM, the MMIO test device's registers, or the
 * VMM's answer for unclaimed MMIO (0). Anything else is a LEAK.
 *
 * Shared by its parts: the address-space layout (the probes and verdicts
 * are probe.h's).
 */
#ifndef GUESTS_TESTS_PTATTACK_PTATTACK_H
#define GUESTS_TESTS_PTATTACK_PTATTACK_H

#include "probe.h"

#define PTE_P     0x001ull
#define PTE_RW    0x002ull
#define PTE_PCD   0x010ull
#define PTE_A     0x020ull
#define PTE_D     0x040ull
#define PTE_PS    0x080ull
#define PTE_AD    (PTE_A | PTE_D)
#define MiB2      0x200000ull
#define GiB1      0x40000000ull

/*
 * The attack region: PML4 entry 1 (linear 512 GiB up). pdpt_t[0] -> pd_t,
 * pd_t[0] -> pt_t: VA_PT(i) is the page of pt_t[i], VA_PD(j) the 2 MiB of
 * pd_t[j], VA_PDPT(k) the GiB of pdpt_t[k].
 */
#define VA_BASE    0x8000000000ull
#define VA_PT(i)   (VA_BASE + (uint64_t)(i) * KiB4)
#define VA_PD(j)   (VA_BASE + (uint64_t)(j) * MiB2)
#define VA_PDPT(k) (VA_BASE + (uint64_t)(k) * GiB1)
/* The linear address that the indices a, b, c, d select (bits 47:12). */
#define VA_IDX(a, b, c, d) (((uint64_t)(a) << 39) | ((uint64_t)(b) << 30) | \
			    ((uint64_t)(c) << 21) | ((uint64_t)(d) << 12))

typedef uint64_t table[512] __attribute__((aligned(4096)));
extern table pml4, pdpt_t, pd_t, pt_t;
/* The identity map's first PD (2 MiB pages of [0, 1 GiB)). */
const uint64_t *pd_low_table(void);

/* Writes a table entry and invalidates va, the address it governs. */
static inline void set_entry(uint64_t *entry, uint64_t value, uint64_t va)
{
	*(volatile uint64_t *)entry = value;
	invlpg(va);
}

/* The parts of the attack. */
void attack_outside(unsigned int maxphyaddr);  /* outside.c: beyond RAM, reserved bits */
void attack_huge(bool gib_pages);              /* huge.c: large pages over holes */
void attack_mmio_tables(unsigned int maxphyaddr); /* mmio_tables.c: tables in MMIO */
void attack_recursive(void);                   /* recursive.c: self-maps */
void attack_rewrite(void);                     /* rewrite.c: live tables */

#endif
