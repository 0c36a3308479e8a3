/*
 * The VMM's run loop (vmm.h): KVM_RUN, then the exit handed to its handler,
 * again and again, in the manner of libkvm's kvm_run (docs/hypercall-abi.md
 * section 7), with the completion rules of section 6.3: IO and CPUID
 * completions set `emulated` so the next KVM_RUN steps over the
 * instruction; an MMIO read sets `mmio_completed` with the data; HLT is
 * already stepped over by the hypervisor. Runs in the control partition
 * (and in host tests against the fake hypervisor), one vCPU at a time.
 *
 * Before every KVM_RUN the interrupt controllers get their say (vmm_irq.c:
 * a PIC request is injected when the last return allowed it, else an
 * interrupt window is requested), and after every return the virtual clock
 * moves on. HLT with interrupts enabled waits for the timer (or, console
 * attached, for a key) instead of ending the run; KVM_EXIT_DEBUG ends it
 * at a breakpoint or after a step. After every return the attached
 * console moves typed keys into the UART and shows the guest's output
 * (vmm_console.c); the escape key ends the run.
 *
 * Handlers return CONTINUE or STOP; before STOP they fill vm->last.
 * Deviations from libkvm, both toward what the CPU does:
 *  - a run that ends right after a completed IO instruction (the guest
 *    wrote to the debug exit port) keeps its `emulated` for the next `run`,
 *    so the guest resumes after the OUT instead of repeating it;
 *  - IN EAX zero-extends into RAX (libkvm kept the upper half), and
 *    INS/OUTS take their address size from CS and a 0x67 prefix
 *    (string_io.c), so RSI/RDI/RCX change exactly as the CPU would.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define CONTINUE 0
#define STOP     1

#define RFLAGS_DF (1ULL << 10)
#define RFLAGS_VM (1ULL << 17)
#define EFER_LMA  (1ULL << 10)
#define X86_MAX_INSN_BYTES 15

typedef int exit_handler(struct vm *vm, struct kvm_run *run);

static int stop_fatal(struct vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int stop_fatal(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	vm->last.outcome = VMM_FATAL;
	va_start(ap, fmt);
	vsnprintf(vm->last.what, sizeof(vm->last.what), fmt, ap);
	va_end(ap);
	return STOP;
}

static int stop_failed(struct vm *vm, const char *request, int r)
{
	vm->last.outcome = VMM_REQUEST_FAILED;
	vm->last.request = request;
	vm->last.err = -r;
	return STOP;
}

static int exit_unknown(struct vm *vm, struct kvm_run *run)
{
	return stop_fatal(vm, "unhandled exit (KVM_EXIT_UNKNOWN), hardware exit reason 0x%x",
			  run->hw.hardware_exit_reason);
}

static int exit_exception(struct vm *vm, struct kvm_run *run)
{
	return stop_fatal(vm, "guest exception %s (vector %u), error code 0x%x (KVM_EXIT_EXCEPTION)",
			  vmm_exception_name(run->ex.exception), run->ex.exception,
			  run->ex.error_code);
}

static int exit_shutdown(struct vm *vm, struct kvm_run *run)
{
	(void)run;
	return stop_fatal(vm, "triple fault (KVM_EXIT_SHUTDOWN)");
}

/* Elements of INS/OUTS, then RSI/RDI and RCX; see docs/hypercall-abi.md,
 * "KVM_RUN", IO.
 * Out of line, as is io_in, so that exit_io's OUT path needs no frame. */
