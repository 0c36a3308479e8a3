/*
 * The VMM's surroundings in the control partition (vmm.h, struct vmm_host):
 * the console is COM1, CPUID is the instruction itself (so guests see the
 * hypervisor's filtered CPUID, as the partition does), and the keys typed
 * while a guest runs are read from COM1 without waiting (vmm_console.c
 * decides which go to the guest and which back to the CLI). Control
 * partition only.
 */
#include <cpuid.h>
#include <stdbool.h>
#include <string.h>

#include "abi/hypercall.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/vmm.h"

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

static int host_poll_key(void)
{
	return uart_poll();
}

/* Up to 64 keys typed after the escape key wait for the CLI (uart.c). */
static void host_unread_key(uint8_t byte)
{
	uart_unget((char)byte);
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

static void host_idle(uint64_t tsc)
{
	ctl_idle(tsc);
}

/* The machine's CMOS clock at boot (CPUID leaf 0x40000011), moved on by
 * the TSC. */
static uint64_t host_wall_clock(void)
{
	uint32_t out[4] = { 0 };
	uint64_t hz = host_tsc_hz(), unix_at, tsc_at;

	host_cpuid(BAREKVM_CPUID_LEAF, 0, out);
	if (out[0] < BAREKVM_CPUID_WALLCLOCK || !hz)
		return 0;
	host_cpuid(BAREKVM_CPUID_WALLCLOCK, 0, out);
	unix_at = ((uint64_t)out[1] << 32) | out[0];
	tsc_at = ((uint64_t)out[3] << 32) | out[2];
	return unix_at + (host_tsc() - tsc_at) / hz;
}

const struct vmm_host vmm_ctl_host = {
	.write = host_write,
	.cpuid = host_cpuid,
	.poll_key = host_poll_key,
	.unread_key = host_unread_key,
	.tsc = host_tsc,
	.tsc_hz = host_tsc_hz,
	.idle = host_idle,
	.wall_clock = host_wall_clock,
};
