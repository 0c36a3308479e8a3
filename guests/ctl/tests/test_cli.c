/*
 * Host unit tests for command dispatch, help, the prompt loop and scripts
 * (guests/ctl/cli.c) with a fake command table. Built by `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/tests/fake_io.h"

/* What the fake handlers saw. */
static char calls[1024];

static int record(int argc, char **argv)
{
	size_t n = strlen(calls);

	n += (size_t)snprintf(calls + n, sizeof(calls) - n, "[%d", argc);
	for (int i = 0; i < argc; i++)
		n += (size_t)snprintf(calls + n, sizeof(calls) - n, " <%s>", argv[i]);
	snprintf(calls + n, sizeof(calls) - n, "]");
	return 0;
}

static int record_and_fail(int argc, char **argv)
{
	record(argc, argv);
	return 7;
}

static const struct cli_command set_a[] = {
	{ "zero", "zero", "takes nothing", 0, 0, record },
	{ "two", "two <a> <b>", "takes exactly two", 2, 2, record },
	{ NULL, NULL, NULL, 0, 0, NULL },
};

static const struct cli_command set_b[] = {
	{ "some", "some <x> [y...]", "one or more", 1, CLI_ARGS_ANY, record },
	{ "fail", "fail", "always fails", 0, 0, record_and_fail },
	{ NULL, NULL, NULL, 0, 0, NULL },
};

static const struct cli_command empty_set[] = {
	{ NULL, NULL, NULL, 0, 0, NULL },
};

static const struct cli_command *const sets[] = { set_a, empty_set, set_b, NULL };

static int setup(void **state)
{
	(void)state;
	calls[0] = '\0';
	return 0;
}

static int run(struct fake_io *f, const char *line)
{
	struct cli_io io = fake_io_init(f, NULL, 0);
	char buf[CLI_LINE_BYTES];

	strcpy(buf, line);
	return cli_execute(&io, sets, buf);
}

static void test_find(void **state)
{
	(void)state;
	assert_ptr_equal(cli_find(sets, "zero"), &set_a[0]);
	assert_ptr_equal(cli_find(sets, "fail"), &set_b[1]);
	assert_null(cli_find(sets, "nope"));
	assert_null(cli_find(sets, ""));
	assert_null(cli_find(sets, "zer"));
}

static void test_execute_calls_handler(void **state)
{
	struct fake_io f;

	(void)state;
	assert_int_equal(run(&f, "zero"), 0);
	assert_int_equal(run(&f, "two x \"y z\""), 0);
	assert_int_equal(run(&f, "some 1 2 3 4"), 0);
	assert_string_equal(calls, "[1 <zero>][3 <two> <x> <y z>]"
			    "[5 <some> <1> <2> <3> <4>]");
	assert_string_equal(f.out, "");
	assert_int_equal(run(&f, "fail"), 7);
}

static void test_execute_empty(void **state)
{
	struct fake_io f;

	(void)state;
	assert_int_equal(run(&f, ""), CLI_EMPTY);
	assert_int_equal(run(&f, "   "), CLI_EMPTY);
	assert_string_equal(f.out, "");
	assert_string_equal(calls, "");
}

static void test_execute_unknown(void **state)
{
	struct fake_io f;

	(void)state;
	assert_int_equal(run(&f, "frobnicate 1 2"), CLI_EUNKNOWN);
	assert_string_equal(f.out, "error: unknown command 'frobnicate' (try 'help')\n");
	assert_string_equal(calls, "");
}

static void test_execute_usage(void **state)
{
	struct fake_io f;

	(void)state;
	assert_int_equal(run(&f, "zero extra"), CLI_EUSAGE);
	assert_string_equal(f.out, "usage: zero\n");
	assert_int_equal(run(&f, "two a"), CLI_EUSAGE);
	assert_string_equal(f.out, "usage: two <a> <b>\n");
	assert_int_equal(run(&f, "two a b c"), CLI_EUSAGE);
	assert_int_equal(run(&f, "some"), CLI_EUSAGE);
	assert_string_equal(f.out, "usage: some <x> [y...]\n");
	assert_string_equal(calls, "");
}

