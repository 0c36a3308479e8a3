/*
 * The control partition's boot command line and its script= option (cli.h,
 * docs/control-partition.md "Scripts"). GRUB hands module arguments over
 * with its own quoting (an argument with a space is wrapped in double
 * quotes, and \ " ' are backslash-escaped), which the tokenizer undoes.
 * Runs in the control partition and on the host in unit tests.
 */
#include <string.h>

#include "guests/ctl/cli.h"

/* Long enough for the whole ctl_boot_info command line (256 bytes). */
#define CMDLINE_COPY_BYTES  512

int cli_cmdline_value(const char *cmdline, const char *key, char *out,
		      size_t cap)
{
	char copy[CMDLINE_COPY_BYTES];
	char *argv[CLI_MAX_ARGS + 1];
	const char *err;
	size_t keylen = strlen(key);
	int argc;

	if (cap == 0 || strlen(cmdline) >= sizeof(copy))
		return -1;
	strcpy(copy, cmdline);
	argc = cli_tokenize(copy, argv, CLI_MAX_ARGS, &err);
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

int cli_script_next(const char **cursor, char *out, size_t cap)
{
	const char *p = *cursor;
	const char *start, *end;
	char quote = 0;

	/* Blanks and empty commands ("a;; b") before the next one. */
	while (is_blank(*p) || *p == ';')
		p++;
	if (*p == '\0') {
		*cursor = p;
		return 0;
	}
	start = p;
	for (; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			else if (*p == '\\' && quote == '"' && p[1])
				p++;
		} else if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == ';') {
			break;
		}
	}
	end = p;
	while (end > start && is_blank(end[-1]))
		end--;
	if (*p == ';')
		p++;
	*cursor = p;
	if ((size_t)(end - start) >= cap)
		return -1;
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
	return 1;
}
