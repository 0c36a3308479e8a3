/*
 * Guest memory by linear address (vmm.h), for string IO: each page is
 * translated with KVM_TRANSLATE in the vCPU's current paging mode (identity
 * with paging off) and then reached through the VM's mmap'd RAM window, as
 * libkvm's string-IO path did. A one-entry cache saves a request per
 * element; vmm_run flushes it whenever the guest has run. Control partition
 * and host tests.
 */
#include <errno.h>
#include <string.h>

#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define PAGE_BYTES 4096ULL
#define PAGE_MASK  (~(PAGE_BYTES - 1))

void vm_tlb_flush(struct vm *vm)
{
	vm->tlb_valid = false;
}

/* Host pointer for `len` bytes at `linear`, all inside one page. */
static int page_ptr(struct vm *vm, uint64_t linear, size_t len, uint8_t **ptr)
{
	uint64_t page = linear & PAGE_MASK, gpa;
	int r;

	if (!vm->tlb_valid || vm->tlb_linear_page != page) {
		r = kvm_translate(vm->vcpu_fd, page, &gpa);
		if (r < 0)
			return r;
		vm->tlb_valid = true;
		vm->tlb_linear_page = page;
		vm->tlb_gpa_page = gpa & PAGE_MASK;
	}
	gpa = vm->tlb_gpa_page + (linear - page);
	*ptr = vm_ram_ptr(vm, gpa, len);        /* never an unmapped page */
	return *ptr ? 0 : -EFAULT;
}

static int access_linear(struct vm *vm, uint64_t linear, uint8_t *buf,
			 size_t len, bool write)
{
	while (len) {
		size_t chunk = PAGE_BYTES - (linear & ~PAGE_MASK);
		uint8_t *p;
		int r;

		if (chunk > len)
			chunk = len;
		r = page_ptr(vm, linear, chunk, &p);
		if (r < 0)
			return r;
		if (write)
			memcpy(p, buf, chunk);
		else
			memcpy(buf, p, chunk);
		linear += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

int vm_read_linear(struct vm *vm, uint64_t linear, void *buf, size_t len)
{
	return access_linear(vm, linear, buf, len, false);
}

int vm_write_linear(struct vm *vm, uint64_t linear, const void *buf, size_t len)
{
	return access_linear(vm, linear, (uint8_t *)buf, len, true);
}
