/*
 * The control partition's boot command line and its scripts: the script=
 * option and the text of a ctl-script module (cli.h,
 * docs/control-partition.md "Scripts"). GRUB hands module arguments over
 * with its own quoting (an argument with a space is wrapped in double
 * quotes, and \ " ' are backslash-escaped), which the tokenizer undoes.
 * Runs in the control partition and on the host in unit tests.
 */
#include <string.h>

#include "abi/ctl_boot.h"
#include "guests/ctl/cli.h"

/* The whole ctl_boot_info command line, NUL included. */
#define CMDLINE_COPY_BYTES  CTL_CMDLINE_BYTES
/* Words of a command line: at most one per two bytes ("a b c"). */
#define CMDLINE_MAX_WORDS   (CMDLINE_COPY_BYTES / 2)

int cli_cmdline_value(const char *cmdline, const char *key, char *out,
		      size_t cap)
{
	/* 20 KiB together: static rather than on the stack (single thread). */
	static char copy[CMDLINE_COPY_BYTES];
	static char *argv[CMDLINE_MAX_WORDS + 1];
	const char *err;
	size_t keylen = strlen(key);
	int argc;

	if (cap == 0 || strlen(cmdline) >= sizeof(copy))
		return -1;
	strcpy(copy, cmdline);
	argc = cli_tokenize(copy, argv, CMDLINE_MAX_WORDS, &err);
	if (argc < 0)
		return -1;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], key, keylen) != 0 || argv[i][keylen] != '=')
			continue;
		const char *value = argv[i] + keylen + 1;

		if (strlen(value) >= cap)
			return -1;
		strcpy(out, value);
		return 1;
	}
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Ends a command: ';' on a command line, a line end in a script file. */
static int is_separator(char c)
{
	return c == ';' || c == '\n' || c == '\r';
}

/* A script file's comment: '#' where a command would start, to its line's
 * end. */
static const char *skip_comment(const char *p)
{
	while (*p && *p != '\n')
		p++;
	return p;
}

int cli_script_next(const char **cursor, char *out, size_t cap)
{
	const char *p = *cursor;
	const char *start, *end;
	char quote = 0;

	/* Blanks, empty commands ("a;; b", blank lines) and comments
	 * before the next one. */
	while (is_blank(*p) || is_separator(*p) || *p == '#') {
		if (*p == '#')
			p = skip_comment(p);
		else
			p++;
	}
	if (*p == '\0') {
		*cursor = p;
		return 0;
	}
	start = p;
	for (; *p; p++) {
		if (quote) {
			if (*p == '\n' || *p == '\r')
				break;  /* a line is a command: the tokenizer
					 * reports the open quote */
			if (*p == quote)
				quote = 0;
			else if (*p == '\\' && quote == '"' && p[1])
				p++;
		} else if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (is_separator(*p)) {
			break;
		}
	}
	end = p;
	while (end > start && is_blank(end[-1]))
		end--;
	if (*p)
		p++;
	*cursor = p;
	if ((size_t)(end - start) >= cap)
		return -1;
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
	return 1;
}
