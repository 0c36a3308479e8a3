/*
 * The VMM's surroundings in the control partition (vmm.h, struct vmm_host):
 * the console is COM1, CPUID is the instruction itself (so guests see the
 * hypervisor's filtered CPUID, as the partition does), and ^C or ^] typed
 * while a guest runs stops the run the next time KVM_RUN returns -EINTR
 * (the hypervisor returns it when console input is waiting). Other keys
 * typed meanwhile are kept for the CLI. Control partition only.
 */
#include <cpuid.h>

#include "guests/ctl/ctl.h"
#include "guests/ctl/vmm.h"

#define KEY_CTRL_C 0x03
#define KEY_CTRL_RBRACKET 0x1d  /* ^]: for consoles where ^C ends the
				 * emulator (QEMU's -serial stdio) */

static void host_write(const char *buf, size_t len)
{
	uart_write(buf, len);
}

static void host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	__cpuid_count(leaf, subleaf, out[0], out[1], out[2], out[3]);
}

static bool host_interrupted(void)
{
	int c;

	while ((c = uart_poll()) >= 0) {
		if (c == KEY_CTRL_C || c == KEY_CTRL_RBRACKET)
			return true;
		uart_unget((char)c);
	}
	return false;
}

const struct vmm_host vmm_ctl_host = {
	.write = host_write,
	.cpuid = host_cpuid,
	.interrupted = host_interrupted,
};
