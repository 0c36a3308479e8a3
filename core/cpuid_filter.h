/*
 * What of the host's CPUID a guest may see: for the feature registers,
 * exactly the features the virtual CPU provides (an allow list, so a
 * feature a newer CPU adds stays hidden until someone checks that it
 * works here), and whole leaves that describe what is not virtualized
 * (XSAVE state, performance monitoring, thermal and power management,
 * nested SVM) emptied. Each allowed bit says in cpuid_filter.c why the
 * guest can use it. Pure logic: the hypervisor and the host unit tests
 * (tests/unit/test_cpuid_filter.c).
 */
#ifndef CORE_CPUID_FILTER_H
#define CORE_CPUID_FILTER_H

#include <stdint.h>

#include "arch/x86/cpu.h"
#include "emul/emul.h"

/* Filters the host's answer *c for leaf/subleaf in place, for a CPU of
 * the given vendor. Leaves it does not know pass unchanged (vendor
 * strings, cache and address-size descriptions, the brand). */
void cpuid_filter(uint32_t leaf, uint32_t subleaf, enum emul_vendor vendor,
		  struct cpuid_regs *c);

/* The feature registers cpuid_filter() keeps to an allow list. */
struct cpuid_feature_reg {
	uint32_t leaf, subleaf;
	char reg;                       /* 'a', 'b', 'c', 'd' */
	uint32_t allowed;               /* the bits that may be set */
	uint32_t forced;                /* the bits always set */
	const char *name;
};
extern const struct cpuid_feature_reg cpuid_feature_regs[];
extern const unsigned cpuid_feature_reg_count;

#endif
