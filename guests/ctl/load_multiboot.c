/*
 * Multiboot (v1) kernels, booted the way QEMU's -kernel/-append/-initrd
 * does it (loader.h; hw/i386/multiboot.c in QEMU is the behaviour we match):
 * the header in the first 8 KiB, the a.out kludge when flag bit 16 is set,
 * else an ELF32 loaded by physical address, then the boot information and
 * the modules in free RAM. Spec: Multiboot Specification 0.6.96, sections
 * 3.1 (header), 3.2 (machine state, see cpu_mode.c) and 3.3 (boot
 * information). Every field of the image is untrusted. Control partition and
 * host tests.
 */
#include <string.h>

#include "guests/ctl/loader.h"

#define MIB                     (1024ULL * 1024)
#define LOW_MEM_END             0xa0000ULL      /* 640 KiB */
#define HIGH_MEM_START          0x100000ULL     /* 1 MiB */
#define PAGE_BYTES              4096ULL
#define MB_MIN_RAM              (2 * MIB)
#define MB_MMAP_ENTRIES         4

/* ELF (System V ABI, and its i386 supplement) */
#define EI_CLASS        4
#define EI_DATA         5
#define ELFCLASS32      1
#define ELFCLASS64      2
#define ELFDATA2LSB     1
#define ET_EXEC         2
#define EM_386          3
#define PT_LOAD         1
#define ELF32_EHDR_BYTES 52
#define ELF32_PHDR_BYTES 32
#define ELF32_MAX_PHDRS  256

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));       /* x86: little-endian on both sides */
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

int mb_find_header(const uint8_t *image, uint64_t len, struct mb_header *h,
		   struct load_error *err)
{
	uint64_t limit = len < MB_SEARCH_BYTES ? len : MB_SEARCH_BYTES;
	int64_t bad_checksum_at = -1;

	for (uint64_t off = 0; off + 12 <= limit; off += MB_HEADER_ALIGN) {
		uint32_t flags, checksum;

		if (rd32(image + off) != MB_HEADER_MAGIC)
			continue;
		flags = rd32(image + off + 4);
		checksum = rd32(image + off + 8);
		if ((uint32_t)(MB_HEADER_MAGIC + flags + checksum) != 0) {
			/* The magic may occur by chance: keep looking. */
			if (bad_checksum_at < 0)
				bad_checksum_at = (int64_t)off;
			continue;
		}
		if (flags & 0xffffu & ~MB_FLAGS_REQUIRED_KNOWN)
			return load_fail(err, "the multiboot header requires unsupported features (flags 0x%08x)",
					 flags);
		memset(h, 0, sizeof(*h));
		h->offset = (uint32_t)off;
		h->flags = flags;
		if (flags & MB_FLAG_AOUT_KLUDGE) {
			if (off + 32 > len)
				return load_fail(err, "the multiboot header at offset 0x%lx is truncated",
						 (unsigned long)off);
			h->header_addr = rd32(image + off + 12);
			h->load_addr = rd32(image + off + 16);
			h->load_end_addr = rd32(image + off + 20);
			h->bss_end_addr = rd32(image + off + 24);
			h->entry_addr = rd32(image + off + 28);
		}
		return 0;
	}
	if (bad_checksum_at >= 0)
		return load_fail(err, "the multiboot header at offset 0x%lx has a bad checksum",
				 (unsigned long)bad_checksum_at);
	return load_fail(err, "no multiboot header (magic 0x%08x) in the first %u bytes",
			 MB_HEADER_MAGIC, MB_SEARCH_BYTES);
}

int elf32_parse(const uint8_t *image, uint64_t len, uint64_t ram_limit,
		struct elf32_image *out, struct load_error *err)
{
	uint32_t phoff, entry;
	uint16_t phentsize, phnum;
	bool entry_found = false;

	memset(out, 0, sizeof(*out));
	if (len < ELF32_EHDR_BYTES || memcmp(image, "\177ELF", 4) != 0)
		return load_fail(err, "not an ELF image");
	if (image[EI_CLASS] == ELFCLASS64)
		return load_fail(err, "a 64-bit ELF kernel needs the multiboot a.out kludge (flag bit 16)");
	if (image[EI_CLASS] != ELFCLASS32 || image[EI_DATA] != ELFDATA2LSB)
		return load_fail(err, "not a little-endian ELF32 image");
	if (rd16(image + 16) != ET_EXEC)
		return load_fail(err, "ELF type %u is not an executable", rd16(image + 16));
	if (rd16(image + 18) != EM_386)
		return load_fail(err, "ELF machine %u is not i386", rd16(image + 18));
	entry = rd32(image + 24);
	phoff = rd32(image + 28);
	phentsize = rd16(image + 42);
	phnum = rd16(image + 44);
	if (phnum == 0 || phnum > ELF32_MAX_PHDRS || phentsize < ELF32_PHDR_BYTES)
		return load_fail(err, "bad ELF program headers (%u of %u bytes)",
				 phnum, phentsize);
	if (!range_inside(phoff, (uint64_t)phnum * phentsize, len))
		return load_fail(err, "ELF program headers lie outside the file");

	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = image + phoff + (uint64_t)i * phentsize;
		struct elf32_segment s = {
			.offset = rd32(ph + 4),
			.vaddr = rd32(ph + 8),
			.paddr = rd32(ph + 12),
			.filesz = rd32(ph + 16),
			.memsz = rd32(ph + 20),
		};

