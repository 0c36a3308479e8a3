/* The performance counters a VM sees (see core/pmu.h). */
#include "core/pmu.h"
#include "arch/x86/cpu.h"
#include "core/vm.h"
#include "core/cpuid.h"

#define MSR_K7_EVNTSEL0   0xc0010000u
#define MSR_K7_EVNTSEL3   0xc0010003u
#define MSR_K7_PERFCTR3   0xc0010007u
#define K7_COUNTERS       4
/* PerfEvtSel bits 63:42 are reserved (APM Vol. 2 Figure 13-7: event
 * select, unit mask, USR, OS, edge, INT, EN, INV, counter mask, event
 * select 11:8 at 35:32 and Host/Guest-only at 41:40) */
#define K7_EVNTSEL_RESERVED (~0ULL << 42)
#define CR4_PCE           (1ULL << 8)

static bool amd(void)
{
	return cpuid_vendor() == EMUL_VENDOR_AMD;
}

bool pmu_is_inert_msr(uint32_t index)
{
	return amd() && index >= MSR_K7_EVNTSEL0 && index <= MSR_K7_PERFCTR3;
}

bool pmu_write_valid(uint32_t index, uint64_t value)
{
	return index > MSR_K7_EVNTSEL3 || !(value & K7_EVNTSEL_RESERVED);
}

bool pmu_rdpmc(struct vcpu *v, uint32_t ecx, uint64_t *value)
{
	struct vcpu_exec_state s;

	if (!amd() || ecx >= K7_COUNTERS)
		return false;   /* Intel: CPUID 0xA says version 0, no counters */
	virt->get_exec_state(v, &s);
	if ((s.cr0 & CR0_PE) && s.ss_dpl && !(s.cr4 & CR4_PCE))
		return false;
	*value = 0;
	return true;
}
