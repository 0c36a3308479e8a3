/*
 * Guest writes of CR4 under SVM, and of CR0 under shadow paging, both
 * intercepted (vcpu.c).
 *
 * CR4: the CPU would accept every bit it has itself, and the virtual CPU
 * has fewer (core/cpuid.c hides PKU, XSAVE, SMX, ...): the guest may set
 * exactly the bits its CPUID announces.
 *
 * CR0: under NPT the CPU's own (vcpu.c says why). Under shadow paging the
 * hardware's CR0 is not the guest's, so every write completes here with
 * the architecture's checks (core/cpu_rules.c), whatever the CPU under us
 * checks itself.
 *
 * The CPU checks only the privilege level before the intercept (APM Vol. 2
 * 15.7.1: instruction intercepts come after simple exceptions, before the
 * instruction's own checks), so the reserved-bit and consistency #GPs are
 * ours (core/cpu_rules.c).
 *
 * Without nested paging (shadow.c) the hardware's CR0, CR3 and CR4 are
 * not the guest's: MOV to CR3 and every read (MOV from CR0/CR3/CR4, SMSW)
 * exit too and complete here with the guest's values, and a write that
 * changes how the guest translates is taken by the shadow tables at once,
 * so that a PAE PDPTE with reserved bits faults in the instruction (SDM
 * Vol. 3 4.4.1).
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
#include "mmu/shadow.h"
#include "abi/errno.h"

#define TRAP_GP        13
#define MOV_TO_CR      EMUL_MAP_0F, 0x22, -1
#define MOV_FROM_CR    EMUL_MAP_0F, 0x20, -1
#define SMSW_REG       4        /* group 7's ModRM.reg for SMSW */
#define CR4_UMIP       (1ULL << 11)
#define CLTS           EMUL_MAP_0F, 0x06, -1
#define GROUP_7        EMUL_MAP_0F, 0x01, -1
#define LMSW_REG       6        /* group 7's ModRM.reg for LMSW */
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

/* Writes general-purpose register n (numbered as gpr() does). */
static void set_gpr(struct vcpu_regs *r, unsigned n, uint64_t val)
{
	uint64_t *regs[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
			       &r->rsi, &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11,
			       &r->r12, &r->r13, &r->r14, &r->r15 };
	*regs[n & 15] = val;
}

static bool in_64bit_mode(const struct vmcb_save *h)
{
	return (h->efer & EFER_LMA) && ((h->cs.attrib >> 9) & 1);
}

/*
 * LOCK MOV CRn: #UD on a CPU without AltMovCr8 (APM Vol. 3 MOV CRn), and a
 * CPU with it runs LOCK MOV CR0 as MOV CR8, which is not intercepted. The
 * #UD comes before any intercept on a CPU (APM Vol. 2 15.7.1); QEMU 7.2's
 * TCG takes the CR intercept first (cpuwalk.bin's altmovcr8 check shows
 * it under qemu-shadow): the #UD is raised here.
 */
static bool locked_mov_cr(const struct emul_insn *insn, struct vexit *e)
{
	if (!(insn->pfx & EMUL_PFX_LOCK))
		return false;
	e->reason = VEXIT_UNDEFINED;
	return true;
}

/* Bytes at RIP a CPU refuses with #UD (the decoder says so: LOCK SMSW,
 * LOCK LMSW, ...): QEMU 7.2 takes the CR intercept before that check. */
