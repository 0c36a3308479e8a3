/*
 * Access to a VM's memory from the hypervisor: by guest-physical address
 * (through the VM's second-level tables, so every mapping counts, not only
 * RAM) and by the guest's own virtual addresses (its page tables).
 */
#ifndef CORE_GUEST_MEM_H
#define CORE_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>
#include "core/vm.h"

/* 0, or -EFAULT when part of the range is not mapped. */
int guest_read_gpa(struct vm *vm, uint64_t gpa, void *buf, size_t len);
int guest_write_gpa(struct vm *vm, uint64_t gpa, const void *buf, size_t len);
/* Host pointer to 'len' bytes at gpa if they lie in one mapped page run;
 * NULL otherwise. */
void *guest_gpa_ptr(struct vm *vm, uint64_t gpa, size_t len);

/* Reads up to 'max' bytes at linear address 'la' through the guest's page
 * tables as given by cr0/cr3/cr4/efer (no permission checks); returns how
 * many were readable (>0) or -EFAULT. For exit paths that already hold
 * the paging registers. */
int guest_read_linear(struct vcpu *v, uint64_t cr0, uint64_t cr3, uint64_t cr4,
		      uint64_t efer, uint64_t la, uint8_t *buf, unsigned max);

/*
 * Host pointer to 'len' bytes at linear 'la' if the vCPU's fetch cache
 * (struct vcpu_fetch_cache) holds their page and is still valid; NULL
 * otherwise (then use guest_read_linear, which refills it). Inline: this is
 * the exit path's instruction check.
 */
static inline bool guest_xlat_valid(const struct vcpu *v, const struct vcpu_xlat *c,
				    uint64_t cr0, uint64_t cr3, uint64_t cr4,
				    uint64_t efer, uint64_t la)
{
	if (!c->valid || la - c->la_page >= 4096 || c->cr3 != cr3 ||
	    c->cr0 != cr0 || c->cr4 != cr4 || c->efer != efer ||
	    c->mem_gen != v->vm->mem_gen)
		return false;
	/* the entry size tested once, not per entry: on every SVM CPUID,
	 * MSR and hypercall exit without NRIP-save */
	if (c->entry_bytes == 8) {      /* PAE and 4-level paging */
		for (unsigned i = 0; i < c->nentries; i++)
			if (*(const uint64_t *)c->entry_ptr[i] != c->entry_val[i])
				return false;
		return true;
	}
	for (unsigned i = 0; i < c->nentries; i++)
		if (*(const uint32_t *)c->entry_ptr[i] != c->entry_val[i])
			return false;
	return true;
}

static inline const uint8_t *guest_fetch_cached(const struct vcpu *v, uint64_t cr0,
						uint64_t cr3, uint64_t cr4,
						uint64_t efer, uint64_t la,
						unsigned len)
{
	const struct vcpu_xlat *c = &v->fetch;
	uint64_t off = la - c->la_page;

	if (!guest_xlat_valid(v, c, cr0, cr3, cr4, efer, la) || !c->page ||
	    len > 4096 - off)
		return 0;
	return c->page + off;
}

/*
 * Translates linear 'la' like the CPU (guest_walk), through the remembered
 * translation 'c' (v->fetch or v->data) when it is still valid, and
 * remembers the result otherwise. 0 and *t (gpa and the access flags),
 * -EINVAL when an entry it read has a reserved bit set (a #PF with P and
 * RSVD: mmu/guest_access.h, guest_walk_reserved), or the walk's error.
 */
struct guest_translation;
int guest_translate(struct vcpu *v, struct vcpu_xlat *c, uint64_t cr0,
		    uint64_t cr3, uint64_t cr4, uint64_t efer, uint64_t la,
		    struct guest_translation *t);

/* The accessed bit in every entry of c's translation and, for a write,
 * the dirty bit in its leaf, as the CPU sets them on an access it lets
 * through (SDM Vol. 3 4.8; the instruction emulator's accesses). A guest
 * entry that changed meanwhile is left alone and c dropped (the next
 * access walks again). Only while guest_xlat_holds(c, la). */
void guest_xlat_mark_used(struct vcpu *v, struct vcpu_xlat *c, bool write);

/* Sets accessed/dirty bits: the guest entry at gpa (len 4 or 8) from old
 * to new if it still holds old, with a locked compare-and-store; the page
 * counts as written for dirty logging. 0 stored, 1 changed meanwhile,
 * -EFAULT not RAM. (struct guest_access_cpu's update_entry, ctx the VM.) */
int guest_update_entry(void *ctx, uint64_t gpa, uint64_t old, uint64_t new,
		       unsigned len);

/* After guest_translate() through c succeeded for linear 'la': does c now
 * hold la's page? (It does unless the walk read entries outside slot
 * RAM.) Then c->page and c->mmio say where the access goes without a
 * slot lookup. */
static inline bool guest_xlat_holds(const struct vcpu_xlat *c, uint64_t la)
{
	return c->valid && la - c->la_page < 4096;
}

/* Reads up to 'max' instruction bytes at CS:RIP; returns how many (>0)
 * were readable, or -EFAULT if not even the first byte was. */
int guest_fetch_insn(struct vcpu *v, uint8_t *buf, unsigned max);

#endif
