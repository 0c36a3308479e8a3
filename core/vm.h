/*
 * Virtual machines: the guest-physical address space (second-level tables),
 * the RAM the hypervisor allocated for it, and its vCPUs. The control
 * partition is a VM too, with is_ctl set.
 */
#ifndef CORE_VM_H
#define CORE_VM_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vcpu.h"
#include "mmu/mmu.h"
#include "arch/x86/virt.h"

#define VM_MAX_VCPUS    4
#define VM_MAX_EXTENTS  64

/* A run of host frames backing guest-physical [gpa, gpa+size). */
struct vm_extent {
	uint64_t gpa, hpa, size;
};

struct vm {
	unsigned id;
	bool is_ctl;
	struct mmu_space slat;
	void *arch;                     /* the backend's per-VM state */
	struct vm_extent ram[VM_MAX_EXTENTS];
	unsigned nram;
	struct vcpu *vcpus[VM_MAX_VCPUS];
	unsigned nvcpus;
};

extern const struct virt_ops *virt;
extern bool virt_slat_1g;       /* 1 GiB second-level pages usable */

/* Creates an empty VM. Returns 0 or -ENOMEM (nothing left allocated). */
int vm_create(struct vm **out, bool is_ctl, const struct virt_io_passthrough *io,
	      unsigned nio);
/* Frees the vCPUs, the RAM, the tables and the backend state. */
void vm_destroy(struct vm *vm);
/* Allocates zeroed RAM and maps it at [gpa, gpa+size) (page-aligned). */
int vm_add_ram(struct vm *vm, uint64_t gpa, uint64_t size);
int vm_create_vcpu(struct vm *vm, struct vcpu **out);
/* Tells the backend after a change to vm->slat that needs a TLB flush. */
void vm_slat_changed(struct vm *vm);

#endif
