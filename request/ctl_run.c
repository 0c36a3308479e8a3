/*
 * Running the control partition: enter it, serve its exits, repeat. It is
 * trusted to run the machine but not to be correct: what it does wrong is
 * reported on the console, and a fault it cannot survive stops the machine
 * with its register state (it has no IDT of its own).
 */
#include "request/ctl_run.h"
#include "request/hypercall.h"
#include "core/ctl.h"
#include "core/cpuid.h"
#include "core/fpu.h"
#include "core/pathcost.h"
#include "core/log.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"
#include "abi/barekvm.h"
#include "core/emul_glue.h"
#include "core/vcpu_run.h"

#define LOG_LIMIT 8     /* messages per kind a misbehaving ctl can trigger */

static unsigned ctl_io_logged, ctl_msr_logged, ctl_npf_logged;

static void ctl_dump(const char *why, const struct vexit *e)
{
	struct vcpu_sregs s;
	const struct vcpu_regs *r = &ctl.vcpu->regs;

	virt->get_sregs(ctl.vcpu, &s);
	printk("\nctl: STOPPED: %s (exit code %#lx)\n", why, e->hw_reason);
	printk("ctl: RIP=%016lx RSP=%016lx RFLAGS=%016lx\n", r->rip, r->rsp, r->rflags);
	printk("ctl: RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n",
	       r->rax, r->rbx, r->rcx, r->rdx);
	printk("ctl: RSI=%016lx RDI=%016lx RBP=%016lx\n", r->rsi, r->rdi, r->rbp);
	printk("ctl: CR0=%016lx CR3=%016lx CR4=%016lx EFER=%016lx\n",
	       s.cr0, s.cr3, s.cr4, s.efer);
}

/* Ports the control partition may not use directly read as all ones. */
static void ctl_exit_io(const struct vexit *e)
{
	if (ctl_io_logged < LOG_LIMIT) {
		ctl_io_logged++;
		printk("ctl: %s port %#x (size %u) is not passed through; ignored\n",
		       e->io.in ? "IN from" : "OUT to", e->io.port, e->io.size);
	}
	if (e->io.in && !e->io.string) {
		uint64_t mask = e->io.size == 4 ? 0xffffffffULL : (1ULL << (8 * e->io.size)) - 1;
		ctl.vcpu->regs.rax |= mask;
	}
	if (e->io.rep)
		ctl.vcpu->regs.rcx = 0;
}

static void ctl_exit_msr(const struct vexit *e)
{
	if (ctl_msr_logged < LOG_LIMIT) {
		ctl_msr_logged++;
		printk("ctl: %s MSR %#x refused with #GP\n",
		       e->reason == VEXIT_MSR_READ ? "RDMSR" : "WRMSR", e->msr.index);
	}
	virt->inject_exception(ctl.vcpu, 13, true, 0);
}

static bool in_vm_windows(uint64_t gpa)
{
	return gpa >= CTL_VM_WINDOW_BASE &&
	       gpa - CTL_VM_WINDOW_BASE < CTL_VM_WINDOWS * CTL_VM_WINDOW_BYTES;
}

/*
 * An access to a part of a VM window that maps nothing (a slot deleted or
 * moved, a window never mapped): the control partition's bug, but not one
 * worth the machine. It has no IDT, so an exception would only end it; we
 * answer as a physical address with nothing behind it does: the
 * instruction runs through emul/, reads see all ones, writes go nowhere.
 * False when emul/ cannot run it (then the partition stops as before).
 */
static bool ctl_emulate(struct vcpu_emul *ve);

static bool ctl_unbacked_access(const struct vexit *e)
{
	struct vcpu_emul *ve = vcpu_emul_get(ctl.vcpu);

	if (!ve || !in_vm_windows(e->npf.gpa) || e->npf.fetch)
		return false;
	if (ctl_npf_logged < LOG_LIMIT) {
		ctl_npf_logged++;
		printk("ctl: %s of unmapped VM-window address %#lx at RIP %#lx: "
		       "nothing there (reads all ones, writes ignored)\n",
		       e->npf.write ? "write" : "read", e->npf.gpa, ctl.vcpu->regs.rip);
	}
	return ctl_emulate(ve);
}

/*
 * The instruction at RIP through emul/: an access to an unbacked window
 * page (above), or what the backend hands over (VEXIT_EMULATE: without
 * nested paging a write to one of the partition's page tables, INVLPG,
 * SMSW to memory). MMIO reads, which only an unbacked window page gives,
 * see all ones; MMIO writes go nowhere. False when emul/ cannot run it.
 */
