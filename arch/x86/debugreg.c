/* Guest debug registers (see arch/x86/debugreg.h). */
#include "arch/x86/debugreg.h"

#define DR7_GE (1ULL << 9)

uint64_t debugreg_dr7(const struct vcpu_debug *d)
{
	uint64_t dr7 = DR7_FIXED;

	if (!d->enabled)
		return dr7;
	for (int i = 0; i < 4; i++)
		if (d->bp_enabled & (1u << i))
			dr7 |= 2ULL << (2 * i);
	if (dr7 != DR7_FIXED)
		dr7 |= DR7_GE;
	return dr7;
}

void debugreg_load(const struct vcpu_debug *d)
{
	const uint64_t *a = d->bp_addr;

	__asm__ volatile("mov %0, %%dr0" ::"r"(a[0]));
	__asm__ volatile("mov %0, %%dr1" ::"r"(a[1]));
	__asm__ volatile("mov %0, %%dr2" ::"r"(a[2]));
	__asm__ volatile("mov %0, %%dr3" ::"r"(a[3]));
}
