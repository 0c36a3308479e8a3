/*
 * VM-exit decoding: the exit reason and the exit-information fields
 * (Intel SDM Vol. 3 27.2, Appendix C) become a neutral struct vexit.
 * Handling is core's business; the few exits that are pure VMX
 * bookkeeping (control-register accesses to bits we own, VMX instructions
 * a guest cannot have, INVD) are finished here and the guest re-entered.
 *
 * Runs on the exit path with the vCPU's VMCS current and interrupts off:
 * no logging except for our own bugs. Instruction lengths always come
 * from the VM-exit instruction-length field (SDM 27.2.5).
 */
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/seg.h"
#include "arch/x86/cpu.h"
#include "core/log.h"
#include "core/vm.h"
#include "core/guest_mem.h"
#include "emul/emul.h"

#define TRAP_UD 6
#define TRAP_PF 14
#define TRAP_MC 18
#define DR6_EXIT_BITS 0x600fULL /* B0-B3, BD, BS */

/* Exit qualification for IO instructions (SDM Table 27-5) */
#define IOQ_SIZE(q)      (((q) & 7) + 1)        /* 0: 1 byte, 1: 2, 3: 4 */
#define IOQ_IN           (1u << 3)
#define IOQ_STRING       (1u << 4)
#define IOQ_REP          (1u << 5)
#define IOQ_PORT(q)      ((uint16_t)((q) >> 16))
/* VM-exit instruction information for INS/OUTS (SDM Table 27-8) */
#define INSN_INFO_ADDR_SIZE(i) (((i) >> 7) & 7)  /* 0: 16, 1: 32, 2: 64 bit */
/* Exit qualification for EPT violations (SDM Table 27-7) */
#define EPTQ_READ        (1u << 0)
#define EPTQ_WRITE       (1u << 1)
#define EPTQ_FETCH       (1u << 2)
#define EPTQ_PERMS       (7u << 3)      /* what the EPT entry allowed */

typedef enum vmx_exit_action (*vmx_exit_fn)(struct vcpu *v, struct vmx_vcpu *x,
					     struct vexit *e);

static uint32_t insn_len(void)
{
	return vmcs_read32(VMCS_EXIT_INSN_LEN);
}

/* A #DB exit leaves DR6 alone and says in the exit qualification what
 * the CPU would have set (SDM 27.1, Table 27-1): B0-B3, BD, BS. They go
 * into the guest's DR6 as the #DB would have put them (SDM 17.2.3: the
 * other bits stay; core reflects the #DB or reports it to the VMM). */
static void db_to_guest_dr6(struct vmx_vcpu *x)
{
	uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION) & DR6_EXIT_BITS;

	debugreg_guest_set_dr6(&x->dr, debugreg_dr6_after_db(debugreg_guest_dr6(&x->dr), q));
	/* entering a #DB handler clears DR7.GD, so that it can use the
	 * debug registers (SDM 17.2.4); the exit came first */
	vmcs_write(VMCS_GUEST_DR7, vmcs_read(VMCS_GUEST_DR7) & ~DR7_GD);
}

/*
 * "NMI unblocking due to IRET" (bit 12 of the exit interruption
 * information of an exception exit, of the qualification of an EPT
 * violation; SDM 27.2.2, 27.2.1): a guest IRET faulted, and the NMI
 * blocking it cleared must be put back if it runs again (SDM 31.7.1.2,
 * as KVM does). Only when no event was being delivered (the bit is
 * undefined then) and the instruction at RIP is an IRET: Bochs 2.7 sets
 * the bit at every IRET that ended NMI blocking and clears it only at the
 * next exit, so it also shows on the exit of a later instruction, where
 * blocking again would hold the guest's NMIs for ever.
 */
static bool iret_faulted(struct vcpu *v, uint32_t bits)
{
	uint8_t b[4];
	int n;

	if (!(bits & VMX_INFO_NMI_UNBLOCKED) ||
	    (vmcs_read32(VMCS_IDT_VECTORING_INFO) & VMX_INTR_VALID))
		return false;
	n = guest_fetch_insn(v, b, sizeof(b));
	for (int i = 0; i < n; i++) {
		if (b[i] == 0xcf)
			return true;
		/* operand size, REX.W: IRETD/IRETQ */
		if (b[i] != 0x66 && (b[i] & 0xf0) != 0x40)
			return false;
	}
	return false;
}

