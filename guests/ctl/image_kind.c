/* Boot module kinds (image_kind.h). */
#include <stdio.h>
#include <string.h>

#include "guests/ctl/image_kind.h"

#define MB_MAGIC        0x1BADB002u
#define MB_SEARCH_BYTES 8192u
#define TEXT_SCAN_BYTES 4096u

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Multiboot Specification 0.6.96 3.1.1: magic, flags and a checksum that
 * sums to zero, 4-byte aligned in the first 8192 bytes. */
static int has_multiboot_header(const uint8_t *p, size_t len)
{
	size_t limit = len < MB_SEARCH_BYTES ? len : MB_SEARCH_BYTES;

	for (size_t off = 0; off + 12 <= limit; off += 4)
		if (rd32(p + off) == MB_MAGIC &&
		    (uint32_t)(MB_MAGIC + rd32(p + off + 4) + rd32(p + off + 8)) == 0)
			return 1;
	return 0;
}

/* Linux boot protocol (Documentation/arch/x86/boot.rst): the boot sector
 * signature 0xAA55 at 0x1FE and "HdrS" at 0x202. */
static int is_bzimage(const uint8_t *p, size_t len)
{
	return len >= 0x206 && p[0x1FE] == 0x55 && p[0x1FF] == 0xAA &&
	       !memcmp(p + 0x202, "HdrS", 4);
}

/* Printable ASCII and the usual white space, no NUL, in the first 4 KiB:
 * a text file, which no guest image is. */
static int is_text(const uint8_t *p, size_t len)
{
	size_t n = len < TEXT_SCAN_BYTES ? len : TEXT_SCAN_BYTES;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (!(c >= 0x20 && c < 0x7F) && c != '\n' && c != '\r' &&
		    c != '\t')
			return 0;
	}
	return 1;
}

enum image_kind image_kind_of(const uint8_t *image, size_t len)
{
	if (len == 0)
		return IMAGE_EMPTY;
	if (has_multiboot_header(image, len))
		return IMAGE_MULTIBOOT;
	if (is_bzimage(image, len))
		return IMAGE_BZIMAGE;
	if (len >= 4 && !memcmp(image, "\x7f" "ELF", 4))
		return IMAGE_ELF;
	if (is_text(image, len))
		return IMAGE_TEXT;
	return IMAGE_FLAT;
}

const char *image_kind_name(enum image_kind kind)
{
	switch (kind) {
	case IMAGE_EMPTY:     return "empty";
	case IMAGE_TEXT:      return "text";
	case IMAGE_MULTIBOOT: return "multiboot kernel";
	case IMAGE_BZIMAGE:   return "Linux bzImage";
	case IMAGE_ELF:       return "ELF, no multiboot header";
	default:              return "flat binary";
	}
}

void image_kind_hint(enum image_kind kind, const char *name, char *buf,
		     size_t cap)
{
	switch (kind) {
	case IMAGE_TEXT:
		snprintf(buf, cap, "data for a multiboot guest: initrd=%s", name);
		break;
	case IMAGE_MULTIBOOT:
		snprintf(buf, cap, "load VM multiboot %s [initrd=MOD,...] [args]",
			 name);
		break;
	case IMAGE_FLAT:
		snprintf(buf, cap, "load VM flat %s GPA real|prot32|long64", name);
		break;
	case IMAGE_BZIMAGE:
		snprintf(buf, cap, "load VM linux %s [initrd=MOD] [cmdline]", name);
		break;
	case IMAGE_ELF:
		snprintf(buf, cap, "not loadable (only multiboot ELF kernels are)");
		break;
	default:
		snprintf(buf, cap, "not loadable (no bytes)");
		break;
	}
}
