/*
 * Guest writes of CR0 and CR4 under SVM, both intercepted (vcpu.c).
 *
 * CR4: the CPU would accept every bit it has itself, and the virtual CPU
 * has fewer (core/cpuid.c hides PKU, XSAVE, SMX, ...): the guest may set
 * exactly the bits its CPUID announces.
 *
 * CR0: the CPU's own checks (NW without CD, bits 63:32, ...) would do, but
 * a CPU under us that skips them (QEMU 7.2's TCG takes MOV CR0 of NW
 * without CD) leaves a VMCB that VMRUN refuses: the guest's #GP becomes a
 * failed entry. Checking here makes the outcome the architecture's on
 * every CPU. CR0 writes are rare (mode switches; eager-FPU kernels never
 * touch TS), so the exit costs nothing that matters.
 *
 * The CPU checks only the privilege level before the intercept (APM Vol. 2
 * 15.7.1: instruction intercepts come after simple exceptions, before the
 * instruction's own checks), so the reserved-bit and consistency #GPs are
 * ours (core/cpu_rules.c).
 *
 * The source comes from decoding the instruction at RIP, on every CPU:
 * decode assists would name it, but QEMU TCG and Bochs' Phenom have none,
 * and one path is one path to test. MOV to CR0 and CLTS and LMSW with a
 * register operand complete here; LMSW with a memory operand goes to the
 * emulator, which reads it (emul/exec_lmsw.c).
 */
#include "arch/x86/svm/svm.h"
#include "arch/x86/cpu.h"
#include "core/cpuid.h"
#include "core/log.h"
#include "core/vm.h"
#include "emul/emul.h"

#define TRAP_GP        13
#define MOV_TO_CR      EMUL_MAP_0F, 0x22, -1
#define CLTS           EMUL_MAP_0F, 0x06, -1
#define LMSW           EMUL_MAP_0F, 0x01, 6
#define CR0_LMSW_BITS  0xfULL   /* PE, MP, EM, TS */

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

static bool in_64bit_mode(const struct vmcb_save *h)
{
	return (h->efer & EFER_LMA) && ((h->cs.attrib >> 9) & 1);
}

/* The instruction retired: RIP past it, core raises a TF trap if due. */
static void retire(struct vcpu *v, struct vexit *e, int len)
{
	e->reason = VEXIT_EMULATED;
	e->insn_len = (uint32_t)len;
	v->regs.rip += (uint32_t)len;
}

/* A real MOV to CR0/CR4 flushes what the changed bits affect (SDM Vol. 3
 * 4.10.4.1); VMRUN with new values in the VMCB does not: flush it all. */
static void flush_at_entry(struct svm_vcpu *sv)
{
	sv->slat_gen_seen = sv->vm->slat_gen - 1;
}

/* The value CR0 is asked to take, or false when the bytes at RIP are no
 * write of CR0 we complete here (*to_emulator: LMSW from memory). */
static bool cr0_source(const struct vcpu *v, const struct vmcb_save *h,
		       const struct emul_insn *insn, uint64_t *val, bool *to_emulator)
{
	*to_emulator = false;
	if (emul_insn_is(insn, MOV_TO_CR) && insn->reg == 0) {
		uint64_t src = gpr(&v->regs, insn->rm);
		*val = in_64bit_mode(h) ? src : (uint32_t)src;
		return true;
	}
	if (emul_insn_is(insn, CLTS)) {
		*val = h->cr0 & ~CR0_TS;
		return true;
	}
	if (emul_insn_is(insn, LMSW)) {
		if (insn->mod != 3) {
			*to_emulator = true;
			return false;
		}
		/* loads PE, MP, EM and TS; can set PE, not clear it */
		*val = (h->cr0 & ~CR0_LMSW_BITS) |
		       (gpr(&v->regs, insn->rm) & CR0_LMSW_BITS) | (h->cr0 & CR0_PE);
		return true;
	}
	return false;
}

void svm_exit_cr0_write(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e)
{
	struct vmcb_save *h = &sv->vmcb->save;
	struct emul_insn insn;
	int len = svm_decode_at_rip(v, h, &insn);
	bool to_emulator;
	uint64_t val, cr0, efer;

	e->insn_len = 0;
	if (len <= 0 || !cr0_source(v, h, &insn, &val, &to_emulator)) {
		/* LMSW from memory: the emulator; bytes that changed under
		 * us (or cannot be read): report, do not guess */
		e->reason = len > 0 && to_emulator ? VEXIT_EMULATE : VEXIT_UNKNOWN;
		return;
	}
	if (!cpu_rules_cr0_write(h->cr0, val, h->cr4, h->efer & ~EFER_SVME,
				 in_64bit_mode(h), &cr0, &efer)) {
		e->reason = VEXIT_EMULATED;
		svm_inject_exception(v, TRAP_GP, true, 0);
		return;
	}
	if (cr0 != h->cr0)
		flush_at_entry(sv);
	h->cr0 = cr0;
	h->efer = efer | EFER_SVME;
	retire(v, e, len);
}

void svm_exit_cr4_write(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e)
{
	struct vmcb_save *h = &sv->vmcb->save;
	struct emul_insn insn;
	int len = svm_decode_at_rip(v, h, &insn);

	e->insn_len = 0;
	if (len <= 0 || !emul_insn_is(&insn, MOV_TO_CR) || insn.reg != 4) {
		/* the bytes changed under us (or cannot be read): report the
		 * exit rather than guess at an instruction */
		e->reason = VEXIT_UNKNOWN;
		return;
	}
	uint64_t val = gpr(&v->regs, insn.rm);

	if (!in_64bit_mode(h))
		val = (uint32_t)val;
	e->reason = VEXIT_EMULATED;
	if (!cpu_rules_cr4_write(cpuid_rules(), h->cr4, val, h->cr3,
				 h->efer & ~EFER_SVME)) {
		svm_inject_exception(v, TRAP_GP, true, 0);
		return;
	}
	if (val != h->cr4)
		flush_at_entry(sv);
	h->cr4 = val;
	retire(v, e, len);
}
