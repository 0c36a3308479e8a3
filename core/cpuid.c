/* Guest CPUID (see core/cpuid.h). Intel SDM Vol. 2A CPUID; hypervisor
 * leaves 0x40000000+ by the common convention (bit 31 of leaf 1 ECX). */
#include "core/cpuid.h"
#include "abi/hypercall.h"
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/cmos_clock.h"
#include "core/lib.h"

#define LEAF1_ECX_VMX        (1u << 5)
#define LEAF1_ECX_SMX        (1u << 6)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define EXT1_ECX_SVM         (1u << 2)

/*
 * Guest FPU state is switched with FXSAVE (core/fpu.c) and XCR0 is never
 * the guest's: the virtual CPU has no XSAVE, so nothing that needs XSAVE-
 * managed state either (the AVX family, VEX/EVEX/XOP vector encodings,
 * AMX), and XSETBV is #UD. Nor has it MONITOR/MWAIT (intercepted on SVM).
 *
 * Nor protection keys: PKRU is XSAVE-managed state that is not switched
 * per vCPU, so PKU/OSPKE are hidden and CR4.PKE is reserved (RDPKRU and
 * WRPKRU are then #UD, as on a CPU without PKU). Hiding rather than
 * switching PKRU keeps the virtual CPU consistent: no XSAVE, no state
 * XSAVE would have to manage. The same holds for CET (shadow stacks,
 * IBT), PKS, user interrupts, Key Locker, LAM and FRED, whose state lives
 * in XSAVES components or MSRs we do not switch, and for SMX (GETSEC).
 * Nor performance counters: none are virtualized and RDPMC is #GP at any
 * CPL, so the architectural PMU (leaf 0xA reports version 0), PDCM
 * (IA32_PERF_CAPABILITIES) and AMD's core/NB/LLC counter extensions and
 * PerfMonV2 (0x80000022) are hidden. AMD's four legacy counters exist on
 * every AMD CPU and cannot be hidden by CPUID; they are not provided yet.
 *
 * Nor RDTSCP or RDPID: IA32_TSC_AUX, which they read, is not switched per
 * vCPU (VMX runs without "enable RDTSCP", so RDTSCP is #UD there; SVM
 * intercepts it to give the same #UD; a write of TSC_AUX is #GP).
 *
 * Nor x2APIC or the TSC-deadline timer: a VM's local APIC is the VMM's
 * xAPIC page behind MMIO exits (docs/control-partition.md); the MSRs of
 * either mode would be #GP, so CPUID must not announce them.
 *
 * Nor 5-level paging: the guest page walker (mmu/guest_walk.c) and the
 * emulator's canonical checks know 4-level paging only, so LA57 is hidden
 * and CR4.LA57 reserved.
 * core/cpu_rules.c derives the CR4 and EFER bits a guest may set from
 * what is left, so a guest can set exactly the bits its CPUID announces.
 */
/* Thermal monitoring and ACPI-through-MSR clock control: their MSRs
 * (IA32_THERM_*, IA32_CLOCK_MODULATION) are not provided. */
#define LEAF1_EDX_HIDDEN   ((1u << 22) | /* ACPI */ \
			    (1u << 29))  /* TM */
#define LEAF6_EAX_KEPT     (1u << 2)     /* ARAT: the VMM's APIC timer runs in every C-state */
#define LEAF1_ECX_HIDDEN   ((1u << 3) |  /* MONITOR */ \
			    (1u << 7) |  /* EIST: IA32_PERF_CTL is not provided */ \
			    (1u << 8) |  /* TM2 */ \
			    (1u << 21) | /* x2APIC */ \
			    (1u << 24) | /* TSC-deadline */ \
			    (1u << 12) | /* FMA */ \
			    (1u << 15) | /* PDCM */ \
			    (1u << 26) | /* XSAVE */ \
			    (1u << 27) | /* OSXSAVE */ \
			    (1u << 28) | /* AVX */ \
			    (1u << 29))  /* F16C */
#define LEAF7_EBX_HIDDEN   ((1u << 1) |  /* IA32_TSC_ADJUST: not virtualized */ \
			    (1u << 5) |  /* AVX2 */ \
			    (1u << 16) | (1u << 17) | (1u << 21) | /* AVX-512 F DQ IFMA */ \
			    (1u << 26) | (1u << 27) | (1u << 28) | /* PF ER CD */ \
			    (1u << 30) | (1u << 31))               /* BW VL */
#define LEAF7_ECX_HIDDEN   ((1u << 1) | (1u << 6) |   /* AVX-512 VBMI, VBMI2 */ \
			    (1u << 9) | (1u << 10) |  /* VAES, VPCLMULQDQ */ \
			    (1u << 11) | (1u << 12) | (1u << 14) | /* VNNI BITALG VPOPCNTDQ */ \
			    (1u << 3) | (1u << 4) |   /* PKU, OSPKE */ \
			    (1u << 7) | (1u << 23) |  /* CET shadow stacks, Key Locker */ \
			    (1u << 16) |              /* LA57 */ \
			    (1u << 22) |              /* RDPID: reads TSC_AUX */ \
			    (1u << 31))               /* PKS */
#define LEAF7_EDX_HIDDEN   ((1u << 2) | (1u << 3) | (1u << 8) | /* 4VNNIW 4FMAPS VP2INTERSECT */ \
			    (1u << 22) | (1u << 23) |  /* AMX-BF16, AVX512-FP16 */ \
			    (1u << 24) | (1u << 25) |  /* AMX-TILE, AMX-INT8 */ \
			    (1u << 5) | (1u << 20))    /* UINTR, CET IBT */
