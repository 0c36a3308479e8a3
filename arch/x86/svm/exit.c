/*
 * #VMEXIT decoding: the VMCB's exit code and info fields become a neutral
 * struct vexit (AMD APM Vol. 2 15.9-15.12 and Appendix C). Handling is
 * core's business; this file only says what happened.
 *
 * Without NRIP-save (QEMU TCG) the VMCB does not give the next RIP for
 * CPUID, HLT, VMMCALL and RDMSR/WRMSR: the instruction at RIP is fetched and
 * decoded with emul/, and checked to be the instruction the exit claims
 * (Xen's svm/emulate.c does the same). IOIO gives the next RIP in EXITINFO2.
 */
#include "arch/x86/svm/svm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "core/cpuid.h"
#include "core/guest_mem.h"
#include "core/lib.h"
#include "core/log.h"
#include "emul/emul.h"

#define NPF_PRESENT (1ULL << 0)
#define NPF_WRITE   (1ULL << 1)
#define NPF_FETCH   (1ULL << 4)

static uint64_t rip_linear(const struct vmcb_save *h)
{
	bool long64 = (h->efer & EFER_LMA) && ((h->cs.attrib >> 9) & 1);
	uint64_t la = h->cs.base + h->rip;

	return long64 ? la : (la & 0xffffffff);
}

/* Reads instruction bytes at CS:RIP with the paging state in the VMCB. */
static int fetch_at_rip(struct vcpu *v, const struct vmcb_save *h,
			uint8_t *buf, unsigned len)
{
	return guest_read_linear(v, h->cr0, h->cr3, h->cr4, h->efer, rip_linear(h),
				 buf, len);
}

/* The first n (1..3) bytes at p as a little-endian number. */
static inline uint32_t le_bytes(const uint8_t *p, unsigned n)
{
	return p[0] | (n > 1 ? (uint32_t)p[1] << 8 : 0) |
	       (n > 2 ? (uint32_t)p[2] << 16 : 0);
}

/* Decodes n fetched bytes in the guest's current mode and vendor. */
static int decode_bytes(const struct vmcb_save *h, const uint8_t *bytes, int n,
			struct emul_insn *insn)
{
	enum emul_mode mode = emul_mode_of(h->cr0, h->efer, h->rflags,
					   (h->cs.attrib >> 9) & 1,
					   (h->cs.attrib >> 10) & 1);

	return emul_decode(insn, bytes, (size_t)n, mode, cpuid_vendor());
}

/* The slow path of insn_len_checked(): the fetch cache missed or the bytes
 * at RIP are not the plain encoding. Reads them through the guest's page
 * tables (refilling the cache) and decodes them. */
static __attribute__((noinline)) uint32_t insn_len_decoded(struct vcpu *v,
		const struct vmcb_save *h, unsigned map, uint8_t opcode, int modrm,
		uint32_t plain, unsigned nplain)
{
	uint8_t bytes[15];
	struct emul_insn insn;
	int n = fetch_at_rip(v, h, bytes, sizeof(bytes));

	if (n <= 0)
		return 0;
	if ((unsigned)n >= nplain && le_bytes(bytes, nplain) == plain)
		return nplain;
	int len = decode_bytes(h, bytes, n, &insn);
	if (len <= 0 || !emul_insn_is(&insn, map, opcode, modrm))
		return 0;
	return (uint32_t)len;
}

int svm_decode_at_rip(struct vcpu *v, const struct vmcb_save *h,
		      struct emul_insn *insn)
{
	uint8_t bytes[15];
	int n = fetch_at_rip(v, h, bytes, sizeof(bytes));

	return n <= 0 ? 0 : decode_bytes(h, bytes, n, insn);
}

/* Length of the instruction at RIP if it is map/opcode/modrm; 0 when the
 * bytes are something else (e.g. the guest rewrote them), which core
 * treats as a failed exit.
 *
 * Fast path: the bytes at RIP, read through the still-valid fetch cache,
 * are exactly the unprefixed encoding. The first byte is then the opcode
 * (or the 0F escape), so there are no prefixes and the length is exact,
 * not a guess. Inlined at each call site so that the encoding is a
 * constant: this check is on every CPUID, MSR and hypercall exit. */
