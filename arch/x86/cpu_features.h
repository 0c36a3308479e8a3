/*
 * What the CPU offers for virtualization, read once at boot from CPUID and
 * the VMX capability MSRs. The banner prints it; the backends choose from it.
 */
#ifndef ARCH_X86_CPU_FEATURES_H
#define ARCH_X86_CPU_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

struct svm_features {
	uint32_t revision;
	uint32_t nasids;
	bool npt, nrip_save, vmcb_clean, decode_assists, flush_by_asid;
	bool npt_2m, npt_1g;
	bool disabled_by_bios;          /* VM_CR.SVMDIS */
};

struct vmx_features {
	uint32_t vmcs_revision;
	bool ept, vpid, unrestricted_guest;
	bool ept_2m, ept_1g, ept_ad;
	bool disabled_by_bios;          /* IA32_FEATURE_CONTROL locked without VMX */
};

struct cpu_features {
	char vendor[13];
	char brand[49];
	uint32_t family, model, stepping;
	bool intel, amd;
	bool has_vmx, has_svm;
	bool pdpe1gb, nx;
	uint32_t phys_addr_bits;
	struct svm_features svm;
	struct vmx_features vmx;
};

void cpu_features_detect(struct cpu_features *f);
void cpu_features_print(const struct cpu_features *f);

#endif
