/*
 * ctl_main: the control partition after the runtime is up (crt0.S calls it
 * after ctl_runtime_init). Prints the banner and the boot modules, runs the
 * commands of its script= option, then serves the interactive prompt on the
 * serial console (docs/control-partition.md). Control partition only.
 */
#include <stdio.h>

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

static void run_boot_script(const struct ctl_boot_info *info)
{
	char script[CTL_CMDLINE_BYTES];
	int r;

	r = cli_cmdline_value(info->cmdline, "script", script, sizeof(script));
	if (r < 0) {
		printf("ctl: cannot parse command line '%.*s'\n",
		       (int)sizeof(info->cmdline), info->cmdline);
		return;
	}
	if (r == 0)
		return;
	r = cli_run_script(&ctl_console, ctl_commands, script);
	if (r)
		printf("ctl: script: %d command%s failed\n", r, r == 1 ? "" : "s");
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
