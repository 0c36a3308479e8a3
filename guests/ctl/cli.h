/*
 * The control partition's command line (docs/control-partition.md, "CLI"):
 * line editing, tokenizing, script= splitting and command dispatch.
 *
 * Pure logic: nothing here touches the UART or the hypervisor. Characters
 * come in and go out through struct cli_io, so the same files build into
 * ctl.elf and into the host unit tests (guests/ctl/tests/, `make test-ctl`).
 */
#ifndef GUESTS_CTL_CLI_H
#define GUESTS_CTL_CLI_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_LINE_BYTES  256     /* longest line, NUL included */
#define CLI_MAX_ARGS    32      /* most words in one command, name included */
#define CLI_PROMPT      "ctl> "

/* Where the CLI reads keys and writes echo, prompts and its own errors. */
struct cli_io {
	void (*write)(void *ctx, const char *buf, size_t len);
	int (*getc)(void *ctx);         /* blocks; returns a byte 0..255, or -1
					 * at end of input (host tests only) */
	void *ctx;
};

void cli_puts(const struct cli_io *io, const char *s);

/* ---- lineedit.c: one line of input, one key at a time --------------------
 *
 * Printable ASCII is inserted and echoed; BS (^H) and DEL erase the last
 * character ("\b \b"); ^U erases the whole line; ^C abandons it ("^C\n");
 * CR or LF ends it ("\n"), and the LF of a CR LF pair is swallowed so it
 * does not end a second, empty line. ANSI escape sequences (arrow keys) and
 * other control characters are ignored. A full buffer rings the bell.
 */
enum le_event {
	LE_MORE,        /* keep feeding */
	LE_LINE,        /* buf holds a complete NUL-terminated line */
	LE_CANCEL,      /* ^C: the line was abandoned (buf is "") */
	LE_TOOLONG,     /* the line ended, but characters past the buffer
			 * were dropped: refused whole (buf is "") */
};

struct line_editor {
	char *buf;
	size_t cap;             /* bytes in buf, NUL included */
	size_t len;             /* characters in the line so far */
	int esc;                /* escape-sequence state (lineedit.c) */
	bool after_cr;          /* the previous line ended with CR */
	bool overflow;          /* a character was dropped: buffer full */
};

void le_init(struct line_editor *le, char *buf, size_t cap);
/* Starts a new line (keeps after_cr, so a CR LF pair spans two lines). */
void le_start(struct line_editor *le);
enum le_event le_feed(struct line_editor *le, int ch, const struct cli_io *io);

/* ---- tokenize.c ----------------------------------------------------------
 *
 * Splits `line` in place into words separated by blanks (space, tab).
 * "double quotes" and 'single quotes' group blanks into a word; a backslash
 * outside single quotes takes the next character literally; quoted and
 * unquoted parts next to each other form one word (a"b c" is `ab c`).
 * Returns the number of words, with argv[argc] = NULL (argv must hold
 * max_args + 1 pointers), or -1 with *err set to a message.
 */
int cli_tokenize(char *line, char **argv, int max_args, const char **err);

/* ---- script.c ------------------------------------------------------------ */

/*
 * Finds `key=value` among the words of a boot command line (tokenized as
 * above, so both `script="a; b"` and GRUB's escaped `"script=a; b"` work)
 * and copies the value into out. Returns 1 if found, 0 if not, -1 if the
 * command line is malformed or the value does not fit.
 */
int cli_cmdline_value(const char *cmdline, const char *key, char *out,
		      size_t cap);

/*
 * Copies the next command of a script ("cmd1; cmd2; ...", or a script
 * file's lines) into out, without surrounding blanks, and advances
 * *cursor. Commands end at ';' (not inside quotes or after a backslash)
 * and at a line end (LF, CR; after a backslash it continues the line). Empty commands are skipped,
 * and so is a comment: '#' where a command would start, up to the end of
 * its line. Returns 1 with a command in out, 0 at the end, -1 if a command
 * does not fit in cap (it is skipped; the cursor moves past it).
 */
int cli_script_next(const char **cursor, char *out, size_t cap);

/* ---- cli.c: command table and dispatch ----------------------------------- */

#define CLI_ARGS_ANY    (-1)

/*
 * One command. The dispatcher checks min_args <= argc - 1 <= max_args
 * (max_args CLI_ARGS_ANY: no upper bound) and prints "usage: <usage>"
 * otherwise, so handlers see a valid count. A handler prints its own output
 * and errors and returns 0 on success, non-zero on failure.
 */
struct cli_command {
	const char *name;
	const char *usage;      /* "name <required> [optional]" */
	const char *help;       /* one line */
	int min_args;
	int max_args;
	int (*handler)(int argc, char **argv);
};

/* A command set is an array ending with an entry whose name is NULL; the
 * command table is a NULL-terminated array of sets (commands.c). */
typedef const struct cli_command *const cli_command_sets[];

/* Results of cli_execute besides the handler's own. */
#define CLI_EMPTY       0       /* blank line: nothing to do */
#define CLI_EUNKNOWN    (-1)    /* "error: unknown command 'x' (try 'help')" */
#define CLI_EUSAGE      (-2)    /* "usage: ..." */
#define CLI_ESYNTAX     (-3)    /* "error: unterminated quote" etc. */

const struct cli_command *cli_find(const struct cli_command *const *sets,
				   const char *name);

/* Tokenizes `line` (in place) and runs it. */
int cli_execute(const struct cli_io *io, const struct cli_command *const *sets,
		char *line);

/* A heading of `help` and the names of the commands under it. */
struct cli_group {
	const char *title;
	const char *const *names;       /* NULL-terminated */
};

#define CLI_HELP_COLUMNS 80     /* `help` fits a plain terminal */

/* Prints every command's usage and help under the groups' headings (a
 * command in no group comes last, under "Other"; groups may be NULL), or
 * one command's ("help name"). Lines fit CLI_HELP_COLUMNS: help text is
 * wrapped, and a usage too long for its column gets its own line, split at
 * its " | " alternatives. Returns 0, or CLI_EUNKNOWN if name names no
 * command. */
int cli_print_help(const struct cli_io *io,
		   const struct cli_command *const *sets,
		   const struct cli_group *groups, const char *name);

/* "usage: ..." of the named command, from the table (one usage string per
 * command: handlers that find a bad argument print this). */
void cli_print_usage(const struct cli_io *io,
		     const struct cli_command *const *sets, const char *name);

/*
 * Prints `prompt` and edits one line into buf. Returns the line's length,
 * or -1 at end of input (host tests). ^C gives a new prompt.
 */
int cli_readline(const struct cli_io *io, struct line_editor *le,
		 const char *prompt);

/*
 * Runs the commands of `script`, each echoed as "ctl> cmd" first, and
 * stops at the first that fails (non-zero result; a command too long to
 * run fails too) unless keep_going. Returns the number that failed.
 */
int cli_run_script(const struct cli_io *io,
		   const struct cli_command *const *sets, const char *script,
		   bool keep_going);

/* Prompt, read, execute, repeat; returns only at end of input. */
void cli_interactive(const struct cli_io *io,
		     const struct cli_command *const *sets);

#endif
