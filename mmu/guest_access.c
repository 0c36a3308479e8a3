/* A guest's memory access as the CPU checks it (see mmu/guest_access.h). */
#include "mmu/guest_access.h"
#include "abi/errno.h"

#define CR0_WP    (1ULL << 16)
#define CR0_PG    (1ULL << 31)
#define CR4_PAE   (1ULL << 5)
#define CR4_PSE   (1ULL << 4)
#define CR4_SMEP  (1ULL << 20)
#define CR4_SMAP  (1ULL << 21)
#define EFER_NXE  (1ULL << 11)
#define EFER_LMA  (1ULL << 10)
#define PTE_P     (1ULL << 0)
#define PTE_A     (1ULL << 5)
#define PTE_D     (1ULL << 6)
#define PTE_PS    (1ULL << 7)
#define PTE_NX    (1ULL << 63)
#define WALK_RETRIES 4

enum paging_mode { PAGING_32, PAGING_PAE, PAGING_4LEVEL };

struct entry_ref {
	enum paging_mode mode;
	unsigned level;         /* 4 PML4E, 3 PDPTE, 2 PDE, 1 PTE */
	bool pae_pdpte;         /* PAE's PDPTE register: no A bit, not checked */
};

/* Which entry of the walk index i is: the walker records them from the
 * root down (PAE starts with the PDPTE). */
static struct entry_ref entry_at(const struct guest_paging *p, unsigned i)
{
	struct entry_ref r = { .mode = PAGING_32 };

	if (!(p->cr4 & CR4_PAE)) {
		r.level = 2 - i;
	} else if (!(p->efer & EFER_LMA)) {
		r.mode = PAGING_PAE;
		r.level = 3 - i;
		r.pae_pdpte = i == 0;
	} else {
		r.mode = PAGING_4LEVEL;
		r.level = 4 - i;
	}
	return r;
}

static uint64_t bits(unsigned hi, unsigned lo)
{
	return (hi >= 63 ? ~0ULL : (1ULL << (hi + 1)) - 1) & ~((1ULL << lo) - 1);
}

/* Reserved bits of a present entry (SDM Vol. 3 Tables 4-4 to 4-20). */
static uint64_t reserved_bits(const struct guest_paging *p,
			      const struct guest_access_cpu *cpu,
			      struct entry_ref r, uint64_t e)
{
	unsigned maxphy = cpu->maxphyaddr ? cpu->maxphyaddr : 36;
	bool ps = e & PTE_PS;
	uint64_t rsvd;

	if (r.mode == PAGING_32) {
		/* only a 4 MiB PDE has any: bit 21, and PSE-36's address bits
		 * 32-39 (in bits 13-20) beyond MAXPHYADDR */
		if (r.level != 2 || !ps || !(p->cr4 & CR4_PSE))
			return 0;
		rsvd = 1ULL << 21;
		if (maxphy < 40)
			rsvd |= bits(20, 13 + (maxphy - 32));
		return rsvd;
	}
	if (r.pae_pdpte)
		return 0;       /* checked at MOV to CR3 */
	rsvd = maxphy < 52 ? bits(51, maxphy) : 0;
	if (!(p->efer & EFER_NXE))
		rsvd |= PTE_NX;
	if (r.level == 4)
		rsvd |= PTE_PS;
	else if (r.level == 3 && ps)
		rsvd |= cpu->pdpe1gb ? bits(29, 13) : PTE_PS;
	else if (r.level == 2 && ps)
		rsvd |= bits(20, 13);
	return rsvd;
}

static uint32_t access_code(const struct guest_paging *p, unsigned acc)
{
	bool id = (acc & GUEST_ACC_FETCH) &&
		  ((p->cr4 & CR4_SMEP) || ((p->cr4 & CR4_PAE) && (p->efer & EFER_NXE)));

	return (acc & GUEST_ACC_WRITE ? PF_ERR_W : 0) |
	       (acc & GUEST_ACC_USER ? PF_ERR_U : 0) | (id ? PF_ERR_I : 0);
}

