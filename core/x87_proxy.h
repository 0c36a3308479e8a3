/*
 * emul_ops.x87 for guest vCPUs: an x87 instruction the emulator handles
 * (its memory operand is MMIO, or its bytes came from MMIO) runs on the
 * vCPU's own FPU state with the operand in a buffer (arch/x86/x87_proxy.S),
 * and the FPU's record of the last instruction (FIP, FCS, FOP, FDP, FDS)
 * is set to what running it in the guest would have left.
 */
#ifndef CORE_X87_PROXY_H
#define CORE_X87_PROXY_H

#include "core/vcpu.h"
#include "emul/emul.h"

/* Returns EMUL_X87_DONE, EMUL_X87_PENDING (a waiting form with an
 * unmasked exception pending: #MF) or EMUL_X87_REFUSED. */
int x87_proxy_run(struct vcpu *v, struct emul_x87 *op);

#endif
