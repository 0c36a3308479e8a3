/*
 * The control partition's runtime (docs/control-partition.md): what crt0,
 * newlib's syscalls and the commands share. Target-only: everything here runs
 * inside the control partition (64-bit, CPL 0, interrupts off, identity
 * mapped, SSE on); the host-testable CLI logic lives behind cli.h instead.
 */
#ifndef GUESTS_CTL_CTL_H
#define GUESTS_CTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/ctl_boot.h"
#include "guests/ctl/loader.h"

/* ---- runtime.c ------------------------------------------------------------ */

/* The validated boot information (crt0 passes it to ctl_runtime_init). */
extern const struct ctl_boot_info *ctl_boot;

/*
 * Called by crt0 before ctl_main, on the crt0 stack with .bss zeroed: brings
 * up the UART, checks the boot info's magic and version (on a mismatch it
 * prints why on the UART and halts; it never returns then), sets up the heap
 * for sbrk, picks the hypercall instruction and makes stdout unbuffered.
 */
void ctl_runtime_init(const struct ctl_boot_info *info);

/*
 * Ends the control partition: drains the UART, writes `status` to QEMU's
 * isa-debug-exit port 0xf4 (QEMU exits with (status << 1) | 1; elsewhere the
 * write is ignored) and then halts with interrupts off, forever.
 */
__attribute__((noreturn)) void ctl_shutdown(int status);

/* ---- syscalls.c: the heap behind sbrk ------------------------------------- */

struct ctl_heap_stats {
	uint64_t start;         /* GPA of the first heap byte (boot free_start) */
	uint64_t brk;           /* current break: [start, brk) handed to malloc */
	uint64_t end;           /* GPA past the last usable byte (boot free_end) */
	uint64_t failed_sbrks;  /* sbrk calls refused with ENOMEM */
};

void ctl_heap_init(uint64_t start_gpa, uint64_t end_gpa);
void ctl_heap_get_stats(struct ctl_heap_stats *out);

/* ---- uart.c: polled 16550 on COM1 (passed through by the hypervisor) ------ */

#define CTL_UART_COM1 0x3f8

void uart_init(void);
/* Waits for THRE before each byte; "\n" goes out as "\r\n". */
void uart_write(const char *buf, size_t len);
void uart_puts(const char *s);
/* Blocks until at least one byte arrives, then returns what is available
 * without waiting further (at most len bytes; len 0 returns 0). */
size_t uart_read(char *buf, size_t len);
/* Blocks for one byte (pushed-back bytes first). */
int uart_getc(void);
/* Is a byte waiting (received or pushed back)? Takes nothing. */
bool uart_pending(void);
/* One received byte without waiting, or -1 if none (ignores pushback). */
int uart_poll(void);
/* Hands a byte back to uart_getc/uart_read; false if 64 are waiting. */
bool uart_unget(char c);
/* Waits until the transmitter is empty (LSR.TEMT): every byte is on the wire. */
void uart_flush(void);

/* ---- hypercall.S / hypercall.c -------------------------------------------- */

/*
 * Hypercall: RAX = nr, RDI/RSI/RDX = a0/a1/a2, VMCALL (Intel) or VMMCALL
 * (AMD) as picked by hypercall_init; the result comes back in RAX. The
 * hypercall numbers and their meaning are defined in abi/ (not here).
 */
long hypercall3(unsigned long nr, unsigned long a0, unsigned long a1,
		unsigned long a2);

/* Reads the CPUID vendor string and chooses the instruction. Idempotent. */
void hypercall_init(void);
/* "vmcall" or "vmmcall" (after hypercall_init). */
const char *hypercall_insn_name(void);
/* The 12-character CPUID vendor string, NUL-terminated. */
const char *hypercall_cpu_vendor(void);

/* idle.c: waits in the hypervisor with the CPU halted (HC_IDLE) until
 * console input or TSC `deadline` (0: none); false where the hypervisor
 * cannot, and the caller then polls. */
bool ctl_idle(uint64_t deadline);

/* ---- port IO -------------------------------------------------------------- */

static inline void outb(uint16_t port, uint8_t val)
{
	__asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t val;

	__asm__ volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause");
}

/* ---- main.c, commands.c, cmd_core.c -------------------------------------- */

struct cli_io;
struct cli_command;

/* The CLI's keys and echo: the UART directly (main.c). */
extern const struct cli_io ctl_console;
/* Every command set, NULL-terminated (commands.c). */
extern const struct cli_command *const ctl_commands[];
/* Prints the named command's usage line from the command table. */
void ctl_print_usage(const char *name);

int ctl_main(const struct ctl_boot_info *info);

/* ---- cmd_vm.c: argument helpers shared by the VM commands ----------------- */

struct vm;
/* The VM named by a CLI argument ("0".."7"), or NULL after printing
 * "error: no VM 'x' (see 'vm list')". */
struct vm *ctl_vm_arg(const char *arg);
/* The boot module named by index or name, or -1 after printing
 * "error: no boot module 'x' (see 'modules')". */
int ctl_module_arg(const char *arg);

/* ---- cmd_run.c -------------------------------------------------------------- */

/* vmm_run with the console attached to the guest or not (vmm.h,
 * vmm_console.c), then the outcome line ("vm N: guest exited with status
 * 0", "vm N: breakpoint at RIP=0x...", a fatal reason and the registers).
 * 0 unless the run failed. `run`, `console`, `continue` and `step` use it. */
int ctl_run_and_report(struct vm *vm, bool attach);

/* ---- cmd_vcpu.c ------------------------------------------------------------ */

/* Puts VM vm's vCPU in `mode` (real, prot32, long64: loader.h) at entry,
 * a new start (ctl_clear_events), printing what it did or why not. 0 or
 * -1. `load ... flat` uses it too. */
int ctl_vcpu_mode(struct vm *vm, enum cpu_mode mode, uint64_t entry);

/* No event being delivered, no NMI latched or blocked, no shadow
 * (KVM_SET_VCPU_EVENTS): what `reset`, `mode` and `load` start from.
 * Prints a failure. 0 or -1. */
int ctl_clear_events(struct vm *vm);
/* True unless [gpa, gpa+len) lies in the VM's RAM but not all of it is
 * mapped in the VMM (a slot deleted or moved with `slot`): then says so
 * and returns false. The VMM never writes guest RAM it has not mapped. */
bool ctl_ram_mapped(struct vm *vm, uint64_t gpa, uint64_t len);
/* One line per boot module: index, GPA, size, command line. */
void ctl_print_modules(const struct ctl_boot_info *info);

#endif
