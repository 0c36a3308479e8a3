/*
 * Running one guest instruction through emul/ for the hypervisor: the
 * memory callbacks (the guest's paging, then slot RAM or MMIO) and the
 * conversion between struct vcpu and struct emul_cpu.
 */
#ifndef CORE_EMUL_GLUE_H
#define CORE_EMUL_GLUE_H

#include "core/vcpu.h"
#include "emul/emul.h"
#include "core/task_replay.h"

/* Per-vCPU emulator state (lives in struct vcpu_emul, allocated on
 * first use). */
struct vcpu_emul {
	struct emul_ctx ctx;
	struct emul_cpu cpu;            /* valid while ctx is busy */
	struct emul_result res;
	struct vcpu *v;
	/* ctx is delivering this event (emul_deliver_event()), not running
	 * the instruction at RIP */
	bool delivering;
	struct emul_deliver event;
	/* a hardware task switch with memory in MMIO (v->task_mmio_pending) */
	struct task_replay task;
};

/* Starts or continues the instruction at RIP; on a result that commits
 * state, copies registers back into v. */
enum emul_status vcpu_emulate(struct vcpu *v, struct vcpu_emul *ve);

/* Starts or continues the delivery of ve->event (ve->delivering set),
 * the same way. */
enum emul_status vcpu_deliver(struct vcpu *v, struct vcpu_emul *ve);

#endif
