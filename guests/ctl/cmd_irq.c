/*
 * `irq N VECTOR`: KVM_INTERRUPT, a vector queued in the hypervisor the way
 * an interrupt controller outside the PIC model would deliver it
 * (docs/control-partition.md, "Interrupts and time"). The hypervisor
 * delivers it when the guest's IF allows, lowest vector first; the request
 * is sent as given, so 256 and above show the hypervisor's -EINVAL.
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

const struct cli_command ctl_irq_commands[] = {
	{ "irq", "irq N VECTOR",
	  "queue interrupt VECTOR for VM N's vCPU (KVM_INTERRUPT)",
	  2, 2, cmd_irq },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
