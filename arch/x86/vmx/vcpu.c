/*
 * VMX vCPUs: one VMCS each (Intel SDM Vol. 3 chapter 24), its host state
 * and controls, conversion between the VMCS guest state and the neutral
 * struct vcpu_sregs, event injection, and the run call.
 *
 * Every entry point makes the vCPU's VMCS current first (vmx_vcpu_load):
 * core calls them for a guest while the control partition's VMCS is the
 * current one (e.g. KVM_GET_SREGS inside its hypercall). Runs on the CPU
 * that owns the vCPU, interrupts off.
 */
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/trap.h"
#include "emul/emul.h"
#include "arch/x86/vmx/seg.h"
#include "arch/x86/debugreg.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/lapic.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/vm.h"
#include "abi/errno.h"

#define PAT_POWER_ON   0x0007040600070406ULL   /* SDM Vol. 3 11.12.4 */
#define DR7_INIT       0x400ULL
#define RFLAGS_FIXED1  (1ULL << 1)
#define RFLAGS_TF      (1ULL << 8)
#define PENDING_DBG_BS (1ULL << 14)
#define TRAP_DF 8
#define TRAP_TS 10
#define TRAP_PF 14
#define TRAP_AC 17
#define TRAP_MC 18
#define LOG_ENTRY_FAILURES 4

static struct vmx_vcpu *to_vmx(struct vcpu *v)
{
	return v->arch;
}

struct vmx_vcpu *vmx_vcpu_load(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	vmcs_load(x->vmcs_pa);
	return x;
}

/* Base of the TSS the GDT entry for 'sel' describes (SDM 8.2.3: a 16-byte
 * system descriptor in IA-32e mode). */
static uint64_t tss_base(const struct desc_ptr *gdtr, uint16_t sel)
{
	const uint64_t *gdt = (const uint64_t *)gdtr->base;
	uint64_t lo = gdt[sel >> 3], hi = gdt[(sel >> 3) + 1];

	return ((lo >> 16) & 0xffffff) | ((lo >> 56) & 0xff) << 24 |
	       (hi & 0xffffffff) << 32;
}

#define READ_SEG(name, var) __asm__ volatile("mov %%" name ", %0" : "=r"(var))

/* The state a VM exit loads (SDM 24.5, checked by 26.2.2-26.2.4): this
 * CPU's current control registers, selectors (RPL and TI clear), the
 * GDT/IDT/TSS from arch/x86/desc.c, and the exit stub in run.S. HOST_RSP
 * is written by run.S right before each entry. */
static void write_host_state(void)
{
	struct desc_ptr gdtr, idtr;
	uint16_t es, cs, ss, ds, fs, gs, tr;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	__asm__ volatile("str %0" : "=r"(tr));
	READ_SEG("es", es);
	READ_SEG("cs", cs);
	READ_SEG("ss", ss);
	READ_SEG("ds", ds);
	READ_SEG("fs", fs);
	READ_SEG("gs", gs);
	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_ES_SEL, es & 0xf8);
	vmcs_write(VMCS_HOST_CS_SEL, cs & 0xf8);
	vmcs_write(VMCS_HOST_SS_SEL, ss & 0xf8);
	vmcs_write(VMCS_HOST_DS_SEL, ds & 0xf8);
	vmcs_write(VMCS_HOST_FS_SEL, fs & 0xf8);
	vmcs_write(VMCS_HOST_GS_SEL, gs & 0xf8);
	vmcs_write(VMCS_HOST_TR_SEL, tr & 0xf8);
	vmcs_write(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_write(VMCS_HOST_TR_BASE, tss_base(&gdtr, tr));
	vmcs_write(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write(VMCS_HOST_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_write(VMCS_HOST_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	vmcs_write(VMCS_HOST_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
	if (vmx_ctl.pat)
		vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write(VMCS_HOST_RIP, (uint64_t)vmx_exit_stub);
}

static void write_controls(const struct vmx_vm *xv, struct vmx_vcpu *x)
{
	vmcs_write(VMCS_PIN_CONTROLS, vmx_ctl.pin);
	vmcs_write(VMCS_PROC_CONTROLS, vmx_ctl.proc);
	x->proc = vmx_ctl.proc;
	if (vmx_ctl.proc & VMX_PROC_SECONDARY)
		vmcs_write(VMCS_PROC_CONTROLS2, vmx_ctl.proc2);
	vmcs_write(VMCS_EXIT_CONTROLS, vmx_ctl.exit);
	vmcs_write(VMCS_ENTRY_CONTROLS, vmx_ctl.entry);
	/* #DB and #AC always: a delivery that raises the same exception
	 * again would otherwise loop inside the CPU where no host interrupt
	 * gets through (CVE-2015-8104, CVE-2015-5307); core reflects them
	 * (core/exc_reflect.c). #MC is the host's (exit.c). */
	vmcs_write(VMCS_EXCEPTION_BITMAP, 1u << TRAP_DB_VECTOR | 1u << TRAP_AC |
					  1u << TRAP_MC |
					  /* without EPT: the shadow tables' misses and
					   * the guest's own faults (shadow.c); with the
					   * error-code mask and match 0, every #PF exits
					   * (SDM Vol. 3 25.2) */
					  (vmx_ctl.shadow ? 1u << TRAP_PF : 0));
	vmcs_write(VMCS_PF_ERROR_MASK, 0);
	vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_IO_BITMAP_A, xv->io_bitmap_pa);
	vmcs_write(VMCS_IO_BITMAP_B, xv->io_bitmap_pa + PAGE_SIZE);
	vmcs_write(VMCS_MSR_BITMAP, xv->msr_bitmap_pa);
	vmcs_write(VMCS_TSC_OFFSET, 0);
	if (vmx_ctl.proc2 & VMX_PROC2_EPT)
		vmcs_write(VMCS_EPT_POINTER, xv->eptp);
	if (vmx_ctl.proc2 & VMX_PROC2_VPID)
		vmcs_write(VMCS_VPID, xv->vpid);
	vmcs_write(VMCS_CR0_MASK, vmx_ctl.cr0_mask);
	vmcs_write(VMCS_CR4_MASK, vmx_ctl.cr4_mask);
}

/* Guest state that KVM_SET_SREGS does not cover (SDM 24.4.2). */
static void write_guest_defaults(void)
{
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);   /* no shadow VMCS */
	vmcs_write(VMCS_GUEST_DR7, DR7_INIT);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	if (vmx_ctl.pat)
		vmcs_write(VMCS_GUEST_PAT, PAT_POWER_ON);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY, 0);     /* active */
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_GUEST_RFLAGS, RFLAGS_FIXED1);
}

