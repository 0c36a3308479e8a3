/*
 * The Linux x86 boot protocol, 32-bit entry (loader.h): a bzImage's setup
 * header read and checked, the protected-mode kernel, command line and
 * initrd placed in guest RAM, the zero page (struct boot_params) and the
 * boot GDT written. Section names below are those of
 * Documentation/arch/x86/boot.rst; zero-page offsets are zero-page.rst's.
 * The image is untrusted: every field is bounds-checked before use, all
 * arithmetic is 64-bit on 32-bit fields, and nothing is written to RAM
 * before every check has passed. Control partition and host tests.
 */
#include <string.h>

#include "guests/ctl/loader.h"

#define MiB             (1024ULL * 1024)
#define PAGE_BYTES      4096ULL

/* GDT descriptors: base 0, limit 0xfffff pages (SDM Vol. 3A 3.4.5). */
#define GDT_CODE32      0x00cf9b000000ffffULL   /* G, D, P, DPL 0, code XRA */
#define GDT_DATA        0x00cf93000000ffffULL   /* G, B, P, DPL 0, data RWA */

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof(v)); }

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static bool is_power_of_two(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* "The kernel boot sector": setup_sects counts the 512-byte sectors after
 * the boot sector; 0 means 4 for compatibility. */
static uint32_t setup_bytes_of(const uint8_t *image)
{
	uint32_t sects = image[LINUX_HDR_SETUP_SECTS];

	if (sects == 0)
		sects = LINUX_DEFAULT_SETUP_SECTS;
	return (sects + 1) * LINUX_SECTOR;
}

/* The fields that exist from 2.06 on, after the magic and version
 * checks; the header is known to reach past cmdline_size. */
static void read_fields(const uint8_t *image, struct linux_header *h)
{
	h->loadflags = image[LINUX_HDR_LOADFLAGS];
	h->kernel_bytes = rd32(image + LINUX_HDR_SYSSIZE) * 16ULL;
	h->relocatable = image[LINUX_HDR_RELOCATABLE] != 0;
	h->kernel_alignment = rd32(image + LINUX_HDR_KERNEL_ALIGNMENT);
	h->initrd_addr_max = rd32(image + LINUX_HDR_INITRD_ADDR_MAX);
	h->cmdline_size = rd32(image + LINUX_HDR_CMDLINE_SIZE);
	/* Before 2.10 a bzImage loads at 1 MiB and says nothing of the
	 * memory it needs beyond its own bytes. */
	h->pref_address = LINUX_HIGH_RAM_START;
	h->init_size = h->kernel_bytes;
	if (h->version >= LINUX_VERSION_PREF) {
		h->pref_address = rd64(image + LINUX_HDR_PREF_ADDRESS);
		h->init_size = rd32(image + LINUX_HDR_INIT_SIZE);
	}
}

int linux_parse_header(const uint8_t *image, uint64_t len,
		       struct linux_header *h, struct load_error *err)
{
	uint32_t needed_end;

	memset(h, 0, sizeof(*h));
	if (len < LINUX_HDR_VERSION + 2 ||
	    rd16(image + LINUX_HDR_BOOT_FLAG) != LINUX_BOOT_FLAG ||
	    rd32(image + LINUX_HDR_MAGIC) != LINUX_MAGIC)
		return load_fail(err, "not a bzImage (no boot flag 0xaa55 at 0x1fe and \"HdrS\" at 0x202)");
	h->version = rd16(image + LINUX_HDR_VERSION);
	if (h->version < LINUX_MIN_VERSION)
		return load_fail(err, "boot protocol %u.%02u is too old: 2.06 or later is needed",
				 h->version >> 8, h->version & 0xff);
	h->setup_bytes = setup_bytes_of(image);
	h->hdr_end = LINUX_HDR_MAGIC + image[LINUX_HDR_JUMP + 1];
	needed_end = h->version >= LINUX_VERSION_PREF ?
		     LINUX_HDR_INIT_SIZE + 4 : LINUX_HDR_CMDLINE_SIZE + 4;
	if (h->hdr_end < needed_end)
		return load_fail(err, "setup header ends at 0x%x, before the fields of protocol %u.%02u (0x%x)",
				 h->hdr_end, h->version >> 8, h->version & 0xff, needed_end);
	/* setup_bytes >= 5 sectors, past any header end (at most 0x301). */
	if (h->setup_bytes > len)
		return load_fail(err, "setup of %u bytes (setup_sects %u) is longer than the %llu-byte image",
				 h->setup_bytes, image[LINUX_HDR_SETUP_SECTS],
				 (unsigned long long)len);
	if (h->hdr_end > LINUX_HDR_MAX_END)
		h->hdr_end = LINUX_HDR_MAX_END;         /* boot_params has no more room */
	read_fields(image, h);
	if (!(h->loadflags & LINUX_LOADED_HIGH))
		return load_fail(err, "a zImage (loadflags without LOADED_HIGH): only bzImages load at 1 MiB");
	if (h->kernel_bytes == 0 || h->kernel_bytes > len - h->setup_bytes)
		return load_fail(err, "image of %llu bytes does not hold the setup (%u) and the kernel (syssize: %llu bytes)",
				 (unsigned long long)len, h->setup_bytes,
				 (unsigned long long)h->kernel_bytes);
	if (h->relocatable && !is_power_of_two(h->kernel_alignment))
		return load_fail(err, "relocatable kernel with kernel_alignment 0x%x, not a power of two",
				 h->kernel_alignment);
	return 0;
}

static uint64_t usable_ram_top(const struct guest_ram *ram)
{
	return min_u64(ram->bytes - LOAD_RESERVED_TOP_BYTES, LINUX_MMIO_HOLE_START);
}

/* The MiB of RAM a VM needs for usable RAM up to `end`. */
static unsigned long long mib_for(uint64_t end)
{
	return (end + LOAD_RESERVED_TOP_BYTES + MiB - 1) / MiB;
}

/*
 * Where the protected-mode kernel goes ("Loading the rest of the kernel"):
 * pref_address if it is an address >= 1 MiB the kernel can run at (aligned
 * if relocatable), else for a relocatable kernel the lowest aligned address
 * >= 1 MiB. A relocatable kernel decompresses at max(its aligned load
 * address, LOAD_PHYSICAL_ADDR), and pref_address is LOAD_PHYSICAL_ADDR
 * (arch/x86/boot/compressed/head_64.S and head_32.S, startup_32; boot.rst,
 * init_size: "starting at the kernel runtime start address"), so the
 * memory it needs ends at max(load, pref_address) + init_size.
 */
static int place_kernel(const struct linux_header *h, uint64_t ram_top,
			struct linux_boot *out, struct load_error *err)
{
	uint64_t need = max_u64(h->init_size, h->kernel_bytes);
	uint64_t pref = h->pref_address, load, start, end;

	if (pref >= LINUX_HIGH_RAM_START &&
	    (!h->relocatable || pref % h->kernel_alignment == 0))
		load = pref;
	else if (h->relocatable)
		load = (LINUX_HIGH_RAM_START + h->kernel_alignment - 1) &
		       ~((uint64_t)h->kernel_alignment - 1);
	else
		return load_fail(err, "kernel is not relocatable and its pref_address 0x%llx is below 1 MiB",
				 (unsigned long long)pref);
	start = h->relocatable ? max_u64(load, pref) : load;
	if (start > UINT32_MAX)         /* also keeps start + need from wrapping */
		return load_fail(err, "kernel would run at 0x%llx (pref_address), beyond 4 GiB",
				 (unsigned long long)start);
	end = start + need;
	if (end > ram_top)
		return load_fail(err, "kernel at 0x%llx needs RAM up to 0x%llx (init_size 0x%llx): give the VM at least %llu MiB",
				 (unsigned long long)load, (unsigned long long)end,
				 (unsigned long long)h->init_size, mib_for(end));
	out->kernel_gpa = (uint32_t)load;
	out->kernel_end = (uint32_t)end;
	return 0;
}

/* "initrd_addr_max": the initrd as high as it may go, page aligned, below
 * that limit and usable RAM's end, and above the kernel's memory. */
static int place_initrd(const struct linux_header *h, uint64_t initrd_len,
			uint64_t ram_top, struct linux_boot *out,
			struct load_error *err)
{
	uint64_t limit = min_u64((uint64_t)h->initrd_addr_max + 1, ram_top);
	uint64_t start;

	out->initrd_gpa = out->initrd_bytes = 0;
	if (initrd_len == 0)
		return 0;
	if (initrd_len > limit || ((limit - initrd_len) & ~(PAGE_BYTES - 1)) < out->kernel_end)
		return load_fail(err, "initrd of %llu bytes does not fit between the kernel's end 0x%x and 0x%llx: give the VM at least %llu MiB",
				 (unsigned long long)initrd_len, out->kernel_end,
				 (unsigned long long)limit,
				 mib_for(((uint64_t)out->kernel_end + initrd_len + PAGE_BYTES - 1) &
					 ~(PAGE_BYTES - 1)));
	start = (limit - initrd_len) & ~(PAGE_BYTES - 1);
	out->initrd_gpa = (uint32_t)start;
	out->initrd_bytes = (uint32_t)initrd_len;
	return 0;
}

static int check_cmdline(const struct linux_header *h, const char *cmdline,
			 struct linux_boot *out, struct load_error *err)
{
	size_t n = strlen(cmdline);

	if (n > h->cmdline_size)
		return load_fail(err, "command line of %zu bytes is longer than the kernel's cmdline_size %u",
				 n, h->cmdline_size);
	if (n + 1 > LINUX_LOW_RAM_END - LINUX_CMDLINE_GPA)
		return load_fail(err, "command line of %zu bytes does not fit at 0x%x below 0x%x",
				 n, LINUX_CMDLINE_GPA, LINUX_LOW_RAM_END);
	out->cmdline_gpa = LINUX_CMDLINE_GPA;
	out->cmdline_bytes = (uint32_t)n;
	return 0;
}

static void add_e820(uint8_t *bp, uint64_t start, uint64_t end, uint32_t type)
{
	uint8_t *e;

	if (end <= start || bp[LINUX_BP_E820_ENTRIES] >= LINUX_E820_MAX)
		return;
	e = bp + LINUX_BP_E820_TABLE + bp[LINUX_BP_E820_ENTRIES] * LINUX_E820_ENTRY_BYTES;
	wr64(e, start);
	wr64(e + 8, end - start);
	wr32(e + 16, type);
	bp[LINUX_BP_E820_ENTRIES]++;
}

/* zero-page.rst, e820_table: low RAM, the EBDA / VGA / BIOS hole (the MP
 * table lives there), RAM from 1 MiB, the loaders' reserved top. */
static void write_e820(uint8_t *bp, const struct guest_ram *ram, uint64_t ram_top)
{
	add_e820(bp, 0, LINUX_LOW_RAM_END, LINUX_E820_RAM);
	add_e820(bp, LINUX_LOW_RAM_END, LINUX_HIGH_RAM_START, LINUX_E820_RESERVED);
	add_e820(bp, LINUX_HIGH_RAM_START, ram_top, LINUX_E820_RAM);
	add_e820(bp, ram_top, min_u64(ram->bytes, LINUX_MMIO_HOLE_START),
		 LINUX_E820_RESERVED);
}

/*
 * "Details of header fields" for the fields a boot loader writes. The rest
 * of the zero page stays 0: no screen_info (orig_video_isVGA 0: no VGA),
 * no EDD, no APM, and the sentinel at 0x1ef is 0 as the kernel wants.
 */
static void write_zero_page(struct guest_ram *ram, const uint8_t *image,
			    const struct linux_boot *b, uint64_t ram_top)
{
	uint8_t *bp = ram->base + LINUX_ZERO_PAGE_GPA;

	memset(bp, 0, LINUX_BP_BYTES);
	memcpy(bp + LINUX_HDR_START, image + LINUX_HDR_START,
	       b->hdr.hdr_end - LINUX_HDR_START);
	wr16(bp + LINUX_HDR_VID_MODE, LINUX_VID_MODE_NORMAL);
	bp[LINUX_HDR_TYPE_OF_LOADER] = LINUX_LOADER_UNDEFINED;
	bp[LINUX_HDR_LOADFLAGS] = LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP;
	wr32(bp + LINUX_HDR_CODE32_START, b->kernel_gpa);
	wr32(bp + LINUX_HDR_RAMDISK_IMAGE, b->initrd_gpa);
	wr32(bp + LINUX_HDR_RAMDISK_SIZE, b->initrd_bytes);
	wr16(bp + LINUX_HDR_HEAP_END_PTR, LINUX_HEAP_END_PTR);
	wr32(bp + LINUX_HDR_CMD_LINE_PTR, b->cmdline_gpa);
	/* The loader's list of struct setup_data: we pass none, whatever
	 * the image carries there. */
	if (b->hdr.version >= LINUX_VERSION_SETUP_DATA)
		wr64(bp + LINUX_HDR_SETUP_DATA, 0);
	write_e820(bp, ram, ram_top);
}

/* "32-bit BOOT PROTOCOL": __BOOT_CS (0x10) and __BOOT_DS (0x18), flat. */
static void write_boot_gdt(struct guest_ram *ram)
{
	const uint64_t gdt[LINUX_GDT_BYTES / 8] = {
		[LINUX_SEL_CODE / 8] = GDT_CODE32,
		[LINUX_SEL_DATA / 8] = GDT_DATA,
	};

	memcpy(ram->base + LINUX_GDT_GPA, gdt, sizeof(gdt));
}

int linux_load(struct guest_ram *ram, const uint8_t *image, uint64_t len,
	       const char *cmdline, const uint8_t *initrd, uint64_t initrd_len,
	       struct linux_boot *out, struct load_error *err)
{
	uint64_t ram_top;

	memset(out, 0, sizeof(*out));
	if (linux_parse_header(image, len, &out->hdr, err) < 0)
		return -1;
	if (ram->bytes < LINUX_HIGH_RAM_START + LOAD_RESERVED_TOP_BYTES)
		return load_fail(err, "guest RAM of %llu bytes is too small: Linux needs more than 1 MiB",
				 (unsigned long long)ram->bytes);
	ram_top = usable_ram_top(ram);
	if (!initrd)
		initrd_len = 0;
	if (place_kernel(&out->hdr, ram_top, out, err) < 0 ||
	    place_initrd(&out->hdr, initrd_len, ram_top, out, err) < 0 ||
	    check_cmdline(&out->hdr, cmdline ? cmdline : "", out, err) < 0)
		return -1;
	out->zero_page_gpa = LINUX_ZERO_PAGE_GPA;
	out->ram_top = ram_top;

	write_boot_gdt(ram);
	write_zero_page(ram, image, out, ram_top);
	out->e820_entries = ram->base[LINUX_ZERO_PAGE_GPA + LINUX_BP_E820_ENTRIES];
	memcpy(ram->base + out->cmdline_gpa, cmdline ? cmdline : "", out->cmdline_bytes);
	ram->base[out->cmdline_gpa + out->cmdline_bytes] = 0;
	memcpy(ram->base + out->kernel_gpa, image + out->hdr.setup_bytes,
	       out->hdr.kernel_bytes);
	if (out->initrd_bytes)
		memcpy(ram->base + out->initrd_gpa, initrd, out->initrd_bytes);
	return 0;
}
