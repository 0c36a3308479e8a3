/* The request handlers of request/, one file per handle kind; called by
 * request/kvm_request.c after the common checks. 'arg' is the struct in the
 * mailbox (NULL for _IO requests) and 'iarg' the integer argument. */
#ifndef REQUEST_KVM_HANDLERS_H
#define REQUEST_KVM_HANDLERS_H

#include <stdint.h>
#include "core/vm.h"

int64_t kvm_system_request(uint32_t request, uint64_t iarg, void *arg);
int64_t kvm_vm_request(struct vm *vm, uint64_t handle, uint32_t request,
		       uint64_t iarg, void *arg);
int64_t kvm_vcpu_request(struct vcpu *v, uint64_t handle, uint32_t request,
			 uint64_t iarg, void *arg);

#endif
