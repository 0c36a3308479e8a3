/*
 * The VMM's surroundings in the control partition (vmm.h, struct vmm_host):
 * the console is COM1, CPUID is the instruction itself (so guests see the
 * hypervisor's filtered CPUID, as the partition does), and ^C or ^] typed
 * while a guest runs stops the run the next time KVM_RUN returns -EINTR
 * (the hypervisor returns it when console input is waiting). Other keys
 * typed meanwhile are kept for the CLI. Control partition only.
 */
#include <cpuid.h>
#include <stdbool.h>
#include <string.h>

#include "abi/hypercall.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/vmm.h"

#define KEY_CTRL_C 0x03
#define KEY_CTRL_RBRACKET 0x1d  /* ^]: for consoles where ^C ends the
				 * emulator (QEMU's -serial stdio) */

static void host_write(const char *buf, size_t len)
{
	uart_write(buf, len);
}

/*
 * The control partition's CPUID is the hypervisor's filtered one, and every
 * CPUID here is itself an exit to the hypervisor; the answers never change,
 * so the last few are remembered (direct-mapped by leaf and subleaf).
 * Leaf 1 EBX carries the APIC ID of the CPU asked, identical for all while
 * the hypervisor runs on one CPU.
 */
#define CPUID_CACHE 16

struct cpuid_entry {
	bool valid;
	uint32_t leaf, subleaf, out[4];
};

static struct cpuid_entry cpuid_cache[CPUID_CACHE];

static void host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct cpuid_entry *e = &cpuid_cache[(leaf ^ (leaf >> 27) ^ subleaf) % CPUID_CACHE];

	if (!e->valid || e->leaf != leaf || e->subleaf != subleaf) {
		__cpuid_count(leaf, subleaf, e->out[0], e->out[1], e->out[2], e->out[3]);
		e->leaf = leaf;
		e->subleaf = subleaf;
		e->valid = true;
	}
	memcpy(out, e->out, sizeof(e->out));
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

static uint64_t host_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* The hypervisor measured it at boot (CPUID leaf 0x40000010 EAX, kHz;
 * abi/hypercall.h). */
static uint64_t host_tsc_hz(void)
{
	uint32_t out[4] = { 0 };

	host_cpuid(BAREKVM_CPUID_LEAF, 0, out);
	if (out[0] < BAREKVM_CPUID_TIMING)
		return 0;
	host_cpuid(BAREKVM_CPUID_TIMING, 0, out);
	return (uint64_t)out[0] * 1000;
}

const struct vmm_host vmm_ctl_host = {
	.write = host_write,
	.cpuid = host_cpuid,
	.interrupted = host_interrupted,
	.tsc = host_tsc,
	.tsc_hz = host_tsc_hz,
};
