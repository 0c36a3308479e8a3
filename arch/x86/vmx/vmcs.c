/*
 * Checked VMCS access and the current-VMCS pointer (see vmcs.h).
 *
 * VMREAD/VMWRITE act on the CPU's current VMCS (SDM Vol. 3 24.1), and core
 * calls the backend for any vCPU from inside the control partition's
 * hypercall (e.g. KVM_GET_SREGS on a guest), so every backend entry point
 * first makes its vCPU's VMCS current; vmcs_load() skips the VMPTRLD when it
 * already is. A failing VMREAD/VMWRITE on a field we chose is a broken
 * invariant of ours: panic with the field and the instruction error.
 */
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/desc.h"
#include "core/log.h"

static uint64_t current_vmcs[MAX_CPUS];        /* 0: none */

/* SDM Vol. 3 30.4, Table 30-1 */
static const char *const insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmcs_insn_error_name(uint32_t err)
{
	if (err < sizeof(insn_errors) / sizeof(insn_errors[0]) && insn_errors[err])
		return insn_errors[err];
	return "unknown VM-instruction error";
}

uint32_t vmcs_insn_error(void)
{
	uint64_t err;

	return vmx_vmread(VMCS_INSN_ERROR, &err) ? (uint32_t)err : 0;
}

void vmcs_fail(const char *op, uint32_t field)
{
	uint32_t err = current_vmcs[0] ? vmcs_insn_error() : 0;

	panic("vmx: %s of VMCS field %#x failed (current VMCS %#lx): "
	      "VM-instruction error %u, %s", op, field, current_vmcs[0], err,
	      current_vmcs[0] ? vmcs_insn_error_name(err) : "no current VMCS");
}

void vmcs_load(uint64_t pa)
{
	if (current_vmcs[0] == pa)      /* per-CPU index once SMP lands */
		return;
	if (!vmx_vmptrld(pa))
		panic("vmx: VMPTRLD %#lx failed: VM-instruction error %u, %s", pa,
		      vmcs_insn_error(), vmcs_insn_error_name(vmcs_insn_error()));
	current_vmcs[0] = pa;
}

void vmcs_clear(uint64_t pa)
{
	if (!vmx_vmclear(pa))
		panic("vmx: VMCLEAR %#lx failed: VM-instruction error %u, %s", pa,
		      vmcs_insn_error(), vmcs_insn_error_name(vmcs_insn_error()));
	if (current_vmcs[0] == pa)
		current_vmcs[0] = 0;
}
