/*
 * ptattack.bin: hostile page tables (docs/test-guests.md, "ptattack.bin";
 * issue 13 item 3). The guest builds 4-level tables that point outside its
 * memory, at themselves, at MMIO, with reserved bits and huge pages over
 * holes, rewrites them while they are in use, and checks that every access
 * either faults as the architecture says or reads what the guest itself
 * put there: a marker in its RAM, the MMIO test device's registers, or the
 * VMM's answer for unclaimed MMIO (0). Anything else is a LEAK.
 *
 * Shared by its parts: the address-space layout, the probes that catch a
 * #PF, and the verdicts.
 */
#ifndef GUESTS_TESTS_PTATTACK_PTATTACK_H
#define GUESTS_TESTS_PTATTACK_PTATTACK_H

#include "guest.h"

#define PTE_P     0x001ull
#define PTE_RW    0x002ull
#define PTE_PCD   0x010ull
#define PTE_A     0x020ull
#define PTE_D     0x040ull
#define PTE_PS    0x080ull
#define PTE_AD    (PTE_A | PTE_D)
#define PTE_ADDR  0x000ffffffffff000ull
#define KiB4      0x1000ull
#define MiB2      0x200000ull
#define GiB1      0x40000000ull
#define VEC_PF    14
#define NO_FAULT  0xffu
#define CR0_WP    (1ul << 16)
#define PF_W      0x02ul            /* #PF error code (SDM Vol. 3A 4.7) */
#define PF_RSVD   0x08ul
#define PF_P      0x01ul

/* The VM the system test creates: 17 MiB of RAM at GPA 0, so that RAM
 * ends in the middle of a 2 MiB page. */
#define RAM_END   0x1100000ull

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

/* RAM frames the guest fills with markers (below RAM_END, above .bss). */
#define FRAME_A   0x400000ull
#define FRAME_B   0x401000ull
#define FRAME_C   0x402000ull
#define FRAME_D   0x403000ull
#define TABLE_X   0x404000ull       /* spare page-table frames */
#define TABLE_Y   0x405000ull
#define TABLE_Z   0x406000ull

/* What a marker page holds at guest-physical gpa (8-byte aligned): its
 * own address, so a read from the wrong frame or offset shows. */
static inline uint64_t marker(uint64_t gpa)
{
	return 0x5054414b00000000ull ^ gpa;     /* "PTAK" */
}
void fill_markers(uint64_t frame);

/* Guest-physical memory through the identity map of the first GiB. */
static inline volatile uint64_t *phys(uint64_t gpa)
{
	return (volatile uint64_t *)(uintptr_t)gpa;
}

static inline void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void reload_cr3(void)
{
	write_cr3(read_cr3());
}

/* Writes a table entry and invalidates va, the address it governs. */
static inline void set_entry(uint64_t *entry, uint64_t value, uint64_t va)
{
	*(volatile uint64_t *)entry = value;
	invlpg(va);
}

/* One 8-byte load or store at va; the vector it raised (NO_FAULT if none)
 * with the #PF's error code and CR2 in the fault record. */
struct fault {
	unsigned int vector;
	unsigned long error, cr2;
};
extern volatile struct fault last_fault;
unsigned int read_va(uint64_t va, uint64_t *value);
unsigned int write_va(uint64_t va, uint64_t value);

/* The access counts the system test compares with the VMM's `stats`. */
extern unsigned int unclaimed_reads, unclaimed_writes;

/*
 * The verdicts, one check each. A read that returns a value nobody gave
 * the guest prints "ptattack: LEAK ..." as well as the FAIL line.
 *  expect_value: the read at va must not fault and give want.
 *  expect_pf: the access must raise #PF with exactly error and CR2 = va.
 *  expect_unclaimed: the read must reach the VMM's unclaimed MMIO (0);
 *  counts it.
 */
bool expect_value(const char *what, uint64_t va, uint64_t want);
bool expect_pf(const char *what, uint64_t va, bool write, unsigned long error);
bool expect_unclaimed(const char *what, uint64_t va);

/* The parts of the attack. */
void attack_outside(unsigned int maxphyaddr);  /* outside.c: beyond RAM, reserved bits */
void attack_huge(bool gib_pages);              /* huge.c: large pages over holes */
void attack_mmio_tables(unsigned int maxphyaddr); /* mmio_tables.c: tables in MMIO */
void attack_recursive(void);                   /* recursive.c: self-maps */
void attack_rewrite(void);                     /* rewrite.c: live tables */

#endif
