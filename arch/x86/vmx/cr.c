/*
 * Guest control registers under VMX. Runs on the exit path (interrupts
 * off) and in control-partition requests (SET_SREGS, SET_MSRS).
 *
 * The CPU runs the guest with CR0/CR4 holding the VMX fixed bits (SDM Vol.
 * 3 23.8, 26.3.1.1: CR0.NE and CR4.VMXE; CR0.PE/PG too without
 * unrestricted guest). The guest/host masks make those bits ours and the
 * read shadows show the guest its own values (SDM 25.3, "MOV from CR0/CR4"),
 * so a guest that writes a different value to an owned bit exits here
 * (SDM 25.1.3). CR0.PG is owned as well: entering or leaving paging exits,
 * and this file sets EFER.LMA and the "IA-32e mode guest" entry control
 * (SDM 26.3.1.1 wants them equal), makes TR a 64-bit busy TSS for IA-32e
 * entry, and loads the PAE PDPTEs, which VM entry takes from the VMCS when
 * EPT is on (SDM 26.3.2.4). CR8 accesses exit too (the real TPR is the
 * host's): the guest's TPR lives in struct vmx_vcpu.
 *
 * Without EPT (shadow.c) the CPU's CR3 is the shadow root: MOV to and
 * from CR3 exit (controls.c) and complete here with the guest's, kept in
 * struct vmx_vcpu; CR0.WP and CR4.PAE are forced in the CPU's view, and
 * every bit that changes how the guest translates is owned, so that the
 * shadow tables hear of each change (commit()).
 */
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/seg.h"
#include "arch/x86/cpu.h"
#include "core/cpuid.h"
#include "core/guest_mem.h"
#include "core/lib.h"
#include "core/vm.h"
#include "mmu/shadow.h"
#include "abi/errno.h"

#define CR0_TS_BIT   (1ULL << 3)
#define CR0_LMSW_BITS 0xfULL            /* PE, MP, EM, TS */
#define PDPTE_MASK   (~0x1fULL)         /* PAE CR3: 32-byte aligned table */
#define TRAP_GP      13

/* Exit qualification for control-register accesses (SDM Table 27-3) */
#define CRQ_CR(q)        ((q) & 0xf)
#define CRQ_ACCESS(q)    (((q) >> 4) & 3)
#define CRQ_GPR(q)       (((q) >> 8) & 0xf)
#define CRQ_LMSW_SRC(q)  (((q) >> 16) & 0xffff)
enum { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW };

/* The guest's control registers as it sees them. */
struct guest_cr {
	uint64_t cr0, cr3, cr4, efer;
};

static void read_guest_cr(const struct vmx_vcpu *x, struct guest_cr *c)
{
	c->cr0 = vmx_cr_view(vmcs_read(VMCS_GUEST_CR0), vmcs_read(VMCS_CR0_SHADOW),
			     vmx_ctl.cr0_mask);
	c->cr3 = vmx_guest_cr3(x);
	c->cr4 = vmx_cr_view(vmcs_read(VMCS_GUEST_CR4), vmcs_read(VMCS_CR4_SHADOW),
			     vmx_ctl.cr4_mask);
	c->efer = vmx_guest_efer(x);
}

/* PAE paging without IA-32e: VM entry loads the four PDPTEs from the
 * VMCS, so copy them from the table CR3 names, as MOV to CR3 would. */
static void load_pdptes(struct vcpu *v, uint64_t cr3)
{
	uint64_t pdpte[4] = { 0 };

	guest_read_gpa(v->vm, cr3 & PDPTE_MASK & 0xffffffffULL, pdpte, sizeof(pdpte));
	for (int i = 0; i < 4; i++)
		vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
}

