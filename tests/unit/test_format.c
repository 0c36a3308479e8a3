/*
 * Host test for core/format.c: fmt_snprintf must agree with the C library's
 * snprintf, byte for byte and in its return value, over generated tables of
 * conversions x flags x widths x precisions x length modifiers x values, plus
 * the cases where we define the behaviour ourselves ("(null)", unknown
 * conversions, %p of NULL). Formats are built at run time, so the compiler's
 * format checking is deliberately out of the way here.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <cmocka.h>

#include "core/format.h"

#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
/* the odd formats below (unknown conversions, trailing '%', NULL %s) are the
 * point of the test */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat-overflow"

#define OUT_BYTES 512
#define MAX_REPORTS 25

static unsigned long checks, failures;

/*
 * Formats one value with both implementations and records a mismatch.
 * Compares the full return values and every produced byte (a %c of NUL
 * included), plus the terminating NUL.
 */
static void compare_v(const char *fmt, ...)
{
	char want[OUT_BYTES], got[OUT_BYTES];
	va_list ap, ap2;

	memset(want, 0x5a, sizeof(want));
	memset(got, 0x5a, sizeof(got));
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int wn = vsnprintf(want, sizeof(want), fmt, ap);
	size_t gn = fmt_vsnprintf(got, sizeof(got), fmt, ap2);
	va_end(ap2);
	va_end(ap);

	checks++;
	assert_true(wn >= 0 && wn < OUT_BYTES);
	if (gn != (size_t)wn || memcmp(want, got, (size_t)wn + 1) != 0) {
		if (failures++ < MAX_REPORTS)
			print_error("format \"%s\": libc \"%s\" (%d), fmt \"%s\" (%zu)\n",
				    fmt, want, wn, got, gn);
	}
}

static void expect_none_failed(void)
{
	if (failures)
		print_error("%lu of %lu comparisons differ\n", failures, checks);
	assert_int_equal(failures, 0);
}

static int reset(void **state)
{
	(void)state;
	checks = failures = 0;
	return 0;
}

/* ---- generated integer formats ------------------------------------------ */

static const char *const widths[] = { "", "1", "5", "12", "25" };
static const char *const precisions[] = { "", ".", ".0", ".1", ".3", ".20" };

/* Every subset of the flags that is defined for 'conv' (C11 7.21.6.1p6:
 * '#' only for o x X; '+' and ' ' are signed-only but harmless elsewhere). */
static size_t flag_sets(char conv, char out[][8])
{
	static const char all[] = "-0+ #";
	size_t n = 0;

	for (unsigned mask = 0; mask < 32; mask++) {
		char *p = out[n];

		if ((mask & 16) && !strchr("oxX", conv))
			continue;
		for (unsigned b = 0; b < 5; b++)
			if (mask & (1u << b))
				*p++ = all[b];
		*p = 0;
		n++;
	}
	return n;
}

enum argkind { ARG_INT, ARG_LONG, ARG_LLONG };

struct lenmod {
	const char *mod;
	enum argkind kind;
};

static const struct lenmod lenmods[] = {
	{ "", ARG_INT }, { "hh", ARG_INT }, { "h", ARG_INT }, { "l", ARG_LONG },
	{ "ll", ARG_LLONG }, { "z", ARG_LONG }, { "j", ARG_LONG }, { "t", ARG_LONG },
};

static const long long values[] = {
	0, 1, -1, 7, -7, 8, 42, -42, 255, -255, 256, 4096, 65535, -32768,
	123456789, -987654321, INT_MAX, INT_MIN, (long long)UINT_MAX,
	0x80000000LL, 0x123456789abcdefLL, -1234567890123LL,
	LLONG_MAX, LLONG_MIN,
};

