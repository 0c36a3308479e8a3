/*
 * Path-length accounting: how many TSC ticks the hypervisor spends between
 * a guest's exit and its next entry, per kind of exit. Under
 * `qemu -icount shift=0` a tick is one executed instruction, so these are
 * exact path lengths (make bench prints them through HC_PRINT_STATS).
 */
#ifndef CORE_PATHCOST_H
#define CORE_PATHCOST_H

#include <stdint.h>
#include "core/vcpu.h"

enum pathcost_kind {
	PATH_CTL_HYPERCALL,     /* control partition exit → its next entry */
	PATH_CTL_OTHER,
	PATH_GUEST_IN_HV,       /* guest exit handled inside, → re-entry */
	PATH_GUEST_TO_CTL,      /* guest exit → control partition entry: IO */
	PATH_GUEST_TO_CTL_CPUID,
	PATH_GUEST_TO_CTL_MMIO,
	PATH_GUEST_TO_CTL_OTHER,
	PATH_CTL_TO_GUEST,      /* KVM_RUN hypercall exit → guest entry */
	PATH_KINDS,
};

struct pathcost {
	uint64_t count, ticks;
};

extern struct pathcost pathcost[PATH_KINDS];

static inline uint64_t pathcost_now(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void pathcost_add_to(struct pathcost *p, uint64_t since)
{
	p->count++;
	p->ticks += pathcost_now() - since;
}

static inline void pathcost_add(enum pathcost_kind k, uint64_t since)
{
	pathcost_add_to(&pathcost[k], since);
}

void pathcost_print(void);
void pathcost_reset(void);

#endif
