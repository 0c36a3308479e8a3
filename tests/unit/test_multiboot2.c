/*
 * Host test for core/multiboot2.c: crafted tag lists (Multiboot2 spec 3.6),
 * one valid list checked field by field and one malformed list per rejection.
 * Every list is handed to mb2_parse in a heap allocation that ends exactly at
 * the list's declared end, so ASan reports any read past it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/multiboot2.h"

/* ---- tag-list builder ---------------------------------------------------- */

#define BUILD_BYTES (64 * 1024)
#define PAD_BYTE 0xee           /* padding is garbage, never assumed zero */

struct mbb {
	_Alignas(8) uint8_t buf[BUILD_BYTES];
	size_t off;
};

struct raw_mmap {
	uint64_t base, len;
	uint32_t type, reserved;
};

static void put32(struct mbb *b, size_t at, uint32_t v)
{
	memcpy(b->buf + at, &v, 4);
}

static void mbb_init(struct mbb *b)
{
	memset(b->buf, PAD_BYTE, sizeof(b->buf));
	put32(b, 4, 0);                 /* reserved */
	b->off = 8;
}

/* A tag with an explicit size field; the payload is 'len' bytes and the
 * next tag starts at the 8-byte boundary after 8 + len. Returns its offset. */
static size_t mbb_tag_sized(struct mbb *b, uint32_t type, uint32_t size,
			    const void *payload, size_t len)
{
	size_t at = b->off;

	assert_true(at + 8 + len + 8 <= sizeof(b->buf));
	put32(b, at, type);
	put32(b, at + 4, size);
	if (len)
		memcpy(b->buf + at + 8, payload, len);
	b->off = (at + 8 + len + 7) & ~(size_t)7;
	return at;
}

static size_t mbb_tag(struct mbb *b, uint32_t type, const void *payload, size_t len)
{
	return mbb_tag_sized(b, type, (uint32_t)(8 + len), payload, len);
}

static size_t mbb_string(struct mbb *b, uint32_t type, const char *s)
{
	return mbb_tag(b, type, s, strlen(s) + 1);
}

static size_t mbb_module(struct mbb *b, uint32_t start, uint32_t end,
			 const char *cmdline)
{
	uint8_t p[256];
	size_t n = strlen(cmdline) + 1;

	assert_true(8 + n <= sizeof(p));
	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, cmdline, n);
	return mbb_tag(b, MB2_TAG_MODULE, p, 8 + n);
}

/* A memory map tag: entry_size may exceed 24 (later spec revisions). */
static size_t mbb_mmap_es(struct mbb *b, const struct raw_mmap *e, size_t n,
			  uint32_t entry_size)
{
	static uint8_t p[8 + 200 * 32];
	uint32_t version = 0;

	assert_true(8 + n * entry_size <= sizeof(p));
	memset(p, 0, sizeof(p));
	memcpy(p, &entry_size, 4);
	memcpy(p + 4, &version, 4);
	for (size_t i = 0; i < n; i++)
		memcpy(p + 8 + i * entry_size, &e[i], sizeof(e[i]));
	return mbb_tag(b, MB2_TAG_MMAP, p, 8 + n * entry_size);
}

static size_t mbb_mmap(struct mbb *b, const struct raw_mmap *e, size_t n)
{
	return mbb_mmap_es(b, e, n, sizeof(struct raw_mmap));
}

static void mbb_end(struct mbb *b)
{
	mbb_tag(b, MB2_TAG_END, NULL, 0);
}

/* Writes total_size = everything built so far. */
static size_t mbb_seal(struct mbb *b)
{
	put32(b, 0, (uint32_t)b->off);
	return b->off;
}

/* The first 'n' bytes in an allocation of exactly n bytes (8-aligned). */
static void *heap_copy(const void *src, size_t n)
{
	void *p = malloc(n ? n : 1);

	assert_non_null(p);
	assert_int_equal((uintptr_t)p & 7, 0);
	memcpy(p, src, n);
	return p;
}