int vmx_vcpu_init(struct vcpu *v, void *vm_arch)
{
	struct vmx_vm *xv = vm_arch;
	struct vmx_vcpu *x;
	uint64_t pa;

	if (page_alloc(1, 1, &pa))
		return -ENOMEM;
	x = (struct vmx_vcpu *)pa;
	if (page_alloc(1, 1, &x->vmcs_pa)) {
		page_free(pa, 1);
		return -ENOMEM;
	}
	if (vmx_efer_init(x)) {
		page_free(x->vmcs_pa, 1);
		page_free(pa, 1);
		return -ENOMEM;
	}
	x->vm = xv;
	x->entry_work = VMX_WORK_FLUSH_VPID; /* the VPID may have had an owner */
	x->pat = PAT_POWER_ON;
	debugreg_guest_init(&x->dr, true);
	vmx_msrs_init(x);
	/* SDM 24.2: revision id first; VMCLEAR initialises the region and
	 * sets its launch state to clear (24.11.3) */
	*(volatile uint32_t *)x->vmcs_pa = vmx_vmcs_revision;
	vmcs_clear(x->vmcs_pa);
	v->arch = x;
	vmx_vcpu_load(v);
	write_controls(xv, x);
	write_host_state();
	vmx_efer_controls(x);
	write_guest_defaults();
	return 0;
}

void vmx_vcpu_free(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (!x)
		return;
	vmcs_clear(x->vmcs_pa);                 /* nothing cached on the CPU */
	debugreg_guest_forget(&x->dr);
	vmx_msrs_forget(x);
	vmx_efer_free(x);
	page_free(x->vmcs_pa, 1);
	page_free((uint64_t)x, 1);
	v->arch = 0;
}

/* struct vcpu_sregs order in VMCS segment order (VMX_SEG_*) */
static void sregs_segments(struct vcpu_sregs *s, struct vcpu_segment *seg[VMX_NSEGS])
{
	seg[VMX_SEG_ES] = &s->es;
	seg[VMX_SEG_CS] = &s->cs;
	seg[VMX_SEG_SS] = &s->ss;
	seg[VMX_SEG_DS] = &s->ds;
	seg[VMX_SEG_FS] = &s->fs;
	seg[VMX_SEG_GS] = &s->gs;
	seg[VMX_SEG_LDTR] = &s->ldt;
	seg[VMX_SEG_TR] = &s->tr;
}

