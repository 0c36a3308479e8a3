/* Backend selection at boot (see arch/x86/virt.h). */
#include "arch/x86/virt.h"
#include "arch/x86/svm/svm.h"
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
		printk("virt: the VMX backend is not implemented yet: no guests can run\n");
		return 0;
	}
	printk("virt: no VMX or SVM: no guests can run\n");
	return 0;
}