static inline __attribute__((always_inline)) uint32_t
insn_len_checked(struct vcpu *v, struct svm_vcpu *sv, unsigned map,
		 uint8_t opcode, int modrm)
{
	const struct vmcb_save *h = &sv->vmcb->save;
	unsigned n = 0;
	uint32_t plain = 0;

	if (svm_has_nrip_save() && sv->vmcb->control.next_rip > h->rip)
		return (uint32_t)(sv->vmcb->control.next_rip - h->rip);
	if (map == EMUL_MAP_0F)
		plain = 0x0f, n = 1;
	plain |= (uint32_t)opcode << (8 * n++);
	if (modrm >= 0)
		plain |= (uint32_t)modrm << (8 * n++);

	const uint8_t *at = guest_fetch_cached(v, h->cr0, h->cr3, h->cr4, h->efer,
					       rip_linear(h), n);
	if (at && le_bytes(at, n) == plain)
		return n;
	return insn_len_decoded(v, h, map, opcode, modrm, plain, n);
}

static void decode_ioio(struct svm_vcpu *sv, struct vexit *e)
{
	uint64_t info = sv->vmcb->control.exitinfo1;
	const struct vmcb_save *h = &sv->vmcb->save;

	e->reason = VEXIT_IO;
	e->io.port = info >> 16;
	e->io.in = info & SVM_IOIO_TYPE_IN;
	e->io.string = info & SVM_IOIO_STR;
	e->io.rep = info & SVM_IOIO_REP;
	e->io.size = (info & SVM_IOIO_SZ32) ? 4 : (info & SVM_IOIO_SZ16) ? 2 : 1;
	/* QEMU leaves the address-size bits 0 (docs/platforms.md): derive the
	 * address size of INS/OUTS from the mode and CS.D, ignoring 0x67. */
	if ((h->efer & EFER_LMA) && ((h->cs.attrib >> 9) & 1))
		e->io.addr_size = 8;
	else
		e->io.addr_size = ((h->cr0 & CR0_PE) && ((h->cs.attrib >> 10) & 1)) ? 4 : 2;
	e->insn_len = (uint32_t)(sv->vmcb->control.exitinfo2 - h->rip);
}

/* EXITINFO2 of a task-switch intercept (APM Vol. 2 15.14.2 ... Table
 * 15-9 "Task switch": EXITINFO1 holds the new TSS's selector). */
#define TS_IRET           (1ULL << 36)
#define TS_JMP            (1ULL << 38)
#define TS_HAS_ERROR_CODE (1ULL << 44)
#define TS_RF             (1ULL << 48)  /* RF for the outgoing TSS */
#define RFLAGS_RF_BIT     (1ULL << 16)
#define VEC_BP 3
#define VEC_OF 4

/* Is the instruction at RIP one that switches tasks as 'source' says
 * (CALL/JMP far: 9A / EA, or FF /3 / FF /5; IRET: CF; INT n, INT3,
 * INTO: CD, CC, CE)? For the last three, *vector is the one it raises. */
static bool switching_insn(const struct emul_insn *i, uint8_t source,
			   uint8_t *vector)
{
	unsigned reg = (i->modrm >> 3) & 7;
	bool ff = i->opcode == 0xff && i->has_modrm;

	if (i->map != EMUL_MAP_1B)
		return false;
	switch (source) {
	case TASK_FROM_CALL:
		return i->opcode == 0x9a || (ff && reg == 3);
	case TASK_FROM_JMP:
		return i->opcode == 0xea || (ff && reg == 5);
	case TASK_FROM_IRET:
		return i->opcode == 0xcf;
	default:
		*vector = i->opcode == 0xcd ? (uint8_t)i->imm :
			  i->opcode == 0xcc ? VEC_BP : VEC_OF;
		return i->opcode == 0xcd || i->opcode == 0xcc || i->opcode == 0xce;
	}
}

/* Is IDT entry 'vector' a task gate naming TSS 'selector' (SDM Vol. 3
 * 6.11: type 5, the TSS selector in bytes 2-3)? */
static bool idt_task_gate(struct vcpu *v, const struct vmcb_save *h,
			  unsigned vector, uint16_t selector)
{
	uint8_t g[8];

	if (vector * 8u + 7u > h->idtr.limit ||
	    guest_read_linear(v, h->cr0, h->cr3, h->cr4, h->efer,
			      (h->idtr.base + vector * 8u) & 0xffffffffu, g, 8) != 8)
		return false;
	return (g[5] & 0x1f) == 5 && (uint16_t)(g[2] | g[3] << 8) == selector;
}

