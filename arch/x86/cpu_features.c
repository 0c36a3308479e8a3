/*
 * Virtualization feature detection (see arch/x86/cpu_features.h).
 * SVM: AMD APM Vol. 2 15.4 and CPUID Fn8000_000A. VMX: Intel SDM Vol. 3
 * Appendix A (capability MSRs); a secondary control is available when its
 * allowed-1 bit (high dword of IA32_VMX_PROCBASED_CTLS2) is set.
 */
#include "arch/x86/cpu_features.h"
#include "arch/x86/cpu.h"
#include "core/lib.h"
#include "core/log.h"

#define CPUID1_ECX_VMX        (1u << 5)
#define CPUID81_ECX_SVM       (1u << 2)
#define CPUID81_EDX_NX        (1u << 20)
#define CPUID81_EDX_PDPE1GB   (1u << 26)
#define SVM_EDX_NP            (1u << 0)
#define SVM_EDX_NRIPS         (1u << 3)
#define SVM_EDX_FLUSH_BY_ASID (1u << 6)
#define SVM_EDX_DECODE_ASSISTS (1u << 7)
#define SVM_EDX_VMCB_CLEAN    (1u << 5)
#define VM_CR_SVMDIS          (1u << 4)

#define PROCBASED_SECONDARY         (1ULL << 31)
#define SECONDARY_EPT               (1u << 1)
#define SECONDARY_VPID              (1u << 5)
#define SECONDARY_UNRESTRICTED      (1u << 7)
#define EPT_CAP_2M                  (1ULL << 16)
#define EPT_CAP_1G                  (1ULL << 17)
#define EPT_CAP_AD                  (1ULL << 21)

static void read_identity(struct cpu_features *f)
{
	struct cpuid_regs r = cpuid(0);
	uint32_t max_ext;

	memcpy(f->vendor + 0, &r.ebx, 4);
	memcpy(f->vendor + 4, &r.edx, 4);
	memcpy(f->vendor + 8, &r.ecx, 4);
	f->vendor[12] = 0;
	f->intel = !strcmp(f->vendor, "GenuineIntel");
	f->amd = !strcmp(f->vendor, "AuthenticAMD");

	r = cpuid(1);
	f->stepping = r.eax & 0xf;
	f->family = (r.eax >> 8) & 0xf;
	f->model = (r.eax >> 4) & 0xf;
	if (f->family == 0xf)
		f->family += (r.eax >> 20) & 0xff;
	if (f->family >= 6)
		f->model |= ((r.eax >> 16) & 0xf) << 4;
	f->has_vmx = r.ecx & CPUID1_ECX_VMX;

	max_ext = cpuid(0x80000000).eax;
	if (max_ext >= 0x80000001) {
		r = cpuid(0x80000001);
		f->has_svm = r.ecx & CPUID81_ECX_SVM;
		f->nx = r.edx & CPUID81_EDX_NX;
		f->pdpe1gb = r.edx & CPUID81_EDX_PDPE1GB;
	}
	if (max_ext >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i);
			memcpy(f->brand + 16 * i, &r, 16);
		}
		f->brand[48] = 0;
	} else {
		memcpy(f->brand, "(no brand string)", 18);
	}
	f->phys_addr_bits = max_ext >= 0x80000008 ? (cpuid(0x80000008).eax & 0xff) : 36;
}

static void read_svm(struct svm_features *s, bool pdpe1gb)
{
	struct cpuid_regs r = cpuid(0x8000000a);

	s->revision = r.eax & 0xff;
	s->nasids = r.ebx;
	s->npt = r.edx & SVM_EDX_NP;
	s->nrip_save = r.edx & SVM_EDX_NRIPS;
	s->vmcb_clean = r.edx & SVM_EDX_VMCB_CLEAN;
	s->decode_assists = r.edx & SVM_EDX_DECODE_ASSISTS;
	s->flush_by_asid = r.edx & SVM_EDX_FLUSH_BY_ASID;
	/* Nested paging walks host-format tables: 2 MiB pages always, 1 GiB
	 * pages when the CPU supports them for its own paging (APM 15.25.1). */
	s->npt_2m = s->npt;
	s->npt_1g = s->npt && pdpe1gb;
	s->disabled_by_bios = rdmsr(MSR_VM_CR) & VM_CR_SVMDIS;
}

static void read_vmx(struct vmx_features *v)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	uint64_t basic = rdmsr(MSR_IA32_VMX_BASIC);
	uint64_t proc = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);

	v->disabled_by_bios = (fc & FEATURE_CONTROL_LOCK) &&
			      !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	v->vmcs_revision = basic & 0x7fffffff;
	if (!((proc >> 32) & PROCBASED_SECONDARY))
		return;
	uint32_t sec = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32;
	v->ept = sec & SECONDARY_EPT;
	v->vpid = sec & SECONDARY_VPID;
	v->unrestricted_guest = sec & SECONDARY_UNRESTRICTED;
	if (v->ept || v->vpid) {
		uint64_t cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
		v->ept_2m = v->ept && (cap & EPT_CAP_2M);
		v->ept_1g = v->ept && (cap & EPT_CAP_1G);
		v->ept_ad = v->ept && (cap & EPT_CAP_AD);
	}
}

void cpu_features_detect(struct cpu_features *f)
{
	memset(f, 0, sizeof(*f));
	read_identity(f);
	if (f->has_svm)
		read_svm(&f->svm, f->pdpe1gb);
	if (f->has_vmx)
		read_vmx(&f->vmx);
}

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

void cpu_features_print(const struct cpu_features *f)
{
	const char *brand = f->brand;

	while (*brand == ' ')
		brand++;
	printk("cpu: %s family %#x model %#x stepping %u \"%s\"\n", f->vendor,
	       f->family, f->model, f->stepping, brand);
	printk("cpu: %u physical address bits, NX %s, 1G pages %s\n",
	       f->phys_addr_bits, yn(f->nx), yn(f->pdpe1gb));
	if (f->has_svm) {
		const struct svm_features *s = &f->svm;
		printk("virt: SVM revision %u%s: NPT %s, ASIDs %u, NRIP-save %s, "
		       "VMCB clean bits %s, decode assists %s, flush-by-ASID %s\n",
		       s->revision, s->disabled_by_bios ? " (DISABLED by firmware)" : "",
		       yn(s->npt), s->nasids, yn(s->nrip_save), yn(s->vmcb_clean),
		       yn(s->decode_assists), yn(s->flush_by_asid));
		printk("virt: SVM nested pages: 2M %s, 1G %s; real-mode guests run natively\n",
		       yn(s->npt_2m), yn(s->npt_1g));
	}
	if (f->has_vmx) {
		const struct vmx_features *v = &f->vmx;
		printk("virt: VMX VMCS revision %#x%s: EPT %s, unrestricted guest %s, VPID %s\n",
		       v->vmcs_revision, v->disabled_by_bios ? " (DISABLED by firmware)" : "",
		       yn(v->ept), yn(v->unrestricted_guest), yn(v->vpid));
		printk("virt: VMX EPT pages: 2M %s, 1G %s, accessed/dirty bits %s\n",
		       yn(v->ept_2m), yn(v->ept_1g), yn(v->ept_ad));
	}
	if (!f->has_svm && !f->has_vmx)
		printk("virt: NONE: this CPU has neither VMX nor SVM; guests cannot run\n");
}
