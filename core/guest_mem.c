/* Guest memory access (see core/guest_mem.h). */
#include "core/guest_mem.h"
#include "core/lib.h"
#include "mmu/guest_walk.h"
#include "abi/errno.h"

/* Copies page by page: consecutive guest pages need not be consecutive in
 * host memory. Host frames are identity-mapped. */
static int copy_gpa(struct vm *vm, uint64_t gpa, void *buf, size_t len, bool write)
{
	uint8_t *p = buf;

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
	return copy_gpa(vm, gpa, (void *)buf, len, true);
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

static int walk_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	return guest_read_gpa(ctx, gpa, buf, len);
}

int guest_fetch_insn(struct vcpu *v, uint8_t *buf, unsigned max)
{
	struct vcpu_sregs s;
	struct guest_translation t;
	unsigned got = 0;

	virt->get_sregs(v, &s);
	struct guest_paging p = { s.cr0, s.cr3, s.cr4, s.efer, walk_read, v->vm };
	bool long64 = (s.efer & (1ULL << 10)) && s.cs.l;
	uint64_t lin = s.cs.base + v->regs.rip;

	if (!long64)
		lin &= 0xffffffff;
	while (got < max) {
		if (guest_walk(&p, lin + got, &t))
			break;
		unsigned chunk = PAGE_SIZE - ((lin + got) & (PAGE_SIZE - 1));
		if (chunk > max - got)
			chunk = max - got;
		if (guest_read_gpa(v->vm, t.gpa, buf + got, chunk))
			break;
		got += chunk;
	}
	return got ? (int)got : -EFAULT;
}
