/*
 * Host test for core/cmdline.c: cmdline_get over "key" and "key=value" words
 * separated by blanks; the last occurrence wins; values are truncated to
 * size-1 and always NUL-terminated.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/cmdline.h"

/* Looks 'key' up through a buffer of exactly 'size' bytes on the heap, so
 * ASan sees any write past it; returns the found flag, value in out. */
static bool get(const char *cmdline, const char *key, size_t size, char *out)
{
	char *buf = size ? malloc(size) : NULL;
	bool found;

	if (buf)
		memset(buf, '#', size);
	found = cmdline_get(cmdline, key, buf, size);
	if (buf) {
		if (found)
			strcpy(out, buf);
		free(buf);
	}
	return found;
}

#define EXPECT(cmdline, key, value) do {                                  \
	char v_[256] = "unset";                                           \
	assert_true(get(cmdline, key, sizeof(v_), v_));                   \
	assert_string_equal(v_, value);                                   \
} while (0)

#define ABSENT(cmdline, key) do {                                         \
	char v_[256] = "unset";                                           \
	assert_false(get(cmdline, key, sizeof(v_), v_));                  \
	assert_string_equal(v_, "unset");                                 \
} while (0)

static void test_present_and_absent(void **state)
{
	static const char *cl = "console=com1 loglevel=7 selftest quiet mem=512M";

	(void)state;
	EXPECT(cl, "console", "com1");
	EXPECT(cl, "loglevel", "7");
	EXPECT(cl, "mem", "512M");       /* last word, no trailing blank */
	ABSENT(cl, "debug");
	ABSENT(cl, "com1");              /* a value is not a key */
	ABSENT(cl, "");                  /* an empty key never matches */
	ABSENT("", "console");
	ABSENT("   \t ", "console");
}

static void test_bare_key(void **state)
{
	(void)state;
	EXPECT("selftest", "selftest", "");
	EXPECT("a selftest b", "selftest", "");
	EXPECT("quiet", "quiet", "");
	EXPECT("empty= x", "empty", "");  /* "key=" is an empty value too */
}

static void test_last_occurrence_wins(void **state)
{
	(void)state;
	EXPECT("log=1 log=2 log=3", "log", "3");
	EXPECT("log=long-first log=s", "log", "s");  /* no leftovers */
	EXPECT("log=1 log", "log", "");
	EXPECT("log log=9", "log", "9");
	EXPECT("x=1 log=a y=2 log=b z=3", "log", "b");
}

static void test_prefix_is_not_a_match(void **state)
{
	(void)state;
	ABSENT("selftest=x", "self");
	ABSENT("selftest", "self");
	ABSENT("self", "selftest");
	ABSENT("sel=1", "self");
	EXPECT("selftest=x self=y", "self", "y");
	EXPECT("self=y selftest=x", "self", "y");
	EXPECT("selftest=x self=y", "selftest", "x");
	ABSENT("xself=1", "self");       /* nor a suffix */
	ABSENT("opt=self=1 a=self", "self");  /* nor inside a value */
	EXPECT("opt=self=1", "opt", "self=1");  /* '=' inside a value stays */
}

static void test_blanks(void **state)
{
	static const char *cl = "\t  a=1\t\tb=2   c=3 \t\n d=4\r\ne=5  \t";

	(void)state;
	EXPECT(cl, "a", "1");
	EXPECT(cl, "b", "2");
	EXPECT(cl, "c", "3");
	EXPECT(cl, "d", "4");
	EXPECT(cl, "e", "5");
	EXPECT("key\tother", "key", "");
	EXPECT("key=v\tother", "key", "v");
}

static void test_truncation(void **state)
{
	char v[16];

	(void)state;
	/* exactly size-1 characters, then NUL, nothing written past 'size' */
	for (size_t size = 1; size <= 10; size++) {
		strcpy(v, "unset");
		assert_true(get("k=abcdefgh rest", "k", size, v));
		assert_int_equal(strlen(v), size - 1 < 8 ? size - 1 : 8);
		assert_memory_equal(v, "abcdefgh", strlen(v));
	}
	assert_true(get("k=abc", "k", 4, v));
	assert_string_equal(v, "abc");
	assert_true(get("k=abcd", "k", 4, v));
	assert_string_equal(v, "abc");
}

static void test_size_zero(void **state)
{
	char guard = '#';

	(void)state;
	/* size 0: nothing written, buf may be NULL; presence still reported */
	assert_true(cmdline_get("k=abc", "k", NULL, 0));
	assert_false(cmdline_get("j=abc", "k", NULL, 0));
	assert_true(cmdline_get("k=abc", "k", &guard, 0));
	assert_int_equal(guard, '#');
}

static void test_null_arguments(void **state)
{
	char v[8] = "unset";

	(void)state;
	assert_false(cmdline_get(NULL, "k", v, sizeof(v)));
	assert_string_equal(v, "unset");
	assert_false(cmdline_get("k=1", NULL, v, sizeof(v)));
	assert_string_equal(v, "unset");
}

/* The whole command line in an allocation of exactly its length: no read
 * past the terminating NUL. */
static void test_no_overread(void **state)
{
	static const char *const lines[] = { "k", "k=", "k=v", "a k", "k ", "x" };

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char *cl = strdup(lines[i]);
		char v[8];

		cmdline_get(cl, "k", v, sizeof(v));
		cmdline_get(cl, "kk", v, sizeof(v));
		free(cl);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_present_and_absent),
		cmocka_unit_test(test_bare_key),
		cmocka_unit_test(test_last_occurrence_wins),
		cmocka_unit_test(test_prefix_is_not_a_match),
		cmocka_unit_test(test_blanks),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_size_zero),
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_no_overread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
