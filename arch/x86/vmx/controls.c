/*
 * VMX controls from the capability MSRs (see controls.h). Host-testable:
 * only arithmetic on the MSR values the caller read.
 *
 * Nothing is hard-coded about what a CPU allows: every control word goes
 * through vmx_adjust_controls() with its capability MSR, the TRUE_* one when
 * IA32_VMX_BASIC[55] says it exists (SDM A.2: the TRUE MSRs report which
 * "default1" controls may be 0, e.g. CR3-load exiting, unneeded with EPT).
 */
#include "arch/x86/vmx/controls.h"

#define MSR_PINBASED        0x481
#define MSR_PROCBASED       0x482
#define MSR_EXIT            0x483
#define MSR_ENTRY           0x484
#define MSR_PROCBASED2      0x48b
#define MSR_TRUE_PINBASED   0x48d
#define MSR_TRUE_PROCBASED  0x48e
#define MSR_TRUE_EXIT       0x48f
#define MSR_TRUE_ENTRY      0x490

int vmx_adjust_controls(uint32_t wanted, uint64_t cap_msr, uint32_t *out,
			uint32_t *missing)
{
	uint32_t must1 = (uint32_t)cap_msr;
	uint32_t may1 = (uint32_t)(cap_msr >> 32);

	/* must1 & ~may1 would be a contradictory MSR: refuse it too */
	*missing = (wanted | must1) & ~may1;
	if (*missing)
		return -1;
	*out = wanted | must1;
	return 0;
}

static int adjust(const char *what, uint32_t msr, uint32_t wanted, uint64_t cap,
		  uint32_t *out, struct vmx_controls_error *err)
{
	if (vmx_adjust_controls(wanted, cap, out, &err->missing) == 0)
		return 0;
	err->what = what;
	err->msr = msr;
	err->why = 0;
	return -1;
}

static bool allowed1(uint64_t cap, uint32_t bit)
{
	return (cap >> 32) & bit;
}

/* Secondary controls: EPT (with a 4-level walk, a cacheable type and
 * INVEPT), VPID (with an INVVPID we can use), unrestricted guest (needs
 * EPT, SDM 26.2.1.1) and INVPCID. Each only if offered; virt.c decides
 * what is enough. */
static uint32_t wanted_secondary(const struct vmx_cap_msrs *m, struct vmx_controls *c)
{
	uint64_t cap = m->ept_vpid_cap;
	uint32_t want = 0;

	if (allowed1(m->procbased2, VMX_PROC2_EPT) && (cap & VMX_EPT_CAP_WALK4) &&
	    (cap & (VMX_EPT_CAP_WB | VMX_EPT_CAP_UC)) && (cap & VMX_EPT_CAP_INVEPT) &&
	    (cap & (VMX_EPT_CAP_INVEPT_SINGLE | VMX_EPT_CAP_INVEPT_ALL))) {
		want |= VMX_PROC2_EPT;
		c->ept = true;
		c->eptp_flags = VMX_EPTP_WALK4 |
				((cap & VMX_EPT_CAP_WB) ? VMX_EPTP_MT_WB : VMX_EPTP_MT_UC);
		c->invept_single = (cap & VMX_EPT_CAP_INVEPT) &&
				   (cap & VMX_EPT_CAP_INVEPT_SINGLE);
		c->invept_all = (cap & VMX_EPT_CAP_INVEPT) &&
				(cap & VMX_EPT_CAP_INVEPT_ALL);
	}
	if (allowed1(m->procbased2, VMX_PROC2_VPID) && (cap & VMX_VPID_CAP_INVVPID) &&
	    (cap & (VMX_VPID_CAP_SINGLE | VMX_VPID_CAP_ALL))) {
		want |= VMX_PROC2_VPID;
		c->vpid = true;
		c->invvpid_single = cap & VMX_VPID_CAP_SINGLE;
		c->invvpid_all = cap & VMX_VPID_CAP_ALL;
	}
	if (c->ept && allowed1(m->procbased2, VMX_PROC2_UNRESTRICTED)) {
		want |= VMX_PROC2_UNRESTRICTED;
		c->unrestricted = true;
	}
	/* INVPCID #UDs in a guest unless enabled (SDM 25.3); core/cpuid.c
	 * passes the host's CPUID.7 through, so offer what it announces */
	if (allowed1(m->procbased2, VMX_PROC2_INVPCID))
		want |= VMX_PROC2_INVPCID;
	return want;
}

