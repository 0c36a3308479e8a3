/* VMX backend internals shared by the files of arch/x86/vmx/. */
#ifndef ARCH_X86_VMX_VMX_H
#define ARCH_X86_VMX_VMX_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/debugreg.h"
#include "arch/x86/vmx/controls.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/virt.h"
#include "core/vcpu.h"

#define VMX_IO_BITMAP_PAGES 2   /* A: ports 0-0x7fff, B: 0x8000-0xffff */
#define VMX_MSR_BITMAP_PAGES 1

/*
 * hw_reason of a VEXIT_FAIL_ENTRY when VMLAUNCH/VMRESUME itself failed
 * (VMfailValid): this bit plus the VM-instruction error in the low 32
 * bits (SDM Vol. 3 30.4). VMfailInvalid (no usable current VMCS) gives
 * the low 32 bits all ones. A VM-entry failure reported as an exit (guest
 * state, MSR loading, machine check) gives the exit reason itself, with
 * bit 31 set. So (uint32_t)hw_reason is what 2.6.21 put in
 * kvm_run.exit_reason for FAIL_ENTRY on VMX.
 */
#define VMX_HW_VMFAIL   (1ULL << 32)

struct vmx_vm {
	uint64_t io_bitmap_pa;          /* A, then B in the next frame */
	uint64_t msr_bitmap_pa;
	uint64_t eptp;
	uint16_t vpid;                  /* 0: VPIDs not in use */
	uint64_t slat_gen;              /* bumped when the EPT changes */
};

struct vmx_vcpu {
	uint64_t vmcs_pa;
	struct vmx_vm *vm;
	bool launched;                  /* VMRESUME from now on */
	/* VMX_WORK_*: what the next entry must do first; one test of it on
	 * the entry path covers them all */
	uint8_t entry_work;
	/* VEXIT_SOFTWARE steps since the last VEXIT_HOST_INTR */
	uint8_t software_steps;
	uint64_t slat_gen_seen;         /* older than vm->slat_gen: INVEPT */
	uint32_t proc;                  /* primary controls as in the VMCS */
	uint32_t intr_state;            /* guest interruptibility at the exit */
	uint64_t exit_rip;              /* RIP at that exit */
	uint64_t cr2;                   /* not in the VMCS (SDM 27.3.1) */
	uint8_t cr8;                    /* the guest's TPR: CR8 accesses exit */
	bool load_drs;                  /* being debugged: DR0-3 hold its breakpoints */
	struct debugreg_guest dr;       /* its own DR0-3 and DR6 (DR7: the VMCS) */
	uint64_t pat;                   /* IA32_PAT when the CPU cannot switch it */
	uint64_t syscall_msrs[5];       /* not in the VMCS: msr.c switches them */
	uint32_t entry_failures;        /* logged the first few */
	uint64_t pending_dbg_checked; /* exit_rip whose pending #DB was cleared */
	/* Without EPT (shadow.c): the guest's CR3, which the VMCS does not
	 * hold (its CR3 is the shadow root), and the root last loaded */
	uint64_t guest_cr3;
	uint64_t hw_root;
	bool cr3_loaded;        /* load_cr3: the next sync is a CR3 load */
	/* Without the EFER controls (efer.c): the guest's EFER, the host's,
	 * and the frame of the MSR-load areas that switch it */
	uint64_t efer, host_efer, efer_areas_pa;
};

/* vmx_vcpu.entry_work bits. Without unrestricted guest the CPU cannot
 * enter real mode or unpaged protected mode (SDM Vol. 3 26.3.1.1: CR0.PE
 * and PG are fixed to 1) nor segment state that fails 26.3.1.2; while
 * either holds, vmx_run() returns VEXIT_SOFTWARE and core runs the guest
 * in software. */
#define VMX_WORK_FLUSH_VPID 0x1 /* INVVPID before the next entry */
#define VMX_WORK_SOFTWARE   0x2 /* the guest's CR0 lacks PE or PG */
#define VMX_WORK_REFUSED    0x4 /* entry refused the guest state; tried
				 * again once the guest changes it */
