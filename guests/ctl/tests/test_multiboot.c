/*
 * Host unit tests for the loaders (guests/ctl/load_multiboot.c,
 * load_flat.c) on a byte buffer that stands for guest RAM: the multiboot
 * header search, ELF32 validation, the a.out kludge, the boot information
 * (flags, memory, command line, modules, memory map) and its placement
 * without overlap. `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/loader.h"

#define MiB (1024u * 1024u)

static struct guest_ram ram;
static struct load_error err;

static int setup(void **state)
{
	(void)state;
	ram.bytes = 16 * MiB;
	ram.base = malloc(ram.bytes);
	memset(ram.base, 0xcc, ram.bytes);      /* garbage: bss must be zeroed */
	memset(&err, 0, sizeof(err));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram.base);
	return 0;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void wr16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static uint32_t guest32(uint32_t gpa)
{
	return rd32(ram.base + gpa);
}

static void put_mb_header(uint8_t *at, uint32_t flags)
{
	wr32(at, MB_HEADER_MAGIC);
	wr32(at + 4, flags);
	wr32(at + 8, (uint32_t)-(MB_HEADER_MAGIC + flags));
}

/*
 * An ELF32 i386 executable: header, `nph` program headers at 52, the
 * multiboot header at 0x100 and segment bytes from 0x1000.
 */
struct elf_seg {
	uint32_t type, offset, vaddr, paddr, filesz, memsz;
};

static size_t make_elf(uint8_t *img, size_t cap, uint32_t entry,
		       const struct elf_seg *segs, unsigned nph)
{
	memset(img, 0, cap);
	memcpy(img, "\177ELF", 4);
	img[4] = 1;             /* ELFCLASS32 */
	img[5] = 1;             /* little-endian */
	img[6] = 1;
	wr16(img + 16, 2);      /* ET_EXEC */
	wr16(img + 18, 3);      /* EM_386 */
	wr32(img + 20, 1);
	wr32(img + 24, entry);
	wr32(img + 28, 52);     /* phoff */
	wr16(img + 40, 52);
	wr16(img + 42, 32);
	wr16(img + 44, (uint16_t)nph);
	for (unsigned i = 0; i < nph; i++) {
		uint8_t *ph = img + 52 + i * 32;

		wr32(ph + 0, segs[i].type);
		wr32(ph + 4, segs[i].offset);
		wr32(ph + 8, segs[i].vaddr);
		wr32(ph + 12, segs[i].paddr);
		wr32(ph + 16, segs[i].filesz);
		wr32(ph + 20, segs[i].memsz);
	}
	put_mb_header(img + 0x100, MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO);
	for (size_t i = 0x1000; i < cap; i++)
		img[i] = (uint8_t)(i * 7);
	return cap;
}

static void test_header_search(void **state)
{
	static uint8_t img[12000];
	struct mb_header h;

	(void)state;
	memset(img, 0, sizeof(img));
	assert_int_equal(mb_find_header(img, sizeof(img), &h, &err), -1);
	assert_non_null(strstr(err.msg, "no multiboot header"));

	/* found at a 4-byte aligned offset; unaligned copies are not headers */
	put_mb_header(img + 0x201, 0);
	assert_int_equal(mb_find_header(img, sizeof(img), &h, &err), -1);
	put_mb_header(img + 0x204, MB_FLAG_MEMORY_INFO);
	assert_int_equal(mb_find_header(img, sizeof(img), &h, &err), 0);
	assert_int_equal(h.offset, 0x204);
	assert_int_equal(h.flags, MB_FLAG_MEMORY_INFO);

	/* the magic with a bad checksum is skipped, and named if alone */
	memset(img, 0, sizeof(img));
	wr32(img + 0x10, MB_HEADER_MAGIC);
	assert_int_equal(mb_find_header(img, sizeof(img), &h, &err), -1);
	assert_non_null(strstr(err.msg, "bad checksum"));
	put_mb_header(img + 0x40, 0);
	assert_int_equal(mb_find_header(img, sizeof(img), &h, &err), 0);
	assert_int_equal(h.offset, 0x40);

	/* beyond the first 8 KiB it does not count */
	memset(img, 0, sizeof(img));
	put_mb_header(img + 8192, 0);
	assert_int_equal(mb_find_header(img, sizeof(img), &h, &err), -1);
	put_mb_header(img + 8192 - 12, 0);
	assert_int_equal(mb_find_header(img, sizeof(img), &h, &err), 0);

	/* required features we do not know */
	memset(img, 0, sizeof(img));
	put_mb_header(img, 0x8);
	assert_int_equal(mb_find_header(img, sizeof(img), &h, &err), -1);
	assert_non_null(strstr(err.msg, "unsupported"));
	/* optional high bits are fine */
	put_mb_header(img, 0x00020000);
	assert_int_equal(mb_find_header(img, sizeof(img), &h, &err), 0);

	/* a.out kludge fields, and a truncated header */
	memset(img, 0, sizeof(img));
	put_mb_header(img + 4, MB_FLAG_AOUT_KLUDGE);
	wr32(img + 16, 0x100004);
	wr32(img + 20, 0x100000);
	wr32(img + 32, 0x100020);
	assert_int_equal(mb_find_header(img, sizeof(img), &h, &err), 0);
	assert_int_equal(h.header_addr, 0x100004);
	assert_int_equal(h.load_addr, 0x100000);
	assert_int_equal(h.entry_addr, 0x100020);
	assert_int_equal(mb_find_header(img, 20, &h, &err), -1);
	assert_non_null(strstr(err.msg, "truncated"));
}

