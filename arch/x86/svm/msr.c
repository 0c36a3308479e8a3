/*
 * Guest MSRs held in the VMCB (AMD APM Vol. 2 15.5.1 and Appendix B). The
 * guest's EFER keeps SVME set for VMRUN; the guest never sees it. Values
 * arrive checked (core/msr.c): this file only stores them.
 */
#include "arch/x86/svm/svm.h"
#include "arch/x86/cpu.h"

#define MSR_IA32_TSC            0x00000010
#define MSR_IA32_SYSENTER_CS    0x00000174
#define MSR_IA32_SYSENTER_ESP   0x00000175
#define MSR_IA32_SYSENTER_EIP   0x00000176
#define MSR_IA32_PAT            0x00000277
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SFMASK              0xc0000084
#define MSR_FS_BASE             0xc0000100
#define MSR_GS_BASE             0xc0000101
#define MSR_KERNEL_GS_BASE      0xc0000102

static uint64_t read_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t *msr_slot(struct vmcb *vmcb, uint32_t index)
{
	struct vmcb_save *s = &vmcb->save;

	switch (index) {
	case MSR_IA32_SYSENTER_CS: return &s->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP: return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP: return &s->sysenter_eip;
	case MSR_IA32_PAT: return &s->g_pat;
	case MSR_STAR: return &s->star;
	case MSR_LSTAR: return &s->lstar;
	case MSR_CSTAR: return &s->cstar;
	case MSR_SFMASK: return &s->sfmask;
	case MSR_FS_BASE: return &s->fs.base;
	case MSR_GS_BASE: return &s->gs.base;
	case MSR_KERNEL_GS_BASE: return &s->kernel_gs_base;
	default: return 0;
	}
}

int svm_get_msr(struct vcpu *v, uint32_t index, uint64_t *value)
{
	struct vmcb *vmcb = ((struct svm_vcpu *)v->arch)->vmcb;
	uint64_t *slot = msr_slot(vmcb, index);

	if (index == MSR_EFER) {
		*value = vmcb->save.efer & ~EFER_SVME;
		return 0;
	}
	if (index == MSR_IA32_TSC) {
		*value = read_tsc() + vmcb->control.tsc_offset;
		return 0;
	}
	if (!slot)
		return -1;
	*value = *slot;
	return 0;
}

int svm_set_msr(struct vcpu *v, uint32_t index, uint64_t value)
{
	struct vmcb *vmcb = ((struct svm_vcpu *)v->arch)->vmcb;
	uint64_t *slot = msr_slot(vmcb, index);

	if (index == MSR_EFER) {
		vmcb->save.efer = value | EFER_SVME;
		return 0;
	}
	if (index == MSR_IA32_TSC) {
		vmcb->control.tsc_offset = value - read_tsc();
		return 0;
	}
	if (!slot)
		return -1;
	*slot = value;
	return 0;
}
