/*
 * Guest image loaders and initial vCPU state: flat binaries (load_flat.c),
 * multiboot v1 kernels as QEMU's -kernel/-append/-initrd boots them
 * (load_multiboot.c), and the segment, control-register and page-table
 * setup for real, 32-bit protected and 64-bit long mode (cpu_mode.c).
 *
 * Pure logic on a byte buffer that stands for guest RAM: builds for the
 * control partition (where the buffer is the VM's mmap'd window) and for the
 * host unit tests. Every function validates its input and explains a
 * rejection in struct load_error, never trusting an image.
 */
#ifndef GUESTS_CTL_LOADER_H
#define GUESTS_CTL_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/kvm.h"

/* Guest RAM: guest-physical [0, bytes) at base. */
struct guest_ram {
	uint8_t *base;
	uint64_t bytes;
};

struct load_error {
	char msg[160];
};

/* Fills err->msg; returns -1 for `return load_fail(...)`. */
int load_fail(struct load_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* True if [gpa, gpa + len) lies inside [0, limit) without wrapping. */
static inline bool range_inside(uint64_t gpa, uint64_t len, uint64_t limit)
{
	return gpa <= limit && len <= limit - gpa;
}

/* ---- load_flat.c ---------------------------------------------------------- */

/* Copies image to guest-physical gpa. 0, or -1 if it does not fit in RAM. */
int flat_load(struct guest_ram *ram, const void *image, uint64_t len,
	      uint64_t gpa, struct load_error *err);

/* ---- load_multiboot.c: Multiboot Specification 0.6.96 --------------------- */

#define MB_HEADER_MAGIC         0x1BADB002u
#define MB_BOOTLOADER_MAGIC     0x2BADB002u
#define MB_SEARCH_BYTES         8192    /* header within the first 8 KiB */
#define MB_HEADER_ALIGN         4

#define MB_FLAG_PAGE_ALIGN      0x00000001u     /* modules page aligned */
#define MB_FLAG_MEMORY_INFO     0x00000002u     /* mem_* and mmap wanted */
#define MB_FLAG_VIDEO_MODE      0x00000004u     /* video fields (ignored) */
#define MB_FLAG_AOUT_KLUDGE     0x00010000u     /* address fields valid */
#define MB_FLAGS_REQUIRED_KNOWN 0x00000007u     /* bits 0-15 we understand */

/* struct multiboot_info flags */
#define MBI_FLAG_MEMORY         0x00000001u
#define MBI_FLAG_CMDLINE        0x00000004u
#define MBI_FLAG_MODS           0x00000008u
#define MBI_FLAG_MMAP           0x00000040u
#define MBI_FLAG_LOADER_NAME    0x00000200u

/* struct multiboot_info field offsets (spec section 3.3) */
#define MBI_OFF_FLAGS           0
#define MBI_OFF_MEM_LOWER       4
#define MBI_OFF_MEM_UPPER       8
#define MBI_OFF_CMDLINE         16
#define MBI_OFF_MODS_COUNT      20
#define MBI_OFF_MODS_ADDR       24
#define MBI_OFF_MMAP_LENGTH     44
#define MBI_OFF_MMAP_ADDR       48
#define MBI_OFF_LOADER_NAME     64
#define MBI_BYTES               116     /* through the framebuffer fields */
#define MB_MODULE_BYTES         16      /* mod_start, mod_end, string, reserved */
#define MB_MMAP_ENTRY_BYTES     24      /* size (= 20), base_addr, length, type */

#define MB_MEMORY_AVAILABLE     1
#define MB_MEMORY_RESERVED      2

/*
 * The top of guest RAM that loaders leave alone: 2.6.21's VMX kept its
 * real-mode TSS in the last three pages of slot 0 (docs/hypercall-abi.md,
 * "KVM_SET_MEMORY_REGION"),
 * so images, boot information and modules stay below it, and the multiboot
 * memory map reports it reserved.
 */
#define LOAD_RESERVED_TOP_BYTES (3 * 4096)

#define MB_MAX_MODULES          8
#define MB_LOADER_NAME          "BareKVM"

struct mb_header {
	uint32_t offset;                /* of the header in the image */
	uint32_t flags;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

/* Finds and checks the header (magic, checksum, known required flags). */
int mb_find_header(const uint8_t *image, uint64_t len, struct mb_header *h,
		   struct load_error *err);

#define ELF32_MAX_SEGMENTS 16

struct elf32_segment {
	uint32_t offset, vaddr, paddr, filesz, memsz;
};

struct elf32_image {
	uint32_t entry;                 /* physical: see elf32_parse */
	unsigned nsegs;
	struct elf32_segment segs[ELF32_MAX_SEGMENTS];  /* PT_LOAD, memsz > 0 */
	uint32_t lo, hi;                /* [lo, hi): every segment's paddr */
};

/*
 * Checks an ELF32 i386 executable for loading by physical address into
 * [0, ram_limit): header, program headers inside the file, each PT_LOAD
 * with filesz <= memsz, its file bytes inside the file, its memory inside
 * the limit. An entry address that lies in a segment's virtual range is
 * converted to the physical one (as QEMU does for kernels linked high);
 * the entry must land inside a loaded segment.
 */
int elf32_parse(const uint8_t *image, uint64_t len, uint64_t ram_limit,
		struct elf32_image *out, struct load_error *err);

struct mb_module {
	const uint8_t *data;
	uint64_t size;
	const char *cmdline;            /* the module's string */
};

struct mb_boot {
	uint32_t entry;                 /* EIP */
	uint32_t mbi_gpa;               /* EBX */
	uint32_t kernel_start, kernel_end;
	uint32_t info_start, info_end;  /* mbi, tables and strings */
	uint32_t mod_start[MB_MAX_MODULES], mod_end[MB_MAX_MODULES];
	bool aout_kludge;
	bool video_ignored;             /* the kernel asked for a video mode */
};

/*
 * Loads a multiboot kernel into guest RAM as QEMU's -kernel does: the a.out
 * kludge if flag bit 16 is set, else an ELF32 by physical address; then the
 * boot information (flags MEMORY, CMDLINE, MODS, MMAP, LOADER_NAME), the
 * command line, the module strings and, page aligned, the modules, placed in
 * free RAM above the kernel, else below it, never overlapping it, all below
 * 4 GiB and below LOAD_RESERVED_TOP_BYTES from the top. RAM must be at least
 * 2 MiB. 0, or -1 with err explaining.
 */
int mb_load(struct guest_ram *ram, const uint8_t *image, uint64_t len,
	    const char *cmdline, const struct mb_module *mods, unsigned nmods,
	    struct mb_boot *out, struct load_error *err);

/* ---- load_linux.c: the Linux x86 boot protocol ---------------------------
 *
 * Documentation/arch/x86/boot.rst ("THE REAL-MODE KERNEL HEADER", "32-bit
 * BOOT PROTOCOL") and zero-page.rst. A bzImage is a real-mode setup of
 * (setup_sects + 1) sectors, whose header sits at 0x1f1, followed by the
 * protected-mode kernel. We use the 32-bit boot protocol: the setup code
 * is never run; the loader fills the zero page (struct boot_params) itself
 * and enters the protected-mode kernel at its load address.
 */

/* Setup header fields: offsets in the image and in struct boot_params. */
#define LINUX_HDR_START         0x1f1   /* setup_sects: the header's first byte */
#define LINUX_HDR_SETUP_SECTS   0x1f1
#define LINUX_HDR_SYSSIZE       0x1f4   /* protected-mode size / 16 (2.04+) */
#define LINUX_HDR_VID_MODE      0x1fa
#define LINUX_HDR_BOOT_FLAG     0x1fe   /* 0xAA55 */
#define LINUX_HDR_JUMP          0x200   /* byte 0x201: header end - 0x202 */
#define LINUX_HDR_MAGIC         0x202   /* "HdrS" */
#define LINUX_HDR_VERSION       0x206
#define LINUX_HDR_TYPE_OF_LOADER 0x210
#define LINUX_HDR_LOADFLAGS     0x211
#define LINUX_HDR_CODE32_START  0x214
#define LINUX_HDR_RAMDISK_IMAGE 0x218
#define LINUX_HDR_RAMDISK_SIZE  0x21c
#define LINUX_HDR_HEAP_END_PTR  0x224
#define LINUX_HDR_CMD_LINE_PTR  0x228
#define LINUX_HDR_INITRD_ADDR_MAX 0x22c
#define LINUX_HDR_KERNEL_ALIGNMENT 0x230
#define LINUX_HDR_RELOCATABLE   0x234
#define LINUX_HDR_CMDLINE_SIZE  0x238   /* 2.06+: the last field we need */
#define LINUX_HDR_SETUP_DATA    0x250   /* 2.09+: the loader's list, none */
#define LINUX_HDR_PREF_ADDRESS  0x258   /* 2.10+ */
#define LINUX_HDR_INIT_SIZE     0x260   /* 2.10+ */
/* struct boot_params keeps the header within [0x1f1, 0x290). */
#define LINUX_HDR_MAX_END       0x290

#define LINUX_BOOT_FLAG         0xaa55u
#define LINUX_MAGIC             0x53726448u     /* "HdrS" */
#define LINUX_MIN_VERSION       0x0206u         /* cmdline_size */
#define LINUX_VERSION_SETUP_DATA 0x0209u        /* setup_data */
#define LINUX_VERSION_PREF      0x020au         /* pref_address, init_size */
#define LINUX_SECTOR            512u
#define LINUX_DEFAULT_SETUP_SECTS 4u            /* setup_sects 0 means 4 */

#define LINUX_LOADED_HIGH       0x01u           /* loadflags */
#define LINUX_CAN_USE_HEAP      0x80u
#define LINUX_LOADER_UNDEFINED  0xffu           /* type_of_loader: no id */
#define LINUX_VID_MODE_NORMAL   0xffffu
/* boot.rst, "Sample boot configuration": heap_end = 0xe000, minus 0x200. */
#define LINUX_HEAP_END_PTR      0xde00u

/* struct boot_params (zero-page.rst) fields outside the setup header. */
#define LINUX_BP_ORIG_VIDEO_ISVGA 0x00f
#define LINUX_BP_E820_ENTRIES   0x1e8
#define LINUX_BP_SENTINEL       0x1ef
#define LINUX_BP_E820_TABLE     0x2d0
#define LINUX_BP_BYTES          4096u
#define LINUX_E820_MAX          128u
#define LINUX_E820_ENTRY_BYTES  20u             /* addr, size (u64), type (u32) */
#define LINUX_E820_RAM          1u
#define LINUX_E820_RESERVED     2u

/*
 * Where `load linux` puts things below 1 MiB (docs/control-partition.md,
 * "Linux guests"), all inside usable low RAM [0, LINUX_LOW_RAM_END):
 *   0x1000   the boot GDT: 0x10 flat code, 0x18 flat data (boot.rst's
 *            __BOOT_CS / __BOOT_DS)
 *   0x7000   the zero page (struct boot_params)
 *   0x20000  the command line, up to LINUX_LOW_RAM_END
 * and the MP table (mptable.c) in the BIOS area at 0xf0000, which the e820
 * map reports reserved with the EBDA and the VGA hole.
 */
#define LINUX_GDT_GPA           0x1000u
#define LINUX_GDT_BYTES         32u
#define LINUX_ZERO_PAGE_GPA     0x7000u
#define LINUX_CMDLINE_GPA       0x20000u
#define LINUX_LOW_RAM_END       0x9fc00u        /* the EBDA starts here */
#define LINUX_HIGH_RAM_START    0x100000u
/* The IO-APIC and local APIC pages and what a PC keeps above them: RAM
 * there is not reported usable. */
#define LINUX_MMIO_HOLE_START   0xfec00000u
#define LINUX_SEL_CODE          0x10
#define LINUX_SEL_DATA          0x18

/* What the setup header says, checked (linux_parse_header). */
struct linux_header {
	uint16_t version;               /* 0x0206 = 2.06 */
	uint32_t setup_bytes;           /* (setup_sects + 1) * 512 */
	uint32_t hdr_end;               /* 0x202 + image[0x201], <= 0x290 */
	uint64_t kernel_bytes;          /* syssize * 16: the protected-mode part */
	uint8_t loadflags;
	bool relocatable;
	uint32_t kernel_alignment;      /* a power of two if relocatable */
	uint32_t initrd_addr_max;       /* the highest byte an initrd may use */
	uint32_t cmdline_size;          /* without the NUL */
	uint64_t pref_address;          /* 2.10+, else 1 MiB */
	uint64_t init_size;             /* 2.10+, else kernel_bytes */
};

/*
 * Reads and checks the header of an untrusted bzImage: boot flag 0xAA55,
 * "HdrS", version >= 2.06, LOADED_HIGH, the header inside the setup part,
 * the setup and the protected-mode part (syssize) inside the file, a
 * relocatable kernel's alignment a power of two. 0, or -1 with err saying
 * which check failed.
 */
int linux_parse_header(const uint8_t *image, uint64_t len,
		       struct linux_header *h, struct load_error *err);

struct linux_boot {
	struct linux_header hdr;
	uint32_t kernel_gpa;            /* load address = code32_start = EIP */
	/* [kernel_gpa, kernel_end): what the kernel may use before it reads
	 * the e820 map (see linux_load). */
	uint32_t kernel_end;
	uint32_t initrd_gpa, initrd_bytes;      /* 0, 0 without an initrd */
	uint32_t cmdline_gpa, cmdline_bytes;    /* bytes without the NUL */
	uint32_t zero_page_gpa;                 /* ESI */
	uint64_t ram_top;                       /* end of usable high RAM */
	unsigned e820_entries;
};

/*
 * Loads a bzImage for the 32-bit boot protocol: checks the header
 * (linux_parse_header), places the protected-mode kernel at pref_address,
 * or for a relocatable kernel whose pref_address is not a usable aligned
 * address >= 1 MiB, at the lowest kernel_alignment-aligned address >= 1 MiB;
 * copies the command line (at most cmdline_size bytes) to
 * LINUX_CMDLINE_GPA and the initrd page aligned as high as it can go below
 * min(initrd_addr_max + 1, ram_top) and above the kernel; writes the boot
 * GDT and the zero page (the image's setup header, type_of_loader 0xff,
 * setup_data 0 (we pass no list; 2.09+),
 * LOADED_HIGH | CAN_USE_HEAP, heap_end_ptr, vid_mode 0xffff, code32_start,
 * cmd_line_ptr, ramdisk_image/size, the e820 map). ram_top is RAM minus
 * LOAD_RESERVED_TOP_BYTES, capped at LINUX_MMIO_HOLE_START. initrd may be
 * NULL. 0, or -1 with err explaining (RAM is unchanged then).
 */
int linux_load(struct guest_ram *ram, const uint8_t *image, uint64_t len,
	       const char *cmdline, const uint8_t *initrd, uint64_t initrd_len,
	       struct linux_boot *out, struct load_error *err);

/* ---- mptable.c: Intel MultiProcessor Specification 1.4 -------------------
 *
 * One processor (local APIC id 0, the BSP), one ISA bus, one IO-APIC (id 1
 * at 0xfec00000) with the ISA IRQs on its pins (IRQ 0 on pin 2, IRQ n on
 * pin n otherwise, no IRQ 2), ExtINT on LINT0 and NMI on LINT1 of every
 * local APIC: what Linux's CONFIG_X86_MPPARSE reads when there is no ACPI.
 */
#define MPTABLE_GPA             0xf0000u        /* BIOS area: Linux scans it */
#define MP_FLOATING_BYTES       16u
#define MP_CONFIG_HEADER_BYTES  44u
#define MP_PROCESSOR_BYTES      20u
#define MP_ENTRY_BYTES          8u              /* every other entry type */
#define MP_SPEC_REV             4               /* 1.4 */
#define MP_ENTRY_PROCESSOR      0
#define MP_ENTRY_BUS            1
#define MP_ENTRY_IOAPIC         2
#define MP_ENTRY_IO_INTERRUPT   3
#define MP_ENTRY_LOCAL_INTERRUPT 4
#define MP_INT_INT              0               /* interrupt types */
#define MP_INT_NMI              1
#define MP_INT_EXTINT           3
#define MP_CPU_ENABLED          0x01
#define MP_CPU_BSP              0x02
#define MP_IOAPIC_ENABLED       0x01
#define MP_LAPIC_ADDRESS        0xfee00000u
#define MP_LAPIC_VERSION        0x14            /* integrated xAPIC */
#define MP_IOAPIC_ID            1
#define MP_IOAPIC_VERSION       0x11            /* 82093AA */
#define MP_IOAPIC_ADDRESS       0xfec00000u
#define MP_ISA_BUS_ID           0
#define MP_ISA_IRQS             16
#define MP_ALL_LAPICS           0xff
/* 1 processor, 1 bus, 1 IO-APIC, 15 ISA IRQs, 2 local interrupts */
#define MP_ENTRY_COUNT          20u
#define MP_CONFIG_BYTES (MP_CONFIG_HEADER_BYTES + MP_PROCESSOR_BYTES + \
			 (MP_ENTRY_COUNT - 1) * MP_ENTRY_BYTES)
#define MP_TABLE_BYTES          (MP_FLOATING_BYTES + MP_CONFIG_BYTES)

/* The IO-APIC pin ISA IRQ irq arrives on; -1 for IRQ 2 (the cascade). */
int mptable_isa_pin(unsigned irq);

/*
 * Writes the floating pointer structure at gpa (16-byte aligned, in
 * [0xf0000, 0x100000) where Linux searches) and the configuration table
 * right after it. cpu_signature and cpu_features are CPUID leaf 1 EAX and
 * EDX (the signature keeps its stepping/model/family bits, 11:0, as the
 * specification defines). 0, or -1 with err explaining.
 */
int mptable_write(struct guest_ram *ram, uint64_t gpa, uint32_t cpu_signature,
		  uint32_t cpu_features, struct load_error *err);

/* ---- acpi_tables.c: ACPI 1.0b tables ----------------------------------------
 *
 * The minimum a PC's firmware gives an OS so that it finds its interrupt
 * controllers, the PM timer and the way to power off (ACPI spec 1.0b /
 * 6.x chapter 5; Linux: drivers/acpi/acpica, arch/x86/kernel/acpi/boot.c):
 *
 *   RSDP  "RSD PTR ", revision 0 (20 bytes), where Linux scans for it
 *   RSDT  lists the FADT and the MADT
 *   FADT  revision 1 (116 bytes): FACS, DSDT, SCI on IRQ 9, no SMI_CMD
 *         (always in ACPI mode), PM1a event/control blocks and the PM timer
 *         of dev_acpi_pm.c (devices.h), no GPE block, C2/C3 unsupported,
 *         the CMOS century byte
 *   FACS  64 bytes, no waking vector, no global lock
 *   DSDT  AML for Name (\_S5, Package (4) {5, 5, 0, 0}) only
 *   MADT  local APIC 0, IO-APIC 1 at 0xfec00000 (GSI base 0), IRQ 0 ->
 *         GSI 2 and IRQ 9 (SCI) -> GSI 9 level active high, NMI on LINT1
 *
 * The interrupt routing is the MP table's (mptable.c): an OS that finds the
 * MADT ignores the MP table, so the two must agree.
 */
#define ACPI_RSDP_GPA           0xe0000u        /* BIOS area: Linux scans it */
#define ACPI_AREA_START         0xe0000u        /* [start, end): the RSDP's */
#define ACPI_AREA_END           0x100000u
#define ACPI_OEM_ID             "BAREKV"        /* 6 bytes */
#define ACPI_OEM_TABLE_ID       "BAREKVM "      /* 8 bytes */
#define ACPI_CREATOR_ID         "BKVM"

#define ACPI_RSDP_BYTES         20u             /* revision 0 */
#define ACPI_HEADER_BYTES       36u             /* every table's */
#define ACPI_RSDT_BYTES         (ACPI_HEADER_BYTES + 2 * 4)
#define ACPI_FADT_BYTES         116u            /* revision 1 */
#define ACPI_FACS_BYTES         64u
#define ACPI_S5_AML_BYTES       14u
#define ACPI_DSDT_BYTES         (ACPI_HEADER_BYTES + ACPI_S5_AML_BYTES)
#define ACPI_MADT_LAPIC_BYTES   8u
#define ACPI_MADT_IOAPIC_BYTES  12u
#define ACPI_MADT_OVERRIDE_BYTES 10u
#define ACPI_MADT_NMI_BYTES     6u
#define ACPI_MADT_BYTES         (ACPI_HEADER_BYTES + 8 + ACPI_MADT_LAPIC_BYTES + \
				 ACPI_MADT_IOAPIC_BYTES + \
				 2 * ACPI_MADT_OVERRIDE_BYTES + ACPI_MADT_NMI_BYTES)

