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
	/* *run describes an exit for the VMM: a triple fault, or a TSS or
	 * descriptor table outside guest RAM, which ends the VM with a
	 * logged message */
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

#endif
