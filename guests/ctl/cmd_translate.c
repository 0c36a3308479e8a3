/*
 * `translate N ADDR...`: KVM_TRANSLATE of linear addresses in the vCPU's
 * current paging mode, with every field the hypervisor returns
 * (docs/control-partition.md). Control partition only.
 */
#include <stdio.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

static int cmd_translate(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	struct kvm_translation tr;
	uint64_t linear;
	int r;

	if (!vm)
		return 1;
	for (int i = 2; i < argc; i++) {
		if (vmm_parse_u64(argv[i], &linear) < 0) {
			printf("error: '%s' is not an address\n", argv[i]);
			return 1;
		}
		r = kvm_translate_full(vm->vcpu_fd, linear, &tr);
		if (r < 0) {
			vmm_print_request_error(&vmm_ctl_host, "KVM_TRANSLATE", -r);
			return 1;
		}
		printf("vm %d: linear 0x%llx -> physical 0x%llx, valid %u, writeable %u, usermode %u\n",
		       vm->index, (unsigned long long)linear,
		       (unsigned long long)tr.physical_address, tr.valid, tr.writeable,
		       tr.usermode);
	}
	return 0;
}

const struct cli_command ctl_translate_commands[] = {
	{ "translate", "translate N ADDR...",
	  "translate linear addresses in VM N's paging mode (KVM_TRANSLATE)",
	  2, CLI_ARGS_ANY, cmd_translate },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