/* Where each structure lies, from the RSDP's address (64-byte aligned, so
 * the FACS is 64-byte aligned as the spec requires). */
#define ACPI_FACS_OFFSET        0x040u
#define ACPI_RSDT_OFFSET        0x080u
#define ACPI_FADT_OFFSET        0x0c0u
#define ACPI_MADT_OFFSET        0x140u
#define ACPI_DSDT_OFFSET        0x1a0u
#define ACPI_TABLES_BYTES       0x200u          /* all of them */

/* FADT field offsets (ACPI 1.0b table 5-7; ACPICA's struct acpi_table_fadt). */
#define FADT_FIRMWARE_CTRL      36
#define FADT_DSDT               40
#define FADT_INT_MODEL          44
#define FADT_SCI_INT            46
#define FADT_SMI_CMD            48
#define FADT_ACPI_ENABLE        52
#define FADT_ACPI_DISABLE       53
#define FADT_PM1A_EVT_BLK       56
#define FADT_PM1B_EVT_BLK       60
#define FADT_PM1A_CNT_BLK       64
#define FADT_PM1B_CNT_BLK       68
#define FADT_PM2_CNT_BLK        72
#define FADT_PM_TMR_BLK         76
#define FADT_GPE0_BLK           80
#define FADT_GPE1_BLK           84
#define FADT_PM1_EVT_LEN        88
#define FADT_PM1_CNT_LEN        89
#define FADT_PM2_CNT_LEN        90
#define FADT_PM_TMR_LEN         91
#define FADT_GPE0_BLK_LEN       92
#define FADT_GPE1_BLK_LEN       93
#define FADT_GPE1_BASE          94
#define FADT_P_LVL2_LAT         96
#define FADT_P_LVL3_LAT         98
#define FADT_FLUSH_SIZE         100
#define FADT_FLUSH_STRIDE       102
#define FADT_DUTY_OFFSET        104
#define FADT_DUTY_WIDTH         105
#define FADT_DAY_ALRM           106
#define FADT_MON_ALRM           107
#define FADT_CENTURY            108
#define FADT_FLAGS              112