static const enum vmx_seg_kind seg_kind[VMX_NSEGS] = {
	[VMX_SEG_ES] = VMX_SEG_KIND_DATA, [VMX_SEG_CS] = VMX_SEG_KIND_CS,
	[VMX_SEG_SS] = VMX_SEG_KIND_SS, [VMX_SEG_DS] = VMX_SEG_KIND_DATA,
	[VMX_SEG_FS] = VMX_SEG_KIND_DATA, [VMX_SEG_GS] = VMX_SEG_KIND_DATA,
	[VMX_SEG_LDTR] = VMX_SEG_KIND_LDTR, [VMX_SEG_TR] = VMX_SEG_KIND_TR,
};

/* Segment register n in VMCS order (ES CS SS DS FS GS LDTR TR). */
static void read_segment(struct vcpu_segment *seg, int n)
{
	seg->selector = (uint16_t)vmcs_read(VMCS_GUEST_SEG(VMCS_GUEST_ES_SEL, n));
	seg->base = vmcs_read(VMCS_GUEST_SEG(VMCS_GUEST_ES_BASE, n));
	seg->limit = vmcs_read32(VMCS_GUEST_SEG(VMCS_GUEST_ES_LIMIT, n));
	vmx_ar_unpack(vmcs_read32(VMCS_GUEST_SEG(VMCS_GUEST_ES_AR, n)), seg);
}

/* The first 'nsegs' segment registers in VMCS order. */
static void read_segments(struct vcpu_sregs *s, int nsegs)
{
	struct vcpu_segment *seg[VMX_NSEGS];

	sregs_segments(s, seg);
	for (int n = 0; n < nsegs; n++)
		read_segment(seg[n], n);
}

/* CR0, CR2, CR3, CR4 and EFER as the guest sees them. */
static void read_paging(const struct vmx_vcpu *x, struct vcpu_sregs *s)
{
	s->cr0 = vmx_cr_view(vmcs_read(VMCS_GUEST_CR0), vmcs_read(VMCS_CR0_SHADOW),
			     vmx_ctl.cr0_mask);
	s->cr2 = x->cr2;
	s->cr3 = vmx_guest_cr3(x);
	s->cr4 = vmx_cr_view(vmcs_read(VMCS_GUEST_CR4), vmcs_read(VMCS_CR4_SHADOW),
			     vmx_ctl.cr4_mask);
	s->efer = vmx_guest_efer(x);
}

void vmx_get_sregs(struct vcpu *v, struct vcpu_sregs *s)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);

	read_segments(s, VMX_NSEGS);
	s->gdt = (struct vcpu_dtable){ vmcs_read(VMCS_GUEST_GDTR_BASE),
				       (uint16_t)vmcs_read(VMCS_GUEST_GDTR_LIMIT) };
	s->idt = (struct vcpu_dtable){ vmcs_read(VMCS_GUEST_IDTR_BASE),
				       (uint16_t)vmcs_read(VMCS_GUEST_IDTR_LIMIT) };
	read_paging(x, s);
	s->cr8 = x->cr8;
	s->apic_base = v->apic_base;
}

/* virt_ops get_sregs_exit: ES..GS (the first six in VMCS order) and the
 * paging registers, two thirds of the VMREADs of get_sregs. */
void vmx_get_sregs_exit(struct vcpu *v, struct vcpu_sregs *s)
{
	const struct vmx_vcpu *x = vmx_vcpu_load(v);

	read_segments(s, VMX_SEG_GS + 1);
	read_paging(x, s);
}

/* virt_ops get_segment: VMCS order is the ModRM order for ES..GS. */
void vmx_get_segment(struct vcpu *v, unsigned sreg, struct vcpu_segment *seg)
{
	vmx_vcpu_load(v);
	read_segment(seg, (int)sreg);
}

/* virt_ops get_exec_state: two access-rights fields, not two segments. */
void vmx_get_exec_state(struct vcpu *v, struct vcpu_exec_state *s)
{
	struct vcpu_sregs paging;
	struct vcpu_segment cs, ss;

	read_paging(vmx_vcpu_load(v), &paging);
	vmx_ar_unpack(vmcs_read32(VMCS_GUEST_SEG(VMCS_GUEST_ES_AR, VMX_SEG_CS)), &cs);
	vmx_ar_unpack(vmcs_read32(VMCS_GUEST_SEG(VMCS_GUEST_ES_AR, VMX_SEG_SS)), &ss);
	*s = (struct vcpu_exec_state){ .cr0 = paging.cr0, .cr2 = paging.cr2,
		.cr3 = paging.cr3, .cr4 = paging.cr4, .efer = paging.efer,
		.cs_l = cs.l, .cs_db = cs.db, .ss_dpl = ss.dpl };
}

/* KVM_SET_SREGS validates nothing (docs/hypercall-abi.md, "Requests"): segments
 * pass
 * through vmx_seg_for_entry() (seg.c lists the adjustments) and what is
 * still wrong fails the next entry, reaching the VMM as FAIL_ENTRY. */
