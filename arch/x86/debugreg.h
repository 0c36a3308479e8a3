/*
 * Guest debug registers shared by both backends: each vCPU's own DR0-DR3
 * (and DR6 on VMX), and KVM_DEBUG_GUEST's breakpoints.
 *
 * Neither VMRUN nor VM entry switches DR0-DR3 (APM 15.5.1, SDM 27.3.1),
 * nor does VM entry switch DR6 (only the VMCB holds it); DR7 is in the
 * VMCB and the VMCS. The hypervisor never uses DR0-DR3 itself, so they are
 * switched lazily, as KVM does: a vCPU's MOV DR is intercepted until its
 * first one, which makes the vCPU "live" (the intercept goes away and the
 * instruction is executed again, natively). The hardware registers then
 * belong to one live vCPU at a time, the owner; another live vCPU's entry
 * saves the owner's values and loads its own. A vCPU that never touches
 * its debug registers (the control partition, most guests) costs nothing:
 * its DR7 (0x400 unless it wrote it, which would have made it live)
 * disables whatever DR0-DR3 hold, and it cannot read them.
 *
 * KVM_DEBUG_GUEST's breakpoints take precedence: while they are armed, the
 * owner's values are saved and the breakpoint addresses are loaded before
 * each entry (docs/hypercall-abi.md, KVM_DEBUG_GUEST).
 */
#ifndef ARCH_X86_DEBUGREG_H
#define ARCH_X86_DEBUGREG_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vcpu.h"

#define DR7_FIXED   0x400ULL
#define DR7_GD      (1ULL << 13)    /* general detect (SDM 17.2.4) */
#define DR6_INIT    0xffff0ff0ULL
#define DR6_B0_B3   0xfULL
#define DR6_BD      (1ULL << 13)
#define DR6_BS      (1ULL << 14)
#define DR6_BT      (1ULL << 15)    /* task switch into a TSS with T set */
/* L0-L3 and LE: cleared by every task switch (SDM 17.2.4, APM 13.1.1.5) */
#define DR7_LOCAL_ENABLES 0x155ULL
#define DR7_ALL_ENABLES   0xffULL      /* L0-L3, G0-G3 */
#define TRAP_DB_VECTOR 1

/* One vCPU's debug registers while they are not in the hardware. */
struct debugreg_guest {
	uint64_t dr[4];
	uint64_t dr6;
	bool live;              /* MOV DR runs natively; switched at entry */
	bool dr6_soft;          /* DR6 is ours to switch (VMX), not the VMCB's */
};

extern struct debugreg_guest *debugreg_owner;   /* per CPU once SMP lands */

/* Reset values (SDM 9.1.1); dr6_soft for VMX. */
void debugreg_guest_init(struct debugreg_guest *g, bool dr6_soft);
/* The vCPU is freed: it no longer owns the hardware registers. */
void debugreg_guest_forget(struct debugreg_guest *g);
/* Makes g live: its MOV DR will run natively from the next entry on. */
void debugreg_guest_go_live(struct debugreg_guest *g);
/* Sets g's DR6 (a #DB the hypervisor reflects on VMX), in the hardware if
 * g owns it. */
void debugreg_guest_set_dr6(struct debugreg_guest *g, uint64_t dr6);
uint64_t debugreg_guest_dr6(const struct debugreg_guest *g);

void debugreg_switch(struct debugreg_guest *g, const struct vcpu_debug *d,
		     bool breakpoints);

/*
 * Before each entry: the hardware DR0-DR3 (DR6) become g's, or the
 * breakpoint addresses of KVM_DEBUG_GUEST when 'breakpoints'. Inline: it
 * is on every entry, and the common case is one test of two flags.
 */
static inline void debugreg_enter(struct debugreg_guest *g, const struct vcpu_debug *d,
				  bool breakpoints)
{
	if (__builtin_expect(!(g->live | breakpoints), 1) ||
	    (!breakpoints && debugreg_owner == g))
		return;
	debugreg_switch(g, d, breakpoints);
}

/* DR6 after a #DB that reports 'bits' (B0-B3, BD, BS): B0-B3 are
 * replaced, the others stay (SDM 17.2.3). */
static inline uint64_t debugreg_dr6_after_db(uint64_t dr6, uint64_t bits)
{
	return (dr6 & ~DR6_B0_B3) | DR6_INIT | bits;
}

/* DR7 with G0-G3 for the armed breakpoints: execute, length 1 (SDM 17.2.4). */
uint64_t debugreg_dr7(const struct vcpu_debug *d);

struct trap_frame;
/*
 * A #DB taken by the hypervisor itself. It never sets TF or arms DR7 for its
 * own code, so the only #DB it can see is a guest's single-step trap that an
 * emulator delivers after the #VMEXIT of the intercepted instruction (Bochs
 * 2.7's SVM keeps the pending trap; hardware drops it with the instruction).
 * Returns true when the trap was such a stray single-step trap: DR6 is
 * cleared and execution goes on (the guest is not short of its trap: core
 * raises it when the intercepted instruction is finished, core/vcpu_run.c
 * retired_outside_guest); anything else is left to the crash dump.
 */
bool debugreg_stray_host_step(const struct trap_frame *tf);

#endif
