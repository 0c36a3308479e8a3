/* Task-switch exits (see core/task_switch_exit.h). */
#include "core/task_switch_exit.h"
#include "core/task_switch.h"
#include "core/task_replay.h"
#include "core/emul_glue.h"
#include "core/vcpu_run.h"
#include "core/cpuid.h"
#include "arch/x86/debugreg.h"
#include "core/guest_mem.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/vm.h"
#include "arch/x86/cpu.h"
#include "mmu/guest_walk.h"
#include "abi/errno.h"

#define VEC_DF 8
#define VEC_PF 14
#define PF_P   (1u << 0)
#define PF_W   (1u << 1)
#define PF_RSVD (1u << 3)
#define CR0_WP_BIT (1ULL << 16)
#define LOG_LIMIT 8

/* One page's piece of an implicit supervisor access (SDM Vol. 3 4.6):
 * guest-physical address, or the #PF. */
static enum task_mem_status translate(struct vcpu *v, const struct vcpu_sregs *pg,
				      uint64_t la, bool write, uint64_t *gpa,
				      struct task_fault *f)
{
	struct guest_translation t;
	int r = guest_translate(v, &v->data, pg->cr0, pg->cr3, pg->cr4, pg->efer,
				la, &t);
	bool wp_fault = !r && write && !t.writable && (pg->cr0 & CR0_WP_BIT);

	/* a table outside RAM (-EFAULT) reads as not present, as for the
	 * emulator's walks (docs/architecture.md, guest tables outside RAM) */
	if (r || wp_fault) {
		*f = (struct task_fault){ .vector = VEC_PF, .has_error_code = true,
			.error_code = (write ? PF_W : 0) |
				      (r == -EINVAL ? PF_P | PF_RSVD : r ? 0 : PF_P),
			.cr2 = la };
		return TASK_MEM_FAULT;
	}
	*gpa = t.gpa;
	return TASK_MEM_OK;
}

/* struct task_bus's translate. */
static enum task_mem_status bus_translate(void *ctx, const struct vcpu_sregs *pg,
					  uint64_t la, bool write, uint64_t *gpa,
					  struct task_fault *f)
{
	return translate(ctx, pg, la, write, gpa, f);
}

/* struct task_bus's ram: slot RAM, or 1 for MMIO (outside every slot;
 * slots are whole pages, so a piece within a page is one or the other). */
static int bus_ram(void *ctx, uint64_t gpa, void *buf, unsigned len, bool write)
{
	struct vcpu *v = ctx;
	bool first = vm_slot_at(v->vm, gpa), last = vm_slot_at(v->vm, gpa + len - 1);

	if (!first && !last)
		return 1;
	if (!first || !last)
		return -EFAULT;
	int r = write ? guest_write_gpa(v->vm, gpa, buf, len)
		      : guest_read_gpa(v->vm, gpa, buf, len);
	if (r)
		return -EFAULT;
	if (write)
		vm_mark_dirty(v->vm, gpa);
	return 0;
}

/* The access an attempt stopped at, for the VMM: one KVM_EXIT_MMIO
 * (docs/hypercall-abi.md 6.3: a read comes back with mmio_completed). */
static void describe_mmio(const struct task_mmio_req *req, struct kvm_run *run)
{
	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->exit_reason = KVM_EXIT_MMIO;
	run->instruction_length = 0;
	run->mmio.phys_addr = req->gpa;
	run->mmio.len = req->len;
	run->mmio.is_write = req->write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (req->write)
		memcpy(run->mmio.data, req->data, req->len);
}

static void describe_unknown(uint64_t hw_reason, struct kvm_run *run)
{
	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->exit_reason = KVM_EXIT_UNKNOWN;
	run->hw.hardware_exit_reason = (uint32_t)hw_reason;
	run->instruction_length = 0;
}

/* The fault the switch raised. Before the commit point it arises while
 * the event was being delivered, and combines with a hardware exception
 * as a second one would (SDM Vol. 3 Table 6-5); after it, it belongs to
 * the new task. */
static enum task_exit_result deliver_fault(struct vcpu *v, const struct task_switch *ts,
					   bool exception, struct vcpu_sregs *s,
					   const struct task_outcome *o,
					   struct kvm_run *run)
{
	struct task_fault f = o->fault;

	if (!o->committed && ts->source == TASK_FROM_GATE && exception) {
		int vec = task_fault_combine(ts->vector, f.vector);
		if (vec < 0) {
			run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
			run->exit_reason = KVM_EXIT_SHUTDOWN;
			run->instruction_length = 0;
			return TASK_EXIT_TO_VMM;
		}
		if (vec == VEC_DF)
			f = (struct task_fault){ .vector = VEC_DF, .has_error_code = true };
	}
	if (f.vector == VEC_PF) {
		s->cr2 = f.cr2;
		virt->set_sregs(v, s);
	}
	virt->inject_exception(v, f.vector, f.has_error_code, f.error_code);
	return TASK_EXIT_FAULTED;
}

