/*
 * exec_rsm.c - RSM (0F AA). It resumes from system-management mode, and
 * outside SMM it is #UD (SDM Vol. 2B RSM, "Protected Mode Exceptions" and
 * the other modes alike; AMD APM Vol. 3 RSM: "#UD: The processor was not
 * in SMM"). The virtual CPU is never in SMM: BareKVM delivers no SMI (the
 * 2.6.21 kvm.h ABI has none), so RSM is always #UD here. Bytes that reach
 * the emulator as RSM came from MMIO (code there) or a VM exit that names
 * it; either way the guest sees what its CPU would do.
 */
#include "emul_private.h"

#define VEC_UD 6

int emul_exec_rsm(struct emul_exec *x)
{
	return emul_raise(x, VEC_UD, false, 0);
}
