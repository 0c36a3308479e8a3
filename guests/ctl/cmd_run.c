/*
 * `run`, `console` and `stats`: run a VM's vCPU with the console attached
 * until the guest exits, halts or fails, or Ctrl-] gives the prompt back,
 * and show what it did (docs/control-partition.md, "Running guests" and
 * "The console"). Control partition only.
 */
#include <stdio.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

int ctl_run_and_report(struct vm *vm, bool attach)
{
	enum vmm_outcome outcome;
	char what[192];

	vm->console.attached = attach;
	outcome = vmm_run(vm);
	vm->console.attached = false;
	switch (outcome) {
	case VMM_INTERRUPTED:
		vmm_describe_outcome(vm, what, sizeof(what));
		printf("vm %d: %s (Ctrl-]; 'console %d' resumes it)\n", vm->index,
		       what, vm->index);
		return 0;
	case VMM_EXITED:
	case VMM_HALTED:
	case VMM_RESET:
	case VMM_POWERED_OFF:
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
 * say first how to get the prompt back. */
static int attach_and_run(const char *arg, const char *doing)
{
	struct vm *vm = ctl_vm_arg(arg);

	if (!vm)
		return 1;
	if (!vm->loaded) {
		printf("error: vm %d has nothing loaded (its RAM is zeros): load "
		       "an image first (see 'modules')\n", vm->index);
		return 1;
	}
	printf("vm %d: %s (Ctrl-] returns to ctl>)\n", vm->index, doing);
	return ctl_run_and_report(vm, true);
}

static int cmd_run(int argc, char **argv)
{
	(void)argc;
	return attach_and_run(argv[1], "running, console attached");
}

/* `xl console` for a VM the CLI detached from: the control partition has
 * one CPU, so a VM runs only while its console is attached; this resumes
 * it where Ctrl-] (or a halt, a breakpoint) left it. */
static int cmd_console(int argc, char **argv)
{
	(void)argc;
	return attach_and_run(argv[1], "console attached, resuming");
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
	{ "run", "run N", "run VM N with the console attached until the guest exits, halts, fails or hits a breakpoint; Ctrl-] returns to ctl>",
	  1, 1, cmd_run },
	{ "console", "console N", "attach the console to VM N and resume it (as run N); Ctrl-] returns to ctl>",
	  1, 1, cmd_console },
	{ "stats", "stats N", "exit counters, devices and the last run of VM N",
	  1, 1, cmd_stats },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
