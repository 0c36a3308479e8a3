/* The CPUID a guest sees: the host's, minus what we do not virtualize
 * (VMX, SVM), plus the hypervisor-present bit and BareKVM's own leaves. */
#ifndef CORE_CPUID_H
#define CORE_CPUID_H

#include "core/vcpu.h"

/* Answers CPUID for the guest from its RAX/RCX into RAX/RBX/RCX/RDX. */
void cpuid_emulate(struct vcpu_regs *r);

#endif
