/*
 * What kind of image a boot module is, judged from its bytes, so that
 * `modules` can say how to load it and `load` can refuse what is clearly
 * not code. Pure logic: builds for the control partition and the host
 * unit tests.
 */
#ifndef GUESTS_CTL_IMAGE_KIND_H
#define GUESTS_CTL_IMAGE_KIND_H

#include <stddef.h>
#include <stdint.h>

enum image_kind {
	IMAGE_EMPTY,      /* no bytes */
	IMAGE_TEXT,       /* printable text: data for a guest (initrd=) */
	IMAGE_MULTIBOOT,  /* a valid multiboot v1 header in the first 8 KiB */
	IMAGE_BZIMAGE,    /* a Linux bzImage (boot protocol header "HdrS") */
	IMAGE_ELF,        /* an ELF file without a multiboot header */
	IMAGE_FLAT,       /* anything else: raw code for `load N flat` */
};

enum image_kind image_kind_of(const uint8_t *image, size_t len);

/* "flat binary", "multiboot kernel", ... */
const char *image_kind_name(enum image_kind kind);

/* How to use module 'name' of this kind, into buf: a CLI command with
 * VM and GPA as placeholders, or why it cannot be loaded. */
void image_kind_hint(enum image_kind kind, const char *name, char *buf,
		     size_t cap);

#endif