/*
 * Bochs 2.7 records no event for INT n's own delivery: EXITINTINFO keeps
 * the last one it recorded (docs/platforms.md), e.g. the #DE of a DIV
 * before an INT 0 through the same task gate (kvm-unit-tests
 * taskswitch2), or a #UD before an INT 0x40 whose IDT read exits. A
 * hardware exception pushing no error code cannot arise at an INT n:
 * INT n faults only with #GP, #NP, #SS, #TS or #PF, which push one, and
 * a code breakpoint's #DB, which is left alone. So with INT n at RIP such
 * a report is stale, and the INT n is the event.
 */
static bool stale_exception_at_int_n(uint64_t exitintinfo, bool pushes_error,
				     const struct emul_insn *insn, int len)
{
	return (exitintinfo & SVM_EVTINJ_TYPE_MASK) == SVM_EVTINJ_TYPE_EXEPT &&
	       !pushes_error && (uint8_t)exitintinfo != TRAP_DB_VECTOR &&
	       len > 0 && insn->map == EMUL_MAP_1B && insn->opcode == 0xcd;
}

/* The event a switch through the IDT delivers: EXITINTINFO, checked
 * against the IDT, since Bochs leaves it stale when INT n is what
 * switches (docs/platforms.md); then the INT n, INT3 or INTO at RIP is
 * the event. False when neither names a task gate to this TSS. */
static bool gate_event(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e,
		       const struct emul_insn *insn, int len)
{
	const struct vmcb_control *c = &sv->vmcb->control;
	const struct vmcb_save *h = &sv->vmcb->save;
	uint32_t type = c->exitintinfo & SVM_EVTINJ_TYPE_MASK;
	uint8_t vector = (uint8_t)c->exitintinfo;

	e->task.vector = vector;
	e->task.soft = type == SVM_EVTINJ_TYPE_SOFT ||
		       (type == SVM_EVTINJ_TYPE_EXEPT &&
			(vector == VEC_BP || vector == VEC_OF));
	/* the switch pushes an error code only for a real exception */
	if (stale_exception_at_int_n(c->exitintinfo, c->exitinfo2 & TS_HAS_ERROR_CODE,
				     insn, len)) {
		e->task.vector = (uint8_t)insn->imm;
		e->task.soft = true;
	}
	if (!e->task.soft && !idt_task_gate(v, h, vector, e->task.selector)) {
		if (len <= 0 || !switching_insn(insn, TASK_FROM_GATE, &vector) ||
		    !idt_task_gate(v, h, vector, e->task.selector))
			return false;
		e->task.vector = vector;
		e->task.soft = true;
	}
	e->task.exception = type == SVM_EVTINJ_TYPE_EXEPT && !e->task.soft;
	e->task.external = !e->task.soft;
	e->task.has_error_code = e->task.exception && (c->exitinfo2 & TS_HAS_ERROR_CODE);
	e->task.error_code = e->task.has_error_code ? (uint32_t)c->exitinfo2 : 0;
	return true;
}

/*
 * A hardware task switch (APM Vol. 2 15.14.2). An event through a task
 * gate is in EXITINTINFO; the switch core performs delivers it, so it is
 * not injected again. The intercept is fault-like and gives no next RIP
 * (Xen found the same on hardware), so the length of CALL, JMP, IRET and
 * INT n / INT3 / INTO comes from decoding them at RIP; bytes that are not
 * such an instruction leave the exit unknown.
 */
static __attribute__((noinline)) void decode_task_switch(struct vcpu *v, struct svm_vcpu *sv,
						    struct vexit *e)
{
	const struct vmcb_control *c = &sv->vmcb->control;
	uint64_t info2 = c->exitinfo2;
	bool event = c->exitintinfo & SVM_EVTINJ_VALID;
	struct emul_insn insn;
	uint8_t vector;

