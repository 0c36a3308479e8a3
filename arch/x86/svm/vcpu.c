/*
 * SVM vCPUs: one VMCB each, its intercepts, register conversion between the
 * VMCB and the neutral struct vcpu_sregs, event injection, and the run call.
 */
#include "arch/x86/svm/svm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/debugreg.h"
#include "arch/x86/trap.h"
#include "emul/emul.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/memory.h"
#include "abi/errno.h"

#define PAT_POWER_ON 0x0007040600070406ULL     /* SDM Vol. 3 11.12.4 */
#define SVM_INTERCEPT_DR_ALL 0x00ff00ffu        /* DR0-7 reads and writes */

static struct svm_vcpu *to_svm(struct vcpu *v)
{
	return v->arch;
}

/*
 * Without nested paging the guest runs on shadow tables (shadow.c): its
 * page faults are the shadow's misses, INVLPG its TLB, and CR0/CR3/CR4
 * differ from what the hardware holds, so reading or writing them must
 * exit (APM Vol. 2 15.8 CR intercepts, 15.12 exception intercepts;
 * 15.9: INVLPG). EFER goes through the MSR intercept already.
 */
static void set_shadow_intercepts(struct vmcb_control *c)
{
	c->intercept_cr |= SVM_INTERCEPT_CR0_READ | SVM_INTERCEPT_CR3_READ |
			   SVM_INTERCEPT_CR4_READ | SVM_INTERCEPT_CR0_WRITE |
			   SVM_INTERCEPT_CR3_WRITE;
	c->intercept_exceptions |= 1u << TRAP_PF;
	c->intercept_misc1 |= SVM_INTERCEPT_INVLPG;
}

static void set_intercepts(struct vmcb_control *c)
{
	c->intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI |
			     SVM_INTERCEPT_SMI | SVM_INTERCEPT_INIT |
			     SVM_INTERCEPT_CPUID | SVM_INTERCEPT_HLT |
			     SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO |
			     SVM_INTERCEPT_MSR | SVM_INTERCEPT_SHUTDOWN |
			     SVM_INTERCEPT_FERR_FREEZE | SVM_INTERCEPT_TASK_SWITCH |
			     SVM_INTERCEPT_INVD | SVM_INTERCEPT_RDPMC |
			     SVM_INTERCEPT_IDTR_WRITE | SVM_INTERCEPT_GDTR_WRITE;
	/* VMRUN must be intercepted (APM 15.5.1); the rest of SVM is ours. */
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL |
			     SVM_INTERCEPT_VMLOAD | SVM_INTERCEPT_VMSAVE |
			     SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			     SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_XSETBV |
			     SVM_INTERCEPT_MONITOR | SVM_INTERCEPT_MWAIT |
			     SVM_INTERCEPT_RDTSCP | SVM_INTERCEPT_RDPRU;
	/* CR4 bits the guest's CPUID lacks must be refused (cr.c). CR0
	 * writes stay the CPU's under NPT: completing one that turns paging
	 * on with EFER.LME in the VMCB (LMA set by us, as KVM does under
	 * shadow paging on hardware) is lost by Bochs 2.7's VMRUN, which
	 * left the guest with CR0.PG and LME but not LMA (docs/platforms.md);
	 * shadow paging intercepts them (set_shadow_intercepts) */
	c->intercept_cr = SVM_INTERCEPT_CR4_WRITE;
	/* #DB and #AC always: a delivery that raises the same exception
	 * again would otherwise loop inside the CPU where no host interrupt
	 * gets through (CVE-2015-8104, CVE-2015-5307); core reflects them
	 * (core/exc_reflect.c). #MC is the host's (exit.c). */
	c->intercept_exceptions = 1u << TRAP_DB | 1u << TRAP_AC | 1u << TRAP_MC;
	/* reads and writes of DR0-DR7 until the first (debugreg.h) */
	c->intercept_dr = SVM_INTERCEPT_DR_ALL;
	if (svm_shadow_paging)
		set_shadow_intercepts(c);
}

