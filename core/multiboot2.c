/*
 * Multiboot2 tag-list parser (see core/multiboot2.h). Every length comes from
 * the boot loader, so each is checked against the declared total size before
 * it is used: a malformed list is reported, never followed off the end.
 */
#include "core/multiboot2.h"

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};

struct mb2_mmap_tag {
	uint32_t type, size;
	uint32_t entry_size, entry_version;
};

struct mb2_mmap_raw {
	uint64_t base, len;
	uint32_t type, reserved;
};

#define MB2_INFO_MAX (16u << 20)   /* far more than any real tag list */

/* A string inside a tag must end (NUL) before the tag does. */
static bool tag_string_ok(const char *s, uint32_t max)
{
	for (uint32_t i = 0; i < max; i++)
		if (s[i] == 0)
			return true;
	return false;
}

static int parse_mmap(const uint8_t *tag, uint32_t size, struct boot_info *bi,
		      const char **err)
{
	const struct mb2_mmap_tag *mt = (const void *)tag;

	if (size < sizeof(*mt) || mt->entry_size < sizeof(struct mb2_mmap_raw) ||
	    (mt->entry_size & 7)) {
		*err = "memory map tag: bad entry size";
		return -1;
	}
	/* off <= size throughout; "off + entry_size" could wrap in 32 bits */
	for (uint32_t off = sizeof(*mt); mt->entry_size <= size - off;
	     off += mt->entry_size) {
		const struct mb2_mmap_raw *e = (const void *)(tag + off);

		if (bi->nmmap == BOOT_MAX_MMAP) {
			*err = "memory map tag: more entries than BOOT_MAX_MMAP";
			return -1;
		}
		if (e->len && e->base + e->len < e->base) {
			*err = "memory map tag: region wraps around";
			return -1;
		}
		bi->mmap[bi->nmmap++] = (struct boot_mmap_entry){
			e->base, e->len, e->type };
	}
	if (bi->nmmap == 0) {
		*err = "memory map tag: no entries";
		return -1;
	}
	return 0;
}

static int parse_module(const uint8_t *tag, uint32_t size, struct boot_info *bi,
			const char **err)
{
	const uint32_t *w = (const void *)tag;

	if (size < 17 || !tag_string_ok((const char *)tag + 16, size - 16)) {
		*err = "module tag: truncated or unterminated command line";
		return -1;
	}
	if (w[3] <= w[2]) {
		*err = "module tag: end not after start";
		return -1;
	}
	if (bi->nmodules == BOOT_MAX_MODULES) {
		*err = "too many modules (BOOT_MAX_MODULES)";
		return -1;
	}
	bi->modules[bi->nmodules++] = (struct boot_module){
		w[2], w[3], (const char *)tag + 16 };
	return 0;
}

static int parse_string(const uint8_t *tag, uint32_t size, const char **dst,
			const char *what, const char **err)
{
	if (size < 9 || !tag_string_ok((const char *)tag + 8, size - 8)) {
		*err = what;
		return -1;
	}
	*dst = (const char *)tag + 8;
	return 0;
}

static int parse_tag(const uint8_t *tag, uint32_t type, uint32_t size,
		     struct boot_info *bi, const char **err)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		return parse_string(tag, size, &bi->cmdline,
				    "command line tag: unterminated", err);
	case MB2_TAG_LOADER_NAME:
		return parse_string(tag, size, &bi->loader_name,
				    "boot loader name tag: unterminated", err);
	case MB2_TAG_MODULE:
		return parse_module(tag, size, bi, err);
	case MB2_TAG_MMAP:
		if (bi->nmmap) {
			*err = "memory map tag appears twice";
			return -1;
		}
		return parse_mmap(tag, size, bi, err);
	case MB2_TAG_EFI64:
		if (size < 16) {
			*err = "EFI64 system table tag: truncated";
			return -1;
		}
		bi->has_efi64 = true;
		bi->efi_system_table = *(const uint64_t *)(tag + 8);
		return 0;
	case MB2_TAG_EFI32:
		if (size < 12) {
			*err = "EFI32 system table tag: truncated";
			return -1;
		}
		bi->has_efi32 = true;
		if (!bi->has_efi64)
			bi->efi_system_table = *(const uint32_t *)(tag + 8);
		return 0;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		if (size < 8 + 20) {
			*err = "ACPI RSDP tag: truncated";
			return -1;
		}
		/* prefer the ACPI 2.0+ copy when both are present */
		if (!bi->has_acpi_rsdp || type == MB2_TAG_ACPI_NEW)
			bi->acpi_rsdp_addr = (uint64_t)(uintptr_t)(tag + 8);
		bi->has_acpi_rsdp = true;
		return 0;
	default:
		return 0;               /* tags we do not use are skipped */
	}
}

int mb2_parse(uint32_t magic, const void *info, struct boot_info *bi,
	      const char **err)
{
	const uint8_t *base = info;

	*bi = (struct boot_info){ .cmdline = "", .loader_name = "(unnamed)" };
	if (magic != MB2_BOOTLOADER_MAGIC) {
		*err = "not booted by a multiboot2 loader (bad magic in EAX)";
		return -1;
	}
	if (!info || ((uintptr_t)info & 7)) {
		*err = "boot information missing or not 8-byte aligned";
		return -1;
	}
	uint32_t total = ((const uint32_t *)base)[0];
	if (total < 16 || total > MB2_INFO_MAX || (total & 7)) {
		*err = "boot information: implausible total size";
		return -1;
	}
	bi->info_addr = (uint64_t)(uintptr_t)info;
	bi->info_size = total;

	uint32_t off = 8;
	bool ended = false;
	while (off + sizeof(struct mb2_tag) <= total) {
		const struct mb2_tag *t = (const void *)(base + off);

		if (t->size < 8) {
			*err = "boot information: tag smaller than its 8-byte header";
			return -1;
		}
		if (t->size > total - off) {
			*err = "boot information: tag size runs past the end";
			return -1;
		}
		if (t->type == MB2_TAG_END) {
			ended = t->size == 8;
			break;
		}
		if (parse_tag(base + off, t->type, t->size, bi, err))
			return -1;
		off += (t->size + 7) & ~7u;
	}
	if (!ended) {
		*err = "boot information: no valid end tag";
		return -1;
	}
	if (bi->nmmap == 0) {
		*err = "boot information: no memory map tag";
		return -1;
	}
	return 0;
}

const char *mb2_mem_type_name(uint32_t type)
{
	switch (type) {
	case MB2_MEM_AVAILABLE: return "usable";
	case MB2_MEM_ACPI: return "ACPI reclaimable";
	case MB2_MEM_NVS: return "ACPI NVS";
	case MB2_MEM_BAD: return "bad";
	default: return "reserved";
	}
}