/* The rights the walk found against the access (SDM Vol. 3 4.6). */
static bool allowed(const struct guest_paging *p, const struct guest_access_cpu *cpu,
		    const struct guest_translation *t, unsigned acc)
{
	bool user = acc & GUEST_ACC_USER;

	if (user && !t->user)
		return false;
	if ((acc & GUEST_ACC_WRITE) && !t->writable && (user || (p->cr0 & CR0_WP)))
		return false;
	if (acc & GUEST_ACC_FETCH) {
		if (t->nx && (p->efer & EFER_NXE))
			return false;
		if (!user && t->user && (p->cr4 & CR4_SMEP))
			return false;
		return true;
	}
	if (!user && t->user && (p->cr4 & CR4_SMAP) &&
	    (!cpu->rflags_ac || (acc & GUEST_ACC_IMPLICIT)))
		return false;
	return true;
}

/* Accessed bits on the way down, dirty on the leaf for a write. 0, 1 if
 * an entry changed under us, <0 if one cannot be written. */
static int set_accessed_dirty(const struct guest_paging *p,
			      const struct guest_access_cpu *cpu,
			      const struct guest_translation *t, unsigned acc)
{
	for (unsigned i = 0; i < t->nentries; i++) {
		uint64_t old = t->entry_val[i];
		uint64_t new = old | PTE_A;

		if (entry_at(p, i).pae_pdpte)
			continue;
		if (i + 1 == t->nentries && (acc & GUEST_ACC_WRITE))
			new |= PTE_D;
		if (new == old)
			continue;
		int r = cpu->update_entry(p->ctx, t->entry_gpa[i], old, new,
					  t->entry_bytes);
		if (r)
			return r;
	}
	return 0;
}

bool guest_walk_reserved(const struct guest_paging *p, const struct guest_access_cpu *cpu,
			 const struct guest_translation *t)
{
	if (!(p->cr0 & CR0_PG))
		return false;
	for (unsigned i = 0; i < t->nentries; i++) {
		uint64_t e = t->entry_val[i];
		if (!(e & PTE_P))
			return false;
		if (e & reserved_bits(p, cpu, entry_at(p, i), e))
			return true;
	}
	return false;
}

/* One walk and its checks; 1 from set_accessed_dirty means walk again. */
static int access_once(const struct guest_paging *p, const struct guest_access_cpu *cpu,
		       uint64_t gva, unsigned acc, struct guest_translation *t,
		       uint32_t *error_code)
{
	int r = guest_walk(p, gva, t);
	uint32_t code = access_code(p, acc);

	if (r && r != -ENOENT && r != -EFAULT)
		return r;
	if (!(p->cr0 & CR0_PG))
		return r ? r : GUEST_ACCESS_OK; /* no rights without paging */
	/* A reserved bit in an entry faults before the table it points at
	 * is read: an entry whose address has a bit at or above MAXPHYADDR
	 * is a reserved-bit #PF even though the walker, which does not know
	 * MAXPHYADDR, then failed to read that table. */
	if (guest_walk_reserved(p, cpu, t)) {
		*error_code = code | PF_ERR_P | PF_ERR_RSVD;
		return GUEST_ACCESS_FAULT;
	}
	if (r == -EFAULT)       /* a table outside RAM: the caller decides */
		return r;
	if (r) {                /* a not-present entry ended the walk */
		*error_code = code;
		return GUEST_ACCESS_FAULT;
	}
	if (!allowed(p, cpu, t, acc)) {
		*error_code = code | PF_ERR_P;
		return GUEST_ACCESS_FAULT;
	}
	if (!cpu->update_entry)
		return GUEST_ACCESS_OK;
	r = set_accessed_dirty(p, cpu, t, acc);
	return r < 0 ? -EFAULT : r ? 2 : GUEST_ACCESS_OK;
}

int guest_access(const struct guest_paging *p, const struct guest_access_cpu *cpu,
		 uint64_t gva, unsigned acc, struct guest_translation *t,
		 uint32_t *error_code)
{
	for (int i = 0; i < WALK_RETRIES; i++) {
		int r = access_once(p, cpu, gva, acc, t, error_code);
		if (r != 2)
			return r;
	}
	return -EFAULT;         /* the tables keep changing under the walk */
}

bool guest_pdpte_reserved(uint64_t pdpte, unsigned maxphyaddr)
{
	return (pdpte & PTE_P) &&
	       (pdpte & (bits(2, 1) | bits(8, 5) | bits(63, maxphyaddr)));
}