#define VMX_WORK_SHADOW     0x8 /* without EPT: the guest's paging registers
				 * changed, the shadow tables must hear of it */

enum vmx_exit_action {
	VMX_EXIT_TO_CORE,               /* *e describes the exit */
	VMX_EXIT_RESUME,                /* handled here; enter the guest again */
};

/* run.S: enters the guest whose VMCS is current. 0 after a VM exit,
 * 1 on VMfailInvalid, 2 on VMfailValid. */
#define VMX_ENTER_FAIL_INVALID 1
#define VMX_ENTER_FAIL_VALID   2
int vmx_vmenter(struct vcpu_regs *regs, int launched);
void vmx_exit_stub(void);

/* vmx.c: computed once by vmx_setup(); read-only afterwards. */
extern struct vmx_controls vmx_ctl;

/* VMX-preemption timer value per entry. It counts TSC >> IA32_VMX_MISC[4:0]
 * (5 on the CPUs we know), so this is about 2^26 TSC ticks: a few hundred
 * times a second on hardware, every ~67M instructions on Bochs. */
#define VMX_PREEMPTION_TICKS (1u << 21)
extern uint32_t vmx_vmcs_revision;
int vmx_setup(const struct cpu_features *f);

/* VMs (vm.c), VPIDs (vpid.c) */
int vmx_vm_init(void **arch, const struct virt_vm_config *cfg);
void vmx_vm_free(void *arch);
void vmx_vm_flush_slat(void *arch);
int vmx_vpid_alloc(uint16_t *vpid);
void vmx_vpid_free(uint16_t vpid);

/* vCPUs (vcpu.c): the virt_ops entries */
int vmx_vcpu_init(struct vcpu *v, void *vm_arch);
void vmx_vcpu_free(struct vcpu *v);
void vmx_get_sregs(struct vcpu *v, struct vcpu_sregs *s);
void vmx_get_sregs_exit(struct vcpu *v, struct vcpu_sregs *s);
void vmx_get_segment(struct vcpu *v, unsigned sreg, struct vcpu_segment *seg);
void vmx_get_exec_state(struct vcpu *v, struct vcpu_exec_state *s);
void vmx_set_sregs(struct vcpu *v, const struct vcpu_sregs *s);
void vmx_run(struct vcpu *v, struct vexit *e);
bool vmx_interrupt_shadow(struct vcpu *v);
uint64_t vmx_get_cr8(struct vcpu *v);
void vmx_set_cr8(struct vcpu *v, uint64_t cr8);
void vmx_inject_irq(struct vcpu *v, uint8_t vector);
bool vmx_event_pending(struct vcpu *v);
void vmx_drop_event(struct vcpu *v);
bool vmx_take_event(struct vcpu *v, struct emul_deliver *ev);
bool vmx_peek_event(struct vcpu *v, struct emul_deliver *ev);
bool vmx_nmi_masked(struct vcpu *v);
void vmx_set_nmi_masked(struct vcpu *v, bool masked);
unsigned vmx_shadow_kind(struct vcpu *v);
void vmx_clear_interrupt_shadow(struct vcpu *v);
void vmx_set_irq_window(struct vcpu *v, bool on);
bool vmx_nmi_blocked(struct vcpu *v);
void vmx_inject_nmi(struct vcpu *v);
void vmx_nmi_delivered(struct vcpu *v);
void vmx_iret_emulated(struct vcpu *v);
void vmx_set_nmi_window(struct vcpu *v, bool on);
/* Sets or clears the guest's NMI blocking (interruptibility bit 3: the
 * virtual-NMI blocking with virtual NMIs), in the VMCS and intr_state.
 * Inline: a call on the exit path (vmx_decode_exit's re-injection) made
 * it save four registers on every exit, 12 instructions. */
static inline void vmx_set_nmi_blocking(struct vmx_vcpu *x, bool blocked)
{
	uint32_t intr = blocked ? (x->intr_state | VMX_BLOCK_NMI)
				: (x->intr_state & ~VMX_BLOCK_NMI);

	if (intr != x->intr_state) {
		x->intr_state = intr;
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr);
	}
}
void vmx_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
			  uint32_t error_code);
