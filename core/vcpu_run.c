/*
 * The guest side of KVM_RUN (see core/vcpu_run.h). The order of input
 * processing and the meaning of every output field follow 2.6.21
 * (docs/hypercall-abi.md, "KVM_RUN"), with two documented improvements: the
 * instruction_length field is filled on both vendors, and string IO
 * reports the address size and segment the instruction really uses.
 */
#include "core/vcpu_run.h"
#include "core/fpu.h"
#include "core/pathcost.h"
#include "core/ctl.h"
#include "core/cpuid.h"
#include "core/guest_mem.h"
#include "core/lib.h"
#include "core/format.h"
#include "core/log.h"
#include "core/vm.h"
#include "abi/errno.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/serial.h"
#include "arch/x86/tsc.h"
#include "emul/emul.h"
#include "core/emul_glue.h"
#include "core/memory.h"
#include "core/msr.h"
#include "core/exc_reflect.h"
#include "core/pmu.h"
#include "arch/x86/debugreg.h"
#include "core/task_switch_exit.h"
#include "core/soft_exit.h"
#include "core/task_switch.h"

#define RFLAGS_DF (1ULL << 10)
#define TRAP_DB 1
#define TRAP_UD 6
#define RFLAGS_TF (1ULL << 8)
#define RFLAGS_RF (1ULL << 16)
#define TRAP_GP 13
#define TRAP_AC 17

void vcpu_reset_state(struct vcpu *v)
{
	const struct vcpu_segment data = { .limit = 0xffff, .type = 3,
					   .present = 1, .s = 1 };
	struct vcpu_sregs s = {
		.cs = { .base = 0xf0000, .limit = 0xffff, .selector = 0xf000,
			.type = 0xb, .present = 1, .s = 1 },
		.ds = data, .es = data, .fs = data, .gs = data, .ss = data,
		.tr = { .limit = 0xffff, .type = 3, .present = 1 },
		.ldt = { .limit = 0xffff, .type = 2, .present = 1 },
		.gdt = { 0, 0xffff }, .idt = { 0, 0xffff },
		.cr0 = 0x60000010, .apic_base = 0xfee00900,
	};

	virt->set_sregs(v, &s);
	v->apic_base = s.apic_base;
	vcpu_msr_reset(v);
	v->regs = (struct vcpu_regs){ .rdx = 0x600, .rip = 0xfff0, .rflags = 0x2 };
}

/* INS stores to ES:rDI; OUTS reads DS:rSI unless overridden. The decoder
 * gives the real address size and segment (QEMU's exit information leaves
 * them out, docs/platforms.md). Out of line: its frame is large, and the
 * exit path of IN and OUT should not pay for it. */
static __attribute__((noinline)) void fill_string_io(struct vcpu *v,
		const struct vexit *e, struct kvm_run *run)
{
	struct vcpu_sregs s;
	struct emul_insn insn;
	uint8_t bytes[EMUL_MAX_INSN_LEN];
	unsigned addr_bytes = e->io.addr_size;
	const struct vcpu_segment *seg;

	virt->get_sregs_exit(v, &s);
	seg = e->io.in ? &s.es : &s.ds;
	int n = guest_fetch_insn(v, bytes, sizeof(bytes));
	enum emul_mode mode = emul_mode_of(s.cr0, s.efer, v->regs.rflags, s.cs.l, s.cs.db);
	if (n > 0 && emul_decode(&insn, bytes, (size_t)n, mode, cpuid_vendor()) > 0) {
		addr_bytes = insn.addrsize;
		if (!e->io.in && (insn.pfx & EMUL_PFX_SEG)) {
			const struct vcpu_segment *segs[6] = { &s.es, &s.cs, &s.ss,
							       &s.ds, &s.fs, &s.gs };
			if (insn.seg < 6)
				seg = segs[insn.seg];
		}
	}
	uint64_t mask = addr_bytes == 8 ? ~0ULL : (1ULL << (8 * addr_bytes)) - 1;
	uint64_t offset = (e->io.in ? v->regs.rdi : v->regs.rsi) & mask;
	bool long64 = (s.efer & EFER_LMA) && s.cs.l;
	/* in 64-bit mode only FS and GS bases apply (SDM Vol. 1 3.4.2.1) */
	uint64_t base = (!long64 || seg == &s.fs || seg == &s.gs) ? seg->base : 0;
	run->io.address = base + offset;
	if (!long64)
		run->io.address &= 0xffffffff;
	run->io.count = e->io.rep ? (v->regs.rcx & mask) : 1;
}

static void fill_io(struct vcpu *v, const struct vexit *e, struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = e->io.in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = e->io.size;
	run->io.string = e->io.string;
	run->io.rep = e->io.rep;
	run->io.port = e->io.port;
	run->io.string_down = (v->regs.rflags & RFLAGS_DF) != 0;
	if (e->io.string) {
		fill_string_io(v, e, run);
		return;
	}
	run->io.count = 1;
	run->io.value = (uint32_t)v->regs.rax;
}

static int lowest_pending(const struct vcpu *v)
{
	for (int w = 0; w < 4; w++)
		if (v->irq_pending[w])
			return w * 64 + __builtin_ctzll(v->irq_pending[w]);
	return -1;
}

/* Is any vector queued? One test of the four words rather than a search:
 * the exit path asks on every exit. */
static inline bool irq_any(const struct vcpu *v)
{
	return (v->irq_pending[0] | v->irq_pending[1] | v->irq_pending[2] |
		v->irq_pending[3]) != 0;
}

bool vcpu_irq_queued(const struct vcpu *v)
{
	return irq_any(v);
}

/* Arms or disarms the interrupt-window exit, touching the backend only on
 * a change. */
static void irq_window(struct vcpu *v, bool on)
{
	if (v->irq_window_armed != on) {
		virt->set_irq_window(v, on);
		v->irq_window_armed = on;
	}
}

/*
 * Before each entry (docs/hypercall-abi.md, "KVM_RUN"): inject the lowest
 * queued
 * vector if the guest can take it now, else ask for an exit when it can.
 * Called only when there is something to do (irq_work).
 */
static void prepare_interrupts(struct vcpu *v, const struct kvm_run *run)
{
	int vec = lowest_pending(v);

	if (vec < 0 && !run->request_interrupt_window) {
		irq_window(v, false);   /* nothing to deliver any more */
		return;
	}
	bool can_take = (v->regs.rflags & RFLAGS_IF) && !virt->interrupt_shadow(v) &&
			!virt->event_pending(v);

	if (vec >= 0 && can_take) {
		virt->inject_irq(v, (uint8_t)vec);
		v->irq_pending[vec / 64] &= ~(1ULL << (vec % 64));
		vec = lowest_pending(v);
	}
	irq_window(v, vec >= 0 || run->request_interrupt_window);
}

