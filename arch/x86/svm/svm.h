/* SVM backend internals shared by the files of arch/x86/svm/. */
#ifndef ARCH_X86_SVM_SVM_H
#define ARCH_X86_SVM_SVM_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/debugreg.h"
#include "arch/x86/desc.h"
#include "arch/x86/svm/vmcb.h"
#include "arch/x86/virt.h"
#include "core/vcpu.h"

#define SVM_IOPM_PAGES  3       /* 12 KiB: one bit per port + 3 spare bytes */
#define SVM_MSRPM_PAGES 2

struct svm_vm {
	uint64_t iopm_pa, msrpm_pa;
	uint64_t n_cr3;
	uint32_t asid;
	bool asid_shared;       /* ran out of ASIDs: flush on every entry */
	uint64_t slat_gen;      /* bumped when the nested tables change */
};

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	struct svm_vm *vm;
	uint64_t slat_gen_seen; /* not vm->slat_gen: flush this ASID (also
				 * set so after an emulated MOV to CR4) */
	bool load_drs;          /* being debugged: DR0-3 hold its breakpoints */
	struct debugreg_guest dr;       /* its own DR0-3 (DR6/7: the VMCB) */
	uint64_t exit_rip;      /* RIP at the last exit: a shadow ends when it moves */
	uint64_t entry_eventinj; /* EVENTINJ at the last VMRUN (exit.c checks
				  * EXITINTINFO's interrupts against it) */
	bool have_saved;        /* 'saved' holds the last state set_sregs wrote */
	struct vmcb_save saved; /* restored when the CPU refuses that state */
	/* Without NPT (shadow.c): while the guest runs, the VMCB holds the
	 * hardware's CR0, CR3, CR4 and EFER and this the guest's; outside
	 * it, the VMCB holds the guest's again. */
	struct {
		uint64_t cr0, cr3, cr4, efer;
	} guest;
	uint64_t hw_root;       /* the shadow root the last entry loaded */
	bool flush_on_entry;    /* the guest's MOV CR3 flushes its TLB */
	bool cr3_loaded;        /* load_cr3: the next sync is a CR3 load */
	/* The guest's NMI blocking, which SVM without vNMI does not keep
	 * (vcpu.c, "NMIs"): set when an NMI is injected, until the handler's
	 * IRET; awaiting_iret: that IRET was intercepted at iret_rip and
	 * left to run, so the blocking ends once RIP moves on */
	bool nmi_masked;
	bool nmi_awaiting_iret;
	uint64_t nmi_iret_rip;
	/* an NMI waits for the one instruction a shadow covers: the guest
	 * runs it with TF (vcpu.c, svm_set_nmi_window); nmi_step_tf is TF
	 * then, 0 otherwise, OR-ed into RFLAGS at each entry and taken off
	 * at the exit; DR6 as it was before */
	uint64_t nmi_step_tf;
	uint64_t nmi_step_dr6;
};

/* The exit code, with QEMU's 32-bit VMEXIT_INVALID (0x00000000ffffffff)
 * read as the architectural -1. */
static inline uint64_t svm_exit_code(const struct vmcb_control *c)
{
	return (uint32_t)c->exitcode == 0xffffffffu ? SVM_EXIT_INVALID : c->exitcode;
}

void svm_vmrun(struct vcpu_regs *regs, uint64_t vmcb_pa, uint64_t host_vmcb_pa);

/* Per-CPU host state (svm.c). Read on every entry, so inline. */
struct svm_cpu {
	uint64_t hsave_pa;
	uint64_t host_vmcb_pa;
};
extern struct svm_cpu svm_cpus[MAX_CPUS];
static inline uint64_t svm_host_vmcb_pa(void)
{
	return svm_cpus[0].host_vmcb_pa;        /* per-CPU index once SMP lands */
}
/* NRIP-save (the VMCB's next RIP; QEMU TCG lacks it): read on every
 * CPUID, MSR and hypercall exit, so an inline test of a flag. */
extern bool svm_nrip_save;
static inline bool svm_has_nrip_save(void)
{
	return svm_nrip_save;
}

void svm_setup(const struct cpu_features *f);

/* No nested paging: every guest runs on shadow page tables (shadow.c).
 * Read around every VMRUN, so an inline test of a flag. */
extern bool svm_shadow_paging;

/* Shadow paging (shadow.c). enter: before VMRUN, the guest's paging
 * registers to the shadow tables and the hardware's into the VMCB; <0
 * when the guest cannot run (no shadow root). leave: after it, the
 * guest's back. sync: the VMCB's (guest) paging registers changed: the
 * shadow tables follow (0, or shadow_cr3_write()'s error: -EINVAL is a
 * PAE PDPTE with reserved bits, #GP for the instruction); cr3_load for
 * MOV to CR3, which the shadow hears of even with an unchanged value. */