void vmx_inject_db(struct vcpu *v, uint64_t dr6_bits);
void vmx_set_dtable(struct vcpu *v, unsigned which, uint64_t base, uint16_t limit);
/* Makes v's VMCS current; returns v's backend state. */
struct vmx_vcpu *vmx_vcpu_load(struct vcpu *v);

/* MSRs (msr.c) and debugging (debug.c) */
int vmx_get_msr(struct vcpu *v, uint32_t index, uint64_t *value);
int vmx_set_msr(struct vcpu *v, uint32_t index, uint64_t value);
void vmx_msrs_init(struct vmx_vcpu *x);
void vmx_msrs_load(struct vmx_vcpu *x);
void vmx_msrs_forget(struct vmx_vcpu *x);
void vmx_set_debug(struct vcpu *v);
void vmx_clear_dr7(struct vcpu *v, uint64_t bits);
void vmx_set_interrupt_shadow(struct vcpu *v, bool mov_ss);
void vmx_flush_guest_tlb(struct vcpu *v);
void vmx_load_cr3(struct vcpu *v);

/* Control registers (cr.c) */
void vmx_write_guest_cr(struct vcpu *v, struct vmx_vcpu *x, uint64_t cr0,
			uint64_t cr3, uint64_t cr4, uint64_t efer);
enum vmx_exit_action vmx_exit_cr_access(struct vcpu *v, struct vmx_vcpu *x,
					struct vexit *e);

/* The guest's EFER (efer.c): init allocates what the CPU needs without
 * the EFER controls, controls() writes the VMCS fields that switch it. */
int vmx_efer_init(struct vmx_vcpu *x);
void vmx_efer_controls(const struct vmx_vcpu *x);
void vmx_efer_free(struct vmx_vcpu *x);
uint64_t vmx_guest_efer(const struct vmx_vcpu *x);
void vmx_set_guest_efer(struct vmx_vcpu *x, uint64_t efer);

/* The guest's CR3: the VMCS's, or without EPT the one shadow.c keeps. */
static inline uint64_t vmx_guest_cr3(const struct vmx_vcpu *x)
{
	return vmx_ctl.shadow ? x->guest_cr3 : vmcs_read(VMCS_GUEST_CR3);
}

/* Shadow paging, without EPT (shadow.c; the controls: controls.c). */
extern const struct virt_ops vmx_shadow_ops;
void vmx_run_shadow(struct vcpu *v, struct vexit *e);
/* The guest's paging registers (as the VMCS read shadows, guest_cr3 and
 * EFER hold them) to the shadow tables: 0, or shadow_cr3_write()'s error
 * (-EINVAL: a PAE PDPTE with reserved bits, the guest's #GP). */
int vmx_shadow_sync(struct vcpu *v, struct vmx_vcpu *x, bool cr3_load);
/* Before an entry in a paged mode: the shadow root into the VMCS and the
 * TLB flushes it needs. false: the guest cannot run, *e says so. */
bool vmx_shadow_enter(struct vcpu *v, struct vmx_vcpu *x, struct vexit *e);
/* The #PF and INVLPG exits shadow paging takes (exit.c dispatches). */
enum vmx_exit_action vmx_exit_shadow_pf(struct vcpu *v, struct vmx_vcpu *x,
					struct vexit *e);
enum vmx_exit_action vmx_exit_invlpg(struct vcpu *v, struct vmx_vcpu *x,
				     struct vexit *e);
/* MOV to CR3 without EPT (cr.c): checked, shadowed, or #GP. */
enum vmx_exit_action vmx_exit_cr3_write(struct vcpu *v, struct vmx_vcpu *x,
					uint64_t val, bool long64, struct vexit *e);
/* The event an exit interrupted, into e->npf.event (exit.c). */
void vmx_exit_event(struct vexit *e);

/* Exits (exit.c) */
enum vmx_exit_action vmx_decode_exit(struct vcpu *v, struct vmx_vcpu *x,
				     uint32_t reason, struct vexit *e);

#endif