static void run_integer_table(const char *convs)
{
	char flags[32][8], fmt[64];

	for (const char *c = convs; *c; c++) {
		size_t nflags = flag_sets(*c, flags);
		bool is_signed = *c == 'd' || *c == 'i';

		for (size_t l = 0; l < sizeof(lenmods) / sizeof(lenmods[0]); l++)
		for (size_t f = 0; f < nflags; f++)
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
		for (size_t p = 0; p < sizeof(precisions) / sizeof(precisions[0]); p++) {
			snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s%c]", flags[f],
				 widths[w], precisions[p], lenmods[l].mod, *c);
			for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
				long long x = values[v];

				switch (lenmods[l].kind) {
				case ARG_INT:
					if (is_signed)
						compare_v(fmt, (int)x);
					else
						compare_v(fmt, (unsigned)x);
					break;
				case ARG_LONG:
					if (is_signed)
						compare_v(fmt, (long)x);
					else
						compare_v(fmt, (unsigned long)x);
					break;
				case ARG_LLONG:
					if (is_signed)
						compare_v(fmt, x);
					else
						compare_v(fmt, (unsigned long long)x);
					break;
				}
			}
		}
	}
}

static void test_signed_table(void **state)
{
	(void)state;
	run_integer_table("di");
	expect_none_failed();
}

static void test_unsigned_table(void **state)
{
	(void)state;
	run_integer_table("uxXo");
	expect_none_failed();
}

/* ---- the corners named one by one ---------------------------------------- */

static void test_integer_corners(void **state)
{
	(void)state;
	compare_v("%lld|%lli", (long long)INT64_MIN, (long long)INT64_MIN);
	compare_v("%ld|%lx", (long)INT64_MIN, (unsigned long)INT64_MIN);
	compare_v("%llu|%llx|%llo", (unsigned long long)UINT64_MAX,
		  (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX);
	compare_v("%d|%d", INT_MIN, INT_MAX);
	compare_v("[%.0d][%.0u][%.0x][%.0o][%5.0d]", 0, 0u, 0u, 0u, 0);
	compare_v("[%#x][%#X][%#o][%#.0x][%#.0o][%#5x]", 0u, 0u, 0u, 0u, 0u, 0u);
	compare_v("[%#x][%#X][%#o][%#08x][%#-8x|]", 255u, 255u, 8u, 255u, 255u);
	compare_v("[%#.3o][%#.1o][%#5.3o][%#o]", 8u, 8u, 8u, 01234u);
	compare_v("[%hhd][%hhu][%hhx][%hd][%hu]", 300, 300u, 0x1ffu, 70000, 70000u);
	compare_v("[%hhd][%hd][%hhu][%hu]", -129, -32769, -1, -1);
	compare_v("[%zu][%zd][%zx]", (size_t)SIZE_MAX, (ssize_t)-5, (size_t)0xabc);
	compare_v("[%jd][%td]", (intmax_t)INT64_MIN, (ptrdiff_t)-77);
	compare_v("[%+d][% d][%+ d][% +d][%+d][% d]", 5, 5, 5, 5, -5, -5);
	compare_v("[%-05d][%0-5d][%-+5d]", 42, 42, 42);
	compare_v("[%05d][%05d][% 05d][%+05d][%05.1d]", -42, 42, 42, 42, 42);
	compare_v("%d%%%u%%%%", 1, 2u);
	compare_v("[%i][%5i][%-5i]", -3, -3, -3);
	expect_none_failed();
}

static void test_star_width_precision(void **state)
{
	(void)state;
	compare_v("[%*d]", 6, 42);
	compare_v("[%*d]", -6, 42);             /* negative width: '-' flag */
	compare_v("[%-*d]", -6, 42);
	compare_v("[%0*d]", -6, 42);
	compare_v("[%.*d]", 4, 42);
	compare_v("[%.*d]", -4, 42);            /* negative precision: none */
	compare_v("[%.*d]", 0, 0);
	compare_v("[%*.*d]", 8, 4, -42);
	compare_v("[%*.*d]", -8, 4, -42);
	compare_v("[%*.*x]", 10, 6, 0xbeefu);
	compare_v("[%*s]", 7, "abc");
	compare_v("[%*s]", -7, "abc");
	compare_v("[%.*s]", 2, "abcdef");
	compare_v("[%.*s]", -1, "abcdef");
	compare_v("[%*.*s]", -6, 3, "abcdef");
	compare_v("[%*c]", 3, 'z');
	compare_v("[%*c]", -3, 'z');
	compare_v("[%0*lld]", 25, (long long)INT64_MIN);
	compare_v("[%-*.*llx]", 20, 18, (unsigned long long)0x1234);
	expect_none_failed();
}

static void test_strings_and_chars(void **state)
{
	static const char *const fmts[] = {
		"[%s]", "[%10s]", "[%-10s]", "[%.0s]", "[%.2s]", "[%.10s]",
		"[%5.2s]", "[%-5.2s]", "[%1s]", "[%.s]", "[%-1.1s]", "[%30s]",
	};
	static const char *const strs[] = {
		"", "a", "hello", "hello, world!", "tab\there", "%d%s%n",
		"a rather long string of more than thirty characters",
	};
	static const char *const cfmts[] = { "[%c]", "[%3c]", "[%-3c]", "[%1c]" };
	static const int chars[] = { 'a', 'Z', '%', ' ', '\n', 0, 0x7f, 0x141 };

	(void)state;
	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
		for (size_t s = 0; s < sizeof(strs) / sizeof(strs[0]); s++)
			compare_v(fmts[f], strs[s]);
	for (size_t f = 0; f < sizeof(cfmts) / sizeof(cfmts[0]); f++)
		for (size_t c = 0; c < sizeof(chars) / sizeof(chars[0]); c++)
			compare_v(cfmts[f], chars[c]);   /* NUL byte included */
	compare_v("%c%c%c", 'a', 0, 'b');
	expect_none_failed();
}

/* With a precision, %s reads no further than it prints (C11 7.21.6.1p8):
 * the array need not be NUL-terminated. ASan sees any over-read. */
static void test_precision_string_not_terminated(void **state)
{
	char *s = malloc(3);
	char buf[16];

	(void)state;
	memcpy(s, "abc", 3);
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%.3s", s), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%.2s|", s), 3);
	assert_string_equal(buf, "ab|");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%-6.3s|", s), 7);
	assert_string_equal(buf, "abc   |");
	free(s);
}