/* Arms or disarms the NMI-window exit, touching the backend only on a
 * change. */
static void nmi_window(struct vcpu *v, bool on)
{
	if (!(v->nmi & VCPU_NMI_WINDOW_ARMED) != !on) {
		virt->set_nmi_window(v, on);
		v->nmi ^= VCPU_NMI_WINDOW_ARMED;
	}
}

/*
 * Before each entry with an NMI latched (KVM_NMI) or its window armed: the
 * NMI goes in now unless the guest blocks NMIs (an NMI handler before its
 * IRET, a shadow: virt_ops nmi_blocked) or an event is already being
 * delivered; RFLAGS.IF does not matter (Intel SDM Vol. 3 6.7, 6.8.1).
 * Otherwise the backend exits when the blocking ends. An NMI beats a
 * queued interrupt: prepare_interrupts, which runs after, finds the event
 * slot taken and waits for the window. Out of line: the entry path tests
 * one byte (v->nmi).
 */
static __attribute__((noinline)) void prepare_nmi(struct vcpu *v)
{
	if ((v->nmi & VCPU_NMI_PENDING) && !virt->event_pending(v) && !virt->nmi_blocked(v)) {
		virt->inject_nmi(v);
		v->nmi &= (uint8_t)~VCPU_NMI_PENDING;
	}
	nmi_window(v, v->nmi & VCPU_NMI_PENDING);
}

/* An NMI is latched and the guest does not block it: it ends a HLT. */
static bool nmi_deliverable(struct vcpu *v)
{
	return (v->nmi & VCPU_NMI_PENDING) && !virt->nmi_blocked(v);
}

void vcpu_queue_nmi(struct vcpu *v)
{
	v->nmi |= VCPU_NMI_PENDING;     /* a second one merges, as on the CPU */
}

/* Work for prepare_interrupts: a queued vector, a window the VMM wants, or
 * one still armed that must come off. The common case is none. */
static inline bool irq_work(const struct vcpu *v, const struct kvm_run *run)
{
	return irq_any(v) || run->request_interrupt_window || v->irq_window_armed;
}

/* The VMM asked for the window, nothing is queued, and it is open now. */
static bool window_open_for_vmm(struct vcpu *v, const struct kvm_run *run)
{
	return run->request_interrupt_window && !irq_any(v) &&
	       (v->regs.rflags & RFLAGS_IF) && !virt->interrupt_shadow(v);
}

/* debug_guest (request/kvm_vcpu.c) sets singlestep only with enabled. */
static inline bool single_stepping(const struct vcpu *v)
{
	return v->debug.singlestep;
}

/* An instruction finished outside the guest (emulated MMIO, MSRs, or
 * IO/CPUID completed through `emulated`): with TF it ends in a single-step
 * trap (SDM 17.3.1.4), which entering the guest would only raise after one
 * more instruction. So the trap is due now: KVM_DEBUG_GUEST's goes to the
 * VMM, the guest's own TF gets the #DB (DR6.BS) a CPU raises. */
static inline void retired_outside_guest(struct vcpu *v)
{
	if (single_stepping(v))
		v->step_trap_due = true;
	else if (__builtin_expect(v->regs.rflags & RFLAGS_TF, 0))
		virt->inject_db(v, DR6_BS);
}

/* An instruction the emulator retired: as retired_outside_guest, but the
 * guest's own trap is the emulator's verdict (res.tf_trap): TF as it was
 * when the instruction started (POPF or IRET may have changed it since,
 * SDM 17.3.1.4), none after MOV SS or POP SS, whose trap waits for the
 * next instruction (SDM 6.8.3; that one traps with TF still set, natively
 * or here; on VMX the entry carries it as a pending BS, vmx/vcpu.c
 * fix_interruptibility), none after INT n entered a handler. */
static inline void retired_by_emulator(struct vcpu *v, const struct vcpu_emul *ve)
{
	if (single_stepping(v))
		v->step_trap_due = true;
	else if (__builtin_expect(ve->res.tf_trap, 0))
		virt->inject_db(v, DR6_BS);
}

/* HLT stepped over for the VMM (2.6.21): with the guest's own TF its
 * single-step #DB comes at the wake-up, RIP past HLT (SDM 17.3.1.4),
 * before the interrupt that woke it (a trap on the previous instruction
 * outranks it, SDM 6.9). KVM_DEBUG_GUEST keeps 2.6.21's step semantics
 * for HLT (the VMM sees KVM_EXIT_HLT; fuzzcode ends its programs there). */
static inline void hlt_step_trap(struct vcpu *v)
{
	if (!single_stepping(v) && __builtin_expect(v->regs.rflags & RFLAGS_TF, 0))
		virt->inject_db(v, DR6_BS);
}

/* Reports the due single-step trap; returns 1 if there was one. */
static inline int report_step_trap(struct vcpu *v, struct kvm_run *run)
{
	if (__builtin_expect(!v->step_trap_due, 1))
		return 0;
	v->step_trap_due = false;
	if (!single_stepping(v))
		return 0;
	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->exit_reason = KVM_EXIT_DEBUG;
	run->instruction_length = 0;
	return 1;
}

/* KVM_EXIT_CPUID: the VMM answers in the kvm_run union and steps over
 * insn_len bytes at the next KVM_RUN (complete_previous_exit). */
static inline void fill_cpuid_exit(struct vcpu *v, const struct vexit *e,
				   struct kvm_run *run)
{
	run->exit_reason = KVM_EXIT_CPUID;
	run->cpuid.eax = (uint32_t)v->regs.rax;
	run->cpuid.ecx = (uint32_t)v->regs.rcx;
	run->cpuid.ebx = run->cpuid.edx = 0;
	run->cpuid.completed = 0;
	v->pending_insn_len = e->insn_len;
	v->pending_cpuid = true;
}

/* Describes an exit for the VMM. Always inlined: handle_exit's copy is on
 * every exit the VMM serves, and once stop_recursed became a second caller
 * GCC called it out of line, 14-15 more instructions on each OUT and CPUID
 * (`make bench`, qemu-max); stop_recursed's copy is on a cold path. */