/* The delivery of a hardware exception raised this exception again. */
static bool recursed(uint32_t vector)
{
	uint32_t idt = vmcs_read32(VMCS_IDT_VECTORING_INFO);

	return (idt & (VMX_INTR_VALID | VMX_INTR_TYPE_MASK | 0xff)) ==
	       (VMX_INTR_VALID | VMX_INTR_TYPE_HW_EXC | vector);
}

static enum vmx_exit_action vmx_exit_exception(struct vcpu *v, struct vmx_vcpu *x,
					       struct vexit *e)
{
	uint32_t info = vmcs_read32(VMCS_EXIT_INTR_INFO);

	/* An NMI was the host's (NMI exiting): it is still the host's to
	 * handle, so it goes to the host's handler now, as KVM does; the
	 * handler's IRET ends the NMI blocking the exit left (SDM 27.5.5). */
	if ((info & VMX_INTR_TYPE_MASK) == VMX_INTR_TYPE_NMI) {
		__asm__ volatile("int $2");
		e->reason = VEXIT_HOST_INTR;
		return VMX_EXIT_TO_CORE;
	}
	e->reason = VEXIT_EXCEPTION;
	e->exc.vector = VMX_INTR_VECTOR(info);
	/* a machine check is the host's: its handler decides (KVM does the
	 * same); ours has no recovery, it dumps and halts */
	if (e->exc.vector == TRAP_MC) {
		__asm__ volatile("int $18");
		e->reason = VEXIT_HOST_INTR;
		return VMX_EXIT_TO_CORE;
	}
	/* only without EPT: the shadow tables' (exception bitmap, vcpu.c).
	 * A guest IRET that faulted cleared NMI blocking; it is blocked again
	 * for the IRET's re-execution, unless the #PF goes to the guest
	 * (shadow.c: reflect_pf), whose IRET then faulted (SDM 27.2.2). */
	if (e->exc.vector == TRAP_PF) {
		if (__builtin_expect(info & VMX_INFO_NMI_UNBLOCKED, 0) && iret_faulted(v, info))
			vmx_set_nmi_blocking(x, true);
		return vmx_exit_shadow_pf(v, x, e);
	}
	if (e->exc.vector == TRAP_DB_VECTOR)
		db_to_guest_dr6(x);
	/* ICEBP (INT1) exits on itself, RIP still at it, its #DB typed a
	 * privileged software exception (SDM Vol. 3C, "Information for VM
	 * Exits Due to Vectored Events"); that #DB is a trap: the handler
	 * core reflects it to must return past ICEBP (KVM steps over it too) */
	if ((info & VMX_INTR_TYPE_MASK) == VMX_INTR_TYPE_PRIV_SW_EXC)
		v->regs.rip += insn_len();
	e->exc.has_error_code = info & VMX_INTR_HAS_ERROR;
	e->exc.error_code = e->exc.has_error_code ? vmcs_read32(VMCS_EXIT_INTR_ERROR) : 0;
	e->exc.recursed = recursed(e->exc.vector);
	if (e->exc.recursed)    /* that delivery is not repeated (core reports it) */
		vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	return VMX_EXIT_TO_CORE;
}

/* The guest's first MOV DR: from now on they run natively, and its DR0-DR3
 * and DR6 are switched at entry (arch/x86/debugreg.h). The instruction is
 * executed again, without the exit. */
static enum vmx_exit_action vmx_exit_dr_access(struct vcpu *v, struct vmx_vcpu *x,
					       struct vexit *e)
{
	(void)v;
	(void)e;
	x->proc &= ~VMX_PROC_MOV_DR_EXIT;
	vmcs_write(VMCS_PROC_CONTROLS, x->proc);
	debugreg_guest_go_live(&x->dr);
	return VMX_EXIT_RESUME;
}

/* The counters a VM sees are core's (core/pmu.h). */
static enum vmx_exit_action vmx_exit_rdpmc(struct vcpu *v, struct vmx_vcpu *x,
					   struct vexit *e)
{
	(void)v;
	(void)x;
	e->reason = VEXIT_RDPMC;
	e->insn_len = insn_len();
	return VMX_EXIT_TO_CORE;
}