static bool ctl_emulate(struct vcpu_emul *ve)
{
	static const uint8_t ones[64] = {
		[0 ... 63] = 0xff,
	};

	for (;;) {
		switch (vcpu_emulate(ctl.vcpu, ve)) {
		case EMUL_DONE:
			return true;
		case EMUL_MMIO_READ:
			if (ve->res.len > sizeof(ones) ||
			    emul_complete_read(&ve->ctx, ones, ve->res.len))
				goto fail;
			continue;
		case EMUL_MMIO_WRITE:
			if (ve->res.retired)
				return true;
			continue;               /* REP: the next iteration */
		default:
			goto fail;
		}
	}
fail:
	printk("ctl: cannot complete the access at RIP %#lx (%s)\n",
	       ctl.vcpu->regs.rip, emul_reason_str(ve->res.reason));
	emul_abort(&ve->ctx);
	return false;
}

/* Returns false when the control partition cannot go on. */
static bool ctl_handle_exit(const struct vexit *e)
{
	struct vcpu_regs *r = &ctl.vcpu->regs;

	if (e->insn_len == 0 &&
	    (e->reason == VEXIT_CPUID || e->reason == VEXIT_HYPERCALL ||
	     e->reason == VEXIT_HLT || e->reason == VEXIT_IO ||
	     e->reason == VEXIT_MSR_READ || e->reason == VEXIT_MSR_WRITE)) {
		ctl_dump("cannot decode the instruction at RIP", e);
		return false;
	}
	switch (e->reason) {
	case VEXIT_CPUID:
		cpuid_emulate(r);
		break;
	case VEXIT_HYPERCALL:
		r->rax = (uint64_t)hypercall_dispatch(ctl.vcpu);
		break;
	case VEXIT_IO:
		ctl_exit_io(e);
		break;
	case VEXIT_MSR_READ:
	case VEXIT_MSR_WRITE:
		ctl_exit_msr(e);
		return true;            /* the #GP is delivered at the RDMSR */
	case VEXIT_HLT:
		if (!(r->rflags & RFLAGS_IF)) {
			printk("ctl: halted with interrupts off: the control "
			       "partition has stopped\n");
			return false;
		}
		break;
	case VEXIT_HOST_INTR:
	case VEXIT_INTR_WINDOW:
		return true;
	case VEXIT_UNDEFINED:
		virt->inject_exception(ctl.vcpu, TRAP_UD, false, 0);
		return true;
	case VEXIT_EMULATED:
		return true;            /* RIP moved already, or a fault is due */
	case VEXIT_EMULATE:
		if (vcpu_emul_get(ctl.vcpu) && ctl_emulate(ctl.vcpu->emul))
			return true;    /* RIP moved by the emulation */
		ctl_dump("an instruction the emulator cannot run", e);
		return false;
	case VEXIT_SHUTDOWN:
		ctl_dump("triple fault (shutdown)", e);
		return false;
	case VEXIT_NPF:
		if (ctl_unbacked_access(e))
			return true;            /* RIP moved by the emulation */
		printk("ctl: access to unmapped guest-physical %#lx (%s)\n",
		       e->npf.gpa, e->npf.write ? "write" : e->npf.fetch ? "fetch" : "read");
		ctl_dump("nested page fault", e);
		return false;
	case VEXIT_FAIL_ENTRY:
		ctl_dump("the CPU refused its state (VM entry failed)", e);
		return false;
	case VEXIT_EXCEPTION:
	case VEXIT_UNKNOWN:
	default:
		ctl_dump("unexpected exit", e);
		return false;
	}
	r->rip += e->insn_len;
	return true;
}

void ctl_run(void)
{
	struct vexit e;
	enum pathcost_kind kind = PATH_CTL_OTHER;

	ctl.exited_at = 0;
	do {
		fpu_switch_to(ctl.vcpu);
		if (ctl.guest_exit_at) {        /* a KVM_RUN came back */
			pathcost_add(ctl.guest_exit_kind, ctl.guest_exit_at);
			ctl.guest_exit_at = 0;
		} else if (ctl.exited_at) {     /* 0 after an HC_IDLE wait */
			pathcost_add(kind, ctl.exited_at);
		}
		virt->run(ctl.vcpu, &e);
		ctl.exited_at = pathcost_now();
		kind = e.reason == VEXIT_HYPERCALL ? PATH_CTL_HYPERCALL : PATH_CTL_OTHER;
	} while (ctl_handle_exit(&e));
}
