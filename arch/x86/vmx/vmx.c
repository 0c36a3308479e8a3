/*
 * VMX on: the controls every VMCS uses, computed once from the capability
 * MSRs (controls.c), VMXON per CPU, and the backend's ops table. Intel SDM
 * Vol. 3 chapter 23 (entering VMX operation) and Appendix A.
 *
 * vmx_setup() runs once at boot from virt_select(); vmx_cpu_enable() on
 * each CPU before it runs a guest.
 */
#include "arch/x86/vmx/vmx.h"
#include "core/cpuid.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "core/log.h"
#include "core/memory.h"
#include "abi/errno.h"

struct vmx_controls vmx_ctl;
uint32_t vmx_vmcs_revision;

struct vmx_cpu {
	uint64_t vmxon_pa;
};

static struct vmx_cpu vmx_cpus[MAX_CPUS];

static void read_cap_msrs(struct vmx_cap_msrs *m)
{
	*m = (struct vmx_cap_msrs){ 0 };
	m->basic = rdmsr(MSR_IA32_VMX_BASIC);
	m->misc = rdmsr(MSR_IA32_VMX_MISC);
	m->pinbased = rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
	m->procbased = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	m->exit = rdmsr(MSR_IA32_VMX_EXIT_CTLS);
	m->entry = rdmsr(MSR_IA32_VMX_ENTRY_CTLS);
	/* SDM A.1: the TRUE MSRs exist only when IA32_VMX_BASIC[55] = 1 */
	if (m->basic & VMX_BASIC_TRUE_CTLS) {
		m->true_pinbased = rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		m->true_procbased = rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		m->true_exit = rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		m->true_entry = rdmsr(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}
	/* SDM A.3.3: CTLS2 exists when secondary controls may be 1; A.10:
	 * EPT_VPID_CAP when EPT or VPID may be 1 */
	if ((m->procbased >> 32) & VMX_PROC_SECONDARY) {
		m->procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		if ((m->procbased2 >> 32) & (VMX_PROC2_EPT | VMX_PROC2_VPID))
			m->ept_vpid_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	}
	m->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	m->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	m->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	m->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
}

int vmx_setup(const struct cpu_features *f)
{
	struct vmx_cap_msrs m;
	struct vmx_controls_error err;

	(void)f;
	read_cap_msrs(&m);
	vmx_vmcs_revision = VMX_BASIC_REVISION(m.basic);
	if (vmx_controls_compute(&m, &vmx_ctl, &err)) {
		if (err.why)
			printk("vmx: cannot use this CPU: %s controls: %s (MSR %#x)\n",
			       err.what, err.why, err.msr);
		else
			printk("vmx: cannot use this CPU: %s controls %#x are required "
			       "but not allowed by MSR %#x\n", err.what, err.missing, err.msr);
		return -EOPNOTSUPP;
	}
	/* CR4 bits the guest's CPUID does not announce are ours too: a MOV
	 * to CR4 setting one exits and is #GP (cr.c), even where the CPU
	 * itself has the feature (PKE, OSXSAVE, ...). */
	vmx_ctl.cr4_mask |= ~cpuid_rules()->cr4_allowed;
	printk("vmx: controls pin %#x proc %#x proc2 %#x exit %#x entry %#x "
	       "(%s capability MSRs); EPT %s, VPID %s, unrestricted guest %s, PAT %s, "
	       "virtual NMIs %s\n",
	       vmx_ctl.pin, vmx_ctl.proc, vmx_ctl.proc2, vmx_ctl.exit, vmx_ctl.entry,
	       (m.basic & VMX_BASIC_TRUE_CTLS) ? "TRUE" : "default",
	       !vmx_ctl.ept ? "no (shadow paging)" :
	       vmx_ctl.eptp_flags & VMX_EPTP_MT_WB ? "WB" : "UC",
	       vmx_ctl.vpid ? "yes" : "no", vmx_ctl.unrestricted ? "yes" : "no",
	       vmx_ctl.pat ? "switched" : "shared", vmx_ctl.virtual_nmis ? "yes" : "no");
	return 0;
}

/* IA32_FEATURE_CONTROL (SDM 23.7): VMXON outside SMX needs bit 2 and the
 * lock bit 0. Firmware that locked it without bit 2 disabled VT-x. */
static int feature_control_enable(void)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (fc & FEATURE_CONTROL_LOCK) {
		if (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)
			return 0;
		printk("vmx: VT-x is disabled by the firmware (IA32_FEATURE_CONTROL "
		       "%#lx is locked without 'VMX outside SMX'); enable it in "
		       "the firmware setup\n", fc);
		return -EOPNOTSUPP;
	}
	wrmsr(MSR_IA32_FEATURE_CONTROL,
	      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	return 0;
}

static int vmx_cpu_enable(unsigned cpu)
{
	struct vmx_cpu *c = &vmx_cpus[cpu];
	uint64_t pa;
	int r;

	if (!(cpuid(1).ecx & (1u << 5))) {     /* CPUID.1:ECX.VMX */
		printk("vmx: CPU %u has no VMX\n", cpu);
		return -EOPNOTSUPP;
	}
	r = feature_control_enable();
	if (r)
		return r;
	/* SDM 23.8: in VMX operation CR0 and CR4 must hold the fixed bits
	 * (CR0.NE, PE, PG; CR4.VMXE) and nothing FIXED1 forbids */
	write_cr0((read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) &
		  rdmsr(MSR_IA32_VMX_CR0_FIXED1));
	write_cr4((read_cr4() | CR4_VMXE | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) &
		  rdmsr(MSR_IA32_VMX_CR4_FIXED1));
	if (!c->vmxon_pa) {
		if (page_alloc(1, 1, &pa))
			return -ENOMEM;
		c->vmxon_pa = pa;
	}
	/* SDM 24.11.5: the VMXON region starts with the VMCS revision id */
	*(volatile uint32_t *)c->vmxon_pa = vmx_vmcs_revision;
	if (!vmx_vmxon(c->vmxon_pa)) {
		printk("vmx: VMXON failed on CPU %u (region %#lx, revision %#x)\n",
		       cpu, c->vmxon_pa, vmx_vmcs_revision);
		return -EIO;
	}
	/* nothing cached from before us (firmware, a previous hypervisor) */
	if (vmx_ctl.invept_all)
		vmx_invept(VMX_INVEPT_ALL, 0);
	if (vmx_ctl.vpid && vmx_ctl.invvpid_all)
		vmx_invvpid(VMX_INVVPID_ALL, 0);
	return 0;
}

/* Everything but the name, the run call and the format of the VM's map,
 * which differ without EPT. */
#define VMX_COMMON_OPS \
	.cpu_enable = vmx_cpu_enable, \
	.vm_init = vmx_vm_init, \
	.vm_free = vmx_vm_free, \
	.vm_flush_slat = vmx_vm_flush_slat, \
	.vcpu_init = vmx_vcpu_init, \
	.vcpu_free = vmx_vcpu_free, \
	.get_sregs = vmx_get_sregs, \
	.get_sregs_exit = vmx_get_sregs_exit, \
	.get_exec_state = vmx_get_exec_state, \
	.get_segment = vmx_get_segment, \
	.set_sregs = vmx_set_sregs, \
	.get_cr8 = vmx_get_cr8, \
	.set_cr8 = vmx_set_cr8, \
	.interrupt_shadow = vmx_interrupt_shadow, \
	.inject_irq = vmx_inject_irq, \
	.event_pending = vmx_event_pending, \
	.drop_event = vmx_drop_event, \
	.set_irq_window = vmx_set_irq_window, \
	.nmi_blocked = vmx_nmi_blocked, \
	.inject_nmi = vmx_inject_nmi, \
	.nmi_delivered = vmx_nmi_delivered, \
	.iret_emulated = vmx_iret_emulated, \
	.set_nmi_window = vmx_set_nmi_window, \
	.get_msr = vmx_get_msr, \
	.set_msr = vmx_set_msr, \
	.set_debug = vmx_set_debug, \
	.clear_dr7 = vmx_clear_dr7, \
	.set_interrupt_shadow = vmx_set_interrupt_shadow, \
	.inject_exception = vmx_inject_exception, \
	.inject_db = vmx_inject_db, \
	.set_dtable = vmx_set_dtable, \
	.take_event = vmx_take_event, \
	.peek_event = vmx_peek_event, \
	.nmi_masked = vmx_nmi_masked, \
	.set_nmi_masked = vmx_set_nmi_masked, \
	.shadow_kind = vmx_shadow_kind, \
	.clear_interrupt_shadow = vmx_clear_interrupt_shadow, \
	.flush_guest_tlb = vmx_flush_guest_tlb, \
	.load_cr3 = vmx_load_cr3

const struct virt_ops vmx_ops = {
	.name = "Intel VMX",
	.slat_format = MMU_FORMAT_EPT,
	.run = vmx_run,
	VMX_COMMON_OPS
};

/* Without EPT: the VM's map is what the shadow tables are built from
 * (mmu/shadow.h), never loaded into the CPU; its format is the x86 one
 * the shadow code shares with SVM without NPT. The entry work of shadow.c
 * runs in a run call of its own, so that the EPT path pays no test for
 * it. */
const struct virt_ops vmx_shadow_ops = {
	.name = "Intel VMX (shadow paging)",
	.slat_format = MMU_FORMAT_NPT,
	.shadow_paging = true,
	.run = vmx_run_shadow,
	VMX_COMMON_OPS
};
