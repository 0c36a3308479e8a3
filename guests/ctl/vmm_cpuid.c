/*
 * The CPUID a VM sees (vmm.h): the hypervisor's filtered CPUID, which the
 * control partition's own CPUID instruction returns, made true of the VM
 * where the VM differs from the partition's CPU:
 *
 *  - the initial APIC ID (leaf 1 EBX bits 24-31, leaves 0xB and 0x1F EDX)
 *    is the VMM's local APIC's, not that of the CPU the partition runs on;
 *  - leaf 1 EDX.APIC (bit 9) is clear while the guest has its local APIC
 *    globally disabled (IA32_APIC_BASE[11] = 0): the processor is then
 *    "functionally equivalent to an IA-32 processor without an on-chip
 *    APIC" and reports the flag 0 (Intel SDM Vol. 3A 11.4.3);
 *  - the TSC and APIC-timer frequencies (leaf 0x15: TSC = ECX x EBX / EAX
 *    with ECX the "core crystal", which Linux also takes as the APIC
 *    timer's input; leaf 0x16: base, maximum and bus MHz), where the CPU
 *    has those leaves: the TSC's frequency is the one the hypervisor
 *    measured (emulators announce one their TSC does not run at), and the
 *    crystal is the VMM's APIC bus (LAPIC_BUS_HZ), so a guest that trusts
 *    the leaves programs the APIC timer right without calibrating it.
 */
#include "guests/ctl/vmm.h"

#define LEAF_TSC_CRYSTAL  0x15
#define LEAF_FREQUENCIES  0x16
#define LEAF_TOPOLOGY     0x0b
#define LEAF_TOPOLOGY_V2  0x1f
#define HZ_PER_KHZ        1000
#define HZ_PER_MHZ        1000000
#define LEAF1_EDX_APIC    (1u << 9)

/*
 * Leaf 0x15's EBX/EAX, the TSC's ratio to the 1 GHz crystal: the closest
 * continued-fraction convergent of hz / LAPIC_BUS_HZ whose numerator keeps
 * Linux's product in 32 bits. native_calibrate_tsc() computes the TSC's
 * kHz as (ECX / 1000) * EBX / EAX in unsigned int, so EBX may not exceed
 * 2^32 / 10^6 = 4294: an exact 20001 / 1000000 for a 20.001 MHz TSC
 * wrapped to 2.821 MHz (Bochs), and that kernel's clock ran seven times
 * fast. The convergents' error is far below the measurement's.
 */
#define TSC_RATIO_MAX_NUMERATOR (UINT32_MAX / (uint32_t)(LAPIC_BUS_HZ / HZ_PER_KHZ))

static void tsc_ratio(uint64_t hz, uint32_t *numerator, uint32_t *denominator)
{
	uint64_t n = hz, d = LAPIC_BUS_HZ;
	uint64_t p_prev = 0, q_prev = 1, p = 1, q = 0;

	while (d) {
		uint64_t a = n / d, r = n % d;
		uint64_t p_next = a * p + p_prev, q_next = a * q + q_prev;

		if (p_next > TSC_RATIO_MAX_NUMERATOR || q_next > UINT32_MAX)
			break;
		p_prev = p;
		q_prev = q;
		p = p_next;
		q = q_next;
		n = d;
		d = r;
	}
	*numerator = (uint32_t)p;
	*denominator = (uint32_t)q;
}

static uint32_t max_basic_leaf(const struct vm *vm)
{
	uint32_t out[4];

	vm->host->cpuid(0, 0, out);
	return out[0];
}

void vmm_cpuid(struct vm *vm, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	uint64_t hz = vm->clock.hz;     /* the host's, read at the reset */

	vm->host->cpuid(leaf, subleaf, out);
	switch (leaf) {
	case 1:
		out[1] = (out[1] & 0x00ffffffu) | (uint32_t)vm->lapic.id << 24;
		if (!lapic_hw_enabled(&vm->lapic))
			out[3] &= ~LEAF1_EDX_APIC;
		break;
	case LEAF_TOPOLOGY:
	case LEAF_TOPOLOGY_V2:
		if (leaf <= max_basic_leaf(vm))
			out[3] = vm->lapic.id;
		break;
	case LEAF_TSC_CRYSTAL:
		if (hz && leaf <= max_basic_leaf(vm)) {
			tsc_ratio(hz, &out[1], &out[0]);
			out[2] = (uint32_t)LAPIC_BUS_HZ;        /* crystal Hz */
			out[3] = 0;
		}
		break;
	case LEAF_FREQUENCIES:
		if (hz && leaf <= max_basic_leaf(vm)) {
			out[0] = out[1] = (uint32_t)(hz / HZ_PER_MHZ);
			out[2] = (uint32_t)(LAPIC_BUS_HZ / HZ_PER_MHZ);
			out[3] = 0;
		}
		break;
	}
}