static enum vmx_exit_action vmx_exit_host_intr(struct vcpu *v, struct vmx_vcpu *x,
					       struct vexit *e)
{
	(void)v;
	(void)x;
	e->reason = VEXIT_HOST_INTR;    /* vmx_run took it already */
	return VMX_EXIT_TO_CORE;
}

static enum vmx_exit_action vmx_exit_shutdown(struct vcpu *v, struct vmx_vcpu *x,
					      struct vexit *e)
{
	(void)v;
	(void)x;
	e->reason = VEXIT_SHUTDOWN;
	return VMX_EXIT_TO_CORE;
}

static enum vmx_exit_action vmx_exit_intr_window(struct vcpu *v, struct vmx_vcpu *x,
						 struct vexit *e)
{
	(void)v;
	(void)x;
	e->reason = VEXIT_INTR_WINDOW;
	return VMX_EXIT_TO_CORE;
}

/* NMI-window exiting (vcpu.c: vmx_set_nmi_window): the NMI core latched
 * can go in now. */
static enum vmx_exit_action vmx_exit_nmi_window(struct vcpu *v, struct vmx_vcpu *x,
						struct vexit *e)
{
	(void)v;
	(void)x;
	e->reason = VEXIT_NMI_WINDOW;
	return VMX_EXIT_TO_CORE;
}

static enum vmx_exit_action vmx_exit_cpuid(struct vcpu *v, struct vmx_vcpu *x,
					   struct vexit *e)
{
	(void)v;
	(void)x;
	e->reason = VEXIT_CPUID;
	e->insn_len = insn_len();
	return VMX_EXIT_TO_CORE;
}

static enum vmx_exit_action vmx_exit_hlt(struct vcpu *v, struct vmx_vcpu *x,
					 struct vexit *e)
{
	(void)v;
	(void)x;
	e->reason = VEXIT_HLT;
	e->insn_len = insn_len();
	return VMX_EXIT_TO_CORE;
}

static enum vmx_exit_action vmx_exit_vmcall(struct vcpu *v, struct vmx_vcpu *x,
					    struct vexit *e)
{
	(void)v;
	(void)x;
	e->reason = VEXIT_HYPERCALL;
	e->insn_len = insn_len();
	return VMX_EXIT_TO_CORE;
}

/* INS/OUTS address size: from the instruction-information field when
 * IA32_VMX_BASIC[54] says it is filled, else from the mode and CS.D (an
 * address-size prefix is then core's decoder's to find). */
static uint8_t string_addr_size(const struct vmx_vcpu *x)
{
	uint32_t cs_ar;

	if (vmx_ctl.insouts_info)
		return (uint8_t)(2u << INSN_INFO_ADDR_SIZE(vmcs_read32(VMCS_EXIT_INSN_INFO)));
	cs_ar = vmcs_read32(VMCS_GUEST_SEG(VMCS_GUEST_ES_AR, VMX_SEG_CS));
	if ((vmx_guest_efer(x) & EFER_LMA) && (cs_ar & VMX_AR_L))
		return 8;
	if ((vmcs_read(VMCS_GUEST_CR0) & CR0_PE) && (cs_ar & VMX_AR_DB))
		return 4;
	return 2;
}

static enum vmx_exit_action vmx_exit_io(struct vcpu *v, struct vmx_vcpu *x,
					struct vexit *e)
{
	uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);

	(void)v;
	e->reason = VEXIT_IO;
	e->io.port = IOQ_PORT(q);
	e->io.size = (uint8_t)IOQ_SIZE(q);
	e->io.in = q & IOQ_IN;
	e->io.string = q & IOQ_STRING;
	e->io.rep = q & IOQ_REP;
	e->io.addr_size = e->io.string ? string_addr_size(x) : 0;
	e->insn_len = insn_len();
	return VMX_EXIT_TO_CORE;
}

static enum vmx_exit_action vmx_exit_msr(struct vcpu *v, struct vexit *e,
					 enum vexit_reason reason)
{
	e->reason = reason;
	e->msr.index = (uint32_t)v->regs.rcx;
	e->msr.value = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	e->insn_len = insn_len();
	return VMX_EXIT_TO_CORE;
}

static enum vmx_exit_action vmx_exit_rdmsr(struct vcpu *v, struct vmx_vcpu *x,
					   struct vexit *e)
{
	(void)x;
	return vmx_exit_msr(v, e, VEXIT_MSR_READ);
}

