/*
 * Guest debugging on SVM (KVM_DEBUG_GUEST, which 2.6.21 refused on AMD).
 * DR7 and DR6 are in the VMCB; DR0-DR3 are not switched by VMRUN (APM
 * 15.5.1), so the hypervisor, which never uses them, loads the guest's
 * breakpoint addresses before each entry of a vCPU that is being debugged.
 * #DB is intercepted while debugging so every breakpoint or step exits.
 */
#include "arch/x86/svm/svm.h"

#define DR7_FIXED   0x400ULL
#define DR7_GE      (1ULL << 9)
#define TRAP_DB     1

void svm_set_debug(struct vcpu *v)
{
	struct svm_vcpu *sv = v->arch;
	const struct vcpu_debug *d = &v->debug;
	uint64_t dr7 = DR7_FIXED;

	if (d->enabled) {
		/* global enable G0-G3, RW = 00 (execute), LEN = 00 (SDM 17.2.4) */
		for (int i = 0; i < 4; i++)
			if (d->bp_enabled & (1u << i))
				dr7 |= 2ULL << (2 * i);
		if (dr7 != DR7_FIXED)
			dr7 |= DR7_GE;
		sv->vmcb->control.intercept_exceptions |= 1u << TRAP_DB;
	} else {
		sv->vmcb->control.intercept_exceptions &= ~(1u << TRAP_DB);
	}
	sv->vmcb->save.dr7 = dr7;
	sv->load_drs = d->enabled && d->bp_enabled;
}

void svm_load_guest_drs(const struct vcpu *v)
{
	const uint64_t *a = v->debug.bp_addr;

	__asm__ volatile("mov %0, %%dr0" ::"r"(a[0]));
	__asm__ volatile("mov %0, %%dr1" ::"r"(a[1]));
	__asm__ volatile("mov %0, %%dr2" ::"r"(a[2]));
	__asm__ volatile("mov %0, %%dr3" ::"r"(a[3]));
}
