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

#endif
