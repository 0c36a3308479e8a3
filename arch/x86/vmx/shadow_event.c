/* A guest #PF during an event's delivery (see shadow_event.h). */
#include "arch/x86/vmx/shadow_event.h"
#include "arch/x86/trap.h"

#define INFO_VALID     (1u << 31)
#define INFO_TYPE(i)   (((i) >> 8) & 7)
#define TYPE_EXT       0        /* external interrupt */
#define TYPE_NMI       2
#define TYPE_HW_EXC    3        /* hardware exception */

enum vmx_pf_outcome vmx_shadow_pf_outcome(uint32_t info)
{
	uint8_t vector = (uint8_t)info;

	if (!(info & INFO_VALID))
		return VMX_PF_DELIVER;
	if (INFO_TYPE(info) == TYPE_HW_EXC) {
		int combined = trap_combine(vector, TRAP_PF);

		if (combined < 0)
			return VMX_PF_TRIPLE_FAULT;
		if (combined == TRAP_DF)
			return VMX_PF_DOUBLE_FAULT;
	}
	if (INFO_TYPE(info) == TYPE_EXT)
		return VMX_PF_REQUEUE_IRQ;
	/* an NMI is not lost either: it comes after the #PF (as KVM
	 * re-queues an NMI whose injection did not complete) */
	if (INFO_TYPE(info) == TYPE_NMI)
		return VMX_PF_REQUEUE_NMI;
	/* software interrupts and exceptions, and the rest */
	return VMX_PF_DELIVER;
}