/* FADT flags (table 5-8). */
#define FADT_F_WBINVD           (1u << 0)
#define FADT_F_PROC_C1          (1u << 2)
#define FADT_F_PWR_BUTTON       (1u << 4)       /* 1: no fixed power button */
#define FADT_F_SLP_BUTTON       (1u << 5)       /* 1: no fixed sleep button */
#define FADT_F_FIX_RTC          (1u << 6)       /* 1: no RTC_STS wake */
#define FADT_F_TMR_VAL_EXT      (1u << 8)       /* 32-bit PM timer */
#define FADT_P_LVL2_NONE        101             /* > 100 us: no C2 */
#define FADT_P_LVL3_NONE        1001            /* > 1000 us: no C3 */

/* MADT (ACPI 5.2.12 / 1.0b 5.2.8). */
#define MADT_LAPIC_ADDRESS      36
#define MADT_FLAGS              40
#define MADT_ENTRIES            44
#define MADT_PCAT_COMPAT        1u
#define MADT_TYPE_LAPIC         0
#define MADT_TYPE_IOAPIC        1
#define MADT_TYPE_OVERRIDE      2
#define MADT_TYPE_LAPIC_NMI     4
#define MADT_LAPIC_ENABLED      1u
#define MADT_ALL_PROCESSORS     0xff
#define MADT_INTI_HIGH_LEVEL    0x000du         /* polarity 01, trigger 11 */