static enum vmx_exit_action vmx_exit_wrmsr(struct vcpu *v, struct vmx_vcpu *x,
					   struct vexit *e)
{
	(void)x;
	return vmx_exit_msr(v, e, VEXIT_MSR_WRITE);
}

/* The event whose delivery an EPT violation (or, without EPT, a shadow
 * page fault: shadow.c) interrupted (SDM Vol. 3 27.2.4): its interruption
 * type is enum emul_event_kind, and the exit's instruction length is that
 * of a software interrupt or exception (SDM 27.2.5). */
_Static_assert(VMX_INTR_TYPE_EXT >> 8 == EMUL_EV_EXTINT &&
	       VMX_INTR_TYPE_NMI >> 8 == EMUL_EV_NMI &&
	       VMX_INTR_TYPE_HW_EXC >> 8 == EMUL_EV_HWEXC &&
	       VMX_INTR_TYPE_SW_INT >> 8 == EMUL_EV_SOFTINT &&
	       VMX_INTR_TYPE_PRIV_SW_EXC >> 8 == EMUL_EV_ICEBP &&
	       VMX_INTR_TYPE_SW_EXC >> 8 == EMUL_EV_SOFTEXC,
	       "emul numbers event kinds as VMX interruption types");

__attribute__((noinline)) void vmx_exit_event(struct vexit *e)
{
	uint32_t idt = vmcs_read32(VMCS_IDT_VECTORING_INFO);
	uint32_t type = idt & VMX_INTR_TYPE_MASK;

	e->npf.event.vector = (uint8_t)VMX_INTR_VECTOR(idt);
	e->npf.event.kind = (uint8_t)(type >> 8);
	e->npf.event.has_error_code = idt & VMX_INTR_HAS_ERROR;
	e->npf.event.error_code = e->npf.event.has_error_code ?
				  vmcs_read32(VMCS_IDT_VECTORING_ERROR) : 0;
	e->npf.event.insn_len = 0;
	if (type == VMX_INTR_TYPE_SW_INT || type == VMX_INTR_TYPE_PRIV_SW_EXC ||
	    type == VMX_INTR_TYPE_SW_EXC)
		e->npf.event.insn_len = (uint8_t)insn_len();
}

static enum vmx_exit_action vmx_exit_ept_violation(struct vcpu *v, struct vmx_vcpu *x,
						   struct vexit *e)
{
	uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);

	(void)v;
	e->reason = VEXIT_NPF;
	/* the access of a guest IRET: its NMI blocking was cleared (SDM
	 * 27.2.1, Table 27-7 bit 12) but the IRET runs again (a dirty-log
	 * write) or in the emulator, which ends the blocking itself (MMIO:
	 * core's iret_outcome) */
	if (__builtin_expect(q & VMX_INFO_NMI_UNBLOCKED, 0) && iret_faulted(v, (uint32_t)q))
		vmx_set_nmi_blocking(x, true);
	e->npf.gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
	e->npf.write = q & EPTQ_WRITE;
	e->npf.fetch = q & EPTQ_FETCH;
	e->npf.present = q & EPTQ_PERMS;
	e->npf.in_delivery = vmcs_read32(VMCS_IDT_VECTORING_INFO) & VMX_INTR_VALID;
	if (e->npf.in_delivery)
		vmx_exit_event(e);
	return VMX_EXIT_TO_CORE;
}

/* An EPT entry we wrote is malformed (SDM 28.3.3.1): our bug, reported
 * as an unknown exit so the VM stops instead of the machine. */
static enum vmx_exit_action vmx_exit_ept_misconfig(struct vcpu *v, struct vmx_vcpu *x,
						   struct vexit *e)
{
	static unsigned logged;

	(void)x;
	if (logged++ < 4)
		printk("vmx: BUG: EPT misconfiguration at guest-physical %#lx "
		       "(VM %u)\n", vmcs_read(VMCS_GUEST_PHYS_ADDR), v->vm->id);
	e->reason = VEXIT_UNKNOWN;
	return VMX_EXIT_TO_CORE;
}

/* VMX instructions and XSETBV always exit in VMX non-root operation (SDM
 * 25.1.2), MONITOR and MWAIT with their controls (controls.c); CPUID tells
 * guests there is neither VMX, XSAVE nor MONITOR (core/cpuid.c), so they
 * get the #UD such a CPU gives. */
