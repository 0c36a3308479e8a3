/*
 * KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS (abi/barekvm.h; Linux 2.6.32's
 * requests): the vCPU's state besides its registers. A CPU holds at most
 * one event being delivered; here it sits in the backend's injection slot
 * or, when its delivery touched MMIO, with the emulator or a task switch
 * waiting for the VMM. Beside it: the NMI latched by KVM_NMI, NMI blocking
 * by a handler before its IRET, and the STI / MOV SS shadow.
 *
 * SET replaces all of it, as KVM_SET_REGS replaces the registers: an
 * emulated delivery or task switch in progress is forgotten first. What no
 * CPU state holds is refused with -EINVAL before anything changes.
 */
#include "core/vcpu_events.h"
#include "core/emul_glue.h"
#include "core/vcpu_run.h"
#include "core/vm.h"
#include "core/lib.h"
#include "core/log.h"
#include "abi/barekvm.h"
#include "abi/errno.h"
#include "arch/x86/virt.h"

#define VEC_NMI 2
#define CR0_PE  1ULL

/* The event a task switch through a task gate is delivering while it waits
 * for the VMM (docs/hypercall-abi.md, "Hardware task switches"). */
static bool task_switch_event(struct vcpu *v, struct emul_deliver *ev)
{
	const struct vcpu_emul *ve = v->emul;
	const struct task_replay *rp;

	if (!v->task_mmio_pending || !ve)
		return false;
	rp = &ve->task;
	if (!rp->active || rp->ts.source != TASK_FROM_GATE)
		return false;
	*ev = (struct emul_deliver){ .vector = rp->ts.vector,
		.kind = rp->ts.soft ? EMUL_EV_SOFTINT :
			rp->exception ? EMUL_EV_HWEXC :
			rp->ts.vector == VEC_NMI ? EMUL_EV_NMI : EMUL_EV_EXTINT,
		.has_error_code = rp->ts.has_error_code,
		.error_code = rp->ts.error_code };
	return true;
}

/* The event being delivered, wherever it waits. */
static bool event_in_flight(struct vcpu *v, struct emul_deliver *ev)
{
	const struct vcpu_emul *ve = v->emul;

	if ((v->mmio_read_pending || v->emul_continue) && ve && ve->delivering) {
		*ev = ve->event;
		return true;
	}
	return task_switch_event(v, ev) || virt->peek_event(v, ev);
}

static unsigned shadow_to_kvm(unsigned kind)
{
	return (kind & VIRT_SHADOW_STI ? KVM_X86_SHADOW_INT_STI : 0) |
	       (kind & VIRT_SHADOW_MOV_SS ? KVM_X86_SHADOW_INT_MOV_SS : 0);
}

void vcpu_get_events(struct vcpu *v, struct kvm_vcpu_events *out)
{
	struct emul_deliver ev;

	memset(out, 0, sizeof(*out));
	if (event_in_flight(v, &ev)) {
		switch (ev.kind) {
		case EMUL_EV_EXTINT:
		case EMUL_EV_SOFTINT:
			out->interrupt.injected = 1;
			out->interrupt.nr = ev.vector;
			out->interrupt.soft = ev.kind == EMUL_EV_SOFTINT;
			break;
		case EMUL_EV_NMI:
			out->nmi.injected = 1;
			break;
		default:        /* hardware and software exceptions */
			out->exception.injected = 1;
			out->exception.nr = ev.vector;
			out->exception.has_error_code = ev.has_error_code;
			out->exception.error_code = ev.error_code;
			break;
		}
	}
	out->interrupt.shadow = (uint8_t)shadow_to_kvm(virt->shadow_kind(v));
	out->nmi.pending = (v->nmi & VCPU_NMI_PENDING) != 0;
	out->nmi.masked = virt->nmi_masked(v);
	out->sipi_vector = v->sipi_vector;
	out->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
}

static int refuse(const char *why)
{
	printk("kvm: KVM_SET_VCPU_EVENTS: %s\n", why);
	return -EINVAL;
}

int vcpu_set_events(struct vcpu *v, const struct kvm_vcpu_events *e)
{
	const char *why = vcpu_events_refusal(e);
	struct vcpu_sregs s;

	if (why)
		return refuse(why);
	vcpu_state_replaced(v);         /* an emulated delivery, a task switch */
	virt->drop_event(v);
	virt->set_nmi_masked(v, e->nmi.masked);
	if (e->flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		v->nmi = (uint8_t)((v->nmi & ~VCPU_NMI_PENDING) |
				   (e->nmi.pending ? VCPU_NMI_PENDING : 0));
	if (e->flags & KVM_VCPUEVENT_VALID_SHADOW) {
		if (e->interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS)
			virt->set_interrupt_shadow(v, true);
		else if (e->interrupt.shadow & KVM_X86_SHADOW_INT_STI)
			virt->set_interrupt_shadow(v, false);
		else
			virt->clear_interrupt_shadow(v);
	}
	if (e->flags & KVM_VCPUEVENT_VALID_SIPI_VECTOR)
		v->sipi_vector = e->sipi_vector;
	if (e->exception.injected || e->exception.pending) {
		virt->get_sregs(v, &s);
		/* real mode pushes no error code (SDM Vol. 3 20.1.4) */
		virt->inject_exception(v, e->exception.nr,
				       e->exception.has_error_code && (s.cr0 & CR0_PE),
				       e->exception.error_code);
	} else if (e->interrupt.injected) {
		virt->inject_irq(v, e->interrupt.nr);
	} else if (e->nmi.injected) {
		virt->inject_nmi(v);
	}
	return 0;
}