int svm_vcpu_init(struct vcpu *v, void *vm_arch)
{
	struct svm_vm *svm_vm = vm_arch;
	struct svm_vcpu *sv;
	uint64_t pa;

	if (page_alloc(1, 1, &pa))
		return -ENOMEM;
	_Static_assert(sizeof(struct svm_vcpu) <= 4096, "svm_vcpu fits a frame");
	sv = (struct svm_vcpu *)pa;
	if (page_alloc(1, 1, &sv->vmcb_pa)) {
		page_free(pa, 1);
		return -ENOMEM;
	}
	sv->vmcb = (struct vmcb *)sv->vmcb_pa;
	sv->vm = svm_vm;

	struct vmcb_control *c = &sv->vmcb->control;
	set_intercepts(c);
	c->iopm_base_pa = svm_vm->iopm_pa;
	c->msrpm_base_pa = svm_vm->msrpm_pa;
	c->asid = svm_vm->asid;
	c->np_enable = svm_shadow_paging ? 0 : SVM_NP_ENABLE;
	/* The guest's IF masks only virtual interrupts; physical ones are the
	 * host's and always exit (APM 15.21.1), so a guest spinning with
	 * IF=0 can still be preempted. */
	c->vintr = SVM_VINTR_MASKING;
	c->n_cr3 = svm_vm->n_cr3;
	sv->vmcb->save.g_pat = PAT_POWER_ON;
	sv->vmcb->save.efer = EFER_SVME;        /* required for VMRUN */
	sv->vmcb->save.dr7 = 0x400;
	sv->vmcb->save.dr6 = DR6_INIT;
	debugreg_guest_init(&sv->dr, false);
	v->arch = sv;
	return 0;
}

void svm_vcpu_free(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	if (!sv)
		return;
	debugreg_guest_forget(&sv->dr);
	page_free(sv->vmcb_pa, 1);
	page_free((uint64_t)sv, 1);
	v->arch = 0;
}

/* VMCB attributes pack descriptor bits 40-47 and 52-55 (APM 15.5.1). */
static void seg_from_vmcb(struct vcpu_segment *s, const struct vmcb_seg *h)
{
	s->base = h->base;
	s->limit = h->limit;
	s->selector = h->selector;
	s->type = h->attrib & 0xf;
	s->s = (h->attrib >> 4) & 1;
	s->dpl = (h->attrib >> 5) & 3;
	s->present = (h->attrib >> 7) & 1;
	s->avl = (h->attrib >> 8) & 1;
	s->l = (h->attrib >> 9) & 1;
	s->db = (h->attrib >> 10) & 1;
	s->g = (h->attrib >> 11) & 1;
	s->unusable = !s->present;
}

static void seg_to_vmcb(struct vmcb_seg *h, const struct vcpu_segment *s)
{
	h->base = s->base;
	h->limit = s->limit;
	h->selector = s->selector;
	h->attrib = s->unusable ? 0 :
		    (s->type & 0xf) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
		    (s->present & 1) << 7 | (s->avl & 1) << 8 | (s->l & 1) << 9 |
		    (s->db & 1) << 10 | (s->g & 1) << 11;
}

/* virt_ops get_sregs_exit: what the exit path (emulator, string IO) needs. */
void svm_get_sregs_exit(struct vcpu *v, struct vcpu_sregs *s)
{
	const struct vmcb_save *h = &to_svm(v)->vmcb->save;

	seg_from_vmcb(&s->cs, &h->cs);
	seg_from_vmcb(&s->ds, &h->ds);
	seg_from_vmcb(&s->es, &h->es);
	seg_from_vmcb(&s->fs, &h->fs);
	seg_from_vmcb(&s->gs, &h->gs);
	seg_from_vmcb(&s->ss, &h->ss);
	s->cr0 = h->cr0;
	s->cr2 = h->cr2;
	s->cr3 = h->cr3;
	s->cr4 = h->cr4;
	s->efer = h->efer & ~EFER_SVME;         /* ours, not the guest's */
}

/* virt_ops get_segment: sreg in ModRM order, which is the VMCB's. */
void svm_get_segment(struct vcpu *v, unsigned sreg, struct vcpu_segment *seg)
{
	static const uint16_t offset[6] = {
		offsetof(struct vmcb_save, es), offsetof(struct vmcb_save, cs),
		offsetof(struct vmcb_save, ss), offsetof(struct vmcb_save, ds),
		offsetof(struct vmcb_save, fs), offsetof(struct vmcb_save, gs),
	};
	const uint8_t *save = (const uint8_t *)&to_svm(v)->vmcb->save;

	seg_from_vmcb(seg, (const struct vmcb_seg *)(save + offset[sreg % 6]));
}

