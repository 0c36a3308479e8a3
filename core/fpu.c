/* Lazy-free FPU switching between vCPUs (see core/fpu.h). */
#include "core/fpu.h"
#include "core/lib.h"
#include "arch/x86/cpu.h"

static struct vcpu *fpu_owner;          /* per CPU once SMP lands */

void fpu_cpu_init(void)
{
	write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

void fpu_reset(struct vcpu *v)
{
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;

	memset(v->fpu.fxsave, 0, sizeof(v->fpu.fxsave));
	memcpy(&v->fpu.fxsave[0], &fcw, sizeof(fcw));
	memcpy(&v->fpu.fxsave[24], &mxcsr, sizeof(mxcsr));
}

void fpu_switch_to(struct vcpu *v)
{
	if (fpu_owner == v)
		return;
	if (fpu_owner)
		__asm__ volatile("fxsaveq %0" : "=m"(fpu_owner->fpu));
	__asm__ volatile("fxrstorq %0" ::"m"(v->fpu));
	fpu_owner = v;
}

void fpu_forget(struct vcpu *v)
{
	if (fpu_owner == v)
		fpu_owner = 0;
}
