/*
 * The guest's CPUID features (core/cpuid_filter.h). Intel SDM Vol. 2A,
 * CPUID; AMD APM Vol. 3, Appendix E.
 *
 * Why a feature may be shown, in three kinds:
 *  - instructions that run natively and touch only state the hypervisor
 *    switches (general registers, FXSAVE state, the segment and control
 *    registers of the VMCB/VMCS);
 *  - control-register and EFER bits the backends let through exactly when
 *    CPUID shows them (core/cpu_rules.c), for paging and protection
 *    features second-level paging handles natively;
 *  - MSRs the hypervisor provides (core/msr.c and the backends' MSR
 *    code) or devices the VMM provides (the local APIC).
 * Everything else is hidden, with the reason where one is worth giving:
 * XSAVE and everything it manages (FPU state is switched with FXSAVE and
 * XCR0 is never the guest's), MONITOR/MWAIT, performance monitoring,
 * thermal and power control (leaves 6 and 0x80000007), debug store,
 * machine-specific MSRs (speculation control, TSC_ADJUST, TSC_AUX for
 * RDTSCP/RDPID), x2APIC and the TSC-deadline timer (the VMM's APIC is an
 * xAPIC page), protection keys, CET, LAM, FRED, 5-level paging (the walker
 * knows 4 levels), SGX, SMX, VMX/SVM, user interrupts, Key Locker,
 * topology beyond one CPU. docs/virtual-cpu.md lists it all, leaf by leaf.
 */
#include "core/cpuid_filter.h"

#define BIT(n) (1u << (n))

/* Leaf 1 EDX: FPU VME DE PSE TSC MSR PAE MCE(0 banks) CX8 APIC(the VMM's)
 * SEP(SYSENTER MSRs) MTRR(read 0) PGE MCA CMOV PAT PSE36 CLFSH MMX FXSR SSE
 * SSE2 SS. Hidden: PSN, DS, ACPI, TM, PBE, HTT (one logical CPU). */
#define L1_EDX (BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | \
		BIT(7) | BIT(8) | BIT(9) | BIT(11) | BIT(12) | BIT(13) | BIT(14) | \
		BIT(15) | BIT(16) | BIT(17) | BIT(19) | BIT(23) | BIT(24) | \
		BIT(25) | BIT(26) | BIT(27))
/* Leaf 1 ECX: SSE3 PCLMULQDQ SSSE3 CX16 PCID(CR4.PCIDE) SSE4.1 SSE4.2
 * MOVBE POPCNT AES RDRAND, and the hypervisor bit. Hidden: DTES64 MONITOR
 * DS-CPL VMX SMX EIST TM2 CNXT-ID SDBG FMA xTPR PDCM DCA x2APIC
 * TSC-deadline XSAVE OSXSAVE AVX F16C. */
#define L1_ECX_HYPERVISOR BIT(31)
#define L1_ECX (BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(17) | BIT(19) | BIT(20) | \
		BIT(22) | BIT(23) | BIT(25) | BIT(30) | L1_ECX_HYPERVISOR)
/* Leaf 7.0 EBX: FSGSBASE(CR4) BMI1 HLE FDP_EXCPTN_ONLY SMEP(CR4) BMI2 ERMS
 * INVPCID(enabled on VMX) RTM FPU-CS/DS-deprecated RDSEED ADX SMAP(CR4)
 * CLFLUSHOPT CLWB SHA. Hidden: TSC_ADJUST SGX AVX2 RDT MPX AVX-512 PT. */
#define L7_EBX (BIT(0) | BIT(3) | BIT(4) | BIT(6) | BIT(7) | BIT(8) | BIT(9) | \
		BIT(10) | BIT(11) | BIT(13) | BIT(18) | BIT(19) | BIT(20) | BIT(23) | \
		BIT(24) | BIT(29))
/* Leaf 7.0 ECX: PREFETCHWT1 UMIP(CR4) GFNI CLDEMOTE MOVDIRI MOVDIR64B.
 * Hidden: AVX-512 and VEX forms, PKU OSPKE WAITPKG CET-SS TME LA57 MAWAU
 * RDPID KL bus-lock detection ENQCMD SGX-LC PKS. */
#define L7_ECX (BIT(0) | BIT(2) | BIT(8) | BIT(25) | BIT(27) | BIT(28))
/* Leaf 7.0 EDX: FSRM MD_CLEAR RTM_ALWAYS_ABORT SERIALIZE. Hidden: AVX-512
 * and AMX, UINTR, the speculation-control MSRs (IBRS/IBPB, STIBP, L1D
 * flush, ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD, SRBDS), TSX force
 * abort, hybrid, TSXLDTRK, PCONFIG, arch LBR, CET-IBT. */