/*
 * Writes the tables above at gpa, which must be 64-byte aligned with all
 * ACPI_TABLES_BYTES inside [ACPI_AREA_START, ACPI_AREA_END) (the BIOS
 * area Linux scans for the RSDP; the e820 map reserves it) and inside
 * RAM. The RSDP is the first structure; *rsdp_gpa receives its address
 * (gpa). The range must not overlap the MP table (MPTABLE_GPA): ACPI_RSDP_GPA
 * keeps them 64 KiB apart. 0, or -1 with err explaining (RAM unchanged).
 */
int acpi_tables_write(struct guest_ram *ram, uint64_t gpa, uint32_t *rsdp_gpa,
		      struct load_error *err);

/* ---- cpu_mode.c ------------------------------------------------------------ */

enum cpu_mode {
	CPU_MODE_REAL,
	CPU_MODE_PROT32,
	CPU_MODE_LONG64,
};

/*
 * Where `mode` puts its tables in guest RAM (documented in
 * docs/control-partition.md; flat images must not overlap them):
 *   0x1000  GDT: 0x08 32-bit code, 0x10 data, 0x18 64-bit code (prot32, long64)
 *   0x2000  PML4, 0x3000 PDPT, 0x4000 PD: identity map of the first 1 GiB
 *           with 2 MiB pages (long64)
 */