static enum vmx_exit_action vmx_exit_undefined(struct vcpu *v, struct vmx_vcpu *x,
					       struct vexit *e)
{
	(void)v;
	(void)x;
	e->reason = VEXIT_UNDEFINED;
	return VMX_EXIT_TO_CORE;
}

/* INVD exits unconditionally (SDM 25.1.2); guest RAM is ours and
 * write-back, so dropping dirty lines is never wanted: it is a no-op
 * (core steps over it, as on SVM). */
static enum vmx_exit_action vmx_exit_invd(struct vcpu *v, struct vmx_vcpu *x,
					  struct vexit *e)
{
	(void)v;
	(void)x;
	e->reason = VEXIT_NOP;
	e->insn_len = insn_len();
	return VMX_EXIT_TO_CORE;
}

/* Exit qualification for task switches (SDM Vol. 3 Table 28-2): the new
 * TSS's selector and what started the switch (enum task_source). */
#define TSQ_SELECTOR(q)  ((uint16_t)(q))
#define TSQ_SOURCE(q)    ((uint8_t)(((q) >> 30) & 3))
#define TSQ_SOURCE_GATE  3

/*
 * A hardware task switch (SDM Vol. 3 26.4.2: always exits). Through a task
 * gate in the IDT, the IDT-vectoring information names the event (SDM
 * 28.2.4); that event is delivered by the switch core performs, so it is
 * not injected again (reinject_interrupted_event() queued it). The
 * instruction length is valid for CALL, JMP, IRET and for software
 * interrupts and exceptions (SDM 28.2.5), not for other events.
 */
static enum vmx_exit_action vmx_exit_task_switch(struct vcpu *v, struct vmx_vcpu *x,
						 struct vexit *e)
{
	uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	uint32_t idt = vmcs_read32(VMCS_IDT_VECTORING_INFO);
	uint32_t type = idt & VMX_INTR_TYPE_MASK;
	bool event = TSQ_SOURCE(q) == TSQ_SOURCE_GATE && (idt & VMX_INTR_VALID);

	(void)v;
	e->reason = VEXIT_TASK_SWITCH;
	e->task.selector = TSQ_SELECTOR(q);
	e->task.source = TSQ_SOURCE(q);
	e->task.vector = event ? (uint8_t)VMX_INTR_VECTOR(idt) : 0;
	e->task.soft = event && (type == VMX_INTR_TYPE_SW_INT || type == VMX_INTR_TYPE_SW_EXC);
	e->task.exception = event && type == VMX_INTR_TYPE_HW_EXC;
	e->task.external = event && (type == VMX_INTR_TYPE_EXT ||
				     type == VMX_INTR_TYPE_NMI || e->task.exception);
	e->task.has_error_code = event && (idt & VMX_INTR_HAS_ERROR);
	e->task.error_code = e->task.has_error_code ?
			     vmcs_read32(VMCS_IDT_VECTORING_ERROR) : 0;
	if (!event || !e->task.external)
		e->insn_len = insn_len();
	if (event) {
		vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
		/* an NMI handler task runs with NMIs blocked until its IRET */
		if (type == VMX_INTR_TYPE_NMI)
			vmx_set_nmi_blocking(x, true);
	}
	return VMX_EXIT_TO_CORE;
}

/* Indexed by basic exit reason; an empty slot is VEXIT_UNKNOWN with the
 * reason in hw_reason (2.6.21 drivers/kvm/vmx.c did the same). */
