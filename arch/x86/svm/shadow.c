/*
 * SVM without nested paging: the guest runs on shadow page tables
 * (mmu/shadow.h, the VM's struct shadow from core/vm_shadow.c), and the
 * CPU runs it with paging registers of our choosing:
 *  - CR0.PG = 1 always: a guest with paging off (real mode included) runs
 *    in paged real/protected mode on the shadow's identity map (APM Vol. 2
 *    15.19 "Paged Real Mode": VMRUN accepts PG=1 with PE=0);
 *  - CR0.WP = 1, so that write protection of the guest's page tables also
 *    stops supervisor writes (a guest's WP=0 write is emulated instead);
 *  - CR4.PAE = 1 for a legacy guest, whose shadow root is a PAE PDPT below
 *    4 GiB; SMEP and SMAP off while the guest's paging is off (the
 *    identity map's leaves are user pages);
 *  - EFER.LME/LMA off while the guest's paging is off (PG=1 with LME=1
 *    would enter long mode);
 *  - CR3 = the shadow root.
 *
 * One place converts, around VMRUN: the VMCB holds the guest's values
 * whenever the hypervisor looks at it (every reader of save.cr0/cr3/cr4/
 * efer, in exit.c, cr.c, msr.c, vcpu.c, sees the guest's view and every
 * writer sets it), the hardware's only while the guest runs. What changed
 * in the guest's view meanwhile (an emulated MOV CR, WRMSR EFER,
 * KVM_SET_SREGS, a task switch) reaches the shadow tables at the next
 * entry, or at once where the instruction must fault on a bad value
 * (cr.c). Intercepts: vcpu.c.
 *
 * The TLB: the guest's translations are tagged with its ASID; a flush of
 * it (TLB_CONTROL, APM 15.16) covers every shadow change that removes or
 * narrows a translation (mmu/shadow.h: flush_needed), a new root, and the
 * guest's own MOV CR3. VMRUN loads CR3 and, in PAE mode, the PDPTEs with
 * it (APM Vol. 2 15.5.1: the guest state VMRUN loads is checked and taken
 * as a MOV to the control registers would), so a root PDPT entry the fault
 * path adds is seen on the next entry.
 */
#include "arch/x86/svm/svm.h"
#include "arch/x86/svm/shadow_regs.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "core/log.h"
#include "core/vm.h"
#include "mmu/guest_access.h"
#include "mmu/shadow.h"
#include "abi/errno.h"

#define RFLAGS_AC (1ULL << 18)

static struct svm_paging_regs guest_regs(const struct vmcb_save *h)
{
	return (struct svm_paging_regs){ h->cr0, h->cr3, h->cr4, h->efer & ~EFER_SVME };
}

int svm_shadow_sync(struct vcpu *v, struct svm_vcpu *sv, bool cr3_load)
{
	struct shadow *s = v->vm->shadow;
	struct svm_paging_regs g = guest_regs(&sv->vmcb->save);
	const struct svm_paging_regs last = { s->paging.cr0, s->paging.cr3,
					      s->paging.cr4, s->paging.efer };

	cr3_load |= sv->cr3_loaded;
	sv->cr3_loaded = false;

	if (!svm_shadow_must_sync(&g, &last, s->paging_valid, cr3_load))
		return 0;
	struct shadow_paging p = { g.cr0, g.cr3, g.cr4, g.efer };

	return shadow_cr3_write(s, &p);
}

int svm_shadow_enter(struct vcpu *v, struct svm_vcpu *sv)
{
	struct vmcb *vmcb = sv->vmcb;
	struct vmcb_save *h = &vmcb->save;
	struct shadow *s = v->vm->shadow;
	struct svm_paging_regs g = guest_regs(h);

	/* a state the VMM set that VMRUN would refuse with nested paging
	 * gets the same failed entry */
	if (!svm_shadow_guest_valid(&g))
		return -EINVAL;
	int r = svm_shadow_sync(v, sv, false);
	if (r || !s->root_hpa) {
		if (v->vm->emul_failures++ < 8)
			printk("vm%u: no shadow page tables for CR0 %#lx CR3 %#lx "
			       "CR4 %#lx EFER %#lx (%d): cannot enter\n", v->vm->id,
			       g.cr0, g.cr3, g.cr4, g.efer, r);
		return r ? r : -ENOMEM;
	}
	if (s->flush_needed || sv->flush_on_entry || s->root_hpa != sv->hw_root)
		vmcb->control.tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
	s->flush_needed = false;
	sv->flush_on_entry = false;
	sv->hw_root = s->root_hpa;
	sv->guest.cr0 = h->cr0;
	sv->guest.cr3 = h->cr3;
	sv->guest.cr4 = h->cr4;
	sv->guest.efer = h->efer;

	struct svm_paging_regs hw = svm_shadow_hardware(&g, s->root_hpa);

	h->cr0 = hw.cr0;
	h->cr3 = hw.cr3;
	h->cr4 = hw.cr4;
	h->efer = hw.efer;
	return 0;
}

/*
 * Every write of CR0, CR3, CR4 and EFER exits, so the hardware's values
 * are still the ones enter() set, with one exception: a hardware task
 * switch the CPU ran itself (QEMU 7.2's TCG has no task-switch intercept,
 * docs/platforms.md) loads CR3 from the new TSS and sets CR0.TS. Those are
 * the guest's: CR3 is taken as its new one (the next entry shadows it).
 * Until that exit the guest ran on its own CR3 as a host address: QEMU
 * only (a CPU intercepts the task switch), and documented.
 */
