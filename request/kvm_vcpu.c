/* Requests on a vCPU handle: run, registers, translation, closing. */
#include "request/kvm_handlers.h"
#include "abi/barekvm.h"
#include "abi/kvm.h"
#include "abi/errno.h"
#include "core/cpuid.h"
#include "core/guest_mem.h"
#include "core/log.h"
#include "core/handle.h"
#include "core/lib.h"
#include "core/msr.h"
#include "abi/hypercall.h"
#include "core/vcpu_run.h"
#include "core/vcpu_events.h"
#include "mmu/guest_walk.h"

_Static_assert(sizeof(struct vcpu_regs) == sizeof(struct kvm_regs),
	       "vcpu_regs is kept in kvm_regs order");

static void seg_to_kvm(struct kvm_segment *k, const struct vcpu_segment *s)
{
	*k = (struct kvm_segment){ .base = s->base, .limit = s->limit,
		.selector = s->selector, .type = s->type, .present = s->present,
		.dpl = s->dpl, .db = s->db, .s = s->s, .l = s->l, .g = s->g,
		.avl = s->avl, .unusable = s->unusable };
}

static void seg_from_kvm(struct vcpu_segment *s, const struct kvm_segment *k)
{
	*s = (struct vcpu_segment){ .base = k->base, .limit = k->limit,
		.selector = k->selector, .type = k->type, .present = k->present,
		.dpl = k->dpl, .db = k->db, .s = k->s, .l = k->l, .g = k->g,
		.avl = k->avl, .unusable = k->unusable };
}

static void get_sregs(struct vcpu *v, struct kvm_sregs *k)
{
	struct vcpu_sregs s;

	virt->get_sregs(v, &s);
	memset(k, 0, sizeof(*k));
	seg_to_kvm(&k->cs, &s.cs);
	seg_to_kvm(&k->ds, &s.ds);
	seg_to_kvm(&k->es, &s.es);
	seg_to_kvm(&k->fs, &s.fs);
	seg_to_kvm(&k->gs, &s.gs);
	seg_to_kvm(&k->ss, &s.ss);
	seg_to_kvm(&k->tr, &s.tr);
	seg_to_kvm(&k->ldt, &s.ldt);
	k->gdt = (struct kvm_dtable){ .base = s.gdt.base, .limit = s.gdt.limit };
	k->idt = (struct kvm_dtable){ .base = s.idt.base, .limit = s.idt.limit };
	k->cr0 = s.cr0;
	k->cr2 = s.cr2;
	k->cr3 = s.cr3;
	k->cr4 = s.cr4;
	k->cr8 = s.cr8;
	k->efer = s.efer;
	k->apic_base = v->apic_base;
	memcpy(k->interrupt_bitmap, v->irq_pending, sizeof(k->interrupt_bitmap));
}

/* 2.6.21 validated nothing here; the CPU checks the state at the next
 * entry and an invalid one comes back as KVM_EXIT_TYPE_FAIL_ENTRY. One
 * improvement (documented): CR4 bits the vCPU's CPUID does not announce
 * are -EINVAL, as a MOV to CR4 would #GP, since VMX would otherwise run
 * the guest with a feature it was told it lacks (PKE, OSXSAVE) and SVM
 * would refuse the entry. 'k' is the handler's own copy. */
static int64_t set_sregs(struct vcpu *v, const struct kvm_sregs *k)
{
	struct vcpu_sregs s;
	uint64_t bad = k->cr4 & ~cpuid_rules()->cr4_allowed;

	if (bad) {
		printk("kvm: KVM_SET_SREGS: CR4 %#lx sets bits %#lx the vCPU's CPUID "
		       "does not announce\n", (uint64_t)k->cr4, bad);
		return -EINVAL;
	}
	seg_from_kvm(&s.cs, &k->cs);
	seg_from_kvm(&s.ds, &k->ds);
	seg_from_kvm(&s.es, &k->es);
	seg_from_kvm(&s.fs, &k->fs);
	seg_from_kvm(&s.gs, &k->gs);
	seg_from_kvm(&s.ss, &k->ss);
	seg_from_kvm(&s.tr, &k->tr);
	seg_from_kvm(&s.ldt, &k->ldt);
	s.gdt = (struct vcpu_dtable){ k->gdt.base, k->gdt.limit };
	s.idt = (struct vcpu_dtable){ k->idt.base, k->idt.limit };
	s.cr0 = k->cr0;
	s.cr2 = k->cr2;
	s.cr3 = k->cr3;
	s.cr4 = k->cr4;
	s.cr8 = k->cr8;
	s.efer = k->efer;
	s.apic_base = k->apic_base;
	virt->set_sregs(v, &s);
	/* as KVM, which reloads the PAE PDPTEs from the CR3 given */
	virt->load_cr3(v);
	v->apic_base = k->apic_base;
	/* 2.6.21: the pending queue is replaced by the bitmap */
	memcpy(v->irq_pending, k->interrupt_bitmap, sizeof(v->irq_pending));
	return 0;
}

static int64_t queue_interrupt(struct vcpu *v, const struct kvm_interrupt *in)
{
	struct kvm_interrupt irq;

	mailbox_copy_in(&irq, in, sizeof(irq));
	if (irq.irq >= KVM_NR_INTERRUPTS)
		return -EINVAL;
	v->irq_pending[irq.irq / 64] |= 1ULL << (irq.irq % 64);
	return 0;
}

