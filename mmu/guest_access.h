/*
 * A guest's memory access as the CPU checks it, on top of the walk
 * (mmu/guest_walk.h): reserved bits in the entries it used, the access
 * rights (U/S, R/W with CR0.WP, NX with EFER.NXE, SMEP, SMAP with
 * RFLAGS.AC), the page-fault error code when it fails, and the accessed and
 * dirty bits when it succeeds. Intel SDM Vol. 3 4.6-4.8; AMD APM Vol. 2
 * 5.6-5.7.
 *
 * Shadow paging (issue 13) decides with it whether a #PF is the guest's
 * own (reflect it with this error code) or a shadow miss; the instruction
 * emulator can use it for the accesses it makes. Freestanding and
 * host-testable like the walker.
 *
 * Not modelled: protection keys (CPUID hides PKU) and 5-level paging (the
 * walker refuses it). The reserved bits of PAE's PDPTEs are checked when
 * a CR3 load reads them (#GP), not on an access: guest_pdpte_reserved.
 */
#ifndef MMU_GUEST_ACCESS_H
#define MMU_GUEST_ACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include "mmu/guest_walk.h"

/* What the access is (any combination; none: a supervisor read). */
#define GUEST_ACC_WRITE    1u
#define GUEST_ACC_USER     2u   /* CPL 3 */
#define GUEST_ACC_FETCH    4u
#define GUEST_ACC_IMPLICIT 8u   /* supervisor access to a GDT, IDT, TSS...:
				 * SMAP applies whatever RFLAGS.AC says */

/* The page-fault error code (SDM Vol. 3 4.7). */
#define PF_ERR_P    (1u << 0)   /* present: a rights or reserved-bit fault */
#define PF_ERR_W    (1u << 1)
#define PF_ERR_U    (1u << 2)
#define PF_ERR_RSVD (1u << 3)
#define PF_ERR_I    (1u << 4)

/* The access a hardware #PF's error code describes, as GUEST_ACC_* bits
 * (what a shadow-paging fault asks shadow_fault() for): U means CPL 3, I
 * an instruction fetch (set with EFER.NXE or CR4.SMEP; without them a
 * fetch needs no right a read lacks). */
static inline unsigned guest_access_of_pf(uint32_t error_code)
{
	return (error_code & PF_ERR_W ? GUEST_ACC_WRITE : 0) |
	       (error_code & PF_ERR_U ? GUEST_ACC_USER : 0) |
	       (error_code & PF_ERR_I ? GUEST_ACC_FETCH : 0);
}

struct guest_access_cpu {
	bool rflags_ac;         /* RFLAGS.AC: SMAP lets explicit accesses by */
	bool pdpe1gb;           /* 1 GiB pages exist (CPUID) */
	uint8_t maxphyaddr;     /* physical address bits (CPUID 0x80000008) */
	/*
	 * Sets accessed/dirty bits: the entry at gpa (len 4 or 8 bytes) held
	 * 'old' when the walk read it; store 'new' if it still does. 0 when
	 * stored, 1 when it changed meanwhile (the access is walked again),
	 * <0 when it cannot be written. NULL: the bits are not set.
	 */
	int (*update_entry)(void *ctx, uint64_t gpa, uint64_t old, uint64_t new,
			    unsigned len);
};

enum guest_access_result {
	GUEST_ACCESS_OK = 0,            /* *t holds the translation */
	GUEST_ACCESS_FAULT = 1,         /* #PF with *error_code */
};

/*
 * Translates gva for an access of kind acc (GUEST_ACC_*). Returns
 * GUEST_ACCESS_OK (accessed bits set in every entry used, the dirty bit in
 * the last one for a write), GUEST_ACCESS_FAULT with the error code (no bit
 * set), or what guest_walk returns for a table it cannot read (-EFAULT) or
 * a mode it does not walk (-EOPNOTSUPP).
 */
int guest_access(const struct guest_paging *p, const struct guest_access_cpu *cpu,
		 uint64_t gva, unsigned acc, struct guest_translation *t,
		 uint32_t *error_code);

/*
 * The reserved-bit check alone, on the entries of a walk guest_walk made
 * (whatever it returned): does one of them, before the first not-present
 * one, have a bit set that the CPU reserves? The CPU checks each entry as
 * it reads it, so that is a #PF with P and RSVD (SDM Vol. 3 4.7) whatever
 * the walk found further on. guest_access() makes this check; the
 * instruction emulator's walks (core/guest_mem.c) make it with this.
 * Only cpu->maxphyaddr and cpu->pdpe1gb are used.
 */
bool guest_walk_reserved(const struct guest_paging *p, const struct guest_access_cpu *cpu,
			 const struct guest_translation *t);

/* A PAE PDPTE as loading CR3 reads it (SDM Vol. 3 4.4.1, Table 4-8; APM
 * Vol. 2 5.3.3): present with a bit of 2:1, 8:5 or 63:maxphyaddr set is
 * #GP(0) for the instruction that loaded CR3. Shared by the shadow tables,
 * the emulator's MOV to CR3 and task switches. */
bool guest_pdpte_reserved(uint64_t pdpte, unsigned maxphyaddr);

#endif
