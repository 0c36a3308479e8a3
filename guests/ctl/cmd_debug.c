/*
 * Guest debugging with KVM_DEBUG_GUEST (docs/control-partition.md):
 * `break N ADDR` sets one of the four execution breakpoints (ADDR is a
 * linear address, as DR0-DR3 take it), `break N clear [ADDR]` removes one
 * or all, `break N` lists them; `step N` runs one instruction with
 * single-step on and prints the new RIP; `continue N` runs until a
 * breakpoint, an exit that ends the run, or ^C. The run loop (vmm_run.c)
 * turns KVM_EXIT_DEBUG into "vm N: breakpoint at RIP=0x...".
 * Control partition only.
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define NBREAK 4

/* The CPU's brand string (CPUID 0x80000002-4: the host's, as the
 * hypervisor passes it through) names QEMU's TCG. */
static bool under_qemu_tcg(void)
{
	unsigned int r[12], max, b, c, d;
	char brand[49];

	__cpuid(0x80000000, max, b, c, d);
	if (max < 0x80000004)
		return false;
	for (unsigned int i = 0; i < 3; i++)
		__cpuid(0x80000002 + i, r[4 * i], r[4 * i + 1], r[4 * i + 2],
			r[4 * i + 3]);
	memcpy(brand, r, 48);
	brand[48] = '\0';
	return strstr(brand, "QEMU TCG") != NULL;
}

/* Once per session, where it applies: QEMU's TCG before 9.1 does not arm
 * the DR7 that VMRUN loads, so a breakpoint set here never fires under
 * `make run` (docs/platforms.md). */
static void note_qemu_breakpoints(void)
{
	static bool noted;

	if (noted || !under_qemu_tcg())
		return;
	noted = true;
	printf("note: this is QEMU's TCG, which before QEMU 9.1 does not arm "
	       "breakpoints a hypervisor loads with VMRUN: under 'make run' it "
	       "may never fire (Bochs and real CPUs honour it)\n");
}

/* Sends vm->debug, with single-step as vm->stepping says. */
static int apply(struct vm *vm)
{
	struct kvm_debug_guest *d = &vm->debug;
	bool any = vm->stepping;
	int r;

	for (int i = 0; i < NBREAK; i++)
		any |= d->breakpoints[i].enabled != 0;
	d->enabled = any;
	d->singlestep = vm->stepping;
	r = kvm_debug_guest(vm->vcpu_fd, d);
	if (r < 0)
		vmm_print_request_error(&vmm_ctl_host, "KVM_DEBUG_GUEST", -r);
	return r;
}

static int list(struct vm *vm)
{
	int n = 0;

	for (int i = 0; i < NBREAK; i++) {
		if (!vm->debug.breakpoints[i].enabled)
			continue;
		printf("vm %d: breakpoint %d at 0x%llx\n", vm->index, i,
		       (unsigned long long)vm->debug.breakpoints[i].address);
		n++;
	}
	if (!n)
		printf("vm %d: no breakpoints\n", vm->index);
	return 0;
}

static int clear(struct vm *vm, int argc, char **argv)
{
	struct kvm_breakpoint *bp = vm->debug.breakpoints;
	uint64_t addr;
	int i;

	if (argc == 3) {
		memset(bp, 0, sizeof(vm->debug.breakpoints));
		if (apply(vm) < 0)
			return 1;
		printf("vm %d: all breakpoints cleared\n", vm->index);
		return 0;
	}
	if (vmm_parse_u64(argv[3], &addr) < 0) {
		printf("error: '%s' is not an address\n", argv[3]);
		return 1;
	}
	for (i = 0; i < NBREAK && !(bp[i].enabled && bp[i].address == addr); i++)
		;
	if (i == NBREAK) {
		printf("error: vm %d has no breakpoint at 0x%llx\n", vm->index,
		       (unsigned long long)addr);
		return 1;
	}
	bp[i] = (struct kvm_breakpoint){ 0 };
	if (apply(vm) < 0)
		return 1;
	printf("vm %d: breakpoint %d at 0x%llx cleared\n", vm->index, i,
	       (unsigned long long)addr);
	return 0;
}

static int cmd_break(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	struct kvm_breakpoint *bp;
	uint64_t addr;
	int i;

	if (!vm)
		return 1;
	if (argc == 2)
		return list(vm);
	if (strcmp(argv[2], "clear") == 0)
		return clear(vm, argc, argv);
	if (argc > 3 || vmm_parse_u64(argv[2], &addr) < 0) {
		ctl_print_usage("break");
		return 1;
	}
	bp = vm->debug.breakpoints;
	for (i = 0; i < NBREAK && !(bp[i].enabled && bp[i].address == addr); i++)
		;
	if (i == NBREAK)
		for (i = 0; i < NBREAK && bp[i].enabled; i++)
			;
	if (i == NBREAK) {
		printf("error: vm %d already has %d breakpoints (break %d clear ADDR)\n",
		       vm->index, NBREAK, vm->index);
		return 1;
	}
	bp[i] = (struct kvm_breakpoint){ .enabled = 1, .address = addr };
	if (apply(vm) < 0) {
		bp[i] = (struct kvm_breakpoint){ 0 };
		return 1;
	}
	printf("vm %d: breakpoint %d at 0x%llx\n", vm->index, i, (unsigned long long)addr);
	note_qemu_breakpoints();
	return 0;
}

static int cmd_step(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	int r;

	(void)argc;
	if (!vm)
		return 1;
	vm->stepping = true;
	if (apply(vm) < 0) {
		vm->stepping = false;
		return 1;
	}
	r = ctl_run_and_report(vm, false);    /* one instruction: no console */
	vm->stepping = false;
	return apply(vm) < 0 ? 1 : r;
}

static int cmd_continue(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);

	(void)argc;
	if (!vm)
		return 1;
	return ctl_run_and_report(vm, true);
}

const struct cli_command ctl_debug_commands[] = {
	{ "break", "break N [ADDR | clear [ADDR]]",
	  "set, clear or list VM N's execution breakpoints (linear addresses, at most 4)",
	  1, 3, cmd_break },
	{ "step", "step N", "run VM N for one instruction and show RIP",
	  1, 1, cmd_step },
	{ "continue", "continue N", "run VM N until a breakpoint, an exit or ^C",
	  1, 1, cmd_continue },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