int svm_shadow_enter(struct vcpu *v, struct svm_vcpu *sv);
void svm_shadow_leave(struct vcpu *v, struct svm_vcpu *sv);
int svm_shadow_sync(struct vcpu *v, struct svm_vcpu *sv, bool cr3_load);
/* A #PF intercepted under shadow paging: filled, refilled or reflected,
 * or handed to core as an MMIO/dirty-logging fault or an instruction to
 * emulate. */
void svm_exit_shadow_pf(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e);

/* VMs (vm.c) and vCPUs (vcpu.c): the virt_ops entries. */
int svm_vm_init(void **arch, const struct virt_vm_config *cfg);
void svm_vm_free(void *arch);
void svm_vm_flush_slat(void *arch);
int svm_vcpu_init(struct vcpu *v, void *vm_arch);
void svm_vcpu_free(struct vcpu *v);
void svm_get_sregs(struct vcpu *v, struct vcpu_sregs *s);
void svm_get_sregs_exit(struct vcpu *v, struct vcpu_sregs *s);
void svm_get_segment(struct vcpu *v, unsigned sreg, struct vcpu_segment *seg);
void svm_get_exec_state(struct vcpu *v, struct vcpu_exec_state *s);
void svm_set_sregs(struct vcpu *v, const struct vcpu_sregs *s);
void svm_run(struct vcpu *v, struct vexit *e);
void svm_run_shadow(struct vcpu *v, struct vexit *e);
bool svm_interrupt_shadow(struct vcpu *v);
uint64_t svm_get_cr8(struct vcpu *v);
void svm_set_cr8(struct vcpu *v, uint64_t cr8);
void svm_set_debug(struct vcpu *v);
void svm_clear_dr7(struct vcpu *v, uint64_t bits);
void svm_set_interrupt_shadow(struct vcpu *v, bool mov_ss);
bool svm_peek_event(struct vcpu *v, struct emul_deliver *ev);
bool svm_nmi_masked(struct vcpu *v);
void svm_set_nmi_masked(struct vcpu *v, bool masked);
unsigned svm_shadow_kind(struct vcpu *v);
void svm_clear_interrupt_shadow(struct vcpu *v);
void svm_flush_guest_tlb(struct vcpu *v);
void svm_load_cr3(struct vcpu *v);
int svm_get_msr(struct vcpu *v, uint32_t index, uint64_t *value);
int svm_set_msr(struct vcpu *v, uint32_t index, uint64_t value);
void svm_inject_irq(struct vcpu *v, uint8_t vector);
bool svm_event_pending(struct vcpu *v);
void svm_drop_event(struct vcpu *v);
void svm_set_irq_window(struct vcpu *v, bool on);
bool svm_nmi_blocked(struct vcpu *v);
void svm_inject_nmi(struct vcpu *v);
void svm_nmi_delivered(struct vcpu *v);
void svm_iret_emulated(struct vcpu *v);
void svm_set_nmi_window(struct vcpu *v, bool on);
/* The IRET intercept (exit.c): the end of an NMI handler. */
void svm_exit_iret(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e);
void svm_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
			  uint32_t error_code);
void svm_inject_db(struct vcpu *v, uint64_t dr6_bits);
void svm_set_dtable(struct vcpu *v, unsigned which, uint64_t base, uint16_t limit);

/* Exit decoding (exit.c). */
void svm_decode_exit(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e);
/* Fetches and decodes the instruction at the guest's CS:RIP; its length,
 * or <= 0 when it cannot be read or decoded. */
struct emul_insn;
int svm_decode_at_rip(struct vcpu *v, const struct vmcb_save *h,
		      struct emul_insn *insn);

/* Intercepted writes of CR0 (MOV, CLTS, LMSW) and CR4 (cr.c): completes
 * them or injects their #GP. */
void svm_exit_cr0_write(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e);
void svm_exit_cr4_write(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e);
/* Without NPT also MOV to CR3 and the reads of CR0 (MOV, SMSW), CR3 and
 * CR4, which must see the guest's values, not the hardware's (cr.c). */
void svm_exit_cr3_write(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e);
void svm_exit_cr_read(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e,
		      unsigned cr);
/* The event a nested (or shadow) page fault interrupted, into e->npf.event
 * (exit.c). */
void svm_npf_event(struct vcpu *v, struct svm_vcpu *sv, struct vexit *e);

/* ASIDs (asid.c). */
int svm_asid_alloc(uint32_t *asid, bool *shared);
void svm_asid_free(uint32_t asid, bool shared);
void svm_asid_init(uint32_t nasids);

#endif