void vmx_set_sregs(struct vcpu *v, const struct vcpu_sregs *s)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);
	struct vcpu_sregs copy = *s;
	struct vcpu_segment *seg[VMX_NSEGS];
	bool real_mode = !(s->cr0 & CR0_PE), ia32e = s->efer & EFER_LMA;

	sregs_segments(&copy, seg);
	for (int n = 0; n < VMX_NSEGS; n++) {
		vmx_seg_for_entry(seg[n], seg_kind[n], real_mode, ia32e);
		vmcs_write(VMCS_GUEST_SEG(VMCS_GUEST_ES_SEL, n), seg[n]->selector);
		vmcs_write(VMCS_GUEST_SEG(VMCS_GUEST_ES_BASE, n), seg[n]->base);
		vmcs_write(VMCS_GUEST_SEG(VMCS_GUEST_ES_LIMIT, n), seg[n]->limit);
		vmcs_write(VMCS_GUEST_SEG(VMCS_GUEST_ES_AR, n), vmx_ar_pack(seg[n]));
	}
	vmcs_write(VMCS_GUEST_GDTR_BASE, s->gdt.base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, s->gdt.limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, s->idt.base);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, s->idt.limit);
	x->cr2 = s->cr2;
	x->cr8 = s->cr8 & 0xf;
	vmx_write_guest_cr(v, x, s->cr0, s->cr3, s->cr4, s->efer);
}

/*
 * VM-entry event injection (SDM 24.8.3, checks 26.2.1.3): a hardware
 * exception delivers an error code exactly when the guest is in protected
 * mode and the vector has one (#DF, #TS, #NP, #SS, #GP, #PF, #AC), unless
 * IA32_VMX_BASIC[56] lifts the rule. Real mode pushes none.
 */
void vmx_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
			  uint32_t error_code)
{
	uint32_t info = vector | VMX_INTR_TYPE_HW_EXC | VMX_INTR_VALID;
	bool pm;
	bool has_code = vector == TRAP_DF || (vector >= TRAP_TS && vector <= TRAP_PF) ||
			vector == TRAP_AC;

	vmx_vcpu_load(v);
	/* without unrestricted guest CR0.PE is ours (always 1): the guest's
	 * own is in the read shadow (cr.c) */
	pm = vmcs_read(vmx_ctl.unrestricted ? VMCS_GUEST_CR0 : VMCS_CR0_SHADOW) & CR0_PE;
	if (pm && trap_is_fault(vector))
		v->regs.rflags |= RFLAGS_RF;    /* in the frame, as a CPU's */
	if (pm && (vmx_ctl.errcode_relaxed ? has_error : has_code)) {
		info |= VMX_INTR_HAS_ERROR;
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, has_error ? error_code : 0);
	}
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
}

void vmx_set_dtable(struct vcpu *v, unsigned which, uint64_t base, uint16_t limit)
{
	vmx_vcpu_load(v);
	vmcs_write(which == EMUL_DTABLE_GDT ? VMCS_GUEST_GDTR_BASE : VMCS_GUEST_IDTR_BASE, base);
	vmcs_write(which == EMUL_DTABLE_GDT ? VMCS_GUEST_GDTR_LIMIT : VMCS_GUEST_IDTR_LIMIT, limit);
}

void vmx_inject_db(struct vcpu *v, uint64_t dr6_bits)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);

	debugreg_guest_set_dr6(&x->dr, debugreg_dr6_after_db(debugreg_guest_dr6(&x->dr),
							     dr6_bits));
	vmx_inject_exception(v, TRAP_DB_VECTOR, false, 0);
}

void vmx_inject_irq(struct vcpu *v, uint8_t vector)
{
	vmx_vcpu_load(v);
	vmcs_write(VMCS_ENTRY_INTR_INFO, vector | VMX_INTR_TYPE_EXT | VMX_INTR_VALID);
}

/* The valid bit is cleared by every VM exit (SDM 27.2.3) unless exit.c
 * re-injected an event the exit interrupted. */
bool vmx_event_pending(struct vcpu *v)
{
	vmx_vcpu_load(v);
	return vmcs_read32(VMCS_ENTRY_INTR_INFO) & VMX_INTR_VALID;
}

void vmx_drop_event(struct vcpu *v)
{
	vmx_vcpu_load(v);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
}