static const struct raw_mmap std_map[] = {
	{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE, 0 },
	{ 0x9fc00, 0x400, 2, 0 },
	{ 0xf0000, 0x10000, 2, 0 },
	{ 0x100000, 0x7ee0000, MB2_MEM_AVAILABLE, 0 },
	{ 0x7fe0000, 0x20000, MB2_MEM_ACPI, 0 },
	{ 0xfffc0000, 0x40000, 2, 0 },
	{ 0x100000000ull, 0x40000000ull, MB2_MEM_AVAILABLE, 0 },
};
#define STD_MAP_N (sizeof(std_map) / sizeof(std_map[0]))

/* ---- the valid list ------------------------------------------------------ */

struct acpi_rsdp_v1 { char sig[8]; uint8_t sum; char oem[6]; uint8_t rev; uint32_t rsdt; };
struct acpi_rsdp_v2 { struct acpi_rsdp_v1 v1; uint32_t len; uint64_t xsdt; uint8_t xsum, res[3]; };

static void test_valid_full_list(void **state)
{
	struct mbb *b = malloc(sizeof(*b));
	struct boot_info *bi = malloc(sizeof(*bi));
	const char *err = "untouched";
	uint64_t efi_st = 0x7fb6e018ull;
	uint8_t unknown[13] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	uint32_t basic_mem[2] = { 639, 130048 };
	struct acpi_rsdp_v1 old = { .sig = "RSD PTR ", .rev = 0, .rsdt = 0x7fe1000 };
	struct acpi_rsdp_v2 new = { .v1 = { .sig = "RSD PTR ", .rev = 2 },
				    .len = 36, .xsdt = 0x7fe2000 };

	(void)state;
	mbb_init(b);
	size_t t_cmd = mbb_string(b, MB2_TAG_CMDLINE, "console=com1 selftest");
	size_t t_name = mbb_string(b, MB2_TAG_LOADER_NAME, "GRUB 2.06");
	mbb_tag(b, 0x1234, unknown, sizeof(unknown));   /* unknown: skipped */
	mbb_tag(b, MB2_TAG_BASIC_MEM, basic_mem, sizeof(basic_mem));
	size_t t_mod0 = mbb_module(b, 0x200000, 0x201234, "hello.txt arg=1");
	size_t t_acpi_old = mbb_tag(b, MB2_TAG_ACPI_OLD, &old, 20);
	size_t t_mmap = mbb_mmap(b, std_map, STD_MAP_N);
	size_t t_mod1 = mbb_module(b, 0x300000, 0x300001, "");
	mbb_tag(b, MB2_TAG_EFI64, &efi_st, 8);
	size_t t_acpi_new = mbb_tag(b, MB2_TAG_ACPI_NEW, &new, 36);
	mbb_tag(b, 99, NULL, 0);                         /* empty unknown tag */
	mbb_end(b);
	size_t total = mbb_seal(b);
	(void)t_mmap;
	(void)t_acpi_old;

	uint8_t *info = heap_copy(b->buf, total);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, info, bi, &err), 0);

	assert_int_equal(bi->info_addr, (uintptr_t)info);
	assert_int_equal(bi->info_size, total);
	assert_string_equal(bi->cmdline, "console=com1 selftest");
	assert_ptr_equal(bi->cmdline, info + t_cmd + 8);   /* points into the list */
	assert_string_equal(bi->loader_name, "GRUB 2.06");
	assert_ptr_equal(bi->loader_name, info + t_name + 8);

	assert_int_equal(bi->nmmap, STD_MAP_N);
	for (unsigned i = 0; i < STD_MAP_N; i++) {
		assert_int_equal(bi->mmap[i].base, std_map[i].base);
		assert_int_equal(bi->mmap[i].len, std_map[i].len);
		assert_int_equal(bi->mmap[i].type, std_map[i].type);
	}

	assert_int_equal(bi->nmodules, 2);
	assert_int_equal(bi->modules[0].start, 0x200000);
	assert_int_equal(bi->modules[0].end, 0x201234);
	assert_string_equal(bi->modules[0].cmdline, "hello.txt arg=1");
	assert_ptr_equal(bi->modules[0].cmdline, info + t_mod0 + 16);
	assert_int_equal(bi->modules[1].start, 0x300000);
	assert_int_equal(bi->modules[1].end, 0x300001);
	assert_string_equal(bi->modules[1].cmdline, "");
	assert_ptr_equal(bi->modules[1].cmdline, info + t_mod1 + 16);

	assert_true(bi->has_efi64);
	assert_false(bi->has_efi32);
	assert_int_equal(bi->efi_system_table, efi_st);

	/* both RSDP tags: the ACPI 2.0 copy wins although it comes second */
	assert_true(bi->has_acpi_rsdp);
	assert_int_equal(bi->acpi_rsdp_addr, (uintptr_t)(info + t_acpi_new + 8));
	assert_memory_equal((void *)(uintptr_t)bi->acpi_rsdp_addr, &new, 36);

	free(info);
	free(bi);
	free(b);
}

