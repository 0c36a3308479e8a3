/*
 * A VM's clock (vmm.h): nanoseconds since the VM's devices were reset,
 * which every timer model (PIT, RTC, local APIC) reads.
 *
 * Two kinds, chosen per VM (`clock N real|virtual`; `load linux` picks
 * real).
 *
 * Real: where the host gives a TSC and its frequency (the control
 * partition: CPUID leaf 0x40000010), the clock is the TSC's distance from
 * the reset, so emulated time passes as the guest's own TSC does and a
 * guest that calibrates one against the other (Linux: the TSC against the
 * PIT, the APIC timer against the PIT) gets true answers. A guest that
 * spins without exits still gets its timer interrupts: the VMM arms
 * KVM_BAREKVM_ALARM for the next device event, and KVM_RUN returns -EINTR
 * then. A halted guest waits in vmm_clock_wait_until, with the CPU halted
 * in the hypervisor where the host can (vmm_host.idle: HC_IDLE).
 *
 * Virtual (the default, and the only kind without a TSC, as in the host
 * unit tests): each KVM_RUN return moves the clock VMM_NS_PER_RETURN on and
 * a wait jumps to its deadline, so runs are deterministic: the same guest
 * gets the same interrupts at the same instructions, which the test guests
 * rely on. A guest that spins without exits sees time stand still.
 */
#include <errno.h>

#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define NS_PER_S 1000000000ULL

/* a * mul / div without overflow for a up to 2^64, mul * div below 2^64
 * divided by... exact while (a % div) * mul fits 64 bits */
uint64_t vmm_scale(uint64_t a, uint64_t mul, uint64_t div)
{
	return a / div * mul + a % div * mul / div;
}

void vmm_clock_reset(struct vm *vm)
{
	struct vmm_clock *c = &vm->clock;
	bool want_real = c->want_real;

	*c = (struct vmm_clock){ .want_real = want_real };
	c->hz = vm->host->tsc_hz && vm->host->tsc ? vm->host->tsc_hz() : 0;
	vmm_clock_set_real(vm, want_real);
}

bool vmm_clock_set_real(struct vm *vm, bool real)
{
	struct vmm_clock *c = &vm->clock;
	uint64_t hz = c->hz;            /* measured by the hypervisor, read at the reset */

	c->want_real = real;
	c->real = real && hz;
	/* time goes on from where it is */
	if (c->real)
		c->tsc0 = vm->host->tsc() - vmm_scale(c->ns, hz, NS_PER_S);
	return c->real == real;
}

static uint64_t real_now(const struct vm *vm)
{
	return vmm_scale(vm->host->tsc() - vm->clock.tsc0, NS_PER_S, vm->clock.hz);
}

uint64_t vmm_clock_tick(struct vm *vm)
{
	struct vmm_clock *c = &vm->clock;

	if (c->real) {
		uint64_t now = real_now(vm);
		if (now > c->ns)
			c->ns = now;
	} else {
		c->ns += VMM_NS_PER_RETURN;
	}
	return c->ns;
}

uint64_t vmm_clock_tsc_at(const struct vm *vm, uint64_t ns)
{
	return vm->clock.tsc0 + vmm_scale(ns, vm->clock.hz, NS_PER_S);
}

bool vmm_clock_wait_until(struct vm *vm, uint64_t ns,
			  bool (*stop)(struct vm *vm))
{
	struct vmm_clock *c = &vm->clock;

	if (!c->real) {
		if (ns > c->ns)
			c->ns = ns;
		return true;
	}
	while (vmm_clock_tick(vm) < ns) {
		if (stop && stop(vm))
			return false;
		if (vm->host->idle)
			vm->host->idle(vmm_clock_tsc_at(vm, ns));
	}
	return true;
}

int vmm_clock_arm(struct vm *vm, uint64_t ns)
{
	struct vmm_clock *c = &vm->clock;
	uint64_t tsc = 0;
	int r;

	if (!c->real)
		return 0;
	if (ns != VMM_CLOCK_NEVER)
		tsc = vmm_clock_tsc_at(vm, ns);
	if (tsc == c->alarm_tsc)
		return 0;
	r = kvm_alarm(vm->vcpu_fd, tsc);
	if (r == 0)
		c->alarm_tsc = tsc;
	return r;
}