	e->reason = VEXIT_TASK_SWITCH;
	e->task = (__typeof__(e->task)){ .selector = (uint16_t)c->exitinfo1 };
	e->task.source = (info2 & TS_IRET) ? TASK_FROM_IRET :
			 (info2 & TS_JMP) ? TASK_FROM_JMP :
			 event ? TASK_FROM_GATE : TASK_FROM_CALL;
	/* the EFLAGS image the old task is saved with has the RF the
	 * exit reports (set for a fault, APM Vol. 2 15.14.2, as SDM Vol. 3
	 * 17.3.1.1 says for a fault delivered through a task gate) */
	v->regs.rflags = (v->regs.rflags & ~RFLAGS_RF_BIT) |
			 ((info2 & TS_RF) ? RFLAGS_RF_BIT : 0);
	int len = svm_decode_at_rip(v, &sv->vmcb->save, &insn);
	if (e->task.source == TASK_FROM_GATE) {
		sv->vmcb->control.eventinj = 0;
		if (!gate_event(v, sv, e, &insn, len)) {
			e->reason = VEXIT_UNKNOWN;
			return;
		}
		if (e->task.external)
			return;
	}
	if (len <= 0 || !switching_insn(&insn, e->task.source, &vector))
		e->reason = VEXIT_UNKNOWN;
	else
		e->insn_len = (uint32_t)len;
}

/*
 * The event whose delivery a nested page fault interrupted (EXITINTINFO,
 * APM Vol. 2 15.7.2), for core to deliver through the emulator. A
 * software interrupt (INT n; QEMU also gives INT3 and INTO this type) or
 * a #BP/#OF (INT3, INTO on AMD CPUs) leaves RIP on its instruction, whose
 * length comes from decoding it there; 0 if the bytes are no such
 * instruction. A #DB is taken as a hardware one: ICEBP's leaves RIP past
 * it, as a trap's does, and its delivery differs from one in nothing.
 */
__attribute__((noinline)) void svm_npf_event(struct vcpu *v, struct svm_vcpu *sv,
					     struct vexit *e)
{
	uint64_t info = sv->vmcb->control.exitintinfo;
	uint32_t type = info & SVM_EVTINJ_TYPE_MASK;
	uint8_t vector = (uint8_t)info;
	struct emul_insn insn;
	int len;

	e->npf.event.vector = vector;
	e->npf.event.has_error_code = info & SVM_EVTINJ_VALID_ERR;
	e->npf.event.error_code = (uint32_t)(info >> 32);
	e->npf.event.insn_len = 0;
	e->npf.event.kind = type == SVM_EVTINJ_TYPE_INTR ? EMUL_EV_EXTINT :
			    type == SVM_EVTINJ_TYPE_NMI ? EMUL_EV_NMI : EMUL_EV_HWEXC;
	if (type == SVM_EVTINJ_TYPE_EXEPT && !(info & SVM_EVTINJ_VALID_ERR) &&
	    vector != VEC_BP && vector != VEC_OF) {
		len = svm_decode_at_rip(v, &sv->vmcb->save, &insn);
		if (stale_exception_at_int_n(info, false, &insn, len)) {
			e->npf.event.vector = (uint8_t)insn.imm;
			e->npf.event.kind = EMUL_EV_SOFTINT;
			e->npf.event.insn_len = (uint8_t)len;
		}
		return;
	}
	if (type != SVM_EVTINJ_TYPE_SOFT &&
	    !(type == SVM_EVTINJ_TYPE_EXEPT && (vector == VEC_BP || vector == VEC_OF)))
		return;
	e->npf.event.kind = EMUL_EV_SOFTINT;
	len = svm_decode_at_rip(v, &sv->vmcb->save, &insn);
	if (len <= 0 || insn.map != EMUL_MAP_1B)
		return;
	if (insn.opcode == 0xcd && (uint8_t)insn.imm == vector)
		e->npf.event.kind = EMUL_EV_SOFTINT;
	else if ((insn.opcode == 0xcc && vector == VEC_BP) ||
		 (insn.opcode == 0xce && vector == VEC_OF))
		e->npf.event.kind = EMUL_EV_SOFTEXC;
	else
		return;
	e->npf.event.insn_len = (uint8_t)len;
}

/* The guest's first MOV DR: from now on they run natively, and its DR0-DR3
 * are switched at entry (arch/x86/debugreg.h). The instruction is executed
 * again, without the intercept. */
static void svm_dr_go_live(struct svm_vcpu *sv)
{
	sv->vmcb->control.intercept_dr = 0;
	debugreg_guest_go_live(&sv->dr);
}

/* A machine check while the guest ran is the host's: its handler decides
 * (KVM does the same). The hypervisor has no recovery, so its handler
 * reports the crash dump and halts. */
static void svm_host_machine_check(void)
{
	__asm__ volatile("int $18");
}