/* The interruption types are the emulator's event kinds (SDM 24.8.3). */
bool vmx_peek_event(struct vcpu *v, struct emul_deliver *ev)
{
	uint32_t info;

	vmx_vcpu_load(v);
	info = vmcs_read32(VMCS_ENTRY_INTR_INFO);
	if (!(info & VMX_INTR_VALID))
		return false;
	*ev = (struct emul_deliver){ .vector = (uint8_t)info,
				     .kind = (uint8_t)((info >> 8) & 7),
				     .has_error_code = (info & VMX_INTR_HAS_ERROR) != 0 };
	if (ev->has_error_code)
		ev->error_code = vmcs_read32(VMCS_ENTRY_EXCEPTION_ERROR);
	if (ev->kind >= EMUL_EV_SOFTINT)
		ev->insn_len = (uint8_t)vmcs_read32(VMCS_ENTRY_INSN_LEN);
	return true;
}

bool vmx_take_event(struct vcpu *v, struct emul_deliver *ev)
{
	if (!vmx_peek_event(v, ev))
		return false;
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	return true;
}

/* Interrupt-window exiting: an exit as soon as RFLAGS.IF = 1 and nothing
 * blocks interrupts (SDM 25.2). */
void vmx_set_irq_window(struct vcpu *v, bool on)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);
	uint32_t proc = on ? (x->proc | VMX_PROC_INTR_WINDOW_EXIT)
			   : ((x->proc & ~VMX_PROC_INTR_WINDOW_EXIT) |
			      (vmx_ctl.proc & VMX_PROC_INTR_WINDOW_EXIT));

	if (proc != x->proc) {
		vmcs_write(VMCS_PROC_CONTROLS, proc);
		x->proc = proc;
	}
}

/*
 * The guest's NMIs (docs/virtual-cpu.md, "NMIs"). Interruptibility bit 3
 * is the guest's NMI blocking: with virtual NMIs the CPU sets it when it
 * delivers an injected NMI and clears it at the guest's IRET (SDM Vol. 3
 * 25.3, 26.6.1.2); without them it is the real NMI blocking, which an
 * injected NMI sets and the guest's IRET clears just the same (the host's
 * NMIs exit anyway). A MOV SS shadow blocks NMIs (Table 24-3); an STI
 * shadow only "may" (SDM 6.8.3), and some CPUs refuse an NMI injection
 * in one (26.3.1.5), so inject_nmi ends it: the NMI is delivered on that
 * boundary, as on CPUs where STI does not inhibit NMIs.
 * (vmx_set_nmi_blocking, inline in vmx.h, writes bit 3.)
 */
bool vmx_nmi_blocked(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	return (x->intr_state & VMX_BLOCK_NMI) ||
	       ((x->intr_state & VMX_BLOCK_MOV_SS) && v->regs.rip == x->exit_rip);
}

void vmx_inject_nmi(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);

	if (x->intr_state & VMX_BLOCK_STI) {
		x->intr_state &= ~VMX_BLOCK_STI;
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, x->intr_state);
	}
	vmcs_write(VMCS_ENTRY_INTR_INFO, 2 | VMX_INTR_TYPE_NMI | VMX_INTR_VALID);
}

void vmx_nmi_delivered(struct vcpu *v)
{
	vmx_set_nmi_blocking(vmx_vcpu_load(v), true);
}

void vmx_iret_emulated(struct vcpu *v)
{
	vmx_set_nmi_blocking(vmx_vcpu_load(v), false);
}

/* NMI-window exiting (SDM 25.2): an exit before the first instruction
 * with neither (virtual-)NMI blocking nor MOV SS blocking. Without
 * virtual NMIs there is none: an NMI the guest blocks waits for the next
 * exit of any kind (at the latest the preemption tick), as KVM without
 * vNMI support did before it required them. */
void vmx_set_nmi_window(struct vcpu *v, bool on)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);
	uint32_t proc;

	if (!vmx_ctl.virtual_nmis)
		return;
	proc = on ? (x->proc | VMX_PROC_NMI_WINDOW_EXIT)
		  : ((x->proc & ~VMX_PROC_NMI_WINDOW_EXIT) |
		     (vmx_ctl.proc & VMX_PROC_NMI_WINDOW_EXIT));
	if (proc != x->proc) {
		vmcs_write(VMCS_PROC_CONTROLS, proc);
		x->proc = proc;
	}
}

/* An STI or MOV SS shadow covers one instruction: once core has stepped
 * RIP past the exiting instruction it is over. */
bool vmx_interrupt_shadow(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	return (x->intr_state & (VMX_BLOCK_STI | VMX_BLOCK_MOV_SS)) &&
	       v->regs.rip == x->exit_rip;
}

void vmx_set_interrupt_shadow(struct vcpu *v, bool mov_ss)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);

	x->intr_state = (x->intr_state & ~(VMX_BLOCK_STI | VMX_BLOCK_MOV_SS)) |
			(mov_ss ? VMX_BLOCK_MOV_SS : VMX_BLOCK_STI);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, x->intr_state);
	x->exit_rip = v->regs.rip;      /* a shadow for the instruction here */
}