enum task_exit_result task_switch_exit(struct vcpu *v, const struct vexit *e,
				       struct kvm_run *run)
{
	struct task_switch ts = {
		.selector = e->task.selector, .source = e->task.source,
		.vector = e->task.vector, .soft = e->task.soft,
		.external = e->task.external,
		.has_error_code = e->task.has_error_code,
		.error_code = e->task.error_code, .insn_len = e->insn_len,
	};

	return task_switch_perform(v, &ts, e->task.exception, e->hw_reason, run);
}

/* One attempt of the switch in rp from the vCPU's state, which it
 * changes only when the switch ends. */
static enum task_exit_result attempt(struct vcpu *v, struct task_replay *rp,
				     struct kvm_run *run)
{
	const struct task_bus bus = { bus_translate, bus_ram, v,
				      (uint8_t)cpuid_rules()->pa_bits };
	struct task_outcome o;
	struct vcpu_sregs s;

	virt->get_sregs(v, &s);
	task_replay_run(rp, &bus, &v->regs, &s, &o);
	if (o.result == TASK_MMIO) {
		v->task_mmio_pending = true;
		describe_mmio(&rp->req, run);
		return TASK_EXIT_TO_VMM;
	}
	if (o.committed) {
		virt->set_sregs(v, &s);
		if (o.cr3_loaded)
			virt->load_cr3(v);
		virt->clear_dr7(v, DR7_LOCAL_ENABLES);
	}
	switch (o.result) {
	case TASK_DONE:
		if (o.debug_trap)
			virt->inject_db(v, DR6_BT);
		return TASK_EXIT_SWITCHED;
	case TASK_FAULT:
		return deliver_fault(v, &rp->ts, rp->exception, &s, &o, run);
	case TASK_UNSUPPORTED:
		/* IA-32e mode or real mode: the CPU faults before it would
		 * exit (SDM Vol. 3 26.4.2); never reached on a correct CPU */
		virt->inject_exception(v, 13, true, 0);
		return TASK_EXIT_FAULTED;
	case TASK_BAD_MEMORY:
	default:
		if (v->vm->task_switch_failures++ < LOG_LIMIT)
			printk("vm%u: task switch to TSS %#x at RIP %#lx cannot use "
			       "address %#lx (more MMIO than a switch makes): VM "
			       "stopped\n",
			       v->vm->id, rp->ts.selector, v->regs.rip, o.bad_la);
		describe_unknown(rp->hw_reason, run);
		return TASK_EXIT_TO_VMM;
	}
}

enum task_exit_result task_switch_perform(struct vcpu *v, const struct task_switch *ts,
					  bool exception, uint64_t hw_reason,
					  struct kvm_run *run)
{
	struct vcpu_emul *ve = vcpu_emul_get(v);

	if (!ve) {
		if (v->vm->task_switch_failures++ < LOG_LIMIT)
			printk("vm%u: no memory for a task switch: VM stopped\n", v->vm->id);
		describe_unknown(hw_reason, run);
		return TASK_EXIT_TO_VMM;
	}
	/* an IRET ends NMI blocking even when its task switch faults (SDM
	 * Vol. 3 6.7.1, 27.2.3: blocking is cleared before a fault) */
	if (ts->source == TASK_FROM_IRET)
		virt->iret_emulated(v);
	task_replay_start(&ve->task, ts, exception, (uint32_t)hw_reason);
	return attempt(v, &ve->task, run);
}

enum task_exit_result task_switch_resume(struct vcpu *v, struct kvm_run *run)
{
	struct task_replay *rp = &((struct vcpu_emul *)v->emul)->task;
	/* read once: the control partition could change them meanwhile */
	uint32_t completed = *(volatile uint32_t *)&run->mmio_completed;
	uint8_t data[8];

	memcpy(data, (const void *)run->mmio.data, sizeof(data));
	v->task_mmio_pending = false;
	if (!rp->req.write) {
		if (!completed) {
			/* no data: the switch, which consumed its event, waits
			 * for it and asks again */
			v->task_mmio_pending = true;
			describe_mmio(&rp->req, run);
			return TASK_EXIT_TO_VMM;
		}
		task_replay_answer(rp, data);
	}
	return attempt(v, rp, run);
}

void task_switch_forget(struct vcpu *v)
{
	if (!v->task_mmio_pending)
		return;
	v->task_mmio_pending = false;
	((struct vcpu_emul *)v->emul)->task.active = false;
}
