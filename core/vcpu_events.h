/* KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS (core/vcpu_events.c). */
#ifndef CORE_VCPU_EVENTS_H
#define CORE_VCPU_EVENTS_H

#include "abi/barekvm.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vcpu;

/* The event being delivered, the latched NMI, NMI blocking, the shadow. */
void vcpu_get_events(struct vcpu *v, struct kvm_vcpu_events *out);

/* Replaces them; 0, or -EINVAL (logged) with nothing changed for a state
 * no CPU holds or a field BareKVM does not offer (abi/barekvm.h). */
int vcpu_set_events(struct vcpu *v, const struct kvm_vcpu_events *e);

/* Why SET must refuse e (-EINVAL), or NULL: a state no CPU holds, one a
 * VM entry refuses, or a capability not offered (vcpu_events_check.c). */
const char *vcpu_events_refusal(const struct kvm_vcpu_events *e);

#endif
