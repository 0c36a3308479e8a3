/*
 * Guest MSRs on VMX (the virt_ops get_msr/set_msr; core/msr.c decides which
 * indices reach here). EFER, PAT, the SYSENTER MSRs and the FS/GS bases are
 * VMCS guest fields switched by entry and exit (SDM Vol. 3 24.4.1, 26.3.2,
 * 27.3.1); the TSC is the host's plus the VMCS TSC offset (SDM 25.3).
 *
 * The SYSCALL MSRs (STAR, LSTAR, CSTAR, SFMASK) and KERNEL_GS_BASE are not
 * in the VMCS. The hypervisor never uses SYSCALL or SWAPGS, so the CPU's
 * own registers hold the values of the last vCPU that ran on it: they are
 * reloaded only when another vCPU enters (like core/fpu.c's lazy FPU).
 * The guest changes KERNEL_GS_BASE with SWAPGS without an exit, so the
 * outgoing owner's copy is read back first.
 *
 * Values arrive checked (core/msr.c: reserved EFER bits, PAT types,
 * canonical addresses), so neither the WRMSR to the CPU's own registers
 * nor the next VM entry can fault on them.
 */
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"

#define MSR_IA32_TSC            0x00000010
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SFMASK              0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102

enum { SYS_STAR, SYS_LSTAR, SYS_CSTAR, SYS_SFMASK, SYS_KERNEL_GS_BASE, NSYS };
static const uint32_t syscall_msr_index[NSYS] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE,
};
_Static_assert(NSYS == sizeof(((struct vmx_vcpu *)0)->syscall_msrs) / sizeof(uint64_t),
	       "one slot per switched MSR");

static struct vmx_vcpu *syscall_owner[MAX_CPUS];       /* per-CPU index once SMP lands */

static uint64_t read_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static int syscall_slot(uint32_t index)
{
	for (int i = 0; i < NSYS; i++)
		if (syscall_msr_index[i] == index)
			return i;
	return -1;
}

void vmx_msrs_init(struct vmx_vcpu *x)
{
	for (int i = 0; i < NSYS; i++)
		x->syscall_msrs[i] = 0;
}

void vmx_msrs_load(struct vmx_vcpu *x)
{
	struct vmx_vcpu *old = syscall_owner[0];

	if (old == x)
		return;
	if (old)
		old->syscall_msrs[SYS_KERNEL_GS_BASE] = rdmsr(MSR_KERNEL_GS_BASE);
	for (int i = 0; i < NSYS; i++)
		wrmsr(syscall_msr_index[i], x->syscall_msrs[i]);
	syscall_owner[0] = x;
}

void vmx_msrs_forget(struct vmx_vcpu *x)
{
	if (syscall_owner[0] == x)
		syscall_owner[0] = 0;
}

/* The VMCS field of the MSRs that have one, else 0. */
static uint32_t vmcs_field_of(uint32_t index)
{
	switch (index) {
	case MSR_IA32_SYSENTER_CS: return VMCS_GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP: return VMCS_GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP: return VMCS_GUEST_SYSENTER_EIP;
	case MSR_FS_BASE: return VMCS_GUEST_SEG(VMCS_GUEST_ES_BASE, VMX_SEG_FS);
	case MSR_GS_BASE: return VMCS_GUEST_SEG(VMCS_GUEST_ES_BASE, VMX_SEG_GS);
	default: return 0;
	}
}

int vmx_get_msr(struct vcpu *v, uint32_t index, uint64_t *value)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);
	uint32_t field = vmcs_field_of(index);
	int slot = syscall_slot(index);

	if (field) {
		*value = vmcs_read(field);
	} else if (slot >= 0) {
		if (slot == SYS_KERNEL_GS_BASE && syscall_owner[0] == x)
			x->syscall_msrs[slot] = rdmsr(MSR_KERNEL_GS_BASE);
		*value = x->syscall_msrs[slot];
	} else if (index == MSR_EFER) {
		*value = vmx_guest_efer(x);
	} else if (index == MSR_IA32_PAT) {
		*value = vmx_ctl.pat ? vmcs_read(VMCS_GUEST_PAT) : x->pat;
	} else if (index == MSR_IA32_TSC) {
		*value = read_tsc() + vmcs_read(VMCS_TSC_OFFSET);
	} else {
		return -1;
	}
	return 0;
}

/* EFER.LMA follows LME and the guest's CR0.PG, as the CPU computes it
 * (SDM Vol. 3 9.8.5); the IA-32e entry control follows (cr.c). */
static int set_efer(struct vcpu *v, struct vmx_vcpu *x, uint64_t value)
{
	uint64_t cr0 = vmx_cr_view(vmcs_read(VMCS_GUEST_CR0), vmcs_read(VMCS_CR0_SHADOW),
				   vmx_ctl.cr0_mask);
	uint64_t cr4 = vmx_cr_view(vmcs_read(VMCS_GUEST_CR4), vmcs_read(VMCS_CR4_SHADOW),
				   vmx_ctl.cr4_mask);

	value &= ~EFER_LMA;
	if ((value & EFER_LME) && (cr0 & CR0_PG))
		value |= EFER_LMA;
	vmx_write_guest_cr(v, x, cr0, vmx_guest_cr3(x), cr4, value);
	return 0;
}

int vmx_set_msr(struct vcpu *v, uint32_t index, uint64_t value)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);
	uint32_t field = vmcs_field_of(index);
	int slot = syscall_slot(index);

	if (field) {
		vmcs_write(field, value);
	} else if (slot >= 0) {
		x->syscall_msrs[slot] = value;
		if (syscall_owner[0] == x)
			wrmsr(index, value);
	} else if (index == MSR_EFER) {
		return set_efer(v, x, value);
	} else if (index == MSR_IA32_PAT) {
		if (vmx_ctl.pat)
			vmcs_write(VMCS_GUEST_PAT, value);
		x->pat = value;
	} else if (index == MSR_IA32_TSC) {
		vmcs_write(VMCS_TSC_OFFSET, value - read_tsc());
	} else {
		return -1;
	}
	return 0;
}