		if (rd32(ph) != PT_LOAD || s.memsz == 0)
			continue;
		if (s.filesz > s.memsz)
			return load_fail(err, "ELF segment %u: file size 0x%x exceeds memory size 0x%x",
					 i, s.filesz, s.memsz);
		if (!range_inside(s.offset, s.filesz, len))
			return load_fail(err, "ELF segment %u: file bytes [0x%x, +0x%x) lie outside the file",
					 i, s.offset, s.filesz);
		if (!range_inside(s.paddr, s.memsz, ram_limit))
			return load_fail(err, "ELF segment %u: [0x%x, +0x%x) lies outside guest RAM (usable up to 0x%lx)",
					 i, s.paddr, s.memsz, (unsigned long)ram_limit);
		if (out->nsegs == ELF32_MAX_SEGMENTS)
			return load_fail(err, "more than %u ELF segments", ELF32_MAX_SEGMENTS);
		if (out->nsegs == 0 || s.paddr < out->lo)
			out->lo = s.paddr;
		if (out->nsegs == 0 || s.paddr + s.memsz > out->hi)
			out->hi = s.paddr + s.memsz;
		out->segs[out->nsegs++] = s;
	}
	if (out->nsegs == 0)
		return load_fail(err, "the ELF image has nothing to load");

	/* A kernel linked at a high virtual address names its entry by that
	 * address: translate it through the segment that holds it. */
	for (unsigned i = 0; i < out->nsegs && !entry_found; i++) {
		const struct elf32_segment *s = &out->segs[i];

		if (entry - s->vaddr < s->memsz) {
			entry = entry - s->vaddr + s->paddr;
			entry_found = true;
		}
	}
	for (unsigned i = 0; i < out->nsegs && !entry_found; i++)
		entry_found = entry - out->segs[i].paddr < out->segs[i].memsz;
	if (!entry_found)
		return load_fail(err, "the ELF entry point 0x%x lies outside the loaded segments",
				 rd32(image + 24));
	out->entry = entry;
	return 0;
}

/* The a.out kludge: the header's address fields say where the file goes. */
static int load_aout_kludge(struct guest_ram *ram, uint64_t limit,
			    const uint8_t *image, uint64_t len,
			    const struct mb_header *h, struct mb_boot *out,
			    struct load_error *err)
{
	uint64_t header_delta, text_off, load_size, mem_end;

	if (h->header_addr < h->load_addr)
		return load_fail(err, "multiboot header_addr 0x%x is below load_addr 0x%x",
				 h->header_addr, h->load_addr);
	header_delta = h->header_addr - h->load_addr;
	if (header_delta > h->offset)
		return load_fail(err, "multiboot load_addr 0x%x would start before the file",
				 h->load_addr);
	text_off = h->offset - header_delta;
	if (h->load_end_addr) {
		if (h->load_end_addr <= h->load_addr)
			return load_fail(err, "multiboot load_end_addr 0x%x is not above load_addr 0x%x",
					 h->load_end_addr, h->load_addr);
		load_size = h->load_end_addr - h->load_addr;
		if (!range_inside(text_off, load_size, len))
			return load_fail(err, "multiboot load_end_addr 0x%x lies beyond the file",
					 h->load_end_addr);
	} else {
		load_size = len - text_off;
	}
	mem_end = h->load_addr + load_size;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < mem_end)
			return load_fail(err, "multiboot bss_end_addr 0x%x is below the loaded end 0x%lx",
					 h->bss_end_addr, (unsigned long)mem_end);
		mem_end = h->bss_end_addr;
	}
	if (!range_inside(h->load_addr, mem_end - h->load_addr, limit))
		return load_fail(err, "the kernel [0x%x, 0x%lx) lies outside guest RAM (usable up to 0x%lx)",
				 h->load_addr, (unsigned long)mem_end,
				 (unsigned long)limit);
	if (h->entry_addr < h->load_addr || h->entry_addr >= mem_end)
		return load_fail(err, "multiboot entry_addr 0x%x lies outside the kernel [0x%x, 0x%lx)",
				 h->entry_addr, h->load_addr, (unsigned long)mem_end);
	memcpy(ram->base + h->load_addr, image + text_off, load_size);
	memset(ram->base + h->load_addr + load_size, 0,
	       mem_end - h->load_addr - load_size);
	out->entry = h->entry_addr;
	out->kernel_start = h->load_addr;
	out->kernel_end = (uint32_t)mem_end;
	out->aout_kludge = true;
	return 0;
}