static void test_minimal_list_defaults(void **state)
{
	struct mbb *b = malloc(sizeof(*b));
	struct boot_info *bi = malloc(sizeof(*bi));
	const char *err = NULL;

	(void)state;
	memset(bi, 0xa5, sizeof(*bi));                  /* stale contents */
	mbb_init(b);
	mbb_mmap(b, std_map, 1);
	mbb_end(b);
	size_t total = mbb_seal(b);
	void *info = heap_copy(b->buf, total);

	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, info, bi, &err), 0);
	assert_string_equal(bi->cmdline, "");
	assert_non_null(bi->loader_name);
	assert_int_equal(bi->nmodules, 0);
	assert_int_equal(bi->nmmap, 1);
	assert_false(bi->has_efi64);
	assert_false(bi->has_efi32);
	assert_false(bi->has_acpi_rsdp);
	assert_int_equal(bi->efi_system_table, 0);
	free(info);
	free(bi);
	free(b);
}

/* Tags whose size is not a multiple of 8 are followed by padding (filled
 * with garbage here); the next tag starts at the next 8-byte boundary. */
static void test_tag_padding(void **state)
{
	struct mbb *b = malloc(sizeof(*b));
	struct boot_info *bi = malloc(sizeof(*bi));
	const char *err = NULL;

	(void)state;
	mbb_init(b);
	mbb_string(b, MB2_TAG_CMDLINE, "a");            /* size 10 */
	mbb_tag(b, 0x77, "xyz", 3);                     /* size 11 */
	mbb_module(b, 0x1000, 0x2000, "m");             /* size 18 */
	mbb_string(b, MB2_TAG_LOADER_NAME, "ldr1234");  /* size 16: no padding */
	mbb_mmap(b, std_map, 2);
	mbb_module(b, 0x3000, 0x4000, "second");
	mbb_end(b);
	size_t total = mbb_seal(b);
	uint8_t *info = heap_copy(b->buf, total);

	assert_int_equal(info[8 + 10], PAD_BYTE);       /* really garbage */
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, info, bi, &err), 0);
	assert_string_equal(bi->cmdline, "a");
	assert_string_equal(bi->loader_name, "ldr1234");
	assert_int_equal(bi->nmodules, 2);
	assert_string_equal(bi->modules[0].cmdline, "m");
	assert_string_equal(bi->modules[1].cmdline, "second");
	assert_int_equal(bi->modules[1].start, 0x3000);
	assert_int_equal(bi->nmmap, 2);
	free(info);
	free(bi);
	free(b);
}

static void test_mmap_large_entry_size(void **state)
{
	struct mbb *b = malloc(sizeof(*b));
	struct boot_info *bi = malloc(sizeof(*bi));
	const char *err = NULL;

	(void)state;
	mbb_init(b);
	mbb_mmap_es(b, std_map, STD_MAP_N, 32);         /* stride 32, not 24 */
	mbb_end(b);
	size_t total = mbb_seal(b);
	void *info = heap_copy(b->buf, total);

	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, info, bi, &err), 0);
	assert_int_equal(bi->nmmap, STD_MAP_N);
	for (unsigned i = 0; i < STD_MAP_N; i++) {
		assert_int_equal(bi->mmap[i].base, std_map[i].base);
		assert_int_equal(bi->mmap[i].len, std_map[i].len);
		assert_int_equal(bi->mmap[i].type, std_map[i].type);
	}
	free(info);
	free(bi);
	free(b);
}