#define CPU_MODE_GDT_GPA        0x1000u
#define CPU_MODE_PML4_GPA       0x2000u
#define CPU_MODE_PDPT_GPA       0x3000u
#define CPU_MODE_PD_GPA         0x4000u
#define CPU_MODE_TABLES_END     0x5000u
#define CPU_MODE_SEL_CODE32     0x08
#define CPU_MODE_SEL_DATA       0x10
#define CPU_MODE_SEL_CODE64     0x18

/* Default stacks: SS:SP = (CS + 0x1000):0xfffe in real mode (the top of the
 * 64 KiB after the code's), ESP/RSP 0x80000 otherwise (kvmctl's). */
#define CPU_MODE_REAL_SP        0xfffeu
#define CPU_MODE_STACK          0x80000u

/* Control-register values set per mode. */
#define CPU_CR0_PE  0x00000001u
#define CPU_CR0_MP  0x00000002u
#define CPU_CR0_ET  0x00000010u
#define CPU_CR0_NE  0x00000020u
#define CPU_CR0_PG  0x80000000u
#define CPU_CR4_PAE 0x00000020u
#define CPU_CR4_OSFXSR     0x00000200u
#define CPU_CR4_OSXMMEXCPT 0x00000400u
#define CPU_EFER_LME 0x00000100u
#define CPU_EFER_LMA 0x00000400u
#define CPU_RFLAGS_FIXED 0x2u

