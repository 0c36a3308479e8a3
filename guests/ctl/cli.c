/*
 * Command dispatch and the prompt loop (cli.h). Commands live in per-file
 * arrays gathered by commands.c; this file only looks them up, checks the
 * argument count and reports what went wrong. Runs in the control partition
 * and on the host in unit tests (all output goes through cli_io).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "guests/ctl/cli.h"

void cli_puts(const struct cli_io *io, const char *s)
{
	io->write(io->ctx, s, strlen(s));
}

static void cli_printf(const struct cli_io *io, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void cli_printf(const struct cli_io *io, const char *fmt, ...)
{
	char buf[CLI_LINE_BYTES + 128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;    /* truncated: still print what fits */
	io->write(io->ctx, buf, (size_t)n);
}

const struct cli_command *cli_find(const struct cli_command *const *sets,
				   const char *name)
{
	for (; *sets; sets++)
		for (const struct cli_command *c = *sets; c->name; c++)
			if (strcmp(c->name, name) == 0)
				return c;
	return NULL;
}

int cli_execute(const struct cli_io *io, const struct cli_command *const *sets,
		char *line)
{
	char *argv[CLI_MAX_ARGS + 1];
	const struct cli_command *cmd;
	const char *err;
	int argc, nargs;

	argc = cli_tokenize(line, argv, CLI_MAX_ARGS, &err);
	if (argc < 0) {
		cli_printf(io, "error: %s\n", err);
		return CLI_ESYNTAX;
	}
	if (argc == 0)
		return CLI_EMPTY;
	cmd = cli_find(sets, argv[0]);
	if (!cmd) {
		cli_printf(io, "error: unknown command '%s' (try 'help')\n", argv[0]);
		return CLI_EUNKNOWN;
	}
	nargs = argc - 1;
	if (nargs < cmd->min_args ||
	    (cmd->max_args != CLI_ARGS_ANY && nargs > cmd->max_args)) {
		cli_print_usage(io, sets, cmd->name);
		return CLI_EUSAGE;
	}
	return cmd->handler(argc, argv);
}

#define HELP_INDENT 2
#define HELP_USAGE_WIDTH 24     /* usage column; longer ones get a line */
#define HELP_TEXT_COLUMN (HELP_INDENT + HELP_USAGE_WIDTH + 2)

/* Writes text from column 'col' on, wrapping at word boundaries so no line
 * passes CLI_HELP_COLUMNS; continuation lines start at 'indent'. */
static void print_wrapped(const struct cli_io *io, const char *text, int col,
			  int indent)
{
	while (*text) {
		int len = 0, word;

		while (text[len] == ' ')
			len++;
		word = (int)strcspn(text + len, " ");
		if (col > indent && col + len + word > CLI_HELP_COLUMNS) {
			cli_printf(io, "\n%*s", indent, "");
			col = indent;
			text += len;            /* no blanks at a line's start */
			len = 0;
		}
		cli_printf(io, "%.*s", len + word, text);
		col += len + word;
		text += len + word;
	}
	cli_puts(io, "\n");
}

/* A usage longer than its column: on its own line(s), one " | "
 * alternative per line when the whole does not fit. */
static void print_long_usage(const struct cli_io *io, const char *usage)
{
	const char *p = usage, *bar;

	if ((int)strlen(usage) + HELP_INDENT <= CLI_HELP_COLUMNS) {
		cli_printf(io, "%*s%s\n", HELP_INDENT, "", usage);
		return;
	}
	while ((bar = strstr(p, " | ")) != NULL) {
		cli_printf(io, "%*s%.*s |\n", HELP_INDENT, "", (int)(bar - p), p);
		p = bar + 3;
	}
	cli_printf(io, "%*s%s\n", HELP_INDENT, "", p);
}

