/* Guest memory access (see core/guest_mem.h). */
#include "core/guest_mem.h"
#include "core/lib.h"
#include "core/cpuid.h"
#include "mmu/guest_access.h"
#include "mmu/guest_walk.h"
#include "abi/errno.h"

#define CR4_PAE_BIT  (1ULL << 5)
#define EFER_LMA_BIT (1ULL << 10)
#define PTE_A_BIT    (1ULL << 5)
#define PTE_D_BIT    (1ULL << 6)

/* The extent cache missed: find the extent and remember it. */
static void *extent_ptr_slow(struct vm *vm, uint64_t gpa, size_t len)
{
	const struct vm_slot *s = vm_slot_at(vm, gpa);
	if (!s)
		return 0;
	for (unsigned i = 0; i < s->nextents; i++) {
		const struct vm_extent *e = &s->extents[i];
		uint64_t start = s->gpa + e->offset;
		if (gpa - start < e->size) {
			vm->extent_cache.gpa = start;
			vm->extent_cache.size = e->size;
			vm->extent_cache.hpa = e->hpa;
			if (len > e->size - (gpa - start))
				return 0;
			return (void *)(e->hpa + (gpa - start));
		}
	}
	return 0;
}

/* Host address of [gpa, gpa+len) when it lies inside one RAM extent. The
 * hit is a compare and an add: page-table walks on the exit path use it. */
static inline void *extent_ptr(struct vm *vm, uint64_t gpa, size_t len)
{
	uint64_t off = gpa - vm->extent_cache.gpa;

	if (off < vm->extent_cache.size && len <= vm->extent_cache.size - off)
		return (void *)(vm->extent_cache.hpa + off);
	return extent_ptr_slow(vm, gpa, len);
}

/* Copies page by page: consecutive guest pages need not be consecutive in
 * host memory. Host frames are identity-mapped. Slot RAM is found through
 * the extent cache; anything else (the control partition's windows) through
 * the second-level tables. */