/* "real", "prot32", "long64". 0, or -1 for anything else. */
int cpu_mode_parse(const char *name, enum cpu_mode *mode);
const char *cpu_mode_name(enum cpu_mode mode);

/*
 * Prepares a flat guest to start at `entry` in `mode`, editing the vCPU's
 * current regs and sregs (so fields we do not set, like TR and LDTR, keep
 * the hypervisor's reset values) and writing the GDT / page tables above
 * into RAM for prot32 / long64. General registers are zeroed; RSP gets the
 * default stack. real: CS = entry >> 4 & 0xf000 (CS = 0 below 64 KiB), IP =
 * the rest, entry below 1 MiB; DS = ES = CS, SS = CS + 0x1000, FS = GS = 0,
 * all with limit 0xffff; CR0.PE/PG, CR4.PAE and EFER.LME/LMA cleared, the
 * rest of CR0 kept (the reset value 0x60000010). prot32: flat 4 GiB CS 0x08 / data 0x10, CR0 =
 * PE | ET. long64: 64-bit CS 0x18, data 0x10, CR0 = PE | MP | ET | NE | PG,
 * CR4 = PAE | OSFXSR | OSXMMEXCPT, CR3 = the PML4, EFER = LME | LMA, entry
 * below 1 GiB. Returns 0, or -1 (RAM too small, entry out of range).
 */