/* IA-32e entry accepts only a 64-bit busy TSS (SDM 26.3.1.2). */
static void tr_for_ia32e(void)
{
	uint32_t ar = vmcs_read32(VMCS_GUEST_SEG(VMCS_GUEST_ES_AR, VMX_SEG_TR));

	if (!(ar & VMX_AR_UNUSABLE) && (ar & VMX_AR_TYPE_MASK) == VMX_TSS16_BUSY)
		vmcs_write(VMCS_GUEST_SEG(VMCS_GUEST_ES_AR, VMX_SEG_TR),
			   (ar & ~VMX_AR_TYPE_MASK) | VMX_TSS_BUSY);
}

void vmx_write_guest_cr(struct vcpu *v, struct vmx_vcpu *x, uint64_t cr0,
			uint64_t cr3, uint64_t cr4, uint64_t efer)
{
	uint32_t entry = vmcs_read32(VMCS_ENTRY_CONTROLS);

	vmcs_write(VMCS_GUEST_CR0, vmx_guest_cr0(&vmx_ctl, cr0));
	vmcs_write(VMCS_CR0_SHADOW, cr0);
	/* without EPT the VMCS holds the shadow root (shadow.c) */
	if (vmx_ctl.shadow)
		x->guest_cr3 = cr3;
	else
		vmcs_write(VMCS_GUEST_CR3, cr3);
	vmcs_write(VMCS_GUEST_CR4, vmx_guest_cr4(&vmx_ctl, cr4));
	vmcs_write(VMCS_CR4_SHADOW, cr4);
	vmx_set_guest_efer(x, efer);
	if (efer & EFER_LMA) {
		entry |= VMX_ENTRY_IA32E_GUEST;
		tr_for_ia32e();
	} else {
		entry &= ~VMX_ENTRY_IA32E_GUEST;
	}
	vmcs_write(VMCS_ENTRY_CONTROLS, entry);
	/* without EPT, VM entry loads the PDPTEs from the shadow root (SDM
	 * Vol. 3 26.3.2.4) and the VMCS has no PDPTE fields */
	if (!vmx_ctl.shadow && (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LMA))
		load_pdptes(v, cr3);
	/* the guest's linear translations may have changed meaning; the
	 * state may have become one the CPU can enter again, or one it
	 * cannot (vmx.h, VMX_WORK_SOFTWARE) */
	x->entry_work = VMX_WORK_FLUSH_VPID | (vmx_ctl.shadow ? VMX_WORK_SHADOW : 0);
	if (!vmx_ctl.unrestricted && (cr0 & (CR0_PE | CR0_PG)) != (CR0_PE | CR0_PG))
		x->entry_work |= VMX_WORK_SOFTWARE;
}

static bool in_64bit_mode(const struct guest_cr *c)
{
	uint32_t cs_ar = vmcs_read32(VMCS_GUEST_SEG(VMCS_GUEST_ES_AR, VMX_SEG_CS));

	return (c->efer & EFER_LMA) && (cs_ar & VMX_AR_L);
}

/* MOV to CR0 (core/cpu_rules.c); false: #GP. */
static bool mov_to_cr0(struct guest_cr *c, uint64_t val, bool long64)
{
	uint64_t cr0, efer;

	if (!cpu_rules_cr0_write(c->cr0, val, c->cr4, c->efer, long64, &cr0, &efer))
		return false;
	c->cr0 = cr0;
	c->efer = efer;
	return true;
}

/* The bits we own include every bit the guest's CPUID does not announce
 * (vmx.c), so setting one exits here and is #GP, as are the other
 * MOV-to-CR4 faults (core/cpu_rules.c). */
static bool mov_to_cr4(struct guest_cr *c, uint64_t val)
{
	if (!cpu_rules_cr4_write(cpuid_rules(), c->cr4, val, c->cr3, c->efer))
		return false;
	c->cr4 = val;
	return true;
}

/*
 * The guest's new control registers into the VMCS. Without EPT a paged
 * guest's new registers reach the shadow tables at once, so that a PAE
 * PDPTE with reserved bits faults in the instruction (SDM Vol. 3 4.4.1):
 * then the old ones are put back and false returned (#GP). cr3_load: a
 * MOV to CR3, which the shadow tables take even with CR3's old value.
 */
