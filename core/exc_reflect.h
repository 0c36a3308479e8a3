/*
 * #AC and #DB are intercepted on both backends only so that their delivery
 * can never loop inside the CPU, where no host interrupt gets through
 * (CVE-2015-5307: #AC while delivering #AC; CVE-2015-8104: a data
 * breakpoint on the stack an IST delivery of #DB writes). Each one goes back
 * to the guest as the CPU would have delivered it, unless KVM_DEBUG_GUEST
 * claims #DB, or the delivery recursed: that would never end on hardware,
 * so the VMM gets KVM_EXIT_EXCEPTION with the vector instead.
 */
#ifndef CORE_EXC_REFLECT_H
#define CORE_EXC_REFLECT_H

#include <stdbool.h>
#include "core/vcpu.h"

/* True when the exception went back to the guest; false for the VMM. */
bool exc_reflect(struct vcpu *v, const struct vexit *e);

#endif
