/*
 * Guest debugging on VMX (KVM_DEBUG_GUEST). DR7 is a VMCS guest field
 * loaded on entry ("load debug controls", SDM Vol. 3 26.3.2.1); DR0-DR3 are
 * loaded before each entry of a debugged vCPU (arch/x86/debugreg.c). #DB
 * is always intercepted through the exception bitmap (vcpu.c), so every
 * breakpoint or step exits.
 */
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/debugreg.h"

void vmx_set_debug(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_vcpu_load(v);
	const struct vcpu_debug *d = &v->debug;

	vmcs_write(VMCS_GUEST_DR7, debugreg_dr7(d));
	x->load_drs = d->enabled && d->bp_enabled;
}

void vmx_clear_dr7(struct vcpu *v, uint64_t bits)
{
	vmx_vcpu_load(v);
	vmcs_write(VMCS_GUEST_DR7, vmcs_read(VMCS_GUEST_DR7) & ~bits);
}
