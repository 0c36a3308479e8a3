/*
 * `reset N`: VM N's vCPU back to the state KVM_CREATE_VCPU gave it
 * (cpu_reset_state: CS:IP f000:fff0, real mode, nothing queued) with
 * KVM_SET_SREGS, KVM_SET_REGS and KVM_SET_VCPU_EVENTS (no event being
 * delivered, no NMI latched or blocked, no shadow), and the VMM's devices back to power-on,
 * as QEMU reset the machine after a triple fault (docs/hypercall-abi.md,
 * "KVM_RUN",
 * SHUTDOWN). Guest RAM, breakpoints and MSRs are kept.
 * Control partition only.
 */
#include <stdio.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

static int cmd_reset(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int r;

	(void)argc;
	if (!vm)
		return 1;
	cpu_reset_state(&regs, &sregs);
	r = kvm_set_sregs(vm->vcpu_fd, &sregs);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_SET_SREGS", -r);
		return 1;
	}
	r = kvm_set_regs(vm->vcpu_fd, &regs);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_SET_REGS", -r);
		return 1;
	}
	/* RESET: no event being delivered, no NMI latched or blocked */
	if (ctl_clear_events(vm) < 0)
		return 1;
	vm->resume_emulated = vm->resume_mmio = false;
	/* the last return's flags described the old state */
	vm->run.ready_for_interrupt_injection = 0;
	vm->run.if_flag = 0;
	vm->run.request_interrupt_window = 0;
	vm->run.apic_base = sregs.apic_base;    /* the APIC's page moves back */
	vm_reset_devices(vm);
	printf("vm %d: reset: CS:IP = %04x:%04x, real mode\n", vm->index,
	       CPU_RESET_CS, CPU_RESET_RIP);
	return 0;
}

const struct cli_command ctl_reset_commands[] = {
	{ "reset", "reset N",
	  "put VM N's vCPU and devices back to their reset state",
	  1, 1, cmd_reset },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
