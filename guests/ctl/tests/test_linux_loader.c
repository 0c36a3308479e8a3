/*
 * Host unit tests for the Linux loader (guests/ctl/load_linux.c), the
 * 32-bit boot protocol's vCPU state (cpu_mode.c: cpu_setup_linux32) and
 * the MP table (mptable.c), on a byte buffer that stands for guest RAM.
 * The bzImages are synthetic: a setup header built here field by field
 * (Documentation/arch/x86/boot.rst) and a patterned protected-mode part.
 * The MP table is parsed back entry by entry. `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/loader.h"

#define MiB (1024u * 1024u)
#define RAM_BYTES (64 * MiB)
#define RAM_TOP (RAM_BYTES - LOAD_RESERVED_TOP_BYTES)  /* 0x3ffd000 */
#define GARBAGE 0xcc

static struct guest_ram ram;
static struct load_error err;
static struct linux_boot boot;

static int setup(void **state)
{
	(void)state;
	ram.bytes = RAM_BYTES;
	ram.base = malloc(ram.bytes);
	memset(ram.base, GARBAGE, ram.bytes);
	memset(&err, 0, sizeof(err));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram.base);
	return 0;
}

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* What a synthetic bzImage's header says. */
struct bz {
	uint16_t version;
	uint8_t setup_sects;
	uint8_t hdr_len;                /* byte at 0x201: header end - 0x202 */
	uint8_t loadflags;
	uint8_t relocatable;
	uint32_t kernel_bytes;          /* syssize * 16 */
	uint32_t alignment, init_size, initrd_max, cmdline_size;
	uint64_t pref;
	size_t file_bytes;              /* 0: exactly setup + kernel */
};

/* Debian 6.1's values, scaled down: protocol 2.15, relocatable, 2 MiB
 * alignment, pref_address 16 MiB. */
static struct bz debian_like(void)
{
	return (struct bz){
		.version = 0x020f, .setup_sects = 0x1b, .hdr_len = 0x6a,
		.loadflags = LINUX_LOADED_HIGH, .relocatable = 1,
		.kernel_bytes = 0x3000, .alignment = 0x200000,
		.init_size = 0x800000, .initrd_max = 0x7fffffff,
		.cmdline_size = 2047, .pref = 0x1000000,
	};
}