static void compute_fixed_bits(const struct vmx_cap_msrs *m, struct vmx_controls *c)
{
	/* SDM A.7/A.8: a 1 in FIXED0 must be 1, a 0 in FIXED1 must be 0.
	 * Unrestricted guest lifts PE and PG from CR0_FIXED0 (SDM 26.3.1.1). */
	uint64_t ug_free = c->unrestricted ? (VMX_CR0_PE | VMX_CR0_PG) : 0;

	c->cr0_must1 = m->cr0_fixed0 & ~ug_free;
	c->cr0_may1 = m->cr0_fixed1;
	c->cr4_must1 = m->cr4_fixed0;
	c->cr4_may1 = m->cr4_fixed1;
	/* Ours: every fixed bit the guest may see differently (NE, CR4.VMXE,
	 * unsupported bits), and PG, so that entering and leaving paging (and
	 * with it IA-32e mode and the PAE PDPTEs) always exits to us. */
	c->cr0_mask = c->cr0_must1 | ~c->cr0_may1 | VMX_CR0_PG;
	c->cr4_mask = c->cr4_must1 | ~c->cr4_may1;
	if (!c->shadow)
		return;
	/* Shadow paging (mmu/shadow.h): the CPU runs with WP, so that the
	 * write protection of guest page tables stops supervisor writes too,
	 * and PAE, so that a legacy guest runs on PAE-format shadow tables
	 * (only paged guests enter without unrestricted guest, which needs
	 * EPT). Every bit that changes how the guest translates exits, so
	 * the shadow tables hear of it. */
	c->cr0_must1 |= VMX_CR0_WP;
	c->cr4_must1 |= VMX_CR4_PAE;
	c->cr0_mask |= VMX_CR0_WP;
	c->cr4_mask |= VMX_CR4_PSE | VMX_CR4_PAE | VMX_CR4_SMEP | VMX_CR4_SMAP;
}

int vmx_controls_compute(const struct vmx_cap_msrs *m, struct vmx_controls *c,
			 struct vmx_controls_error *err)
{
	bool use_true = m->basic & VMX_BASIC_TRUE_CTLS;
	uint64_t pin_cap = use_true ? m->true_pinbased : m->pinbased;
	uint64_t proc_cap = use_true ? m->true_procbased : m->procbased;
	uint64_t exit_cap = use_true ? m->true_exit : m->exit;
	uint64_t entry_cap = use_true ? m->true_entry : m->entry;
	uint32_t want, want2 = 0, window;

	*c = (struct vmx_controls){ 0 };
	c->insouts_info = m->basic & VMX_BASIC_INSOUTS_INFO;
	c->errcode_relaxed = m->basic & VMX_BASIC_NO_ERRCODE_CHECK;

	/* Physical interrupts and NMIs are the host's: they always exit. The
	 * VMX-preemption timer, when offered, bounds every stay in the guest
	 * whatever the guest's IF (SDM 25.5.1): the preemption tick that
	 * lets KVM_RUN return -EINTR does not then depend on how a platform
	 * delivers the host's timer interrupt to a guest with IF = 0. */
	c->preemption_timer = allowed1(pin_cap, VMX_PIN_PREEMPTION_TIMER);
	/* The guest's NMIs (KVM_NMI): virtual NMIs, which need NMI exiting,
	 * and the NMI-window exit that only they allow (SDM 26.2.1.1) */
	c->virtual_nmis = allowed1(pin_cap, VMX_PIN_VIRTUAL_NMIS) &&
			  allowed1(proc_cap, VMX_PROC_NMI_WINDOW_EXIT);
	if (adjust("pin-based", use_true ? MSR_TRUE_PINBASED : MSR_PINBASED,
		   VMX_PIN_EXT_INTR_EXIT | VMX_PIN_NMI_EXIT |
		   (c->virtual_nmis ? VMX_PIN_VIRTUAL_NMIS : 0) |
		   (c->preemption_timer ? VMX_PIN_PREEMPTION_TIMER : 0),
		   pin_cap, &c->pin, err))
		return -1;

