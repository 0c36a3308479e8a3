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
			out[0] = HZ_PER_MHZ;                    /* denominator */
			out[1] = (uint32_t)(hz / HZ_PER_KHZ);   /* numerator */
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