static const vmx_exit_fn vmx_exit_handlers[VMX_NEXIT_REASONS] = {
	[VMX_EXIT_EXCEPTION_NMI] = vmx_exit_exception,
	[VMX_EXIT_EXTERNAL_INTR] = vmx_exit_host_intr,
	[VMX_EXIT_PREEMPTION_TIMER] = vmx_exit_host_intr,
	[VMX_EXIT_TRIPLE_FAULT] = vmx_exit_shutdown,
	[VMX_EXIT_INTR_WINDOW] = vmx_exit_intr_window,
	[VMX_EXIT_NMI_WINDOW] = vmx_exit_nmi_window,
	[VMX_EXIT_TASK_SWITCH] = vmx_exit_task_switch,
	[VMX_EXIT_CPUID] = vmx_exit_cpuid,
	[VMX_EXIT_HLT] = vmx_exit_hlt,
	[VMX_EXIT_INVD] = vmx_exit_invd,
	[VMX_EXIT_INVLPG] = vmx_exit_invlpg,    /* without EPT only */
	[VMX_EXIT_RDPMC] = vmx_exit_rdpmc,
	[VMX_EXIT_DR_ACCESS] = vmx_exit_dr_access,
	[VMX_EXIT_MWAIT] = vmx_exit_undefined,
	[VMX_EXIT_MONITOR] = vmx_exit_undefined,
	[VMX_EXIT_VMCALL] = vmx_exit_vmcall,
	[VMX_EXIT_VMCLEAR] = vmx_exit_undefined,
	[VMX_EXIT_VMLAUNCH] = vmx_exit_undefined,
	[VMX_EXIT_VMPTRLD] = vmx_exit_undefined,
	[VMX_EXIT_VMPTRST] = vmx_exit_undefined,
	[VMX_EXIT_VMREAD] = vmx_exit_undefined,
	[VMX_EXIT_VMRESUME] = vmx_exit_undefined,
	[VMX_EXIT_VMWRITE] = vmx_exit_undefined,
	[VMX_EXIT_VMXOFF] = vmx_exit_undefined,
	[VMX_EXIT_VMXON] = vmx_exit_undefined,
	[VMX_EXIT_INVEPT] = vmx_exit_undefined,
	[VMX_EXIT_INVVPID] = vmx_exit_undefined,
	[VMX_EXIT_XSETBV] = vmx_exit_undefined,
	[VMX_EXIT_CR_ACCESS] = vmx_exit_cr_access,
	[VMX_EXIT_IO] = vmx_exit_io,
	[VMX_EXIT_RDMSR] = vmx_exit_rdmsr,
	[VMX_EXIT_WRMSR] = vmx_exit_wrmsr,
	[VMX_EXIT_EPT_VIOLATION] = vmx_exit_ept_violation,
	[VMX_EXIT_EPT_MISCONFIG] = vmx_exit_ept_misconfig,
};

/* An event whose delivery the exit interrupted (SDM 27.2.4: IDT-vectoring
 * information) is delivered again on the next entry, so no interrupt or
 * exception is lost. After a triple fault nothing is:
 * the VMM inspects the state and may reset it. */
static void reinject_interrupted_event(struct vmx_vcpu *x, uint32_t basic)
{
	uint32_t idt = vmcs_read32(VMCS_IDT_VECTORING_INFO);
	uint32_t type = idt & VMX_INTR_TYPE_MASK;

	if (!(idt & VMX_INTR_VALID) || basic == VMX_EXIT_TRIPLE_FAULT)
		return;
	vmcs_write(VMCS_ENTRY_INTR_INFO, idt & (VMX_INTR_VALID | VMX_INTR_HAS_ERROR |
						VMX_INTR_TYPE_MASK | 0xff));
	if (idt & VMX_INTR_HAS_ERROR)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, vmcs_read32(VMCS_IDT_VECTORING_ERROR));
	if (type == VMX_INTR_TYPE_SW_INT || type == VMX_INTR_TYPE_PRIV_SW_EXC ||
	    type == VMX_INTR_TYPE_SW_EXC)
		vmcs_write(VMCS_ENTRY_INSN_LEN, insn_len());
	/* an NMI whose delivery the exit interrupted: not delivered, so not
	 * blocking yet, and entry refuses to inject one with the blocking
	 * bit set under virtual NMIs (SDM 26.3.1.5; KVM clears it too) */
	if (type == VMX_INTR_TYPE_NMI)
		vmx_set_nmi_blocking(x, false);
}

enum vmx_exit_action vmx_decode_exit(struct vcpu *v, struct vmx_vcpu *x,
				     uint32_t reason, struct vexit *e)
{
	uint32_t basic = VMX_EXIT_REASON_BASIC(reason);

	e->hw_reason = basic;
	e->insn_len = 0;
	reinject_interrupted_event(x, basic);
	if (basic < VMX_NEXIT_REASONS && vmx_exit_handlers[basic])
		return vmx_exit_handlers[basic](v, x, e);
	e->reason = VEXIT_UNKNOWN;
	return VMX_EXIT_TO_CORE;
}
