/*
 * Hypercall instruction selection (ctl.h). VMCALL exits unconditionally
 * under VMX (SDM Vol. 3C, "Instructions That Cause VM Exits
 * Unconditionally") and VMMCALL exits under SVM when intercepted (APM Vol. 2,
 * 15.9); the other vendor's instruction raises #UD, and the control partition
 * has no IDT, so the choice is made once from the CPUID vendor string.
 * Runs in the control partition only.
 */
#include <stdbool.h>
#include <string.h>

#include <cpuid.h>

#include "guests/ctl/ctl.h"

/* hypercall.S: the same register shuffle around each instruction. */
long hypercall3_vmcall(unsigned long nr, unsigned long a0, unsigned long a1,
		       unsigned long a2);
long hypercall3_vmmcall(unsigned long nr, unsigned long a0, unsigned long a1,
			unsigned long a2);

typedef long hypercall_fn(unsigned long nr, unsigned long a0, unsigned long a1,
			  unsigned long a2);

static hypercall_fn hypercall3_first;

static bool selected;
static bool use_vmmcall;
static char vendor[13];
/* The instruction's stub once chosen: every request of the run loop goes
 * through here, so after the first call it is one indirect jump. */
static hypercall_fn *hypercall_insn = hypercall3_first;

void hypercall_init(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (selected)
		return;
	__cpuid(0, eax, ebx, ecx, edx);
	memcpy(vendor + 0, &ebx, 4);
	memcpy(vendor + 4, &edx, 4);
	memcpy(vendor + 8, &ecx, 4);
	vendor[12] = '\0';
	/* Hygon's Dhyana is SVM too. Anything else (GenuineIntel, or a vendor
	 * we do not know) gets VMCALL. */
	use_vmmcall = strcmp(vendor, "AuthenticAMD") == 0 ||
		      strcmp(vendor, "HygonGenuine") == 0;
	hypercall_insn = use_vmmcall ? hypercall3_vmmcall : hypercall3_vmcall;
	selected = true;
}

const char *hypercall_insn_name(void)
{
	hypercall_init();
	return use_vmmcall ? "vmmcall" : "vmcall";
}

const char *hypercall_cpu_vendor(void)
{
	hypercall_init();
	return vendor;
}

/* A hypercall before hypercall_init: choose, then make it. */
static long hypercall3_first(unsigned long nr, unsigned long a0, unsigned long a1,
			     unsigned long a2)
{
	hypercall_init();
	return hypercall_insn(nr, a0, a1, a2);
}

long hypercall3(unsigned long nr, unsigned long a0, unsigned long a1,
		unsigned long a2)
{
	return hypercall_insn(nr, a0, a1, a2);
}
