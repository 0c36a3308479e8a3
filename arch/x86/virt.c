/* Backend selection at boot (see arch/x86/virt.h). */
#include "arch/x86/virt.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/vmx/vmx.h"
#include "core/log.h"
#include "arch/x86/vcpu_regs_asm.h"
#include <stddef.h>

/* The world switches address struct vcpu_regs by these offsets. */
#define REG_AT(field, off) \
	_Static_assert(offsetof(struct vcpu_regs, field) == (off), #field)
REG_AT(rax, REG_RAX); REG_AT(rbx, REG_RBX); REG_AT(rcx, REG_RCX);
REG_AT(rdx, REG_RDX); REG_AT(rsi, REG_RSI); REG_AT(rdi, REG_RDI);
REG_AT(rbp, REG_RBP); REG_AT(r8, REG_R8); REG_AT(r9, REG_R9);
REG_AT(r10, REG_R10); REG_AT(r11, REG_R11); REG_AT(r12, REG_R12);
REG_AT(r13, REG_R13); REG_AT(r14, REG_R14); REG_AT(r15, REG_R15);

const struct virt_ops *virt_select(const struct cpu_features *f)
{
	if (f->has_svm) {
		if (f->svm.disabled_by_bios) {
			printk("virt: SVM is disabled by the firmware; enable it in setup\n");
			return 0;
		}
		if (!f->svm.npt)
			printk("virt: SVM without nested paging: guests run on "
			       "shadow page tables\n");
		svm_setup(f);
		return f->svm.npt ? &svm_ops : &svm_shadow_ops;
	}
	if (f->has_vmx) {
		if (f->vmx.disabled_by_bios) {
			printk("virt: VMX is disabled by the firmware "
			       "(IA32_FEATURE_CONTROL locked); enable VT-x in setup\n");
			return 0;
		}
		if (vmx_setup(f))
			return 0;
		if (vmx_ctl.shadow)
			printk("virt: VMX without EPT: guests run on shadow page "
			       "tables\n");
		/* Guests start in real mode, which the CPU cannot enter
		 * without unrestricted guest: core runs it in software
		 * (core/vcpu_run.c, VEXIT_SOFTWARE), correct but slower. */
		if (!f->vmx.unrestricted_guest)
			printk("virt: VMX without unrestricted guest: real mode and "
			       "unpaged protected mode run in the instruction emulator\n");
		return vmx_ctl.shadow ? &vmx_shadow_ops : &vmx_ops;
	}
	printk("virt: no VMX or SVM: no guests can run\n");
	return 0;
}
