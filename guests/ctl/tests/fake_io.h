/*
 * A struct cli_io for host tests: keys come from a string, everything the
 * CLI writes is collected in a buffer. Header-only, shared by the tests.
 */
#ifndef GUESTS_CTL_TESTS_FAKE_IO_H
#define GUESTS_CTL_TESTS_FAKE_IO_H

#include <string.h>

#include "guests/ctl/cli.h"

struct fake_io {
	const char *keys;       /* input; -1 (end of input) after the last */
	size_t keys_len;
	size_t next;
	char out[8192];
	size_t out_len;
};

static void fake_write(void *ctx, const char *buf, size_t len)
{
	struct fake_io *f = ctx;

	if (len > sizeof(f->out) - 1 - f->out_len)
		len = sizeof(f->out) - 1 - f->out_len;
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	f->out[f->out_len] = '\0';
}

static int fake_getc(void *ctx)
{
	struct fake_io *f = ctx;

	if (f->next >= f->keys_len)
		return -1;
	return (unsigned char)f->keys[f->next++];
}

/* keys may contain NUL bytes when keys_len is given; 0 means strlen. */
static inline struct cli_io fake_io_init(struct fake_io *f, const char *keys,
					 size_t keys_len)
{
	memset(f, 0, sizeof(*f));
	f->keys = keys ? keys : "";
	f->keys_len = keys_len ? keys_len : strlen(f->keys);
	return (struct cli_io){ .write = fake_write, .getc = fake_getc, .ctx = f };
}

static inline void fake_io_clear(struct fake_io *f)
{
	f->out_len = 0;
	f->out[0] = '\0';
}

#endif
