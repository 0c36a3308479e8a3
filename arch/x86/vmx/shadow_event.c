/* A guest #PF during an event's delivery (see shadow_event.h). */
#include "arch/x86/vmx/shadow_event.h"

#define INFO_VALID     (1u << 31)
#define INFO_TYPE(i)   (((i) >> 8) & 7)
#define TYPE_EXT       0        /* external interrupt */
#define TYPE_HW_EXC    3        /* hardware exception */
#define VEC_DE 0
#define VEC_DF 8
#define VEC_PF 14

/* #PF itself and the contributory exceptions (#DE, #TS, #NP, #SS, #GP)
 * make a #PF in their delivery a #DF (SDM Vol. 3 Table 6-5). */
static int contributory_or_pf(uint8_t vector)
{
	return vector == VEC_PF || vector == VEC_DE || (vector >= 10 && vector <= 13);
}

enum vmx_pf_outcome vmx_shadow_pf_outcome(uint32_t info)
{
	uint8_t vector = (uint8_t)info;

	if (!(info & INFO_VALID))
		return VMX_PF_DELIVER;
	if (INFO_TYPE(info) == TYPE_HW_EXC && vector == VEC_DF)
		return VMX_PF_TRIPLE_FAULT;
	if (INFO_TYPE(info) == TYPE_HW_EXC && contributory_or_pf(vector))
		return VMX_PF_DOUBLE_FAULT;
	if (INFO_TYPE(info) == TYPE_EXT)
		return VMX_PF_REQUEUE_IRQ;
	/* NMI, software interrupts and exceptions, and the rest */
	return VMX_PF_DELIVER;
}