int cpu_mode_setup(enum cpu_mode mode, struct guest_ram *ram, uint64_t entry,
		   struct kvm_regs *regs, struct kvm_sregs *sregs,
		   struct load_error *err);

/*
 * The state KVM_CREATE_VCPU gives (docs/hypercall-abi.md, "reset state";
 * docs/hypercall-abi.md, "KVM_CREATE_VCPU: reset state"): CS 0xf000 base
 * 0xf0000 limit 0xffff, RIP
 * 0xfff0, DS/ES/FS/GS/SS selector 0 base 0 limit 0xffff read/write data,
 * TR and LDTR base 0 limit 0xffff, GDTR/IDTR base 0 limit 0xffff, RFLAGS
 * 0x2, general registers 0 except RDX 0x600, CR0 0x60000010, CR2-CR4, CR8
 * and EFER 0, APIC base 0xfee00900, no queued interrupt (interrupt_bitmap
 * all zero). For `reset`, after a triple fault for instance.
 */
#define CPU_RESET_CS            0xf000u
#define CPU_RESET_RIP           0xfff0u
#define CPU_RESET_RDX           0x600u
#define CPU_RESET_CR0           0x60000010u
#define CPU_RESET_APIC_BASE     0xfee00900u
void cpu_reset_state(struct kvm_regs *regs, struct kvm_sregs *sregs);

