/* Requests on the system handle (what /dev/kvm served). */
#include "abi/kvm_handlers.h"
#include "abi/kvm.h"
#include "abi/errno.h"
#include "core/handle.h"
#include "core/log.h"

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

int64_t kvm_system_request(uint32_t request, uint64_t iarg, void *arg)
{
	(void)iarg;
	(void)arg;
	switch (request) {
	case KVM_GET_API_VERSION:
		return KVM_API_VERSION;
	case KVM_CREATE_VM:
		return create_vm();
	default:
		return -ENOSYS;
	}
}
