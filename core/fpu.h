/*
 * Guest FPU/SSE state. The hypervisor itself never touches x87/SSE registers
 * (it is built with -mgeneral-regs-only), so the registers always hold the
 * state of the last vCPU that ran on this CPU; switching to another vCPU
 * saves that one's and loads the next one's with FXSAVE/FXRSTOR.
 */
#ifndef CORE_FPU_H
#define CORE_FPU_H

#include "core/vcpu.h"

/* Host setup: CR0.MP, !EM, !TS and CR4.OSFXSR/OSXMMEXCPT so FXSAVE covers
 * the XMM registers. Called once per CPU at boot. */
void fpu_cpu_init(void);
/* The architectural reset state (FCW 0x37f, MXCSR 0x1f80). */
void fpu_reset(struct vcpu *v);
/* Makes v's state the live one on this CPU (before entering v). */
void fpu_switch_to(struct vcpu *v);
/* v is going away: never save into it again. */
void fpu_forget(struct vcpu *v);

#endif