static __attribute__((noinline)) int string_io(struct vm *vm, struct kvm_run *run)
{
	bool in = run->io.direction == KVM_EXIT_IO_IN;
	uint8_t insn[X86_MAX_INSN_BYTES];
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint64_t count, done, cs_ip;
	size_t insn_len = 0;
	struct sio_op op;
	unsigned addr_bytes;
	bool long64;
	int r;

	r = kvm_get_regs(vm->vcpu_fd, &regs);
	if (r < 0)
		return stop_failed(vm, "KVM_GET_REGS", r);
	r = kvm_get_sregs(vm->vcpu_fd, &sregs);
	if (r < 0)
		return stop_failed(vm, "KVM_GET_SREGS", r);
	long64 = sregs.cs.l && (sregs.efer & EFER_LMA);

	/* The prefixes decide the address size (0x67); read what we can of
	 * the instruction, byte by byte, so a page boundary or the end of
	 * RAM just shortens it. */
	cs_ip = long64 ? regs.rip : (sregs.cs.base + regs.rip) & 0xffffffffULL;
	while (insn_len < sizeof(insn) &&
	       vm_read_linear(vm, cs_ip + insn_len, &insn[insn_len], 1) == 0)
		insn_len++;
	addr_bytes = sio_address_bytes(long64, sregs.cs.db, regs.rflags & RFLAGS_VM,
				       insn, insn_len);
	count = run->io.rep ? sio_count(regs.rcx, addr_bytes) : 1;
	sio_init(&op, run->io.address, in ? regs.rdi : regs.rsi, run->io.size,
		 addr_bytes, regs.rflags & RFLAGS_DF, long64);

	for (done = 0; done < count && !vm->stop.requested; done++) {
		uint64_t linear = sio_linear(&op, done), value = 0;

		if (in) {
			value = io_bus_read(&vm->io, run->io.port, run->io.size);
			r = vm_write_linear_io(vm, linear, &value, run->io.size);
		} else {
			r = vm_read_linear_io(vm, linear, &value, run->io.size);
			if (r == 0)
				io_bus_write(&vm->io, run->io.port, run->io.size, value);
		}
		if (r == -EFAULT)
			return stop_fatal(vm, "%s at linear address 0x%llx: not mapped",
					  in ? "INS" : "OUTS", (unsigned long long)linear);
		if (r < 0)
			return stop_failed(vm, "KVM_TRANSLATE", r);
		vm->stats.string_io_elements++;
	}
	if (in)
		regs.rdi = sio_index_after(&op, done);
	else
		regs.rsi = sio_index_after(&op, done);
	if (run->io.rep)
		regs.rcx = sio_rcx_after(regs.rcx, done, addr_bytes, long64);
	r = kvm_set_regs(vm->vcpu_fd, &regs);
	if (r < 0)
		return stop_failed(vm, "KVM_SET_REGS", r);
	/* Stopped part-way (the debug exit port): the instruction restarts
	 * with the remaining count on the next run. */
	if (done == count)
		run->emulated = 1;
	return CONTINUE;
}

/* IN AL/AX keep the rest of RAX; IN EAX zero-extends as in 64-bit mode
 * (SDM Vol. 1 3.4.1.1), invisible elsewhere. libkvm kept the upper half
 * (docs/hypercall-abi.md, "KVM_RUN"); the CPU does not. */
static __attribute__((noinline)) int io_in(struct vm *vm, struct kvm_run *run)
{
	unsigned size = run->io.size;
	uint64_t mask = size == 4 ? ~0ULL : io_size_mask(size);
	struct kvm_regs regs;
	int r;

	r = kvm_get_regs(vm->vcpu_fd, &regs);
	if (r < 0)
		return stop_failed(vm, "KVM_GET_REGS", r);
	vm->trace_in_value = io_bus_read(&vm->io, run->io.port, size) &
			     io_size_mask(size);
	regs.rax = (regs.rax & ~mask) | vm->trace_in_value;
	r = kvm_set_regs(vm->vcpu_fd, &regs);
	if (r < 0)
		return stop_failed(vm, "KVM_SET_REGS", r);
	run->emulated = 1;
	return CONTINUE;
}

static int exit_io(struct vm *vm, struct kvm_run *run)
{
	unsigned size = run->io.size;

	if (size != 1 && size != 2 && size != 4)
		return stop_fatal(vm, "KVM_EXIT_IO with size %u at port 0x%x", size,
				  run->io.port);
	if (run->io.string)
		return string_io(vm, run);
	if (run->io.direction != KVM_EXIT_IO_OUT)
		return io_in(vm, run);
	io_bus_write(&vm->io, run->io.port, size, run->io.value & io_size_mask(size));
	run->emulated = 1;
	return CONTINUE;
}

/* The control partition's CPUID is the hypervisor's filtered one: the
 * guest gets the same answers. */
/* BareKVM hands the leaf and subleaf over in the kvm_run union and takes
 * the results back there (docs/hypercall-abi.md, KVM_EXIT_CPUID): two
 * requests fewer than 2.6.21's GET_REGS + SET_REGS. */
