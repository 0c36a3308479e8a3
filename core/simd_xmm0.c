/*
 * The forms with XMM0 an implicit operand (core/simd_xmm0.h): the guest's
 * registers are moved by copies in the FXSAVE image (core/simd_image.c),
 * so n and m may be 0, 1 or 2 themselves.
 */
#include "core/simd_xmm0.h"
#include "core/simd_image.h"
#include "core/lib.h"

/* The buffers are static: one CPU runs vCPUs (core/fpu.c's owner is one
 * too, "per CPU once SMP lands"; these go with it). */
int simd_run_keeping_xmm0(struct simd_call *c, const struct emul_simd *op,
			  bool result_in_xmmn)
{
	static uint8_t orig[SIMD_IMAGE_BYTES] __attribute__((aligned(16)));
	static uint8_t work[SIMD_IMAGE_BYTES] __attribute__((aligned(16)));
	static uint8_t out[SIMD_IMAGE_BYTES] __attribute__((aligned(16)));
	int m = op->regform ? op->rm : -1;
	int rc;

	simd_fxsave(orig);
	memcpy(work, orig, sizeof(work));
	simd_image_scratch_in(work, orig, op->reg, m);
	simd_fxrstor(work);
	rc = simd_proxy_call(c);
	simd_fxsave(out);
	memcpy(work, out, sizeof(work));
	if (result_in_xmmn)
		simd_image_blendv_out(work, out, orig, op->reg, m);
	else
		simd_image_scratch_restore(work, orig, m);
	simd_fxrstor(work);
	return rc;
}