/* virt_ops get_exec_state: attribute bits as in seg_from_vmcb(). */
void svm_get_exec_state(struct vcpu *v, struct vcpu_exec_state *s)
{
	const struct vmcb_save *h = &to_svm(v)->vmcb->save;

	s->cr0 = h->cr0;
	s->cr2 = h->cr2;
	s->cr3 = h->cr3;
	s->cr4 = h->cr4;
	s->efer = h->efer & ~EFER_SVME;
	s->cs_l = (h->cs.attrib >> 9) & 1;
	s->cs_db = (h->cs.attrib >> 10) & 1;
	s->ss_dpl = (h->ss.attrib >> 5) & 3;
}

void svm_get_sregs(struct vcpu *v, struct vcpu_sregs *s)
{
	const struct vmcb_save *h = &to_svm(v)->vmcb->save;

	svm_get_sregs_exit(v, s);
	seg_from_vmcb(&s->tr, &h->tr);
	seg_from_vmcb(&s->ldt, &h->ldtr);
	s->gdt = (struct vcpu_dtable){ h->gdtr.base, (uint16_t)h->gdtr.limit };
	s->idt = (struct vcpu_dtable){ h->idtr.base, (uint16_t)h->idtr.limit };
	s->cr8 = (to_svm(v)->vmcb->control.vintr & 0xf);
}

/* The TLB flush at the next VMRUN that slat_gen_seen asks for (APM Vol.
 * 2 15.16.1, TLB_CONTROL) covers the guest's translations too. */
void svm_flush_guest_tlb(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	sv->slat_gen_seen = sv->vm->slat_gen - 1;
}

/* Flushes the ASID at the next VMRUN, as the MOV to CR3 would; without
 * NPT the shadow tables reload a PAE guest's PDPTEs there as well. */
void svm_load_cr3(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	sv->slat_gen_seen = sv->vm->slat_gen - 1;
	sv->cr3_loaded = svm_shadow_paging;
}

void svm_set_sregs(struct vcpu *v, const struct vcpu_sregs *s)
{
	struct svm_vcpu *sv = to_svm(v);
	struct vmcb_save *h = &sv->vmcb->save;

	/* a MOV to CR3 (or a paging bit of CR0/CR4) flushes the guest's
	 * translations (SDM Vol. 3 4.10.4.1); VMRUN with a new CR3 in the
	 * VMCB does not (APM Vol. 2 15.16): flush this ASID at the entry,
	 * as svm/cr.c does for CR4 writes. KVM_SET_SREGS and task switches
	 * (core/task_switch_exit.c) come here. */
	if (h->cr3 != s->cr3 || h->cr0 != s->cr0 || h->cr4 != s->cr4)
		sv->slat_gen_seen = sv->vm->slat_gen - 1;
	seg_to_vmcb(&h->cs, &s->cs);
	seg_to_vmcb(&h->ds, &s->ds);
	seg_to_vmcb(&h->es, &s->es);
	seg_to_vmcb(&h->fs, &s->fs);
	seg_to_vmcb(&h->gs, &s->gs);
	seg_to_vmcb(&h->ss, &s->ss);
	seg_to_vmcb(&h->tr, &s->tr);
	seg_to_vmcb(&h->ldtr, &s->ldt);
	h->gdtr = (struct vmcb_seg){ .limit = s->gdt.limit, .base = s->gdt.base };
	h->idtr = (struct vmcb_seg){ .limit = s->idt.limit, .base = s->idt.base };
	h->cr0 = s->cr0;
	h->cr2 = s->cr2;
	h->cr3 = s->cr3;
	h->cr4 = s->cr4;
	h->efer = s->efer | EFER_SVME;
	/* CPL is SS.DPL outside real mode (APM 15.5.1: the VMCB's CPL field) */
	h->cpl = (s->cr0 & CR0_PE) ? s->ss.dpl : 0;
	sv->vmcb->control.vintr = (sv->vmcb->control.vintr & ~0xfULL) | (s->cr8 & 0xf);
	sv->saved = *h;
	sv->have_saved = true;
}