static int exit_cpuid(struct vm *vm, struct kvm_run *run)
{
	uint32_t out[4];

	vmm_cpuid(vm, run->cpuid.eax, run->cpuid.ecx, out);
	run->cpuid.eax = out[0];
	run->cpuid.ebx = out[1];
	run->cpuid.ecx = out[2];
	run->cpuid.edx = out[3];
	run->cpuid.completed = 1;
	run->emulated = 1;
	return CONTINUE;
}

/* An interrupt window opened: vmm_irq_before_run injects on the way in. */
static int exit_continue(struct vm *vm, struct kvm_run *run)
{
	(void)vm;
	(void)run;
	return CONTINUE;
}

static int stop_debug(struct vm *vm, enum vmm_debug_stop why, uint64_t rip)
{
	vm->last.outcome = VMM_DEBUG;
	vm->last.debug = why;
	vm->last.rip = rip;
	return STOP;
}

static int stop_interrupted(struct vm *vm)
{
	struct kvm_regs regs;

	vm->last.outcome = VMM_INTERRUPTED;
	if (kvm_get_regs(vm->vcpu_fd, &regs) == 0)
		vm->last.rip = regs.rip;
	return STOP;
}

/*
 * An idle guest whose UART may interrupt it on input (IER.RDI set: a shell
 * waiting for a key) waits for the person at the console: each key typed
 * goes into the FIFO, until an interrupt is ready for the guest, or the
 * escape key ends the run.
 */
static bool waits_for_console(const struct vm *vm)
{
	return vm->console.attached && (vm->uart.ier & UART_IER_RDI);
}

static int hlt_wait_for_console(struct vm *vm)
{
	enum vmm_wait w;

	do {
		if (vmm_console_wait(vm))
			return stop_interrupted(vm);
		vmm_console_feed(vm);
		w = vmm_irq_wait(vm);
	} while (w == VMM_WAIT_NEVER);
	return w == VMM_WAIT_ESCAPED ? stop_interrupted(vm) : CONTINUE;
}

/*
 * HLT is already stepped over. With IF = 1 the guest waits for an
 * interrupt: the timer's next one (the clock skips ahead), one already
 * requested, or (console attached) one the UART raises for a key typed.
 * With IF = 0, or nothing that could wake it, the run ends and the next
 * one continues after the HLT.
 */
static int exit_hlt(struct vm *vm, struct kvm_run *run)
{
	struct kvm_regs regs;
	int r;

	if (vm->console.attached)
		vmm_console_flush(vm);  /* idle: the prompt is complete */
	if (run->if_flag && !vm->stepping) {
		enum vmm_wait w = vmm_irq_wait(vm);

		if (w == VMM_WAIT_WOKEN)
			return CONTINUE;
		if (w == VMM_WAIT_ESCAPED)
			return stop_interrupted(vm);
	}
	if (run->if_flag && !vm->stepping && waits_for_console(vm))
		return hlt_wait_for_console(vm);
	r = kvm_get_regs(vm->vcpu_fd, &regs);
	if (r < 0)
		return stop_failed(vm, "KVM_GET_REGS", r);
	if (vm->stepping)
		return stop_debug(vm, VMM_STOP_STEP, regs.rip);
	vm->last.outcome = VMM_HALTED;
	vm->last.rip = regs.rip;
	return STOP;
}

/* The linear address of CS:RIP, as DR0-DR3 compare it. */
static uint64_t rip_linear(const struct kvm_regs *regs, const struct kvm_sregs *sregs)
{
	if ((sregs->efer & EFER_LMA) && sregs->cs.l)
		return regs->rip;
	return (sregs->cs.base + regs->rip) & 0xffffffffULL;
}

/* KVM_EXIT_DEBUG carries no payload (2.6.21): RIP says why. A step wins
 * over a breakpoint at the new RIP, which has not fired yet. */
