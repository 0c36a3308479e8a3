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

struct guest_translation {
	uint64_t gpa;
	bool writable;          /* every level allows writes */
	bool user;              /* every level allows user access */
	bool nx;                /* some level forbids execution */
	uint64_t page_size;
};

/* 0 and *t; -EFAULT when a table cannot be read; -ENOENT when not present
 * (or a reserved-bit violation the CPU would fault on). */
int guest_walk(const struct guest_paging *p, uint64_t gva,
	       struct guest_translation *t);

#endif