static inline __attribute__((always_inline)) void
fill_exit(struct vcpu *v, const struct vexit *e, struct kvm_run *run)
{
	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->instruction_length = e->insn_len;
	v->pending_insn_len = 0;
	switch (e->reason) {
	case VEXIT_IO:
		fill_io(v, e, run);
		v->pending_insn_len = e->insn_len;
		break;
	case VEXIT_CPUID:
		fill_cpuid_exit(v, e, run);
		break;
	case VEXIT_INTR_WINDOW:
		run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		break;
	case VEXIT_HLT:
		run->exit_reason = KVM_EXIT_HLT;
		v->regs.rip += e->insn_len;     /* 2.6.21 steps past HLT itself */
		hlt_step_trap(v);
		break;
	case VEXIT_SHUTDOWN:
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		break;
	case VEXIT_EXCEPTION:
		if (e->exc.vector == TRAP_DB && v->debug.enabled) {
			run->exit_reason = KVM_EXIT_DEBUG;
			/* an execution breakpoint is a fault: continuing must not
			 * hit it again at once (RF, SDM 17.3.1.1) */
			v->resume_with_rf = true;
			break;
		}
		run->exit_reason = KVM_EXIT_EXCEPTION;
		run->ex.exception = e->exc.vector;
		run->ex.error_code = e->exc.error_code;
		break;
	case VEXIT_FAIL_ENTRY:
		run->exit_type = KVM_EXIT_TYPE_FAIL_ENTRY;
		/* SVM: 0xffffffff (VMEXIT_INVALID); VMX: the VM-instruction
		 * error, as 2.6.21 gave it, or the failed-entry exit reason */
		run->exit_reason = (uint32_t)e->hw_reason;
		break;
	default:
		run->exit_reason = KVM_EXIT_UNKNOWN;
		run->hw.hardware_exit_reason = (uint32_t)e->hw_reason;
		break;
	}
}

static void fill_outputs(struct vcpu *v, struct kvm_run *run)
{
	run->if_flag = (v->regs.rflags & RFLAGS_IF) != 0;
	/* 2.6.21: no STI/MOV-SS shadow and nothing queued; IF not included */
	run->ready_for_interrupt_injection = !virt->interrupt_shadow(v) &&
					     !irq_any(v);
	run->cr8 = virt->get_cr8(v);
	run->apic_base = v->apic_base;
}

/* Single-step sets TF|RF for the entry (docs/hypercall-abi.md, "Requests",
 * DEBUG_GUEST);
 * GET_REGS must not see them, so they are taken off again after.
 * debug_guest (request/kvm_vcpu.c) sets singlestep only with enabled, so
 * singlestep alone decides; the common case is one test of two flags. */
static inline void enter_debug_flags(struct vcpu *v)
{
	if (__builtin_expect(!(v->debug.singlestep | v->resume_with_rf), 1))
		return;
	if (v->debug.singlestep)
		v->regs.rflags |= RFLAGS_TF | RFLAGS_RF;
	else
		v->regs.rflags |= RFLAGS_RF;
	v->resume_with_rf = false;
}

static inline void leave_debug_flags(struct vcpu *v)
{
	if (v->debug.singlestep)
		v->regs.rflags &= ~(RFLAGS_TF | RFLAGS_RF);
}

/* Exit descriptions built by the MMIO path rather than from a vexit. */
static void fill_mmio(struct kvm_run *run, const struct emul_result *res, bool write)
{
	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->exit_reason = KVM_EXIT_MMIO;
	run->instruction_length = 0;
	run->mmio.phys_addr = res->gpa;
	run->mmio.len = res->len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, res->data, res->len);
}

/* An INS handed over whole, described as the hardware's exit would be
 * (fill_string_io): ES:rDI with the instruction's address size, RCX
 * elements with REP. The VMM takes the address size from the bytes at
 * CS:RIP, which it cannot read in MMIO, and falls back to the default: so
 * only an INS without 67h is handed over. */
static int emulated_ins_exit(struct vcpu *v, struct vcpu_emul *ve, struct kvm_run *run)
{
	const struct emul_insn *in = &ve->ctx.insn;
	uint64_t mask = in->addrsize == 8 ? ~0ULL : (1ULL << (8 * in->addrsize)) - 1;
	bool rep = in->pfx & (EMUL_PFX_REP | EMUL_PFX_REPNE);
	bool long64 = ve->cpu.mode == EMUL_MODE_LONG64;
	struct vcpu_segment es = { 0 };

	if (in->pfx & EMUL_PFX_ADSZ)
		return 0;
	if (!long64)            /* in 64-bit mode ES has no base */
		virt->get_segment(v, EMUL_SEG_ES, &es);
	run->io.string = 1;
	run->io.rep = rep;
	run->io.string_down = (v->regs.rflags & RFLAGS_DF) != 0;
	run->io.address = es.base + (v->regs.rdi & mask);
	if (!long64)
		run->io.address &= 0xffffffff;
	run->io.count = rep ? (v->regs.rcx & mask) : 1;
	return 1;
}

/*
 * Port IO of an emulated instruction (IN, OUT, INS or OUTS whose bytes are
 * in MMIO, an OUTS from MMIO): a KVM_EXIT_IO the VMM completes as it does
 * the hardware's, `emulated` stepping over. IN and INS are handed over
 * whole, nothing committed: RIP on them, the VMM puts the data in RAX or
 * memory (the emulator has checked the I/O permission and, for INS, that
 * the first element's destination is writable). An OUT is committed like
 * an MMIO write: the VMM sees one non-string OUT of the element, `emulated`
 * adds no length, and an OUTS with elements left goes on at the next
 * KVM_RUN. Returns 1 with *run filled, 0 if refused (INS with 67h).
 */
static int emulated_io_exit(struct vcpu *v, struct vcpu_emul *ve, struct kvm_run *run)
{
	const struct emul_insn *in = &ve->ctx.insn;
	const struct emul_result *res = &ve->res;
	bool ins = in->map == EMUL_MAP_1B && (in->opcode & 0xFE) == 0x6C;

	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = res->status == EMUL_IO_IN ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = res->size;
	run->io.string = 0;
	run->io.rep = 0;
	run->io.string_down = 0;
	run->io.port = res->port;
	run->io.count = 1;
	if (res->status == EMUL_IO_IN) {
		if (ins && !emulated_ins_exit(v, ve, run))
			return 0;
		if (!ins)
			run->io.value = (uint32_t)v->regs.rax;
		emul_abort(&ve->ctx);
		run->instruction_length = in->len;
		v->pending_insn_len = in->len;
		return 1;
	}
	run->instruction_length = 0;
	v->pending_insn_len = 0;
	run->io.value = 0;
	memcpy(&run->io.value, res->data, res->size);
	v->emul_continue = !res->retired;
	return 1;
}

struct vcpu_emul *vcpu_emul_get(struct vcpu *v)
{
	uint64_t pa;

	if (!v->emul) {
		_Static_assert(sizeof(struct vcpu_emul) <= 4096, "fits a frame");
		if (page_alloc(1, 1, &pa))
			return 0;
		v->emul = (void *)pa;
	}
	return v->emul;
}