static void test_pointers(void **state)
{
	static const char *const fmts[] = { "[%p]", "[%20p]", "[%-20p]", "[%1p]" };
	static const uintptr_t ptrs[] = {
		1, 0x1000, 0xdeadbeef, 0x7fffffffe000, 0xffff800000001000,
		UINTPTR_MAX,
	};

	(void)state;
	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
		for (size_t p = 0; p < sizeof(ptrs) / sizeof(ptrs[0]); p++)
			compare_v(fmts[f], (void *)ptrs[p]);
	expect_none_failed();

	/* glibc prints "(nil)" for NULL; we print the number */
	char buf[32];
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%p", (void *)0), 3);
	assert_string_equal(buf, "0x0");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "[%6p]", (void *)0), 8);
	assert_string_equal(buf, "[   0x0]");
}

static void test_null_string(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", (char *)NULL), 6);
	assert_string_equal(buf, "(null)");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "[%8s]", (char *)NULL), 10);
	assert_string_equal(buf, "[  (null)]");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "[%-8s]", (char *)NULL), 10);
	assert_string_equal(buf, "[(null)  ]");
}

static void test_unknown_conversion(void **state)
{
	char buf[64];

	(void)state;
	/* printed literally, consuming no argument: the 1 and 2 stay in order */
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%d %y %d", 1, 2), 6);
	assert_string_equal(buf, "1 %y 2");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%q%k%d", 3), 5);
	assert_string_equal(buf, "%q%k3");
	/* a lone '%' at the end of the format stays, and nothing is read past
	 * the terminating NUL */
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "50%"), 3);
	assert_string_equal(buf, "50%");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%%"), 1);
	assert_string_equal(buf, "%");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%"), 1);
	assert_string_equal(buf, "%");
}

