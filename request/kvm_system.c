/* Requests on the system handle (what /dev/kvm served). */
#include "request/kvm_handlers.h"
#include "abi/kvm.h"
#include "abi/barekvm.h"
#include "abi/errno.h"
#include "core/handle.h"
#include "core/log.h"
#include "core/msr.h"

static int64_t create_vm(void)
{
	struct vm *vm;
	int r = vm_create(&vm, false, 0, 0);

	if (r)
		return r;
	int h = handle_alloc(HANDLE_VM, vm);
	if (h < 0)
		vm_destroy(vm);
	return h;
}

/* The intended 2.6.21 protocol without its indexing bug: nmsrs is always
 * set to the list's length; a smaller capacity gets -E2BIG. The list must
 * fit the mailbox with its header. */
static int64_t get_msr_index_list(struct kvm_msr_list *list)
{
	uint32_t capacity;

	mailbox_copy_in(&capacity, &list->nmsrs, sizeof(capacity));
	list->nmsrs = msr_index_count;
	if (capacity < msr_index_count)
		return -E2BIG;
	for (unsigned i = 0; i < msr_index_count; i++)
		list->indices[i] = msr_index_list[i];
	return 0;
}

int64_t kvm_system_request(uint32_t request, uint64_t iarg, void *arg)
{
	switch (request) {
	case KVM_GET_MSR_INDEX_LIST:
		return get_msr_index_list(arg);
	case KVM_GET_API_VERSION:
		return KVM_API_VERSION;
	case KVM_CREATE_VM:
		return create_vm();
	case KVM_CHECK_EXTENSION:
		/* Linux's numbering (abi/barekvm.h): the NMI and vCPU-event
		 * requests */
		return iarg == KVM_CAP_USER_NMI || iarg == KVM_CAP_VCPU_EVENTS;
	default:
		/* unreachable: kvm_request.c routes only the requests of its
		 * table here, and reports -ENOSYS as a bug of ours */
		return -ENOSYS;
	}
}
