/*
 * Control-partition runtime start and end (ctl.h): checks what the
 * hypervisor handed over in struct ctl_boot_info (abi/ctl_boot.h) before
 * anything trusts it, and ends the partition. Called from crt0 on its own
 * stack with .bss zeroed; runs in the control partition only.
 */
#include <stdarg.h>
#include <stdio.h>

#include "guests/ctl/ctl.h"

/* Status passed to ctl_shutdown when the boot info is unusable. */
#define CTL_EXIT_BAD_BOOT_INFO  0x7e

#define QEMU_DEBUG_EXIT_PORT    0xf4    /* -device isa-debug-exit,iobase=0xf4 */

#define PAGE_BYTES              4096ULL

extern char __image_start[], __image_end[];     /* ctl.ld */

const struct ctl_boot_info *ctl_boot;

__attribute__((noreturn)) void ctl_shutdown(int status)
{
	uart_flush();
	outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Before the heap and stdio are up: format into a stack buffer (snprintf
 * with integer conversions does not allocate) and write to the UART. */
static __attribute__((noreturn, format(printf, 1, 2)))
void bad_boot_info(const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	uart_puts("ctl: bad boot info: ");
	uart_puts(msg);
	uart_puts("; halting\n");
	ctl_shutdown(CTL_EXIT_BAD_BOOT_INFO);
}

static void check_boot_info(const struct ctl_boot_info *bi)
{
	uint64_t image_start = (uint64_t)(uintptr_t)__image_start;
	uint64_t image_end = (uint64_t)(uintptr_t)__image_end;
	uint64_t bi_gpa = (uint64_t)(uintptr_t)bi;

	if (bi_gpa == 0 || bi_gpa % 8)
		bad_boot_info("pointer 0x%lx", (unsigned long)bi_gpa);
	if (bi->magic != CTL_BOOT_MAGIC)
		bad_boot_info("magic 0x%08x, expected 0x%08x at GPA 0x%lx",
			      bi->magic, CTL_BOOT_MAGIC, (unsigned long)bi_gpa);
	if (bi->version != CTL_BOOT_VERSION)
		bad_boot_info("version %u, expected %u", bi->version,
			      CTL_BOOT_VERSION);
	if (bi_gpa + sizeof(*bi) > bi->ram_bytes)
		bad_boot_info("boot info at 0x%lx is outside RAM (0x%lx bytes)",
			      (unsigned long)bi_gpa, (unsigned long)bi->ram_bytes);
	if (image_end > bi->ram_bytes)
		bad_boot_info("image [0x%lx, 0x%lx) is outside RAM (0x%lx bytes)",
			      (unsigned long)image_start, (unsigned long)image_end,
			      (unsigned long)bi->ram_bytes);
	if (bi->free_start % PAGE_BYTES || bi->free_start > bi->free_end ||
	    bi->free_end > bi->ram_bytes)
		bad_boot_info("free memory [0x%lx, 0x%lx) in RAM of 0x%lx bytes",
			      (unsigned long)bi->free_start,
			      (unsigned long)bi->free_end,
			      (unsigned long)bi->ram_bytes);
	if (bi->free_start < image_end && bi->free_end > image_start)
		bad_boot_info("free memory [0x%lx, 0x%lx) overlaps the image [0x%lx, 0x%lx)",
			      (unsigned long)bi->free_start,
			      (unsigned long)bi->free_end,
			      (unsigned long)image_start, (unsigned long)image_end);
	if (bi->nmodules > CTL_MAX_MODULES)
		bad_boot_info("%u modules, at most %u", bi->nmodules,
			      CTL_MAX_MODULES);
	for (uint32_t i = 0; i < bi->nmodules; i++) {
		const struct ctl_module *m = &bi->modules[i];

		if (m->gpa > bi->ram_bytes || m->size > bi->ram_bytes - m->gpa)
			bad_boot_info("module %u [0x%lx, +0x%lx) is outside RAM", i,
				      (unsigned long)m->gpa, (unsigned long)m->size);
	}
}

void ctl_runtime_init(const struct ctl_boot_info *info)
{
	uart_init();
	check_boot_info(info);
	ctl_boot = info;
	ctl_heap_init(info->free_start, info->free_end);
	/* Unbuffered: every printf reaches the UART at once, in order with the
	 * CLI's echo (which bypasses stdio), and a prompt needs no fflush. */
	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	hypercall_init();
}
