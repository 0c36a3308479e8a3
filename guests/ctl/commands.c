/*
 * The command table of the control partition's CLI (cli.h). Each file of
 * commands defines one array of struct cli_command ending with { NULL }; this
 * table lists the arrays, in the order `help` shows them. Adding a file of
 * commands (for instance cmd_vm.c with create/list/destroy/load/regs/run) is
 * two lines here: its extern declaration and its entry in ctl_commands;
 * `help` shows each command under its heading in ctl_help_groups (one
 * missing there is listed under "Other").
 * Runs in the control partition only.
 */
#include <stddef.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"

extern const struct cli_command ctl_core_commands[];    /* cmd_core.c */
extern const struct cli_command ctl_vm_commands[];      /* cmd_vm.c */
extern const struct cli_command ctl_hv_commands[];      /* cmd_hv.c */
extern const struct cli_command ctl_load_commands[];    /* cmd_load.c */
extern const struct cli_command ctl_vcpu_commands[];    /* cmd_vcpu.c */
extern const struct cli_command ctl_run_commands[];     /* cmd_run.c */
extern const struct cli_command ctl_debug_commands[];   /* cmd_debug.c */
extern const struct cli_command ctl_trace_commands[];   /* cmd_trace.c */
extern const struct cli_command ctl_irq_commands[];     /* cmd_irq.c */
extern const struct cli_command ctl_translate_commands[]; /* cmd_translate.c */
extern const struct cli_command ctl_dirty_commands[];   /* cmd_dirty.c */
extern const struct cli_command ctl_msr_commands[];     /* cmd_msr.c */
extern const struct cli_command ctl_reset_commands[];   /* cmd_reset.c */
extern const struct cli_command ctl_fuzz_commands[];    /* cmd_fuzz.c */
extern const struct cli_command ctl_fuzzcode_commands[]; /* cmd_fuzzcode.c */

const struct cli_command *const ctl_commands[] = {
	ctl_core_commands,
	ctl_vm_commands,
	ctl_hv_commands,
	ctl_load_commands,
	ctl_vcpu_commands,
	ctl_run_commands,
	ctl_debug_commands,
	ctl_trace_commands,
	ctl_irq_commands,
	ctl_translate_commands,
	ctl_dirty_commands,
	ctl_msr_commands,
	ctl_reset_commands,
	ctl_fuzz_commands,
	ctl_fuzzcode_commands,
	NULL,
};

/* `help`: what a user reaches for first, first; the raw ABI last. */
static const char *const guests_group[] = {
	"modules", "vm", "load", "mode", "run", "console", "stats", "reset",
	NULL,
};
static const char *const debug_group[] = {
	"regs", "set", "msr", "msrs", "irq", "nmi", "events", "break", "step", "continue",
	"trace", "translate", "dirty", NULL,
};
static const char *const hv_group[] = {
	"frames", "cycle", "hvstats", "hcbench", "idle", "ioctl", "slot", "touch",
	"fuzz", "fuzzcode", NULL,
};
static const char *const console_group[] = {
	"help", "echo", "mem", "exit", NULL,
};

const struct cli_group ctl_help_groups[] = {
	{ "VMs and guests", guests_group },
	{ "Registers and debugging", debug_group },
	{ "Hypervisor and raw kvm.h requests", hv_group },
	{ "Console", console_group },
	{ NULL, NULL },
};