static int exit_debug(struct vm *vm, struct kvm_run *run)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint64_t linear;
	int r;

	(void)run;
	r = kvm_get_regs(vm->vcpu_fd, &regs);
	if (r < 0)
		return stop_failed(vm, "KVM_GET_REGS", r);
	r = kvm_get_sregs(vm->vcpu_fd, &sregs);
	if (r < 0)
		return stop_failed(vm, "KVM_GET_SREGS", r);
	if (vm->stepping)
		return stop_debug(vm, VMM_STOP_STEP, regs.rip);
	linear = rip_linear(&regs, &sregs);
	for (int i = 0; i < 4; i++)
		if (vm->debug.enabled && vm->debug.breakpoints[i].enabled &&
		    vm->debug.breakpoints[i].address == linear)
			return stop_debug(vm, VMM_STOP_BREAKPOINT, regs.rip);
	return stop_debug(vm, VMM_STOP_DEBUG_OTHER, regs.rip);
}

/*
 * While stepping, an IO or CPUID instruction completed by the VMM is the
 * step: RIP moves past it here (SET_REGS) instead of by `emulated`, which
 * would let the guest run one more instruction before the trap.
 */
static int step_over_completed(struct vm *vm, struct kvm_run *run)
{
	struct kvm_regs regs;
	int r;

	r = kvm_get_regs(vm->vcpu_fd, &regs);
	if (r < 0)
		return stop_failed(vm, "KVM_GET_REGS", r);
	regs.rip += run->instruction_length;
	if (run->exit_reason == KVM_EXIT_CPUID && run->cpuid.completed) {
		/* the results wait in the union for `emulated`, which is not
		 * used here: put them in the registers directly */
		regs.rax = run->cpuid.eax;
		regs.rbx = run->cpuid.ebx;
		regs.rcx = run->cpuid.ecx;
		regs.rdx = run->cpuid.edx;
		run->cpuid.completed = 0;
	}
	r = kvm_set_regs(vm->vcpu_fd, &regs);
	if (r < 0)
		return stop_failed(vm, "KVM_SET_REGS", r);
	run->emulated = 0;
	return stop_debug(vm, VMM_STOP_STEP, regs.rip);
}

static int exit_mmio(struct vm *vm, struct kvm_run *run)
{
	unsigned len = run->mmio.len;
	uint64_t value = 0;

	if (len < 1 || len > 8)
		return stop_fatal(vm, "KVM_EXIT_MMIO with length %u at 0x%llx", len,
				  (unsigned long long)run->mmio.phys_addr);
	if (run->mmio.is_write) {
		/* Complete already: no mmio_completed (it would feed stale
		 * data to the next emulated read). */
		memcpy(&value, run->mmio.data, len);
		io_bus_write(&vm->mmio, run->mmio.phys_addr, len, value);
		return CONTINUE;
	}
	value = io_bus_read(&vm->mmio, run->mmio.phys_addr, len);
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, &value, len);
	run->mmio_completed = 1;
	return CONTINUE;
}

static exit_handler *const exit_handlers[VMM_EXIT_REASONS] = {
	[KVM_EXIT_UNKNOWN] = exit_unknown,
	[KVM_EXIT_EXCEPTION] = exit_exception,
	[KVM_EXIT_IO] = exit_io,
	[KVM_EXIT_CPUID] = exit_cpuid,
	[KVM_EXIT_DEBUG] = exit_debug,
	[KVM_EXIT_HLT] = exit_hlt,
	[KVM_EXIT_MMIO] = exit_mmio,
	[KVM_EXIT_IRQ_WINDOW_OPEN] = exit_continue,
	[KVM_EXIT_SHUTDOWN] = exit_shutdown,
};

/* -EINTR: the hypervisor preempted the guest because console input is
 * waiting; the struct's exit fields are stale. Take the keys (vmm.h,
 * vmm_console.c): stop on the escape key, else re-enter. */
static int on_eintr(struct vm *vm)
{
	vm->stats.eintr++;
	vmm_trace_event(vm, VMM_TRACE_IRQ, "eintr if %u ready %u", vm->run.if_flag,
			vm->run.ready_for_interrupt_injection);
	if (vmm_console_poll(vm))
		return stop_interrupted(vm);
	return CONTINUE;
}

/*
 * Attached, keys are looked for not only at -EINTR: the hypervisor's tick
 * finds console input only if it lands while the guest runs, and a guest
 * that polls its UART spends most of its time in exits (on Bochs the tick
 * never came). So also at each exit for the guest's UART (it is reading
 * or writing the console: the moment keys matter) and at every
 * VMM_CONSOLE_POLL_EXITS-th other exit, which keeps the console's LSR
 * read out of the cost of most exits (`make bench`).
 */
