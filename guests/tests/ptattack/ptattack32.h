/*
 * ptattack32.bin: the legacy paging modes of the hostile page-table attack
 * (docs/test-guests.md, "ptattack32.bin"): 32-bit paging with 4 MiB pages
 * (CR4.PSE, PSE-36) and PAE paging, entered from 32-bit protected mode.
 * The probes and verdicts are probe.h's (4-byte words here).
 */
#ifndef GUESTS_TESTS_PTATTACK_PTATTACK32_H
#define GUESTS_TESTS_PTATTACK_PTATTACK32_H

#include "probe.h"

#define PTE_P     0x001u
#define PTE_RW    0x002u
#define PTE_PCD   0x010u
#define PTE_PS    0x080u
#define MiB2      0x200000u
#define MiB4      0x400000u
#define X86_CR4_PSE (1ul << 4)
#define LAST_RAM_FRAME (RAM_END - KiB4)

/* Writes a 4- or 8-byte table entry and invalidates va. */
static inline void set_pte32(uint32_t *entry, uint32_t value, unsigned long va)
{
	*(volatile uint32_t *)entry = value;
	invlpg(va);
}

static inline void set_pte64(uint64_t *entry, uint64_t value, unsigned long va)
{
	/* two stores, high half first while the entry is not present yet
	 * or still maps the old frame: the guest runs on one CPU */
	volatile uint32_t *half = (volatile uint32_t *)entry;

	half[0] = 0;
	half[1] = (uint32_t)(value >> 32);
	half[0] = (uint32_t)value;
	invlpg(va);
}

void attack_legacy32(bool pse36);                        /* legacy32.c */
void attack_pae(unsigned int maxphyaddr, bool nxe);      /* pae.c */

#endif