void svm_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
			  uint32_t error_code)
{
	uint64_t ev = vector | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID;
	struct svm_vcpu *sv = to_svm(v);

	/* the frame of a fault carries RF, as a CPU's (arch/x86/trap.h) */
	if ((sv->vmcb->save.cr0 & CR0_PE) && trap_is_fault(vector))
		v->regs.rflags |= RFLAGS_RF;
	if (has_error)
		ev |= SVM_EVTINJ_VALID_ERR | (uint64_t)error_code << 32;
	sv->vmcb->control.eventinj = ev;
}

void svm_set_dtable(struct vcpu *v, unsigned which, uint64_t base, uint16_t limit)
{
	struct vmcb_seg *t = which == EMUL_DTABLE_GDT ? &to_svm(v)->vmcb->save.gdtr
						      : &to_svm(v)->vmcb->save.idtr;

	t->base = base;
	t->limit = limit;
}

void svm_inject_db(struct vcpu *v, uint64_t dr6_bits)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;

	vmcb->save.dr6 = debugreg_dr6_after_db(vmcb->save.dr6, dr6_bits);
	svm_inject_exception(v, TRAP_DB_VECTOR, false, 0);
}

/* The run call of both ops tables: 'shadow' is a constant in each. */
static inline __attribute__((always_inline)) void run(struct vcpu *v, struct vexit *e,
						      bool shadow)
{
	struct svm_vcpu *sv = to_svm(v);
	struct vmcb *vmcb = sv->vmcb;

	vmcb->save.rax = v->regs.rax;
	vmcb->save.rsp = v->regs.rsp;
	vmcb->save.rip = v->regs.rip;
	vmcb->save.rflags = v->regs.rflags | sv->nmi_step_tf;
	/* an STI/MOV SS shadow covers one instruction: once core stepped RIP
	 * (HLT, emulated IO/CPUID, MSRs) it is over (2.6.21's
	 * skip_emulated_instruction cleared it too) */
	if (v->regs.rip != sv->exit_rip)
		vmcb->control.interrupt_shadow = 0;
	vmcb->control.tlb_control = SVM_TLB_CONTROL_NOTHING;
	if (sv->vm->asid_shared || sv->slat_gen_seen != sv->vm->slat_gen) {
		vmcb->control.tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
		sv->slat_gen_seen = sv->vm->slat_gen;
	}

	if (shadow && svm_shadow_enter(v, sv)) {
		*e = (struct vexit){ .reason = VEXIT_FAIL_ENTRY,
				     .hw_reason = SVM_EXIT_INVALID };
		return;
	}

	debugreg_enter(&sv->dr, &v->debug, sv->load_drs);
	sv->entry_eventinj = vmcb->control.eventinj;
	svm_vmrun(&v->regs, sv->vmcb_pa, svm_host_vmcb_pa());
	if (shadow)
		svm_shadow_leave(v, sv);

	/* A refused VMRUN leaves no guest state behind (docs/platforms.md: the
	 * VMCB's RIP is not the guest's then; QEMU even writes host values into
	 * the save area): keep our registers and put back the state the VMM
	 * set, so it can be inspected and fixed. */
	if (svm_exit_code(&vmcb->control) != SVM_EXIT_INVALID) {
		v->regs.rax = vmcb->save.rax;
		v->regs.rsp = vmcb->save.rsp;
		v->regs.rip = vmcb->save.rip;
		v->regs.rflags = vmcb->save.rflags & ~sv->nmi_step_tf;
	} else if (sv->have_saved) {
		vmcb->save = sv->saved;
	}
	sv->exit_rip = v->regs.rip;
	v->exits++;
	if (svm_exit_code(&vmcb->control) == SVM_EXIT_INTR)
		cpu_take_pending_interrupts();
	svm_decode_exit(v, sv, e);
}

void svm_run(struct vcpu *v, struct vexit *e)
{
	run(v, e, false);
}

void svm_run_shadow(struct vcpu *v, struct vexit *e)
{
	run(v, e, true);
}

void svm_set_interrupt_shadow(struct vcpu *v, bool mov_ss)
{
	struct svm_vcpu *sv = to_svm(v);

	(void)mov_ss;           /* the VMCB has one shadow bit for both */
	sv->vmcb->control.interrupt_shadow = 1;
	sv->exit_rip = v->regs.rip;     /* a shadow for the instruction here */
}

