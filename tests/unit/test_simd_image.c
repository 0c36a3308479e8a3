/*
 * test_simd_image.c - registers trading places in an FXSAVE image
 * (core/simd_image.c): XMM0 and XMMn; MM0 and MMn, which are x87 physical
 * registers 0 and n, found by TOP, tags with them; the second trade undoes
 * the first, also after an MMX instruction set TOP to 0; the register
 * forms' copies into registers 0 and 1; BLENDV's into XMM1 and XMM2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/simd_image.h"
#include "core/lib.h"

#define FX_FSW 2
#define FX_FTW 4
#define ST(i) (32 + 16 * (i))
#define XMM(i) (160 + 16 * (i))

static uint8_t img[SIMD_IMAGE_BYTES], orig[SIMD_IMAGE_BYTES];

/* Every byte distinct by position; TOP and the abridged tags as given. */
static void image(unsigned top, uint8_t ftw)
{
	uint16_t fsw = (uint16_t)(top << 11 | 0x80);

	for (unsigned i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 7 + i / 256);
	memcpy(img + FX_FSW, &fsw, sizeof(fsw));
	img[FX_FTW] = ftw;
	memcpy(orig, img, sizeof(img));
}

static void test_xmm(void **state)
{
	(void)state;
	image(3, 0x5a);
	simd_image_trade(img, false, 9);
	assert_memory_equal(img + XMM(0), orig + XMM(9), 16);
	assert_memory_equal(img + XMM(9), orig + XMM(0), 16);
	assert_memory_equal(img, orig, XMM(0));                 /* x87 part, MXCSR */
	assert_memory_equal(img + XMM(1), orig + XMM(1), 16 * 8);
	assert_memory_equal(img + XMM(10), orig + XMM(10), sizeof(img) - XMM(10));
	simd_image_trade(img, false, 9);
	assert_memory_equal(img, orig, sizeof(img));
}

/* TOP 6: MM0 is ST(2), MM5 is ST(7); their tags are bits 0 and 5. */
static void test_mmx_by_top(void **state)
{
	(void)state;
	image(6, 0x01);                 /* R0 valid, R5 empty */
	simd_image_trade(img, true, 5);
	assert_memory_equal(img + ST(2), orig + ST(7), 16);
	assert_memory_equal(img + ST(7), orig + ST(2), 16);
	assert_int_equal(img[FX_FTW], 0x20);
	for (unsigned i = 0; i < 8; i++)
		if (i != 2 && i != 7)
			assert_memory_equal(img + ST(i), orig + ST(i), 16);
	assert_memory_equal(img + XMM(0), orig + XMM(0), sizeof(img) - XMM(0));
	simd_image_trade(img, true, 5);
	assert_memory_equal(img, orig, sizeof(img));
}

/* Physical register i's slot in an image with TOP = top. */
static uint8_t *phys(uint8_t *p, unsigned top, unsigned i)
{
	return p + ST((i + 8 - top) & 7);
}

/* An MMX instruction in between, writing MM0: TOP becomes 0, every tag
 * valid, the registers stay where they are physically. The second trade,
 * by TOP 0, puts the result in MM5 and R0's old value back in MM0. */
static void test_mmx_after_transition(void **state)
{
	uint8_t mid[SIMD_IMAGE_BYTES];
	uint16_t fsw = 0x80;

	(void)state;
	image(6, 0x01);
	simd_image_trade(img, true, 5);
	memcpy(mid, img, sizeof(mid));
	for (unsigned i = 0; i < 8; i++)            /* the same registers, TOP 0 */
		memcpy(phys(img, 0, i), phys(mid, 6, i), 16);
	memcpy(img + FX_FSW, &fsw, sizeof(fsw));
	img[FX_FTW] = 0xff;
	memset(phys(img, 0, 0), 0xee, 16);          /* MM0 = the result */
	simd_image_trade(img, true, 5);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(phys(img, 0, 5)[i], 0xee);
	assert_memory_equal(phys(img, 0, 0), phys(orig, 6, 0), 16);
	for (unsigned i = 1; i < 8; i++)
		if (i != 5)
			assert_memory_equal(phys(img, 0, i), phys(orig, 6, i), 16);
	assert_int_equal(img[FX_FTW], 0xff);
}

/* Register 0 trades with itself: nothing changes; n is taken mod 8 / 16. */
static void test_self(void **state)
{
	(void)state;
	image(4, 0x33);
	simd_image_trade(img, true, 0);
	assert_memory_equal(img, orig, sizeof(img));
	simd_image_trade(img, false, 0);
	assert_memory_equal(img, orig, sizeof(img));
}

