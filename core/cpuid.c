/* Guest CPUID (see core/cpuid.h). Intel SDM Vol. 2A CPUID; hypervisor
 * leaves 0x40000000+ by the common convention (bit 31 of leaf 1 ECX). */
#include "core/cpuid.h"
#include "abi/hypercall.h"
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/cmos_clock.h"
#include "core/cpuid_filter.h"
#include "core/lib.h"

/* The features come from the host's CPUID through an allow list
 * (core/cpuid_filter.c): what the virtual CPU provides, nothing else. */
static void filter_features(uint32_t leaf, uint32_t sub, struct cpuid_regs *c)
{
	cpuid_filter(leaf, sub, cpuid_vendor(), c);
}

/* The host's last basic and extended leaves, read once by cpuid_init():
 * every guest CPUID asks whether its leaf is beyond them. */
static uint32_t max_basic_leaf, max_extended_leaf;

/* Is leaf past the last one of its range (basic, or extended)? */
static bool beyond_range(uint32_t leaf)
{
	return leaf > ((leaf & 0x80000000u) ? max_extended_leaf : max_basic_leaf);
}

/* The host's leaf as the VM sees it; all zero beyond the host's last
 * leaf of its range (basic or extended). */
static struct cpuid_regs guest_leaf(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs c = { 0 };

	if (!beyond_range(leaf)) {
		c = cpuid_count(leaf, sub);
		filter_features(leaf, sub, &c);
	}
	return c;
}

/* What a CPU answers past the last leaf of a range: Intel the highest
 * basic leaf (SDM CPUID, "If a value entered for CPUID.EAX is higher than
 * the maximum input value..."), filtered as that leaf; AMD zeros. */
static struct cpuid_regs past_last_leaf(uint32_t sub)
{
	struct cpuid_regs c = { 0 };

	if (cpuid_vendor() == EMUL_VENDOR_INTEL) {
		c = cpuid_count(max_basic_leaf, sub);
		filter_features(max_basic_leaf, sub, &c);
	}
	return c;
}

void cpuid_emulate(struct vcpu_regs *r)
{
	uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx;
	struct cpuid_regs c;

	if (leaf >= BAREKVM_CPUID_LEAF && leaf < BAREKVM_CPUID_LEAF + 0x100) {
		c = (struct cpuid_regs){ 0 };
		if (leaf == BAREKVM_CPUID_LEAF)
			c = (struct cpuid_regs){ BAREKVM_CPUID_WALLCLOCK, BAREKVM_CPUID_SIG_EBX,
						 BAREKVM_CPUID_SIG_ECX, BAREKVM_CPUID_SIG_EDX };
		else if (leaf == BAREKVM_CPUID_TIMING)
			c.eax = (uint32_t)(tsc_hz() / 1000);
		else if (leaf == BAREKVM_CPUID_WALLCLOCK)
			c = (struct cpuid_regs){
				(uint32_t)cmos_clock_unix_at_boot(),
				(uint32_t)(cmos_clock_unix_at_boot() >> 32),
				(uint32_t)cmos_clock_boot_tsc(),
				(uint32_t)(cmos_clock_boot_tsc() >> 32) };
	} else {
		c = beyond_range(leaf) ? past_last_leaf(sub) : guest_leaf(leaf, sub);
	}
	r->rax = c.eax;
	r->rbx = c.ebx;
	r->rcx = c.ecx;
	r->rdx = c.edx;
}

/* Written once by cpuid_init() at boot, read-only after. */
static enum emul_vendor guest_vendor;
static struct cpu_rules guest_rules;

void cpuid_init(void)
{
	struct cpuid_regs c = cpuid_count(0, 0);
	char id[12];

	max_basic_leaf = c.eax;
	max_extended_leaf = cpuid_count(0x80000000u, 0).eax;
	memcpy(id, &c.ebx, 4);
	memcpy(id + 4, &c.edx, 4);
	memcpy(id + 8, &c.ecx, 4);
	guest_vendor = emul_vendor_of(id);

	struct cpuid_regs l1 = guest_leaf(1, 0), l7 = guest_leaf(7, 0),
			  e1 = guest_leaf(0x80000001, 0);
	cpu_rules_derive(&guest_rules, &(struct cpu_rules_cpuid){
		.l1_ecx = l1.ecx, .l1_edx = l1.edx, .l7_ebx = l7.ebx,
		.l7_ecx = l7.ecx, .l7_edx = l7.edx, .e1_edx = e1.edx,
		.e8_eax = guest_leaf(0x80000008u, 0).eax });
}

const struct cpu_rules *cpuid_rules(void)
{
	return &guest_rules;
}

enum emul_vendor cpuid_vendor(void)
{
	return guest_vendor;
}
