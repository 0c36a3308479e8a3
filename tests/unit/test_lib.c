/*
 * Host test for core/lib.c's memcpy and memset: every length 0..80 at every
 * source/destination misalignment 0..7, against a byte-by-byte reference,
 * with guard bytes around the destination. The exit path's copies are
 * short (instruction bytes, MMIO data, page-table entries), so the word
 * tails are what matters. lib.c is included with its functions renamed, so
 * that the host C library stays in charge of the test itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#define memcpy hv_memcpy
#define memmove hv_memmove
#define memset hv_memset
#define memcmp hv_memcmp
#define strlen hv_strlen
#define strnlen hv_strnlen
#define strcmp hv_strcmp
#define strncmp hv_strncmp
#include "core/lib.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp

#define MAXLEN 80
#define GUARD 16

static void test_memcpy_lengths_and_alignments(void **state)
{
	(void)state;
	uint8_t src[MAXLEN + 8], dst[MAXLEN + 8 + 2 * GUARD];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 1);
	for (size_t n = 0; n <= MAXLEN; n++)
		for (unsigned sa = 0; sa < 8; sa++)
			for (unsigned da = 0; da < 8; da++) {
				memset(dst, 0xee, sizeof(dst));
				void *r = hv_memcpy(dst + GUARD + da, src + sa, n);
				assert_ptr_equal(r, dst + GUARD + da);
				for (size_t i = 0; i < sizeof(dst); i++) {
					size_t lo = GUARD + da;
					uint8_t want = (i >= lo && i < lo + n) ?
						       src[sa + i - lo] : 0xee;
					assert_int_equal(dst[i], want);
				}
			}
}

static void test_memset_lengths_and_alignments(void **state)
{
	(void)state;
	uint8_t dst[MAXLEN + 8 + 2 * GUARD];

	for (size_t n = 0; n <= MAXLEN; n++)
		for (unsigned da = 0; da < 8; da++) {
			memset(dst, 0xee, sizeof(dst));
			void *r = hv_memset(dst + GUARD + da, 0x5a, n);
			assert_ptr_equal(r, dst + GUARD + da);
			for (size_t i = 0; i < sizeof(dst); i++) {
				size_t lo = GUARD + da;
				assert_int_equal(dst[i], (i >= lo && i < lo + n) ?
							 0x5a : 0xee);
			}
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy_lengths_and_alignments),
		cmocka_unit_test(test_memset_lengths_and_alignments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
