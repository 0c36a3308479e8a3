/*
 * The performance counters a VM sees. None count: the hypervisor does not
 * switch counter state between VMs, and CPUID says so where it can
 * (core/cpuid_filter.c: leaf 0xA version 0 on Intel, no PerfCtrExtCore or
 * PerfMonV2 on AMD). What CPUID cannot hide are AMD's four legacy counters
 * (PerfEvtSel0-3 at 0xc0010000, PerfCtr0-3 at 0xc0010004): every AMD CPU
 * since the K7 has them (APM Vol. 2 13.2.1). They are present but inert,
 * as under KVM with its PMU off: they read 0 and ignore what is written,
 * and RDPMC of counter 0-3 reads 0. A guest that writes a counter and reads
 * it back learns that nothing counts (Linux then uses software events).
 */
#ifndef CORE_PMU_H
#define CORE_PMU_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vcpu.h"

/* Is 'index' one of the inert counter MSRs of the guest's vendor? */
bool pmu_is_inert_msr(uint32_t index);
/* A WRMSR to an inert counter MSR: false if a CPU refuses the value
 * (reserved event-select bits, APM Vol. 2 13.2.1.1: #GP). */
bool pmu_write_valid(uint32_t index, uint64_t value);
/* RDPMC with the guest's ECX: false for #GP(0) (no such counter, or
 * CPL > 0 without CR4.PCE: SDM/APM RDPMC), else *value. */
bool pmu_rdpmc(struct vcpu *v, uint32_t ecx, uint64_t *value);

#endif
