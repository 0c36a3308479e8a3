/*
 * VMX without EPT: the guest runs on shadow page tables (mmu/shadow.h, the
 * VM's struct shadow from core/vm_shadow.c), the counterpart of
 * arch/x86/svm/shadow.c. Simpler than SVM's, because unrestricted guest
 * needs EPT (SDM Vol. 3 26.2.1.1): a CPU without EPT enters only paged
 * guests (CR0.PE and PG fixed to 1), every other state runs in software
 * (vmx.h, VMX_WORK_SOFTWARE), so the shadow tables never shadow paging off.
 *
 * The CPU runs the guest with
 *  - CR3 = the shadow root, in the VMCS; the guest's own CR3 is kept in
 *    struct vmx_vcpu, and MOV to and from CR3 exit (cr.c);
 *  - CR0.WP = 1, so that write protection of the guest's page tables also
 *    stops supervisor writes (a write the guest's WP=0 allows is
 *    emulated), and CR4.PAE = 1, so that a legacy guest runs on the
 *    PAE-format root below 4 GiB; both forced by the CR0/CR4 fixed bits of
 *    controls.c, the guest reading its own values in the read shadows;
 *  - CR4.PSE, SMEP, SMAP and EFER as the guest set them.
 * Every change of the guest's paging registers goes through
 * vmx_write_guest_cr() (cr.c, msr.c, SET_SREGS), which queues
 * VMX_WORK_SHADOW: the next entry hands the registers to the shadow tables,
 * unless cr.c already did so for a MOV that must fault on a bad PDPTE.
 *
 * The TLB: without VPIDs, every VM entry and exit invalidates the linear
 * mappings of VPID 0 (SDM Vol. 3 28.3.3.1), which covers every shadow
 * change (flush_needed), a new root and the guest's MOV CR3. With a VPID
 * (a CPU with VPID but no usable EPT) they queue an INVVPID instead. VM
 * entry loads CR3 and, for PAE paging, the PDPTEs from the root (SDM Vol.
 * 3 26.3.2.4, EPT off), so a root PDPT entry the fault path adds is seen on
 * the next entry.
 */
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/shadow_event.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "core/log.h"
#include "core/vm.h"
#include "mmu/guest_access.h"
#include "mmu/shadow.h"
#include "abi/errno.h"

#define RFLAGS_AC (1ULL << 18)
#define TRAP_DF   8
#define TRAP_PF   14
#define LOG_FAILURES 8

static struct shadow_paging guest_paging(const struct vmx_vcpu *x)
{
	return (struct shadow_paging){
		vmx_cr_view(vmcs_read(VMCS_GUEST_CR0), vmcs_read(VMCS_CR0_SHADOW),
			    vmx_ctl.cr0_mask),
		x->guest_cr3,
		vmx_cr_view(vmcs_read(VMCS_GUEST_CR4), vmcs_read(VMCS_CR4_SHADOW),
			    vmx_ctl.cr4_mask),
		vmx_guest_efer(x),
	};
}

/* cr3_load: the guest's MOV to CR3, which reaches the shadow tables even
 * with the value CR3 had: it reloads a PAE guest's PDPTEs (SDM Vol. 3
 * 4.4.1), which the guest may have rewritten meanwhile. */
int vmx_shadow_sync(struct vcpu *v, struct vmx_vcpu *x, bool cr3_load)
{
	struct shadow *s = v->vm->shadow;
	struct shadow_paging p = guest_paging(x);

	x->entry_work &= (uint8_t)~VMX_WORK_SHADOW;
	cr3_load |= x->cr3_loaded;
	x->cr3_loaded = false;
	/* nothing the shadow tables translate by changed (an EFER.SCE, a
	 * CR0.TS, a SET_SREGS of the same registers) */
	if (!cr3_load && s->paging_valid && p.cr0 == s->paging.cr0 && p.cr3 == s->paging.cr3 &&
	    p.cr4 == s->paging.cr4 && p.efer == s->paging.efer)
		return 0;
	return shadow_cr3_write(s, &p);
}

/*
 * A state the CPU would refuse (entry_refuses) or the shadow tables cannot
 * take (a PAE PDPTE with reserved bits that SET_SREGS put there, no memory
 * for a root) is refused as the CPU refuses a bad PDPTE without EPT: a
 * VM-entry failure for invalid guest state (SDM Vol. 3 26.3.1.6).
 */
