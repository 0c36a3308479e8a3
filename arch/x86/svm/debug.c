/*
 * Guest debugging on SVM (KVM_DEBUG_GUEST, which 2.6.21 refused on AMD).
 * DR7 and DR6 are in the VMCB; DR0-DR3 are loaded before each entry of a
 * debugged vCPU (arch/x86/debugreg.c). #DB is always intercepted
 * (vcpu.c), so every breakpoint or step exits.
 */
#include "arch/x86/svm/svm.h"
#include "arch/x86/debugreg.h"

void svm_set_debug(struct vcpu *v)
{
	struct svm_vcpu *sv = v->arch;
	const struct vcpu_debug *d = &v->debug;

	sv->vmcb->save.dr7 = debugreg_dr7(d);
	sv->load_drs = d->enabled && d->bp_enabled;
}

void svm_clear_dr7(struct vcpu *v, uint64_t bits)
{
	struct svm_vcpu *sv = v->arch;

	sv->vmcb->save.dr7 &= ~bits;
}
