/*
 * Hypercalls from the control partition (abi/hypercall.h): the mailbox
 * registration and the kvm.h request path. Arguments are untrusted: the
 * mailbox must be a page of the control partition's own RAM.
 */
#include "request/hypercall.h"
#include "core/ctl.h"
#include "core/ctl_idle.h"
#include "core/guest_mem.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/pathcost.h"
#include "abi/errno.h"
#include "abi/hypercall.h"
#include "request/kvm_request.h"

void *ctl_ram_ptr(uint64_t gpa, uint64_t len)
{
	if (!len || gpa >= ctl.ram_bytes || len > ctl.ram_bytes - gpa)
		return 0;
	return guest_gpa_ptr(ctl.vm, gpa, len);
}

static int64_t hc_set_mailbox(uint64_t gpa)
{
	if ((gpa & (PAGE_SIZE - 1)) || !ctl_ram_ptr(gpa, HC_MAILBOX_BYTES)) {
		printk("hypercall: mailbox %#lx is not a page of ctl RAM -> %d\n",
		       gpa, -EINVAL);
		return -EINVAL;
	}
	ctl.mailbox_gpa = gpa;
	ctl.mailbox = ctl_ram_ptr(gpa, HC_MAILBOX_BYTES);
	return 0;
}

int64_t hypercall_dispatch(struct vcpu *v)
{
	const struct vcpu_regs *r = &v->regs;

	ctl.hypercalls++;
	switch (r->rax) {
	case HC_NOP:
		return 0;
	case HC_SET_MAILBOX:
		return hc_set_mailbox(r->rdi);
	case HC_KVM:
		return kvm_request(r->rdi, r->rsi, r->rdx, ctl.mailbox);
	case HC_FREE_FRAMES:
		/* the control partition's shadow tables are a cache of its
		 * translations that grows and shrinks as it runs (a window
		 * mapped rebuilds it): counted as free, so that the figure
		 * shows what VMs took and gave back */
		return (int64_t)(page_free_count() + vm_shadow_frames(ctl.vm));
	case HC_PATH_STATS:
		if (r->rdi)
			pathcost_reset();
		else
			pathcost_print();
		return 0;
	case HC_IDLE:
		/* a wait is not a path: ctl_run leaves it out of the figures */
		ctl.exited_at = 0;
		return ctl_idle(r->rdi);
	default:
		ctl.bad_hypercalls++;
		if (ctl.bad_hypercalls <= 8)
			printk("hypercall: unknown function %lu -> %d\n", r->rax, -ENOSYS);
		return -ENOSYS;
	}
}
