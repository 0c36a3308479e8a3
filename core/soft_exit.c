/*
 * Which exit a refused instruction stands for (see core/soft_exit.h).
 * Intel SDM Vol. 3 26.1.2 (instructions that cause VM exits
 * unconditionally: CPUID, INVD, VMCALL) and 26.1.3 (RDMSR, WRMSR and
 * WBINVD with BareKVM's controls: every MSR access exits, core/msr.c
 * serves it); Vol. 2 for the privilege checks (RDMSR, WRMSR, INVD,
 * WBINVD: #GP(0) above CPL 0, which the CPU checks before the exit).
 * RDTSC does not exit with BareKVM's controls: on the CPU it reads the
 * guest's TSC (host TSC plus the offset), which is what RDMSR of
 * IA32_TSC returns (SDM Vol. 3 18.17: the TSC is MSR 0x10), so in
 * software it takes that MSR's path; #GP(0) above CPL 0 with CR4.TSD
 * (Vol. 2 "RDTSC"). RDTSCP is hidden from the guest (core/cpuid_filter.c)
 * and #UD on the CPU (VMX's "enable RDTSCP" and SVM's intercept), so in
 * software too.
 */
#include "core/soft_exit.h"

#define OP_INVD   0x08
#define OP_WBINVD 0x09
#define OP_WRMSR  0x30
#define OP_RDMSR  0x32
#define OP_RDTSC  0x31
#define OP_CPUID  0xA2
#define OP_GRP7   0x01
#define MODRM_VMCALL 0xC1
#define MODRM_RDTSCP 0xF9
#define CR4_TSD (1ULL << 2)
#define MSR_IA32_TSC 0x10

static enum soft_exit privileged(unsigned cpl, struct vexit *e, enum vexit_reason reason)
{
	if (cpl > 0)
		return SOFT_GP;
	e->reason = reason;
	return SOFT_EXIT;
}

enum soft_exit soft_exit_of(const struct emul_insn *in, const struct vcpu_regs *r,
			    unsigned cpl, uint64_t cr4, struct vexit *e)
{
	if (in->map != EMUL_MAP_0F || in->vex != EMUL_VEX_NONE)
		return SOFT_NONE;
	*e = (struct vexit){ .insn_len = in->len };
	switch (in->opcode) {
	case OP_CPUID:
		e->reason = VEXIT_CPUID;
		return SOFT_EXIT;
	case OP_RDMSR:
		e->msr.index = (uint32_t)r->rcx;
		return privileged(cpl, e, VEXIT_MSR_READ);
	case OP_WRMSR:
		e->msr.index = (uint32_t)r->rcx;
		e->msr.value = (r->rdx << 32) | (uint32_t)r->rax;
		return privileged(cpl, e, VEXIT_MSR_WRITE);
	case OP_RDTSC:
		if ((cr4 & CR4_TSD) && cpl > 0)
			return SOFT_GP;
		e->msr.index = MSR_IA32_TSC;
		e->reason = VEXIT_MSR_READ;
		return SOFT_EXIT;
	case OP_INVD:
	case OP_WBINVD:
		return privileged(cpl, e, VEXIT_NOP);
	case OP_GRP7:
		if (in->modrm == MODRM_RDTSCP)
			return SOFT_UD;
		if (in->modrm != MODRM_VMCALL)
			return SOFT_NONE;
		e->reason = VEXIT_HYPERCALL;
		return SOFT_EXIT;
	default:
		return SOFT_NONE;
	}
}
