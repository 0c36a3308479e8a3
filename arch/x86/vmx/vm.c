/*
 * Per-VM VMX state: the EPT pointer, the VPID, and the IO and MSR bitmaps
 * (Intel SDM Vol. 3 24.6.4, 24.6.9, 24.6.11). Every port and every MSR
 * access exits except the ports the VM configuration passes through.
 *
 * Runs in a control-partition request (KVM_CREATE_VM, closing a VM) or at
 * boot for the control partition itself.
 */
#include "arch/x86/vmx/vmx.h"
#include "core/lib.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/vm.h"
#include "abi/errno.h"

/* One VPID per VM names one guest address space per VM (vpid.c). */
_Static_assert(VM_MAX_VCPUS == 1, "VPIDs must become per-vCPU with SMP guests");

/* IO bitmaps A and B are consecutive frames: bit 'port' of the pair. */
static void io_allow(uint8_t *bitmap, uint16_t first, uint16_t last)
{
	for (uint32_t port = first; port <= last; port++)
		bitmap[port / 8] &= ~(1u << (port % 8));
}

int vmx_vm_init(void **arch, const struct virt_vm_config *cfg)
{
	struct vmx_vm *xv;
	uint64_t pa;

	/* Without unrestricted guest, the states the CPU cannot enter run
	 * in software (vmx.h, VMX_WORK_SOFTWARE). */
	if (page_alloc(1, 1, &pa))
		return -ENOMEM;
	xv = (struct vmx_vm *)pa;
	if (page_alloc(VMX_IO_BITMAP_PAGES, 1, &xv->io_bitmap_pa) ||
	    page_alloc(VMX_MSR_BITMAP_PAGES, 1, &xv->msr_bitmap_pa) ||
	    (vmx_ctl.vpid && vmx_vpid_alloc(&xv->vpid))) {
		vmx_vm_free(xv);
		return -ENOMEM;
	}
	memset((void *)xv->io_bitmap_pa, 0xff, VMX_IO_BITMAP_PAGES * PAGE_SIZE);
	memset((void *)xv->msr_bitmap_pa, 0xff, VMX_MSR_BITMAP_PAGES * PAGE_SIZE);
	for (unsigned i = 0; i < cfg->nio_pass; i++)
		io_allow((uint8_t *)xv->io_bitmap_pa, cfg->io_pass[i].first,
			 cfg->io_pass[i].last);
	/* 4-level walk, write-back (or UC) paging structures; no A/D bits:
	 * dirty logging write-protects instead (mmu/mmu.h) */
	xv->eptp = cfg->slat_root_pa | vmx_ctl.eptp_flags;
	xv->slat_gen = 1;
	*arch = xv;
	return 0;
}

void vmx_vm_free(void *arch)
{
	struct vmx_vm *xv = arch;

	if (!xv)
		return;
	if (xv->io_bitmap_pa)
		page_free(xv->io_bitmap_pa, VMX_IO_BITMAP_PAGES);
	if (xv->msr_bitmap_pa)
		page_free(xv->msr_bitmap_pa, VMX_MSR_BITMAP_PAGES);
	vmx_vpid_free(xv->vpid);
	page_free((uint64_t)xv, 1);
}

/* The INVEPT happens before the next entry of each vCPU (vcpu.c). */
void vmx_vm_flush_slat(void *arch)
{
	((struct vmx_vm *)arch)->slat_gen++;
}
