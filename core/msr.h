/*
 * Guest MSRs: the KVM_GET/SET_MSRS requests and guest RDMSR/WRMSR exits
 * share one implementation, as 2.6.21's did (docs/hypercall-abi.md,
 * "Requests").
 */
#ifndef CORE_MSR_H
#define CORE_MSR_H

#include <stdint.h>
#include "core/vcpu.h"

/* The MSRs KVM_GET_MSR_INDEX_LIST reports (the intended 2.6.21 list: the
 * saved ones, then the emulated MISC_ENABLE). */
extern const uint32_t msr_index_list[];
extern const unsigned msr_index_count;

/* The emulated MSRs as a CPU leaves reset: MISC_ENABLE with fast
 * strings enabled. */
void vcpu_msr_reset(struct vcpu *v);

/* 0, or -1 when the MSR is not supported (the guest gets #GP). */
int vcpu_msr_read(struct vcpu *v, uint32_t index, uint64_t *value);
int vcpu_msr_write(struct vcpu *v, uint32_t index, uint64_t value);

#endif
