/* Requests on a VM handle: memory slots, vCPU creation, mapping its memory
 * into the control partition, closing. */
#include "request/kvm_handlers.h"
#include "request/hypercall.h"
#include "abi/barekvm.h"
#include "abi/kvm.h"
#include "abi/errno.h"
#include "core/ctl.h"
#include "core/ctl_window.h"
#include "core/handle.h"
#include "core/vcpu_run.h"

/* Each request copies its struct out of the mailbox before looking at it
 * (mailbox_copy_in). */
static int64_t set_memory_region(struct vm *vm, const struct kvm_memory_region *in)
{
	struct kvm_memory_region m;

	mailbox_copy_in(&m, in, sizeof(m));
	return vm_set_slot(vm, m.slot, m.flags, m.guest_phys_addr, m.memory_size);
}

static int64_t create_vcpu(struct vm *vm, uint64_t index)
{
	struct vcpu *v;

	if (index != vm->nvcpus || index >= VM_MAX_VCPUS)
		return index < vm->nvcpus ? -EEXIST : -EINVAL;
	int r = vm_create_vcpu(vm, &v);
	if (r)
		return r;
	vcpu_reset_state(v);
	/* the vCPU lives as long as its VM; a failed handle only loses the
	 * handle (2.6.21 semantics: it could not be re-created either) */
	return handle_alloc(HANDLE_VCPU, v);
}

/* dirty_bitmap is a control-partition guest-physical address (our ABI's
 * pointer rule); it must lie in the control partition's RAM. */
static int64_t get_dirty_log(struct vm *vm, const struct kvm_dirty_log *in)
{
	struct kvm_dirty_log log;

	mailbox_copy_in(&log, in, sizeof(log));
	if (log.slot >= VM_MAX_SLOTS)
		return -EINVAL;
	const struct vm_slot *s = &vm->slots[log.slot];
	if (!s->used || !s->dirty_bitmap)
		return -ENOENT;
	uint64_t bytes = vm_dirty_bitmap_bytes(s);
	void *out = ctl_ram_ptr(log.dirty_bitmap, bytes);
	if (!out)
		return -EFAULT;
	return vm_get_dirty_log(vm, log.slot, out, bytes);
}

static int64_t barekvm_mmap(struct vm *vm, struct barekvm_mmap *m)
{
	struct barekvm_mmap in;
	uint64_t ctl_phys_addr;

	mailbox_copy_in(&in, m, sizeof(in));
	int r = ctl_window_map(vm, in.guest_phys_addr, in.size, &ctl_phys_addr);
	if (r == 0)
		m->ctl_phys_addr = ctl_phys_addr;
	return r;
}

int64_t kvm_vm_request(struct vm *vm, uint64_t handle, uint32_t request,
		       uint64_t iarg, void *arg)
{
	switch (request) {
	case KVM_SET_MEMORY_REGION:
		return set_memory_region(vm, arg);
	case KVM_GET_DIRTY_LOG:
		return get_dirty_log(vm, arg);
	case KVM_CREATE_VCPU:
		return create_vcpu(vm, iarg);
	case KVM_BAREKVM_MMAP:
		return barekvm_mmap(vm, arg);
	case KVM_BAREKVM_CLOSE:
		handle_free(handle);
		handle_forget(vm);
		vm_destroy(vm);
		return 0;
	default:
		/* unreachable: kvm_request.c routes only the requests of its
		 * table here, and reports -ENOSYS as a bug of ours */
		return -ENOSYS;
	}
}
