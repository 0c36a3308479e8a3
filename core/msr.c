/*
 * Guest MSR emulation (see core/msr.h). What 2.6.21 supported, with the
 * values it gave: the SYSCALL/SYSENTER MSRs, FS/GS bases, EFER, TSC and PAT
 * live in the backend's control structure; APIC base, MISC_ENABLE and
 * MTRR_DEF_TYPE are emulated here; MTRRCAP and the machine-check MSRs read
 * 0 and ignore writes, as do AMD's legacy performance counters
 * (core/pmu.h); 0xCD (FSB frequency) reads 3. MTRRCAP = 0 says there are
 * no variable or fixed MTRR ranges, so their MSRs are #GP, as on such a
 * CPU (2.6.21 read them as 0).
 *
 * Every value is checked here, once for both backends and for guest WRMSR
 * and KVM_SET_MSRS alike, against what a CPU with the guest's CPUID takes
 * (core/cpu_rules.h): a value it refuses is #GP for the guest and ends
 * KVM_SET_MSRS at that entry. The backends store what they are given.
 */
#include "core/msr.h"
#include "arch/x86/cpu.h"
#include "core/cpuid.h"
#include "core/log.h"
#include "core/pmu.h"
#include "core/vm.h"

#define MSR_IA32_TSC            0x00000010
#define MSR_IA32_APIC_BASE      0x0000001b
#define MSR_EBC_FREQUENCY_ID    0x000000cd
#define MSR_MTRRCAP             0x000000fe
#define MSR_IA32_SYSENTER_CS    0x00000174
#define MSR_IA32_SYSENTER_ESP   0x00000175
#define MSR_IA32_SYSENTER_EIP   0x00000176
#define MSR_IA32_MCG_CAP        0x00000179
#define MSR_IA32_MCG_STATUS     0x0000017a
#define MSR_IA32_MISC_ENABLE    0x000001a0
/* Its power-on value (SDM Vol. 4, IA32_MISC_ENABLE): fast strings
 * enabled, the default, which Linux on an Intel CPU otherwise reports as
 * "Disabled fast string operations" and answers by dropping ERMS and
 * REP_GOOD (CPUID shows ERMS); BTS and PEBS unavailable, read-only and
 * set, as debug store is hidden; performance monitoring (bit 7) not
 * available, as there is no PMU (core/pmu.c). */
#define MISC_ENABLE_FAST_STRING (1ULL << 0)
#define MISC_ENABLE_BTS_UNAVAIL (1ULL << 11)
#define MISC_ENABLE_PEBS_UNAVAIL (1ULL << 12)
#define MISC_ENABLE_RESET (MISC_ENABLE_FAST_STRING | MISC_ENABLE_BTS_UNAVAIL | \
			   MISC_ENABLE_PEBS_UNAVAIL)
#define MSR_MTRR_DEF_TYPE       0x000002ff
/* The microcode revision (Intel IA32_BIOS_SIGN_ID, AMD PATCH_LEVEL): no
 * microcode here; Linux writes 0 and reads it after CPUID(1) */
#define MSR_IA32_BIOS_SIGN_ID   0x0000008b
/* AMD family 0Fh/10h "interrupt pending message" (C1E control): Linux
 * reads it on the CPUs of AMD erratum 400; no C1E here, so 0 */
#define MSR_K8_INT_PENDING_MSG  0xc0010055
/* AMD's hardware configuration: every AMD CPU has it; Linux reads it (and
 * warns if TscFreqSel, bit 24, is clear: the TSC must count at the P0
 * frequency, as it does here) and may set bits; they change nothing here */
#define MSR_K7_HWCR             0xc0010015
#define HWCR_TSC_FREQ_SEL       (1ULL << 24)
/* AMD's northbridge configuration: Linux sets EnableCf8ExtCfg (bit 46) for
 * extended PCI configuration through 0xcf8; there is no PCI device here */
#define MSR_AMD64_NB_CFG        0xc001001f
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SFMASK              0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102

const uint32_t msr_index_list[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SFMASK, MSR_LSTAR,
	MSR_IA32_TSC, MSR_IA32_MISC_ENABLE,
};
const unsigned msr_index_count = sizeof(msr_index_list) / sizeof(msr_index_list[0]);

