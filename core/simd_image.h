/*
 * Registers trading places in a 64-bit FXSAVE image (SDM Vol. 2 FXSAVE,
 * Table 3-53), for core/simd_proxy.c: its stubs name register 0.
 */
#ifndef CORE_SIMD_IMAGE_H
#define CORE_SIMD_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#define SIMD_IMAGE_BYTES 512

/* Registers 0 and n trade places in img: XMM0 and XMMn (n < 16), or with
 * mmx MM0 and MMn (n < 8), each with its tag. Doing it twice undoes it,
 * also when TOP changed in between. */
void simd_image_trade(uint8_t *img, bool mmx, unsigned n);

/* The 16-byte slot of register n in img: XMMn, or MMn (x87 physical
 * register n, found by img's TOP). */
uint8_t *simd_image_reg(uint8_t *img, bool mmx, unsigned n);

/* A register form's operands: ModRM.reg and ModRM.rm, their files, and
 * which one the instruction writes (rm for the store forms). With
 * reg_other ModRM.reg names no MMX or XMM register (a general register,
 * the stub's EAX, for MOVMSKPS and the like; an opcode extension for
 * PSRLDQ/PSLLDQ): only rm's register moves. */
struct simd_regform {
	bool reg_mmx, rm_mmx, rm_dest, reg_other;
	unsigned reg, rm;
};

/* img, a copy of orig: register 0 of reg's file gets reg's value, register
 * 1 of rm's file rm's (the same value twice when reg = rm). */
void simd_image_regform_in(uint8_t *img, const uint8_t *orig, const struct simd_regform *f);
/* final, a copy of out (the state after the stub on registers 0 and 1):
 * registers 0 and 1 as they were in orig, then the source operand's and
 * last the destination's result copied to the guest's registers. */
void simd_image_regform_out(uint8_t *final, const uint8_t *out, const uint8_t *orig,
			    const struct simd_regform *f);

/* The forms with XMM0 an implicit operand (PBLENDVB/BLENDVPS/BLENDVPD's
 * mask, SHA256RNDS2's source, PCMPxSTRM's result) run on XMM1 and XMM2:
 * img, a copy of orig, gets XMMn in XMM1 and a register source XMMm
 * (m >= 0; m < 0: a memory form) in XMM2; XMM0 keeps the guest's value. */
void simd_image_scratch_in(uint8_t *img, const uint8_t *orig, unsigned n, int m);
/* final, a copy of the state after the stub: XMM1 and XMM2 (m >= 0) as in
 * orig; XMM0 as the stub left it. */
void simd_image_scratch_restore(uint8_t *final, const uint8_t *orig, int m);
/* PBLENDVB & co.: final, a copy of out (after the stub on XMM1): XMM1 and
 * XMM2 as in orig, then XMMn the result. */
void simd_image_blendv_out(uint8_t *final, const uint8_t *out, const uint8_t *orig,
			   unsigned n, int m);

#endif