static void test_execute_syntax(void **state)
{
	struct fake_io f;
	char line[CLI_LINE_BYTES] = "some";

	(void)state;
	assert_int_equal(run(&f, "two \"a b"), CLI_ESYNTAX);
	assert_string_equal(f.out, "error: unterminated quote\n");
	for (int i = 0; i < CLI_MAX_ARGS; i++)
		strcat(line, " x");
	assert_int_equal(run(&f, line), CLI_ESYNTAX);
	assert_string_equal(f.out, "error: too many arguments\n");
	assert_string_equal(calls, "");
}

static void test_help(void **state)
{
	struct fake_io f;
	struct cli_io io = fake_io_init(&f, NULL, 0);

	(void)state;
	assert_int_equal(cli_print_help(&io, sets, NULL, NULL), 0);
	assert_string_equal(f.out,
		"  zero                      takes nothing\n"
		"  two <a> <b>               takes exactly two\n"
		"  some <x> [y...]           one or more\n"
		"  fail                      always fails\n");
	fake_io_clear(&f);
	assert_int_equal(cli_print_help(&io, sets, NULL, "two"), 0);
	assert_string_equal(f.out, "usage: two <a> <b>\n  takes exactly two\n");
	fake_io_clear(&f);
	assert_int_equal(cli_print_help(&io, sets, NULL, "x"), CLI_EUNKNOWN);
	assert_string_equal(f.out, "error: unknown command 'x' (try 'help')\n");
}

/* Groups with headings, commands in no group under "Other", long usages
 * on their own lines, help wrapped: nothing passes 80 columns. */
static void test_help_groups_and_width(void **state)
{
	static const char *const first[] = { "two", "zero", NULL };
	static const struct cli_group groups[] = {
		{ "First", first }, { NULL, NULL },
	};
	static const struct cli_command wide[] = {
		{ "w", "w alpha-long-argument-name | w beta-long-argument | "
		  "w gamma-long-argument-name-too",
		  "a help text long enough that it has to be wrapped onto a "
		  "second line to stay within eighty columns", 0, 0, NULL },
		{ NULL, NULL, NULL, 0, 0, NULL },
	};
	const struct cli_command *const wide_sets[] = { wide, NULL };
	struct fake_io f;
	struct cli_io io = fake_io_init(&f, NULL, 0);
	char *line;

	(void)state;
	assert_int_equal(cli_print_help(&io, sets, groups, NULL), 0);
	assert_string_equal(f.out,
		"First:\n"
		"  two <a> <b>               takes exactly two\n"
		"  zero                      takes nothing\n"
		"\nOther:\n"
		"  some <x> [y...]           one or more\n"
		"  fail                      always fails\n");
	fake_io_clear(&f);
	assert_int_equal(cli_print_help(&io, wide_sets, NULL, NULL), 0);
	assert_string_equal(f.out,
		"  w alpha-long-argument-name |\n"
		"  w beta-long-argument |\n"
		"  w gamma-long-argument-name-too\n"
		"                            a help text long enough that it has to be wrapped\n"
		"                            onto a second line to stay within eighty columns\n");
	for (line = f.out; *line; line += strcspn(line, "\n") + 1)
		assert_true(strcspn(line, "\n") <= CLI_HELP_COLUMNS);
}

