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
 * The multiboot machine state (spec section 3.2): flat 32-bit protected
 * mode, CS 0x08 base 0 limit 4 GiB (type 0xb, db, g), data segments 0x10
 * (type 3), CR0 = PE | ET, paging off, EFER 0, EAX = 0x2BADB002, EBX = mbi,
 * EIP = entry, EFLAGS = 0x2, the other general registers 0. No GDT is
 * written: the spec lets GDTR be invalid.
 */
void cpu_setup_multiboot(uint32_t entry, uint32_t mbi_gpa,
			 struct kvm_regs *regs, struct kvm_sregs *sregs);

#endif
