/*
 * `run` and `stats`: run a VM's vCPU until the guest exits, halts or fails,
 * and show what it did (docs/control-partition.md, "Running guests").
 * Control partition only.
 */
#include <stdio.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

int ctl_run_and_report(struct vm *vm)
{
	char what[192];

	switch (vmm_run(vm)) {
	case VMM_EXITED:
	case VMM_HALTED:
	case VMM_INTERRUPTED:
	case VMM_DEBUG:
		vmm_describe_outcome(vm, what, sizeof(what));
		printf("vm %d: %s\n", vm->index, what);
		return 0;
	case VMM_REQUEST_FAILED:
		vmm_print_request_error(&vmm_ctl_host, vm->last.request, vm->last.err);
		return 1;
	case VMM_FATAL:
	default:
		vmm_describe_outcome(vm, what, sizeof(what));
		printf("vm %d: %s\n", vm->index, what);
		vmm_dump_vcpu(vm);
		return 1;
	}
}

/* A VM with nothing loaded would only run through zeroed RAM until
 * stopped by hand: refused. A run may take as long as the guest likes, so
 * say first how to stop it. */
static int cmd_run(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);

	(void)argc;
	if (!vm)
		return 1;
	if (!vm->loaded) {
		printf("error: vm %d has nothing loaded (its RAM is zeros): load "
		       "an image first (see 'modules')\n", vm->index);
		return 1;
	}
	printf("vm %d: running (^] or ^C stops it)\n", vm->index);
	return ctl_run_and_report(vm);
}

static int cmd_stats(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);

	(void)argc;
	if (!vm)
		return 1;
	vmm_print_stats(vm);
	return 0;
}

const struct cli_command ctl_run_commands[] = {
	{ "run", "run N", "run VM N until the guest exits, halts, fails or hits a breakpoint (^C or ^] stops it)",
	  1, 1, cmd_run },
	{ "stats", "stats N", "exit counters, devices and the last run of VM N",
	  1, 1, cmd_stats },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
