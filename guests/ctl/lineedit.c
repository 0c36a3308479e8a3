/*
 * Line editor state machine (cli.h): one key in, echo out through cli_io.
 * Runs in the control partition over the UART and on the host in unit tests.
 * The terminal is assumed to be a VT100-like serial console: "\b \b" erases
 * the character left of the cursor.
 */
#include <string.h>

#include "guests/ctl/cli.h"

#define KEY_CTRL_C      0x03
#define KEY_BS          0x08
#define KEY_TAB         0x09
#define KEY_LF          0x0a
#define KEY_CR          0x0d
#define KEY_CTRL_U      0x15
#define KEY_ESC         0x1b
#define KEY_DEL         0x7f

/* Escape sequences: ESC, then '[' (CSI) or 'O' (SS3), then for CSI any
 * parameter bytes 0x20..0x3f up to one final byte 0x40..0x7e. */
enum { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

static void echo(const struct cli_io *io, const char *s, size_t n)
{
	if (io && io->write)
		io->write(io->ctx, s, n);
}

void le_init(struct line_editor *le, char *buf, size_t cap)
{
	le->buf = buf;
	le->cap = cap;
	le->after_cr = false;
	le_start(le);
}

void le_start(struct line_editor *le)
{
	le->len = 0;
	le->esc = ESC_NONE;
	le->overflow = false;
	if (le->cap)
		le->buf[0] = '\0';
}

static void erase_chars(struct line_editor *le, size_t n, const struct cli_io *io)
{
	for (; n && le->len; n--) {
		le->len--;
		echo(io, "\b \b", 3);
	}
	le->buf[le->len] = '\0';
}

/* Returns true if ch was consumed by an escape sequence. */
static bool feed_escape(struct line_editor *le, int ch)
{
	switch (le->esc) {
	case ESC_NONE:
		if (ch != KEY_ESC)
			return false;
		le->esc = ESC_START;
		return true;
	case ESC_START:
		if (ch == KEY_ESC)
			return true;            /* ESC ESC: still one pending */
		if (ch == '[' || ch == 'O') {
			le->esc = ch == '[' ? ESC_CSI : ESC_SS3;
			return true;
		}
		le->esc = ESC_NONE;             /* a lone ESC: the key after */
		return false;                   /* it is an ordinary key */
	case ESC_CSI:
		if (ch >= 0x20 && ch <= 0x3f)
			return true;            /* parameter or intermediate */
		le->esc = ESC_NONE;             /* final byte (or garbage) */
		return true;
	default:                                /* SS3: one final byte */
		le->esc = ESC_NONE;
		return true;
	}
}

enum le_event le_feed(struct line_editor *le, int ch, const struct cli_io *io)
{
	bool after_cr = le->after_cr;

	le->after_cr = false;
	if (le->cap == 0)
		return LE_MORE;
	ch &= 0xff;
	if (feed_escape(le, ch))
		return LE_MORE;

	switch (ch) {
	case KEY_LF:
		if (after_cr && le->len == 0)
			return LE_MORE;         /* the LF of CR LF */
		/* fall through */
	case KEY_CR:
		le->after_cr = ch == KEY_CR;
		echo(io, "\n", 1);
		if (le->overflow) {             /* never run a line cut short */
			le_start(le);
			return LE_TOOLONG;
		}
		le->buf[le->len] = '\0';
		return LE_LINE;
	case KEY_BS:
	case KEY_DEL:
		erase_chars(le, 1, io);
		return LE_MORE;
	case KEY_CTRL_U:
		erase_chars(le, le->len, io);
		le->overflow = false;
		return LE_MORE;
	case KEY_CTRL_C:
		le_start(le);
		echo(io, "^C\n", 3);
		return LE_CANCEL;
	case KEY_TAB:
		ch = ' ';
		break;
	default:
		break;
	}
	if (ch < 0x20 || ch > 0x7e)
		return LE_MORE;                 /* other controls, non-ASCII */
	if (le->len + 1 >= le->cap) {
		echo(io, "\a", 1);              /* full: ring the bell, and */
		le->overflow = true;            /* refuse the line at its end */
		return LE_MORE;
	}
	le->buf[le->len++] = (char)ch;
	le->buf[le->len] = '\0';
	echo(io, &le->buf[le->len - 1], 1);
	return LE_MORE;
}
