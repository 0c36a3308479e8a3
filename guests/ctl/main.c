/*
 * ctl_main: the control partition after the runtime is up (crt0.S calls it
 * after ctl_runtime_init). Prints the banner and the boot modules, runs the
 * commands of its script= option or of its ctl-script module, then serves
 * the interactive prompt on the serial console (docs/control-partition.md).
 * Control partition only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/vmm.h"

/* The GRUB module whose text is the boot script: longer scripts than a
 * command line holds, one command per line (docs/control-partition.md,
 * "Scripts"). */
#define SCRIPT_MODULE "ctl-script"

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
 * The text of the first module named ctl-script, NUL-terminated on the
 * heap, or NULL if there is none. A module that is not text (a NUL byte)
 * or does not fit in the heap ends the machine with status 1: a script
 * that cannot run must not leave a half-configured machine behind.
 */
static char *script_module(const struct ctl_boot_info *info)
{
	char name[sizeof(SCRIPT_MODULE) + 1];

	for (unsigned i = 0; i < info->nmodules; i++) {
		const struct ctl_module *m = &info->modules[i];
		const char *text = (const char *)(uintptr_t)m->gpa;
		char *copy;

		vmm_module_name(m->cmdline, name, sizeof(name));
		if (strcmp(name, SCRIPT_MODULE))
			continue;
		if (memchr(text, '\0', m->size)) {
			printf("ctl: module %u (%s) is not text: a NUL byte at offset %lu; "
			       "the script is not run\n", i, SCRIPT_MODULE,
			       (unsigned long)((const char *)memchr(text, '\0', m->size) - text));
			ctl_shutdown(1);
		}
		copy = malloc(m->size + 1);
		if (!copy) {
			printf("ctl: no memory for the %lu-byte %s module\n",
			       (unsigned long)m->size, SCRIPT_MODULE);
			ctl_shutdown(1);
		}
		memcpy(copy, text, m->size);
		copy[m->size] = '\0';
		printf("ctl: running the %s module (module %u, %lu bytes)\n",
		       SCRIPT_MODULE, i, (unsigned long)m->size);
		return copy;
	}
	return NULL;
}

/*
 * script="a; b; c", or a ctl-script module's lines, runs unattended: the
 * first command that fails stops it (script_errors=continue runs the
 * rest), and the end of the script ends the machine with exit status 0,
 * or 1 if a command failed (an `exit N` in the script ends it with N).
 * after_script=prompt gives the prompt instead. Both options come from
 * the ctl line; script= and a ctl-script module together are refused.
 */
static void run_boot_script(const struct ctl_boot_info *info)
{
	static char option_script[CTL_CMDLINE_BYTES];
	char errors[16], after[16], *file, *script = option_script;
	bool keep_going, prompt;
	int r;

	r = cli_cmdline_value(info->cmdline, "script", option_script,
			      sizeof(option_script));
	if (r < 0) {
		printf("ctl: cannot parse command line '%.*s'\n",
		       (int)sizeof(info->cmdline), info->cmdline);
		ctl_shutdown(1);
	}
	file = script_module(info);
	if (r == 1 && file) {
		printf("ctl: both script= and a %s module: give one of them; "
		       "nothing is run\n", SCRIPT_MODULE);
		ctl_shutdown(1);
	}
	if (r == 0 && !file)
		return;
	if (file)
		script = file;
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
	free(file);
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
