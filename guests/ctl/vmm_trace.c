/*
 * The exit trace (`trace N on`, vmm.h): one console line per exit, after
 * the VMM handled it, so reads show the data the guest got. The system
 * tests use it to check exit sequences, e.g. that a read-modify-write on
 * MMIO is one read exit and then one write exit. Control partition and
 * host tests.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

void vmm_trace_event(struct vm *vm, unsigned category, const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	if (!(vm->trace & category))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vmm_console_end_line(vm);       /* a prompt's line ends first */
	vmm_printf(vm->host, "vm %d: %s\n", vm->index, buf);
}

static uint64_t mmio_value(const struct kvm_run *run)
{
	uint64_t v = 0;

	memcpy(&v, run->mmio.data, run->mmio.len <= 8 ? run->mmio.len : 8);
	return v;
}

static void trace_io(struct vm *vm, const struct kvm_run *run)
{
	bool in = run->io.direction == KVM_EXIT_IO_IN;

	if (run->io.string)
		vmm_trace_event(vm, VMM_TRACE_IO, "exit io %s port 0x%x size %u count %llu%s%s",
				in ? "ins" : "outs", run->io.port, run->io.size,
				(unsigned long long)run->io.count,
				run->io.rep ? " rep" : "", run->io.string_down ? " down" : "");
	else
		vmm_trace_event(vm, VMM_TRACE_IO, "exit io %s port 0x%x size %u value 0x%llx",
				in ? "in" : "out", run->io.port, run->io.size,
				(unsigned long long)(in ? vm->trace_in_value :
						     run->io.value & io_size_mask(run->io.size)));
}

void vmm_trace_exit(struct vm *vm, const struct kvm_run *run)
{
	if (!vm->trace)
		return;
	if (run->exit_type == KVM_EXIT_TYPE_FAIL_ENTRY) {
		vmm_trace_event(vm, VMM_TRACE_OTHER, "exit fail_entry reason 0x%x",
				run->exit_reason);
		return;
	}
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		trace_io(vm, run);
		break;
	case KVM_EXIT_MMIO:
		vmm_trace_event(vm, VMM_TRACE_MMIO, "exit mmio %s 0x%llx len %u data 0x%llx",
				run->mmio.is_write ? "write" : "read",
				(unsigned long long)run->mmio.phys_addr, run->mmio.len,
				(unsigned long long)mmio_value(run));
		break;
	case KVM_EXIT_HLT:
		vmm_trace_event(vm, VMM_TRACE_IRQ, "exit hlt if %u", run->if_flag);
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		vmm_trace_event(vm, VMM_TRACE_IRQ, "exit irq_window_open if %u ready %u",
				run->if_flag, run->ready_for_interrupt_injection);
		break;
	case KVM_EXIT_EXCEPTION:
		vmm_trace_event(vm, VMM_TRACE_OTHER, "exit exception %u error 0x%x",
				run->ex.exception, run->ex.error_code);
		break;
	case KVM_EXIT_UNKNOWN:
		vmm_trace_event(vm, VMM_TRACE_OTHER, "exit unknown hardware 0x%x",
				run->hw.hardware_exit_reason);
		break;
	default: {
		const char *name = kvm_exit_reason_name(run->exit_reason) + strlen("KVM_EXIT_");
		char lower[32];
		size_t i;

		for (i = 0; name[i] && i < sizeof(lower) - 1; i++)
			lower[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
		lower[i] = '\0';
		vmm_trace_event(vm, VMM_TRACE_OTHER, "exit %s", lower);
		break;
	}
	}
}

unsigned vmm_trace_category(const char *name)
{
	static const struct { const char *name; unsigned bits; } cats[] = {
		{ "io", VMM_TRACE_IO }, { "mmio", VMM_TRACE_MMIO },
		{ "irq", VMM_TRACE_IRQ }, { "other", VMM_TRACE_OTHER },
		{ "all", VMM_TRACE_ALL },
	};

	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (strcmp(name, cats[i].name) == 0)
			return cats[i].bits;
	return 0;
}