/* A register form on the same XMM register twice: both scratch registers
 * get its value; the result goes to it, XMM0 and XMM1 come back. */
static void test_regform_same_register(void **state)
{
	static uint8_t work[SIMD_IMAGE_BYTES], out[SIMD_IMAGE_BYTES];
	const struct simd_regform f = { .reg = 3, .rm = 3 };

	(void)state;
	image(0, 0xff);
	memcpy(work, img, sizeof(work));
	simd_image_regform_in(work, img, &f);
	assert_memory_equal(work + XMM(0), img + XMM(3), 16);
	assert_memory_equal(work + XMM(1), img + XMM(3), 16);
	assert_memory_equal(work + XMM(2), img + XMM(2), 16 * 14);
	memcpy(out, work, sizeof(out));
	memset(out + XMM(0), 0x5a, 16);                 /* the result */
	memcpy(work, out, sizeof(work));
	simd_image_regform_out(work, out, img, &f);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(work[XMM(3) + i], 0x5a);
	assert_memory_equal(work + XMM(0), img + XMM(0), 16 * 3);
	assert_memory_equal(work + XMM(4), img + XMM(4), sizeof(img) - XMM(4));
	assert_memory_equal(work, img, XMM(0));
}

/* MMX, TOP 6, reg MM1 and rm MM0 (the scratch registers crossed): MM1
 * gets the result, MM0 keeps its value; after the instruction TOP is 0. */
static void test_regform_mmx_crossed(void **state)
{
	static uint8_t work[SIMD_IMAGE_BYTES], out[SIMD_IMAGE_BYTES];
	const struct simd_regform f = { .reg_mmx = true, .rm_mmx = true, .reg = 1, .rm = 0 };
	uint16_t fsw0 = 0;

	(void)state;
	image(6, 0xff);
	memcpy(work, img, sizeof(work));
	simd_image_regform_in(work, img, &f);
	assert_memory_equal(phys(work, 6, 0), phys(img, 6, 1), 16);
	assert_memory_equal(phys(work, 6, 1), phys(img, 6, 0), 16);
	for (unsigned i = 0; i < 8; i++)                /* TOP 0 after it */
		memcpy(phys(out, 0, i), phys(work, 6, i), 16);
	memcpy(out, work, 32);
	memcpy(out + 160, work + 160, sizeof(out) - 160);
	memcpy(out + FX_FSW, &fsw0, sizeof(fsw0));
	memset(phys(out, 0, 0), 0x77, 16);              /* MM0 = the result */
	memcpy(work, out, sizeof(work));
	simd_image_regform_out(work, out, img, &f);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(phys(work, 0, 1)[i], 0x77);
	assert_memory_equal(phys(work, 0, 0), phys(img, 6, 0), 16);
	for (unsigned i = 2; i < 8; i++)
		assert_memory_equal(phys(work, 0, i), phys(img, 6, i), 16);
}

/* A store form (rm the destination), MMX to XMM files apart: the result
 * in register 1 goes to rm; reg stays. */
static void test_regform_rm_dest(void **state)
{
	static uint8_t work[SIMD_IMAGE_BYTES], out[SIMD_IMAGE_BYTES];
	const struct simd_regform f = { .rm_dest = true, .reg = 2, .rm = 5 };

	(void)state;
	image(0, 0xff);
	memcpy(work, img, sizeof(work));
	simd_image_regform_in(work, img, &f);
	memcpy(out, work, sizeof(out));
	memset(out + XMM(1), 0x33, 16);
	memcpy(work, out, sizeof(work));
	simd_image_regform_out(work, out, img, &f);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(work[XMM(5) + i], 0x33);
	assert_memory_equal(work + XMM(2), img + XMM(2), 16);
	assert_memory_equal(work + XMM(0), img + XMM(0), 32);
}

/* ModRM.reg a general register (PMOVMSKB eax, xmm7): only rm moves, to
 * XMM1; XMM0 is not touched; after a stub that changed no register the
 * image is what it was. MMX: rm MM0 goes to MM1 and MM0 keeps its value. */