static void test_readline(void **state)
{
	struct fake_io f;
	struct cli_io io = fake_io_init(&f, "ab\x03zer\bro\r\nnext\n", 0);
	struct line_editor le;
	char buf[CLI_LINE_BYTES];

	(void)state;
	le_init(&le, buf, sizeof(buf));
	assert_int_equal(cli_readline(&io, &le, "> "), 4);
	assert_string_equal(buf, "zero");
	assert_string_equal(f.out, "> ab^C\n> zer\b \bro\n");
	/* The LF of the CR LF does not produce an empty line. */
	assert_int_equal(cli_readline(&io, &le, "> "), 4);
	assert_string_equal(buf, "next");
	assert_int_equal(cli_readline(&io, &le, "> "), -1);
}

static void test_interactive_until_eof(void **state)
{
	struct fake_io f;
	struct cli_io io = fake_io_init(&f, "zero\rnope\r\rtwo 1\r", 0);

	(void)state;
	cli_interactive(&io, sets);
	assert_string_equal(calls, "[1 <zero>]");
	assert_string_equal(f.out,
		CLI_PROMPT "zero\n"
		CLI_PROMPT "nope\nerror: unknown command 'nope' (try 'help')\n"
		CLI_PROMPT "\n"
		CLI_PROMPT "two 1\nusage: two <a> <b>\n"
		CLI_PROMPT);
}

static void test_run_script(void **state)
{
	struct fake_io f;
	struct cli_io io = fake_io_init(&f, NULL, 0);

	(void)state;
	assert_int_equal(cli_run_script(&io, sets,
		"zero; two a 'b;c' ;; nope; fail ; some \"1 2\"", true), 2);
	assert_string_equal(calls, "[1 <zero>][3 <two> <a> <b;c>][1 <fail>]"
			    "[2 <some> <1 2>]");
	assert_string_equal(f.out,
		CLI_PROMPT "zero\n"
		CLI_PROMPT "two a 'b;c'\n"
		CLI_PROMPT "nope\nerror: unknown command 'nope' (try 'help')\n"
		CLI_PROMPT "fail\n"
		CLI_PROMPT "some \"1 2\"\n");
	fake_io_clear(&f);
	assert_int_equal(cli_run_script(&io, sets, "", false), 0);
	assert_string_equal(f.out, "");
}

/* Without keep_going the first failure ends the script. */
static void test_run_script_stops_at_failure(void **state)
{
	struct fake_io f;
	struct cli_io io = fake_io_init(&f, NULL, 0);

	(void)state;
	assert_int_equal(cli_run_script(&io, sets, "zero; fail; zero", false), 1);
	assert_string_equal(calls, "[1 <zero>][1 <fail>]");
	assert_string_equal(f.out, CLI_PROMPT "zero\n" CLI_PROMPT "fail\n");
}

static void test_run_script_too_long(void **state)
{
	struct fake_io f;
	struct cli_io io = fake_io_init(&f, NULL, 0);
	char script[2 * CLI_LINE_BYTES] = "zero; echo ";

	(void)state;
	memset(script + strlen(script), 'x', CLI_LINE_BYTES);
	strcat(script, "; zero");
	assert_int_equal(cli_run_script(&io, sets, script, true), 1);
	assert_string_equal(calls, "[1 <zero>][1 <zero>]");
	assert_non_null(strstr(f.out, "error: script command longer than 255 bytes skipped\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_find, setup),
		cmocka_unit_test_setup(test_execute_calls_handler, setup),
		cmocka_unit_test_setup(test_execute_empty, setup),
		cmocka_unit_test_setup(test_execute_unknown, setup),
		cmocka_unit_test_setup(test_execute_usage, setup),
		cmocka_unit_test_setup(test_execute_syntax, setup),
		cmocka_unit_test_setup(test_help, setup),
		cmocka_unit_test_setup(test_help_groups_and_width, setup),
		cmocka_unit_test_setup(test_readline, setup),
		cmocka_unit_test_setup(test_interactive_until_eof, setup),
		cmocka_unit_test_setup(test_run_script, setup),
		cmocka_unit_test_setup(test_run_script_too_long, setup),
		cmocka_unit_test_setup(test_run_script_stops_at_failure, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
