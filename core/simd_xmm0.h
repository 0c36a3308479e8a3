/*
 * Running a proxied SSE form whose XMM0 is an implicit operand (BLENDV's
 * mask, SHA256RNDS2's source, PCMPxSTRM's result) on the live registers.
 */
#ifndef CORE_SIMD_XMM0_H
#define CORE_SIMD_XMM0_H

#include <stdbool.h>

#include "arch/x86/simd_proxy.h"
#include "emul/emul.h"

/* c->stub (and its general registers) set by the caller: the stub runs on
 * XMM1 (the guest's XMMn) and XMM2 (a register source), XMM0 the guest's.
 * Afterwards XMM1 and XMM2 are the guest's again, XMM0 as the stub left
 * it, and with result_in_xmmn the stub's XMM1 becomes XMMn. Returns
 * SIMD_CALL_*. */
int simd_run_keeping_xmm0(struct simd_call *c, const struct emul_simd *op,
			  bool result_in_xmmn);

#endif
