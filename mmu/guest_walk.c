/* Guest page-table walker (see mmu/guest_walk.h). */
#include "mmu/guest_walk.h"
#include "abi/errno.h"

#define CR0_PG   (1ULL << 31)
#define CR4_PSE  (1ULL << 4)
#define CR4_PAE  (1ULL << 5)
#define CR4_LA57 (1ULL << 12)
#define EFER_LMA (1ULL << 10)
#define PTE_P    (1ULL << 0)
#define PTE_RW   (1ULL << 1)
#define PTE_US   (1ULL << 2)
#define PTE_PS   (1ULL << 7)
#define PTE_NX   (1ULL << 63)
#define ADDR_MASK_64 0x000ffffffffff000ULL

static int read_entry(const struct guest_paging *p, struct guest_translation *t,
		      uint64_t gpa, unsigned len, uint64_t *e)
{
	*e = 0;
	if (p->read_gpa(p->ctx, gpa, e, len))
		return -EFAULT;
	if (t->nentries < GUEST_WALK_MAX_ENTRIES) {
		t->entry_gpa[t->nentries] = gpa;
		t->entry_val[t->nentries++] = *e;
	}
	t->entry_bytes = (uint8_t)len;
	return 0;
}

static void accumulate(struct guest_translation *t, uint64_t e)
{
	t->writable = t->writable && (e & PTE_RW);
	t->user = t->user && (e & PTE_US);
	t->nx = t->nx || (e & PTE_NX);
}

/* 32-bit paging: two levels of 4-byte entries (SDM 4.3). */
static int walk_32(const struct guest_paging *p, uint64_t gva,
		   struct guest_translation *t)
{
	uint64_t pde, pte;
	uint32_t va = (uint32_t)gva;

	if (read_entry(p, t, (p->cr3 & 0xfffff000) + ((va >> 22) << 2), 4, &pde))
		return -EFAULT;
	if (!(pde & PTE_P))
		return -ENOENT;
	accumulate(t, pde & 0xffffffff);
	if ((pde & PTE_PS) && (p->cr4 & CR4_PSE)) {
		/* 4 MiB page; PDE bits 13-20 hold physical address bits 32-39 */
		uint64_t base = (pde & 0xffc00000) | ((pde & 0x1fe000ULL) << 19);
		t->gpa = base | (va & 0x3fffff);
		t->page_size = 4ULL << 20;
		return 0;
	}
	if (read_entry(p, t, (pde & 0xfffff000) + (((va >> 12) & 0x3ff) << 2), 4, &pte))
		return -EFAULT;
	if (!(pte & PTE_P))
		return -ENOENT;
	accumulate(t, pte);
	t->gpa = (pte & 0xfffff000) | (va & 0xfff);
	t->page_size = 4096;
	return 0;
}

/* PAE and 4-level paging: 8-byte entries, 9 bits per level (SDM 4.4, 4.5). */
static int walk_64(const struct guest_paging *p, uint64_t gva, int levels,
		   struct guest_translation *t)
{
	uint64_t table, e;

	if (levels == 3) {
		/* PDPTE registers: CR3 bits 5-31 point at four entries, which
		 * carry no R/W, U/S or NX bits (SDM 4.4.1). */
		uint64_t pdpte_addr = (p->cr3 & 0xffffffe0) + (((gva >> 30) & 3) << 3);
		if (read_entry(p, t, pdpte_addr, 8, &e))
			return -EFAULT;
		if (!(e & PTE_P))
			return -ENOENT;
		table = e & ADDR_MASK_64;
		levels = 2;
	} else {
		table = p->cr3 & ADDR_MASK_64;
	}
	for (int l = levels; l >= 1; l--) {
		unsigned shift = 12 + 9 * (l - 1);
		if (read_entry(p, t, table + (((gva >> shift) & 511) << 3), 8, &e))
			return -EFAULT;
		if (!(e & PTE_P))
			return -ENOENT;
		accumulate(t, e);
		bool large = (e & PTE_PS) && (l == 2 || (l == 3 && levels == 4));
		if (l == 1 || large) {
			uint64_t size = 1ULL << shift;
			t->gpa = (e & ADDR_MASK_64 & ~(size - 1)) | (gva & (size - 1));
			t->page_size = size;
			return 0;
		}
		if ((e & PTE_PS) && l == 4)
			return -ENOENT;         /* PS is reserved in a PML4E */
		table = e & ADDR_MASK_64;
	}
	return -ENOENT;
}

int guest_walk(const struct guest_paging *p, uint64_t gva,
	       struct guest_translation *t)
{
	*t = (struct guest_translation){ .writable = true, .user = true };
	if (!(p->cr0 & CR0_PG)) {
		t->gpa = gva & 0xffffffff;      /* paging off: 32-bit linear */
		t->page_size = 4096;
		if (p->efer & EFER_LMA)         /* not reachable architecturally */
			t->gpa = gva;
		return 0;
	}
	if (!(p->cr4 & CR4_PAE))
		return walk_32(p, gva, t);
	/* 5-level paging is not walked: the virtual CPU does not announce
	 * LA57, so a guest cannot enable it; if CR4 says so all the same,
	 * refuse rather than walk 4 levels of a 5-level tree (which would
	 * translate to the wrong address). */
	if ((p->efer & EFER_LMA) && (p->cr4 & CR4_LA57))
		return -EOPNOTSUPP;
	return walk_64(p, gva, (p->efer & EFER_LMA) ? 4 : 3, t);
}