static bool commit(struct vcpu *v, struct vmx_vcpu *x, const struct guest_cr *old,
		   const struct guest_cr *c, bool cr3_load)
{
	vmx_write_guest_cr(v, x, c->cr0, c->cr3, c->cr4, c->efer);
	if (!vmx_ctl.shadow || !(c->cr0 & CR0_PG) || vmx_shadow_sync(v, x, cr3_load) != -EINVAL)
		return true;
	vmx_write_guest_cr(v, x, old->cr0, old->cr3, old->cr4, old->efer);
	return false;
}

/* General-purpose register n of an exit qualification (SDM Table 27-3:
 * RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15). */
static uint64_t *gpr(struct vcpu *v, unsigned n)
{
	struct vcpu_regs *r = &v->regs;
	uint64_t *const regs[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp,
				     &r->rbp, &r->rsi, &r->rdi, &r->r8, &r->r9,
				     &r->r10, &r->r11, &r->r12, &r->r13, &r->r14,
				     &r->r15 };
	return regs[n & 15];
}

enum vmx_exit_action vmx_exit_cr_access(struct vcpu *v, struct vmx_vcpu *x,
					struct vexit *e)
{
	uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	uint64_t *reg = gpr(v, CRQ_GPR(q));
	struct guest_cr c, old;
	bool ok = true, long64;
	unsigned cr = CRQ_CR(q);

	read_guest_cr(x, &c);
	old = c;
	long64 = in_64bit_mode(&c);
	switch (CRQ_ACCESS(q)) {
	case CR_MOV_TO: {
		uint64_t val = long64 ? *reg : (uint32_t)*reg;
		if (cr == 8) {
			ok = val <= 15;
			if (ok)
				x->cr8 = (uint8_t)val;
			break;
		}
		if (cr == 0)
			ok = mov_to_cr0(&c, val, long64);
		else if (cr == 4)
			ok = mov_to_cr4(&c, val);
		else if (cr == 3)       /* MAXPHYADDR, PCID's no-flush bit */
			ok = cpu_rules_cr3_write(cpuid_rules(), val, c.cr4, long64, &c.cr3);
		else
			goto unknown;
		if (ok)
			ok = commit(v, x, &old, &c, cr == 3);
		break;
	}
	case CR_MOV_FROM:
		if (cr == 3)
			*reg = long64 ? c.cr3 : (uint32_t)c.cr3;
		else if (cr == 8)
			*reg = x->cr8;
		else
			goto unknown;
		break;
	case CR_CLTS:
		ok = mov_to_cr0(&c, c.cr0 & ~CR0_TS_BIT, long64);
		if (ok)
			ok = commit(v, x, &old, &c, false);
		break;
	case CR_LMSW:
		/* loads PE, MP, EM, TS; can set PE but not clear it */
		ok = mov_to_cr0(&c, (c.cr0 & ~CR0_LMSW_BITS) |
				(CRQ_LMSW_SRC(q) & CR0_LMSW_BITS) | (c.cr0 & CR0_PE),
				long64);
		if (ok)
			ok = commit(v, x, &old, &c, false);
		break;
	}
	if (!ok) {
		vmx_inject_exception(v, TRAP_GP, true, 0);
		return VMX_EXIT_RESUME;
	}
	/* finished here: core raises the guest's single-step trap, if any */
	e->reason = VEXIT_EMULATED;
	e->insn_len = vmcs_read32(VMCS_EXIT_INSN_LEN);
	v->regs.rip += e->insn_len;
	return VMX_EXIT_TO_CORE;

unknown:
	/* an access our controls never make exit: report, do not guess */
	e->reason = VEXIT_UNKNOWN;
	return VMX_EXIT_TO_CORE;
}