static int load_elf(struct guest_ram *ram, uint64_t limit, const uint8_t *image,
		    uint64_t len, struct mb_boot *out, struct load_error *err)
{
	struct elf32_image elf;

	if (elf32_parse(image, len, limit, &elf, err) < 0)
		return -1;
	for (unsigned i = 0; i < elf.nsegs; i++) {
		const struct elf32_segment *s = &elf.segs[i];

		memcpy(ram->base + s->paddr, image + s->offset, s->filesz);
		memset(ram->base + s->paddr + s->filesz, 0, s->memsz - s->filesz);
	}
	out->entry = elf.entry;
	out->kernel_start = elf.lo;
	out->kernel_end = elf.hi;
	return 0;
}

/*
 * Free RAM for the boot information and modules: low memory [4 KiB, 640 KiB)
 * and high memory [1 MiB, limit), minus the kernel, handed out bump-pointer
 * style, regions at or above the kernel's end first.
 */
struct placer {
	unsigned n;
	struct { uint64_t cur, end; } r[4];
};

static void placer_add(struct placer *p, uint64_t start, uint64_t end)
{
	if (start < end)
		p->r[p->n].cur = start, p->r[p->n++].end = end;
}

static void placer_init(struct placer *p, uint64_t limit, uint64_t kstart,
			uint64_t kend)
{
	struct placer all = { 0 };
	const uint64_t base[2][2] = {
		{ PAGE_BYTES, LOW_MEM_END < limit ? LOW_MEM_END : limit },
		{ HIGH_MEM_START, limit },
	};

	for (int i = 0; i < 2; i++) {
		uint64_t s = base[i][0], e = base[i][1];

		placer_add(&all, s, e < kstart ? e : kstart);
		placer_add(&all, s > kend ? s : kend, e);
	}
	/* Pieces above the kernel first, then those below; each in address
	 * order (they were generated in address order within each class). */
	p->n = 0;
	for (unsigned i = 0; i < all.n; i++)
		if (all.r[i].cur >= kend)
			p->r[p->n++] = all.r[i];
	for (unsigned i = 0; i < all.n; i++)
		if (all.r[i].cur < kend)
			p->r[p->n++] = all.r[i];
}

static int64_t place(struct placer *p, uint64_t size, uint64_t align)
{
	for (unsigned i = 0; i < p->n; i++) {
		uint64_t at = (p->r[i].cur + align - 1) & ~(align - 1);

		if (at <= p->r[i].end && size <= p->r[i].end - at) {
			p->r[i].cur = at + size;
			return (int64_t)at;
		}
	}
	return -1;
}

static uint32_t put_string(struct guest_ram *ram, uint64_t *cursor, const char *s)
{
	uint64_t at = *cursor;
	size_t n = strlen(s) + 1;

	memcpy(ram->base + at, s, n);
	*cursor += n;
	return (uint32_t)at;
}

static void put_mmap_entry(uint8_t *p, uint64_t base, uint64_t len, uint32_t type)
{
	wr32(p, MB_MMAP_ENTRY_BYTES - 4);       /* size excludes itself */
	wr64(p + 4, base);
	wr64(p + 12, len);
	wr32(p + 20, type);
}

int mb_load(struct guest_ram *ram, const uint8_t *image, uint64_t len,
	    const char *cmdline, const struct mb_module *mods, unsigned nmods,
	    struct mb_boot *out, struct load_error *err)
{
	uint64_t limit, info_bytes, mods_gpa, mmap_gpa, cursor;
	struct mb_header h;
	struct placer pl;
	int64_t info;
	uint8_t *mbi;
	int r;