bool vmx_nmi_masked(struct vcpu *v)
{
	return to_vmx(v)->intr_state & VMX_BLOCK_NMI;
}

void vmx_set_nmi_masked(struct vcpu *v, bool masked)
{
	vmx_set_nmi_blocking(vmx_vcpu_load(v), masked);
}

unsigned vmx_shadow_kind(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (!vmx_interrupt_shadow(v))
		return 0;
	return (x->intr_state & VMX_BLOCK_STI ? VIRT_SHADOW_STI : 0) |
	       (x->intr_state & VMX_BLOCK_MOV_SS ? VIRT_SHADOW_MOV_SS : 0);
}

void vmx_clear_interrupt_shadow(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);

	x->intr_state &= ~(VMX_BLOCK_STI | VMX_BLOCK_MOV_SS);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, x->intr_state);
}

/* An INVVPID of the guest's VPID before the next entry (entry_work,
 * VMX_WORK_FLUSH_VPID): linear and combined mappings of every PCID, global
 * ones too (SDM 28.3.3.3, 31.3 INVVPID single-context). Without VPIDs each
 * entry already invalidates them (SDM 28.3.3.1). */
void vmx_flush_guest_tlb(struct vcpu *v)
{
	to_vmx(v)->entry_work |= VMX_WORK_FLUSH_VPID;
}

/* With EPT, set_sregs already copied the PAE PDPTEs into the VMCS and
 * queued the VPID flush; without it the shadow tables reload them. */
void vmx_load_cr3(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	x->entry_work |= VMX_WORK_FLUSH_VPID | (vmx_ctl.shadow ? VMX_WORK_SHADOW : 0);
	x->cr3_loaded = vmx_ctl.shadow;
}

/*
 * NMI blocking in the control partition's state: it never takes an NMI,
 * so this is Bochs 2.7's, whose virtual-NMI blocking is one flag of the
 * CPU that VM entry sets from bit 3 but never clears, and VM exit saves:
 * a guest's blocking carried into the control partition's entry comes
 * back in its saved state, and every later entry of the control partition
 * would set it again, for the guest too. Cleared here, the flag at a
 * guest's entry is the one its own exit left (a CPU loads bit 3 both
 * ways, SDM 26.6.1.2).
 */
static __attribute__((noinline)) void ctl_nmi_blocking(struct vcpu *v, struct vmx_vcpu *x)
{
	if (v->vm->is_ctl)
		vmx_set_nmi_blocking(x, false);
}

/* Interruptibility the entry checks accept (SDM 26.3.1.5): no STI
 * blocking with IF = 0; no shadow once RIP moved on; in a shadow, the
 * pending single-step trap (BS) exactly when TF is set.
 * Inlined into both run calls (as it was into the one before shadow
 * paging): it is on every entry. */
static inline __attribute__((always_inline)) void fix_interruptibility(struct vcpu *v,
									    struct vmx_vcpu *x)
{
	uint32_t intr;

	if (__builtin_expect(x->intr_state & VMX_BLOCK_NMI, 0))
		ctl_nmi_blocking(v, x);
	intr = x->intr_state;
	/* Core stepped over the exiting instruction (emulated IO or CPUID,
	 * HLT, MSRs): a single-step trap the exit left pending belonged to
	 * that instruction, whose completion the VMM already reported; as on
	 * SVM, the next entry executes one instruction before the next #DB. */
	if (v->regs.rip != x->exit_rip && x->pending_dbg_checked != x->exit_rip) {
		uint64_t pd = vmcs_read(VMCS_GUEST_PENDING_DBG);
		if (pd & PENDING_DBG_BS)
			vmcs_write(VMCS_GUEST_PENDING_DBG, pd & ~PENDING_DBG_BS);
		x->pending_dbg_checked = x->exit_rip;
	}
	if (!(intr & (VMX_BLOCK_STI | VMX_BLOCK_MOV_SS)))
		return;
	if (v->regs.rip != x->exit_rip)
		intr &= ~(VMX_BLOCK_STI | VMX_BLOCK_MOV_SS);
	if (!(v->regs.rflags & RFLAGS_IF))
		intr &= ~VMX_BLOCK_STI;
	if (intr != x->intr_state) {
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr);
		x->intr_state = intr;
	}
	/* in a shadow, BS must equal TF (guest DEBUGCTL.BTF is always 0:
	 * the guest cannot write DEBUGCTL) */
	if (intr & (VMX_BLOCK_STI | VMX_BLOCK_MOV_SS)) {
		uint64_t pd = vmcs_read(VMCS_GUEST_PENDING_DBG);
		uint64_t want = (v->regs.rflags & RFLAGS_TF) ? (pd | PENDING_DBG_BS)
							      : (pd & ~PENDING_DBG_BS);
		if (want != pd)
			vmcs_write(VMCS_GUEST_PENDING_DBG, want);
	}
}

