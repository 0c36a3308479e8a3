/*
 * MSR commands (docs/control-partition.md): `msr N get INDEX...` and
 * `msr N set INDEX VALUE...` (KVM_GET_MSRS / KVM_SET_MSRS, which process
 * entries in order, stop at the first unsupported index and return how
 * many they processed), and `msrs` (KVM_GET_MSR_INDEX_LIST, asked for its
 * size first as 2.6.21 wanted). Control partition only.
 */
#include <stdio.h>
#include <string.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

static int parse_entries(int argc, char **argv, bool with_values,
			 struct kvm_msr_entry *e, uint32_t *n)
{
	int step = with_values ? 2 : 1;
	uint64_t index, value = 0;

	if ((argc - 3) % step || (uint32_t)((argc - 3) / step) > KVM_CLIENT_MAX_MSRS) {
		ctl_print_usage("msr");
		return -1;
	}
	*n = 0;
	for (int i = 3; i < argc; i += step) {
		if (vmm_parse_u64(argv[i], &index) < 0 || index > 0xffffffffULL ||
		    (with_values && vmm_parse_u64(argv[i + 1], &value) < 0)) {
			printf("error: '%s' is not an MSR index%s\n", argv[i],
			       with_values ? " and value" : "");
			return -1;
		}
		e[*n] = (struct kvm_msr_entry){ .index = (uint32_t)index, .data = value };
		(*n)++;
	}
	return 0;
}

static int cmd_msr(int argc, char **argv)
{
	struct kvm_msr_entry e[KVM_CLIENT_MAX_MSRS];
	struct vm *vm = ctl_vm_arg(argv[1]);
	bool set;
	uint32_t n;
	int r;

	if (!vm)
		return 1;
	if (strcmp(argv[2], "get") != 0 && strcmp(argv[2], "set") != 0) {
		ctl_print_usage("msr");
		return 1;
	}
	set = argv[2][0] == 's';
	if (parse_entries(argc, argv, set, e, &n) < 0)
		return 1;
	r = set ? kvm_set_msrs(vm->vcpu_fd, e, n) : kvm_get_msrs(vm->vcpu_fd, e, n);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, set ? "KVM_SET_MSRS" : "KVM_GET_MSRS", -r);
		return 1;
	}
	for (int i = 0; !set && i < r && (uint32_t)i < n; i++)
		printf("vm %d: msr 0x%x = 0x%llx\n", vm->index, e[i].index,
		       (unsigned long long)e[i].data);
	printf("vm %d: %s: %d of %u processed", vm->index,
	       set ? "KVM_SET_MSRS" : "KVM_GET_MSRS", r, n);
	if ((uint32_t)r < n)
		printf("; stopped at 0x%x", e[r].index);
	printf("\n");
	return 0;
}

static int cmd_msrs(int argc, char **argv)
{
	uint32_t indices[256];
	int r;

	(void)argc;
	(void)argv;
	r = kvm_get_msr_index_list(indices, 256);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_GET_MSR_INDEX_LIST", -r);
		return 1;
	}
	printf("KVM_GET_MSR_INDEX_LIST: %d MSRs:", r);
	for (int i = 0; i < r && i < 256; i++)
		printf(" 0x%x", indices[i]);
	printf("\n");
	return 0;
}

const struct cli_command ctl_msr_commands[] = {
	{ "msr", "msr N get INDEX... | msr N set INDEX VALUE [INDEX VALUE]...",
	  "read or write VM N's MSRs (KVM_GET_MSRS / KVM_SET_MSRS)",
	  3, CLI_ARGS_ANY, cmd_msr },
	{ "msrs", "msrs", "the MSRs the hypervisor saves (KVM_GET_MSR_INDEX_LIST)",
	  0, 0, cmd_msrs },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