	memset(out, 0, sizeof(*out));
	if (ram->bytes < MB_MIN_RAM)
		return load_fail(err, "a multiboot guest needs at least %llu MiB of RAM",
				 MB_MIN_RAM / MIB);
	limit = (ram->bytes < (4096 * MIB) ? ram->bytes : 4096 * MIB) -
		LOAD_RESERVED_TOP_BYTES;
	if (nmods > MB_MAX_MODULES)
		return load_fail(err, "%u modules, at most %u", nmods, MB_MAX_MODULES);
	if (mb_find_header(image, len, &h, err) < 0)
		return -1;
	out->video_ignored = h.flags & MB_FLAG_VIDEO_MODE;
	if (h.flags & MB_FLAG_AOUT_KLUDGE)
		r = load_aout_kludge(ram, limit, image, len, &h, out, err);
	else
		r = load_elf(ram, limit, image, len, out, err);
	if (r < 0)
		return -1;

	/* One block: mbi, module list, memory map, then the strings. */
	info_bytes = MBI_BYTES + 4 /* align the tables to 8 */ +
		     (uint64_t)nmods * MB_MODULE_BYTES +
		     MB_MMAP_ENTRIES * MB_MMAP_ENTRY_BYTES +
		     sizeof(MB_LOADER_NAME) + strlen(cmdline) + 1;
	for (unsigned i = 0; i < nmods; i++)
		info_bytes += strlen(mods[i].cmdline) + 1;
	placer_init(&pl, limit, out->kernel_start, out->kernel_end);
	info = place(&pl, info_bytes, 16);
	if (info < 0)
		return load_fail(err, "no room in guest RAM for %lu bytes of boot information",
				 (unsigned long)info_bytes);
	for (unsigned i = 0; i < nmods; i++) {
		/* Page aligned whether or not flag bit 0 asks (QEMU does too). */
		int64_t at = place(&pl, mods[i].size, PAGE_BYTES);

		if (at < 0)
			return load_fail(err, "no room in guest RAM for module %u (%lu bytes)",
					 i, (unsigned long)mods[i].size);
		memcpy(ram->base + at, mods[i].data, mods[i].size);
		out->mod_start[i] = (uint32_t)at;
		out->mod_end[i] = (uint32_t)(at + mods[i].size);
	}

	mbi = ram->base + info;
	memset(mbi, 0, info_bytes);
	mods_gpa = (uint64_t)info + MBI_BYTES + 4;
	mmap_gpa = mods_gpa + (uint64_t)nmods * MB_MODULE_BYTES;
	cursor = mmap_gpa + MB_MMAP_ENTRIES * MB_MMAP_ENTRY_BYTES;

	wr32(mbi + MBI_OFF_FLAGS, MBI_FLAG_MEMORY | MBI_FLAG_CMDLINE |
	     MBI_FLAG_MODS | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME);
	wr32(mbi + MBI_OFF_MEM_LOWER, (uint32_t)(LOW_MEM_END / 1024));
	wr32(mbi + MBI_OFF_MEM_UPPER, (uint32_t)((limit - HIGH_MEM_START) / 1024));
	wr32(mbi + MBI_OFF_MODS_COUNT, nmods);
	wr32(mbi + MBI_OFF_MODS_ADDR, (uint32_t)mods_gpa);
	wr32(mbi + MBI_OFF_MMAP_LENGTH, MB_MMAP_ENTRIES * MB_MMAP_ENTRY_BYTES);
	wr32(mbi + MBI_OFF_MMAP_ADDR, (uint32_t)mmap_gpa);

	put_mmap_entry(ram->base + mmap_gpa, 0, LOW_MEM_END, MB_MEMORY_AVAILABLE);
	put_mmap_entry(ram->base + mmap_gpa + 24, LOW_MEM_END,
		       HIGH_MEM_START - LOW_MEM_END, MB_MEMORY_RESERVED);
	put_mmap_entry(ram->base + mmap_gpa + 48, HIGH_MEM_START,
		       limit - HIGH_MEM_START, MB_MEMORY_AVAILABLE);
	put_mmap_entry(ram->base + mmap_gpa + 72, limit, ram->bytes - limit,
		       MB_MEMORY_RESERVED);

	wr32(mbi + MBI_OFF_LOADER_NAME, put_string(ram, &cursor, MB_LOADER_NAME));
	wr32(mbi + MBI_OFF_CMDLINE, put_string(ram, &cursor, cmdline));
	for (unsigned i = 0; i < nmods; i++) {
		uint8_t *m = ram->base + mods_gpa + (uint64_t)i * MB_MODULE_BYTES;

		wr32(m + 0, out->mod_start[i]);
		wr32(m + 4, out->mod_end[i]);
		wr32(m + 8, put_string(ram, &cursor, mods[i].cmdline));
	}
	out->mbi_gpa = (uint32_t)info;
	out->info_start = (uint32_t)info;
	out->info_end = (uint32_t)cursor;
	return 0;
}