static bool reads_as_zero(uint32_t index)
{
	if (index == MSR_K8_INT_PENDING_MSG || index == MSR_AMD64_NB_CFG)
		return cpuid_vendor() == EMUL_VENDOR_AMD;
	if (pmu_is_inert_msr(index))
		return true;    /* AMD's legacy counters (core/pmu.h) */
	/* MCG_CAP says 0 banks: the bank MSRs (MC0_CTL, 0x400 up) are #GP,
	 * as on a CPU without them */
	return index == MSR_MTRRCAP || index == MSR_IA32_MCG_CAP ||
	       index == MSR_IA32_BIOS_SIGN_ID ||
	       index == MSR_IA32_MCG_STATUS;
}

void vcpu_msr_reset(struct vcpu *v)
{
	v->misc_enable = MISC_ENABLE_RESET;
}

int vcpu_msr_read(struct vcpu *v, uint32_t index, uint64_t *value)
{
	switch (index) {
	case MSR_IA32_APIC_BASE:
		*value = v->apic_base;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*value = v->misc_enable;
		return 0;
	case MSR_MTRR_DEF_TYPE:
		*value = v->mtrr_def_type;
		return 0;
	case MSR_EBC_FREQUENCY_ID:
		*value = 3;
		return 0;
	case MSR_K7_HWCR:
		if (cpuid_vendor() != EMUL_VENDOR_AMD)
			return virt->get_msr(v, index, value);
		*value = HWCR_TSC_FREQ_SEL;
		return 0;
	default:
		if (reads_as_zero(index)) {
			*value = 0;
			return 0;
		}
		return virt->get_msr(v, index, value);
	}
}

/* Logged, a few times per VM: the guest or its VMM has a bug worth
 * seeing, but a guest must not be able to flood the console. */
static int refuse(struct vcpu *v, uint32_t index, uint64_t value)
{
	if (v->vm->refused_values++ < 8)
		printk("vm%u: MSR %#x = %#lx refused: a CPU raises #GP for it\n",
		       v->vm->id, index, value);
	return -1;
}

/* IA32_APIC_BASE bits a CPU without x2APIC refuses (SDM Vol. 3A 11.4.4,
 * Figure 11-5): 0-7, 9, EXTD (10: CPUID hides x2APIC, core/cpuid.c) and
 * everything from MAXPHYADDR up. */
static uint64_t apic_base_reserved(void)
{
	unsigned maxphy = 36;

	if (cpuid_count(0x80000000, 0).eax >= 0x80000008)
		maxphy = cpuid_count(0x80000008, 0).eax & 0xff;
	if (maxphy < 36 || maxphy > 52)
		maxphy = 36;
	return 0xffULL | (1ULL << 9) | (1ULL << 10) | ~((1ULL << maxphy) - 1);
}

/* EFER against the vCPU's current EFER and CR0.PG (cpu_rules_efer_write). */
static int write_efer(struct vcpu *v, uint64_t value)
{
	struct vcpu_exec_state s;
	uint64_t efer;

	virt->get_exec_state(v, &s);
	if (!cpu_rules_efer_write(cpuid_rules(), s.efer, value, s.cr0 & CR0_PG, &efer))
		return refuse(v, MSR_EFER, value);
	return virt->set_msr(v, MSR_EFER, efer);
}

int vcpu_msr_write(struct vcpu *v, uint32_t index, uint64_t value)
{
	switch (index) {
	case MSR_EFER:
		return write_efer(v, value);
	case MSR_IA32_APIC_BASE:
		if (value & apic_base_reserved())
			return refuse(v, index, value);
		v->apic_base = value;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		v->misc_enable = value;
		return 0;
	case MSR_MTRR_DEF_TYPE:
		if (!cpu_rules_mtrr_def_type_valid(value))
			return refuse(v, index, value);
		v->mtrr_def_type = value;
		return 0;
	case MSR_K7_HWCR:
		if (cpuid_vendor() != EMUL_VENDOR_AMD)
			return virt->set_msr(v, index, value);
		return 0;               /* accepted, changes nothing (above) */
	default:
		if (pmu_is_inert_msr(index) && !pmu_write_valid(index, value))
			return refuse(v, index, value);
		if (reads_as_zero(index))
			return 0;
		if (!cpu_rules_msr_value_valid(cpuid_rules(), index, value))
			return refuse(v, index, value);
		return virt->set_msr(v, index, value);
	}
}