/* The rarer work before an entry (entry_work): the guest's paging state
 * changed or its VPID had another owner (SDM 28.3.3), or the state cannot
 * be entered (VMX_WORK_SOFTWARE, VMX_WORK_REFUSED): then true, with *e
 * the VEXIT_SOFTWARE exit, or every SOFTWARE_TICK_STEPS of them the
 * VEXIT_HOST_INTR a guest on the CPU would have made for the host tick,
 * which the hypervisor does not take while it runs the guest in software
 * (interrupts off): pending host interrupts are taken, and core looks at
 * the console and the alarm as after a real tick. Out of line: the entry
 * path tests one byte. */
#define SOFTWARE_TICK_STEPS 64
static __attribute__((noinline)) bool entry_work(struct vmx_vcpu *x, struct vexit *e)
{
	struct vmx_vm *xv = x->vm;

	if (x->entry_work & VMX_WORK_FLUSH_VPID) {
		if (xv->vpid && vmx_ctl.invvpid_single)
			vmx_invvpid(VMX_INVVPID_SINGLE, xv->vpid);
		else if (xv->vpid)
			vmx_invvpid(VMX_INVVPID_ALL, 0);
		x->entry_work &= (uint8_t)~VMX_WORK_FLUSH_VPID;
	}
	if (!(x->entry_work & (VMX_WORK_SOFTWARE | VMX_WORK_REFUSED)))
		return false;
	*e = (struct vexit){ .reason = VEXIT_SOFTWARE };
	if (++x->software_steps >= SOFTWARE_TICK_STEPS) {
		x->software_steps = 0;
		cpu_take_pending_interrupts();
		e->reason = VEXIT_HOST_INTR;
	}
	return true;
}

/* TLB work queued since the last entry: the EPT changed (INVEPT covers
 * all VPIDs of that EPTP); then entry_work. true: no entry, *e says why
 * (VEXIT_SOFTWARE, or VEXIT_HOST_INTR for the tick). */
static inline __attribute__((always_inline)) bool before_entry(struct vmx_vcpu *x,
								struct vexit *e,
								bool shadow)
{
	struct vmx_vm *xv = x->vm;

	/* without EPT a change of the VM's map reached the shadow tables,
	 * whose flushes vmx_shadow_enter() arranged */
	if (!shadow && x->slat_gen_seen != xv->slat_gen) {
		if (vmx_ctl.invept_single)
			vmx_invept(VMX_INVEPT_SINGLE, xv->eptp);
		else
			vmx_invept(VMX_INVEPT_ALL, 0);
		x->slat_gen_seen = xv->slat_gen;
	}
	return __builtin_expect(x->entry_work != 0, 0) && entry_work(x, e);
}

static const char *entry_failure_name(uint32_t basic)
{
	switch (basic) {
	case VMX_EXIT_ENTRY_BAD_GUEST: return "invalid guest state";
	case VMX_EXIT_ENTRY_BAD_MSR_LOAD: return "MSR loading";
	case VMX_EXIT_ENTRY_MACHINE_CHECK: return "machine-check event";
	default: return "unknown";
	}
}

/* Entry refused: by VMLAUNCH/VMRESUME itself (rc) or by an exit with bit
 * 31 set. The guest state in the VMCS and in v->regs is unchanged. */
static void entry_failed(struct vcpu *v, struct vmx_vcpu *x, int rc,
			 uint32_t reason, struct vexit *e)
{
	uint32_t err = 0;

	e->reason = VEXIT_FAIL_ENTRY;
	e->insn_len = 0;
	if (rc == VMX_ENTER_FAIL_VALID) {
		err = vmcs_insn_error();
		e->hw_reason = VMX_HW_VMFAIL | err;
	} else if (rc) {
		e->hw_reason = VMX_HW_VMFAIL | 0xffffffffULL;
	} else {
		e->hw_reason = reason;
	}
	if (x->entry_failures++ >= LOG_ENTRY_FAILURES)
		return;
	if (rc == VMX_ENTER_FAIL_VALID)
		printk("vmx: VM %u vCPU %u: %s failed: VM-instruction error %u (%s)\n",
		       v->vm->id, v->id, x->launched ? "VMRESUME" : "VMLAUNCH", err,
		       vmcs_insn_error_name(err));
	else if (rc)
		printk("vmx: VM %u vCPU %u: VMfailInvalid (no current VMCS)\n",
		       v->vm->id, v->id);
	else
		printk("vmx: VM %u vCPU %u: VM entry failed: exit reason %#x (%s), "
		       "qualification %#lx, RIP %#lx CR0 %#lx\n", v->vm->id, v->id,
		       reason, entry_failure_name(VMX_EXIT_REASON_BASIC(reason)),
		       vmcs_read(VMCS_EXIT_QUALIFICATION), v->regs.rip,
		       vmcs_read(VMCS_GUEST_CR0));
}