static uint8_t kernel_byte(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static uint32_t setup_bytes(const struct bz *b)
{
	return ((b->setup_sects ? b->setup_sects : 4u) + 1) * 512;
}

static uint8_t *make_bzimage(const struct bz *b, size_t *len)
{
	size_t setup = setup_bytes(b);
	size_t n = b->file_bytes ? b->file_bytes : setup + b->kernel_bytes;
	uint8_t *img = calloc(1, n < 0x1000 ? 0x1000 : n);

	img[LINUX_HDR_SETUP_SECTS] = b->setup_sects;
	wr32(img + LINUX_HDR_SYSSIZE, b->kernel_bytes / 16);
	wr16(img + LINUX_HDR_VID_MODE, 0xfffd);         /* "ask": we override */
	wr16(img + LINUX_HDR_BOOT_FLAG, LINUX_BOOT_FLAG);
	img[LINUX_HDR_JUMP] = 0xeb;
	img[LINUX_HDR_JUMP + 1] = b->hdr_len;
	memcpy(img + LINUX_HDR_MAGIC, "HdrS", 4);
	wr16(img + LINUX_HDR_VERSION, b->version);
	wr16(img + 0x20e, 0x1234);                      /* kernel_version: copied */
	img[LINUX_HDR_LOADFLAGS] = b->loadflags | 0x20; /* QUIET: we clear it */
	wr32(img + LINUX_HDR_CODE32_START, 0x100000);
	wr32(img + LINUX_HDR_INITRD_ADDR_MAX, b->initrd_max);
	wr32(img + LINUX_HDR_KERNEL_ALIGNMENT, b->alignment);
	img[LINUX_HDR_RELOCATABLE] = b->relocatable;
	img[0x235] = 21;                                /* min_alignment */
	wr16(img + 0x236, 0x7f);                        /* xloadflags: copied */
	wr32(img + LINUX_HDR_CMDLINE_SIZE, b->cmdline_size);
	wr64(img + LINUX_HDR_SETUP_DATA, 0x12345678);   /* the loader's: cleared */
	wr64(img + LINUX_HDR_PREF_ADDRESS, b->pref);
	wr32(img + LINUX_HDR_INIT_SIZE, b->init_size);
	img[0x270] = 0xee;                              /* past the header */
	for (size_t i = 0; i < b->kernel_bytes && setup + i < n; i++)
		img[setup + i] = kernel_byte(i);
	*len = n;
	return img;
}

/* Loads b with cmdline and an initrd of initrd_len patterned bytes. */
static int load(const struct bz *b, const char *cmdline, size_t initrd_len)
{
	size_t len;
	uint8_t *img = make_bzimage(b, &len);
	uint8_t *initrd = initrd_len ? malloc(initrd_len) : NULL;
	int r;

	for (size_t i = 0; i < initrd_len; i++)
		initrd[i] = (uint8_t)(i ^ 0x5a);
	memset(&boot, 0xff, sizeof(boot));
	r = linux_load(&ram, img, len, cmdline, initrd, initrd_len, &boot, &err);
	free(img);
	free(initrd);
	return r;
}

static const uint8_t *zero_page(void)
{
	return ram.base + LINUX_ZERO_PAGE_GPA;
}

static void assert_e820(unsigned i, uint64_t start, uint64_t end, uint32_t type)
{
	const uint8_t *e = zero_page() + LINUX_BP_E820_TABLE + i * LINUX_E820_ENTRY_BYTES;

	assert_int_equal(rd64(e), start);
	assert_int_equal(rd64(e + 8), end - start);
	assert_int_equal(rd32(e + 16), type);
}

static void assert_ram_untouched(void)
{
	for (uint32_t a = 0; a < 2 * MiB; a++)
		if (ram.base[a] != GARBAGE)
			fail_msg("RAM at 0x%x written by a refused load", a);
}

/* ---- header parsing ------------------------------------------------------ */

static void test_parse_fields(void **state)
{
	struct bz b = debian_like();
	struct linux_header h;
	size_t len;
	uint8_t *img;

	(void)state;
	b.setup_sects = 0;              /* means 4 */
	img = make_bzimage(&b, &len);
	assert_int_equal(linux_parse_header(img, len, &h, &err), 0);
	assert_int_equal(h.version, 0x020f);
	assert_int_equal(h.setup_bytes, 5 * 512);
	assert_int_equal(h.hdr_end, 0x26c);
	assert_int_equal(h.kernel_bytes, 0x3000);
	assert_int_equal(h.loadflags, LINUX_LOADED_HIGH | 0x20);
	assert_true(h.relocatable);
	assert_int_equal(h.kernel_alignment, 0x200000);
	assert_int_equal(h.initrd_addr_max, 0x7fffffff);
	assert_int_equal(h.cmdline_size, 2047);
	assert_int_equal(h.pref_address, 0x1000000);
	assert_int_equal(h.init_size, 0x800000);
	free(img);
}

/* A header end past boot_params' room is cut at 0x290. */
static void test_parse_long_header_clamped(void **state)
{
	struct bz b = debian_like();
	struct linux_header h;
	size_t len;
	uint8_t *img;

	(void)state;
	b.hdr_len = 0xff;
	img = make_bzimage(&b, &len);
	assert_int_equal(linux_parse_header(img, len, &h, &err), 0);
	assert_int_equal(h.hdr_end, LINUX_HDR_MAX_END);
	free(img);
}

/* Before 2.10 there is no pref_address or init_size: 1 MiB, the image. */
static void test_parse_protocol_2_06(void **state)
{
	struct bz b = debian_like();
	struct linux_header h;
	size_t len;
	uint8_t *img;

	(void)state;
	b.version = 0x0206;
	b.hdr_len = 0x3a;               /* ends at 0x23c, after cmdline_size */
	img = make_bzimage(&b, &len);
	assert_int_equal(linux_parse_header(img, len, &h, &err), 0);
	assert_int_equal(h.pref_address, 0x100000);
	assert_int_equal(h.init_size, 0x3000);
	free(img);
}

static void expect_parse_error(const struct bz *b, const char *what)
{
	struct linux_header h;
	size_t len;
	uint8_t *img = make_bzimage(b, &len);

	assert_int_equal(linux_parse_header(img, len, &h, &err), -1);
	if (!strstr(err.msg, what))
		fail_msg("error '%s' does not say '%s'", err.msg, what);
	free(img);
}

static void test_parse_refusals(void **state)
{
	struct bz b;
	uint8_t junk[0x300] = { 0 };
	struct linux_header h;

	(void)state;
	assert_int_equal(linux_parse_header(junk, sizeof(junk), &h, &err), -1);
	assert_non_null(strstr(err.msg, "not a bzImage"));
	memcpy(junk + LINUX_HDR_MAGIC, "HdrS", 4);     /* no 0xAA55 */
	assert_int_equal(linux_parse_header(junk, sizeof(junk), &h, &err), -1);
	assert_non_null(strstr(err.msg, "not a bzImage"));
	wr16(junk + LINUX_HDR_BOOT_FLAG, LINUX_BOOT_FLAG);
	assert_int_equal(linux_parse_header(junk, 0x207, &h, &err), -1);
	assert_non_null(strstr(err.msg, "not a bzImage"));     /* truncated */

	b = debian_like();
	b.version = 0x0205;
	expect_parse_error(&b, "boot protocol 2.05 is too old");

	b = debian_like();
	b.hdr_len = 0x60;               /* 0x262: init_size cut off */
	expect_parse_error(&b, "setup header ends at 0x262");

	b = debian_like();
	b.setup_sects = 0xff;           /* 128 KiB of setup in a 17 KiB file */
	b.file_bytes = 0x4000;
	expect_parse_error(&b, "setup of 131072 bytes (setup_sects 255) is longer");

	b = debian_like();
	b.file_bytes = setup_bytes(&b) + 0x2ff0;        /* kernel cut short */
	expect_parse_error(&b, "does not hold the setup");

	b = debian_like();
	b.kernel_bytes = 0;             /* syssize 0 */
	expect_parse_error(&b, "does not hold the setup");

	b = debian_like();
	b.loadflags = 0;
	expect_parse_error(&b, "zImage");

	b = debian_like();
	b.alignment = 0x300000;
	expect_parse_error(&b, "not a power of two");
	b.alignment = 0;
	expect_parse_error(&b, "not a power of two");
}

/* syssize * 16 beyond 4 GiB must not wrap into a small size. */
static void test_parse_huge_syssize(void **state)
{
	struct bz b = debian_like();
	struct linux_header h;
	size_t len;
	uint8_t *img;

	(void)state;
	img = make_bzimage(&b, &len);
	wr32(img + LINUX_HDR_SYSSIZE, 0x10000003u);    /* 4 GiB + 0x30 bytes */
	assert_int_equal(linux_parse_header(img, len, &h, &err), -1);
	assert_non_null(strstr(err.msg, "does not hold the setup"));
	free(img);
}

/* ---- loading -------------------------------------------------------------- */

static void test_load_debian_like(void **state)
{
	struct bz b = debian_like();
	uint32_t initrd_gpa = (RAM_TOP - 10000) & ~0xfffu;      /* 0x3ffa000 */
	const uint8_t *bp = zero_page();
	const uint64_t *gdt = (const uint64_t *)(ram.base + LINUX_GDT_GPA);

	(void)state;
	assert_int_equal(load(&b, "console=ttyS0", 10000), 0);
	assert_int_equal(boot.kernel_gpa, 0x1000000);
	assert_int_equal(boot.kernel_end, 0x1800000);
	assert_int_equal(boot.initrd_gpa, initrd_gpa);
	assert_int_equal(boot.initrd_bytes, 10000);
	assert_int_equal(boot.cmdline_gpa, 0x20000);
	assert_int_equal(boot.cmdline_bytes, 13);
	assert_int_equal(boot.zero_page_gpa, 0x7000);
	assert_int_equal(boot.ram_top, RAM_TOP);
	assert_int_equal(boot.e820_entries, 4);

	/* the bytes */
	for (uint32_t i = 0; i < b.kernel_bytes; i++)
		assert_int_equal(ram.base[0x1000000 + i], kernel_byte(i));
	assert_int_equal(ram.base[0x1000000 + b.kernel_bytes], GARBAGE);
	for (uint32_t i = 0; i < 10000; i++)
		assert_int_equal(ram.base[initrd_gpa + i], (uint8_t)(i ^ 0x5a));
	assert_string_equal((const char *)ram.base + 0x20000, "console=ttyS0");

	/* the GDT: __BOOT_CS 0x10, __BOOT_DS 0x18 */
	assert_int_equal(gdt[0], 0);
	assert_int_equal(gdt[1], 0);
	assert_int_equal(gdt[2], 0x00cf9b000000ffffULL);
	assert_int_equal(gdt[3], 0x00cf93000000ffffULL);

	/* the zero page: the header copied, the loader's fields set */
	assert_int_equal(bp[LINUX_HDR_SETUP_SECTS], 0x1b);
	assert_int_equal(rd16(bp + LINUX_HDR_BOOT_FLAG), 0xaa55);
	assert_memory_equal(bp + LINUX_HDR_MAGIC, "HdrS", 4);
	assert_int_equal(rd16(bp + LINUX_HDR_VERSION), 0x020f);
	assert_int_equal(rd16(bp + 0x20e), 0x1234);
	assert_int_equal(rd16(bp + 0x236), 0x7f);
	assert_int_equal(rd32(bp + LINUX_HDR_INIT_SIZE), 0x800000);
	assert_int_equal(rd16(bp + LINUX_HDR_VID_MODE), 0xffff);
	assert_int_equal(bp[LINUX_HDR_TYPE_OF_LOADER], 0xff);
	assert_int_equal(bp[LINUX_HDR_LOADFLAGS], 0x81);
	assert_int_equal(rd32(bp + LINUX_HDR_CODE32_START), 0x1000000);
	assert_int_equal(rd32(bp + LINUX_HDR_RAMDISK_IMAGE), initrd_gpa);
	assert_int_equal(rd32(bp + LINUX_HDR_RAMDISK_SIZE), 10000);
	assert_int_equal(rd16(bp + LINUX_HDR_HEAP_END_PTR), 0xde00);
	assert_int_equal(rd32(bp + LINUX_HDR_CMD_LINE_PTR), 0x20000);
	assert_int_equal(rd64(bp + LINUX_HDR_SETUP_DATA), 0);
	/* the rest is zero: no VGA, sentinel clear, nothing past the header */
	for (unsigned i = 0; i < LINUX_HDR_START; i++)
		if (i != LINUX_BP_E820_ENTRIES && bp[i])
			fail_msg("zero page byte 0x%x is 0x%x", i, bp[i]);
	assert_int_equal(bp[LINUX_BP_ORIG_VIDEO_ISVGA], 0);
	assert_int_equal(bp[LINUX_BP_SENTINEL], 0);
	for (unsigned i = 0x26c; i < LINUX_BP_E820_TABLE; i++)
		if (bp[i])
			fail_msg("zero page byte 0x%x is 0x%x", i, bp[i]);

	/* the e820 map */
	assert_int_equal(bp[LINUX_BP_E820_ENTRIES], 4);
	assert_e820(0, 0, 0x9fc00, LINUX_E820_RAM);
	assert_e820(1, 0x9fc00, 0x100000, LINUX_E820_RESERVED);
	assert_e820(2, 0x100000, RAM_TOP, LINUX_E820_RAM);
	assert_e820(3, RAM_TOP, RAM_BYTES, LINUX_E820_RESERVED);
	for (unsigned i = LINUX_BP_E820_TABLE + 4 * LINUX_E820_ENTRY_BYTES;
	     i < LINUX_BP_BYTES; i++)
		if (bp[i])
			fail_msg("zero page byte 0x%x is 0x%x", i, bp[i]);
}

/* No initrd, an empty command line: ramdisk fields 0, "" at 0x20000. */
static void test_load_no_initrd(void **state)
{
	struct bz b = debian_like();

	(void)state;
	assert_int_equal(load(&b, NULL, 0), 0);
	assert_int_equal(boot.initrd_gpa, 0);
	assert_int_equal(boot.initrd_bytes, 0);
	assert_int_equal(boot.cmdline_bytes, 0);
	assert_int_equal(ram.base[0x20000], 0);
	assert_int_equal(rd32(zero_page() + LINUX_HDR_RAMDISK_IMAGE), 0);
	assert_int_equal(rd32(zero_page() + LINUX_HDR_RAMDISK_SIZE), 0);
}

/* initrd_addr_max is the last byte the initrd may use. */
static void test_load_initrd_addr_max(void **state)
{
	struct bz b = debian_like();

	(void)state;
	b.initrd_max = 0x2ffffff;
	assert_int_equal(load(&b, "", 0x1800), 0);
	assert_int_equal(boot.initrd_gpa, 0x2ffe000);   /* 0x3000000 - 0x1800, down */
	assert_int_equal(boot.initrd_gpa + boot.initrd_bytes <= 0x3000000, 1);
}

/* The initrd may end exactly at the kernel's end, never below. */
static void test_load_initrd_tight(void **state)
{
	struct bz b = debian_like();
	uint64_t room = (RAM_TOP & ~0xfffu) - 0x1800000;

	(void)state;
	assert_int_equal(load(&b, "", room), 0);
	assert_int_equal(boot.initrd_gpa, 0x1800000);
	assert_int_equal(load(&b, "", room + 1), -1);
	assert_non_null(strstr(err.msg, "initrd of"));
	assert_non_null(strstr(err.msg, "does not fit between the kernel's end 0x1800000"));
}

/* A relocatable kernel whose pref_address is below 1 MiB loads at the
 * lowest aligned address above it. */
static void test_load_relocatable_fallback(void **state)
{
	struct bz b = debian_like();

	(void)state;
	b.pref = 0x800;
	assert_int_equal(load(&b, "", 0), 0);
	assert_int_equal(boot.kernel_gpa, 0x200000);
	assert_int_equal(boot.kernel_end, 0xa00000);
	assert_int_equal(rd32(zero_page() + LINUX_HDR_CODE32_START), 0x200000);
	assert_int_equal(ram.base[0x200000], kernel_byte(0));

	b.pref = 0x1100000;             /* not 2 MiB aligned */
	assert_int_equal(load(&b, "", 0), 0);
	assert_int_equal(boot.kernel_gpa, 0x200000);
	/* it still decompresses at pref_address: its memory ends above */
	assert_int_equal(boot.kernel_end, 0x1900000);
}

/* Protocol 2.06 (no pref_address): 1 MiB, the image's size. */
static void test_load_protocol_2_06(void **state)
{
	struct bz b = debian_like();

	(void)state;
	b.version = 0x0206;
	b.hdr_len = 0x3a;
	b.relocatable = 0;
	assert_int_equal(load(&b, "x", 0), 0);
	assert_int_equal(boot.kernel_gpa, 0x100000);
	assert_int_equal(boot.kernel_end, 0x103000);
}

static void test_load_refusals(void **state)
{
	struct bz b;
	char line[64];

	(void)state;
	b = debian_like();
	b.relocatable = 0;
	b.pref = 0x800;
	assert_int_equal(load(&b, "", 0), -1);
	assert_string_equal(err.msg, "kernel is not relocatable and its pref_address 0x800 is below 1 MiB");
	assert_ram_untouched();

	b = debian_like();
	b.init_size = 48 * MiB;         /* 16 + 48 MiB > 64 MiB - 12 KiB */
	assert_int_equal(load(&b, "", 0), -1);
	assert_string_equal(err.msg, "kernel at 0x1000000 needs RAM up to 0x4000000 (init_size 0x3000000): give the VM at least 65 MiB");
	assert_ram_untouched();

	b = debian_like();
	assert_int_equal(load(&b, "", 40 * MiB), -1);
	assert_non_null(strstr(err.msg, "initrd of 41943040 bytes does not fit"));
	assert_ram_untouched();

	b = debian_like();
	b.cmdline_size = 10;
	assert_int_equal(load(&b, "0123456789", 0), 0);         /* exactly 10 */
	memset(ram.base, GARBAGE, 2 * MiB);
	assert_int_equal(load(&b, "0123456789a", 0), -1);
	assert_string_equal(err.msg, "command line of 11 bytes is longer than the kernel's cmdline_size 10");
	assert_ram_untouched();

	/* a huge cmdline_size does not let a line run past low RAM */
	b = debian_like();
	b.cmdline_size = 0xffffffff;
	{
		size_t n = LINUX_LOW_RAM_END - LINUX_CMDLINE_GPA;
		char *big = malloc(n + 1);

		memset(big, 'a', n);
		big[n] = 0;
		assert_int_equal(load(&b, big, 0), -1);
		assert_non_null(strstr(err.msg, "does not fit at 0x20000"));
		big[n - 1] = 0;                 /* n - 1 bytes + NUL: fits */
		assert_int_equal(load(&b, big, 0), 0);
		free(big);
	}
	memset(ram.base, GARBAGE, 2 * MiB);

	b = debian_like();
	b.version = 0x0205;
	assert_int_equal(load(&b, "", 0), -1);
	assert_ram_untouched();

	/* RAM without room above 1 MiB */
	ram.bytes = MiB;
	b = debian_like();
	assert_int_equal(load(&b, "", 0), -1);
	snprintf(line, sizeof(line), "guest RAM of %u bytes is too small", MiB);
	assert_non_null(strstr(err.msg, line));
	ram.bytes = RAM_BYTES;
	assert_ram_untouched();
}

/* 2 GiB alignment: the lowest aligned address is beyond RAM. */
static void test_load_alignment_beyond_ram(void **state)
{
	struct bz b = debian_like();

	(void)state;
	b.alignment = 0x80000000u;
	b.pref = 0;
	assert_int_equal(load(&b, "", 0), -1);
	assert_non_null(strstr(err.msg, "kernel at 0x80000000 needs RAM"));
}

/* A pref_address near 2^64 must not wrap the kernel's end around. */
static void test_load_huge_pref_address(void **state)
{
	struct bz b = debian_like();

	(void)state;
	b.pref = 0xfffffffffff00001ULL;         /* unaligned: relocated, yet */
	assert_int_equal(load(&b, "", 0), -1);  /* it would run up there */
	assert_string_equal(err.msg, "kernel would run at 0xfffffffffff00001 (pref_address), beyond 4 GiB");
	b.relocatable = 0;
	b.pref = 0xffffffffffe00000ULL;
	assert_int_equal(load(&b, "", 0), -1);
	assert_string_equal(err.msg, "kernel would run at 0xffffffffffe00000 (pref_address), beyond 4 GiB");
	assert_ram_untouched();
}

/* RAM reaching the IO-APIC's page: usable RAM stops at 0xfec00000. */
static void test_e820_mmio_hole(void **state)
{
	struct guest_ram big = { .base = ram.base, .bytes = 4096ULL * MiB };
	struct bz b = debian_like();
	size_t len;
	uint8_t *img = make_bzimage(&b, &len);

	(void)state;
	/* Only the low 64 MiB exist in the buffer: no initrd, and the kernel
	 * at 16 MiB; ASan catches a write beyond. */
	assert_int_equal(linux_load(&big, img, len, "", NULL, 0, &boot, &err), 0);
	assert_int_equal(boot.ram_top, LINUX_MMIO_HOLE_START);
	assert_int_equal(boot.e820_entries, 3);
	assert_e820(2, 0x100000, LINUX_MMIO_HOLE_START, LINUX_E820_RAM);
	free(img);
}

/* ---- vCPU state ------------------------------------------------------------ */

static void assert_flat(const struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	assert_int_equal(s->selector, sel);
	assert_int_equal(s->base, 0);
	assert_int_equal(s->limit, 0xffffffff);
	assert_int_equal(s->type, type);
	assert_int_equal(s->s, 1);
	assert_int_equal(s->present, 1);
	assert_int_equal(s->dpl, 0);
	assert_int_equal(s->db, 1);
	assert_int_equal(s->l, 0);
	assert_int_equal(s->g, 1);
	assert_int_equal(s->unusable, 0);
}

static void test_cpu_setup_linux32(void **state)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct linux_boot lb = { .kernel_gpa = 0x1000000, .zero_page_gpa = 0x7000 };

	(void)state;
	cpu_reset_state(&regs, &sregs);
	memset(&regs, 0x5a, sizeof(regs));
	sregs.cr8 = 0xf;                        /* left by an earlier guest */
	sregs.interrupt_bitmap[0] = 1ULL << 0x30;
	cpu_setup_linux32(&lb, &regs, &sregs);
	assert_flat(&sregs.cs, 0x10, 0xb);
	assert_flat(&sregs.ds, 0x18, 0x3);
	assert_flat(&sregs.es, 0x18, 0x3);
	assert_flat(&sregs.ss, 0x18, 0x3);
	assert_int_equal(sregs.gdt.base, 0x1000);
	assert_int_equal(sregs.gdt.limit, 31);
	assert_int_equal(sregs.cr0, 0x11);
	assert_int_equal(sregs.cr3, 0);
	assert_int_equal(sregs.cr4, 0);
	assert_int_equal(sregs.efer, 0);
	assert_int_equal(sregs.cr8, 0);
	for (unsigned i = 0; i < sizeof(sregs.interrupt_bitmap) / 8; i++)
		assert_int_equal(sregs.interrupt_bitmap[i], 0);
	/* TR a usable busy TSS, LDTR as reset left it */
	assert_int_equal(sregs.tr.type, 0xb);
	assert_int_equal(sregs.tr.present, 1);
	assert_int_equal(sregs.tr.s, 0);
	assert_true(sregs.tr.limit >= 0x67);
	assert_int_equal(sregs.ldt.type, 2);
	assert_int_equal(sregs.ldt.present, 1);
	assert_int_equal(sregs.apic_base, CPU_RESET_APIC_BASE);
	assert_int_equal(regs.rip, 0x1000000);
	assert_int_equal(regs.rsi, 0x7000);
	assert_int_equal(regs.rflags, 0x2);     /* IF clear */
	assert_int_equal(regs.rax, 0);
	assert_int_equal(regs.rbx, 0);
	assert_int_equal(regs.rcx, 0);
	assert_int_equal(regs.rdx, 0);
	assert_int_equal(regs.rbp, 0);
	assert_int_equal(regs.rdi, 0);
	assert_int_equal(regs.rsp, 0);
	assert_int_equal(regs.r8, 0);
	assert_int_equal(regs.r15, 0);
}

