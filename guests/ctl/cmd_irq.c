/*
 * `irq N VECTOR`: KVM_INTERRUPT, a vector queued in the hypervisor the way
 * an interrupt controller outside the PIC model would deliver it
 * (docs/control-partition.md, "Interrupts and time"). The hypervisor
 * delivers it when the guest's IF allows, lowest vector first; the request
 * is sent as given, so 256 and above show the hypervisor's -EINVAL.
 * `nmi N`: KVM_NMI, one NMI for the vCPU.
 * Control partition only.
 */
#include <stdio.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

static int cmd_irq(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	uint64_t vector;
	int r;

	(void)argc;
	if (!vm)
		return 1;
	if (vmm_parse_u64(argv[2], &vector) < 0 || vector > 0xffffffffULL) {
		printf("error: '%s' is not a vector\n", argv[2]);
		return 1;
	}
	r = kvm_interrupt(vm->vcpu_fd, (uint32_t)vector);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_INTERRUPT", -r);
		return 1;
	}
	printf("vm %d: vector 0x%02llx queued\n", vm->index, (unsigned long long)vector);
	return 0;
}

/* `nmi N`: KVM_NMI, as QEMU's monitor `nmi` sends one to the CPU (QEMU
 * through each local APIC's LINT1; here straight to the vCPU, like `irq`,
 * whatever the guest's LVT says). The hypervisor delivers it at the next
 * KVM_RUN once the guest does not block NMIs. */
static int cmd_nmi(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	int r;

	(void)argc;
	if (!vm)
		return 1;
	r = kvm_nmi(vm->vcpu_fd);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_NMI", -r);
		return 1;
	}
	printf("vm %d: NMI queued\n", vm->index);
	return 0;
}

const struct cli_command ctl_irq_commands[] = {
	{ "irq", "irq N VECTOR",
	  "queue interrupt VECTOR for VM N's vCPU (KVM_INTERRUPT)",
	  2, 2, cmd_irq },
	{ "nmi", "nmi N",
	  "send an NMI to VM N's vCPU (KVM_NMI), delivered at its next run",
	  1, 1, cmd_nmi },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
