/*
 * Walks the guest's own page tables (guest-virtual → guest-physical), for
 * instruction fetch on exits, the emulator's memory callbacks and
 * KVM_TRANSLATE. Handles paging off, 32-bit paging (4 KiB and, with
 * CR4.PSE, 4 MiB pages), PAE and 4-level paging (2 MiB and 1 GiB pages).
 * Intel SDM Vol. 3 4.3-4.5; AMD APM Vol. 2 5.2-5.3.
 *
 * Freestanding; reads guest-physical memory through a callback so it runs
 * in the hypervisor and in host tests. Does not set accessed/dirty bits.
 */
#ifndef MMU_GUEST_WALK_H
#define MMU_GUEST_WALK_H

#include <stdbool.h>
#include <stdint.h>

struct guest_paging {
	uint64_t cr0, cr3, cr4, efer;
	/* Reads 'len' (4 or 8) bytes of guest-physical memory; 0 or <0. */
	int (*read_gpa)(void *ctx, uint64_t gpa, void *buf, unsigned len);
	void *ctx;
};

#define GUEST_WALK_MAX_ENTRIES 4

struct guest_translation {
	uint64_t gpa;
	/* Every entry the walk read, in order: the result is a function of
	 * these values (and the control registers) alone, so a caller may
	 * cache it and re-validate by comparing them. */
	unsigned nentries;
	uint8_t entry_bytes;    /* 4 (32-bit paging) or 8 */
	uint64_t entry_gpa[GUEST_WALK_MAX_ENTRIES];
	uint64_t entry_val[GUEST_WALK_MAX_ENTRIES];
	bool writable;          /* every level allows writes */
	bool user;              /* every level allows user access */
	bool nx;                /* some level forbids execution */
	uint64_t page_size;
};

/* 0 and *t; -EFAULT when a table cannot be read; -ENOENT when not present
 * (or a reserved-bit violation the CPU would fault on); -EOPNOTSUPP for
 * 5-level paging (long mode with CR4.LA57), which is not walked. */
int guest_walk(const struct guest_paging *p, uint64_t gva,
	       struct guest_translation *t);

#endif