static inline __attribute__((always_inline)) int
emul_outcome(struct vcpu *v, struct vcpu_emul *ve, struct kvm_run *run,
	     enum emul_status st, bool delivery, uint64_t hw_reason);

/*
 * One step of the emulator at RIP: MMIO, or an instruction the backend
 * hands over (VEXIT_EMULATE); or the next step of an event delivery that
 * made an MMIO exit. Returns 1 when *run describes an exit for the VMM, 0
 * to resume the guest.
 */
static int emulate_mmio(struct vcpu *v, struct kvm_run *run, uint64_t hw_reason)
{
	struct vcpu_emul *ve = vcpu_emul_get(v);

	if (!ve) {
		run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
		run->exit_reason = KVM_EXIT_UNKNOWN;
		run->hw.hardware_exit_reason = (uint32_t)hw_reason;
		return 1;
	}
	bool delivery = ve->delivering;         /* a delivery's MMIO round trip */
	return emul_outcome(v, ve, run, vcpu_emulate(v, ve), delivery, hw_reason);
}

/* The first step of delivering ve->event: once the emulator takes it on,
 * the backend must not deliver it again. Cold: out of line. */
static __attribute__((noinline)) int
deliver_event(struct vcpu *v, struct vcpu_emul *ve, struct kvm_run *run, uint64_t hw_reason)
{
	enum emul_status st = vcpu_deliver(v, ve);

	if (st != EMUL_UNSUPPORTED) {
		virt->drop_event(v);
		/* its handler (or handler task) runs with NMIs blocked */
		if (ve->event.kind == EMUL_EV_NMI)
			virt->nmi_delivered(v);
	}
	return emul_outcome(v, ve, run, st, true, hw_reason);
}

/* STI (that set IF), MOV SS or HLT run by the emulator (code in MMIO):
 * the interrupt shadow goes to the vCPU, which the next entry honours as
 * the CPU would have; HLT reaches the VMM as KVM_EXIT_HLT only with
 * nothing queued, like the hardware exit (handle_exit), and before a
 * KVM_DEBUG_GUEST step that is due (reported at the next KVM_RUN). */
static __attribute__((noinline)) int emulated_shadow_or_halt(struct vcpu *v,
		const struct vcpu_emul *ve, struct kvm_run *run)
{
	if (ve->res.shadow)
		virt->set_interrupt_shadow(v, ve->res.shadow == EMUL_SHADOW_MOV_SS);
	retired_by_emulator(v, ve);
	if (!ve->res.halted || irq_any(v) || nmi_deliverable(v))
		return 0;
	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->exit_reason = KVM_EXIT_HLT;
	run->instruction_length = 0;
	return 1;
}

/* Why the emulator refused, with the opcode it decoded (map, opcode,
 * ModRM.reg) when it got that far: what a user needs to report it. */
static __attribute__((noinline)) void log_refusal(struct vcpu *v, const struct vcpu_emul *ve,
						  bool delivery)
{
	const struct emul_insn *in = &ve->ctx.insn;
	static const char *const maps[] = { "", "0f ", "0f 38 ", "0f 3a " };
	char opc[24] = "";

	if (!delivery && in->map < 4 && (ve->res.reason == EMUL_R_OPCODE ||
					 ve->res.reason == EMUL_R_VEX ||
					 ve->res.reason == EMUL_R_MODE))
		fmt_snprintf(opc, sizeof(opc), ": %s%02x /%u", in->vex ? "vex " : maps[in->map],
			     in->opcode, in->has_modrm ? (in->modrm >> 3) & 7 : 0);
	printk("vm%u: cannot emulate the %s at RIP %#lx (%s%s)\n", v->vm->id,
	       delivery ? "event delivery touching MMIO" : "MMIO access", v->regs.rip,
	       ve->res.status == EMUL_IO_IN ? "INS with an address-size prefix" :
	       emul_reason_str(ve->res.reason), opc);
}

/*
 * An event (being delivered, or raised by INT n/INT3/INTO/INT1 the
 * emulator ran) reached a task gate the emulator read, from an IDT in
 * MMIO or for an instruction in MMIO; or the emulator ran a far JMP or
 * CALL to a TSS or task gate, or an IRET with NT = 1 (code in MMIO, the
 * back link of a TSS in MMIO read before the CPU's exit, or a CPU without the
 * task-switch intercept that faulted on a TSS in MMIO: QEMU's TCG) and
 * made the checks that come before the switch: the hardware task switch,
 * as after a task-switch exit (core/task_switch.c). The event is consumed
 * either way. Returns 1 when *run describes an exit for the VMM (an MMIO
 * access of the switch, memory it cannot use, a triple fault).
 */
static __attribute__((noinline)) int task_gate_switch(struct vcpu *v, struct vcpu_emul *ve,
						      struct kvm_run *run, bool delivery,
						      uint64_t hw_reason)
{
	const struct emul_task_gate *g = &ve->res.task_gate;
	bool soft = g->kind == EMUL_EV_SOFTINT || g->kind == EMUL_EV_SOFTEXC;
	struct task_switch ts = {
		.selector = g->tss_sel, .source = TASK_FROM_GATE,
		.vector = g->vector, .soft = soft, .gate_checked = true,
		/* EXT as the emulator's delivery has it (SDM Vol. 3 6.13) */
		.external = !soft, .has_error_code = g->has_error_code,
		.error_code = g->error_code,
		.insn_len = soft || g->kind == EMUL_EV_ICEBP ? g->insn_len : 0,
	};
	bool exception = g->kind == EMUL_EV_HWEXC;

	if (g->source != EMUL_TASK_EVENT) {
		ts = (struct task_switch){ .selector = g->tss_sel,
			.source = g->source == EMUL_TASK_CALL ? TASK_FROM_CALL :
				  g->source == EMUL_TASK_IRET ? TASK_FROM_IRET : TASK_FROM_JMP,
			.insn_len = g->insn_len };
		exception = false;
	}
	emul_abort(&ve->ctx);
	ve->delivering = false;
	if (delivery)
		virt->drop_event(v);
	return task_switch_perform(v, &ts, exception, hw_reason, run) == TASK_EXIT_TO_VMM;
}

/*
 * The delivery of an #AC raised #AC again (SDM Vol. 3A 6.15: its frame
 * pushed at CPL 3 with EFLAGS.AC and CR0.AM set, on a misaligned stack;
 * benign, so Table 6-5 delivers it serially: for ever, CVE-2015-5307).
 * On the CPU the exit's vectoring information says so and exc_reflect()
 * stops the VM; a delivery in software stops it the same way, with the
 * error code the emulator raised (EXT set, SDM 6.13). #AC is the only
 * benign exception an emulated delivery can raise.
 */