/*
 * Without unrestricted guest, segment state that legacy protected mode can
 * hold but VM entry refuses (SDM 26.3.1.2: after MOV CR0 sets PE and
 * before the far jump, CS and SS still hold real-mode values; an SS whose
 * RPL is not CS's) runs in software until the guest loads a segment or a
 * control register, then entry is tried again, as KVM emulates invalid
 * guest state. The checks come before anything is loaded, so the guest
 * state and the event to inject are as they were (SDM 26.8). Boot code
 * meets this only outside IA-32e mode: a refused IA-32e state (CR4.PAE
 * clear, ...) stays KVM_EXIT_TYPE_FAIL_ENTRY, as with unrestricted guest.
 */
static bool refused_guest_state(struct vmx_vcpu *x, uint32_t reason, struct vexit *e)
{
	if (vmx_ctl.unrestricted || VMX_EXIT_REASON_BASIC(reason) != VMX_EXIT_ENTRY_BAD_GUEST ||
	    (vmx_guest_efer(x) & EFER_LMA))
		return false;
	x->entry_work |= VMX_WORK_REFUSED;
	*e = (struct vexit){ .reason = VEXIT_SOFTWARE, .hw_reason = reason };
	return true;
}

/* The run call of both ops tables: 'shadow' is a constant in each. */
static inline __attribute__((always_inline)) void run(struct vcpu *v, struct vexit *e,
						      bool shadow)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);

	for (;;) {
		if (shadow && !vmx_shadow_enter(v, x, e))
			return;         /* no shadow root: FAIL_ENTRY */
		if (before_entry(x, e, shadow))
			return;         /* run in software */
		vmcs_write(VMCS_GUEST_RSP, v->regs.rsp);
		vmcs_write(VMCS_GUEST_RIP, v->regs.rip);
		vmcs_write(VMCS_GUEST_RFLAGS, v->regs.rflags | RFLAGS_FIXED1);
		fix_interruptibility(v, x);
		debugreg_enter(&x->dr, &v->debug, x->load_drs);
		vmx_msrs_load(x);
		if (read_cr2() != x->cr2)
			write_cr2(x->cr2);

		/* re-armed on every entry: at most ~2^24 TSC ticks in the guest */
		if (vmx_ctl.preemption_timer)
			vmcs_write(VMCS_PREEMPTION_TIMER, VMX_PREEMPTION_TICKS);
		int rc = vmx_vmenter(&v->regs, x->launched);

		x->cr2 = read_cr2();
		v->exits++;
		if (rc) {
			entry_failed(v, x, rc, 0, e);
			return;
		}
		uint32_t reason = vmcs_read32(VMCS_EXIT_REASON);
		if (reason & VMX_EXIT_REASON_ENTRY_FAIL) {
			/* the launch state stays clear (SDM 26.8) */
			if (refused_guest_state(x, reason, e))
				return;         /* VEXIT_SOFTWARE */
			entry_failed(v, x, 0, reason, e);
			return;
		}
		x->launched = true;
		v->regs.rsp = vmcs_read(VMCS_GUEST_RSP);
		v->regs.rip = vmcs_read(VMCS_GUEST_RIP);
		v->regs.rflags = vmcs_read(VMCS_GUEST_RFLAGS);
		x->intr_state = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
		x->exit_rip = v->regs.rip;
		/* not acknowledged on exit: it is still pending, take it now */
		if (VMX_EXIT_REASON_BASIC(reason) == VMX_EXIT_EXTERNAL_INTR)
			cpu_take_pending_interrupts();
		if (vmx_decode_exit(v, x, reason, e) == VMX_EXIT_TO_CORE)
			return;
	}
}

void vmx_run(struct vcpu *v, struct vexit *e)
{
	run(v, e, false);
}

/* Without EPT: the shadow root and its flushes before each entry. */
void vmx_run_shadow(struct vcpu *v, struct vexit *e)
{
	run(v, e, true);
}

/* CR8 accesses exit and are emulated (cr.c): the TPR lives here. */
uint64_t vmx_get_cr8(struct vcpu *v)
{
	return to_vmx(v)->cr8;
}

void vmx_set_cr8(struct vcpu *v, uint64_t cr8)
{
	to_vmx(v)->cr8 = cr8 & 0xf;
}