static void test_regform_gpr(void **state)
{
	static uint8_t work[SIMD_IMAGE_BYTES], out[SIMD_IMAGE_BYTES];
	const struct simd_regform f = { .reg_other = true, .reg = 0, .rm = 7 };
	const struct simd_regform m = { .reg_other = true, .rm_mmx = true, .reg = 1, .rm = 0 };

	(void)state;
	image(0, 0xff);
	memcpy(work, img, sizeof(work));
	simd_image_regform_in(work, img, &f);
	assert_memory_equal(work + XMM(1), img + XMM(7), 16);
	assert_memory_equal(work + XMM(0), img + XMM(0), 16);
	assert_memory_equal(work + XMM(2), img + XMM(2), 16 * 14);
	memcpy(out, work, sizeof(out));
	memcpy(work, out, sizeof(work));
	simd_image_regform_out(work, out, img, &f);
	assert_memory_equal(work, img, sizeof(img));
	image(3, 0xff);
	memcpy(work, img, sizeof(work));
	simd_image_regform_in(work, img, &m);
	assert_memory_equal(phys(work, 3, 1), phys(img, 3, 0), 16);
	assert_memory_equal(phys(work, 3, 0), phys(img, 3, 0), 16);
	memcpy(out, work, sizeof(out));
	memcpy(work, out, sizeof(work));
	simd_image_regform_out(work, out, img, &m);
	assert_memory_equal(work, img, sizeof(img));
}

/* BLENDV (XMM0 the mask): for every destination n and register source m
 * (or memory, m = -1), the stub sees XMM0 = the guest's XMM0, XMM1 = XMMn,
 * XMM2 = XMMm; afterwards only XMMn changed, to the stub's XMM1. */
static void test_blendv(void **state)
{
	static uint8_t work[SIMD_IMAGE_BYTES], out[SIMD_IMAGE_BYTES];

	(void)state;
	for (unsigned n = 0; n < 16; n++)
		for (int m = -1; m < 16; m++) {
			image(0, 0);
			memcpy(work, orig, sizeof(work));
			simd_image_scratch_in(work, orig, n, m);
			assert_memory_equal(work + XMM(0), orig + XMM(0), 16);
			assert_memory_equal(work + XMM(1), orig + XMM(n), 16);
			if (m >= 0)
				assert_memory_equal(work + XMM(2), orig + XMM(m), 16);
			else
				assert_memory_equal(work + XMM(2), orig + XMM(2), 16);
			assert_memory_equal(work + XMM(3), orig + XMM(3), sizeof(work) - XMM(3));
			/* the stub: a result in XMM1, XMM0 and XMM2 as they were */
			memcpy(out, work, sizeof(out));
			memset(out + XMM(1), 0xE1, 16);
			memcpy(img, out, sizeof(img));
			simd_image_blendv_out(img, out, orig, n, m);
			for (unsigned r = 0; r < 16; r++) {
				if (r == n) {
					for (unsigned b = 0; b < 16; b++)
						assert_int_equal(img[XMM(r) + b], 0xE1);
				} else {
					assert_memory_equal(img + XMM(r), orig + XMM(r), 16);
				}
			}
			assert_memory_equal(img, orig, XMM(0));
		}
}

/* PCMPxSTRx (XMM0 their ...M forms' result): the same registers in; the
 * stub writes XMM0 (the mask) and leaves XMM1 and XMM2, which the
 * instruction only reads, as they were; afterwards XMM0 is the stub's,
 * every other register the guest's (XMMn and XMMm too, n or m 0 as
 * well: the result wins over a source). */
static void test_strcmp_scratch(void **state)
{
	static uint8_t work[SIMD_IMAGE_BYTES];

	(void)state;
	for (unsigned n = 0; n < 16; n++)
		for (int m = -1; m < 16; m++) {
			image(0, 0);
			memcpy(work, orig, sizeof(work));
			simd_image_scratch_in(work, orig, n, m);
			memset(work + XMM(0), 0xE0, 16);
			simd_image_scratch_restore(work, orig, m);
			for (unsigned b = 0; b < 16; b++)
				assert_int_equal(work[XMM(0) + b], 0xE0);
			assert_memory_equal(work + XMM(1), orig + XMM(1), sizeof(work) - XMM(1));
			assert_memory_equal(work, orig, XMM(0));
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xmm),
		cmocka_unit_test(test_mmx_by_top),
		cmocka_unit_test(test_mmx_after_transition),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_regform_same_register),
		cmocka_unit_test(test_regform_mmx_crossed),
		cmocka_unit_test(test_regform_rm_dest),
		cmocka_unit_test(test_regform_gpr),
		cmocka_unit_test(test_blendv),
		cmocka_unit_test(test_strcmp_scratch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
