/*
 * The `vm` command: create, list and destroy VMs (docs/control-partition.md,
 * "Running guests"), and the argument helpers the other VM commands share.
 * Control partition only.
 */
#include <stdio.h>
#include <string.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define MiB (1024ULL * 1024)

struct vm *ctl_vm_arg(const char *arg)
{
	struct vm *vm;
	int n;

	if (vmm_parse_vm_index(arg, &n) < 0 || !(vm = vm_get(n))) {
		printf("error: no VM '%s' (see 'vm list')\n", arg);
		return NULL;
	}
	return vm;
}

int ctl_module_arg(const char *arg)
{
	const char *cmdlines[CTL_MAX_MODULES];
	unsigned n = ctl_boot->nmodules;
	int i;

	for (unsigned m = 0; m < n; m++)
		cmdlines[m] = ctl_boot->modules[m].cmdline;
	i = vmm_find_module(cmdlines, n, arg);
	if (i < 0)
		printf("error: no boot module '%s' (see 'modules')\n", arg);
	return i;
}

/* "16" is MiB; with a suffix it is bytes ("16M", "1G"). */
static int parse_mem(const char *arg, uint64_t *bytes)
{
	size_t len = strlen(arg);
	uint64_t v;

	if (vmm_parse_u64(arg, &v) < 0)
		return -1;
	if (len && !strchr("kKmMgG", arg[len - 1]))
		v *= MiB;
	if (v == 0 || v % MiB || v > VMM_MAX_MEM_MIB * MiB)
		return -1;
	*bytes = v;
	return 0;
}

static int vm_create_cmd(int argc, char **argv)
{
	uint64_t bytes = VMM_DEFAULT_MEM_MIB * MiB;
	struct vm *vm;

	if (argc > 2 && parse_mem(argv[2], &bytes) < 0) {
		printf("error: memory size '%s' is not 1-%u MiB\n", argv[2],
		       VMM_MAX_MEM_MIB);
		return 1;
	}
	vm = vm_create(&vmm_ctl_host, bytes);
	if (!vm)
		return 1;
	printf("vm %d created: %llu MiB\n", vm->index,
	       (unsigned long long)(bytes / MiB));
	return 0;
}

static int vm_list_cmd(void)
{
	char last[192];
	int n = 0;

	for (int i = 0; i < VMM_MAX_VMS; i++) {
		struct vm *vm = vm_get(i);

		if (!vm)
			continue;
		n++;
		vmm_describe_outcome(vm, last, sizeof(last));
		printf("vm %d: %llu MiB, handles vm %d vcpu %d, RAM at 0x%llx; %s; %s\n",
		       i, (unsigned long long)(vm->ram_bytes / MiB), vm->vm_fd,
		       vm->vcpu_fd, (unsigned long long)(uintptr_t)vm->ram,
		       vm->loaded ? vm->loaded_what : "nothing loaded", last);
	}
	if (n == 0)
		printf("(no VMs)\n");
	return 0;
}

static int vm_destroy_cmd(const char *arg)
{
	struct vm *vm = ctl_vm_arg(arg);
	int index, r;

	if (!vm)
		return 1;
	index = vm->index;
	r = vm_destroy(vm);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_BAREKVM_CLOSE", -r);
		printf("vm %d forgotten, but the hypervisor may still hold it\n", index);
		return 1;
	}
	printf("vm %d destroyed\n", index);
	return 0;
}

static int cmd_vm(int argc, char **argv)
{
	const char *sub = argv[1];

	if (strcmp(sub, "create") == 0 && argc <= 3)
		return vm_create_cmd(argc, argv);
	if (strcmp(sub, "list") == 0 && argc == 2)
		return vm_list_cmd();
	if (strcmp(sub, "destroy") == 0 && argc == 3)
		return vm_destroy_cmd(argv[2]);
	ctl_print_usage("vm");
	return 1;
}

const struct cli_command ctl_vm_commands[] = {
	{ "vm", "vm create [MiB] | vm list | vm destroy N",
	  "create a VM (default 16 MiB), list them, or destroy one",
	  1, 2, cmd_vm },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
