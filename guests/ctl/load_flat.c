/*
 * Flat binaries (loader.h): the image's bytes at a guest-physical address,
 * nothing else; `mode` then sets up the vCPU to run them. Also the loaders'
 * shared error helper. Control partition and host tests.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "guests/ctl/loader.h"

int load_fail(struct load_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int flat_load(struct guest_ram *ram, const void *image, uint64_t len,
	      uint64_t gpa, struct load_error *err)
{
	if (len == 0)
		return load_fail(err, "the image is empty");
	if (!range_inside(gpa, len, ram->bytes))
		return load_fail(err, "%lu bytes at 0x%lx do not fit in guest RAM (0x%lx bytes)",
				 (unsigned long)len, (unsigned long)gpa,
				 (unsigned long)ram->bytes);
	memcpy(ram->base + gpa, image, len);
	return 0;
}