static bool refuse_entry(struct vcpu *v, struct vmx_vcpu *x, struct vexit *e, int r)
{
	const struct shadow_paging p = guest_paging(x);

	if (v->vm->emul_failures++ < LOG_FAILURES)
		printk("vm%u: VM entry refused for CR0 %#lx CR3 %#lx CR4 %#lx "
		       "EFER %#lx: %s (%d)\n", v->vm->id, p.cr0, p.cr3, p.cr4, p.efer,
		       r == -ENOMEM ? "no memory for shadow page tables" :
		       "invalid guest state", r);
	x->entry_work |= VMX_WORK_SHADOW;       /* tried again next time */
	*e = (struct vexit){ .reason = VEXIT_FAIL_ENTRY,
			     .hw_reason = VMX_EXIT_REASON_ENTRY_FAIL |
					  VMX_EXIT_ENTRY_BAD_GUEST };
	return false;
}

/*
 * The checks of VM entry (SDM Vol. 3 26.3.1.1) that the CPU would make on
 * the guest's registers but cannot on the values it gets: an IA-32e guest
 * without CR4.PAE (the CPU's PAE is forced), a CR3 with bits beyond the
 * physical-address width (the CPU's CR3 is the root). The guest's
 * MAXPHYADDR is the CPU's (core/cpuid.c passes it through).
 */
static bool entry_refuses(const struct shadow_paging *p, uint8_t maxphyaddr)
{
	if ((p->efer & EFER_LMA) && !(p->cr4 & CR4_PAE))
		return true;
	return p->cr3 >> maxphyaddr;
}

bool vmx_shadow_enter(struct vcpu *v, struct vmx_vcpu *x, struct vexit *e)
{
	struct shadow *s = v->vm->shadow;
	struct vmx_vm *xv = x->vm;
	bool flush;
	int r = 0;

	/* in software (paging off, or a state entry refuses): the emulator
	 * walks the guest's own tables; the shadow tables wait */
	if (x->entry_work & (VMX_WORK_SOFTWARE | VMX_WORK_REFUSED))
		return true;
	if (x->entry_work & VMX_WORK_SHADOW) {
		struct shadow_paging p = guest_paging(x);

		if (entry_refuses(&p, s->cfg.maxphyaddr))
			return refuse_entry(v, x, e, -EINVAL);
		r = vmx_shadow_sync(v, x, false);
	}
	if (r || !s->root_hpa)
		return refuse_entry(v, x, e, r ? r : -ENOMEM);
	flush = s->flush_needed || x->slat_gen_seen != xv->slat_gen;
	if (s->root_hpa != x->hw_root) {
		vmcs_write(VMCS_GUEST_CR3, s->root_hpa);
		x->hw_root = s->root_hpa;
		flush = true;
	}
	if (flush && xv->vpid)
		x->entry_work |= VMX_WORK_FLUSH_VPID;
	s->flush_needed = false;
	x->slat_gen_seen = xv->slat_gen;
	return true;
}

/*
 * The guest's own page fault: #PF(error_code) with CR2 = gva (a #PF exit
 * leaves CR2 alone, SDM Vol. 3 27.1). If it interrupted an event's
 * delivery, the two combine as on a CPU (shadow_event.c); exit.c queued
 * that event again, which the injection here replaces.
 */
static enum vmx_exit_action reflect_pf(struct vcpu *v, struct vmx_vcpu *x,
				       struct vexit *e, uint64_t gva,
				       uint32_t error_code)
{
	uint32_t idt = vmcs_read32(VMCS_IDT_VECTORING_INFO);
	uint8_t vector = (uint8_t)VMX_INTR_VECTOR(idt);

	e->reason = VEXIT_EMULATED;
	e->insn_len = 0;
	switch (vmx_shadow_pf_outcome(idt)) {
	case VMX_PF_TRIPLE_FAULT:
		vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
		e->reason = VEXIT_SHUTDOWN;
		return VMX_EXIT_TO_CORE;
	case VMX_PF_DOUBLE_FAULT:
		vmx_inject_exception(v, TRAP_DF, true, 0);
		return VMX_EXIT_TO_CORE;
	case VMX_PF_REQUEUE_IRQ:
		/* acknowledged, not delivered: KVM_RUN injects it again */
		v->irq_pending[vector / 64] |= 1ULL << (vector % 64);
		break;
	case VMX_PF_REQUEUE_NMI:
		/* not delivered either: latched again, and not blocking */
		v->nmi |= VCPU_NMI_PENDING;
		vmx_set_nmi_blocking(x, false);
		break;
	case VMX_PF_DELIVER:
		/* the #PF of a guest IRET: that IRET faulted, and NMI
		 * blocking ended with it (SDM 27.2.2), which exit.c had
		 * put back for a re-execution that does not come */
		if (!(idt & VMX_INTR_VALID) &&
		    (vmcs_read32(VMCS_EXIT_INTR_INFO) & VMX_INFO_NMI_UNBLOCKED))
			vmx_set_nmi_blocking(x, false);
		break;
	}
	x->cr2 = gva;
	vmx_inject_exception(v, TRAP_PF, true, error_code);
	return VMX_EXIT_TO_CORE;
}

