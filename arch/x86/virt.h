/*
 * The one interface between core/ and a virtualization backend (SVM or VMX).
 * Chosen once at boot by virt_select() from CPUID, like Xen's
 * start_svm()/start_vmx(); core/ never names a VMCB or VMCS field.
 *
 * All calls run on the CPU that owns the vCPU, with interrupts off.
 */
#ifndef ARCH_X86_VIRT_H
#define ARCH_X86_VIRT_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vcpu.h"
#include "arch/x86/cpu_features.h"
#include "mmu/mmu.h"
#include "emul/emul.h"

/* IO ports a VM may use directly (control partition: its console). */
struct virt_io_passthrough {
	uint16_t first, last;   /* inclusive */
};

struct virt_vm_config {
	uint64_t slat_root_pa;  /* nested page tables / EPT root */
	const struct virt_io_passthrough *io_pass;
	unsigned nio_pass;
	bool is_ctl;            /* the control partition */
};

/* virt_ops shadow_kind: what blocks interrupts for one instruction. */
#define VIRT_SHADOW_STI         0x1u
#define VIRT_SHADOW_MOV_SS      0x2u

struct virt_ops {
	const char *name;
	/* The format of the second-level tables vm_init is given. */
	enum mmu_format slat_format;
	/* No second-level translation: every VM runs on shadow page tables
	 * (core/vm_shadow.c), built from its map (of slat_format). */
	bool shadow_paging;
	/* Turns virtualization on for the calling CPU. */
	int (*cpu_enable)(unsigned cpu);
	/* Per-VM state (ASID/VPID, permission maps); 'arch' is the VM's. */
	int (*vm_init)(void **arch, const struct virt_vm_config *cfg);
	void (*vm_free)(void *arch);
	/* Tells the backend the VM's second-level tables changed. */
	void (*vm_flush_slat)(void *arch);
	int (*vcpu_init)(struct vcpu *v, void *vm_arch);
	void (*vcpu_free)(struct vcpu *v);
	void (*get_sregs)(struct vcpu *v, struct vcpu_sregs *s);
	void (*set_sregs)(struct vcpu *v, const struct vcpu_sregs *s);
	/* get_sregs cut to what the exit path needs (the emulator, string
	 * IO): CS, DS, ES, FS, GS, SS, CR0, CR2, CR3, CR4 and EFER. TR, LDTR,
	 * GDTR, IDTR, CR8 and apic_base in *s are left as they were. */
	void (*get_sregs_exit)(struct vcpu *v, struct vcpu_sregs *s);
	/* Smaller still, for the MMIO emulator, which loads segments only
	 * when an instruction uses them: the paging registers and mode bits,
	 * and one segment register (sreg 0..5: ES CS SS DS FS GS, the ModRM
	 * order). */
	void (*get_exec_state)(struct vcpu *v, struct vcpu_exec_state *s);
	void (*get_segment)(struct vcpu *v, unsigned sreg, struct vcpu_segment *seg);
	/* Enters the guest until an exit; fills *e. */
	void (*run)(struct vcpu *v, struct vexit *e);
	/* The guest's CR8 (task priority), cheaper than get_sregs on the
	 * exit path; set_cr8 is KVM_RUN's "CR8 <- run.cr8" input. */
	uint64_t (*get_cr8)(struct vcpu *v);
	void (*set_cr8)(struct vcpu *v, uint64_t cr8);
	/* Is the guest in an STI / MOV SS interrupt shadow? */
	bool (*interrupt_shadow)(struct vcpu *v);
	/* Delivers external interrupt 'vector' on the next entry; the caller
	 * checked that the guest can take it (IF=1, no shadow, no event). */
	void (*inject_irq)(struct vcpu *v, uint8_t vector);
	/* Is an injected event still waiting to be delivered? */
	bool (*event_pending)(struct vcpu *v);
	/* Forgets the event whose delivery the last exit interrupted, which
	 * would be delivered again on the next entry: core delivered it
	 * through the emulator (vexit npf.event). */
	void (*drop_event)(struct vcpu *v);
	/* Exit (VEXIT_INTR_WINDOW) as soon as the guest can take an interrupt. */
	void (*set_irq_window)(struct vcpu *v, bool on);
	/*
	 * The guest's NMIs (KVM_NMI; docs/virtual-cpu.md, "NMIs"). Not
	 * RFLAGS.IF: nmi_blocked says whether an NMI handler runs that has
	 * not yet executed its IRET, or a shadow blocks NMIs as the vendor's
	 * CPU does (VMX: MOV SS and STI, SDM 24.4.2 Table 24-3 and 26.3.1.5;
	 * SVM: the interrupt shadow, as KVM). inject_nmi delivers one on the
	 * next entry (core checked !nmi_blocked and !event_pending) and
	 * blocks NMIs until the handler's IRET. nmi_delivered: the emulator
	 * delivered one (or a task switch started its handler task), which
	 * blocks NMIs as well. iret_emulated: the emulator executed an IRET
	 * (completed or faulted), which ends that blocking (SDM 6.7.1,
	 * 27.2.3). set_nmi_window asks for an exit (VEXIT_NMI_WINDOW) as
	 * soon as the blocking ends, as near as the backend can tell.
	 */
	bool (*nmi_blocked)(struct vcpu *v);
	void (*inject_nmi)(struct vcpu *v);
	void (*nmi_delivered)(struct vcpu *v);
	void (*iret_emulated)(struct vcpu *v);
	void (*set_nmi_window)(struct vcpu *v, bool on);
	/* MSRs the backend's control structure holds (EFER, SYSCALL and
	 * SYSENTER MSRs, FS/GS base, KERNEL_GS_BASE, TSC, PAT): 0, or -1 if
	 * the index is not one of them. */
	int (*get_msr)(struct vcpu *v, uint32_t index, uint64_t *value);
	int (*set_msr)(struct vcpu *v, uint32_t index, uint64_t value);
	/* Arms execution breakpoints and #DB interception for v->debug (the
	 * single-step flag is core's: it sets RFLAGS.TF around entries). */
	void (*set_debug)(struct vcpu *v);
	/* Injects an exception into the guest on the next entry. */
	void (*inject_exception)(struct vcpu *v, uint8_t vector, bool has_error,
				 uint32_t error_code);
	/* Injects a #DB that reports dr6_bits (BS for a single-step trap)
	 * in the guest's DR6, as the CPU would have set them. */
	void (*inject_db)(struct vcpu *v, uint64_t dr6_bits);
	/* LGDT/LIDT done by the emulator: GDTR (which = EMUL_DTABLE_GDT) or
	 * IDTR (EMUL_DTABLE_IDT) <- base, limit (checked already). */
	void (*set_dtable)(struct vcpu *v, unsigned which, uint64_t base, uint16_t limit);
	/* Clears 'bits' of the DR7 the guest runs with (a task switch clears
	 * the local breakpoint enables). */
	void (*clear_dr7)(struct vcpu *v, uint64_t bits);
	/* The instruction the emulator just retired (STI that set IF, or
	 * MOV SS when mov_ss) blocks interrupts until the next one is done:
	 * the next entry starts in that shadow. */
	void (*set_interrupt_shadow)(struct vcpu *v, bool mov_ss);
	/*
	 * KVM_GET/SET_VCPU_EVENTS (core/vcpu_events.c). peek_event:
	 * the event injected for the next entry (an interrupt, an NMI, an
	 * exception; one an exit interrupted included), left in place.
	 * nmi_masked / set_nmi_masked: NMI blocking by a handler that has
	 * not yet executed its IRET (nmi_blocked without the shadow).
	 * shadow_kind: VIRT_SHADOW_* of the shadow the next entry starts in
	 * (SVM's one bit is both); clear_interrupt_shadow ends it.
	 */
	bool (*peek_event)(struct vcpu *v, struct emul_deliver *ev);
	bool (*nmi_masked)(struct vcpu *v);
	void (*set_nmi_masked)(struct vcpu *v, bool masked);
	unsigned (*shadow_kind)(struct vcpu *v);
	void (*clear_interrupt_shadow)(struct vcpu *v);
	/* Only for a backend that returns VEXIT_SOFTWARE (VMX without
	 * unrestricted guest): takes the event injected for the next entry
	 * (exception, interrupt), if any, for core to deliver through the
	 * emulator; the backend forgets it. */
	bool (*take_event)(struct vcpu *v, struct emul_deliver *ev);
	/* Drops every translation the guest's own paging made (its VPID or
	 * ASID, global ones and all PCIDs included) before the next entry:
	 * an INVPCID or INVLPG the emulator ran. */
	void (*flush_guest_tlb)(struct vcpu *v);
	/* After set_sregs: the guest loaded CR3 (a MOV to CR3 the emulator
	 * ran, a task switch, KVM_SET_SREGS), which flushes its TLB and, with
	 * PAE paging, reads the PDPTEs again even when CR3 kept its value
	 * (SDM Vol. 3 4.4.1, 4.10.4.1): the shadow tables take it at entry. */
	void (*load_cr3)(struct vcpu *v);
};

/* Picks the backend the CPU supports, or NULL with a reason printed. */
const struct virt_ops *virt_select(const struct cpu_features *f);

extern const struct virt_ops svm_ops;
extern const struct virt_ops svm_shadow_ops;       /* SVM without NPT */
extern const struct virt_ops vmx_shadow_ops;       /* VMX without EPT */
extern const struct virt_ops vmx_ops;

#endif