/*
 * An external interrupt or NMI in EXITINTINFO is one the hypervisor
 * injected at this VMRUN: a physical one exits before its delivery starts
 * (the INTR and NMI intercepts). Bochs 2.7 reports INT n's delivery as an
 * external interrupt 0 when its IDT read makes a nested page fault (seen:
 * EXITINTINFO 0x80000000 for INT 0x40); such an entry is dropped, and the
 * instruction at RIP, which the CPU did not complete, runs again.
 */
static __attribute__((noinline)) void drop_uninjected_interrupt(struct svm_vcpu *sv)
{
	struct vmcb_control *c = &sv->vmcb->control;
	uint32_t type = c->exitintinfo & SVM_EVTINJ_TYPE_MASK;
	uint64_t mask = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_MASK | 0xff;

	if ((type == SVM_EVTINJ_TYPE_INTR || type == SVM_EVTINJ_TYPE_NMI) &&
	    (c->exitintinfo & mask) != (sv->entry_eventinj & mask))
		c->exitintinfo = 0;
}

void svm_decode_exit(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e)
{
	const struct vmcb_control *c = &sv->vmcb->control;
	uint64_t code = svm_exit_code(c);

	/* (a task switch checks a gate's event against the IDT itself) */
	if (__builtin_expect(c->exitintinfo & SVM_EVTINJ_VALID, 0) &&
	    code != SVM_EXIT_TASK_SWITCH)
		drop_uninjected_interrupt(sv);

	e->hw_reason = code;
	e->insn_len = 0;
	/* An event the exit interrupted is delivered again on the next entry
	 * (APM 15.7.2), so no interrupt or exception is ever lost. */
	if ((c->exitintinfo & SVM_EVTINJ_VALID) && code != SVM_EXIT_SHUTDOWN &&
	    code != SVM_EXIT_INVALID)
		sv->vmcb->control.eventinj = c->exitintinfo;
	/* after a triple fault nothing is re-delivered: the VMM inspects the
	 * state and may reset it with SET_REGS/SET_SREGS */
	if (code == SVM_EXIT_SHUTDOWN)
		sv->vmcb->control.eventinj = 0;
	switch (code) {
	case SVM_EXIT_IOIO:
		decode_ioio(sv, e);
		return;
	case SVM_EXIT_CPUID:
		e->reason = VEXIT_CPUID;
		e->insn_len = insn_len_checked(v, sv, EMUL_OPC_CPUID);
		return;
	case SVM_EXIT_HLT:
		e->reason = VEXIT_HLT;
		e->insn_len = insn_len_checked(v, sv, EMUL_OPC_HLT);
		return;
	case SVM_EXIT_VMMCALL:
		e->reason = VEXIT_HYPERCALL;
		e->insn_len = insn_len_checked(v, sv, EMUL_OPC_VMMCALL);
		return;
	case SVM_EXIT_MSR:
		e->reason = c->exitinfo1 ? VEXIT_MSR_WRITE : VEXIT_MSR_READ;
		e->msr.index = (uint32_t)v->regs.rcx;
		e->msr.value = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
		if (c->exitinfo1)
			e->insn_len = insn_len_checked(v, sv, EMUL_OPC_WRMSR);
		else
			e->insn_len = insn_len_checked(v, sv, EMUL_OPC_RDMSR);
		return;
	case SVM_EXIT_WRITE_CR0:
		svm_exit_cr0_write(v, sv, e);
		return;
	case SVM_EXIT_WRITE_CR4:
		svm_exit_cr4_write(v, sv, e);
		return;
	/* the intercepts of shadow paging (vcpu.c sets them without NPT) */
	case SVM_EXIT_WRITE_CR3:
		svm_exit_cr3_write(v, sv, e);
		return;
	case SVM_EXIT_READ_CR0:
	case SVM_EXIT_READ_CR3:
	case SVM_EXIT_READ_CR4:
		svm_exit_cr_read(v, sv, e, (unsigned)(code - SVM_EXIT_READ_CR0));
		return;
	case SVM_EXIT_INVLPG:
		/* no decode assists on QEMU: the emulator finds the address
		 * and calls back (core/emul_glue.c: shadow_invlpg) */
		e->reason = VEXIT_EMULATE;
		return;
	case SVM_EXIT_EXCP_BASE + TRAP_PF:
		svm_exit_shadow_pf(v, sv, e);
		return;
	case SVM_EXIT_NPF:
		e->reason = VEXIT_NPF;
		e->npf.gpa = c->exitinfo2;
		e->npf.present = c->exitinfo1 & NPF_PRESENT;
		e->npf.write = c->exitinfo1 & NPF_WRITE;
		e->npf.fetch = c->exitinfo1 & NPF_FETCH;
		e->npf.in_delivery = c->exitintinfo & SVM_EVTINJ_VALID;
		if (e->npf.in_delivery)
			svm_npf_event(v, sv, e);
		return;
	case SVM_EXIT_SHUTDOWN:
		e->reason = VEXIT_SHUTDOWN;
		return;
	case SVM_EXIT_TASK_SWITCH:
		decode_task_switch(v, sv, e);
		return;
	case SVM_EXIT_INVD:
		/* INVD would drop dirty lines of other VMs and ours (APM
		 * 15.9): guest RAM is write-back and coherent, so it is a no-op */
		e->reason = VEXIT_NOP;
		e->insn_len = insn_len_checked(v, sv, EMUL_OPC_INVD);
		return;
	case SVM_EXIT_IDTR_WRITE:
	case SVM_EXIT_GDTR_WRITE:
		/* LIDT/LGDT: the emulator checks the base, as a CPU does (a
		 * non-canonical one is #GP); QEMU's would take anything */
		e->reason = VEXIT_EMULATE;
		return;
	case SVM_EXIT_RDPMC:
		e->reason = VEXIT_RDPMC;
		e->insn_len = insn_len_checked(v, sv, EMUL_OPC_RDPMC);
		return;
	case SVM_EXIT_EXCP_BASE + TRAP_MC:
		svm_host_machine_check();
		e->reason = VEXIT_HOST_INTR;
		return;
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		e->reason = VEXIT_HOST_INTR;
		return;
	case SVM_EXIT_VINTR:
		e->reason = VEXIT_INTR_WINDOW;
		return;
	case SVM_EXIT_IRET:
		svm_exit_iret(v, sv, e);
		return;
	case SVM_EXIT_INVALID:
		e->reason = VEXIT_FAIL_ENTRY;
		return;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_XSETBV:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_RDTSCP:
	case SVM_EXIT_RDPRU:
		/* CPUID tells guests there is no SVM, XSAVE, MONITOR, RDTSCP
		 * or RDPRU (core/cpuid_filter.c): they get the #UD such a CPU
		 * gives. RDPRU would read the host's MPERF/APERF; the intercept
		 * bit is ignored by CPUs without RDPRU (KVM sets it always). */
		e->reason = VEXIT_UNDEFINED;
		return;
	default:
		if (code >= SVM_EXIT_READ_DR0 && code <= SVM_EXIT_WRITE_DR7) {
			svm_dr_go_live(sv);
			e->reason = VEXIT_EMULATED;    /* insn_len 0: executed again */
			return;
		}
		if (code == SVM_EXIT_EXCP_BASE + TRAP_DB_VECTOR &&
		    __builtin_expect(sv->nmi_step_tf != 0, 0)) {
			/* the NMI step's trap (vcpu.c): nothing else could
			 * raise one; the guest's DR6 as it was, and the NMI
			 * goes in at the next entry */
			sv->nmi_step_tf = 0;
			sv->vmcb->save.dr6 = sv->nmi_step_dr6;
			e->reason = VEXIT_EMULATED;     /* insn_len 0: RIP stays */
			return;
		}
		if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32) {
			e->reason = VEXIT_EXCEPTION;
			e->exc.vector = (uint32_t)(code - SVM_EXIT_EXCP_BASE);
			e->exc.error_code = (uint32_t)c->exitinfo1;
			e->exc.has_error_code = true;
			/* entering a #DB handler clears DR7.GD, so that it
			 * can use the debug registers (SDM 17.2.4); the
			 * intercept came first. Whatever the cause: Bochs
			 * does not write DR6 (BD) before the intercept */
			if (e->exc.vector == TRAP_DB_VECTOR)
				sv->vmcb->save.dr7 &= ~DR7_GD;
			e->exc.recursed = (c->exitintinfo & (SVM_EVTINJ_VALID | 0x7ffu)) ==
					  (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXEPT |
					   e->exc.vector);
			/* that delivery is not repeated (core reports it) */
			if (e->exc.recursed)
				sv->vmcb->control.eventinj = 0;
			return;
		}
		e->reason = VEXIT_UNKNOWN;
		return;
	}
}
