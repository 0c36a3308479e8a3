/*
 * Guest memory by linear address (vmm.h), for string IO: each page is
 * translated with KVM_TRANSLATE in the vCPU's current paging mode (identity
 * with paging off) and then reached through the VM's mmap'd RAM window, as
 * libkvm's string-IO path did; the _io forms reach a page that is not RAM
 * through the VM's MMIO bus, as the CPU's INS/OUTS reach a device (KVM's
 * string IO does the same). A one-entry cache saves a request per
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

/* The guest-physical address of `linear`. */
static int linear_to_gpa(struct vm *vm, uint64_t linear, uint64_t *gpa)
{
	uint64_t page = linear & PAGE_MASK, phys;
	int r;

	if (!vm->tlb_valid || vm->tlb_linear_page != page) {
		r = kvm_translate(vm->vcpu_fd, page, &phys);
		if (r < 0)
			return r;
		vm->tlb_valid = true;
		vm->tlb_linear_page = page;
		vm->tlb_gpa_page = phys & PAGE_MASK;
	}
	*gpa = vm->tlb_gpa_page + (linear - page);
	return 0;
}

/* One piece inside one page: RAM, or with `mmio` the MMIO bus where the
 * page is in no memory slot (at most 8 bytes then, as one bus access). RAM
 * this partition has not mapped stays -EFAULT. */
static int access_page(struct vm *vm, uint64_t linear, uint8_t *buf, size_t len,
		       bool write, bool mmio)
{
	uint64_t gpa, value = 0;
	uint8_t *p;
	int r;

	r = linear_to_gpa(vm, linear, &gpa);
	if (r < 0)
		return r;
	p = vm_ram_ptr(vm, gpa, len);
	if (p) {
		if (write)
			memcpy(p, buf, len);
		else
			memcpy(buf, p, len);
		return 0;
	}
	if (!mmio || len > sizeof(value) || vm_gpa_in_slot(vm, gpa))
		return -EFAULT;
	if (write) {
		memcpy(&value, buf, len);       /* little-endian, as the bus */
		io_bus_write(&vm->mmio, gpa, (unsigned)len, value);
	} else {
		value = io_bus_read(&vm->mmio, gpa, (unsigned)len);
		memcpy(buf, &value, len);
	}
	return 0;
}

static int access_linear(struct vm *vm, uint64_t linear, uint8_t *buf,
			 size_t len, bool write, bool mmio)
{
	while (len) {
		size_t chunk = PAGE_BYTES - (linear & ~PAGE_MASK);
		int r;

		if (chunk > len)
			chunk = len;
		r = access_page(vm, linear, buf, chunk, write, mmio);
		if (r < 0)
			return r;
		linear += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

int vm_read_linear(struct vm *vm, uint64_t linear, void *buf, size_t len)
{
	return access_linear(vm, linear, buf, len, false, false);
}

int vm_write_linear(struct vm *vm, uint64_t linear, const void *buf, size_t len)
{
	return access_linear(vm, linear, (uint8_t *)buf, len, true, false);
}

int vm_read_linear_io(struct vm *vm, uint64_t linear, void *buf, size_t len)
{
	return access_linear(vm, linear, buf, len, false, true);
}

int vm_write_linear_io(struct vm *vm, uint64_t linear, const void *buf, size_t len)
{
	return access_linear(vm, linear, (uint8_t *)buf, len, true, true);
}
