/*
 * How the hypervisor starts the control partition (docs/control-partition.md).
 * Shared by the hypervisor (core/ctl_launch.c) and the control partition's
 * crt0 (guests/ctl/): both sides include this file, so it uses only fixed-width
 * types and has no pointers, only guest-physical addresses (GPAs).
 *
 * Entry state: 64-bit mode, CPL 0, interrupts off (RFLAGS = 0x2), paging on
 * with the identity map described below, CS = 0x08 (64-bit code), DS/ES/SS =
 * 0x10, CR0.EM clear, CR0.MP and CR4.OSFXSR/OSXMMEXCPT set (SSE usable), no
 * IDT. RDI = GPA of struct ctl_boot_info, RSP = a 16-byte-aligned stack of
 * CTL_BOOT_STACK_BYTES inside RAM (crt0 may switch to its own).
 */
#ifndef ABI_CTL_BOOT_H
#define ABI_CTL_BOOT_H

#include <stdint.h>

#define CTL_BOOT_MAGIC        0x4d564b42u     /* "BKVM" little-endian */
#define CTL_BOOT_VERSION      2
#define CTL_MAX_MODULES       16
/* A module's GRUB command line, NUL included: 4 KiB, room for any kernel's
 * (Linux's x86 COMMAND_LINE_SIZE is 2048). The hypervisor refuses a longer
 * one with a message instead of cutting it (core/ctl_launch.c). */
#define CTL_CMDLINE_BYTES     4096
#define CTL_BOOT_STACK_BYTES  (64 * 1024)

/* The control partition's ELF must be linked inside [CTL_LOAD_MIN, RAM). */
#define CTL_LOAD_MIN          0x200000ULL

/*
 * The hypervisor identity-maps guest-physical [0, CTL_IDMAP_BYTES) for the
 * control partition: its RAM at [0, ram_bytes) and, above it, the windows
 * where VMs' memory is mapped on request (KVM ABI "mmap").
 */
#define CTL_IDMAP_BYTES       (512ULL << 30)

struct ctl_module {
	uint64_t gpa;           /* a copy of the GRUB module inside ctl RAM */
	uint64_t size;          /* bytes */
	char cmdline[CTL_CMDLINE_BYTES];  /* GRUB's module2 arguments, NUL-terminated */
};

struct ctl_boot_info {
	uint32_t magic;         /* CTL_BOOT_MAGIC */
	uint32_t version;       /* CTL_BOOT_VERSION */
	uint64_t ram_bytes;     /* RAM is GPA [0, ram_bytes) */
	uint64_t free_start;    /* first free GPA (page aligned) after image, */
	uint64_t free_end;      /* modules and boot structures: the heap */
	char cmdline[CTL_CMDLINE_BYTES];  /* the ctl module's own arguments */
	uint32_t nmodules;
	uint32_t pad;
	struct ctl_module modules[CTL_MAX_MODULES];   /* guest images */
};

#endif