static bool delivery_recursed(const struct vcpu_emul *ve, bool delivery)
{
	return delivery && ve->event.kind == EMUL_EV_HWEXC &&
	       ve->event.vector == TRAP_AC && ve->res.event.vector == TRAP_AC;
}

static __attribute__((noinline)) int stop_recursed(struct vcpu *v, const struct vcpu_emul *ve,
						   struct kvm_run *run, uint64_t hw_reason)
{
	struct vexit e = { .reason = VEXIT_EXCEPTION, .hw_reason = hw_reason };

	e.exc.vector = ve->res.event.vector;
	e.exc.has_error_code = ve->res.event.has_error_code;
	e.exc.error_code = ve->res.event.error_code;
	e.exc.recursed = true;
	if (exc_reflect(v, &e))         /* never for a recursed one */
		return 0;
	fill_exit(v, &e, run);
	return 1;
}

/* An IRET the emulator ran ends NMI blocking, also when it faulted (SDM
 * Vol. 3 6.7.1; 27.2.3: a faulting IRET clears the blocking first). */
static __attribute__((noinline)) void iret_outcome(struct vcpu *v, const struct vcpu_emul *ve,
						   enum emul_status st, bool delivery)
{
	if (!delivery && ve->ctx.insn.map == EMUL_MAP_1B &&
	    (st == EMUL_DONE || st == EMUL_EXCEPTION))
		virt->iret_emulated(v);
}

/*
 * What an emulator step (an instruction's, or an event delivery's: no
 * instruction retires then, TF is clear in the handler) leaves to do.
 * Returns 1 when *run describes an exit for the VMM, 0 to resume.
 */
static inline __attribute__((always_inline)) int
emul_outcome(struct vcpu *v, struct vcpu_emul *ve, struct kvm_run *run,
	     enum emul_status st, bool delivery, uint64_t hw_reason)
{
	struct vcpu_sregs s;

	v->emul_hw_reason = (uint32_t)hw_reason;       /* for the round trips */
	switch (st) {
	case EMUL_DONE:
		if (delivery)
			return 0;
		if (__builtin_expect(ve->ctx.insn.opcode == 0xcf, 0))
			iret_outcome(v, ve, st, delivery);
		if (__builtin_expect(ve->res.shadow | ve->res.halted, 0))
			return emulated_shadow_or_halt(v, ve, run);
		retired_by_emulator(v, ve);
		return 0;
	case EMUL_MMIO_READ:
		v->mmio_read_pending = true;
		fill_mmio(run, &ve->res, false);
		return 1;
	case EMUL_MMIO_WRITE:
		/* the write is complete for the guest; a REP instruction with
		 * iterations left continues at the next KVM_RUN */
		v->emul_continue = !ve->res.retired;
		if (ve->res.retired && !delivery)
			retired_by_emulator(v, ve);
		fill_mmio(run, &ve->res, true);
		return 1;
	case EMUL_IO_IN:
	case EMUL_IO_OUT:
		if (emulated_io_exit(v, ve, run))
			return 1;
		goto refused;
	case EMUL_EXCEPTION:
		if (__builtin_expect(ve->ctx.insn.opcode == 0xcf, 0))
			iret_outcome(v, ve, st, delivery);
		if (__builtin_expect(delivery_recursed(ve, delivery), 0))
			return stop_recursed(v, ve, run, hw_reason);
		if (ve->res.event.vector == 14) {
			virt->get_sregs(v, &s);
			s.cr2 = ve->res.event.cr2;
			virt->set_sregs(v, &s);
		}
		virt->inject_exception(v, ve->res.event.vector,
				       ve->res.event.has_error_code,
				       ve->res.event.error_code);
		return 0;
	case EMUL_SHUTDOWN:
		/* a fault delivering #DF: a triple fault, as VEXIT_SHUTDOWN */
		run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		return 1;
	default:
		if (st == EMUL_UNSUPPORTED && (ve->res.reason == EMUL_R_TASK_GATE ||
					       ve->res.reason == EMUL_R_TASK_SWITCH))
			return task_gate_switch(v, ve, run, delivery, hw_reason);
	refused:
		if (v->vm->emul_failures++ < 8)
			log_refusal(v, ve, delivery);
		emul_abort(&ve->ctx);
		ve->delivering = false;
		break;
	}
	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->exit_reason = KVM_EXIT_UNKNOWN;
	run->hw.hardware_exit_reason = (uint32_t)hw_reason;
	return 1;
}

void vcpu_state_replaced(struct vcpu *v)
{
	task_switch_forget(v);
	if (!v->mmio_read_pending && !v->emul_continue)
		return;
	struct vcpu_emul *ve = v->emul;   /* set: it made that exit */

	v->mmio_read_pending = false;
	v->emul_continue = false;
	ve->delivering = false;
	emul_abort(&ve->ctx);
}

/* Inputs of KVM_RUN that finish what the previous exit started. Returns 1
 * if that already produced the next exit. */
static int complete_previous_exit(struct vcpu *v, struct kvm_run *run)
{
	struct vcpu_emul *ve = v->emul;
	/* read once: the control partition could change it meanwhile */
	uint32_t emulated = *(volatile uint32_t *)&run->emulated;

	if (emulated && v->pending_cpuid && run->cpuid.completed) {
		/* the results came back in the kvm_run union (no SET_REGS);
		 * CPUID zero-extends into the 64-bit registers */
		v->regs.rax = run->cpuid.eax;
		v->regs.rbx = run->cpuid.ebx;
		v->regs.rcx = run->cpuid.ecx;
		v->regs.rdx = run->cpuid.edx;
	}
	v->pending_cpuid = false;
	if (emulated) {
		v->regs.rip += v->pending_insn_len;
		v->pending_insn_len = 0;
		run->emulated = 0;
		if (!v->emul_continue)  /* else an OUTS goes on: not retired */
			retired_outside_guest(v);
	}
	if (v->task_mmio_pending)
		return task_switch_resume(v, run) == TASK_EXIT_TO_VMM;
	if (v->mmio_read_pending) {
		v->mmio_read_pending = false;
		/* without the data the guest re-executes and exits again */
		if (!run->mmio_completed ||
		    emul_complete_read(&ve->ctx, run->mmio.data, run->mmio.len)) {
			emul_abort(&ve->ctx);
			ve->delivering = false;
			return 0;
		}
		return emulate_mmio(v, run, v->emul_hw_reason);
	}
	if (v->emul_continue) {
		v->emul_continue = false;
		return emulate_mmio(v, run, v->emul_hw_reason);
	}
	return 0;
}

