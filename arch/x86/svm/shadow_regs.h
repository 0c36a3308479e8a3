/*
 * Shadow paging on SVM (shadow.c): the pure decisions, host-tested
 * (tests/unit/test_svm_shadow_regs.c). Which paging registers the CPU runs
 * a guest with, which changes of the guest's reach the shadow tables, and
 * how a #PF the guest must see combines with the event whose delivery it
 * interrupted. AMD APM Vol. 2 15.5.1, 15.19, 8.2.9; SDM Vol. 3 Table 6-5.
 */
#ifndef ARCH_X86_SVM_SHADOW_REGS_H
#define ARCH_X86_SVM_SHADOW_REGS_H

#include <stdbool.h>
#include <stdint.h>

/* CR0, CR3, CR4 and EFER (EFER without SVME for the guest's). */
struct svm_paging_regs {
	uint64_t cr0, cr3, cr4, efer;
};

/* What the CPU runs a guest with that set *guest: PG and WP always, PAE
 * for a legacy guest, SMEP/SMAP and LME/LMA off while its paging is off,
 * EFER.SVME (VMRUN requires it), CR3 the shadow root. */
struct svm_paging_regs svm_shadow_hardware(const struct svm_paging_regs *guest,
					   uint64_t root_hpa);

/* VMRUN's checks (APM 15.5.1) the hardware values can no longer fail:
 * false for EFER.LME and CR0.PG with CR4.PAE clear, or CR3 bits 63:52. */
bool svm_shadow_guest_valid(const struct svm_paging_regs *guest);

/* Do a and b translate alike (CR3, CR0.PG/WP, CR4.PSE/PAE/LA57/SMEP/SMAP,
 * EFER.LME/LMA/NXE equal)? Then the shadow tables need not hear of it. */
bool svm_shadow_same_paging(const struct svm_paging_regs *a,
			    const struct svm_paging_regs *b);

/* Must the shadow tables hear of the guest's paging registers now (last:
 * what they heard before, if last_valid)? When they translate otherwise,
 * and at every MOV to CR3 (cr3_load), even of the value CR3 holds: that
 * loads a PAE guest's PDPTEs again (SDM Vol. 3 4.4.1), so a PDPTE the
 * guest rewrote counts from there. */
bool svm_shadow_must_sync(const struct svm_paging_regs *now,
			  const struct svm_paging_regs *last, bool last_valid,
			  bool cr3_load);

/* A guest #PF found while an event (EXITINTINFO) was being delivered. */
enum svm_pf_outcome {
	SVM_PF_DELIVER,         /* the #PF replaces it (a software event
				 * happens again at its instruction) */
	SVM_PF_REQUEUE_IRQ,     /* #PF, and the external interrupt it
				 * interrupted is queued again */
	SVM_PF_REQUEUE_NMI,     /* #PF, and the NMI it interrupted is
				 * latched again (delivered after it) */
	SVM_PF_DOUBLE_FAULT,    /* #DF(0) instead */
	SVM_PF_TRIPLE_FAULT,    /* shutdown */
};
enum svm_pf_outcome svm_shadow_pf_outcome(uint64_t exitintinfo);

#endif
