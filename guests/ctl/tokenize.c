/*
 * Command-line tokenizer (cli.h): blanks split words, quotes group them,
 * backslash escapes. Works in place: the words are written back into the
 * line, never longer than their source, so no allocation is needed.
 * Runs in the control partition and on the host in unit tests.
 */
#include <stddef.h>

#include "guests/ctl/cli.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int cli_tokenize(char *line, char **argv, int max_args, const char **err)
{
	const char *src = line;
	char *dst = line;
	int argc = 0;

	*err = NULL;
	for (;;) {
		char quote = 0;

		while (is_blank(*src))
			src++;
		if (*src == '\0')
			break;
		if (argc >= max_args) {
			*err = "too many arguments";
			argv[0] = NULL;
			return -1;
		}
		argv[argc++] = dst;
		/* One word: until an unquoted blank or the end of the line. */
		for (; *src; src++) {
			char c = *src;

			if (quote == '\'') {
				if (c == '\'')
					quote = 0;
				else
					*dst++ = c;
			} else if (c == '\\') {
				if (src[1] == '\0') {
					*err = "backslash at end of line";
					argv[0] = NULL;
					return -1;
				}
				*dst++ = *++src;
			} else if (quote == '"') {
				if (c == '"')
					quote = 0;
				else
					*dst++ = c;
			} else if (c == '"' || c == '\'') {
				quote = c;
			} else if (is_blank(c)) {
				break;
			} else {
				*dst++ = c;
			}
		}
		if (quote) {
			*err = "unterminated quote";
			argv[0] = NULL;
			return -1;
		}
		/* The terminator may overwrite the blank we stopped at (dst <=
		 * src always); step past it first so it is not lost. */
		if (*src)
			src++;
		*dst++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}
