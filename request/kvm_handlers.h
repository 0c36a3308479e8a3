/* The request handlers of request/, one file per handle kind; called by
 * request/kvm_request.c after the common checks. 'arg' is the struct in the
 * mailbox (NULL for _IO requests) and 'iarg' the integer argument. */
#ifndef REQUEST_KVM_HANDLERS_H
#define REQUEST_KVM_HANDLERS_H

#include <stdint.h>
#include "core/lib.h"
#include "core/vm.h"

/*
 * Copies an input out of the mailbox, once: a handler validates and uses
 * the copy, never the mailbox, which the control partition may rewrite at
 * any moment (from another CPU under SMP), so a value checked in the
 * mailbox could differ from the value used. The barrier keeps the
 * compiler from reading the mailbox again in place of the copy.
 */
static inline void mailbox_copy_in(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	__asm__ volatile("" ::: "memory");
}

int64_t kvm_system_request(uint32_t request, uint64_t iarg, void *arg);
int64_t kvm_vm_request(struct vm *vm, uint64_t handle, uint32_t request,
		       uint64_t iarg, void *arg);
int64_t kvm_vcpu_request(struct vcpu *v, uint64_t handle, uint32_t request,
			 uint64_t iarg, void *arg);

#endif
