/*
 * emul_ops.simd for guest vCPUs: an MMX, SSE or 3DNow! instruction the
 * emulator handles (its memory operand is MMIO) runs on the vCPU's own
 * registers with the operand in a buffer (arch/x86/simd_proxy.S), the
 * guest's register moved into register 0 for it and back.
 */
#ifndef CORE_SIMD_PROXY_H
#define CORE_SIMD_PROXY_H

#include "core/vcpu.h"
#include "emul/emul.h"

/* Returns EMUL_SIMD_DONE, EMUL_SIMD_PENDING (an instruction on MMX
 * registers with an unmasked x87 exception pending: #MF), EMUL_SIMD_XM
 * or EMUL_SIMD_REFUSED. */
int simd_proxy_run(struct vcpu *v, struct emul_simd *op);

#endif