static void print_entry(const struct cli_io *io, const struct cli_command *c)
{
	if ((int)strlen(c->usage) <= HELP_USAGE_WIDTH) {
		cli_printf(io, "%*s%-*s  ", HELP_INDENT, "", HELP_USAGE_WIDTH,
			   c->usage);
	} else {
		print_long_usage(io, c->usage);
		cli_printf(io, "%*s", HELP_TEXT_COLUMN, "");
	}
	print_wrapped(io, c->help, HELP_TEXT_COLUMN, HELP_TEXT_COLUMN);
}

static bool in_a_group(const struct cli_group *groups, const char *name)
{
	for (; groups && groups->title; groups++)
		for (const char *const *n = groups->names; *n; n++)
			if (strcmp(*n, name) == 0)
				return true;
	return false;
}

int cli_print_help(const struct cli_io *io,
		   const struct cli_command *const *sets,
		   const struct cli_group *groups, const char *name)
{
	const struct cli_group *g;
	bool others = false;

	if (name) {
		const struct cli_command *cmd = cli_find(sets, name);

		if (!cmd) {
			cli_printf(io, "error: unknown command '%s' (try 'help')\n", name);
			return CLI_EUNKNOWN;
		}
		cli_printf(io, "usage: %s\n", cmd->usage);
		cli_printf(io, "%*s", HELP_INDENT, "");
		print_wrapped(io, cmd->help, HELP_INDENT, HELP_INDENT);
		return 0;
	}
	for (g = groups; g && g->title; g++) {
		cli_printf(io, "%s%s:\n", g == groups ? "" : "\n", g->title);
		for (const char *const *n = g->names; *n; n++) {
			const struct cli_command *c = cli_find(sets, *n);

			if (c)
				print_entry(io, c);
		}
	}
	for (const struct cli_command *const *s = sets; *s; s++)
		for (const struct cli_command *c = *s; c->name; c++) {
			if (in_a_group(groups, c->name))
				continue;
			if (groups && !others)
				cli_puts(io, "\nOther:\n");
			others = true;
			print_entry(io, c);
		}
	return 0;
}

void cli_print_usage(const struct cli_io *io,
		     const struct cli_command *const *sets, const char *name)
{
	const struct cli_command *cmd = cli_find(sets, name);

	if (cmd)
		cli_printf(io, "usage: %s\n", cmd->usage);
}

int cli_readline(const struct cli_io *io, struct line_editor *le,
		 const char *prompt)
{
	cli_puts(io, prompt);
	le_start(le);
	for (;;) {
		int ch = io->getc(io->ctx);

		if (ch < 0)
			return -1;
		switch (le_feed(le, ch, io)) {
		case LE_LINE:
			return (int)le->len;
		case LE_CANCEL:
			cli_puts(io, prompt);
			le_start(le);
			break;
		case LE_TOOLONG:
			cli_printf(io, "error: line longer than %zu characters "
				   "refused (nothing was run)\n", le->cap - 1);
			cli_puts(io, prompt);
			break;
		case LE_MORE:
			break;
		}
	}
}

int cli_run_script(const struct cli_io *io,
		   const struct cli_command *const *sets, const char *script,
		   bool keep_going)
{
	char line[CLI_LINE_BYTES];
	const char *cursor = script;
	int failures = 0;
	int r;

	while ((r = cli_script_next(&cursor, line, sizeof(line))) != 0) {
		if (r < 0) {
			cli_printf(io, "error: script command longer than %d bytes skipped\n",
				   CLI_LINE_BYTES - 1);
			failures++;
		} else {
			cli_printf(io, "%s%s\n", CLI_PROMPT, line);
			if (cli_execute(io, sets, line) != 0)
				failures++;
		}
		if (failures && !keep_going)
			break;
	}
	return failures;
}

void cli_interactive(const struct cli_io *io,
		     const struct cli_command *const *sets)
{
	char line[CLI_LINE_BYTES];
	struct line_editor le;

	le_init(&le, line, sizeof(line));
	while (cli_readline(io, &le, CLI_PROMPT) >= 0)
		cli_execute(io, sets, line);
}
