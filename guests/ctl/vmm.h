/*
 * The VMM inside the control partition: VM objects with their devices
 * (vm.c), guest-memory access (guest_mem.c), the KVM_RUN loop with its exit
 * handlers (vmm_run.c, string_io.c), interrupt injection and virtual time
 * (vmm_irq.c), the exit trace (vmm_trace.c), register reports
 * (vmm_report.c) and the argument parsing of the VM commands (vmm_args.c).
 * The CLI commands in cmd_*.c drive it.
 *
 * Everything here builds for the control partition and for the host unit
 * tests: requests go through kvm_client.h (whose hypercall3 the tests fake),
 * and console output, CPUID and the keys typed at the console come through
 * struct vmm_host, which vmm_host.c fills for the partition; vmm_console.c
 * connects them to the guest's UART while a run has the console attached.
 */
#ifndef GUESTS_CTL_VMM_H
#define GUESTS_CTL_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/kvm.h"
#include "guests/ctl/apic.h"
#include "guests/ctl/devices.h"
#include "guests/ctl/io_bus.h"
#include "guests/ctl/loader.h"

#define VMM_MAX_VMS             8
#define VMM_DEFAULT_MEM_MIB     16
#define VMM_MAX_MEM_MIB         4096
#define VMM_MAX_SLOTS           32      /* the hypervisor's limit */

