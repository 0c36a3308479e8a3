/*
 * Host unit tests for the CLI tokenizer (guests/ctl/tokenize.c): words,
 * quoting, escapes and the error cases. Built by `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/cli.h"

#define MAX 8

struct tok {
	char line[CLI_LINE_BYTES];
	char *argv[MAX + 1];
	const char *err;
	int argc;
};

static void tokenize(struct tok *t, const char *line, int max_args)
{
	assert_true(strlen(line) < sizeof(t->line));
	strcpy(t->line, line);
	t->err = "not set";
	t->argc = cli_tokenize(t->line, t->argv, max_args, &t->err);
}

static void expect_words(const char *line, int n, const char *const *words)
{
	struct tok t;

	tokenize(&t, line, MAX);
	assert_null(t.err);
	assert_int_equal(t.argc, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(t.argv[i], words[i]);
	assert_null(t.argv[n]);
}

#define EXPECT(line, ...) do { \
	static const char *const w_[] = { __VA_ARGS__ }; \
	expect_words(line, (int)(sizeof(w_) / sizeof(w_[0])), w_); \
} while (0)

static void expect_error(const char *line, int max_args, const char *err)
{
	struct tok t;

	tokenize(&t, line, max_args);
	assert_int_equal(t.argc, -1);
	assert_non_null(t.err);
	assert_string_equal(t.err, err);
}

static void test_empty(void **state)
{
	struct tok t;

	(void)state;
	tokenize(&t, "", MAX);
	assert_int_equal(t.argc, 0);
	assert_null(t.argv[0]);
	tokenize(&t, "  \t  ", MAX);
	assert_int_equal(t.argc, 0);
	assert_null(t.argv[0]);
}

static void test_plain_words(void **state)
{
	(void)state;
	EXPECT("help", "help");
	EXPECT("echo a b c", "echo", "a", "b", "c");
	EXPECT("  \techo\t\ta   b  ", "echo", "a", "b");
	EXPECT("load hello 0x1000", "load", "hello", "0x1000");
}

static void test_double_quotes(void **state)
{
	(void)state;
	EXPECT("echo \"a b\" c", "echo", "a b", "c");
	EXPECT("echo \"\"", "echo", "");
	EXPECT("echo \"it's\"", "echo", "it's");
	EXPECT("echo \"say \\\"hi\\\"\"", "echo", "say \"hi\"");
	EXPECT("echo \"a;b\"", "echo", "a;b");
}

static void test_single_quotes(void **state)
{
	(void)state;
	EXPECT("echo 'a  b'", "echo", "a  b");
	EXPECT("echo 'back\\slash'", "echo", "back\\slash");
	EXPECT("echo 'say \"hi\"'", "echo", "say \"hi\"");
	EXPECT("echo ''", "echo", "");
}

static void test_adjacent_parts_join(void **state)
{
	(void)state;
	EXPECT("echo a\"b c\"d", "echo", "ab cd");
	EXPECT("echo 'x'\"y\"z", "echo", "xyz");
	EXPECT("script=\"help; mem\"", "script=help; mem");
}

static void test_backslash(void **state)
{
	(void)state;
	EXPECT("echo a\\ b", "echo", "a b");
	EXPECT("echo \\\"", "echo", "\"");
	EXPECT("echo \\\\", "echo", "\\");
	/* GRUB's escaping of module arguments (see script.c). */
	EXPECT("\"script=echo \\\"a;b\\\"; help\"", "script=echo \"a;b\"; help");
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("echo \"abc", MAX, "unterminated quote");
	expect_error("echo 'abc", MAX, "unterminated quote");
	expect_error("echo \"a\\\"", MAX, "unterminated quote");
	expect_error("echo abc\\", MAX, "backslash at end of line");
}

static void test_argument_limit(void **state)
{
	struct tok t;

	(void)state;
	tokenize(&t, "a b c", 3);
	assert_int_equal(t.argc, 3);
	assert_null(t.argv[3]);
	tokenize(&t, "a b c   ", 3);
	assert_int_equal(t.argc, 3);
	expect_error("a b c d", 3, "too many arguments");
}

static void test_in_place_and_bounded(void **state)
{
	struct tok t;

	(void)state;
	tokenize(&t, "ab \"c d\" e", MAX);
	assert_int_equal(t.argc, 3);
	for (int i = 0; i < t.argc; i++) {
		assert_true(t.argv[i] >= t.line);
		assert_true(t.argv[i] + strlen(t.argv[i]) < t.line + sizeof(t.line));
	}
	/* A line filling the whole buffer. */
	char longline[CLI_LINE_BYTES];

	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	tokenize(&t, longline, MAX);
	assert_int_equal(t.argc, 1);
	assert_int_equal(strlen(t.argv[0]), CLI_LINE_BYTES - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_plain_words),
		cmocka_unit_test(test_double_quotes),
		cmocka_unit_test(test_single_quotes),
		cmocka_unit_test(test_adjacent_parts_join),
		cmocka_unit_test(test_backslash),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_argument_limit),
		cmocka_unit_test(test_in_place_and_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