static void test_efi32_and_efi64(void **state)
{
	struct mbb *b = malloc(sizeof(*b));
	struct boot_info *bi = malloc(sizeof(*bi));
	const char *err = NULL;
	uint64_t st64 = 0x123456789000ull;
	uint32_t st32 = 0x7f000000;

	(void)state;
	/* EFI32 alone */
	mbb_init(b);
	mbb_tag(b, MB2_TAG_EFI32, &st32, 4);
	mbb_mmap(b, std_map, 1);
	mbb_end(b);
	size_t total = mbb_seal(b);
	void *info = heap_copy(b->buf, total);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, info, bi, &err), 0);
	assert_true(bi->has_efi32);
	assert_false(bi->has_efi64);
	assert_int_equal(bi->efi_system_table, st32);
	free(info);

	/* both, EFI64 first: the 64-bit pointer is kept */
	mbb_init(b);
	mbb_tag(b, MB2_TAG_EFI64, &st64, 8);
	mbb_tag(b, MB2_TAG_EFI32, &st32, 4);
	mbb_mmap(b, std_map, 1);
	mbb_end(b);
	total = mbb_seal(b);
	info = heap_copy(b->buf, total);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, info, bi, &err), 0);
	assert_true(bi->has_efi32);
	assert_true(bi->has_efi64);
	assert_int_equal(bi->efi_system_table, st64);
	free(info);

	/* only the old ACPI tag */
	struct acpi_rsdp_v1 old = { .sig = "RSD PTR " };
	mbb_init(b);
	size_t t = mbb_tag(b, MB2_TAG_ACPI_OLD, &old, 20);
	mbb_mmap(b, std_map, 1);
	mbb_end(b);
	total = mbb_seal(b);
	info = heap_copy(b->buf, total);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, info, bi, &err), 0);
	assert_true(bi->has_acpi_rsdp);
	assert_int_equal(bi->acpi_rsdp_addr, (uintptr_t)info + t + 8);
	free(info);

	/* new before old: the new one still wins */
	struct acpi_rsdp_v2 new = { .v1 = { .sig = "RSD PTR ", .rev = 2 } };
	mbb_init(b);
	t = mbb_tag(b, MB2_TAG_ACPI_NEW, &new, 36);
	mbb_tag(b, MB2_TAG_ACPI_OLD, &old, 20);
	mbb_mmap(b, std_map, 1);
	mbb_end(b);
	total = mbb_seal(b);
	info = heap_copy(b->buf, total);
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, info, bi, &err), 0);
	assert_int_equal(bi->acpi_rsdp_addr, (uintptr_t)info + t + 8);
	free(info);

	free(bi);
	free(b);
}

static void test_limits_accepted(void **state)
{
	struct mbb *b = malloc(sizeof(*b));
	struct boot_info *bi = malloc(sizeof(*bi));
	struct raw_mmap many[BOOT_MAX_MMAP];
	const char *err = NULL;

	(void)state;
	for (unsigned i = 0; i < BOOT_MAX_MMAP; i++)
		many[i] = (struct raw_mmap){ 0x100000ull * i, 0x1000, 1, 0 };
	mbb_init(b);
	mbb_mmap(b, many, BOOT_MAX_MMAP);
	for (unsigned i = 0; i < BOOT_MAX_MODULES; i++)
		mbb_module(b, 0x1000 * i, 0x1000 * i + 1, "mod");
	mbb_end(b);
	size_t total = mbb_seal(b);
	void *info = heap_copy(b->buf, total);

	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, info, bi, &err), 0);
	assert_int_equal(bi->nmmap, BOOT_MAX_MMAP);
	assert_int_equal(bi->nmodules, BOOT_MAX_MODULES);
	assert_int_equal(bi->mmap[BOOT_MAX_MMAP - 1].base,
			 0x100000ull * (BOOT_MAX_MMAP - 1));
	assert_int_equal(bi->modules[BOOT_MAX_MODULES - 1].start,
			 0x1000 * (BOOT_MAX_MODULES - 1));
	free(info);
	free(bi);
	free(b);
}