/*
 * Delivering an event (exception, interrupt) touched a GPA that is no
 * RAM: its frame went to a stack in MMIO, or the IDT, GDT or TSS lies
 * there. The instruction at RIP is not what touched MMIO (emulating it
 * would run it a second time): the emulator delivers the event itself
 * (emul_deliver_event()), the device taking the accesses through
 * KVM_EXIT_MMIO like an instruction's, and the backend forgets the event
 * it would have delivered again. What the emulator does not deliver (a
 * task gate whose TSS is in MMIO too, a software interrupt whose length
 * the backend could not tell) stays pending and the VMM gets an UNKNOWN exit, as KVM
 * reports KVM_INTERNAL_ERROR_DELIVERY_EV.
 */
static int delivery_touched_mmio(struct vcpu *v, const struct vexit *e, struct kvm_run *run)
{
	struct vcpu_emul *ve = vcpu_emul_get(v);
	bool soft = e->npf.event.kind == EMUL_EV_SOFTINT ||
		    e->npf.event.kind == EMUL_EV_SOFTEXC ||
		    e->npf.event.kind == EMUL_EV_ICEBP;

	if (ve && !(soft && !e->npf.event.insn_len)) {
		emul_abort(&ve->ctx);   /* nothing else is in progress */
		ve->delivering = true;
		ve->event = (struct emul_deliver){
			.vector = e->npf.event.vector,
			.kind = e->npf.event.kind,
			.has_error_code = e->npf.event.has_error_code,
			.insn_len = e->npf.event.insn_len,
			.error_code = e->npf.event.error_code,
		};
		return deliver_event(v, ve, run, e->hw_reason);
	}
	if (v->vm->emul_failures++ < 8)
		printk("vm%u: delivering an event touched MMIO at gpa %#lx (RIP %#lx): "
		       "not emulated\n", v->vm->id, e->npf.gpa, v->regs.rip);
	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->exit_reason = KVM_EXIT_UNKNOWN;
	run->hw.hardware_exit_reason = (uint32_t)e->hw_reason;
	return 1;
}

/* A nested page fault: a dirty-logging write, or MMIO. Returns 1 when *run
 * describes an exit. */
static int handle_npf(struct vcpu *v, const struct vexit *e, struct kvm_run *run)
{
	if (e->npf.write && vm_dirty_fault(v->vm, e->npf.gpa))
		return 0;
	/* one lookup: inlined twice, it cost every MMIO exit ~15 instructions */
	if (!vm_slot_at(v->vm, e->npf.gpa)) {
		if (e->npf.in_delivery)
			return delivery_touched_mmio(v, e, run);
		return emulate_mmio(v, run, e->hw_reason);
	}
	/* a fault on slot memory we mapped: our bug, not the guest's */
	printk("vm%u: unexpected nested page fault at gpa %#lx (RIP %#lx)\n",
	       v->vm->id, e->npf.gpa, v->regs.rip);
	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->exit_reason = KVM_EXIT_UNKNOWN;
	run->hw.hardware_exit_reason = (uint32_t)e->hw_reason;
	return 1;
}

/*
 * Shadow paging: the backend handed over a write to one of the guest's
 * page tables and the emulator refused the instruction (an SSE store, say,
 * to a page that was a table and is now data). The page stops being
 * shadowed (shadow_unprotect) and the instruction runs natively once the
 * retried fault makes its leaf writable. If the same instruction comes
 * back for the same page (it writes a table its own access walks
 * through), the VMM gets the
 * UNKNOWN exit the refusal made. Returns true to retry.
 */
static __attribute__((noinline)) bool unshadow_refused_write(struct vcpu *v,
							     const struct kvm_run *run)
{
	bool pending = v->shadow_pt_write;

	v->shadow_pt_write = false;
	uint64_t gfn = v->shadow_pt_write_gpa >> 12;

	if (!pending || run->exit_reason != KVM_EXIT_UNKNOWN ||
	    (v->shadow_unprotected_rip == v->regs.rip && v->shadow_unprotected_gfn == gfn) ||
	    vm_shadow_unprotect(v->vm, v->shadow_pt_write_gpa))
		return false;
	v->shadow_unprotected_rip = v->regs.rip;
	v->shadow_unprotected_gfn = gfn;
	return true;
}

/* KVM_BAREKVM_ALARM: the control partition's deadline has come. */
static bool alarm_due(const struct vcpu *v)
{
	return v->alarm_tsc && rdtsc() >= v->alarm_tsc;
}

/*
 * A guest's own VMCALL/VMMCALL: only the control partition's requests are
 * hypercalls (abi/hypercall.h). A guest gets what KVM gives for a number it
 * does not know, so a KVM-aware kernel carries on: RAX = -KVM_ENOSYS
 * (-1000), or -KVM_EPERM (-1) above CPL 0, cut to 32 bits outside 64-bit
 * mode (docs/hypercall-abi.md).
 */
#define KVM_ENOSYS 1000
#define KVM_EPERM 1
static __attribute__((noinline)) void guest_hypercall(struct vcpu *v, const struct vexit *e)
{
	struct vcpu_exec_state s;
	uint64_t ret = -(uint64_t)KVM_ENOSYS;

	if (!e->insn_len) {     /* cannot step over it */
		virt->inject_exception(v, TRAP_UD, false, 0);
		return;
	}
	virt->get_exec_state(v, &s);
	if ((s.cr0 & CR0_PE) && s.ss_dpl)
		ret = -(uint64_t)KVM_EPERM;
	if (!((s.efer & EFER_LMA) && s.cs_l))
		ret = (uint32_t)ret;
	if (v->vm->bad_hypercalls++ < 8)
		printk("vm%u: hypercall %#lx from a guest at RIP %#lx: RAX = %#lx\n",
		       v->vm->id, v->regs.rax, v->regs.rip, ret);
	v->regs.rax = ret;
	v->regs.rip += e->insn_len;
	retired_outside_guest(v);
}

/* RDMSR, RDPMC: the result in EDX:EAX (zero-extending), then past it. */
static inline void retire_with_edx_eax(struct vcpu *v, const struct vexit *e,
				       uint64_t value)
{
	v->regs.rax = (uint32_t)value;
	v->regs.rdx = value >> 32;
	v->regs.rip += e->insn_len;
	retired_outside_guest(v);
}

/* What the run loop does after an exit. */
enum exit_action {
	EXIT_RESUME,            /* handled here: re-enter the guest */
	EXIT_TO_VMM,            /* *run describes it for the VMM */
	EXIT_INTERRUPTED,       /* preempted with console input: -EINTR */
};

static int software_step(struct vcpu *v, struct vexit *e, struct kvm_run *run);

/* RDMSR and WRMSR through core/msr.c: #GP for what the virtual CPU
 * refuses, else the instruction retires. */
static inline void msr_read_exit(struct vcpu *v, const struct vexit *e)
{
	uint64_t value;

	if (vcpu_msr_read(v, e->msr.index, &value))
		virt->inject_exception(v, TRAP_GP, true, 0);
	else
		retire_with_edx_eax(v, e, value);
}

