/*
 * The hypervisor side of the kvm.h requests: validation of the request
 * triple (handle, request number, argument) and dispatch to the handlers.
 */
#ifndef REQUEST_KVM_REQUEST_H
#define REQUEST_KVM_REQUEST_H

#include <stdint.h>

/* The system handle, what an open /dev/kvm was. */
#define KVM_HANDLE_SYSTEM 0

/*
 * Serves one request. 'mailbox' is the caller's mailbox page (hypervisor
 * pointer, HC_MAILBOX_BYTES long) holding the request struct, or NULL when
 * none is registered. Returns >= 0 or -errno; every rejection is logged.
 */
int64_t kvm_request(uint64_t handle, uint64_t request, uint64_t arg, void *mailbox);

struct kvm_request_stats {
	uint64_t served, rejected;
};
extern struct kvm_request_stats kvm_request_stats;

#endif