/* ---- truncation ----------------------------------------------------------- */

static void test_truncation(void **state)
{
	char buf[32];

	(void)state;
	for (size_t size = 0; size <= 16; size++) {
		memset(buf, '#', sizeof(buf));
		size_t n = fmt_snprintf(buf, size, "value=%d!", 123456);  /* 13 */
		char want[32];

		assert_int_equal(n, 13);
		snprintf(want, sizeof(want), "value=%d!", 123456);
		if (size == 0) {
			assert_int_equal(buf[0], '#');          /* untouched */
		} else {
			size_t len = size - 1 < 13 ? size - 1 : 13;

			assert_memory_equal(buf, want, len);
			assert_int_equal(buf[len], 0);           /* terminated */
			for (size_t i = len + 1; i < sizeof(buf); i++)
				assert_int_equal(buf[i], '#');   /* nothing past it */
		}
	}
}

static void test_size_zero_and_one(void **state)
{
	char one[1] = { 'x' };

	(void)state;
	/* size 0: buf may be NULL; only the length is computed */
	assert_int_equal(fmt_snprintf(NULL, 0, "%s-%d", "abc", 12345), 9);
	assert_int_equal(fmt_snprintf(NULL, 0, ""), 0);
	/* size 1: just the NUL */
	assert_int_equal(fmt_snprintf(one, 1, "%s", "abc"), 3);
	assert_int_equal(one[0], 0);
	one[0] = 'x';
	assert_int_equal(fmt_snprintf(one, 1, ""), 0);
	assert_int_equal(one[0], 0);
}

static void test_truncation_matches_libc(void **state)
{
	static const char *const fmt = "%-12s|%08.3x|%+lld|%c";

	(void)state;
	for (size_t size = 1; size < 48; size++) {
		char want[48], got[48];

		memset(want, 0, sizeof(want));
		memset(got, 0, sizeof(got));
		int wn = snprintf(want, size, fmt, "name", 0xabcu, -99LL, 'q');
		size_t gn = fmt_snprintf(got, size, fmt, "name", 0xabcu, -99LL, 'q');

		assert_int_equal(gn, (size_t)wn);
		assert_memory_equal(want, got, sizeof(want));
	}
}

/* ---- fmt_vformat --------------------------------------------------------- */

struct sink {
	char buf[64];
	size_t n;
};

static void sink_putc(void *ctx, char c)
{
	struct sink *s = ctx;

	assert_true(s->n < sizeof(s->buf));
	s->buf[s->n++] = c;
}

static size_t vformat(struct sink *s, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vformat(sink_putc, s, fmt, ap);
	va_end(ap);
	return n;
}

static void test_vformat_callback(void **state)
{
	struct sink s = { .n = 0 };

	(void)state;
	assert_int_equal(vformat(&s, "a%cb%5s", 0, "xy"), 8);
	assert_int_equal(s.n, 8);
	assert_memory_equal(s.buf, "a\0b   xy", 8);     /* one call per char */
	s.n = 0;
	assert_int_equal(vformat(&s, ""), 0);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_signed_table, reset),
		cmocka_unit_test_setup(test_unsigned_table, reset),
		cmocka_unit_test_setup(test_integer_corners, reset),
		cmocka_unit_test_setup(test_star_width_precision, reset),
		cmocka_unit_test_setup(test_strings_and_chars, reset),
		cmocka_unit_test(test_precision_string_not_terminated),
		cmocka_unit_test_setup(test_pointers, reset),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_unknown_conversion),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_size_zero_and_one),
		cmocka_unit_test(test_truncation_matches_libc),
		cmocka_unit_test(test_vformat_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