/* Bytes after the end tag (inside total_size) are not looked at. */
static void test_data_after_end_tag_ignored(void **state)
{
	struct mbb *b = malloc(sizeof(*b));
	struct boot_info *bi = malloc(sizeof(*bi));
	const char *err = NULL;

	(void)state;
	mbb_init(b);
	mbb_mmap(b, std_map, 2);
	mbb_end(b);
	mbb_string(b, MB2_TAG_CMDLINE, "after the end");
	mbb_tag_sized(b, 3, 4, NULL, 0);                /* would be malformed */
	size_t total = mbb_seal(b);
	void *info = heap_copy(b->buf, total);

	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, info, bi, &err), 0);
	assert_string_equal(bi->cmdline, "");
	free(info);
	free(bi);
	free(b);
}

/* ---- malformed lists ----------------------------------------------------- */

/*
 * Parses the first 'n' bytes of b (total_size as already written) from an
 * allocation of exactly n bytes and expects a rejection whose message
 * contains 'needle'.
 */
static void expect_reject_n(const void *list, size_t n, uint32_t magic,
			    const char *needle)
{
	struct boot_info *bi = malloc(sizeof(*bi));
	const char *err = NULL;
	void *info = heap_copy(list, n);

	assert_int_equal(mb2_parse(magic, info, bi, &err), -1);
	assert_non_null(err);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
	free(info);
	free(bi);
}

static void expect_reject(struct mbb *b, const char *needle)
{
	size_t total;

	memcpy(&total, b->buf, 4);
	total &= 0xffffffff;
	expect_reject_n(b->buf, total, MB2_BOOTLOADER_MAGIC, needle);
}

static struct mbb *valid_prefix(void)
{
	struct mbb *b = malloc(sizeof(*b));

	mbb_init(b);
	mbb_string(b, MB2_TAG_CMDLINE, "x=1");
	return b;
}

static void test_reject_bad_magic(void **state)
{
	struct mbb *b = valid_prefix();
	struct boot_info bi;
	const char *err = NULL;

	(void)state;
	mbb_mmap(b, std_map, 1);
	mbb_end(b);
	mbb_seal(b);
	expect_reject_n(b->buf, b->off, 0x2badb002, "magic");  /* multiboot1 */
	expect_reject_n(b->buf, b->off, 0, "magic");
	/* the magic is checked before the pointer is touched */
	assert_int_equal(mb2_parse(0x2badb002, NULL, &bi, &err), -1);
	assert_non_null(strstr(err, "magic"));
	free(b);
}

static void test_reject_bad_pointer(void **state)
{
	struct boot_info bi;
	const char *err = NULL;
	struct mbb *b = valid_prefix();

	(void)state;
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, NULL, &bi, &err), -1);
	assert_non_null(strstr(err, "missing"));
	mbb_mmap(b, std_map, 1);
	mbb_end(b);
	mbb_seal(b);
	for (unsigned mis = 1; mis < 8; mis++) {
		uint8_t *p = malloc(b->off + 8);

		memcpy(p + mis, b->buf, b->off);
		err = NULL;
		assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, p + mis, &bi, &err), -1);
		assert_non_null(strstr(err, "aligned"));
		free(p);
	}
	free(b);
}

static void test_reject_total_size(void **state)
{
	uint32_t hdr[2] = { 0, 0 };
	struct mbb *b = valid_prefix();

	(void)state;
	/* total < 16: only the 8-byte header exists; nothing beyond is read */
	for (uint32_t t = 0; t < 16; t += 8) {
		hdr[0] = t;
		expect_reject_n(hdr, 8, MB2_BOOTLOADER_MAGIC, "total size");
	}
	hdr[0] = 12;
	expect_reject_n(hdr, 8, MB2_BOOTLOADER_MAGIC, "total size");
	/* not a multiple of 8 */
	mbb_mmap(b, std_map, 1);
	mbb_end(b);
	size_t total = mbb_seal(b);
	put32(b, 0, (uint32_t)total - 4);
	expect_reject_n(b->buf, total - 4, MB2_BOOTLOADER_MAGIC, "total size");
	put32(b, 0, (uint32_t)total + 4);
	expect_reject_n(b->buf, total, MB2_BOOTLOADER_MAGIC, "total size");
	/* huge: rejected from the header alone (the allocation is 8 bytes) */
	hdr[0] = 0xfffffff8u;
	expect_reject_n(hdr, 8, MB2_BOOTLOADER_MAGIC, "total size");
	hdr[0] = 64u << 20;
	expect_reject_n(hdr, 8, MB2_BOOTLOADER_MAGIC, "total size");
	free(b);
}

