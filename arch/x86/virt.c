/* Backend selection at boot (see arch/x86/virt.h). */
#include "arch/x86/virt.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/vmx/vmx.h"
#include "core/log.h"

const struct virt_ops *virt_select(const struct cpu_features *f)
{
	if (f->has_svm) {
		if (f->svm.disabled_by_bios) {
			printk("virt: SVM is disabled by the firmware; enable it in setup\n");
			return 0;
		}
		if (!f->svm.npt) {
			printk("virt: SVM without nested paging needs shadow paging, "
			       "which is not implemented yet: no guests can run\n");
			return 0;
		}
		svm_setup(f);
		return &svm_ops;
	}
	if (f->has_vmx) {
		if (f->vmx.disabled_by_bios) {
			printk("virt: VMX is disabled by the firmware "
			       "(IA32_FEATURE_CONTROL locked); enable VT-x in setup\n");
			return 0;
		}
		if (!f->vmx.ept) {
			printk("virt: VMX without EPT needs shadow paging, which is "
			       "not implemented yet: no guests can run\n");
			return 0;
		}
		if (vmx_setup(f))
			return 0;
		/* The control partition starts in 64-bit mode and runs; guests
		 * start in real mode, which without unrestricted guest needs an
		 * emulator (docs: KVM_CREATE_VM returns -EOPNOTSUPP). */
		if (!f->vmx.unrestricted_guest)
			printk("virt: VMX without unrestricted guest: the control "
			       "partition runs, but real-mode emulation is not "
			       "implemented yet: no guests can run (KVM_CREATE_VM "
			       "fails with -EOPNOTSUPP)\n");
		return &vmx_ops;
	}
	printk("virt: no VMX or SVM: no guests can run\n");
	return 0;
}
