/* Guest CPUID (see core/cpuid.h). Intel SDM Vol. 2A CPUID; hypervisor
 * leaves 0x40000000+ by the common convention (bit 31 of leaf 1 ECX). */
#include "core/cpuid.h"
#include "abi/hypercall.h"
#include "arch/x86/cpu.h"

#define LEAF1_ECX_VMX        (1u << 5)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define EXT1_ECX_SVM         (1u << 2)

void cpuid_emulate(struct vcpu_regs *r)
{
	uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx;
	struct cpuid_regs c;

	if (leaf >= BAREKVM_CPUID_LEAF && leaf < BAREKVM_CPUID_LEAF + 0x100) {
		c = (struct cpuid_regs){ 0 };
		if (leaf == BAREKVM_CPUID_LEAF)
			c = (struct cpuid_regs){ BAREKVM_CPUID_LEAF, BAREKVM_CPUID_SIG_EBX,
						 BAREKVM_CPUID_SIG_ECX, BAREKVM_CPUID_SIG_EDX };
	} else {
		c = cpuid_count(leaf, sub);
		if (leaf == 1) {
			c.ecx &= ~LEAF1_ECX_VMX;
			c.ecx |= LEAF1_ECX_HYPERVISOR;
		} else if (leaf == 0x80000001) {
			c.ecx &= ~EXT1_ECX_SVM;
		} else if (leaf == 0x8000000a) {
			c = (struct cpuid_regs){ 0 };  /* no nested SVM */
		}
	}
	r->rax = c.eax;
	r->rbx = c.ebx;
	r->rcx = c.ecx;
	r->rdx = c.edx;
}
