/*
 * Host unit tests for the line editor state machine (guests/ctl/lineedit.c):
 * what each key does to the line, what is echoed, and when a line ends.
 * Built by `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/tests/fake_io.h"

struct ed {
	struct fake_io f;
	struct cli_io io;
	struct line_editor le;
	char buf[16];
	int lines;              /* LE_LINE events */
	int cancels;            /* LE_CANCEL events */
	char last_line[16];
};

static void ed_init(struct ed *e)
{
	e->io = fake_io_init(&e->f, NULL, 0);
	le_init(&e->le, e->buf, sizeof(e->buf));
	e->lines = e->cancels = 0;
	e->last_line[0] = '\0';
}

/* Feeds n bytes (n = 0: strlen), restarting the editor after each line as
 * cli_readline does. Returns the event of the last byte. */
static enum le_event feed(struct ed *e, const char *keys, size_t n)
{
	enum le_event ev = LE_MORE;

	if (n == 0)
		n = strlen(keys);
	for (size_t i = 0; i < n; i++) {
		ev = le_feed(&e->le, (unsigned char)keys[i], &e->io);
		if (ev == LE_LINE) {
			e->lines++;
			strcpy(e->last_line, e->buf);
			le_start(&e->le);
		} else if (ev == LE_CANCEL) {
			e->cancels++;
			le_start(&e->le);
		}
	}
	return ev;
}

static void test_typing_and_cr(void **state)
{
	struct ed e;

	(void)state;
	ed_init(&e);
	assert_int_equal(feed(&e, "ab", 0), LE_MORE);
	assert_string_equal(e.buf, "ab");
	assert_int_equal(e.le.len, 2);
	assert_int_equal(feed(&e, "c\r", 0), LE_LINE);
	assert_int_equal(e.lines, 1);
	assert_string_equal(e.last_line, "abc");
	assert_string_equal(e.f.out, "abc\n");
}

static void test_lf_alone_ends_a_line(void **state)
{
	struct ed e;

	(void)state;
	ed_init(&e);
	assert_int_equal(feed(&e, "help\n", 0), LE_LINE);
	assert_string_equal(e.last_line, "help");
}

static void test_crlf_is_one_line(void **state)
{
	struct ed e;

	(void)state;
	ed_init(&e);
	feed(&e, "a\r\nb\r\n", 0);
	assert_int_equal(e.lines, 2);
	assert_string_equal(e.last_line, "b");
	assert_string_equal(e.f.out, "a\nb\n");
	/* CR CR and LF LF are two lines each; the second one empty. */
	ed_init(&e);
	feed(&e, "x\r\r", 0);
	assert_int_equal(e.lines, 2);
	assert_string_equal(e.last_line, "");
	ed_init(&e);
	feed(&e, "x\n\n", 0);
	assert_int_equal(e.lines, 2);
	/* LF CR: two line ends. */
	ed_init(&e);
	feed(&e, "x\n\r", 0);
	assert_int_equal(e.lines, 2);
}

static void test_backspace_and_delete(void **state)
{
	struct ed e;

	(void)state;
	ed_init(&e);
	feed(&e, "abc\b", 0);
	assert_string_equal(e.buf, "ab");
	feed(&e, "\x7f", 0);
	assert_string_equal(e.buf, "a");
	assert_string_equal(e.f.out, "abc\b \b\b \b");
	feed(&e, "\b\b\b", 0);         /* erasing past the start is a no-op */
	assert_string_equal(e.buf, "");
	assert_int_equal(e.le.len, 0);
	assert_string_equal(e.f.out, "abc\b \b\b \b\b \b");
	feed(&e, "z\r", 0);
	assert_string_equal(e.last_line, "z");
}

static void test_ctrl_u_erases_line(void **state)
{
	struct ed e;

	(void)state;
	ed_init(&e);
	feed(&e, "abc", 0);
	fake_io_clear(&e.f);
	feed(&e, "\x15", 0);
	assert_string_equal(e.buf, "");
	assert_string_equal(e.f.out, "\b \b\b \b\b \b");
	feed(&e, "ok\r", 0);
	assert_string_equal(e.last_line, "ok");
}

static void test_ctrl_c_cancels(void **state)
{
	struct ed e;

	(void)state;
	ed_init(&e);
	assert_int_equal(feed(&e, "abc\x03", 0), LE_CANCEL);
	assert_int_equal(e.cancels, 1);
	assert_int_equal(e.lines, 0);
	assert_string_equal(e.f.out, "abc^C\n");
	feed(&e, "d\r", 0);
	assert_string_equal(e.last_line, "d");
}

static void test_escape_sequences_ignored(void **state)
{
	struct ed e;

	(void)state;
	ed_init(&e);
	feed(&e, "a\x1b[Ab", 0);                /* up arrow */
	feed(&e, "\x1b[1;5Cc", 0);              /* ctrl-right */
	feed(&e, "\x1bOPd", 0);                 /* F1 (SS3) */
	feed(&e, "\x1b" "x", 0);                /* a lone ESC: x is a key */
	feed(&e, "\x1b\x1b[Ce", 0);            /* ESC ESC [ C: one sequence */
	assert_string_equal(e.buf, "abcdxe");
	assert_string_equal(e.f.out, "abcdxe");
}

static void test_other_bytes_ignored(void **state)
{
	struct ed e;
	const char keys[] = { 'a', 0x00, 0x01, 0x07, (char)0x80, (char)0xff,
			      '\t', 'b' };

	(void)state;
	ed_init(&e);
	feed(&e, keys, sizeof(keys));
	assert_string_equal(e.buf, "a b");      /* tab becomes a blank */
	assert_string_equal(e.f.out, "a b");
}

static void test_full_buffer_rings_bell(void **state)
{
	struct ed e;

	(void)state;
	ed_init(&e);
	feed(&e, "0123456789abcde", 0);         /* 15 chars + NUL = 16 */
	assert_int_equal(e.le.len, 15);
	fake_io_clear(&e.f);
	feed(&e, "XY", 0);
	assert_int_equal(e.le.len, 15);
	assert_string_equal(e.f.out, "\a\a");
	/* the dropped characters are not in the line: it is refused whole
	 * (not run cut short), even if edited back under the limit */
	assert_int_equal(feed(&e, "\b!\r", 0), LE_TOOLONG);
	assert_int_equal(e.lines, 0);
	assert_int_equal(e.le.len, 0);
	feed(&e, "ok\r", 0);
	assert_string_equal(e.last_line, "ok");
	/* ^U starts the line afresh */
	feed(&e, "0123456789abcdeXY", 0);
	feed(&e, "\x15" "again\r", 0);
	assert_string_equal(e.last_line, "again");
}

static void test_null_io_is_allowed(void **state)
{
	struct line_editor le;
	char buf[8];

	(void)state;
	le_init(&le, buf, sizeof(buf));
	assert_int_equal(le_feed(&le, 'q', NULL), LE_MORE);
	assert_int_equal(le_feed(&le, '\r', NULL), LE_LINE);
	assert_string_equal(buf, "q");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing_and_cr),
		cmocka_unit_test(test_lf_alone_ends_a_line),
		cmocka_unit_test(test_crlf_is_one_line),
		cmocka_unit_test(test_backspace_and_delete),
		cmocka_unit_test(test_ctrl_u_erases_line),
		cmocka_unit_test(test_ctrl_c_cancels),
		cmocka_unit_test(test_escape_sequences_ignored),
		cmocka_unit_test(test_other_bytes_ignored),
		cmocka_unit_test(test_full_buffer_rings_bell),
		cmocka_unit_test(test_null_io_is_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