/*
 * The 32-bit boot protocol's state (boot.rst, "32-bit BOOT PROTOCOL"):
 * GDTR = the boot GDT linux_load wrote (LINUX_GDT_GPA), CS 0x10 flat 4 GiB
 * execute/read (type 0xb, db, g), DS/ES/SS (and FS/GS) 0x18 flat read/write
 * (type 3), CR0 = PE | ET, paging off, CR3 = CR4 = EFER = CR8 = 0, no
 * interrupt queued (interrupt_bitmap 0), interrupts off
 * (EFLAGS 0x2), ESI = the zero page, EIP = the kernel's load address, the
 * other general registers (EBP, EDI, EBX among them) 0.
 */
void cpu_setup_linux32(const struct linux_boot *boot, struct kvm_regs *regs,
		       struct kvm_sregs *sregs);

/*
 * The multiboot machine state (spec section 3.2): flat 32-bit protected
 * mode, CS 0x08 base 0 limit 4 GiB (type 0xb, db, g), data segments 0x10
 * (type 3), CR0 = PE | ET, paging off, EFER 0, EAX = 0x2BADB002, EBX = mbi,
 * EIP = entry, EFLAGS = 0x2, the other general registers 0. No GDT is
 * written: the spec lets GDTR be invalid.
 */
void cpu_setup_multiboot(uint32_t entry, uint32_t mbi_gpa,
			 struct kvm_regs *regs, struct kvm_sregs *sregs);

#endif
