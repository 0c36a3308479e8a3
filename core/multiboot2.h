/*
 * Multiboot2 boot-information parser. Turns GRUB's tag list (Multiboot2 spec,
 * section 3.6) into a validated struct boot_info, or an error with a message.
 * Pure function of its input: runs in the hypervisor and in host tests.
 */
#ifndef CORE_MULTIBOOT2_H
#define CORE_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289

#define MB2_TAG_END          0
#define MB2_TAG_CMDLINE      1
#define MB2_TAG_LOADER_NAME  2
#define MB2_TAG_MODULE       3
#define MB2_TAG_BASIC_MEM    4
#define MB2_TAG_BOOTDEV      5
#define MB2_TAG_MMAP         6
#define MB2_TAG_EFI32        11
#define MB2_TAG_EFI64        12
#define MB2_TAG_ACPI_OLD     14
#define MB2_TAG_ACPI_NEW     15

#define MB2_MEM_AVAILABLE    1
#define MB2_MEM_ACPI         3
#define MB2_MEM_NVS          4
#define MB2_MEM_BAD          5

#define BOOT_MAX_MMAP        128
#define BOOT_MAX_MODULES     32

struct boot_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct boot_module {
	uint64_t start;         /* physical, inclusive */
	uint64_t end;           /* physical, exclusive */
	const char *cmdline;    /* points into the boot information */
};

struct boot_info {
	uint64_t info_addr;     /* the tag list itself, to be reserved */
	uint32_t info_size;
	const char *cmdline;    /* "" when GRUB gave none */
	const char *loader_name;
	struct boot_mmap_entry mmap[BOOT_MAX_MMAP];
	unsigned nmmap;
	struct boot_module modules[BOOT_MAX_MODULES];
	unsigned nmodules;
	bool has_efi64, has_efi32;
	uint64_t efi_system_table;
	bool has_acpi_rsdp;
	uint64_t acpi_rsdp_addr; /* address of the copy inside the tag */
};

/*
 * Parses the tag list at 'info' (which the caller can read for at least its
 * declared total size). 'magic' is EAX at entry. Returns 0, or -1 with a
 * human-readable reason in 'err' (static string).
 */
int mb2_parse(uint32_t magic, const void *info, struct boot_info *out,
	      const char **err);

const char *mb2_mem_type_name(uint32_t type);

#endif