static void test_reject_tag_too_small(void **state)
{
	(void)state;
	for (uint32_t size = 0; size < 8; size++) {
		struct mbb *b = valid_prefix();

		mbb_tag_sized(b, 0x55, size, NULL, 0);
		mbb_mmap(b, std_map, 1);
		mbb_end(b);
		mbb_seal(b);
		expect_reject(b, "smaller than its 8-byte header");
		free(b);
	}
	/* an end tag smaller than 8 is no end tag */
	struct mbb *b = valid_prefix();
	mbb_mmap(b, std_map, 1);
	mbb_tag_sized(b, MB2_TAG_END, 0, NULL, 0);
	mbb_seal(b);
	expect_reject(b, "smaller than its 8-byte header");
	free(b);
}

static void test_reject_tag_past_end(void **state)
{
	struct mbb *b = valid_prefix();

	(void)state;
	mbb_mmap(b, std_map, 1);
	/* a tag claiming 64 bytes where only 16 remain */
	mbb_tag_sized(b, 0x55, 64, "12345678", 8);
	mbb_seal(b);
	expect_reject(b, "past the end");
	free(b);

	/* the last tag (a module) runs 1 byte past total_size */
	b = valid_prefix();
	mbb_mmap(b, std_map, 1);
	mbb_tag_sized(b, MB2_TAG_MODULE, 8 + 16 + 1, "\0\0\0\0\1\0\0\0abcdefg", 16);
	mbb_seal(b);
	expect_reject(b, "past the end");
	free(b);

	/* a huge size field does not wrap */
	b = valid_prefix();
	mbb_mmap(b, std_map, 1);
	mbb_tag_sized(b, 0x55, 0xfffffff8u, NULL, 0);
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "past the end");
	free(b);
}

static void test_reject_no_end_tag(void **state)
{
	struct mbb *b = valid_prefix();

	(void)state;
	mbb_mmap(b, std_map, 2);
	mbb_seal(b);
	expect_reject(b, "end tag");
	free(b);

	/* just the header and nothing else */
	b = malloc(sizeof(*b));
	mbb_init(b);
	mbb_tag(b, 0x55, "12345678", 8);
	mbb_seal(b);
	expect_reject(b, "end tag");
	free(b);
}

static void test_reject_end_tag_wrong_size(void **state)
{
	struct mbb *b = valid_prefix();

	(void)state;
	mbb_mmap(b, std_map, 2);
	mbb_tag_sized(b, MB2_TAG_END, 16, "\0\0\0\0\0\0\0\0", 8);
	mbb_seal(b);
	expect_reject(b, "end tag");
	free(b);
}

static void test_reject_missing_mmap(void **state)
{
	struct mbb *b = valid_prefix();

	(void)state;
	mbb_module(b, 0x1000, 0x2000, "m");
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "no memory map");
	free(b);
}

static void test_reject_mmap_entry_size(void **state)
{
	static const uint32_t bad[] = { 0, 8, 16, 20, 23, 25, 28, 30, 33 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mbb *b = valid_prefix();
		uint8_t p[8 + 3 * 40] = { 0 };

		memcpy(p, &bad[i], 4);
		mbb_tag(b, MB2_TAG_MMAP, p, sizeof(p));
		mbb_end(b);
		mbb_seal(b);
		expect_reject(b, "entry size");
		free(b);
	}
	/* a tag too short for the entry_size field itself */
	struct mbb *b = valid_prefix();
	mbb_tag(b, MB2_TAG_MMAP, "\x18\0\0", 3);
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "memory map");
	free(b);
}

/*
 * An entry size so large that "offset + entry_size" wraps in 32 bits must
 * not be taken for an entry that fits. The memory map tag is the last one
 * before a short end tag, so reading an entry would run off the allocation.
 */
