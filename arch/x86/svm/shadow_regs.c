/* Shadow paging's register rules on SVM (see shadow_regs.h). Pure
 * functions: built into the hypervisor and into a host test. */
#include "arch/x86/svm/shadow_regs.h"
#include "arch/x86/svm/vmcb.h"
#include "arch/x86/trap.h"
#include "core/cpu_rules.h"

#define CR0_WP    (1ULL << 16)
#define CR0_PG    (1ULL << 31)
#define CR4_PAE   (1ULL << 5)
#define EFER_LME  (1ULL << 8)
#define EFER_LMA  (1ULL << 10)
#define EFER_NXE  (1ULL << 11)
#define EFER_SVME (1ULL << 12)
#define EVTINJ_TYPE_MASK (7u << 8)

#define PAGING_CR0  (CR0_PG | CR0_WP)
#define PAGING_CR4  (RULES_CR4_PSE | CR4_PAE | RULES_CR4_LA57 | \
		     RULES_CR4_SMEP | RULES_CR4_SMAP)
#define PAGING_EFER (EFER_LME | EFER_LMA | EFER_NXE)

struct svm_paging_regs svm_shadow_hardware(const struct svm_paging_regs *g,
					   uint64_t root_hpa)
{
	bool paging = g->cr0 & CR0_PG;
	struct svm_paging_regs h = {
		/* paged real mode for a guest with paging off (APM 15.19);
		 * WP so that write protection stops supervisor writes too */
		.cr0 = g->cr0 | CR0_PG | CR0_WP,
		.cr3 = root_hpa,
		/* legacy guests run on PAE-format tables; the identity map
		 * of paging off has user leaves, which SMEP/SMAP would fault */
		.cr4 = (g->cr4 | CR4_PAE) &
		       ~(paging ? 0 : RULES_CR4_SMEP | RULES_CR4_SMAP),
		/* PG=1 with LME=1 would be long mode */
		.efer = (g->efer | EFER_SVME) & ~(paging ? 0 : EFER_LME | EFER_LMA),
	};
	return h;
}

bool svm_shadow_guest_valid(const struct svm_paging_regs *g)
{
	if ((g->efer & EFER_LME) && (g->cr0 & CR0_PG) && !(g->cr4 & CR4_PAE))
		return false;
	return !(g->cr3 >> 52);
}

bool svm_shadow_same_paging(const struct svm_paging_regs *a,
			    const struct svm_paging_regs *b)
{
	return a->cr3 == b->cr3 && !((a->cr0 ^ b->cr0) & PAGING_CR0) &&
	       !((a->cr4 ^ b->cr4) & PAGING_CR4) &&
	       !((a->efer ^ b->efer) & PAGING_EFER);
}

bool svm_shadow_must_sync(const struct svm_paging_regs *now,
			  const struct svm_paging_regs *last, bool last_valid,
			  bool cr3_load)
{
	return cr3_load || !last_valid || !svm_shadow_same_paging(now, last);
}

enum svm_pf_outcome svm_shadow_pf_outcome(uint64_t exitintinfo)
{
	uint8_t vector = (uint8_t)exitintinfo;
	uint32_t type = exitintinfo & EVTINJ_TYPE_MASK;

	if (!(exitintinfo & SVM_EVTINJ_VALID))
		return SVM_PF_DELIVER;
	if (type == SVM_EVTINJ_TYPE_EXEPT) {
		int combined = trap_combine(vector, TRAP_PF);

		if (combined < 0)
			return SVM_PF_TRIPLE_FAULT;
		if (combined == TRAP_DF)
			return SVM_PF_DOUBLE_FAULT;
	}
	if (type == SVM_EVTINJ_TYPE_INTR)
		return SVM_PF_REQUEUE_IRQ;
	/* an NMI is not lost either: it comes after the #PF */
	if (type == SVM_EVTINJ_TYPE_NMI)
		return SVM_PF_REQUEUE_NMI;
	return SVM_PF_DELIVER;
}