	/* HLT, CR8 (the real TPR must stay ours), IO through the bitmaps
	 * (unconditional IO exiting stays 0), MSRs through the bitmap, the
	 * guest's TSC as an offset. RDPMC (the host's counters), MONITOR and
	 * MWAIT (CPUID hides them: #UD, as on SVM), and MOV DR until a vCPU's
	 * first (arch/x86/debugreg.h; cleared per vCPU). The interrupt-window
	 * control is switched per entry: it must be allowed but starts 0. */
	want = VMX_PROC_HLT_EXIT | VMX_PROC_CR8_LOAD_EXIT | VMX_PROC_CR8_STORE_EXIT |
	       VMX_PROC_USE_IO_BITMAPS | VMX_PROC_USE_MSR_BITMAPS | VMX_PROC_TSC_OFFSET |
	       VMX_PROC_RDPMC_EXIT | VMX_PROC_MWAIT_EXIT | VMX_PROC_MONITOR_EXIT |
	       VMX_PROC_MOV_DR_EXIT;
	if (allowed1(proc_cap, VMX_PROC_SECONDARY)) {
		want |= VMX_PROC_SECONDARY;
		want2 = wanted_secondary(m, c);
	}
	/* Without EPT the guest's CR3 is not the CPU's and INVLPG is a
	 * shadow-table flush: both exit (SDM Vol. 3 25.1.3) */
	c->shadow = !c->ept;
	if (c->shadow)
		want |= VMX_PROC_CR3_LOAD_EXIT | VMX_PROC_CR3_STORE_EXIT |
			VMX_PROC_INVLPG_EXIT;
	if (adjust("primary processor-based", use_true ? MSR_TRUE_PROCBASED : MSR_PROCBASED,
		   want | VMX_PROC_INTR_WINDOW_EXIT, proc_cap, &c->proc, err))
		return -1;
	window = (uint32_t)proc_cap & VMX_PROC_INTR_WINDOW_EXIT;   /* forced on? */
	c->proc = (c->proc & ~VMX_PROC_INTR_WINDOW_EXIT) | window;
	/* the NMI-window control likewise: 0 unless forced (then it is
	 * switched per entry, vcpu.c) */
	c->proc |= (uint32_t)proc_cap & VMX_PROC_NMI_WINDOW_EXIT;

	if (c->proc & VMX_PROC_SECONDARY) {
		if (adjust("secondary processor-based", MSR_PROCBASED2, want2,
			   m->procbased2, &c->proc2, err))
			return -1;
	}

	/* PAT and EFER are switched by the controls when both directions are
	 * offered; EFER otherwise through the MSR-load areas (efer.c: the
	 * first CPUs with VMX, Core 2, have no EFER controls). */
	c->pat = allowed1(exit_cap, VMX_EXIT_SAVE_PAT) &&
		 allowed1(exit_cap, VMX_EXIT_LOAD_PAT) &&
		 allowed1(entry_cap, VMX_ENTRY_LOAD_PAT);
	c->efer_switch = allowed1(exit_cap, VMX_EXIT_SAVE_EFER) &&
			 allowed1(exit_cap, VMX_EXIT_LOAD_EFER) &&
			 allowed1(entry_cap, VMX_ENTRY_LOAD_EFER);
	want = VMX_EXIT_SAVE_DEBUG | VMX_EXIT_HOST_64BIT;
	if (c->efer_switch)
		want |= VMX_EXIT_SAVE_EFER | VMX_EXIT_LOAD_EFER;
	if (c->pat)
		want |= VMX_EXIT_SAVE_PAT | VMX_EXIT_LOAD_PAT;
	if (adjust("VM-exit", use_true ? MSR_TRUE_EXIT : MSR_EXIT, want, exit_cap,
		   &c->exit, err))
		return -1;

	/* IA-32e mode guest is per vCPU (from EFER.LMA): checked allowed
	 * here, left 0 in the template. */
	want = VMX_ENTRY_LOAD_DEBUG | (c->efer_switch ? VMX_ENTRY_LOAD_EFER : 0) |
	       (c->pat ? VMX_ENTRY_LOAD_PAT : 0);
	if (adjust("VM-entry", use_true ? MSR_TRUE_ENTRY : MSR_ENTRY,
		   want | VMX_ENTRY_IA32E_GUEST, entry_cap, &c->entry, err))
		return -1;
	c->entry &= ~VMX_ENTRY_IA32E_GUEST;
	if ((uint32_t)entry_cap & VMX_ENTRY_IA32E_GUEST) {
		err->what = "VM-entry";
		err->msr = use_true ? MSR_TRUE_ENTRY : MSR_ENTRY;
		err->missing = 0;
		err->why = "the CPU forces the IA-32e mode guest control to 1";
		return -1;
	}

	compute_fixed_bits(m, c);
	return 0;
}

uint64_t vmx_guest_cr0(const struct vmx_controls *c, uint64_t guest_view)
{
	return (guest_view | c->cr0_must1) & c->cr0_may1;
}

uint64_t vmx_guest_cr4(const struct vmx_controls *c, uint64_t guest_view)
{
	return (guest_view | c->cr4_must1) & c->cr4_may1;
}

uint64_t vmx_cr_view(uint64_t hw, uint64_t shadow, uint64_t mask)
{
	return (hw & ~mask) | (shadow & mask);
}
