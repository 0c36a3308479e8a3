/*
 * KVM_RUN for guest vCPUs: enter the guest, handle in the hypervisor what
 * needs no VMM, and describe the rest in struct kvm_run (docs/hypercall-abi.md,
 * "KVM_RUN").
 */
#ifndef CORE_VCPU_RUN_H
#define CORE_VCPU_RUN_H

#include "core/vcpu.h"
#include "abi/kvm.h"

/* CREATE_VCPU's reset state (docs/hypercall-abi.md, "KVM_CREATE_VCPU: reset
 * state", the same on both vendors). */
void vcpu_reset_state(struct vcpu *v);

/* Queues vector 'irq' (KVM_INTERRUPT); delivered lowest first when the
 * guest has IF=1 and no interrupt shadow. */
bool vcpu_irq_queued(const struct vcpu *v);

/* KVM_NMI: latches one NMI for the vCPU (a second one before its
 * delivery merges with it); delivered at the first entry where the guest
 * does not block NMIs, whatever RFLAGS.IF. */
void vcpu_queue_nmi(struct vcpu *v);

struct vcpu_emul;

/* The vCPU's emulator state, allocated on first use (one frame, freed with
 * the vCPU); NULL if no frame is left. */
struct vcpu_emul *vcpu_emul_get(struct vcpu *v);

/* KVM_SET_REGS / KVM_SET_SREGS replaced the state: an instruction the
 * emulator has in progress (an MMIO read awaiting its data, a REP string
 * instruction with MMIO iterations left) is dropped, so the next KVM_RUN
 * runs the guest from the state the VMM gave, not the emulator's stale
 * copy over it. */
void vcpu_state_replaced(struct vcpu *v);

/* Returns 0 with an exit described in *run, or -EINTR. */
int vcpu_run(struct vcpu *v, struct kvm_run *run);

#endif
