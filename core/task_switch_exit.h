/*
 * A guest's hardware task switch, reported by the backend as
 * VEXIT_TASK_SWITCH, performed by core/task_switch.c on the vCPU: its
 * registers and segments, guest memory through the guest's page tables,
 * and the fault the switch raises injected as the CPU would deliver it.
 */
#ifndef CORE_TASK_SWITCH_EXIT_H
#define CORE_TASK_SWITCH_EXIT_H

#include <stdbool.h>
#include "core/vcpu.h"
#include "abi/kvm.h"

enum task_exit_result {
	TASK_EXIT_SWITCHED,     /* the new task runs next */
	TASK_EXIT_FAULTED,      /* a fault of the switch is injected */
	/* *run describes an exit for the VMM: an MMIO access of the switch
	 * (KVM_EXIT_MMIO; the next KVM_RUN goes on with
	 * task_switch_resume()), a triple fault, or memory the switch cannot
	 * use (KVM_EXIT_UNKNOWN, which ends the VM with a logged message) */
	TASK_EXIT_TO_VMM,
};

enum task_exit_result task_switch_exit(struct vcpu *v, const struct vexit *e,
				       struct kvm_run *run);

struct task_switch;
/* The same for a switch that did not come as a task-switch exit: an
 * event through a task gate the emulator read from an IDT in MMIO
 * (core/vcpu_run.c). exception: a hardware exception is being delivered
 * (a fault before the commit point combines with it, SDM Table 6-5);
 * hw_reason: what an UNKNOWN exit reports. */
enum task_exit_result task_switch_perform(struct vcpu *v, const struct task_switch *ts,
					  bool exception, uint64_t hw_reason,
					  struct kvm_run *run);

/* The next KVM_RUN after a task switch's KVM_EXIT_MMIO
 * (v->task_mmio_pending): takes the data of a read and runs the switch
 * on (core/task_replay.h). */
enum task_exit_result task_switch_resume(struct vcpu *v, struct kvm_run *run);

/* The VMM replaced the vCPU's state: a switch waiting for MMIO is
 * forgotten (as the emulator forgets an instruction in progress). */
void task_switch_forget(struct vcpu *v);

#endif
