/* The CPUID a guest sees: the host's, minus what we do not virtualize
 * (VMX, SVM), plus the hypervisor-present bit and BareKVM's own leaves. */
#ifndef CORE_CPUID_H
#define CORE_CPUID_H

#include "core/cpu_rules.h"
#include "core/vcpu.h"
#include "emul/emul.h"

/* Answers CPUID for the guest from its RAX/RCX into RAX/RBX/RCX/RDX. */
void cpuid_emulate(struct vcpu_regs *r);

/* Reads the vendor once at boot, before any guest runs. */
void cpuid_init(void);

/* The vendor guests see: leaf 0 is the host's, unchanged, because every
 * instruction a guest runs natively behaves as the host's vendor makes it.
 * The instruction emulator follows the same vendor where Intel and AMD
 * differ, so an emulated instruction behaves as a native one would. */
enum emul_vendor cpuid_vendor(void);

/* The CR4 and EFER bits and the address width of that CPUID: "the CR4
 * bits a guest may set are exactly those its CPUID announces". Both
 * backends, the MSR code and KVM_SET_SREGS take them from here. */
const struct cpu_rules *cpuid_rules(void);

#endif
