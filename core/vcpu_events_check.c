/*
 * The states KVM_SET_VCPU_EVENTS refuses (core/vcpu_events.h): ones no CPU
 * holds, ones a VM entry would refuse, and fields of capabilities BareKVM
 * does not offer. Pure logic: the hypervisor and the host unit tests.
 */
#include "core/vcpu_events.h"

#define VEC_NMI 2

static const uint32_t known_flags = KVM_VCPUEVENT_VALID_NMI_PENDING |
	KVM_VCPUEVENT_VALID_SIPI_VECTOR | KVM_VCPUEVENT_VALID_SHADOW |
	KVM_VCPUEVENT_VALID_SMM | KVM_VCPUEVENT_VALID_PAYLOAD |
	KVM_VCPUEVENT_VALID_TRIPLE_FAULT;

/* Exceptions that push an error code (SDM Vol. 3 Table 6-1): the only ones
 * a CPU delivers with one, in protected mode. */
static bool pushes_error_code(uint8_t vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

static const char *flags_refusal(const struct kvm_vcpu_events *e)
{
	if (e->flags & ~known_flags)
		return "unknown flags";
	if (e->flags & (KVM_VCPUEVENT_VALID_PAYLOAD | KVM_VCPUEVENT_VALID_TRIPLE_FAULT))
		return "exception payloads and triple-fault events are not offered";
	if ((e->flags & KVM_VCPUEVENT_VALID_SMM) &&
	    (e->smi.smm || e->smi.pending || e->smi.smm_inside_nmi || e->smi.latched_init))
		return "the vCPU has no SMM";
	return NULL;
}

static const char *exception_refusal(const struct kvm_vcpu_events *e)
{
	if (!e->exception.injected && !e->exception.pending)
		return NULL;
	if (e->exception.nr > 31 || e->exception.nr == VEC_NMI)
		return "exception vector above 31 or 2";
	if (!!e->exception.has_error_code != pushes_error_code(e->exception.nr))
		return "an error code for an exception that pushes none, or none for "
		       "one that does";
	if (e->exception.has_error_code && e->exception.error_code > 0xffff)
		return "an error code above 16 bits (VMX refuses the entry; AMD's RMP "
		       "bit is SEV-SNP's, which the vCPU lacks)";
	return NULL;
}

const char *vcpu_events_refusal(const struct kvm_vcpu_events *e)
{
	bool exception = e->exception.injected || e->exception.pending;
	unsigned events = exception + !!e->interrupt.injected + !!e->nmi.injected;
	bool shadow = (e->flags & KVM_VCPUEVENT_VALID_SHADOW) && e->interrupt.shadow;
	const char *why = flags_refusal(e);

	if (!why)
		why = exception_refusal(e);
	if (why)
		return why;
	if (events > 1)
		return "more than one event being delivered";
	if (e->interrupt.injected && e->interrupt.soft)
		return "a software interrupt (its instruction length is not in the struct)";
	if (shadow && (e->interrupt.shadow & ~(KVM_X86_SHADOW_INT_MOV_SS |
					       KVM_X86_SHADOW_INT_STI)))
		return "unknown shadow bits";
	if (shadow && events)
		return "an event being delivered inside a shadow";
	if (e->nmi.injected && e->nmi.masked)
		return "an NMI being delivered while NMIs are blocked";
	return NULL;
}