bool svm_interrupt_shadow(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	return (sv->vmcb->control.interrupt_shadow & 1) && v->regs.rip == sv->exit_rip;
}

unsigned svm_shadow_kind(struct vcpu *v)
{
	return svm_interrupt_shadow(v) ? VIRT_SHADOW_STI | VIRT_SHADOW_MOV_SS : 0;
}

void svm_clear_interrupt_shadow(struct vcpu *v)
{
	to_svm(v)->vmcb->control.interrupt_shadow &= ~1ULL;
}

void svm_inject_irq(struct vcpu *v, uint8_t vector)
{
	to_svm(v)->vmcb->control.eventinj = vector | SVM_EVTINJ_TYPE_INTR |
					     SVM_EVTINJ_VALID;
}

bool svm_event_pending(struct vcpu *v)
{
	return to_svm(v)->vmcb->control.eventinj & SVM_EVTINJ_VALID;
}

/* EVENTINJ's types (APM Vol. 2 15.20) as the emulator's event kinds; an
 * INT n has no length here (core refuses to set one). */
bool svm_peek_event(struct vcpu *v, struct emul_deliver *ev)
{
	uint64_t inj = to_svm(v)->vmcb->control.eventinj;
	uint32_t type = inj & SVM_EVTINJ_TYPE_MASK;

	if (!(inj & SVM_EVTINJ_VALID))
		return false;
	*ev = (struct emul_deliver){ .vector = (uint8_t)inj,
		.kind = type == SVM_EVTINJ_TYPE_INTR ? EMUL_EV_EXTINT :
			type == SVM_EVTINJ_TYPE_NMI ? EMUL_EV_NMI :
			type == SVM_EVTINJ_TYPE_SOFT ? EMUL_EV_SOFTINT : EMUL_EV_HWEXC,
		.has_error_code = (inj & SVM_EVTINJ_VALID_ERR) != 0,
		.error_code = (uint32_t)(inj >> 32) };
	return true;
}

void svm_drop_event(struct vcpu *v)
{
	to_svm(v)->vmcb->control.eventinj = 0;
}

/* A virtual interrupt request with the VINTR intercept exits exactly when
 * the guest could take an interrupt (APM 15.21.4); it is never delivered,
 * because the exit comes first. */
void svm_set_irq_window(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->control;

	if (on) {
		c->vintr |= SVM_VINTR_V_IRQ | SVM_VINTR_PRIO_MAX | SVM_VINTR_IGN_TPR;
		c->intercept_misc1 |= SVM_INTERCEPT_VINTR;
	} else {
		c->vintr &= ~(SVM_VINTR_V_IRQ | SVM_VINTR_PRIO_MAX | SVM_VINTR_IGN_TPR);
		c->intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
	}
}

uint64_t svm_get_cr8(struct vcpu *v)
{
	return to_svm(v)->vmcb->control.vintr & 0xf;     /* V_TPR */
}

void svm_set_cr8(struct vcpu *v, uint64_t cr8)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->control;

	c->vintr = (c->vintr & ~0xfULL) | (cr8 & 0xf);
}

/*
 * NMIs (docs/virtual-cpu.md, "NMIs"). Without vNMI the VMCB holds no NMI
 * blocking (APM Vol. 2 15.20: EVENTINJ delivers the NMI, nothing
 * remembers it), so it is kept here as KVM keeps it: set when an NMI is
 * injected (or the emulator delivered one), with IRET intercepted; the
 * guest's IRET ends it. The IRET intercept comes before the instruction
 * (APM 15.7.1): with an NMI latched the IRET runs in the emulator, so the
 * blocking ends exactly when it completes and the NMI is delivered on
 * the next instruction boundary, as on the CPU (core's iret_outcome
 * calls svm_iret_emulated); without one it runs on the CPU and the
 * blocking ends once RIP has moved past it (KVM's awaiting-IRET-
 * completion check), also when it faulted (SDM Vol. 3 6.7.1 semantics,
 * which KVM's SVM follows too). The interrupt shadow blocks NMIs (one
 * bit for STI and MOV SS; KVM treats it so): the guest then runs the
 * one instruction the shadow covers with TF, and the NMI goes in after
 * its #DB (svm_set_nmi_window).
 */
