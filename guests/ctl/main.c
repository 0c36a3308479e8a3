/*
 * ctl_main: the control partition after the runtime is up (crt0.S calls it
 * after ctl_runtime_init). Prints the banner and the boot modules, runs the
 * commands of its script= option, then serves the interactive prompt on the
 * serial console (docs/control-partition.md). Control partition only.
 */
#include <stdio.h>
#include <string.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"

static void console_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	uart_write(buf, len);
}

static int console_getc(void *ctx)
{
	(void)ctx;
	return uart_getc();
}

const struct cli_io ctl_console = {
	.write = console_write,
	.getc = console_getc,
	.ctx = NULL,
};

/* A word of the command line, or 'dflt' when it is absent. */
static void option(const struct ctl_boot_info *info, const char *key,
		   char *buf, size_t cap, const char *dflt)
{
	if (cli_cmdline_value(info->cmdline, key, buf, cap) <= 0)
		snprintf(buf, cap, "%s", dflt);
}

/*
 * script="a; b; c" runs unattended: the first command that fails stops it
 * (script_errors=continue runs the rest), and the end of the script ends
 * the machine with exit status 0, or 1 if a command failed (an `exit N` in
 * the script ends it with N). after_script=prompt gives the prompt
 * instead.
 */
static void run_boot_script(const struct ctl_boot_info *info)
{
	char script[CTL_CMDLINE_BYTES], errors[16], after[16];
	bool keep_going, prompt;
	int r;

	r = cli_cmdline_value(info->cmdline, "script", script, sizeof(script));
	if (r < 0) {
		printf("ctl: cannot parse command line '%.*s'\n",
		       (int)sizeof(info->cmdline), info->cmdline);
		ctl_shutdown(1);
	}
	if (r == 0)
		return;
	option(info, "script_errors", errors, sizeof(errors), "stop");
	option(info, "after_script", after, sizeof(after), "exit");
	if ((strcmp(errors, "stop") && strcmp(errors, "continue")) ||
	    (strcmp(after, "exit") && strcmp(after, "prompt"))) {
		printf("ctl: script_errors=stop|continue, after_script=exit|prompt: "
		       "'%s', '%s' refused; the script is not run\n", errors, after);
		ctl_shutdown(1);
	}
	keep_going = !strcmp(errors, "continue");
	prompt = !strcmp(after, "prompt");
	r = cli_run_script(&ctl_console, ctl_commands, script, keep_going);
	if (r && keep_going)
		printf("ctl: script: %d command%s failed\n", r, r == 1 ? "" : "s");
	else if (r)
		printf("ctl: script: stopped at the command that failed\n");
	if (prompt)
		return;
	printf("ctl: script done: ending with exit status %d\n", r ? 1 : 0);
	ctl_shutdown(r ? 1 : 0);
}

int ctl_main(const struct ctl_boot_info *info)
{
	printf("ctl: BareKVM control partition, %lu MiB RAM, %u modules\n",
	       (unsigned long)(info->ram_bytes >> 20), info->nmodules);
	ctl_print_modules(info);
	printf("ctl: hypercalls use %s (%s)\n", hypercall_insn_name(),
	       hypercall_cpu_vendor());
	run_boot_script(info);
	cli_interactive(&ctl_console, ctl_commands);
	return 0;       /* the UART never ends: not reached */
}
