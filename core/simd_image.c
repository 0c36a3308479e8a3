/*
 * Registers trading places in an FXSAVE image (core/simd_image.h).
 *
 * MMX register n is x87 physical register n (SDM Vol. 1 9.2.1), which the
 * image holds as ST((n - TOP) mod 8), 16 bytes from offset 32, with its
 * tag in bit n of the abridged tag word at offset 4 (Vol. 2 FXSAVE):
 * contents and tag move together, by the TOP the image shows. An MMX
 * instruction between two trades sets TOP to 0 and every tag valid (Vol.
 * 1 9.5.1), as it would have in the guest; the second trade, by the new
 * TOP, still swaps the same physical registers.
 */
#include "core/simd_image.h"
#include "core/lib.h"

#define FX_FSW  2
#define FX_FTW  4
#define FX_ST   32
#define FX_XMM  160
#define REG     16              /* bytes per register slot */

static void swap_slots(uint8_t *a, uint8_t *b)
{
	uint8_t t[REG];

	memcpy(t, a, REG);
	memcpy(a, b, REG);
	memcpy(b, t, REG);
}

void simd_image_trade(uint8_t *img, bool mmx, unsigned n)
{
	unsigned top, tag0, tagn;
	uint16_t fsw;

	if (!mmx) {
		swap_slots(img + FX_XMM, img + FX_XMM + REG * (n & 15));
		return;
	}
	n &= 7;
	memcpy(&fsw, img + FX_FSW, sizeof(fsw));
	top = (fsw >> 11) & 7;
	swap_slots(img + FX_ST + REG * ((8 - top) & 7), img + FX_ST + REG * ((n + 8 - top) & 7));
	tag0 = img[FX_FTW] & 1u;
	tagn = (img[FX_FTW] >> n) & 1u;
	img[FX_FTW] = (uint8_t)((img[FX_FTW] & ~(1u | 1u << n)) | tagn | tag0 << n);
}

uint8_t *simd_image_reg(uint8_t *img, bool mmx, unsigned n)
{
	uint16_t fsw;

	if (!mmx)
		return img + FX_XMM + REG * (n & 15);
	memcpy(&fsw, img + FX_FSW, sizeof(fsw));
	return img + FX_ST + REG * (((n & 7) + 8 - ((fsw >> 11) & 7)) & 7);
}

/* Copies are made whole (16 bytes): an MMX slot's exponent bits too. */
static void copy_reg(uint8_t *dst, bool dst_mmx, unsigned d, uint8_t *src, bool src_mmx,
		     unsigned s)
{
	memcpy(simd_image_reg(dst, dst_mmx, d), simd_image_reg(src, src_mmx, s), REG);
}

void simd_image_scratch_in(uint8_t *img, const uint8_t *orig, unsigned n, int m)
{
	uint8_t *o = (uint8_t *)orig;   /* read only */

	copy_reg(img, false, 1, o, false, n);
	if (m >= 0)
		copy_reg(img, false, 2, o, false, (unsigned)m);
}

void simd_image_scratch_restore(uint8_t *final, const uint8_t *orig, int m)
{
	uint8_t *o = (uint8_t *)orig;   /* read only */

	copy_reg(final, false, 1, o, false, 1);
	if (m >= 0)
		copy_reg(final, false, 2, o, false, 2);
}

void simd_image_blendv_out(uint8_t *final, const uint8_t *out, const uint8_t *orig,
			   unsigned n, int m)
{
	uint8_t *u = (uint8_t *)out;    /* read only */

	simd_image_scratch_restore(final, orig, m);
	copy_reg(final, false, n, u, false, 1);
}

void simd_image_regform_in(uint8_t *img, const uint8_t *orig, const struct simd_regform *f)
{
	uint8_t *o = (uint8_t *)orig;   /* read only */

	if (!f->reg_other)
		copy_reg(img, f->reg_mmx, 0, o, f->reg_mmx, f->reg);
	copy_reg(img, f->rm_mmx, 1, o, f->rm_mmx, f->rm);
}

void simd_image_regform_out(uint8_t *final, const uint8_t *out, const uint8_t *orig,
			    const struct simd_regform *f)
{
	uint8_t *o = (uint8_t *)orig, *u = (uint8_t *)out;     /* read only */

	if (!f->reg_other)
		copy_reg(final, f->reg_mmx, 0, o, f->reg_mmx, 0);
	copy_reg(final, f->rm_mmx, 1, o, f->rm_mmx, 1);
	if (f->reg_other) {
		copy_reg(final, f->rm_mmx, f->rm, u, f->rm_mmx, 1);
	} else if (f->rm_dest) {
		copy_reg(final, f->reg_mmx, f->reg, u, f->reg_mmx, 0);
		copy_reg(final, f->rm_mmx, f->rm, u, f->rm_mmx, 1);
	} else {
		copy_reg(final, f->rm_mmx, f->rm, u, f->rm_mmx, 1);
		copy_reg(final, f->reg_mmx, f->reg, u, f->reg_mmx, 0);
	}
}