static void test_reject_mmap_entry_size_wraps(void **state)
{
	static const uint32_t huge[] = { 0xfffffff0u, 0xfffffff8u, 0x80000000u };

	(void)state;
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		struct mbb *b = valid_prefix();
		uint32_t hdr[2] = { huge[i], 0 };

		mbb_tag(b, MB2_TAG_MMAP, hdr, 8);
		mbb_end(b);
		mbb_seal(b);
		expect_reject(b, "memory map");
		free(b);
	}
}

static void test_reject_duplicate_mmap(void **state)
{
	struct mbb *b = valid_prefix();

	(void)state;
	mbb_mmap(b, std_map, 2);
	mbb_mmap(b, std_map + 3, 1);
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "twice");
	free(b);
}

static void test_reject_mmap_no_entries(void **state)
{
	struct mbb *b = valid_prefix();

	(void)state;
	mbb_mmap(b, std_map, 0);
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "no entries");
	free(b);

	/* room for less than one entry */
	b = valid_prefix();
	uint8_t p[8 + 23] = { 24 };
	mbb_tag(b, MB2_TAG_MMAP, p, sizeof(p));
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "no entries");
	free(b);
}

static void test_reject_mmap_wrap(void **state)
{
	static const struct raw_mmap wraps[][2] = {
		{ { 0, 0x1000, 1, 0 }, { 0xfffffffffffff000ull, 0x2000, 1, 0 } },
		{ { 0, 0x1000, 1, 0 }, { 1, UINT64_MAX, 2, 0 } },
		{ { UINT64_MAX, UINT64_MAX, 1, 0 }, { 0, 0x1000, 1, 0 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(wraps) / sizeof(wraps[0]); i++) {
		struct mbb *b = valid_prefix();

		mbb_mmap(b, wraps[i], 2);
		mbb_end(b);
		mbb_seal(b);
		expect_reject(b, "wraps");
		free(b);
	}
}

static void test_reject_module_range(void **state)
{
	static const uint32_t ranges[][2] = {
		{ 0x2000, 0x2000 }, { 0x2000, 0x1fff }, { 0xffffffffu, 0 }, { 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		struct mbb *b = valid_prefix();

		mbb_mmap(b, std_map, 1);
		mbb_module(b, ranges[i][0], ranges[i][1], "m");
		mbb_end(b);
		mbb_seal(b);
		expect_reject(b, "end not after start");
		free(b);
	}
}

static void test_reject_unterminated_strings(void **state)
{
	(void)state;
	/* module command line without NUL inside its tag; padding is garbage */
	struct mbb *b = valid_prefix();
	mbb_mmap(b, std_map, 1);
	mbb_tag(b, MB2_TAG_MODULE, "\0\0\0\0\1\0\0\0abc", 11);
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "unterminated");
	free(b);

	/* module tag with no room for a command line at all */
	b = valid_prefix();
	mbb_mmap(b, std_map, 1);
	mbb_tag(b, MB2_TAG_MODULE, "\0\0\0\0\1\0\0\0", 8);
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "module");
	free(b);

	/* command line tag without NUL */
	b = malloc(sizeof(*b));
	mbb_init(b);
	mbb_mmap(b, std_map, 1);
	mbb_tag(b, MB2_TAG_CMDLINE, "console=com1", 12);
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "unterminated");
	free(b);

	/* an empty command line tag (size 8) has no NUL either */
	b = malloc(sizeof(*b));
	mbb_init(b);
	mbb_tag(b, MB2_TAG_CMDLINE, NULL, 0);
	mbb_mmap(b, std_map, 1);
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "unterminated");
	free(b);

	/* loader name without NUL */
	b = malloc(sizeof(*b));
	mbb_init(b);
	mbb_mmap(b, std_map, 1);
	mbb_tag(b, MB2_TAG_LOADER_NAME, "GRUB", 4);
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "unterminated");
	free(b);

	/* a command line tag that fills the list to its very end: scanning for
	 * the NUL must stop at total_size (ASan watches the next byte) */
	b = malloc(sizeof(*b));
	mbb_init(b);
	mbb_tag(b, MB2_TAG_CMDLINE, "0123456789abcdef", 16);
	mbb_seal(b);
	expect_reject(b, "unterminated");
	free(b);

	/* likewise a module tag that is the last thing in the list */
	b = malloc(sizeof(*b));
	mbb_init(b);
	mbb_tag(b, MB2_TAG_MODULE, "\0\0\0\0\1\0\0\0abcdefgh", 16);
	mbb_seal(b);
	expect_reject(b, "unterminated");
	free(b);
}

