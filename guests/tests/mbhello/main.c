/*
 * mbhello.elf: a multiboot (v1) kernel that reports what its loader handed
 * it (docs/test-guests.md): the magic, the entry state, that the ELF's data
 * was loaded and its bss zeroed, the command line, each module (command
 * line, size, first line of its contents) and the memory information.
 * Runs on QEMU's own multiboot loader (-kernel) as on the VMM's.
 *
 * Structures: Multiboot Specification 0.6.96, section 3.3. Every address
 * in them is physical; paging is off, so they are used as pointers.
 */
#include "guest.h"

const char guest_name[] = "mbhello";

/* EFLAGS at entry, stored by entry.S. */
unsigned long entry_eflags = ~0ul;

#define MB_BOOTLOADER_MAGIC 0x2BADB002u

#define MB_INFO_MEMORY   (1u << 0)
#define MB_INFO_CMDLINE  (1u << 2)
#define MB_INFO_MODS     (1u << 3)
#define MB_INFO_MMAP     (1u << 6)

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;             /* KiB from 0 */
	uint32_t mem_upper;             /* KiB from 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
};

struct mb_module {
	uint32_t mod_start;
	uint32_t mod_end;               /* first byte past the module */
	uint32_t cmdline;
	uint32_t reserved;
};

struct mb_mmap_entry {
	uint32_t size;                  /* of the rest of the entry */
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;                  /* 1 = available RAM */
} __attribute__((packed));

#define TEXT_MAX        120     /* longest string shown from the loader */
#define MODULES_MAX     16      /* modules listed */
#define MMAP_MAX        32      /* memory-map entries listed */

int mb_main(uint32_t magic, const struct mb_info *mbi);

/* Loaded from the file by the loader: proves .data arrived intact. */
static volatile uint32_t data_word = 0x600dda7a;
/* Not in the file: the loader must zero it (p_memsz beyond p_filesz). */
static volatile uint8_t bss_probe[4096];

/*
 * Copy at most TEXT_MAX bytes of [s, s + len) into a static buffer for
 * printing: stops at NUL, or at the end of the first line if first_line;
 * other control bytes show as '?'.
 */
static const char *shown(const char *s, uint32_t len, bool first_line)
{
	static char buf[TEXT_MAX + 1];
	uint32_t n = 0;

	for (; n < len && n < TEXT_MAX && s[n]; n++) {
		char c = s[n];

		if (first_line && (c == '\n' || c == '\r'))
			break;
		buf[n] = (c < 0x20 || c > 0x7e) ? '?' : c;
	}
	buf[n] = '\0';
	return buf;
}

static void check_entry_state(void)
{
	unsigned long cr0 = read_cr0();

	say("entry: cr0=0x%08lx eflags=0x%08lx", cr0, entry_eflags);
	check((cr0 & (X86_CR0_PE | X86_CR0_PG)) == X86_CR0_PE &&
	      !(entry_eflags & (X86_EFLAGS_IF | X86_EFLAGS_VM)),
	      "entry state: cr0.pe = 1, cr0.pg = 0, eflags.if = vm = 0");
}

static void check_image_loaded(void)
{
	bool zero = true;

	check(data_word == 0x600dda7a, ".data loaded from the file");
	for (unsigned int i = 0; i < sizeof(bss_probe); i++)
		zero &= bss_probe[i] == 0;
	check(zero, ".bss zeroed by the loader");
}

static void report_memory(const struct mb_info *mbi)
{
	if (!check(mbi->flags & MB_INFO_MEMORY,
		   "memory information present (flags bit 0)"))
		return;
	say("mem_lower=%u KiB mem_upper=%u KiB", mbi->mem_lower, mbi->mem_upper);
	if (!(mbi->flags & MB_INFO_MMAP))
		return;

	uint32_t off = 0;
	for (unsigned int i = 0; off + 4 <= mbi->mmap_length && i < MMAP_MAX; i++) {
		const struct mb_mmap_entry *e =
			(const void *)(uintptr_t)(mbi->mmap_addr + off);

		say("mmap: base=0x%llx length=0x%llx type=%u",
		    (unsigned long long)e->base_addr,
		    (unsigned long long)e->length, e->type);
		off += e->size + 4;
	}
}

static void report_modules(const struct mb_info *mbi)
{
	const struct mb_module *mod = (const void *)(uintptr_t)mbi->mods_addr;

	if (!check(mbi->flags & MB_INFO_MODS, "module list present (flags bit 3)"))
		return;
	say("modules: %u", mbi->mods_count);
	for (uint32_t i = 0; i < mbi->mods_count && i < MODULES_MAX; i++, mod++) {
		uint32_t size = mod->mod_end - mod->mod_start;

		say("module %u: cmdline='%s' size=%u", i,
		    mod->cmdline ? shown((const char *)(uintptr_t)mod->cmdline,
					 TEXT_MAX, false) : "",
		    size);
		say("module %u: first line='%s'", i,
		    shown((const char *)(uintptr_t)mod->mod_start, size, true));
		if (!check(mod->mod_end >= mod->mod_start &&
			   (mod->mod_start & 0xfff) == 0,
			   "module %u: page-aligned start (header flag bit 0), end >= start",
			   i))
			say("  module %u: start=0x%x end=0x%x", i, mod->mod_start,
			    mod->mod_end);
	}
}

/*
 * The ACPI RSDP a PC's firmware leaves for the kernel (ACPI 1.0b 5.2.4.1:
 * "RSD PTR " on a 16-byte boundary in the BIOS area 0xe0000-0xfffff, its
 * first 20 bytes summing to 0), as QEMU's -kernel and BareKVM's `load
 * multiboot` both give. Paging is off: physical addresses are ours.
 */
static void check_acpi_rsdp(void)
{
	for (uintptr_t a = 0xe0000; a < 0x100000; a += 16) {
		const volatile uint8_t *p = (const volatile uint8_t *)a;
		uint8_t sum = 0;

		if (p[0] != 'R' || p[1] != 'S' || p[2] != 'D' || p[3] != ' ' ||
		    p[4] != 'P' || p[5] != 'T' || p[6] != 'R' || p[7] != ' ')
			continue;
		for (unsigned int i = 0; i < 20; i++)
			sum += p[i];
		if (sum == 0) {
			check(true, "ACPI RSDP in 0xe0000-0xfffff, checksum 0");
			say("RSDP at 0x%05lx", (unsigned long)a);
			return;
		}
	}
	check(false, "ACPI RSDP in 0xe0000-0xfffff, checksum 0");
}

int mb_main(uint32_t magic, const struct mb_info *mbi)
{
	con_init();
	say("hello from a multiboot kernel");
	if (!check(magic == MB_BOOTLOADER_MAGIC, "eax = 0x2badb002 (multiboot magic)")) {
		say("  eax=0x%08x ebx=0x%08lx: not trusting ebx", magic,
		    (unsigned long)(uintptr_t)mbi);
		return (int)finish();
	}
	check_entry_state();
	check_image_loaded();
	check_acpi_rsdp();
	say("info at 0x%08lx, flags=0x%08x", (unsigned long)(uintptr_t)mbi,
	    mbi->flags);
	if (check(mbi->flags & MB_INFO_CMDLINE, "command line present (flags bit 2)"))
		say("cmdline='%s'", shown((const char *)(uintptr_t)mbi->cmdline,
					  TEXT_MAX, false));
	report_modules(mbi);
	report_memory(mbi);
	return (int)finish();
}