static void test_elf_validation(void **state)
{
	static uint8_t img[0x3000];
	struct elf32_image e;
	struct elf_seg s[2] = {
		{ 1, 0x1000, 0x100000, 0x100000, 0x1000, 0x3000 },
		{ 1, 0x2000, 0x200000, 0x200000, 0x800, 0x800 },
	};

	(void)state;
	make_elf(img, sizeof(img), 0x100010, s, 2);
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), 0);
	assert_int_equal(e.nsegs, 2);
	assert_int_equal(e.lo, 0x100000);
	assert_int_equal(e.hi, 0x200800);
	assert_int_equal(e.entry, 0x100010);

	/* kernel linked high: entry and vaddr 0xc0100000, paddr 1 MiB */
	s[0].vaddr = 0xc0100000;
	make_elf(img, sizeof(img), 0xc0100010, s, 1);
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), 0);
	assert_int_equal(e.entry, 0x100010);
	s[0].vaddr = 0x100000;

	/* entry outside every segment */
	make_elf(img, sizeof(img), 0x400000, s, 2);
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), -1);
	assert_non_null(strstr(err.msg, "entry point"));

	/* segment beyond RAM, and wrapping */
	make_elf(img, sizeof(img), 0x100010, s, 2);
	assert_int_equal(elf32_parse(img, sizeof(img), 0x200000, &e, &err), -1);
	assert_non_null(strstr(err.msg, "outside guest RAM"));
	s[1].paddr = 0xfffff000;
	s[1].memsz = 0x2000;
	make_elf(img, sizeof(img), 0x100010, s, 2);
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), -1);
	s[1].paddr = 0x200000;
	s[1].memsz = 0x800;

	/* file bytes outside the file; filesz > memsz */
	s[1].filesz = 0x1800;
	s[1].memsz = 0x1800;
	make_elf(img, sizeof(img), 0x100010, s, 2);
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), -1);
	assert_non_null(strstr(err.msg, "outside the file"));
	s[1].memsz = 0x100;
	make_elf(img, sizeof(img), 0x100010, s, 2);
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), -1);
	assert_non_null(strstr(err.msg, "exceeds"));
	s[1].filesz = s[1].memsz = 0x800;

	/* non-LOAD and empty segments are skipped; nothing left is an error */
	s[0].type = 4;
	s[1].memsz = 0;
	s[1].filesz = 0;
	make_elf(img, sizeof(img), 0x100010, s, 2);
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), -1);
	assert_non_null(strstr(err.msg, "nothing to load"));
	s[0].type = 1;

	/* header checks */
	make_elf(img, sizeof(img), 0x100010, s, 1);
	img[4] = 2;
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), -1);
	assert_non_null(strstr(err.msg, "64-bit"));
	img[4] = 1;
	wr16(img + 18, 62);
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), -1);
	assert_non_null(strstr(err.msg, "i386"));
	wr16(img + 18, 3);
	wr16(img + 16, 3);
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), -1);
	wr16(img + 16, 2);
	wr32(img + 28, sizeof(img) - 16);       /* phdrs past the end */
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), -1);
	assert_non_null(strstr(err.msg, "program headers"));
	wr32(img + 28, 52);
	wr16(img + 44, 0);
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), -1);
	assert_int_equal(elf32_parse(img, 40, 16 * MiB, &e, &err), -1);
	memcpy(img, "\177ELG", 4);
	assert_int_equal(elf32_parse(img, sizeof(img), 16 * MiB, &e, &err), -1);
	assert_non_null(strstr(err.msg, "not an ELF"));
}