static void test_reject_truncated_fixed_tags(void **state)
{
	static const struct { uint32_t type; size_t len; const char *needle; } c[] = {
		{ MB2_TAG_EFI64, 4, "EFI64" },
		{ MB2_TAG_EFI64, 0, "EFI64" },
		{ MB2_TAG_EFI32, 3, "EFI32" },
		{ MB2_TAG_ACPI_OLD, 19, "ACPI" },
		{ MB2_TAG_ACPI_NEW, 8, "ACPI" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct mbb *b = malloc(sizeof(*b));
		uint8_t zero[32] = { 0 };

		mbb_init(b);
		mbb_mmap(b, std_map, 1);
		mbb_tag(b, c[i].type, zero, c[i].len);
		mbb_seal(b);            /* no end tag: the truncated tag is last */
		expect_reject(b, c[i].needle);
		free(b);
	}
}

static void test_reject_too_many_modules(void **state)
{
	struct mbb *b = valid_prefix();

	(void)state;
	mbb_mmap(b, std_map, 1);
	for (unsigned i = 0; i < BOOT_MAX_MODULES + 1; i++)
		mbb_module(b, 0x1000 * i, 0x1000 * i + 1, "mod");
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "too many modules");
	free(b);
}

static void test_reject_too_many_mmap_entries(void **state)
{
	struct raw_mmap many[BOOT_MAX_MMAP + 1];
	struct mbb *b = valid_prefix();

	(void)state;
	for (unsigned i = 0; i < BOOT_MAX_MMAP + 1; i++)
		many[i] = (struct raw_mmap){ 0x100000ull * i, 0x1000, 1, 0 };
	mbb_mmap(b, many, BOOT_MAX_MMAP + 1);
	mbb_end(b);
	mbb_seal(b);
	expect_reject(b, "BOOT_MAX_MMAP");
	free(b);
}

static void test_mem_type_names(void **state)
{
	(void)state;
	assert_string_equal(mb2_mem_type_name(MB2_MEM_AVAILABLE), "usable");
	assert_string_equal(mb2_mem_type_name(2), "reserved");
	assert_string_equal(mb2_mem_type_name(MB2_MEM_ACPI), "ACPI reclaimable");
	assert_string_equal(mb2_mem_type_name(MB2_MEM_NVS), "ACPI NVS");
	assert_string_equal(mb2_mem_type_name(MB2_MEM_BAD), "bad");
	assert_string_equal(mb2_mem_type_name(0xdead), "reserved");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_full_list),
		cmocka_unit_test(test_minimal_list_defaults),
		cmocka_unit_test(test_tag_padding),
		cmocka_unit_test(test_mmap_large_entry_size),
		cmocka_unit_test(test_efi32_and_efi64),
		cmocka_unit_test(test_limits_accepted),
		cmocka_unit_test(test_data_after_end_tag_ignored),
		cmocka_unit_test(test_reject_bad_magic),
		cmocka_unit_test(test_reject_bad_pointer),
		cmocka_unit_test(test_reject_total_size),
		cmocka_unit_test(test_reject_tag_too_small),
		cmocka_unit_test(test_reject_tag_past_end),
		cmocka_unit_test(test_reject_no_end_tag),
		cmocka_unit_test(test_reject_end_tag_wrong_size),
		cmocka_unit_test(test_reject_missing_mmap),
		cmocka_unit_test(test_reject_mmap_entry_size),
		cmocka_unit_test(test_reject_mmap_entry_size_wraps),
		cmocka_unit_test(test_reject_duplicate_mmap),
		cmocka_unit_test(test_reject_mmap_no_entries),
		cmocka_unit_test(test_reject_mmap_wrap),
		cmocka_unit_test(test_reject_module_range),
		cmocka_unit_test(test_reject_unterminated_strings),
		cmocka_unit_test(test_reject_truncated_fixed_tags),
		cmocka_unit_test(test_reject_too_many_modules),
		cmocka_unit_test(test_reject_too_many_mmap_entries),
		cmocka_unit_test(test_mem_type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