void svm_shadow_leave(struct vcpu *v, struct svm_vcpu *sv)
{
	struct vmcb_save *h = &sv->vmcb->save;
	uint64_t hw_cr0 = h->cr0, hw_cr3 = h->cr3;

	(void)v;
	h->cr0 = sv->guest.cr0;
	h->cr3 = sv->guest.cr3;
	h->cr4 = sv->guest.cr4;
	h->efer = sv->guest.efer;
	if (svm_exit_code(&sv->vmcb->control) == SVM_EXIT_INVALID)
		return;         /* the save area may hold anything (vcpu.c) */
	h->cr0 |= hw_cr0 & CR0_TS;
	if (hw_cr3 != sv->hw_root)
		h->cr3 = hw_cr3;
}

/*
 * The guest's own page fault: #PF(error_code) with CR2 = gva, which the
 * intercept left unwritten (APM Vol. 2 15.12: the faulting address is in
 * EXITINFO2). If it interrupted an event's delivery, the two combine as
 * on a CPU (shadow_regs.c).
 */
static void reflect_pf(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e,
		       uint64_t gva, uint32_t error_code)
{
	struct vmcb_control *c = &sv->vmcb->control;
	uint8_t vector = (uint8_t)c->exitintinfo;

	e->reason = VEXIT_EMULATED;
	c->eventinj = 0;
	switch (svm_shadow_pf_outcome(c->exitintinfo)) {
	case SVM_PF_TRIPLE_FAULT:
		e->reason = VEXIT_SHUTDOWN;
		return;
	case SVM_PF_DOUBLE_FAULT:
		svm_inject_exception(v, TRAP_DF, true, 0);
		return;
	case SVM_PF_REQUEUE_IRQ:
		/* acknowledged, not delivered: KVM_RUN injects it again */
		v->irq_pending[vector / 64] |= 1ULL << (vector % 64);
		break;
	case SVM_PF_REQUEUE_NMI:
		/* not delivered either: latched again, and not blocking */
		v->nmi |= VCPU_NMI_PENDING;
		svm_iret_emulated(v);
		break;
	case SVM_PF_DELIVER:
		break;
	}
	sv->vmcb->save.cr2 = gva;
	svm_inject_exception(v, TRAP_PF, true, error_code);
}

/* MMIO, or a write the VM's map holds read-only (dirty logging): the
 * nested-page-fault path of core, which does not care where it came from. */
static void as_npf(struct svm_vcpu *sv, struct vcpu *v, struct vexit *e,
		   const struct shadow_fault_info *info, unsigned acc, bool present)
{
	e->reason = VEXIT_NPF;
	e->npf.gpa = info->gpa;
	e->npf.write = acc & GUEST_ACC_WRITE;
	e->npf.fetch = acc & GUEST_ACC_FETCH;
	e->npf.present = present;
	e->npf.in_delivery = sv->vmcb->control.exitintinfo & SVM_EVTINJ_VALID;
	if (e->npf.in_delivery)
		svm_npf_event(v, sv, e);
}

/*
 * A write the hardware refused but the guest may make: to one of its page
 * tables, or a supervisor write with its CR0.WP=0. The emulator runs the
 * instruction, its writes reaching the shadow through vm_guest_wrote().
 * During an event's delivery (its stack frame on a page table) there is no
 * instruction to run: the page stops being shadowed and the delivery is
 * retried natively; if that cannot be (the current root's table, or WP=0),
 * the exit is unknown.
 */
static void emulate_write(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e,
			  int kind, uint64_t gpa)
{
	if (!(sv->vmcb->control.exitintinfo & SVM_EVTINJ_VALID)) {
		e->reason = VEXIT_EMULATE;
		/* core unshadows the page if the emulator refuses */
		v->shadow_pt_write = kind == SHADOW_PT_WRITE;
		v->shadow_pt_write_gpa = gpa;
		return;
	}
	if (kind == SHADOW_PT_WRITE && shadow_unprotect(v->vm->shadow, gpa) == 0) {
		e->reason = VEXIT_EMULATED;
		return;
	}
	e->reason = VEXIT_UNKNOWN;
}

void svm_exit_shadow_pf(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e)
{
	const struct vmcb_control *c = &sv->vmcb->control;
	uint32_t error_code = (uint32_t)c->exitinfo1;
	uint64_t gva = c->exitinfo2;
	unsigned acc = guest_access_of_pf(error_code);
	struct shadow_fault_info info = { 0 };
	int r = shadow_fault(v->vm->shadow, gva, acc, v->regs.rflags & RFLAGS_AC,
			       error_code & PF_ERR_P, &info);

	e->insn_len = 0;
	switch (r) {
	case SHADOW_FIXED:
		e->reason = VEXIT_EMULATED;     /* run it again */
		return;
	case SHADOW_GUEST_PF:
		reflect_pf(v, sv, e, gva, info.error_code);
		return;
	case SHADOW_MMIO:
		as_npf(sv, v, e, &info, acc, false);
		return;
	case SHADOW_DIRTY_LOG:
		as_npf(sv, v, e, &info, acc, true);
		return;
	case SHADOW_PT_WRITE:
	case SHADOW_WP0_WRITE:
		emulate_write(v, sv, e, r, info.gpa);
		return;
	default:
		if (v->vm->emul_failures++ < 8)
			printk("vm%u: shadow page fault at %#lx (error %#x, RIP %#lx) "
			       "failed: %d\n", v->vm->id, gva, error_code, v->regs.rip, r);
		e->reason = VEXIT_UNKNOWN;
		return;
	}
}