/* ---- MP table ----------------------------------------------------------------- */

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static void test_mptable_isa_pins(void **state)
{
	(void)state;
	assert_int_equal(mptable_isa_pin(0), 2);
	assert_int_equal(mptable_isa_pin(1), 1);
	assert_int_equal(mptable_isa_pin(2), -1);
	assert_int_equal(mptable_isa_pin(3), 3);
	assert_int_equal(mptable_isa_pin(15), 15);
	assert_int_equal(mptable_isa_pin(16), -1);
}

/* The floating pointer, then the configuration table parsed back. */
static void test_mptable_parsed_back(void **state)
{
	const uint8_t *f = ram.base + MPTABLE_GPA;
	const uint8_t *c, *p;
	unsigned count[5] = { 0 }, irq_seen = 0;

	(void)state;
	assert_int_equal(mptable_write(&ram, MPTABLE_GPA, 0x000a0f12, 0x178bfbff, &err), 0);
	assert_memory_equal(f, "_MP_", 4);
	assert_int_equal(rd32(f + 4), MPTABLE_GPA + 16);
	assert_int_equal(f[8], 1);
	assert_int_equal(f[9], 4);
	assert_int_equal(sum(f, 16), 0);
	for (unsigned i = 11; i < 16; i++)
		assert_int_equal(f[i], 0);      /* config table present, no IMCR */

	c = ram.base + rd32(f + 4);
	assert_memory_equal(c, "PCMP", 4);
	assert_int_equal(rd16(c + 4), 44 + 20 + 19 * 8);
	assert_int_equal(rd16(c + 4), MP_CONFIG_BYTES);
	assert_int_equal(c[6], 4);
	assert_int_equal(sum(c, rd16(c + 4)), 0);
	assert_memory_equal(c + 8, "BAREKVM ", 8);
	assert_memory_equal(c + 16, "VM          ", 12);
	assert_int_equal(rd32(c + 28), 0);      /* no OEM table */
	assert_int_equal(rd16(c + 32), 0);
	assert_int_equal(rd16(c + 34), 20);
	assert_int_equal(rd32(c + 36), 0xfee00000);
	assert_int_equal(rd16(c + 40), 0);      /* no extended table */
	assert_int_equal(c[42], 0);
	assert_int_equal(ram.base[MPTABLE_GPA + MP_TABLE_BYTES], GARBAGE);

	p = c + 44;
	for (unsigned n = 0; n < rd16(c + 34); n++) {
		assert_true(p[0] <= 4);
		count[p[0]]++;
		switch (p[0]) {
		case MP_ENTRY_PROCESSOR:
			assert_int_equal(p[1], 0);
			assert_int_equal(p[2], 0x14);
			assert_int_equal(p[3], 0x03);   /* enabled, BSP */
			assert_int_equal(rd32(p + 4), 0xf12);
			assert_int_equal(rd32(p + 8), 0x178bfbff);
			assert_int_equal(rd64(p + 12), 0);
			p += 20;
			continue;
		case MP_ENTRY_BUS:
			assert_int_equal(p[1], 0);
			assert_memory_equal(p + 2, "ISA   ", 6);
			break;
		case MP_ENTRY_IOAPIC:
			assert_int_equal(p[1], 1);
			assert_int_equal(p[2], 0x11);
			assert_int_equal(p[3], 1);
			assert_int_equal(rd32(p + 4), 0xfec00000);
			break;
		case MP_ENTRY_IO_INTERRUPT:
			assert_int_equal(p[1], MP_INT_INT);
			assert_int_equal(rd16(p + 2), 0);       /* conforms: edge, high */
			assert_int_equal(p[4], 0);
			assert_true(p[5] < 16 && p[5] != 2);
			assert_false(irq_seen & (1u << p[5]));
			irq_seen |= 1u << p[5];
			assert_int_equal(p[6], 1);
			assert_int_equal(p[7], p[5] == 0 ? 2 : p[5]);
			break;
		case MP_ENTRY_LOCAL_INTERRUPT:
			assert_int_equal(rd16(p + 2), 0);
			assert_int_equal(p[4], 0);
			assert_int_equal(p[5], 0);
			assert_int_equal(p[6], 0xff);
			if (p[1] == MP_INT_EXTINT)
				assert_int_equal(p[7], 0);      /* LINT0 */
			else if (p[1] == MP_INT_NMI)
				assert_int_equal(p[7], 1);      /* LINT1 */
			else
				fail_msg("local interrupt type %u", p[1]);
			break;
		}
		p += 8;
	}
	assert_int_equal(p - c, rd16(c + 4));
	assert_int_equal(count[0], 1);
	assert_int_equal(count[1], 1);
	assert_int_equal(count[2], 1);
	assert_int_equal(count[3], 15);
	assert_int_equal(count[4], 2);
	assert_int_equal(irq_seen, 0xfffb);
}

static void test_mptable_refusals(void **state)
{
	(void)state;
	assert_int_equal(mptable_write(&ram, MPTABLE_GPA + 8, 0, 0, &err), -1);
	assert_non_null(strstr(err.msg, "16-byte aligned"));
	assert_int_equal(mptable_write(&ram, 0xe0000, 0, 0, &err), -1);
	assert_int_equal(mptable_write(&ram, 0x100000 - 16 * 14, 0, 0, &err), -1);
	assert_int_equal(mptable_write(&ram, 0x100000 - 16 * 15, 0, 0, &err), 0);
	ram.bytes = 0xf0000;
	assert_int_equal(mptable_write(&ram, MPTABLE_GPA, 0, 0, &err), -1);
	assert_non_null(strstr(err.msg, "does not reach the MP table"));
	ram.bytes = RAM_BYTES;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_long_header_clamped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_protocol_2_06, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_huge_syssize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_debian_like, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_no_initrd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_initrd_addr_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_initrd_tight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_relocatable_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_protocol_2_06, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_alignment_beyond_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_huge_pref_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e820_mmio_hole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_setup_linux32, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mptable_isa_pins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mptable_parsed_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mptable_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