#define L7_EDX (BIT(4) | BIT(10) | BIT(11) | BIT(14))
/* Leaf 7.1 EAX: fast zero-length MOVSB, short STOSB, short CMPSB.
 * Hidden: AVX-VNNI AVX512-BF16 FRED LKGS WRMSRNS AMX-FP16 HRESET
 * AVX-IFMA LAM. */
#define L7_1_EAX (BIT(10) | BIT(11) | BIT(12))
/* Leaf 0x80000001 EDX: AMD's copies of leaf 1 EDX (bits 0-9, 12-17, 23,
 * 24), SYSCALL, NX(EFER), MmxExt, FFXSR(EFER), 1-GiB pages, LM(EFER),
 * 3DNow!Ext, 3DNow!. Hidden: RDTSCP (TSC_AUX), MP. */
#define E1_EDX (BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | \
		BIT(7) | BIT(8) | BIT(9) | BIT(11) | BIT(12) | BIT(13) | BIT(14) | \
		BIT(15) | BIT(16) | BIT(17) | BIT(20) | BIT(22) | BIT(23) | BIT(24) | \
		BIT(25) | BIT(26) | BIT(29) | BIT(30) | BIT(31))
/* Leaf 0x80000001 ECX: LAHF/SAHF, CmpLegacy, AltMovCr8 (CR8 is the
 * guest's), LZCNT, SSE4A, misaligned SSE, PREFETCHW. Hidden: SVM, the
 * extended APIC space, OSVW, IBS, XOP, SKINIT, WDT, LWP, FMA4, TCE, NodeId,
 * TBM, topology extensions, the counter extensions, data breakpoint
 * extensions, PerfTsc, MONITORX, address-mask extensions. */
#define E1_ECX (BIT(0) | BIT(1) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8))
/* Leaf 0x80000008 EBX (AMD): CLZERO, the FP error pointers restored, WBNOINVD,
 * SSB_NO, and EferLmsleUnsupported, always set: EFER.LMSLE is reserved for
 * the virtual CPU. Hidden: the speculation-control MSRs, RDPRU, MCOMMIT,
 * the retired-instruction counter. */
#define E8_EBX_NO_LMSLE BIT(20)
#define E8_EBX (BIT(0) | BIT(2) | BIT(9) | BIT(26) | E8_EBX_NO_LMSLE)
/* Leaf 6 EAX: ARAT, the APIC timer runs in every C-state (the VMM's does). */
#define L6_EAX BIT(2)
/* Leaf 0x80000007 EDX: the invariant TSC (the guest's is the host's plus
 * an offset). Hidden: the AMD power-management features, each with MSRs
 * not provided here (HwPstate's P-state MSRs 0xc0010061-0x6b, CPB's
 * HWCR.CpbDis, EffFreqRO's MPERF/APERF copies, RAPL's 0xc0010299 up), and
 * in EBX the RAS features (ScalableMca's MCA MSRs at 0xc0002000, SUCCOR,
 * overflow recovery: machine checks are the host's). APM Vol. 3 E.4.6. */
#define E7_EDX_INVARIANT_TSC BIT(8)

const struct cpuid_feature_reg cpuid_feature_regs[] = {
	{ 1, 0, 'd', L1_EDX, 0, "leaf 1 EDX" },
	{ 1, 0, 'c', L1_ECX, L1_ECX_HYPERVISOR, "leaf 1 ECX" },
	{ 6, 0, 'a', L6_EAX, 0, "leaf 6 EAX" },
	{ 7, 0, 'b', L7_EBX, 0, "leaf 7.0 EBX" },
	{ 7, 0, 'c', L7_ECX, 0, "leaf 7.0 ECX" },
	{ 7, 0, 'd', L7_EDX, 0, "leaf 7.0 EDX" },
	{ 7, 1, 'a', L7_1_EAX, 0, "leaf 7.1 EAX" },
	{ 0x80000001, 0, 'd', E1_EDX, 0, "leaf 0x80000001 EDX" },
	{ 0x80000001, 0, 'c', E1_ECX, 0, "leaf 0x80000001 ECX" },
};
const unsigned cpuid_feature_reg_count =
	sizeof(cpuid_feature_regs) / sizeof(cpuid_feature_regs[0]);

static uint32_t *reg_of(struct cpuid_regs *c, char reg)
{
	return reg == 'a' ? &c->eax : reg == 'b' ? &c->ebx : reg == 'c' ? &c->ecx : &c->edx;
}

/* Of the table's leaves only 7 has subleaves: leaves 1, 6 and 0x80000001
 * ignore ECX (SDM CPUID, APM Vol. 3 E.3), so whatever a guest leaves in
 * ECX it gets the same filtered answer (kvm-unit-tests asks for leaf 1
 * with ECX uninitialised: before, any ECX but 0 saw the host's leaf). */