static void iret_intercept(struct svm_vcpu *sv, bool on)
{
	if (on)
		sv->vmcb->control.intercept_misc1 |= SVM_INTERCEPT_IRET;
	else
		sv->vmcb->control.intercept_misc1 &= ~SVM_INTERCEPT_IRET;
}

/* The IRET that ran on the CPU has completed once RIP has left it. */
static void note_iret_done(struct vcpu *v, struct svm_vcpu *sv)
{
	if (sv->nmi_awaiting_iret && v->regs.rip != sv->nmi_iret_rip) {
		sv->nmi_awaiting_iret = false;
		sv->nmi_masked = false;         /* that IRET has run */
	}
}

bool svm_nmi_blocked(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	note_iret_done(v, sv);
	return sv->nmi_masked || svm_interrupt_shadow(v);
}

void svm_nmi_delivered(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	sv->nmi_masked = true;
	sv->nmi_awaiting_iret = false;
	iret_intercept(sv, true);
}

void svm_inject_nmi(struct vcpu *v)
{
	to_svm(v)->vmcb->control.eventinj = 2 | SVM_EVTINJ_TYPE_NMI | SVM_EVTINJ_VALID;
	svm_nmi_delivered(v);
}

bool svm_nmi_masked(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	note_iret_done(v, sv);
	return sv->nmi_masked;
}

void svm_set_nmi_masked(struct vcpu *v, bool masked)
{
	struct svm_vcpu *sv = to_svm(v);

	sv->nmi_masked = masked;
	sv->nmi_awaiting_iret = false;
	iret_intercept(sv, masked);
}

void svm_iret_emulated(struct vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	sv->nmi_masked = false;
	sv->nmi_awaiting_iret = false;
	iret_intercept(sv, false);
}

/*
 * An NMI blocked only by an STI or MOV SS shadow: SVM has no NMI-window
 * exit, so the guest runs the one instruction the shadow covers with
 * RFLAGS.TF set and the #DB after it, which SVM always intercepts, ends
 * the step; the NMI goes in at the next entry, on the boundary a CPU
 * delivers it (SDM 6.8.3), as KVM does. Only where nothing else can raise
 * a #DB there: not with the guest's own TF (its trap exits anyway), a
 * breakpoint enabled in DR7, KVM_DEBUG_GUEST, or an event being injected
 * (its handler would start with TF in the frame). What the guest can see:
 * a PUSHF in that shadow pushes TF, and a POPF there that sets TF has it
 * taken off again, as under KVM.
 */
static bool nmi_step_possible(struct vcpu *v, struct svm_vcpu *sv)
{
	return !(v->regs.rflags & RFLAGS_TF) && !(sv->vmcb->save.dr7 & DR7_ALL_ENABLES) &&
	       !v->debug.enabled && !(sv->vmcb->control.eventinj & SVM_EVTINJ_VALID);
}

/* An NMI waits for the handler's IRET: that is the IRET intercept, armed
 * again if an IRET left to run has not run yet (an exit at it); or for
 * the end of a shadow: one step. */
void svm_set_nmi_window(struct vcpu *v, bool on)
{
	struct svm_vcpu *sv = to_svm(v);

	if (on && sv->nmi_masked && sv->nmi_awaiting_iret) {
		sv->nmi_awaiting_iret = false;
		iret_intercept(sv, true);
	}
	if (on && !sv->nmi_masked && svm_interrupt_shadow(v) && nmi_step_possible(v, sv)) {
		sv->nmi_step_tf = RFLAGS_TF;
		sv->nmi_step_dr6 = sv->vmcb->save.dr6;
	} else {
		sv->nmi_step_tf = 0;    /* over, or the next exit of any kind */
	}
}

void svm_exit_iret(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e)
{
	iret_intercept(sv, false);
	if (v->nmi & VCPU_NMI_PENDING) {
		/* the emulator runs it; iret_outcome ends the blocking */
		e->reason = VEXIT_EMULATE;
		return;
	}
	sv->nmi_awaiting_iret = true;
	sv->nmi_iret_rip = v->regs.rip;
	e->reason = VEXIT_EMULATED;     /* insn_len 0: it runs on re-entry */
}