static int copy_gpa(struct vm *vm, uint64_t gpa, void *buf, size_t len, bool write)
{
	uint8_t *p = buf;
	void *direct = extent_ptr(vm, gpa, len);

	if (direct) {
		if (write)
			memcpy(direct, buf, len);
		else
			memcpy(buf, direct, len);
		return 0;
	}

	while (len) {
		uint64_t hpa;
		unsigned perms;
		size_t chunk = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		if (mmu_lookup(&vm->slat, gpa, &hpa, &perms))
			return -EFAULT;
		if (write)
			memcpy((void *)hpa, p, chunk);
		else
			memcpy(p, (const void *)hpa, chunk);
		gpa += chunk;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

int guest_read_gpa(struct vm *vm, uint64_t gpa, void *buf, size_t len)
{
	return copy_gpa(vm, gpa, buf, len, false);
}

int guest_write_gpa(struct vm *vm, uint64_t gpa, const void *buf, size_t len)
{
	int r = copy_gpa(vm, gpa, (void *)buf, len, true);

	vm_guest_wrote(vm, gpa, len);   /* even a partial copy changed RAM */
	return r;
}

void *guest_gpa_ptr(struct vm *vm, uint64_t gpa, size_t len)
{
	uint64_t hpa, hpa_last;
	unsigned perms;

	if (!len || gpa + len < gpa || mmu_lookup(&vm->slat, gpa, &hpa, &perms) ||
	    mmu_lookup(&vm->slat, gpa + len - 1, &hpa_last, &perms) ||
	    hpa_last - hpa != len - 1)
		return NULL;
	/* both ends agree; make sure every page between does too */
	for (uint64_t off = PAGE_SIZE - (gpa & (PAGE_SIZE - 1)); off < len;
	     off += PAGE_SIZE) {
		uint64_t h;
		if (mmu_lookup(&vm->slat, gpa + off, &h, &perms) || h != hpa + off)
			return NULL;
	}
	return (void *)hpa;
}

/* Page-table entries are 4 or 8 bytes and naturally aligned, so they never
 * straddle an extent: one load from RAM, or the general path. */
static int walk_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	const void *p = extent_ptr(ctx, gpa, len);

	if (!p)
		return guest_read_gpa(ctx, gpa, buf, len);
	if (len == 8)
		*(uint64_t *)buf = *(const uint64_t *)p;
	else
		memcpy(buf, p, len);
	return 0;
}

/* Remembers a walk whose entries all lie in slot RAM (else nothing). */
static void xlat_fill(struct vcpu *v, struct vcpu_xlat *c, uint64_t cr0,
		      uint64_t cr3, uint64_t cr4, uint64_t efer, uint64_t la_page,
		      const struct guest_translation *t)
{
	c->valid = false;
	c->marked = 0;
	for (unsigned i = 0; i < t->nentries; i++) {
		c->entry_ptr[i] = extent_ptr(v->vm, t->entry_gpa[i], t->entry_bytes);
		c->entry_gpa[i] = t->entry_gpa[i];
		c->entry_val[i] = t->entry_val[i];
		if (!c->entry_ptr[i])
			return;
	}
	c->gpa_page = ALIGN_DOWN(t->gpa, PAGE_SIZE);
	c->page = extent_ptr(v->vm, c->gpa_page, PAGE_SIZE);
	c->mmio = !c->page && !vm_slot_at(v->vm, c->gpa_page);
	c->writable = t->writable;
	c->user = t->user;
	c->nx = t->nx;
	c->cr0 = cr0;
	c->cr3 = cr3;
	c->cr4 = cr4;
	c->efer = efer;
	c->la_page = la_page;
	c->mem_gen = v->vm->mem_gen;
	c->nentries = t->nentries;
	c->entry_bytes = t->entry_bytes;
	c->valid = true;
}

/*
 * Accessed and dirty bits, as a CPU sets them: a locked compare-and-store
 * (SDM Vol. 3 4.8), so a concurrent change by the guest (another vCPU, or
 * DMA one day) is seen and the walk repeated. The page counts as written
 * for dirty logging. 0 stored, 1 changed meanwhile, -EFAULT not RAM.
 */
int guest_update_entry(void *ctx, uint64_t gpa, uint64_t old, uint64_t new,
		       unsigned len)
{
	struct vm *vm = ctx;
	void *p = guest_gpa_ptr(vm, gpa, len);
	bool stored;

	if (!p || (len != 4 && len != 8) || (gpa & (len - 1)))
		return -EFAULT;
	if (len == 8)
		stored = __atomic_compare_exchange_n((uint64_t *)p, &old, new, false,
						     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	else {
		uint32_t old32 = (uint32_t)old;

		stored = __atomic_compare_exchange_n((uint32_t *)p, &old32,
						     (uint32_t)new, false,
						     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
	if (!stored)
		return 1;
	vm_mark_dirty(vm, gpa);
	return 0;
}

/* What the guest's CPUID says its walks may use: MAXPHYADDR and 1 GiB
 * pages decide which entry bits are reserved. The VM's CPUID is the same
 * for every VM and never changes (core/cpuid.c), so it is asked once. */
static const struct guest_access_cpu *walk_cpu(void)
{
	static struct guest_access_cpu cpu;
	static bool known;

	if (!known) {
		struct vcpu_regs r = { .rax = 0x80000001 };

		cpu.maxphyaddr = (uint8_t)cpuid_rules()->pa_bits;
		cpuid_emulate(&r);
		cpu.pdpe1gb = r.rdx & (1u << 26);
		known = true;
	}
	return &cpu;
}

int guest_translate(struct vcpu *v, struct vcpu_xlat *c, uint64_t cr0,
		    uint64_t cr3, uint64_t cr4, uint64_t efer, uint64_t la,
		    struct guest_translation *t)
{
	if (guest_xlat_valid(v, c, cr0, cr3, cr4, efer, la)) {
		t->gpa = c->gpa_page + (la - c->la_page);
		t->writable = c->writable;
		t->user = c->user;
		t->nx = c->nx;
		t->page_size = PAGE_SIZE;
		t->nentries = 0;
		return 0;
	}
	struct guest_paging p = { cr0, cr3, cr4, efer, walk_read, v->vm };
	int r = guest_walk(&p, la, t);
	/* the CPU faults on a reserved bit as it reads the entry: before a
	 * table the entry points at, and instead of the access it allows */
	if ((r == 0 || r == -ENOENT || r == -EFAULT) && guest_walk_reserved(&p, walk_cpu(), t))
		return -EINVAL;
	if (r == 0)
		xlat_fill(v, c, cr0, cr3, cr4, efer, ALIGN_DOWN(la, PAGE_SIZE), t);
	return r;
}

void guest_xlat_mark_used(struct vcpu *v, struct vcpu_xlat *c, bool write)
{
	/* PAE's first entry is a PDPTE, which has no accessed bit (bit 5
	 * is reserved there, SDM Vol. 3 Table 4-8) */
	unsigned first = (c->cr4 & CR4_PAE_BIT) && !(c->efer & EFER_LMA_BIT);

	for (unsigned i = first; i < c->nentries; i++) {
		uint64_t old = c->entry_val[i], new = old | PTE_A_BIT;

		if (write && i + 1 == c->nentries)
			new |= PTE_D_BIT;
		if (new == old)
			continue;
		if (guest_update_entry(v->vm, c->entry_gpa[i], old, new, c->entry_bytes)) {
			c->valid = false;       /* changed meanwhile: walk again */
			return;
		}
		c->entry_val[i] = new;
	}
	c->marked |= write ? XLAT_MARKED_ACCESSED | XLAT_MARKED_DIRTY : XLAT_MARKED_ACCESSED;
}

int guest_read_linear(struct vcpu *v, uint64_t cr0, uint64_t cr3, uint64_t cr4,
		      uint64_t efer, uint64_t la, uint8_t *buf, unsigned max)
{
	struct vm *vm = v->vm;
	struct guest_paging p = { cr0, cr3, cr4, efer, walk_read, vm };
	struct guest_translation t;
	unsigned got = 0;
	uint64_t la_page = ALIGN_DOWN(la, PAGE_SIZE);
	unsigned in_page = PAGE_SIZE - (la & (PAGE_SIZE - 1));

	/* the common case: all bytes in the page the last fetch used */
	const uint8_t *cached = max <= in_page ?
		guest_fetch_cached(v, cr0, cr3, cr4, efer, la, max) : 0;
	if (cached) {
		memcpy(buf, cached, max);
		return (int)max;
	}
	while (got < max) {
		if (guest_walk(&p, la + got, &t))
			break;
		unsigned chunk = PAGE_SIZE - ((la + got) & (PAGE_SIZE - 1));
		if (chunk > max - got)
			chunk = max - got;
		if (guest_read_gpa(vm, t.gpa, buf + got, chunk))
			break;
		if (got == 0)
			xlat_fill(v, &v->fetch, cr0, cr3, cr4, efer, la_page, &t);
		got += chunk;
	}
	return got ? (int)got : -EFAULT;
}

int guest_fetch_insn(struct vcpu *v, uint8_t *buf, unsigned max)
{
	struct vcpu_sregs s;

	virt->get_sregs_exit(v, &s);
	bool long64 = (s.efer & (1ULL << 10)) && s.cs.l;
	uint64_t lin = s.cs.base + v->regs.rip;

	if (!long64)
		lin &= 0xffffffff;
	return guest_read_linear(v, s.cr0, s.cr3, s.cr4, s.efer, lin, buf, max);
}