static inline void msr_write_exit(struct vcpu *v, const struct vexit *e)
{
	if (vcpu_msr_write(v, e->msr.index, e->msr.value)) {
		virt->inject_exception(v, TRAP_GP, true, 0);
	} else {
		v->regs.rip += e->insn_len;
		retired_outside_guest(v);
	}
}

/* Exits the hypervisor finishes itself; EXIT_TO_VMM for every other one
 * (fill_exit describes it then). One switch on the reason, so that an exit
 * handled here pays for a single dispatch. */
static enum exit_action handle_exit(struct vcpu *v, struct vexit *e,
				    struct kvm_run *run)
{
	switch (e->reason) {
	case VEXIT_MSR_READ:
		msr_read_exit(v, e);
		return EXIT_RESUME;
	case VEXIT_MSR_WRITE:
		msr_write_exit(v, e);
		return EXIT_RESUME;
	case VEXIT_HOST_INTR:
		/* the preemption tick: the control partition has work if its
		 * console has input or its alarm is due (docs/hypercall-abi.md,
		 * "KVM_RUN": -EINTR) */
		return serial_rx_ready() || alarm_due(v) ? EXIT_INTERRUPTED : EXIT_RESUME;
	case VEXIT_NPF:
		return handle_npf(v, e, run) ? EXIT_TO_VMM : EXIT_RESUME;
	case VEXIT_EMULATE:
		if (!emulate_mmio(v, run, e->hw_reason)) {
			v->shadow_pt_write = false;
			return EXIT_RESUME;
		}
		if (__builtin_expect(v->shadow_pt_write, 0) && unshadow_refused_write(v, run))
			return EXIT_RESUME;
		return EXIT_TO_VMM;
	case VEXIT_INTR_WINDOW:
		/* with a queued vector: inject it on the way back in */
		if (irq_any(v))
			return EXIT_RESUME;
		break;
	case VEXIT_NMI_WINDOW:
		return EXIT_RESUME;     /* prepare_nmi injects it */
	case VEXIT_HLT:
		/* The bytes at RIP are not a HLT the CPU would run: QEMU takes
		 * the HLT intercept for LOCK HLT, which a CPU refuses with #UD
		 * first (SDM Vol. 2 "LOCK"). The emulator runs what is there. */
		if (!e->insn_len)
			return emulate_mmio(v, run, e->hw_reason) ? EXIT_TO_VMM : EXIT_RESUME;
		/* 2.6.21: HLT reaches the VMM only when nothing is queued;
		 * an NMI the guest can take ends the HLT too */
		if (irq_any(v) || (__builtin_expect(v->nmi, 0) && nmi_deliverable(v))) {
			v->regs.rip += e->insn_len;
			hlt_step_trap(v);
			return EXIT_RESUME;
		}
		break;
	case VEXIT_UNDEFINED:
		virt->inject_exception(v, TRAP_UD, false, 0);
		return EXIT_RESUME;
	case VEXIT_RDPMC: {
		/* only AMD's inert legacy counters exist (core/pmu.h) */
		uint64_t value;
		if (!pmu_rdpmc(v, (uint32_t)v->regs.rcx, &value) || !e->insn_len)
			virt->inject_exception(v, TRAP_GP, true, 0);
		else
			retire_with_edx_eax(v, e, value);
		return EXIT_RESUME;
	}
	case VEXIT_NOP:
		if (!e->insn_len)
			break;          /* cannot step over it: UNKNOWN */
		v->regs.rip += e->insn_len;
		retired_outside_guest(v);
		return EXIT_RESUME;
	case VEXIT_EXCEPTION:
		if (exc_reflect(v, e))
			return EXIT_RESUME;
		break;
	case VEXIT_TASK_SWITCH:
		/* no single-step trap follows: a task switch discards the
		 * old task's (the new task's TSS T bit would raise its own
		 * #DB; Bochs's task_switch models the same) */
		return task_switch_exit(v, e, run) == TASK_EXIT_TO_VMM ?
		       EXIT_TO_VMM : EXIT_RESUME;
	case VEXIT_EMULATED:
		if (e->insn_len)
			retired_outside_guest(v);
		return EXIT_RESUME;
	case VEXIT_HYPERCALL:
		guest_hypercall(v, e);
		return EXIT_RESUME;
	case VEXIT_SOFTWARE:
		return software_step(v, e, run) ? EXIT_TO_VMM : EXIT_RESUME;
	default:
		break;
	}
	if (e->insn_len == 0 && (e->reason == VEXIT_IO || e->reason == VEXIT_CPUID ||
				 e->reason == VEXIT_NOP)) {
		/* cannot step over what we cannot decode: let the VMM see it
		 * as an unknown exit rather than loop */
		e->reason = VEXIT_UNKNOWN;
	}
	fill_exit(v, e, run);
	return EXIT_TO_VMM;
}

/* The exit a CPU would have made for an instruction the guest ran in
 * software (core/soft_exit.c: CPUID, RDMSR, WRMSR, VMCALL, INVD and
 * WBINVD), finished as handle_exit finishes it; not through handle_exit,
 * whose code the run loop inlines. Returns 1 when *run describes an exit
 * for the VMM. */
static int software_exit(struct vcpu *v, const struct vexit *e, struct kvm_run *run)
{
	switch (e->reason) {
	case VEXIT_CPUID:
		run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
		run->instruction_length = e->insn_len;
		fill_cpuid_exit(v, e, run);
		return 1;
	case VEXIT_MSR_READ:
		msr_read_exit(v, e);
		return 0;
	case VEXIT_MSR_WRITE:
		msr_write_exit(v, e);
		return 0;
	case VEXIT_HYPERCALL:
		guest_hypercall(v, e);
		return 0;
	default:                /* VEXIT_NOP */
		v->regs.rip += e->insn_len;
		retired_outside_guest(v);
		return 0;
	}
}

/* An instruction the emulator does not run, met in software: the VMM gets
 * KVM_EXIT_UNKNOWN (as for MMIO it refuses), the log says which. */
static __attribute__((noinline)) int software_refused(struct vcpu *v, struct vcpu_emul *ve,
						      struct kvm_run *run, uint64_t hw_reason)
{
	const struct emul_insn *in = &ve->ctx.insn;

	if (v->vm->emul_failures++ < 8)
		printk("vm%u: cannot run the instruction at RIP %#lx in software "
		       "(%s: map %u opcode %#x /%u)\n", v->vm->id, v->regs.rip,
		       emul_reason_str(ve->res.reason), in->map, in->opcode,
		       in->has_modrm ? (in->modrm >> 3) & 7 : 0);
	emul_abort(&ve->ctx);
	run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
	run->exit_reason = KVM_EXIT_UNKNOWN;
	run->hw.hardware_exit_reason = (uint32_t)hw_reason;
	return 1;
}