static void filter_registers(uint32_t leaf, uint32_t sub, struct cpuid_regs *c)
{
	if (leaf != 7)
		sub = 0;
	for (unsigned i = 0; i < cpuid_feature_reg_count; i++) {
		const struct cpuid_feature_reg *f = &cpuid_feature_regs[i];
		uint32_t *r;

		if (f->leaf != leaf || f->subleaf != sub)
			continue;
		r = reg_of(c, f->reg);
		*r = (*r & f->allowed) | f->forced;
	}
}

/* Leaf 4 EAX: cores per package - 1 (31:26), threads sharing the cache
 * - 1 (25:14) (SDM CPUID, "Deterministic Cache Parameters"). */
#define L4_EAX_TOPOLOGY (0x3fu << 26 | 0xfffu << 14)
#define TOPOLOGY_SMT  1u
#define TOPOLOGY_CORE 2u

/* Leaf 0xB / 0x1F for a package of one core of one thread: levels SMT and
 * core, each of one logical processor and an APIC-ID shift of 0, then the
 * invalid level. EDX (the x2APIC ID) is the caller's (vmm_cpuid.c sets a
 * VM's). */
static struct cpuid_regs one_cpu_topology(uint32_t sub, uint32_t edx)
{
	struct cpuid_regs c = { .ecx = sub & 0xff, .edx = edx };

	if (sub < 2) {
		c.ebx = 1;
		c.ecx |= (sub == 0 ? TOPOLOGY_SMT : TOPOLOGY_CORE) << 8;
	}
	return c;
}

void cpuid_filter(uint32_t leaf, uint32_t sub, enum emul_vendor vendor,
		  struct cpuid_regs *c)
{
	/* The topology is one thread of one core, whatever the host has:
	 * each VM (and the control partition) has one vCPU, and the
	 * hypervisor runs on one CPU. */
	switch (leaf) {
	case 4:
		c->eax &= ~L4_EAX_TOPOLOGY;
		return;
	case 0xb:
	case 0x1f:
		*c = one_cpu_topology(sub, c->edx);
		return;
	case 0x8000001d:        /* AMD cache topology: TopoExt is hidden */
	case 0x8000001e:        /* AMD APIC/core/node IDs: likewise */
		*c = (struct cpuid_regs){ 0 };
		return;
	case 6:
		/* thermal and power management: ARAT only */
		*c = (struct cpuid_regs){ .eax = c->eax & L6_EAX };
		return;
	case 7:
		if (sub == 0)
			c->eax = c->eax < 1 ? c->eax : 1;  /* subleaves 0 and 1 */
		else if (sub > 1)
			*c = (struct cpuid_regs){ 0 };
		else
			c->ebx = c->ecx = c->edx = 0;
		break;
	case 0x5:               /* MONITOR/MWAIT */
	case 0xa:               /* architectural performance monitoring */
	case 0xd:               /* XSAVE state components */
	case 0xf:               /* RDT monitoring */
	case 0x10:              /* RDT allocation */
	case 0x12:              /* SGX */
	case 0x14:              /* processor trace */
	case 0x19:              /* Key Locker */
	case 0x1d:              /* AMX tiles */
	case 0x1e:              /* AMX TMUL */
	case 0x8000000a:        /* SVM */
	case 0x8000001f:        /* SME/SEV: Linux's decompressor would read
				 * SEV_STATUS (0xc0010131), which is #GP here */
	case 0x80000020:        /* AMD platform QoS */
	case 0x80000021:        /* AMD extended features 2 (AutoIBRS's EFER
				 * bit, MSR-backed controls) */
	case 0x80000022:        /* AMD PerfMonV2 */
		*c = (struct cpuid_regs){ 0 };
		return;
	case 0x80000007:
		/* EAX (AMD processor feedback) and ECX (power sample ratio) go too */
		*c = (struct cpuid_regs){ .edx = c->edx & E7_EDX_INVARIANT_TSC };
		return;
	case 0x80000008:
		c->ebx &= vendor == EMUL_VENDOR_AMD ? E8_EBX : 0;
		if (vendor == EMUL_VENDOR_AMD)
			c->ebx |= E8_EBX_NO_LMSLE;
		/* EDX: INVLPGB's count and RDPRU's highest register, both
		 * hidden (EBX bits 3, 4); reserved on Intel */
		c->edx = 0;
		/* ECX: one core (NC = 0), legacy APIC-ID sizing */
		c->ecx = 0;
		return;
	}
	filter_registers(leaf, sub, c);
}
