/*
 * The guest's IA32_EFER. With the "load/save IA32_EFER" controls the VMCS
 * holds it and entry and exit switch it (SDM Vol. 3 26.3.2.1, 27.3.1,
 * 27.5.1). The first CPUs with VMX (Core 2) have neither control nor the
 * VMCS field: the guest's EFER is kept in struct vmx_vcpu (every guest
 * write of EFER exits: the MSR bitmap, vm.c), and the CPU's is
 *  - on entry: LME and LMA from the "IA-32e mode guest" control (SDM
 *    26.3.2.1), the rest the host's, then the VM-entry MSR-load area (SDM
 *    26.4) when the guest's other bits (SCE, NXE) differ from the host's;
 *  - on exit: LME and LMA from "host address-space size" (SDM 27.5.1),
 *    then the host's EFER from the VM-exit MSR-load area (SDM 27.6).
 * A guest entered in hardware is paged (CR0.PG = 1: without EFER controls
 * there is no EPT, so no unrestricted guest), so its LMA equals its LME
 * equals the IA-32e control: the WRMSR of the load area changes neither
 * and cannot fault on them.
 */
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/cpu.h"
#include "core/memory.h"
#include "abi/errno.h"

/* An MSR-load area entry (SDM Vol. 3 24.7.2, Table 24-12). */
struct vmx_msr_entry {
	uint32_t index;
	uint32_t reserved;
	uint64_t data;
};

/* The frame of struct vmx_vcpu.efer_areas_pa: the VM-entry area, then the
 * VM-exit area, one entry each, 16-byte aligned (SDM 26.2.1.2). */
#define ENTRY_AREA 0
#define EXIT_AREA  1

int vmx_efer_init(struct vmx_vcpu *x)
{
	if (vmx_ctl.efer_switch)
		return 0;
	if (page_alloc(1, 1, &x->efer_areas_pa))
		return -ENOMEM;
	x->host_efer = rdmsr(MSR_EFER);
	return 0;
}

/* With the vCPU's VMCS current. */
void vmx_efer_controls(const struct vmx_vcpu *x)
{
	if (vmx_ctl.efer_switch) {
		vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
		return;
	}
	vmcs_write(VMCS_ENTRY_MSR_LOAD_ADDR, x->efer_areas_pa +
		   ENTRY_AREA * sizeof(struct vmx_msr_entry));
	vmcs_write(VMCS_EXIT_MSR_LOAD_ADDR, x->efer_areas_pa +
		   EXIT_AREA * sizeof(struct vmx_msr_entry));
}

void vmx_efer_free(struct vmx_vcpu *x)
{
	if (x->efer_areas_pa)
		page_free(x->efer_areas_pa, 1);
	x->efer_areas_pa = 0;
}

uint64_t vmx_guest_efer(const struct vmx_vcpu *x)
{
	return vmx_ctl.efer_switch ? vmcs_read(VMCS_GUEST_EFER) : x->efer;
}

void vmx_set_guest_efer(struct vmx_vcpu *x, uint64_t efer)
{
	struct vmx_msr_entry *area = (struct vmx_msr_entry *)x->efer_areas_pa;
	bool differ;

	if (vmx_ctl.efer_switch) {
		vmcs_write(VMCS_GUEST_EFER, efer);
		return;
	}
	x->efer = efer;
	differ = (efer ^ x->host_efer) & ~(EFER_LME | EFER_LMA);
	area[ENTRY_AREA] = (struct vmx_msr_entry){ MSR_EFER, 0, efer };
	area[EXIT_AREA] = (struct vmx_msr_entry){ MSR_EFER, 0, x->host_efer };
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, differ);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, differ);
}
