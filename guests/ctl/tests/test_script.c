/*
 * Host unit tests for the boot command line and script= splitting
 * (guests/ctl/script.c). Built by `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/ctl_boot.h"
#include "guests/ctl/cli.h"

static void expect_cmdline_value(const char *cmdline, const char *key, const char *value)
{
	char out[256];

	assert_int_equal(cli_cmdline_value(cmdline, key, out, sizeof(out)), 1);
	assert_string_equal(out, value);
}

static void test_value_forms(void **state)
{
	(void)state;
	/* As written in grub.cfg, and as GRUB passes it (quoted, escaped). */
	expect_cmdline_value("ctl script=\"help; modules\"", "script", "help; modules");
	expect_cmdline_value("ctl \"script=help; modules\"", "script", "help; modules");
	expect_cmdline_value("\"script=echo \\\"a;b\\\"; help\"", "script",
		     "echo \"a;b\"; help");
	expect_cmdline_value("script='echo \"x y\"'", "script", "echo \"x y\"");
	expect_cmdline_value("a=1 script=mem b=2", "script", "mem");
	expect_cmdline_value("script=", "script", "");
	/* The first occurrence wins. */
	expect_cmdline_value("script=one script=two", "script", "one");
}

static void test_value_absent(void **state)
{
	char out[64] = "untouched";

	(void)state;
	assert_int_equal(cli_cmdline_value("", "script", out, sizeof(out)), 0);
	assert_int_equal(cli_cmdline_value("ctl", "script", out, sizeof(out)), 0);
	assert_int_equal(cli_cmdline_value("scripts=x noscript=y script", "script",
					   out, sizeof(out)), 0);
	assert_string_equal(out, "untouched");
}

static void test_value_errors(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(cli_cmdline_value("script=\"help", "script", out,
					   sizeof(out)), -1);
	assert_int_equal(cli_cmdline_value("script=12345678", "script", out,
					   sizeof(out)), -1);
	assert_int_equal(cli_cmdline_value("script=1234567", "script", out,
					   sizeof(out)), 1);
	assert_string_equal(out, "1234567");
}

/* Splits script and checks the commands against want (NULL-terminated). */
static void expect_split(const char *script, const char *const *want)
{
	const char *cursor = script;
	char cmd[64];
	int i = 0;

	for (; want[i]; i++) {
		assert_int_equal(cli_script_next(&cursor, cmd, sizeof(cmd)), 1);
		assert_string_equal(cmd, want[i]);
	}
	assert_int_equal(cli_script_next(&cursor, cmd, sizeof(cmd)), 0);
	assert_int_equal(cli_script_next(&cursor, cmd, sizeof(cmd)), 0);
}

#define SPLIT(script, ...) do { \
	static const char *const w_[] = { __VA_ARGS__, NULL }; \
	expect_split(script, w_); \
} while (0)

static void test_split_basic(void **state)
{
	static const char *const none[] = { NULL };

	(void)state;
	SPLIT("help", "help");
	SPLIT("help; modules", "help", "modules");
	SPLIT("  echo a b ;mem;  exit 3  ", "echo a b", "mem", "exit 3");
	expect_split("", none);
	expect_split(" ;; ; ", none);
	SPLIT(";;a;;b;", "a", "b");
}

static void test_split_respects_quotes(void **state)
{
	(void)state;
	SPLIT("echo \"a;b\"; help", "echo \"a;b\"", "help");
	SPLIT("echo 'x;y' z; mem", "echo 'x;y' z", "mem");
	SPLIT("echo a\\;b; mem", "echo a\\;b", "mem");
	SPLIT("echo \"q\\\";\"; mem", "echo \"q\\\";\"", "mem");
	/* An unterminated quote runs to the end; the tokenizer reports it. */
	SPLIT("echo \"a; b", "echo \"a; b");
}

static void test_split_too_long(void **state)
{
	const char *script = "echo short; echo 0123456789; mem";
	const char *cursor = script;
	char cmd[12];

	(void)state;
	assert_int_equal(cli_script_next(&cursor, cmd, sizeof(cmd)), 1);
	assert_string_equal(cmd, "echo short");
	assert_int_equal(cli_script_next(&cursor, cmd, sizeof(cmd)), -1);
	assert_int_equal(cli_script_next(&cursor, cmd, sizeof(cmd)), 1);
	assert_string_equal(cmd, "mem");
	assert_int_equal(cli_script_next(&cursor, cmd, sizeof(cmd)), 0);
}

/* A script file: lines are commands, '#' starts a comment line, blank
 * lines and CR LF endings are fine, ';' still splits within a line. */
static void test_split_file_lines(void **state)
{
	(void)state;
	SPLIT("# set up\nvm create 4\n\n  # indented comment\n"
	      "load 0 flat real 0x10000 real\r\nrun 0; echo done\n",
	      "vm create 4", "load 0 flat real 0x10000 real", "run 0", "echo done");
	/* '#' inside a command is the command's */
	SPLIT("echo a # b\nmem", "echo a # b", "mem");
	/* a line end closes an open quote's command: the next line is whole */
	SPLIT("echo \"a\nmem", "echo \"a", "mem");
	/* a backslash continues the line */
	SPLIT("echo a\\\nb\nmem", "echo a\\\nb", "mem");
	SPLIT("# only a comment", NULL);
}

/* The boot command line holds up to CTL_CMDLINE_BYTES - 1 characters and
 * any number of words: a long script= and a kernel's many options. */
static void test_value_from_a_long_command_line(void **state)
{
	static char cmdline[CTL_CMDLINE_BYTES], out[CTL_CMDLINE_BYTES];
	size_t n;

	(void)state;
	strcpy(cmdline, "ctl");
	for (int i = 0; i < 100; i++)           /* 100 words > CLI_MAX_ARGS */
		strcat(cmdline, " w=1");
	strcat(cmdline, " script=\"");
	n = strlen(cmdline);
	memset(cmdline + n, 'e', sizeof(cmdline) - n - 2);
	cmdline[sizeof(cmdline) - 2] = '"';
	cmdline[sizeof(cmdline) - 1] = '\0';
	assert_int_equal(cli_cmdline_value(cmdline, "script", out, sizeof(out)), 1);
	assert_int_equal(strlen(out), sizeof(cmdline) - n - 2);
	assert_int_equal(out[0], 'e');
	/* one character more than the boot info holds: refused, not cut */
	{
		static char longer[CTL_CMDLINE_BYTES + 1];

		memset(longer, 'x', CTL_CMDLINE_BYTES);
		memcpy(longer, "script=", 7);
		assert_int_equal(cli_cmdline_value(longer, "script", out, sizeof(out)), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_file_lines),
		cmocka_unit_test(test_value_from_a_long_command_line),
		cmocka_unit_test(test_value_forms),
		cmocka_unit_test(test_value_absent),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_split_basic),
		cmocka_unit_test(test_split_respects_quotes),
		cmocka_unit_test(test_split_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