/* No two of [start, end) ranges overlap. */
static void assert_disjoint(const uint32_t (*r)[2], unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			assert_true(r[i][1] <= r[j][0] || r[j][1] <= r[i][0]);
}

static void test_elf_kernel_with_modules(void **state)
{
	static uint8_t img[0x3000];
	static uint8_t mod_a[5000], mod_b[3];
	struct elf_seg s[1] = { { 1, 0x1000, 0x100000, 0x100000, 0x2000, 0x5000 } };
	struct mb_module mods[2] = {
		{ mod_a, sizeof(mod_a), "initrd.img arg=1" },
		{ mod_b, sizeof(mod_b), "tiny" },
	};
	struct mb_boot b;
	uint32_t mbi, mmap, modlist;
	uint32_t ranges[4][2];

	(void)state;
	memset(mod_a, 0xa5, sizeof(mod_a));
	memcpy(mod_b, "xyz", 3);
	make_elf(img, sizeof(img), 0x100000, s, 1);
	assert_int_equal(mb_load(&ram, img, sizeof(img), "kernel console=ttyS0",
				 mods, 2, &b, &err), 0);
	assert_false(b.aout_kludge);
	assert_int_equal(b.entry, 0x100000);
	assert_int_equal(b.kernel_start, 0x100000);
	assert_int_equal(b.kernel_end, 0x105000);
	/* file bytes copied, bss zeroed */
	assert_memory_equal(ram.base + 0x100000, img + 0x1000, 0x2000);
	for (uint32_t i = 0x102000; i < 0x105000; i++)
		assert_int_equal(ram.base[i], 0);

	/* the info lands just above the kernel */
	mbi = b.mbi_gpa;
	assert_true(mbi >= 0x105000 && mbi < 0x106000);
	assert_int_equal(mbi % 8, 0);
	assert_int_equal(guest32(mbi + MBI_OFF_FLAGS),
			 MBI_FLAG_MEMORY | MBI_FLAG_CMDLINE | MBI_FLAG_MODS |
			 MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME);
	assert_int_equal(guest32(mbi + MBI_OFF_MEM_LOWER), 640);
	assert_int_equal(guest32(mbi + MBI_OFF_MEM_UPPER),
			 (16 * MiB - LOAD_RESERVED_TOP_BYTES - MiB) / 1024);
	assert_string_equal((char *)ram.base + guest32(mbi + MBI_OFF_CMDLINE),
			    "kernel console=ttyS0");
	assert_string_equal((char *)ram.base + guest32(mbi + MBI_OFF_LOADER_NAME),
			    "BareKVM");
	/* fields we do not provide are zero */
	assert_int_equal(guest32(mbi + 12), 0);         /* boot_device */
	assert_int_equal(guest32(mbi + 88), 0);         /* framebuffer */

	/* modules: list, page-aligned data, strings */
	assert_int_equal(guest32(mbi + MBI_OFF_MODS_COUNT), 2);
	modlist = guest32(mbi + MBI_OFF_MODS_ADDR);
	for (unsigned i = 0; i < 2; i++) {
		uint32_t start = guest32(modlist + i * 16);
		uint32_t end = guest32(modlist + i * 16 + 4);

		assert_int_equal(start % 4096, 0);
		assert_int_equal(start, b.mod_start[i]);
		assert_int_equal(end, b.mod_end[i]);
		assert_int_equal(end - start, mods[i].size);
		assert_memory_equal(ram.base + start, mods[i].data, mods[i].size);
		assert_string_equal((char *)ram.base + guest32(modlist + i * 16 + 8),
				    mods[i].cmdline);
		assert_int_equal(guest32(modlist + i * 16 + 12), 0);
		assert_true(end <= 16 * MiB - LOAD_RESERVED_TOP_BYTES);
	}

	/* memory map: size 20 entries covering RAM, reserved top */
	assert_int_equal(guest32(mbi + MBI_OFF_MMAP_LENGTH), 4 * 24);
	mmap = guest32(mbi + MBI_OFF_MMAP_ADDR);
	assert_int_equal(guest32(mmap), 20);
	assert_true(rd64(ram.base + mmap + 4) == 0);
	assert_true(rd64(ram.base + mmap + 12) == 0xa0000);
	assert_int_equal(guest32(mmap + 20), MB_MEMORY_AVAILABLE);
	assert_int_equal(guest32(mmap + 24 + 20), MB_MEMORY_RESERVED);
	assert_true(rd64(ram.base + mmap + 48 + 4) == MiB);
	assert_true(rd64(ram.base + mmap + 48 + 12) == 15 * MiB - LOAD_RESERVED_TOP_BYTES);
	assert_int_equal(guest32(mmap + 48 + 20), MB_MEMORY_AVAILABLE);
	assert_true(rd64(ram.base + mmap + 72 + 4) == 16 * MiB - LOAD_RESERVED_TOP_BYTES);
	assert_true(rd64(ram.base + mmap + 72 + 12) == LOAD_RESERVED_TOP_BYTES);
	assert_int_equal(guest32(mmap + 72 + 20), MB_MEMORY_RESERVED);

	/* nothing overlaps */
	ranges[0][0] = b.kernel_start, ranges[0][1] = b.kernel_end;
	ranges[1][0] = b.info_start, ranges[1][1] = b.info_end;
	ranges[2][0] = b.mod_start[0], ranges[2][1] = b.mod_end[0];
	ranges[3][0] = b.mod_start[1], ranges[3][1] = b.mod_end[1];
	assert_disjoint((const uint32_t (*)[2])ranges, 4);
	assert_true(b.info_end > b.info_start);
}