#define LEAF7_1_EAX_HIDDEN ((1u << 4) | (1u << 5) |   /* AVX-VNNI, AVX512-BF16 */ \
			    (1u << 17) | (1u << 18) | /* FRED, LKGS */ \
			    (1u << 26))               /* LAM */
#define EXT1_EDX_HIDDEN    (1u << 27)  /* RDTSCP: TSC_AUX is not switched per vCPU */
#define EXT1_ECX_HIDDEN    ((1u << 11) | (1u << 16) | (1u << 21) | /* XOP FMA4 TBM */ \
			    (1u << 17) |              /* TCE: EFER.TCE is reserved */ \
			    (1u << 23) | (1u << 24) | (1u << 28)) /* PerfCtrExt core, NB, LLC */
/* EFER.LMSLE is reserved for the virtual CPU: say so where AMD does
 * (APM Vol. 3 CPUID Fn8000_0008 EBX[20] EferLmsleUnsupported). */
#define EXT8_EBX_NO_LMSLE  (1u << 20)
#define LEAF_XSAVE         0xd
#define LEAF_PMU           0xa
#define LEAF_THERMAL_POWER 0x6

static void filter_features(uint32_t leaf, uint32_t sub, struct cpuid_regs *c)
{
	switch (leaf) {
	case 1:
		c->ecx &= ~(LEAF1_ECX_VMX | LEAF1_ECX_SMX | LEAF1_ECX_HIDDEN);
		c->edx &= ~LEAF1_EDX_HIDDEN;
		c->ecx |= LEAF1_ECX_HYPERVISOR;
		break;
	case 7:
		if (sub == 0) {
			c->ebx &= ~LEAF7_EBX_HIDDEN;
			c->ecx &= ~LEAF7_ECX_HIDDEN;
			c->edx &= ~LEAF7_EDX_HIDDEN;
		} else if (sub == 1) {
			c->eax &= ~LEAF7_1_EAX_HIDDEN;
		}
		break;
	case LEAF_THERMAL_POWER:
		/* digital thermal sensor, HWP, energy bias...: none */
		*c = (struct cpuid_regs){ .eax = c->eax & LEAF6_EAX_KEPT };
		break;
	case LEAF_XSAVE:
	case LEAF_PMU:
	case 0x80000022:        /* AMD PerfMonV2 */
	case 0x8000000a:        /* no nested SVM */
		*c = (struct cpuid_regs){ 0 };
		break;
	case 0x80000001:
		c->ecx &= ~(EXT1_ECX_SVM | EXT1_ECX_HIDDEN);
		c->edx &= ~EXT1_EDX_HIDDEN;
		break;
	case 0x80000008:
		if (cpuid_vendor() == EMUL_VENDOR_AMD)
			c->ebx |= EXT8_EBX_NO_LMSLE;
		break;
	}
}

/* The host's leaf as the VM sees it; all zero beyond the host's last
 * leaf of its range (basic or extended). */
static struct cpuid_regs guest_leaf(uint32_t leaf, uint32_t sub)
{
	uint32_t max = cpuid_count(leaf & 0x80000000u, 0).eax;
	struct cpuid_regs c = { 0 };

	if (leaf <= max) {
		c = cpuid_count(leaf, sub);
		filter_features(leaf, sub, &c);
	}
	return c;
}

void cpuid_emulate(struct vcpu_regs *r)
{
	uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx;
	struct cpuid_regs c;

	if (leaf >= BAREKVM_CPUID_LEAF && leaf < BAREKVM_CPUID_LEAF + 0x100) {
		c = (struct cpuid_regs){ 0 };
		if (leaf == BAREKVM_CPUID_LEAF)
			c = (struct cpuid_regs){ BAREKVM_CPUID_WALLCLOCK, BAREKVM_CPUID_SIG_EBX,
						 BAREKVM_CPUID_SIG_ECX, BAREKVM_CPUID_SIG_EDX };
		else if (leaf == BAREKVM_CPUID_TIMING)
			c.eax = (uint32_t)(tsc_hz() / 1000);
		else if (leaf == BAREKVM_CPUID_WALLCLOCK)
			c = (struct cpuid_regs){
				(uint32_t)cmos_clock_unix_at_boot(),
				(uint32_t)(cmos_clock_unix_at_boot() >> 32),
				(uint32_t)cmos_clock_boot_tsc(),
				(uint32_t)(cmos_clock_boot_tsc() >> 32) };
	} else {
		c = cpuid_count(leaf, sub);
		filter_features(leaf, sub, &c);
	}
	r->rax = c.eax;
	r->rbx = c.ebx;
	r->rcx = c.ecx;
	r->rdx = c.edx;
}

/* Written once by cpuid_init() at boot, read-only after. */
static enum emul_vendor guest_vendor;
static struct cpu_rules guest_rules;

void cpuid_init(void)
{
	struct cpuid_regs c = cpuid_count(0, 0);
	char id[12];

	memcpy(id, &c.ebx, 4);
	memcpy(id + 4, &c.edx, 4);
	memcpy(id + 8, &c.ecx, 4);
	guest_vendor = emul_vendor_of(id);

	struct cpuid_regs l1 = guest_leaf(1, 0), l7 = guest_leaf(7, 0),
			  e1 = guest_leaf(0x80000001, 0);
	cpu_rules_derive(&guest_rules, &(struct cpu_rules_cpuid){
		.l1_ecx = l1.ecx, .l1_edx = l1.edx, .l7_ebx = l7.ebx,
		.l7_ecx = l7.ecx, .l7_edx = l7.edx, .e1_edx = e1.edx });
}

const struct cpu_rules *cpuid_rules(void)
{
	return &guest_rules;
}

enum emul_vendor cpuid_vendor(void)
{
	return guest_vendor;
}
