/*
 * The CLI's built-in commands: help, modules, echo, mem, exit
 * (docs/control-partition.md, "CLI"). Handlers print with stdio, which is
 * unbuffered onto the UART (runtime.c). Runs in the control partition only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/image_kind.h"
#include "guests/ctl/vmm.h"

/*
 * newlib 3.3.0's malloc (libc/stdlib/mallocr.c) returns its own struct
 * mallinfo of ten ints, while <malloc.h> declares ten size_t fields: on
 * x86-64 the two disagree, so we declare the layout the library really
 * returns and do not include <malloc.h> here.
 */
struct newlib_mallinfo {
	int arena;              /* bytes taken from sbrk */
	int ordblks;            /* free chunks */
	int smblks, hblks, hblkhd, usmblks, fsmblks;
	int uordblks;           /* bytes allocated */
	int fordblks;           /* bytes free */
	int keepcost;
};
struct newlib_mallinfo mallinfo(void);

/* Numbered as `load` takes them and as the hypervisor's boot log shows
 * them; each with its kind and how to load it. */
void ctl_print_modules(const struct ctl_boot_info *info)
{
	if (info->nmodules == 0) {
		printf("  (no modules)\n");
		return;
	}
	for (uint32_t i = 0; i < info->nmodules; i++) {
		const struct ctl_module *m = &info->modules[i];
		enum image_kind kind = image_kind_of(
			(const uint8_t *)(uintptr_t)m->gpa, (size_t)m->size);
		char name[sizeof(m->cmdline) + 1], hint[160];

		/* The hypervisor NUL-terminates; %.*s bounds us if it did not. */
		snprintf(name, sizeof(name), "%.*s", (int)sizeof(m->cmdline),
			 m->cmdline);
		name[strcspn(name, " ")] = '\0';
		image_kind_hint(kind, name, hint, sizeof(hint));
		printf("  %2u: '%.*s'\n      %s, %lu bytes at 0x%lx: %s\n", i,
		       (int)sizeof(m->cmdline), m->cmdline, image_kind_name(kind),
		       (unsigned long)m->size, (unsigned long)m->gpa, hint);
	}
}

extern const struct cli_group ctl_help_groups[];       /* commands.c */

static int cmd_help(int argc, char **argv)
{
	return cli_print_help(&ctl_console, ctl_commands, ctl_help_groups,
			      argc > 1 ? argv[1] : NULL) == 0 ? 0 : 1;
}

void ctl_print_usage(const char *name)
{
	cli_print_usage(&ctl_console, ctl_commands, name);
}

static int cmd_modules(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ctl_print_modules(ctl_boot);
	return 0;
}

static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	printf("\n");
	return 0;
}

static int cmd_mem(int argc, char **argv)
{
	struct ctl_heap_stats h;
	struct newlib_mallinfo mi = { 0 };

	(void)argc;
	(void)argv;
	ctl_heap_get_stats(&h);
	/* newlib's mallinfo reads its initial dummy top chunk, and so reports
	 * nonsense, until malloc has taken memory from sbrk once. */
	if (h.brk != h.start)
		mi = mallinfo();
	printf("RAM:    %lu KiB (GPA 0 - 0x%lx)\n",
	       (unsigned long)(ctl_boot->ram_bytes >> 10),
	       (unsigned long)ctl_boot->ram_bytes);
	printf("heap:   0x%lx - 0x%lx, %lu KiB\n", (unsigned long)h.start,
	       (unsigned long)h.end, (unsigned long)((h.end - h.start) >> 10));
	printf("sbrk:   %lu KiB taken, %lu KiB left, %lu refused\n",
	       (unsigned long)((h.brk - h.start) >> 10),
	       (unsigned long)((h.end - h.brk) >> 10),
	       (unsigned long)h.failed_sbrks);
	printf("malloc: %u bytes in use, %u bytes free, %u KiB arena\n",
	       (unsigned int)mi.uordblks, (unsigned int)mi.fordblks,
	       (unsigned int)mi.arena >> 10);
	return 0;
}

/* exit vm N: the status says how VM N's last run ended, for `make run
 * KERNEL=`: the guest's own status (debug exit port), 0 for a halt, a
 * reset or a stop at the console, 1 for a fatal exit or a failed request
 * (and a VM never run). */
static int exit_with_vm_status(const char *arg)
{
	struct vm *vm = ctl_vm_arg(arg);
	int status = 1;

	if (!vm)
		return 1;
	switch (vm->last.outcome) {
	case VMM_EXITED:
		status = (int)(vm->last.status & 0xff);
		break;
	case VMM_HALTED:
	case VMM_RESET:
	case VMM_POWERED_OFF:
	case VMM_INTERRUPTED:
	case VMM_DEBUG:
		status = 0;
		break;
	default:
		status = 1;
		break;
	}
	printf("ctl: exit with vm %d's status %d\n", vm->index, status);
	ctl_shutdown(status);
}

static int cmd_exit(int argc, char **argv)
{
	long status = 0;

	if (argc == 3 && strcmp(argv[1], "vm") == 0)
		return exit_with_vm_status(argv[2]);
	if (argc > 2) {
		ctl_print_usage("exit");
		return 1;
	}
	if (argc > 1) {
		char *end;

		errno = 0;
		status = strtol(argv[1], &end, 0);
		if (errno || *end || end == argv[1] || status < 0 || status > 255) {
			printf("error: exit status '%s' is not a number 0-255\n",
			       argv[1]);
			return 1;
		}
	}
	ctl_shutdown((int)status);
}

const struct cli_command ctl_core_commands[] = {
	{ "help", "help [command]", "list the commands, or describe one",
	  0, 1, cmd_help },
	{ "modules", "modules", "list the boot modules (guest images)",
	  0, 0, cmd_modules },
	{ "echo", "echo [word...]", "print the words",
	  0, CLI_ARGS_ANY, cmd_echo },
	{ "mem", "mem", "show RAM and heap usage",
	  0, 0, cmd_mem },
	{ "exit", "exit [status] | exit vm N",
	  "end the control partition (QEMU exits) with the status, or with "
	  "the one VM N's last run gives (its exit port status; 0 halted or "
	  "reset; 1 fatal)",
	  0, 2, cmd_exit },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