static void test_aout_kludge(void **state)
{
	static uint8_t img[0x1800];
	struct mb_boot b;

	(void)state;
	/* a raw binary loaded at 2 MiB, its header 0x20 bytes in */
	memset(img, 0x90, sizeof(img));
	put_mb_header(img + 0x20, MB_FLAG_AOUT_KLUDGE | MB_FLAG_VIDEO_MODE);
	wr32(img + 0x2c, 0x200020);     /* header_addr */
	wr32(img + 0x30, 0x200000);     /* load_addr */
	wr32(img + 0x34, 0);            /* load_end_addr: whole file */
	wr32(img + 0x38, 0x204000);     /* bss_end_addr */
	wr32(img + 0x3c, 0x200040);     /* entry_addr */
	assert_int_equal(mb_load(&ram, img, sizeof(img), "", NULL, 0, &b, &err), 0);
	assert_true(b.aout_kludge);
	assert_true(b.video_ignored);
	assert_int_equal(b.entry, 0x200040);
	assert_int_equal(b.kernel_start, 0x200000);
	assert_int_equal(b.kernel_end, 0x204000);
	assert_memory_equal(ram.base + 0x200000, img, sizeof(img));
	for (uint32_t i = 0x200000 + sizeof(img); i < 0x204000; i++)
		assert_int_equal(ram.base[i], 0);
	assert_true(b.mbi_gpa >= 0x204000);
	assert_int_equal(guest32(b.mbi_gpa + MBI_OFF_MODS_COUNT), 0);
	assert_string_equal((char *)ram.base + guest32(b.mbi_gpa + MBI_OFF_CMDLINE), "");

	/* load_end_addr cuts the file */
	wr32(img + 0x34, 0x200100);
	wr32(img + 0x38, 0);
	memset(ram.base + 0x200000, 0xcc, 0x2000);
	assert_int_equal(mb_load(&ram, img, sizeof(img), "", NULL, 0, &b, &err), 0);
	assert_int_equal(b.kernel_end, 0x200100);
	assert_int_equal(b.mbi_gpa, 0x200100);	/* right after the loaded part */

	/* the image begins before the header: load_addr below header - offset */
	wr32(img + 0x30, 0x1fffff);
	assert_int_equal(mb_load(&ram, img, sizeof(img), "", NULL, 0, &b, &err), -1);
	assert_non_null(strstr(err.msg, "before the file"));
	wr32(img + 0x30, 0x200000);
	/* header_addr below load_addr */
	wr32(img + 0x2c, 0x1ffff0);
	assert_int_equal(mb_load(&ram, img, sizeof(img), "", NULL, 0, &b, &err), -1);
	wr32(img + 0x2c, 0x200020);
	/* load_end beyond the file */
	wr32(img + 0x34, 0x200000 + sizeof(img) + 1);
	assert_int_equal(mb_load(&ram, img, sizeof(img), "", NULL, 0, &b, &err), -1);
	assert_non_null(strstr(err.msg, "beyond the file"));
	wr32(img + 0x34, 0);
	/* bss_end below the loaded end */
	wr32(img + 0x38, 0x200100);
	assert_int_equal(mb_load(&ram, img, sizeof(img), "", NULL, 0, &b, &err), -1);
	assert_non_null(strstr(err.msg, "bss_end_addr"));
	wr32(img + 0x38, 0);
	/* entry outside */
	wr32(img + 0x3c, 0x300000);
	assert_int_equal(mb_load(&ram, img, sizeof(img), "", NULL, 0, &b, &err), -1);
	assert_non_null(strstr(err.msg, "entry_addr"));
	wr32(img + 0x3c, 0x200040);
	/* into the reserved top, or beyond RAM */
	wr32(img + 0x2c, 16 * MiB - 0x1000 + 0x20);
	wr32(img + 0x30, 16 * MiB - 0x1000);
	wr32(img + 0x3c, 16 * MiB - 0x1000 + 0x40);
	assert_int_equal(mb_load(&ram, img, sizeof(img), "", NULL, 0, &b, &err), -1);
	assert_non_null(strstr(err.msg, "outside guest RAM"));
}

