/*
 * Guest debugging on VMX (KVM_DEBUG_GUEST). DR7 is a VMCS guest field
 * loaded on entry ("load debug controls", SDM Vol. 3 26.3.2.1); DR0-DR3
 * are not switched by entry or exit (SDM 27.3.1), so the hypervisor, which
 * never uses them, loads the guest's breakpoint addresses before each
 * entry of a vCPU that is being debugged. #DB is intercepted through the
 * exception bitmap while debugging, so every breakpoint or step exits.
 */
#include "arch/x86/vmx/vmx.h"

#define DR7_FIXED   0x400ULL
#define DR7_GE      (1ULL << 9)
#define TRAP_DB     1

void vmx_set_debug(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);
	const struct vcpu_debug *d = &v->debug;
	uint32_t bitmap = vmcs_read32(VMCS_EXCEPTION_BITMAP);
	uint64_t dr7 = DR7_FIXED;

	if (d->enabled) {
		/* global enable G0-G3, RW = 00 (execute), LEN = 00 (SDM 17.2.4) */
		for (int i = 0; i < 4; i++)
			if (d->bp_enabled & (1u << i))
				dr7 |= 2ULL << (2 * i);
		if (dr7 != DR7_FIXED)
			dr7 |= DR7_GE;
		bitmap |= 1u << TRAP_DB;
	} else {
		bitmap &= ~(1u << TRAP_DB);
	}
	vmcs_write(VMCS_EXCEPTION_BITMAP, bitmap);
	vmcs_write(VMCS_GUEST_DR7, dr7);
	x->load_drs = d->enabled && d->bp_enabled;
}

void vmx_load_guest_drs(const struct vcpu *v)
{
	const uint64_t *a = v->debug.bp_addr;

	__asm__ volatile("mov %0, %%dr0" ::"r"(a[0]));
	__asm__ volatile("mov %0, %%dr1" ::"r"(a[1]));
	__asm__ volatile("mov %0, %%dr2" ::"r"(a[2]));
	__asm__ volatile("mov %0, %%dr3" ::"r"(a[3]));
}