static bool time_to_poll(struct vm *vm, const struct kvm_run *run, int r)
{
	if (r == 0 && run->exit_reason == KVM_EXIT_IO &&
	    (unsigned)(run->io.port - UART_COM1_BASE) < UART_NPORTS)
		return true;
	if (++vm->console.exits_since_poll < VMM_CONSOLE_POLL_EXITS)
		return false;
	vm->console.exits_since_poll = 0;
	return true;
}

/*
 * Attached: keys move into the FIFO as the guest drains it, and its output
 * shows up without waiting for a newline; not while tracing: the trace's
 * lines would cut the guest's lines into pieces. r is KVM_RUN's result.
 * Returns the action, STOP on the escape key.
 */
static int serve_console(struct vm *vm, int action, int r)
{
	if (!vm->console.attached)
		return action;
	if (action == CONTINUE && time_to_poll(vm, &vm->run, r) &&
	    vmm_console_poll(vm))
		action = stop_interrupted(vm);
	vmm_console_feed(vm);
	if (!vm->trace)
		vmm_console_flush(vm);
	return action;
}

static int handle_exit(struct vm *vm, struct kvm_run *run)
{
	int action;

	if (run->exit_type == KVM_EXIT_TYPE_FAIL_ENTRY) {
		vm->stats.fail_entry++;
		vmm_trace_exit(vm, run);
		return stop_fatal(vm, "VM entry failed (KVM_EXIT_TYPE_FAIL_ENTRY), hardware reason 0x%x",
				  run->exit_reason);
	}
	if (run->exit_reason >= VMM_EXIT_REASONS) {
		vm->stats.exits_other++;
		vmm_trace_exit(vm, run);
		return stop_fatal(vm, "unknown exit reason %u", run->exit_reason);
	}
	vm->stats.exits[run->exit_reason]++;
	action = exit_handlers[run->exit_reason](vm, run);
	vmm_trace_exit(vm, run);
	if (action == CONTINUE && vm->stepping && run->emulated && !vm->stop.requested)
		action = step_over_completed(vm, run);
	return action;
}

enum vmm_outcome vmm_run(struct vm *vm)
{
	struct kvm_run *run = &vm->run;
	int action = CONTINUE;

	memset(&vm->last, 0, sizeof(vm->last));
	vm->stop.requested = false;
	vm->stop.reset_by = NULL;
	vm->stop.power_off = false;
	vm->stats.runs++;
	run->emulated = vm->resume_emulated;
	run->mmio_completed = vm->resume_mmio;
	while (action == CONTINUE) {
		int r;

		r = vmm_irq_before_run(vm, run);
		if (r < 0) {
			action = stop_failed(vm, vm->last_request, r);
			break;
		}
		vm->stats.kvm_runs++;
		r = kvm_run_vcpu(vm->vcpu_fd, run);
		vm_tlb_flush(vm);
		/* KVM_RUN consumed them (mmio_completed is not reset by the
		 * hypervisor: the caller must, docs/hypercall-abi.md,
		 * "KVM_RUN"). */
		run->emulated = 0;
		run->mmio_completed = 0;
		vmm_irq_after_run(vm);
		if (r == -EINTR)
			action = on_eintr(vm);
		else if (r < 0)
			action = stop_failed(vm, "KVM_RUN", r);
		else
			action = handle_exit(vm, run);
		action = serve_console(vm, action, r);
		if (action == CONTINUE && vm->stop.requested) {
			vm->last.outcome = vm->stop.power_off ? VMM_POWERED_OFF :
					   vm->stop.reset_by ? VMM_RESET : VMM_EXITED;
			vm->last.status = vm->stop.status;
			vm->last.reset_by = vm->stop.reset_by;
			action = STOP;
		}
	}
	vm->resume_emulated = run->emulated;
	vm->resume_mmio = run->mmio_completed;
	/* the run's last words, then a line of their own for the report */
	vmm_console_flush(vm);
	vmm_console_end_line(vm);
	return vm->last.outcome;
}
