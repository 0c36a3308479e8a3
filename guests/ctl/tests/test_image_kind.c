/*
 * Host unit tests for guests/ctl/image_kind.c: what `modules` says a boot
 * module is, and the load command it suggests. Built by `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/image_kind.h"

static uint8_t img[16384];

static void put32(size_t off, uint32_t v)
{
	memcpy(img + off, &v, 4);
}

static void test_kinds(void **state)
{
	(void)state;
	assert_int_equal(image_kind_of(img, 0), IMAGE_EMPTY);

	memcpy(img, "hello greeting=world\nline two\tx\r\n", 33);
	assert_int_equal(image_kind_of(img, 33), IMAGE_TEXT);

	/* code: a NUL or a control byte makes it binary */
	memcpy(img, "\xfa\x31\xc0\x8e\xd8\xf4", 6);
	assert_int_equal(image_kind_of(img, 6), IMAGE_FLAT);
	memcpy(img, "abc\0def", 7);
	assert_int_equal(image_kind_of(img, 7), IMAGE_FLAT);

	/* multiboot: magic, flags, checksum summing to 0, 4-aligned */
	memset(img, 0, sizeof(img));
	memcpy(img, "\x7f" "ELF", 4);
	assert_int_equal(image_kind_of(img, sizeof(img)), IMAGE_ELF);
	put32(4096, 0x1BADB002u);
	put32(4100, 3);
	put32(4104, (uint32_t)-(0x1BADB002u + 3));
	assert_int_equal(image_kind_of(img, sizeof(img)), IMAGE_MULTIBOOT);
	put32(4104, 0);                         /* bad checksum: not one */
	assert_int_equal(image_kind_of(img, sizeof(img)), IMAGE_ELF);
	/* beyond the first 8 KiB it does not count */
	memset(img, 0, sizeof(img));
	img[0] = 0xEB;
	put32(8192, 0x1BADB002u);
	put32(8196, 0);
	put32(8200, (uint32_t)-0x1BADB002u);
	assert_int_equal(image_kind_of(img, sizeof(img)), IMAGE_FLAT);

	/* bzImage: 0xAA55 at 0x1FE and "HdrS" at 0x202 */
	memset(img, 0, sizeof(img));
	img[0x1FE] = 0x55;
	img[0x1FF] = 0xAA;
	memcpy(img + 0x202, "HdrS", 4);
	assert_int_equal(image_kind_of(img, sizeof(img)), IMAGE_BZIMAGE);
	assert_int_equal(image_kind_of(img, 0x205), IMAGE_FLAT); /* truncated */
}

static void test_hints(void **state)
{
	char buf[160];

	(void)state;
	image_kind_hint(IMAGE_FLAT, "real", buf, sizeof(buf));
	assert_string_equal(buf, "load VM flat real GPA real|prot32|long64");
	image_kind_hint(IMAGE_MULTIBOOT, "mbhello", buf, sizeof(buf));
	assert_string_equal(buf,
			    "load VM multiboot mbhello [initrd=MOD,...] [args]");
	image_kind_hint(IMAGE_TEXT, "hello", buf, sizeof(buf));
	assert_string_equal(buf, "data for a multiboot guest: initrd=hello");
	image_kind_hint(IMAGE_BZIMAGE, "vmlinuz", buf, sizeof(buf));
	assert_string_equal(buf, "load VM linux vmlinuz [initrd=MOD] [cmdline]");
	assert_string_equal(image_kind_name(IMAGE_FLAT), "flat binary");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_hints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
