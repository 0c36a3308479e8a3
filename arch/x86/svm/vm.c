/*
 * Per-VM SVM state: the ASID, the nested page-table root, and the IO and MSR
 * permission maps (AMD APM Vol. 2 15.10.1, 15.11). Every port and MSR is
 * intercepted except the ports the VM configuration passes through.
 */
#include "arch/x86/svm/svm.h"
#include "core/lib.h"
#include "core/memory.h"
#include "abi/errno.h"

static void iopm_allow(uint8_t *iopm, uint16_t first, uint16_t last)
{
	for (uint32_t port = first; port <= last; port++)
		iopm[port / 8] &= ~(1u << (port % 8));
}

int svm_vm_init(void **arch, const struct virt_vm_config *cfg)
{
	uint64_t pa;
	struct svm_vm *sv;

	if (page_alloc(1, 1, &pa))
		return -ENOMEM;
	sv = (struct svm_vm *)pa;
	if (page_alloc(SVM_IOPM_PAGES, 1, &sv->iopm_pa) ||
	    page_alloc(SVM_MSRPM_PAGES, 1, &sv->msrpm_pa) ||
	    svm_asid_alloc(&sv->asid, &sv->asid_shared)) {
		svm_vm_free(sv);
		return -ENOMEM;
	}
	memset((void *)sv->iopm_pa, 0xff, SVM_IOPM_PAGES * PAGE_SIZE);
	memset((void *)sv->msrpm_pa, 0xff, SVM_MSRPM_PAGES * PAGE_SIZE);
	for (unsigned i = 0; i < cfg->nio_pass; i++)
		iopm_allow((uint8_t *)sv->iopm_pa, cfg->io_pass[i].first,
			   cfg->io_pass[i].last);
	sv->n_cr3 = cfg->slat_root_pa;
	sv->slat_gen = 1;
	*arch = sv;
	return 0;
}

void svm_vm_free(void *arch)
{
	struct svm_vm *sv = arch;

	if (!sv)
		return;
	if (sv->iopm_pa)
		page_free(sv->iopm_pa, SVM_IOPM_PAGES);
	if (sv->msrpm_pa)
		page_free(sv->msrpm_pa, SVM_MSRPM_PAGES);
	if (sv->asid)
		svm_asid_free(sv->asid, sv->asid_shared);
	page_free((uint64_t)sv, 1);
}

void svm_vm_flush_slat(void *arch)
{
	((struct svm_vm *)arch)->slat_gen++;
}
