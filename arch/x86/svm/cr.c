/*
 * Guest MOV to CR4 under SVM. CR4 writes are intercepted (vcpu.c) because
 * the CPU would accept every bit it has itself, and the virtual CPU has
 * fewer (core/cpuid.c hides PKU, XSAVE, SMX, ...): the guest may set
 * exactly the bits its CPUID announces. The CPU checks only the privilege
 * level before the intercept (APM Vol. 2 15.7.1: instruction intercepts
 * come after simple exceptions, before the instruction's own checks), so
 * the reserved-bit and consistency #GPs are ours (core/cpu_rules.c).
 *
 * The source register comes from decoding the instruction at RIP, on
 * every CPU: decode assists would name it, but QEMU TCG and Bochs'
 * Phenom have none, and one path is one path to test. MOV to CR4 is rare
 * (paging set-up, global TLB flushes), so the decode is cheap enough.
 */
#include "arch/x86/svm/svm.h"
#include "arch/x86/cpu.h"
#include "core/cpuid.h"
#include "core/log.h"
#include "core/vm.h"
#include "emul/emul.h"

#define TRAP_GP        13
#define MOV_TO_CR      EMUL_MAP_0F, 0x22, -1
#define CR4_NUMBER     4

/* General-purpose register n as the ModRM encoding numbers it (RAX, RCX,
 * RDX, RBX, RSP, RBP, RSI, RDI, R8-R15); svm_run has copied RAX and RSP
 * from the VMCB. */
static uint64_t gpr(const struct vcpu_regs *r, unsigned n)
{
	const uint64_t regs[16] = { r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp,
				    r->rsi, r->rdi, r->r8, r->r9, r->r10, r->r11,
				    r->r12, r->r13, r->r14, r->r15 };
	return regs[n & 15];
}

void svm_exit_cr4_write(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e)
{
	struct vmcb_save *h = &sv->vmcb->save;
	struct emul_insn insn;
	int len = svm_decode_at_rip(v, h, &insn);

	e->insn_len = 0;
	if (len <= 0 || !emul_insn_is(&insn, MOV_TO_CR) || insn.reg != CR4_NUMBER) {
		/* the bytes changed under us (or cannot be read): report the
		 * exit rather than guess at an instruction */
		e->reason = VEXIT_UNKNOWN;
		return;
	}
	bool long64 = (h->efer & EFER_LMA) && ((h->cs.attrib >> 9) & 1);
	uint64_t val = gpr(&v->regs, insn.rm);

	if (!long64)
		val = (uint32_t)val;
	e->reason = VEXIT_EMULATED;
	if (!cpu_rules_cr4_write(cpuid_rules(), h->cr4, val, h->cr3,
				 h->efer & ~EFER_SVME)) {
		svm_inject_exception(v, TRAP_GP, true, 0);
		return;
	}
	/* a real MOV to CR4 flushes what the changed bits affect (SDM Vol. 3
	 * 4.10.4.1); the CPU does nothing for us here, so flush it all */
	if (val != h->cr4)
		sv->slat_gen_seen = sv->vm->slat_gen - 1;  /* flush at entry */
	h->cr4 = val;
	e->insn_len = (uint32_t)len;
	v->regs.rip += (uint32_t)len;
}