/* What the VMM needs from its surroundings. */
struct vmm_host {
	void (*write)(const char *buf, size_t len);     /* console */
	/* CPUID as the control partition sees it (the hypervisor's filtered
	 * view): out = EAX, EBX, ECX, EDX. */
	void (*cpuid)(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
	/* One byte typed at the console, or -1 if none is waiting; never
	 * blocks. Polled when KVM_RUN returns -EINTR (the hypervisor's sign
	 * that console input is waiting) and while a halted guest waits for
	 * input. May be NULL: no console input. */
	int (*poll_key)(void);
	/* Hands a byte typed after the escape key back to the CLI. May be
	 * NULL (the byte is then dropped). */
	void (*unread_key)(uint8_t byte);
	/* The TSC (the control partition's, which the VMM's clocks follow)
	 * and its frequency in Hz. NULL where there is none (host tests):
	 * VM clocks are then virtual (vmm_clock.c). */
	uint64_t (*tsc)(void);
	uint64_t (*tsc_hz)(void);
	/* Waits without spinning until a key is typed or the TSC reaches
	 * `tsc`, or returns at once; either way the caller looks again. May
	 * be NULL: a wait then spins on the TSC. */
	void (*idle)(uint64_t tsc);
	/* Seconds since 1970 (UTC) now, for the RTC; NULL: 1970. */
	uint64_t (*wall_clock)(void);
};

/* The partition's host (vmm_host.c; target only). */
extern const struct vmm_host vmm_ctl_host;

void vmm_printf(const struct vmm_host *host, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "error: KVM_RUN: ENOSYS (-38)" for a failed request (err = -result). */
void vmm_print_request_error(const struct vmm_host *host, const char *request,
			     int err);

/* ---- the run loop's counters ---------------------------------------------- */

#define VMM_EXIT_REASONS (KVM_EXIT_SHUTDOWN + 1)

struct vmm_stats {
	uint64_t runs;                  /* `run` commands */
	uint64_t kvm_runs;              /* KVM_RUN requests */
	uint64_t exits[VMM_EXIT_REASONS];
	uint64_t exits_other;           /* exit_reason beyond KVM_EXIT_SHUTDOWN */
	uint64_t fail_entry;
	uint64_t eintr;
	uint64_t string_io_elements;
	uint64_t irqs_injected;         /* KVM_INTERRUPT from the PIC */
	uint64_t nmis_injected;         /* KVM_NMI from the local APIC */
	uint8_t last_vector;
};

/* How the last `run` ended. */
enum vmm_outcome {
	VMM_NOT_RUN,
	VMM_EXITED,             /* the guest wrote its status to port 0xf4 */
	VMM_HALTED,             /* KVM_EXIT_HLT */
	VMM_INTERRUPTED,        /* the escape key (Ctrl-]) on the console */
	VMM_DEBUG,              /* KVM_EXIT_DEBUG: breakpoint or single step */
	VMM_FATAL,              /* SHUTDOWN, EXCEPTION, UNKNOWN, FAIL_ENTRY, ... */
	VMM_REQUEST_FAILED,     /* a request the loop needs returned -errno */
	VMM_RESET,              /* the guest reset the machine (8042, 0xcf9) */
	VMM_POWERED_OFF,        /* the guest entered ACPI S5 */
};

/* What stopped a VMM_DEBUG run. */
enum vmm_debug_stop {
	VMM_STOP_BREAKPOINT,    /* RIP is at an enabled breakpoint */
	VMM_STOP_STEP,          /* `step`: one instruction done */
	VMM_STOP_DEBUG_OTHER,   /* a #DB of the guest's own (INT1, DR7 it set) */
};

struct vmm_result {
	enum vmm_outcome outcome;
	uint32_t status;                /* VMM_EXITED */
	uint64_t rip;                   /* VMM_HALTED, VMM_INTERRUPTED, VMM_DEBUG */
	enum vmm_debug_stop debug;      /* VMM_DEBUG */
	const char *request;            /* VMM_REQUEST_FAILED: its name */
	const char *reset_by;           /* VMM_RESET: which device */
	int err;                        /* VMM_REQUEST_FAILED: Linux errno */
	char what[128];                 /* VMM_FATAL: one line */
};

/* ---- vmm_console.c: the console attached to a running guest ---------------
 *
 * While `run N` or `console N` runs a VM, the console is attached to it
 * (docs/control-partition.md, "The console"): every key typed goes to the
 * guest's 16550 receive FIFO except the escape key, Ctrl-] (as in telnet),
 * which stops the run and gives back the ctl> prompt. Ctrl-C is byte 0x03
 * for the guest. Keys the FIFO cannot take yet wait in a queue and move in
 * as the guest drains it. Guest output is shown as it comes: each line
 * starts with the VM's "[vmN] " prefix, and a partial line (a shell
 * prompt, the echo of a key) is shown at once instead of waiting for its
 * newline. `step` runs with the console detached: then Ctrl-] or Ctrl-C
 * stops the run and other keys stay for the CLI.
 */
#define VMM_CONSOLE_ESCAPE       0x1d   /* Ctrl-] */
#define VMM_CONSOLE_CTRL_C       0x03
#define VMM_CONSOLE_QUEUE_BYTES  4096   /* a pasted screenful */
#define VMM_CONSOLE_POLL_EXITS   256    /* exits between looks at the keys
					 * (besides -EINTR, HLT and the
					 * guest's UART accesses; vmm_run.c) */

struct vmm_console {
	bool attached;                  /* keys to the guest, partial lines out */
	bool mid_line;                  /* guest text is on the console without
					 * its newline yet */
	bool partial;                   /* vmm_console_flush is emitting */
	uint8_t queue[VMM_CONSOLE_QUEUE_BYTES];  /* typed, not yet in the FIFO */
	unsigned head, count;
	uint64_t keys_in;               /* bytes queued for the guest */
	uint64_t keys_dropped;          /* typed while the queue was full */
	unsigned exits_since_poll;
};

struct vm;

/* Where the guest's UART output goes (vm.c's UART sink): a complete line
 * (len bytes without the newline), or a partial one while
 * vmm_console_flush runs. Prefixes each new line with vm->prefix. */
void vmm_console_output(struct vm *vm, const char *text, size_t len);
/* Shows the UART's partial line now (attached runs: exits and HLT). */
void vmm_console_flush(struct vm *vm);
/* Ends a partial line on the console with a newline, so that the VMM's own
 * messages start on a line of their own. */
void vmm_console_end_line(struct vm *vm);
/* Queues a byte for the guest; false if the queue is full (not queued). */
bool vmm_console_enqueue(struct vm *vm, uint8_t byte);
/*
 * Reads every key waiting at the console. Attached: queues them for the
 * guest up to the escape key, which makes it return true; keys after it
 * go back to the CLI (host->unread_key). Detached: true on Ctrl-] or
 * Ctrl-C; every other key goes back to the CLI.
 */
bool vmm_console_poll(struct vm *vm);
/*
 * Moves queued keys into the UART's receive FIFO while it has room (none
 * while the UART is in loopback: its serial input is disconnected,
 * PC16550D 8.6.5), then calls vmm_uart_input_done if any moved. Never
 * overruns the FIFO: what does not fit stays queued for later exits.
 */
void vmm_console_feed(struct vm *vm);
/* Waits for keys (polling host->poll_key) until one is queued or the
 * escape key comes; true on the escape key. */
bool vmm_console_wait(struct vm *vm);
/* After bytes entered the UART's receive FIFO from the console: the place
 * to update the UART's interrupt line (vmm_console.c). */
void vmm_uart_input_done(struct vm *vm);

/* ---- vm.c ----------------------------------------------------------------- */

/* A memory slot as the VMM set it (KVM_SET_MEMORY_REGION succeeded). */
struct vmm_slot {
	bool used;
	bool mapped;                    /* reachable at vm->ram + gpa */
	uint32_t flags;                 /* KVM_MEM_LOG_DIRTY_PAGES, ... */
	uint64_t gpa, size;
};

/* A VM's clock (vmm_clock.c). */
struct vmm_clock {
	bool want_real;                 /* asked for (kept across resets) */
	bool real;                      /* follows the TSC */
	uint64_t hz;                    /* TSC frequency */
	uint64_t tsc0;                  /* the TSC at time 0 */
	uint64_t ns;                    /* the time now, as last ticked */
	uint64_t alarm_tsc;             /* KVM_BAREKVM_ALARM as last set */
};

/* `trace` categories (vmm_trace.c). */
#define VMM_TRACE_IO    0x1u    /* KVM_EXIT_IO */
#define VMM_TRACE_MMIO  0x2u    /* KVM_EXIT_MMIO */
#define VMM_TRACE_IRQ   0x4u    /* injection, IRQ window, -EINTR, HLT */
#define VMM_TRACE_OTHER 0x8u    /* every other exit */
#define VMM_TRACE_ALL   0xfu

struct vm {
	int index;                      /* N in the CLI, "[vmN]" */
	int vm_fd, vcpu_fd;             /* handles */
	uint64_t ram_bytes;
	uint8_t *ram;                   /* guest-physical 0 (mmap window) */
	/* [0, ram_mapped): the part of [0, ram_bytes) the VMM may touch
	 * through vm->ram: slots it mapped (KVM_BAREKVM_MMAP) and has not
	 * changed since. The hypervisor unmaps a slot from the window when it
	 * is deleted or moved; touching it then would be a wild access. */
	uint64_t ram_mapped;
	const struct vmm_host *host;

	struct kvm_run run;             /* persists: fields echo between runs */
	bool resume_emulated;           /* a run stopped after completing an */
	bool resume_mmio;               /* instruction: skip it next time */

	struct io_bus io, mmio;
	struct uart16550 uart;
	struct debugexit debugexit;
	struct port80 port80;
	struct pic8259 pic;
	struct pit8254 pit;             /* pit.now is the VM's virtual clock */
	struct mmiotest mmiotest;
	struct testdev testdev;
	struct lapic lapic;
	struct ioapic ioapic;
	struct rtc146818 rtc;
	struct i8042 kbc;
	struct pci_cfg pci;
	struct acpi_pm acpi;
	uint64_t cr8_set;               /* kvm_run.cr8 as the VMM last set it */
	const char *last_request;       /* of vmm_irq_before_run's failure */
	bool wait_escaped;              /* vmm_irq_wait: the escape key */
	uint64_t next_device_event;     /* ns; the timer devices lag until then */
	struct vmm_stop stop;
	struct vmm_console console;     /* vmm_console.c */

	struct vmm_slot slots[VMM_MAX_SLOTS];
	struct vmm_clock clock;

	/* KVM_DEBUG_GUEST as last set (breakpoints, `step`). */
	struct kvm_debug_guest debug;
	bool stepping;

	unsigned trace;                 /* VMM_TRACE_* */
	uint64_t trace_in_value;        /* what an IN read, for the trace */

	struct vmm_stats stats;
	struct vmm_result last;

	/* One-entry translation cache (guest_mem.c), flushed on every exit. */
	bool tlb_valid;
	uint64_t tlb_linear_page, tlb_gpa_page;

	/* What `load` put where: `mode` defaults to its entry and keeps its
	 * tables off it; `vm list` shows it. */
	bool loaded;
	char loaded_what[48];
	uint64_t load_start, load_end, entry;

	char prefix[16];                /* "[vm0] " */
};

/* The VM with CLI index n, or NULL. */
struct vm *vm_get(int n);

/*
 * Creates a VM the way libkvm's kvm_create did, with one slot: KVM_CREATE_VM,
 * KVM_SET_MEMORY_REGION slot 0 = [0, ram_bytes), KVM_BAREKVM_MMAP of all of
 * it, KVM_CREATE_VCPU 0; then attaches the UART (0x3f8), the debug exit
 * port (0xf4), port 0x80, the PICs (0x20, 0xa0, 0x4d0), the PIT (0x40,
 * 0x61) and the MMIO test device (MMIOTEST_GPA). Prints the failing request
 * and returns NULL on error (undoing what was done).
 */
struct vm *vm_create(const struct vmm_host *host, uint64_t ram_bytes);

/* Puts the VMM's devices back to their power-on state (`reset`); the
 * virtual clock restarts at 0. */
void vm_reset_devices(struct vm *vm);

/* Records a successful KVM_SET_MEMORY_REGION (size 0 deletes), then maps
 * again what it may have unmapped (vm_remap). */
void vm_note_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		  uint64_t size);
/*
 * After any KVM_SET_MEMORY_REGION, failed ones included (a failed move
 * deletes the slot, as in 2.6.21): asks KVM_BAREKVM_MMAP again for every
 * slot the VMM knows inside [0, ram_bytes); the hypervisor refuses the
 * ones that are gone. Sets each slot's `mapped` and vm->ram_mapped.
 */
void vm_remap(struct vm *vm);
/* Whether gpa lies in a memory slot (RAM for the guest, mapped here or
 * not); outside every slot is MMIO. */
bool vm_gpa_in_slot(const struct vm *vm, uint64_t gpa);
/* vm->ram + gpa if [gpa, gpa+len) lies inside one mapped slot, else NULL. */
uint8_t *vm_ram_ptr(struct vm *vm, uint64_t gpa, uint64_t len);

/* KVM_BAREKVM_CLOSE on the vCPU and VM handles, then frees the VM.
 * Returns 0, or -errno of the VM close (the VM is forgotten either way). */
int vm_destroy(struct vm *vm);

/* guest RAM as the loaders see it */
static inline struct guest_ram vm_guest_ram(const struct vm *vm)
{
	return (struct guest_ram){ .base = vm->ram, .bytes = vm->ram_mapped };
}

/* ---- guest_mem.c --------------------------------------------------------- */

/*
 * Copies between buf and the guest's linear address space, translating each
 * page with KVM_TRANSLATE in the vCPU's current paging mode. Returns 0,
 * -EFAULT if an address is unmapped or its guest-physical page lies outside
 * RAM, or -errno of a failed request.
 */
int vm_read_linear(struct vm *vm, uint64_t linear, void *buf, size_t len);
int vm_write_linear(struct vm *vm, uint64_t linear, const void *buf, size_t len);
/* The same for the memory operand of INS/OUTS: where a page is in no
 * memory slot the bytes go to or come from the VM's MMIO bus (a device, or
 * unclaimed: reads 0, writes dropped), one bus access per piece in a page
 * (len <= 8). -EFAULT as above for an unmapped linear address and for RAM
 * this partition has not mapped. */
int vm_read_linear_io(struct vm *vm, uint64_t linear, void *buf, size_t len);
int vm_write_linear_io(struct vm *vm, uint64_t linear, const void *buf, size_t len);
void vm_tlb_flush(struct vm *vm);

/* ---- string_io.c: INS/OUTS arithmetic (SDM Vol. 2B, INS and OUTS) -------- */

/*
 * Address size in bytes (2, 4, 8) of a string instruction: from the code
 * segment (L: 8, else D: 4, else 2; virtual-8086 mode: 2) and any 0x67
 * among its legacy (and, in 64-bit mode, REX) prefixes, the way 2.6.21's
 * get_io_count decided it. insn holds the instruction bytes at RIP (len may
 * be 0 if they could not be read: no prefix assumed).
 */
unsigned sio_address_bytes(bool cs_l, bool cs_db, bool vm86,
			   const uint8_t *insn, size_t len);

/* One INS/OUTS as the exit describes it. */
struct sio_op {
	uint64_t seg_base;              /* linear address of segment offset 0 */
	uint64_t index;                 /* RSI (OUTS) or RDI (INS) at the exit */
	unsigned size;                  /* element bytes: 1, 2, 4 */
	unsigned addr_bytes;            /* 2, 4, 8 */
	bool down;                      /* EFLAGS.DF */
	bool long64;                    /* 64-bit mode: linear addresses are
					 * not truncated to 32 bits */
};

/* first_linear is kvm_run.io.address (element 0, segment base included). */
void sio_init(struct sio_op *op, uint64_t first_linear, uint64_t index,
	      unsigned size, unsigned addr_bytes, bool down, bool long64);
/* The mask of an address size: 2 -> 0xffff. */
uint64_t sio_addr_mask(unsigned addr_bytes);
/* Linear address of element i: the offset wraps within the address size. */
uint64_t sio_linear(const struct sio_op *op, uint64_t i);
/* RSI/RDI after n elements; bits above the address size are kept, except
 * that a 32-bit update in 64-bit mode zero-extends, like any 32-bit write. */
uint64_t sio_index_after(const struct sio_op *op, uint64_t n);
/* Elements a REP will do: RCX masked to the address size. */
uint64_t sio_count(uint64_t rcx, unsigned addr_bytes);
/* RCX after n elements, with the same rules as sio_index_after. */
uint64_t sio_rcx_after(uint64_t rcx, uint64_t n, unsigned addr_bytes, bool long64);

/* ---- vmm_run.c ------------------------------------------------------------ */

/*
 * Runs the VM's vCPU until a device ends the run (the debug exit port), the
 * guest halts, a fatal exit, a failed request, or ^C, in the manner of
 * libkvm's kvm_run (docs/control-partition.md, "The run loop"). Fills vm->last
 * and returns
 * its outcome. Prints nothing itself (guest output goes through the UART's
 * sink); cmd_run.c reports.
 */
enum vmm_outcome vmm_run(struct vm *vm);

/* ---- vmm_cpuid.c ---------------------------------------------------------- */

/* CPUID as the VM sees it: the host's, with the VM's APIC ID and, where the
 * CPU has leaves 0x15/0x16, the measured TSC and the VMM's APIC bus. */
void vmm_cpuid(struct vm *vm, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/* ---- vmm_clock.c: a VM's clock --------------------------------------------- */

#define VMM_CLOCK_NEVER UINT64_MAX
/* Virtual clocks (no TSC) move this much per KVM_RUN return: just over
 * one PIT input cycle (838.1 ns), so each return is at least one cycle. */
#define VMM_NS_PER_RETURN 839

/* a * mul / div, exact while (a % div) * mul fits in 64 bits. */
uint64_t vmm_scale(uint64_t a, uint64_t mul, uint64_t div);
/* Restarts the clock at 0 (vm_reset_devices), of the kind last set. */
void vmm_clock_reset(struct vm *vm);
/* Switches the kind; time goes on from where it is. False if real was
 * asked for and the host has no TSC frequency (the clock stays virtual). */
bool vmm_clock_set_real(struct vm *vm, bool real);
/* After a KVM_RUN return: the clock's new time in ns. */
uint64_t vmm_clock_tick(struct vm *vm);
/* The TSC value at clock time ns (real clocks). */
uint64_t vmm_clock_tsc_at(const struct vm *vm, uint64_t ns);
/* Waits until the clock reads ns (virtual: jumps there). Polls stop(vm)
 * meanwhile (real clocks), and returns false early if it says so. */
bool vmm_clock_wait_until(struct vm *vm, uint64_t ns, bool (*stop)(struct vm *vm));
/* KVM_BAREKVM_ALARM for clock time ns (VMM_CLOCK_NEVER: disarm), sent only
 * when it changes; nothing for virtual clocks. 0 or -errno. */
int vmm_clock_arm(struct vm *vm, uint64_t ns);

/* ---- vmm_irq.c: interrupts and device time ------------------------------------
 *
 * The PC's interrupt wiring in virtual wire mode (8259 pair, IO-APIC,
 * local APIC), KVM_INTERRUPT the way QEMU did it over 2.6.21
 * (docs/hypercall-abi.md, "KVM_INTERRUPT"), and every device timer on the
 * VM clock (vmm_clock.c).
 */

/* Wires the interrupt controllers, the timers and every device with an
 * interrupt or reset line; reset state (vm_reset_devices calls it). */
void vmm_irq_init(struct vm *vm);
/* ISA line irq (0-15) to level: the 8259 pair and the IO-APIC (IRQ 0 is
 * its pin 2). */
void vmm_set_irq(struct vm *vm, unsigned irq, int level);
/* Before KVM_RUN: if the last return said ready_for_interrupt_injection and
 * if_flag and a controller has a request, acknowledge it and KVM_INTERRUPT
 * its vector; request_interrupt_window = a request is (still) pending;
 * kvm_run.cr8 = TPR >> 4; the alarm for the next device event. 0, or
 * -errno of the request named in vm->last_request. */
int vmm_irq_before_run(struct vm *vm, struct kvm_run *run);
/* After every KVM_RUN return: the clock and the device timers move on;
 * the APIC base and a changed CR8 reach the local APIC. */
void vmm_irq_after_run(struct vm *vm);

/* The timer devices' time to the VM clock's (before a guest access), and
 * the next device event computed again (after one): vmm_timed.c. */
void vmm_devices_sync(struct vm *vm);
void vmm_devices_changed(struct vm *vm);
/* The timer devices' bus operations (opaque: the VM), vmm_timed.c. */
extern const struct bus_device_ops vmm_timed_pit_ops, vmm_timed_port61_ops,
	vmm_timed_lapic_ops, vmm_timed_rtc_ops, vmm_timed_acpi_ops;

/* How a halted guest's wait ended. */
enum vmm_wait {
	VMM_WAIT_WOKEN,         /* an interrupt can be delivered now */
	VMM_WAIT_NEVER,         /* nothing armed could ever wake it */
	VMM_WAIT_ESCAPED,       /* the console's escape key */
};
/* KVM_EXIT_HLT with IF = 1: waits (real clock) or skips (virtual) to the
 * next device event until an interrupt can be delivered; console keys
 * reach the UART meanwhile. */
enum vmm_wait vmm_irq_wait(struct vm *vm);

/* ---- vmm_trace.c: `trace` -------------------------------------------------- */

/* One line per exit in vm->trace's categories, after the VMM handled it
 * (so an MMIO or IO read shows its data): "vm N: exit mmio read
 * 0xd0000000 len 8 data 0x...". */
void vmm_trace_exit(struct vm *vm, const struct kvm_run *run);
/* "vm N: <text>" if category is traced. */
void vmm_trace_event(struct vm *vm, unsigned category, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "io", "mmio", "irq", "other", "all" -> VMM_TRACE_*; 0 if unknown. */
unsigned vmm_trace_category(const char *name);

/* ---- vmm_report.c --------------------------------------------------------- */

/* Prints registers like a debugger: GPRs, RIP/RFLAGS, segments, tables,
 * control registers, EFER and the CPU mode. */
void vmm_print_regs(const struct vmm_host *host, const struct kvm_regs *regs,
		    const struct kvm_sregs *sregs);
/* GET_REGS + GET_SREGS + vmm_print_regs; prints the error if one fails. */
int vmm_dump_vcpu(struct vm *vm);

struct kvm_vcpu_events;
/* KVM_GET_VCPU_EVENTS in words ("NMI latched, MOV SS shadow"); "" when it
 * holds nothing. Returns the length written. */
size_t vmm_describe_events(const struct kvm_vcpu_events *e, char *line, size_t cap);
/* "#GP" for 13, ... ; "#?" beyond. */
const char *vmm_exception_name(uint32_t vector);
/* The counters, the devices' state and the last outcome (`stats`). */
void vmm_print_stats(struct vm *vm);
/* One line describing vm->last: "guest exited with status 0", ... */
void vmm_describe_outcome(const struct vm *vm, char *buf, size_t cap);

/* ---- vmm_args.c: argument parsing of the VM commands ------------------------ */

/*
 * Unsigned number: decimal, 0x hex, 0b binary or 0 octal as strtoull base
 * 0 reads it, optionally followed by one of K, M, G (x 1024^n, either case).
 * 0, or -1 if malformed or it overflows 64 bits.
 */
int vmm_parse_u64(const char *s, uint64_t *out);

/* A VM index 0..VMM_MAX_VMS-1 (number only). 0 or -1. */
int vmm_parse_vm_index(const char *s, int *out);

/*
 * A boot module by index ("2") or by name: the first word of its GRUB
 * command line ("hello" for "hello greeting=world"). names[i] is module i's
 * command line. Returns the index, or -1.
 */
int vmm_find_module(const char *const *cmdlines, unsigned n, const char *ref);

/* The first word of a module command line into out ("hello"). */
void vmm_module_name(const char *cmdline, char *out, size_t cap);
/* What follows that word and its blanks ("greeting=world"), or "". */
const char *vmm_module_args(const char *cmdline);

/*
 * Joins words with single blanks into out. Returns 0, or -1 if it does not
 * fit (out then holds what fits).
 */
int vmm_join_words(int n, char *const *words, char *out, size_t cap);

/* A register `set` can write: which struct and where. */
enum vmm_reg_kind { VMM_REG_GPR, VMM_REG_SREG };
struct vmm_reg_desc {
	const char *name;
	enum vmm_reg_kind kind;         /* kvm_regs or kvm_sregs */
	size_t offset;
	unsigned bytes;                 /* 1, 2, 4, 8 */
	unsigned bits;                  /* the field's width: a segment's
					 * type is 4 bits, dpl 2, flags 1 */
};

/*
 * Looks up a register name, case-insensitive: rax..r15, rip, rflags; cr0,
 * cr2, cr3, cr4, cr8, efer, apic_base; a segment (cs ds es fs gs ss tr ldt)
 * alone names its selector, and SEG.base, SEG.limit, SEG.selector,
 * SEG.type, SEG.present, SEG.dpl, SEG.db, SEG.s, SEG.l, SEG.g, SEG.avl,
 * SEG.unusable its fields; gdt.base, gdt.limit, idt.base, idt.limit.
 * Returns 0 or -1.
 */
int vmm_find_reg(const char *name, struct vmm_reg_desc *out);

/* Stores value into the field; -1 if it does not fit the field's width in
 * bits (not only its storage: `set 0 cs.type 99` is refused). */
int vmm_reg_store(const struct vmm_reg_desc *d, struct kvm_regs *regs,
		  struct kvm_sregs *sregs, uint64_t value);

#endif
