/*
 * Guest debug registers shared by both backends (KVM_DEBUG_GUEST): the DR7
 * value for a vCPU's breakpoints, and loading DR0-DR3, which neither VMRUN
 * nor VM entry switches (APM 15.5.1, SDM 27.3.1); the hypervisor never
 * uses them, so a debugged vCPU's addresses are loaded before its entry.
 */
#ifndef ARCH_X86_DEBUGREG_H
#define ARCH_X86_DEBUGREG_H

#include <stdint.h>
#include "core/vcpu.h"

#define DR7_FIXED   0x400ULL
#define TRAP_DB_VECTOR 1

/* DR7 with G0-G3 for the armed breakpoints: execute, length 1 (SDM 17.2.4). */
uint64_t debugreg_dr7(const struct vcpu_debug *d);
void debugreg_load(const struct vcpu_debug *d);

#endif
