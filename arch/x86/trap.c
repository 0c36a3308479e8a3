/*
 * Hypervisor trap handling (see arch/x86/trap.h). The dump is what a person
 * debugging a crash on a serial console needs: which vector, why (error code,
 * CR2), where (RIP, a frame-pointer stack trace), and every register.
 */
#include "arch/x86/trap.h"
#include "arch/x86/cpu.h"
#include "arch/x86/debugreg.h"
#include "arch/x86/desc.h"
#include "arch/x86/simd_proxy.h"
#include "core/log.h"

#define STACK_TRACE_DEPTH 16

static trap_handler_fn irq_handlers[256];

static const char *const exception_names[TRAP_NUM_EXCEPTIONS] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 floating point", "#AC alignment check",
	"#MC machine check", "#XM SIMD floating point",
	"#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

const char *trap_name(unsigned vector)
{
	return vector < TRAP_NUM_EXCEPTIONS ? exception_names[vector] : "interrupt";
}

void trap_set_handler(unsigned vector, trap_handler_fn fn)
{
	if (vector >= TRAP_NUM_EXCEPTIONS && vector < 256)
		irq_handlers[vector] = fn;
}

/* Follows saved frame pointers (-fno-omit-frame-pointer) while they stay
 * inside a known stack, so a corrupt RBP ends the trace instead of faulting. */
static void stack_trace(uint64_t rip, uint64_t rbp)
{
	printk("stack trace:\n  [0] %016lx\n", rip);
	for (int depth = 1; depth < STACK_TRACE_DEPTH; depth++) {
		if ((rbp & 7) || !desc_stack_contains(0, rbp, 16))
			break;
		const uint64_t *frame = (const uint64_t *)rbp;
		if (!frame[1])
			break;
		printk("  [%d] %016lx\n", depth, frame[1]);
		rbp = frame[0];
	}
}

void trap_dump(const struct trap_frame *tf)
{
	printk("\n*** hypervisor exception: vector %lu (%s), error code %#lx\n",
	       tf->vector, trap_name(tf->vector),
	       tf->error_code);
	printk("RIP=%016lx CS=%04lx RFLAGS=%016lx\n", tf->rip, tf->cs, tf->rflags);
	printk("RSP=%016lx SS=%04lx\n", tf->rsp, tf->ss);
	printk("RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n",
	       tf->rax, tf->rbx, tf->rcx, tf->rdx);
	printk("RSI=%016lx RDI=%016lx RBP=%016lx\n", tf->rsi, tf->rdi, tf->rbp);
	printk("R8 =%016lx R9 =%016lx R10=%016lx R11=%016lx\n",
	       tf->r8, tf->r9, tf->r10, tf->r11);
	printk("R12=%016lx R13=%016lx R14=%016lx R15=%016lx\n",
	       tf->r12, tf->r13, tf->r14, tf->r15);
	printk("CR0=%016lx CR2=%016lx CR3=%016lx CR4=%016lx\n",
	       read_cr0(), read_cr2(),
	       read_cr3(), read_cr4());
	stack_trace(tf->rip, tf->rbp);
}

/* Nothing in the hypervisor sends or expects NMIs: one (a platform's
 * watchdog or error report, or one that arrived while a VMX guest ran and
 * vmx/exit.c passed on) is logged, like Linux's "NMI received for unknown
 * reason", and execution goes on. */
static void host_nmi(void)
{
	static uint64_t count;

	if (count++ < 4)
		printk("hv: NMI received (%lu so far), nothing uses NMIs: ignored\n",
		       count);
}

void trap_dispatch(struct trap_frame *tf)
{
	if (tf->vector >= TRAP_NUM_EXCEPTIONS && irq_handlers[tf->vector]) {
		irq_handlers[tf->vector](tf);
		return;
	}
	if (tf->vector == TRAP_DB && debugreg_stray_host_step(tf))
		return;
	if (tf->vector == TRAP_NMI) {
		host_nmi();
		return;
	}
	if (simd_proxy_fixup(tf))       /* a guest's SIMD instruction faulted */
		return;
	trap_dump(tf);
	if (tf->vector >= TRAP_NUM_EXCEPTIONS)
		panic("unexpected interrupt vector %lu", tf->vector);
	panic("exception %s in the hypervisor", trap_name(tf->vector));
}