/* MMIO, or a write the VM's map holds read-only (dirty logging): core's
 * EPT-violation path, which does not care where it came from. */
static enum vmx_exit_action as_npf(struct vexit *e, const struct shadow_fault_info *info,
				   unsigned acc, bool present)
{
	e->reason = VEXIT_NPF;
	e->npf.gpa = info->gpa;
	e->npf.write = acc & GUEST_ACC_WRITE;
	e->npf.fetch = acc & GUEST_ACC_FETCH;
	e->npf.present = present;
	e->npf.in_delivery = vmcs_read32(VMCS_IDT_VECTORING_INFO) & VMX_INTR_VALID;
	if (e->npf.in_delivery)
		vmx_exit_event(e);
	return VMX_EXIT_TO_CORE;
}

/*
 * A write the CPU refused but the guest may make: to one of its page
 * tables, or a supervisor write with its CR0.WP=0. The emulator runs the
 * instruction, its writes reaching the shadow through vm_guest_wrote().
 * During an event's delivery (its stack frame on a page table) there is no
 * instruction to run: the page stops being shadowed and the delivery,
 * queued again by exit.c, is retried natively; if that cannot be (the
 * current root's table, or WP=0), the exit is unknown.
 */
static enum vmx_exit_action emulate_write(struct vcpu *v, struct vexit *e, int kind,
					  uint64_t gpa)
{
	if (!(vmcs_read32(VMCS_IDT_VECTORING_INFO) & VMX_INTR_VALID)) {
		e->reason = VEXIT_EMULATE;
		/* core unshadows the page if the emulator refuses */
		v->shadow_pt_write = kind == SHADOW_PT_WRITE;
		v->shadow_pt_write_gpa = gpa;
		return VMX_EXIT_TO_CORE;
	}
	if (kind == SHADOW_PT_WRITE && shadow_unprotect(v->vm->shadow, gpa) == 0)
		return VMX_EXIT_RESUME;
	e->reason = VEXIT_UNKNOWN;
	return VMX_EXIT_TO_CORE;
}

/* A #PF exit: the exit qualification is the linear address, the error
 * code is the exit's (SDM Vol. 3 27.2.1, 27.2.2). */
enum vmx_exit_action vmx_exit_shadow_pf(struct vcpu *v, struct vmx_vcpu *x,
					struct vexit *e)
{
	uint32_t error_code = vmcs_read32(VMCS_EXIT_INTR_ERROR);
	uint64_t gva = vmcs_read(VMCS_EXIT_QUALIFICATION);
	unsigned acc = guest_access_of_pf(error_code);
	struct shadow_fault_info info = { 0 };
	int r = shadow_fault(v->vm->shadow, gva, acc, v->regs.rflags & RFLAGS_AC,
			       error_code & PF_ERR_P, &info);

	e->insn_len = 0;
	switch (r) {
	case SHADOW_FIXED:
		return VMX_EXIT_RESUME;         /* run it again */
	case SHADOW_GUEST_PF:
		return reflect_pf(v, x, e, gva, info.error_code);
	case SHADOW_MMIO:
		return as_npf(e, &info, acc, false);
	case SHADOW_DIRTY_LOG:
		return as_npf(e, &info, acc, true);
	case SHADOW_PT_WRITE:
	case SHADOW_WP0_WRITE:
		return emulate_write(v, e, r, info.gpa);
	default:
		if (v->vm->emul_failures++ < LOG_FAILURES)
			printk("vm%u: shadow page fault at %#lx (error %#x, RIP %#lx) "
			       "failed: %d\n", v->vm->id, gva, error_code, v->regs.rip, r);
		e->reason = VEXIT_UNKNOWN;
		return VMX_EXIT_TO_CORE;
	}
}

/*
 * INVLPG (exits without EPT, controls.c): the exit qualification is the
 * linear address (SDM Vol. 3 27.2.1); its shadow leaf goes, and the flush
 * comes with the next entry (vmx_shadow_enter). The CPU checked the
 * privilege level before the exit (SDM Vol. 3 25.1.1).
 */
enum vmx_exit_action vmx_exit_invlpg(struct vcpu *v, struct vmx_vcpu *x,
				     struct vexit *e)
{
	(void)x;
	vm_shadow_invlpg(v->vm, vmcs_read(VMCS_EXIT_QUALIFICATION));
	e->reason = VEXIT_EMULATED;
	e->insn_len = vmcs_read32(VMCS_EXIT_INSN_LEN);
	v->regs.rip += e->insn_len;
	return VMX_EXIT_TO_CORE;
}
