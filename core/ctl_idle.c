/*
 * The control partition's idle wait (HC_IDLE, docs/hypercall-abi.md).
 *
 * COM1 is passed through to the partition, so without this it waits for a
 * key, or for a halted guest's next timer event, by reading LSR in a loop:
 * a core busy at an idle prompt. Here the CPU halts instead. The UART gives
 * no interrupt (nobody routes its IRQ), so the local APIC timer wakes us at
 * most CTL_IDLE_POLL_US later to look at LSR again; reading LSR only clears
 * its error bits, which nobody uses. A wake-up costs the hypervisor a few
 * hundred instructions and does not enter the partition.
 */
#include "core/ctl_idle.h"
#include "abi/errno.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/serial.h"
#include "arch/x86/tsc.h"

/* The console's input latency after an idle spell: a first key waits at
 * most this long; keys after it find the partition running. */
#define CTL_IDLE_POLL_US 1000

static bool idle_over(uint64_t deadline)
{
	return serial_rx_ready() || (deadline && rdtsc() >= deadline);
}

int64_t ctl_idle(uint64_t deadline)
{
	uint64_t poll = tsc_hz() / (1000000 / CTL_IDLE_POLL_US);

	if (!lapic_timer_running() || !poll)
		return -EOPNOTSUPP;
	while (!idle_over(deadline)) {
		uint64_t wake = rdtsc() + poll;

		lapic_alarm_arm(deadline && deadline < wake ? deadline : wake);
		cpu_wait_for_interrupt();
	}
	return 0;
}