static int walk_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	return guest_read_gpa(ctx, gpa, buf, len);
}

/* Improvement over 2.6.21 (documented): writeable and usermode are the
 * truth of the walk, not the constants 1 and 0. */
static void translate(struct vcpu *v, struct kvm_translation *tr)
{
	struct vcpu_sregs s;
	struct guest_translation t;
	uint64_t linear;

	mailbox_copy_in(&linear, &tr->linear_address, sizeof(linear));
	virt->get_sregs(v, &s);
	struct guest_paging p = { s.cr0, s.cr3, s.cr4, s.efer, walk_read, v->vm };
	if (guest_walk(&p, linear, &t) == 0) {
		tr->physical_address = t.gpa;
		tr->valid = 1;
		tr->writeable = t.writable;
		tr->usermode = t.user;
	} else {
		tr->physical_address = ~0ULL;
		tr->valid = tr->writeable = tr->usermode = 0;
	}
}

/*
 * 2.6.21: entries are processed in order and processing stops at the first
 * entry not done (an unsupported index, or a value the CPU would refuse:
 * core/msr.c); the result is the number processed, and the entries after
 * it are left untouched. More than 255 entries is -E2BIG (they would not
 * fit the mailbox either). nmsrs = 0 returns 0 (2.6.21 said -ENOMEM there,
 * an artefact of vmalloc(0); documented improvement). nmsrs and each
 * entry are copied out of the mailbox once before use.
 */
static int64_t msrs_access(struct vcpu *v, struct kvm_msrs *m, bool write)
{
	uint32_t n;

	mailbox_copy_in(&n, &m->nmsrs, sizeof(n));
	if (n >= 256 || sizeof(*m) + (uint64_t)n * sizeof(m->entries[0]) > HC_MAILBOX_BYTES)
		return -E2BIG;
	for (uint32_t i = 0; i < n; i++) {
		struct kvm_msr_entry e;
		int r;

		mailbox_copy_in(&e, &m->entries[i], sizeof(e));
		if (write) {
			r = vcpu_msr_write(v, e.index, e.data);
		} else {
			r = vcpu_msr_read(v, e.index, &e.data);
			if (!r)
				m->entries[i].data = e.data;
		}
		if (r)
			return i;
	}
	return n;
}

/* Improvement over 2.6.21, which said -EOPNOTSUPP on AMD: the same
 * breakpoints and single-step on both vendors. */
static int64_t debug_guest(struct vcpu *v, const struct kvm_debug_guest *in)
{
	struct vcpu_debug *dbg = &v->debug;
	struct kvm_debug_guest copy;
	const struct kvm_debug_guest *d = &copy;

	mailbox_copy_in(&copy, in, sizeof(copy));
	*dbg = (struct vcpu_debug){ .enabled = d->enabled != 0,
				    .singlestep = d->enabled && d->singlestep };
	for (int i = 0; i < 4 && d->enabled; i++) {
		if (d->breakpoints[i].enabled) {
			dbg->bp_enabled |= 1u << i;
			dbg->bp_addr[i] = d->breakpoints[i].address;
		}
	}
	virt->set_debug(v);
	return 0;
}

int64_t kvm_vcpu_request(struct vcpu *v, uint64_t handle, uint32_t request,
			 uint64_t iarg, void *arg)
{
	(void)iarg;
	switch (request) {
	case KVM_RUN:
		return vcpu_run(v, arg);
	case KVM_GET_REGS:
		memcpy(arg, &v->regs, sizeof(struct kvm_regs));
		return 0;
	case KVM_SET_REGS:
		mailbox_copy_in(&v->regs, arg, sizeof(struct kvm_regs));
		vcpu_state_replaced(v);
		return 0;
	case KVM_GET_SREGS:
		get_sregs(v, arg);
		return 0;
	case KVM_SET_SREGS: {
		struct kvm_sregs k;

		mailbox_copy_in(&k, arg, sizeof(k));
		int r = set_sregs(v, &k);
		if (!r)
			vcpu_state_replaced(v);
		return r;
	}
	case KVM_GET_MSRS:
		return msrs_access(v, arg, false);
	case KVM_SET_MSRS:
		return msrs_access(v, arg, true);
	case KVM_DEBUG_GUEST:
		return debug_guest(v, arg);
	case KVM_INTERRUPT:
		return queue_interrupt(v, arg);
	case KVM_NMI:
		vcpu_queue_nmi(v);
		return 0;
	case KVM_GET_VCPU_EVENTS:
		vcpu_get_events(v, arg);
		return 0;
	case KVM_SET_VCPU_EVENTS: {
		struct kvm_vcpu_events e;

		mailbox_copy_in(&e, arg, sizeof(e));
		return vcpu_set_events(v, &e);
	}
	case KVM_TRANSLATE:
		translate(v, arg);
		return 0;
	case KVM_BAREKVM_ALARM:
		mailbox_copy_in(&v->alarm_tsc, arg, sizeof(v->alarm_tsc));
		return 0;
	case KVM_BAREKVM_CLOSE:
		return handle_free(handle);
	default:
		/* unreachable: kvm_request.c routes only the requests of its
		 * table here, and reports -ENOSYS as a bug of ours */
		return -ENOSYS;
	}
}