static bool undefined(int len, struct vexit *e)
{
	if (len != EMUL_E_UD)
		return false;
	e->reason = VEXIT_UNDEFINED;
	return true;
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
	if (emul_insn_is(insn, GROUP_7) && ((insn->modrm >> 3) & 7) == LMSW_REG) {
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
	if (undefined(len, e))
		return;
	if (len > 0 && locked_mov_cr(&insn, e))
		return;
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
	uint64_t old_cr0 = h->cr0, old_efer = h->efer;

	h->cr0 = cr0;
	h->efer = efer | EFER_SVME;
	if (svm_shadow_paging && svm_shadow_sync(v, sv, false) == -EINVAL) {
		h->cr0 = old_cr0;
		h->efer = old_efer;
		e->reason = VEXIT_EMULATED;
		svm_inject_exception(v, TRAP_GP, true, 0);
		return;
	}
	if (cr0 != old_cr0)
		flush_at_entry(sv);
	retire(v, e, len);
}

void svm_exit_cr4_write(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e)
{
	struct vmcb_save *h = &sv->vmcb->save;
	struct emul_insn insn;
	int len = svm_decode_at_rip(v, h, &insn);

	e->insn_len = 0;
	if (undefined(len, e))
		return;
	if (len <= 0 || !emul_insn_is(&insn, MOV_TO_CR) || insn.reg != 4) {
		/* the bytes changed under us (or cannot be read): report the
		 * exit rather than guess at an instruction */
		e->reason = VEXIT_UNKNOWN;
		return;
	}
	if (locked_mov_cr(&insn, e))
		return;
	uint64_t val = gpr(&v->regs, insn.rm);

	if (!in_64bit_mode(h))
		val = (uint32_t)val;
	e->reason = VEXIT_EMULATED;
	if (!cpu_rules_cr4_write(cpuid_rules(), h->cr4, val, h->cr3,
				 h->efer & ~EFER_SVME)) {
		svm_inject_exception(v, TRAP_GP, true, 0);
		return;
	}
	uint64_t old = h->cr4;

	h->cr4 = val;
	if (svm_shadow_paging && svm_shadow_sync(v, sv, false) == -EINVAL) {
		h->cr4 = old;
		svm_inject_exception(v, TRAP_GP, true, 0);
		return;
	}
	if (val != old)
		flush_at_entry(sv);
	retire(v, e, len);
}

/*
 * MOV to CR3 (shadow paging only). What the value may hold is
 * cpu_rules_cr3_write's (32 bits outside 64-bit mode; in it, bits above
 * the guest's MAXPHYADDR are #GP, APM Vol. 2 3.1.2). The TLB flush the
 * instruction implies comes at the next entry.
 */
void svm_exit_cr3_write(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e)
{
	struct vmcb_save *h = &sv->vmcb->save;
	struct emul_insn insn;
	int len = svm_decode_at_rip(v, h, &insn);

	e->insn_len = 0;
	if (undefined(len, e))
		return;
	if (len <= 0 || !emul_insn_is(&insn, MOV_TO_CR) || insn.reg != 3) {
		e->reason = VEXIT_UNKNOWN;
		return;
	}
	if (locked_mov_cr(&insn, e))
		return;
	uint64_t val, old = h->cr3;

	e->reason = VEXIT_EMULATED;
	if (!cpu_rules_cr3_write(cpuid_rules(), gpr(&v->regs, insn.rm), h->cr4,
				 in_64bit_mode(h), &val)) {
		svm_inject_exception(v, TRAP_GP, true, 0);
		return;
	}
	h->cr3 = val;
	if (svm_shadow_sync(v, sv, true) == -EINVAL) {
		h->cr3 = old;
		svm_inject_exception(v, TRAP_GP, true, 0);
		return;
	}
	sv->flush_on_entry = true;
	retire(v, e, len);
}

/* SMSW r16/r32/r64 (0F 01 /4, mod 3): CR0 cut to the operand size, a
 * 16-bit one leaving the rest of the register (SDM Vol. 2 SMSW); #GP(0)
 * above CPL 0 with CR4.UMIP. The memory form goes to the emulator, which
 * stores CR0[15:0] (emul/exec_sysreg.c). */
static void smsw(struct vcpu *v, const struct vmcb_save *h,
		 const struct emul_insn *insn, struct vexit *e, int len)
{
	struct vcpu_regs *r = &v->regs;

	if (insn->mod != 3) {
		e->reason = VEXIT_EMULATE;
		return;
	}
	e->reason = VEXIT_EMULATED;
	if ((h->cr4 & CR4_UMIP) && h->cpl > 0) {
		svm_inject_exception(v, TRAP_GP, true, 0);
		return;
	}
	uint64_t old = gpr(r, insn->rm);

	set_gpr(r, insn->rm, insn->opsize == 2 ? (old & ~0xffffULL) | (h->cr0 & 0xffff) :
			     insn->opsize == 4 ? (uint32_t)h->cr0 : h->cr0);
	retire(v, e, len);
}

/*
 * A read of CR0, CR3 or CR4 (shadow paging only): MOV from CRn, whose
 * destination takes the guest's value (64 bits in 64-bit mode, else 32,
 * APM Vol. 3 MOV CRn), or SMSW for CR0. Privilege was checked before the
 * intercept (APM Vol. 2 15.7.1).
 */
void svm_exit_cr_read(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e,
		      unsigned cr)
{
	const struct vmcb_save *h = &sv->vmcb->save;
	struct emul_insn insn;
	int len = svm_decode_at_rip(v, h, &insn);

	e->insn_len = 0;
	if (undefined(len, e))
		return;
	if (len > 0 && cr == 0 && emul_insn_is(&insn, GROUP_7) &&
	    ((insn.modrm >> 3) & 7) == SMSW_REG) {
		smsw(v, h, &insn, e, len);
		return;
	}
	if (len <= 0 || !emul_insn_is(&insn, MOV_FROM_CR) || insn.reg != cr) {
		e->reason = VEXIT_UNKNOWN;
		return;
	}
	if (locked_mov_cr(&insn, e))
		return;
	uint64_t val = cr == 0 ? h->cr0 : cr == 3 ? h->cr3 : h->cr4;

	set_gpr(&v->regs, insn.rm, in_64bit_mode(h) ? val : (uint32_t)val);
	retire(v, e, len);
}