/*
 * The guest runs in software while the backend cannot enter its state
 * (VEXIT_SOFTWARE: VMX without unrestricted guest in real mode, unpaged
 * protected mode, or with segments VM entry refuses, SDM Vol. 3 26.3.1).
 * One step: the event the entry would have delivered (an interrupt core
 * injected, an exception), else one instruction through the emulator. An
 * instruction the CPU would have exited on (CPUID, MSRs, INVD, ...) takes
 * that exit's path (core/soft_exit.c, software_exit). Each step goes back
 * through the run loop, which injects interrupts, reports single-step
 * traps and asks the backend again, so the state is entered as soon as it
 * can be; the backend also reports its host tick (VEXIT_HOST_INTR) every
 * few steps, so console input and the alarm interrupt KVM_RUN as they do a
 * guest on the CPU. Returns 1 when *run describes an exit for the VMM.
 */
static __attribute__((noinline)) int
software_step(struct vcpu *v, struct vexit *e, struct kvm_run *run)
{
	struct vcpu_emul *ve = vcpu_emul_get(v);
	struct emul_deliver ev;
	enum emul_status st;

	if (!ve || emul_busy(&ve->ctx)) {       /* busy: not after a round trip */
		run->exit_type = KVM_EXIT_TYPE_VM_EXIT;
		run->exit_reason = KVM_EXIT_UNKNOWN;
		run->hw.hardware_exit_reason = (uint32_t)e->hw_reason;
		return 1;
	}
	if (virt->take_event(v, &ev)) {
		ve->delivering = true;
		ve->event = ev;
		return deliver_event(v, ve, run, e->hw_reason);
	}
	st = vcpu_emulate(v, ve);
	if (st == EMUL_UNSUPPORTED) {
		uint64_t hw_reason = e->hw_reason;

		switch (ve->res.reason == EMUL_R_OPCODE ?
			soft_exit_of(&ve->ctx.insn, &v->regs, ve->cpu.cpl, ve->cpu.cr4, e) :
			SOFT_NONE) {
		case SOFT_EXIT:
			emul_abort(&ve->ctx);
			return software_exit(v, e, run);
		case SOFT_GP:
			emul_abort(&ve->ctx);
			virt->inject_exception(v, TRAP_GP, true, 0);
			return 0;
		case SOFT_UD:
			emul_abort(&ve->ctx);
			virt->inject_exception(v, TRAP_UD, false, 0);
			return 0;
		case SOFT_NONE:
			return software_refused(v, ve, run, hw_reason);
		}
	}
	return emul_outcome(v, ve, run, st, false, e->hw_reason);
}

/* -EINTR: console input or the alarm; the exit fields are stale. */
static int interrupted(struct vcpu *v, struct kvm_run *run, uint64_t since)
{
	fill_outputs(v, run);
	ctl.guest_exit_at = since;
	ctl.guest_exit_kind = PATH_GUEST_TO_CTL_OTHER;
	return -EINTR;
}

/* The window the VMM asked for is open before the entry: -EINTR at once.
 * Out of line, behind a test of request_interrupt_window: the VMM asks
 * for a window only while it holds an interrupt the guest could not take,
 * so every other KVM_RUN pays one load and branch (make bench: 7
 * instructions less per VMM-served exit than inline). */
static __attribute__((noinline)) int window_open_before_entry(struct vcpu *v, struct kvm_run *run,
							       uint64_t since)
{
	irq_window(v, false);
	return interrupted(v, run, since);
}

int vcpu_run(struct vcpu *v, struct kvm_run *run)
{
	struct vexit e;
	int exit_ready;

	virt->set_cr8(v, run->cr8);     /* 2.6.21 step 1: every call */
	exit_ready = complete_previous_exit(v, run);
	if (!exit_ready)
		exit_ready = report_step_trap(v, run);
	/* KVM_RUN comes only as a hypercall, so ctl_run has stamped the
	 * control partition's exit: the first entry is timed from there */
	uint64_t since = ctl.exited_at;
	struct pathcost *cost = &pathcost[PATH_CTL_TO_GUEST];

	/* The window the VMM asks for is open before any entry (typically:
	 * the instruction in an STI shadow exited and is completed now):
	 * say so at once, as after an exit, rather than trust the CPU to
	 * take the virtual-interrupt exit before the guest's first
	 * instruction, which QEMU 7.2 and Bochs 2.7 do not (docs/virtual-
	 * cpu.md, "Interrupt shadows and single-step"); one CLI and the
	 * interrupt waited for the guest's next STI. */
	if (__builtin_expect(run->request_interrupt_window, 0) && !exit_ready &&
	    window_open_for_vmm(v, run))
		return window_open_before_entry(v, run, since);

	fpu_switch_to(v);
	while (!exit_ready) {
		/* checked at the host tick only: every KVM_RUN runs the
		 * guest a little, even with the deadline behind it, so a
		 * timer faster than a round trip slows the guest but cannot
		 * stop it */
		if (v->alarm_tsc)
			lapic_alarm_arm(v->alarm_tsc);
		if (__builtin_expect(v->nmi, 0))
			prepare_nmi(v);
		if (irq_work(v, run))
			prepare_interrupts(v, run);
		enter_debug_flags(v);
		pathcost_add_to(cost, since);
		virt->run(v, &e);
		since = pathcost_now();
		cost = &pathcost[PATH_GUEST_IN_HV];
		leave_debug_flags(v);
		switch (handle_exit(v, &e, run)) {
		case EXIT_TO_VMM:
			exit_ready = 1;
			break;
		case EXIT_INTERRUPTED:
			return interrupted(v, run, since);
		case EXIT_RESUME:
			if (report_step_trap(v, run)) {
				exit_ready = 1;
				break;
			}
			if (window_open_for_vmm(v, run)) {
				/* 2.6.21 surfaces this as -EINTR after an exit
				 * it handled */
				irq_window(v, false);
				return interrupted(v, run, since);
			}
			break;
		}
	}
	irq_window(v, false);
	v->exits_to_ctl++;
	fill_outputs(v, run);
	ctl.guest_exit_at = since;
	ctl.guest_exit_kind = run->exit_reason == KVM_EXIT_IO ? PATH_GUEST_TO_CTL :
			      run->exit_reason == KVM_EXIT_CPUID ? PATH_GUEST_TO_CTL_CPUID :
			      run->exit_reason == KVM_EXIT_MMIO ? PATH_GUEST_TO_CTL_MMIO :
			      PATH_GUEST_TO_CTL_OTHER;
	return 0;
}
