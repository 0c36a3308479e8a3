/* Guest debug registers (see arch/x86/debugreg.h). */
#include "arch/x86/debugreg.h"
#include "arch/x86/trap.h"
#include "core/log.h"

#define DR7_GE (1ULL << 9)
#define DR6_B0_B3 0xfULL
#define DR6_BS (1ULL << 14)
#define DR6_INIT 0xffff0ff0ULL
#define RFLAGS_TF (1ULL << 8)

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

bool debugreg_stray_host_step(const struct trap_frame *tf)
{
	static bool reported;
	uint64_t dr6;

	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	if (!(dr6 & DR6_BS) || (dr6 & DR6_B0_B3) || (tf->rflags & RFLAGS_TF))
		return false;
	__asm__ volatile("mov %0, %%dr6" ::"r"(DR6_INIT));
	if (!reported)
		printk("hv: ignored a guest's single-step trap delivered to the "
		       "hypervisor at %#lx (DR6 %#lx); further ones are ignored "
		       "silently\n", tf->rip, dr6);
	reported = true;
	return true;
}
