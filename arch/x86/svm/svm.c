/*
 * SVM enable and the backend's ops table (AMD APM Vol. 2 15.4). Per CPU:
 * EFER.SVME, the host save area named by VM_HSAVE_PA, and a host VMCB for
 * the VMSAVE/VMLOAD of host state around each VMRUN.
 */
#include "arch/x86/svm/svm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "core/log.h"
#include "core/memory.h"
#include "abi/errno.h"

#define VM_CR_SVMDIS (1ULL << 4)

struct svm_cpu svm_cpus[MAX_CPUS];
bool svm_nrip_save;
bool svm_shadow_paging;

static int svm_cpu_enable(unsigned cpu)
{
	struct svm_cpu *c = &svm_cpus[cpu];

	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		printk("svm: disabled by firmware (VM_CR.SVMDIS)\n");
		return -EOPNOTSUPP;
	}
	if (page_alloc(1, 1, &c->hsave_pa) || page_alloc(1, 1, &c->host_vmcb_pa))
		return -ENOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, c->hsave_pa);
	/* the host's FS/GS/TR/LDTR and SYSCALL MSRs, reloaded after each exit */
	__asm__ volatile("vmsave %%rax" ::"a"(c->host_vmcb_pa) : "memory");
	return 0;
}

void svm_setup(const struct cpu_features *f)
{
	svm_nrip_save = f->svm.nrip_save;
	svm_shadow_paging = !f->svm.npt;
	svm_asid_init(f->svm.nasids);
}

/* Everything but the name and the run call, which differ without NPT. */
#define SVM_COMMON_OPS \
	.slat_format = MMU_FORMAT_NPT, \
	.cpu_enable = svm_cpu_enable, \
	.vm_init = svm_vm_init, \
	.vm_free = svm_vm_free, \
	.vm_flush_slat = svm_vm_flush_slat, \
	.vcpu_init = svm_vcpu_init, \
	.vcpu_free = svm_vcpu_free, \
	.get_sregs = svm_get_sregs, \
	.get_sregs_exit = svm_get_sregs_exit, \
	.get_exec_state = svm_get_exec_state, \
	.get_segment = svm_get_segment, \
	.set_sregs = svm_set_sregs, \
	.get_cr8 = svm_get_cr8, \
	.set_cr8 = svm_set_cr8, \
	.interrupt_shadow = svm_interrupt_shadow, \
	.inject_irq = svm_inject_irq, \
	.event_pending = svm_event_pending, \
	.drop_event = svm_drop_event, \
	.set_irq_window = svm_set_irq_window, \
	.nmi_blocked = svm_nmi_blocked, \
	.inject_nmi = svm_inject_nmi, \
	.nmi_delivered = svm_nmi_delivered, \
	.iret_emulated = svm_iret_emulated, \
	.set_nmi_window = svm_set_nmi_window, \
	.get_msr = svm_get_msr, \
	.set_msr = svm_set_msr, \
	.set_debug = svm_set_debug, \
	.clear_dr7 = svm_clear_dr7, \
	.set_interrupt_shadow = svm_set_interrupt_shadow, \
	.peek_event = svm_peek_event, \
	.nmi_masked = svm_nmi_masked, \
	.set_nmi_masked = svm_set_nmi_masked, \
	.shadow_kind = svm_shadow_kind, \
	.clear_interrupt_shadow = svm_clear_interrupt_shadow, \
	.inject_exception = svm_inject_exception, \
	.inject_db = svm_inject_db, \
	.set_dtable = svm_set_dtable, \
	.flush_guest_tlb = svm_flush_guest_tlb, \
	.load_cr3 = svm_load_cr3

const struct virt_ops svm_ops = {
	.name = "AMD SVM",
	.run = svm_run,
	SVM_COMMON_OPS
};

/* Without nested paging: VMRUN between the conversions of shadow.c, in a
 * run call of its own, so that the NPT path pays no test for it. */
const struct virt_ops svm_shadow_ops = {
	.name = "AMD SVM (shadow paging)",
	.shadow_paging = true,
	.run = svm_run_shadow,
	SVM_COMMON_OPS
};
