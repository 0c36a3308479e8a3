/*
 * The control partition's hypercalls (abi/hypercall.h): where its requests
 * enter the hypervisor. Everything the control partition hands over is
 * copied and checked in request/ before core/ sees it.
 */
#ifndef REQUEST_HYPERCALL_H
#define REQUEST_HYPERCALL_H

#include <stdint.h>
#include "core/vcpu.h"

/* Serves one hypercall of the control partition's vCPU: the result for
 * RAX. */
int64_t hypercall_dispatch(struct vcpu *v);

/* Hypervisor pointer to [gpa, gpa+len) of the control partition's own RAM
 * (not its VM windows), or NULL if the range is not entirely inside. */
void *ctl_ram_ptr(uint64_t gpa, uint64_t len);

#endif
