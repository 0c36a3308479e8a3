/*
 * Guest debug registers shared by both backends (KVM_DEBUG_GUEST): the DR7
 * value for a vCPU's breakpoints, and loading DR0-DR3, which neither VMRUN
 * nor VM entry switches (APM 15.5.1, SDM 27.3.1); the hypervisor never
 * uses them, so a debugged vCPU's addresses are loaded before its entry.
 */
#ifndef ARCH_X86_DEBUGREG_H
#define ARCH_X86_DEBUGREG_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vcpu.h"

#define DR7_FIXED   0x400ULL
#define TRAP_DB_VECTOR 1

/* DR7 with G0-G3 for the armed breakpoints: execute, length 1 (SDM 17.2.4). */
uint64_t debugreg_dr7(const struct vcpu_debug *d);
void debugreg_load(const struct vcpu_debug *d);

struct trap_frame;
/*
 * A #DB taken by the hypervisor itself. It never sets TF or arms DR7 for its
 * own code, so the only #DB it can see is a guest's single-step trap that an
 * emulator delivers after the #VMEXIT of the intercepted instruction (Bochs
 * 2.7's SVM keeps the pending trap; hardware drops it with the instruction).
 * Returns true when the trap was such a stray single-step trap: DR6 is
 * cleared and execution goes on; anything else is left to the crash dump.
 */
bool debugreg_stray_host_step(const struct trap_frame *tf);

#endif