static void test_info_goes_below_a_high_kernel(void **state)
{
	static uint8_t img[0x2000];
	static uint8_t mod[0x3000];
	struct elf_seg s[1] = { { 1, 0x1000, 0, 0, 0x1000, 0 } };
	struct mb_module m = { mod, sizeof(mod), "m" };
	uint32_t limit = 16 * MiB - LOAD_RESERVED_TOP_BYTES;
	struct mb_boot b;

	(void)state;
	/* the kernel's bss runs up to the usable top: no room above it */
	s[0].vaddr = s[0].paddr = 2 * MiB;
	s[0].memsz = limit - 2 * MiB;
	make_elf(img, sizeof(img), 2 * MiB, s, 1);
	assert_int_equal(mb_load(&ram, img, sizeof(img), "x", &m, 1, &b, &err), 0);
	assert_true(b.info_end <= 0xa0000 || (b.info_start >= MiB && b.info_end <= 2 * MiB));
	assert_true(b.mod_end[0] <= 2 * MiB);
	assert_true(b.info_start >= 0x1000);

	/* too big a module: clear error */
	m.size = 2 * MiB;
	assert_int_equal(mb_load(&ram, img, sizeof(img), "x", &m, 1, &b, &err), -1);
	assert_non_null(strstr(err.msg, "no room"));
	assert_non_null(strstr(err.msg, "module 0"));

	/* beyond the usable top */
	s[0].memsz = limit - 2 * MiB + 1;
	make_elf(img, sizeof(img), 2 * MiB, s, 1);
	assert_int_equal(mb_load(&ram, img, sizeof(img), "x", NULL, 0, &b, &err), -1);
}

static void test_mb_errors(void **state)
{
	static uint8_t img[0x2000];
	struct mb_module mods[MB_MAX_MODULES + 1];
	struct guest_ram small = { ram.base, MiB };
	struct mb_boot b;

	(void)state;
	memset(img, 0, sizeof(img));
	assert_int_equal(mb_load(&ram, img, sizeof(img), "", NULL, 0, &b, &err), -1);
	assert_non_null(strstr(err.msg, "no multiboot header"));
	/* a header but not ELF and no kludge */
	put_mb_header(img + 0x10, 0);
	assert_int_equal(mb_load(&ram, img, sizeof(img), "", NULL, 0, &b, &err), -1);
	assert_non_null(strstr(err.msg, "not an ELF"));
	assert_int_equal(mb_load(&small, img, sizeof(img), "", NULL, 0, &b, &err), -1);
	assert_non_null(strstr(err.msg, "at least 2 MiB"));
	memset(mods, 0, sizeof(mods));
	assert_int_equal(mb_load(&ram, img, sizeof(img), "", mods, MB_MAX_MODULES + 1,
				 &b, &err), -1);
}

static void test_flat(void **state)
{
	static const uint8_t image[] = { 0xf4, 0xeb, 0xfd };

	(void)state;
	assert_int_equal(flat_load(&ram, image, sizeof(image), 0x7c00, &err), 0);
	assert_memory_equal(ram.base + 0x7c00, image, sizeof(image));
	assert_int_equal(flat_load(&ram, image, sizeof(image), 16 * MiB - 3, &err), 0);
	assert_int_equal(flat_load(&ram, image, sizeof(image), 16 * MiB - 2, &err), -1);
	assert_non_null(strstr(err.msg, "do not fit"));
	assert_int_equal(flat_load(&ram, image, sizeof(image), ~0ULL - 1, &err), -1);
	assert_int_equal(flat_load(&ram, image, 0, 0, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_kernel_with_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_kludge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_goes_below_a_high_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
