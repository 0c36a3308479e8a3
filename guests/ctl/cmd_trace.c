/*
 * `trace N on|off [CATEGORY...]`: one console line per exit of VM N, in
 * the categories io, mmio, irq, other (all by default); vmm_trace.c prints
 * them (docs/control-partition.md). Control partition only.
 */
#include <stdio.h>
#include <string.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/vmm.h"

static int cmd_trace(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	unsigned bits = argc > 3 ? 0 : VMM_TRACE_ALL, b;
	bool on;

	if (!vm)
		return 1;
	if (strcmp(argv[2], "on") == 0) {
		on = true;
	} else if (strcmp(argv[2], "off") == 0) {
		on = false;
	} else {
		ctl_print_usage("trace");
		return 1;
	}
	for (int i = 3; i < argc; i++) {
		b = vmm_trace_category(argv[i]);
		if (!b) {
			printf("error: '%s' is not io, mmio, irq, other or all\n", argv[i]);
			return 1;
		}
		bits |= b;
	}
	vm->trace = on ? vm->trace | bits : vm->trace & ~bits;
	printf("vm %d: trace%s%s%s%s%s\n", vm->index, vm->trace ? "" : " off",
	       vm->trace & VMM_TRACE_IO ? " io" : "",
	       vm->trace & VMM_TRACE_MMIO ? " mmio" : "",
	       vm->trace & VMM_TRACE_IRQ ? " irq" : "",
	       vm->trace & VMM_TRACE_OTHER ? " other" : "");
	return 0;
}

const struct cli_command ctl_trace_commands[] = {
	{ "trace", "trace N on|off [io|mmio|irq|other|all]...",
	  "print every exit of VM N as it is handled (default: all)",
	  2, CLI_ARGS_ANY, cmd_trace },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
