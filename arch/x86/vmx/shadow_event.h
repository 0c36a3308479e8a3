/*
 * Shadow paging on VMX (shadow.c): how a #PF the guest must see combines
 * with the event whose delivery it interrupted, from the IDT-vectoring
 * information of the exit (SDM Vol. 3 24.9.3, Table 6-5). Pure: built into
 * the hypervisor and into a host test (tests/unit/test_vmx_shadow_event.c).
 */
#ifndef ARCH_X86_VMX_SHADOW_EVENT_H
#define ARCH_X86_VMX_SHADOW_EVENT_H

#include <stdint.h>

enum vmx_pf_outcome {
	VMX_PF_DELIVER,         /* the #PF replaces it (a software interrupt
				 * or exception happens again at its
				 * instruction) */
	VMX_PF_REQUEUE_IRQ,     /* #PF, and the external interrupt it
				 * interrupted is queued again */
	VMX_PF_REQUEUE_NMI,     /* #PF, and the NMI it interrupted is
				 * latched again (delivered after it) */
	VMX_PF_DOUBLE_FAULT,    /* #DF(0) instead */
	VMX_PF_TRIPLE_FAULT,    /* shutdown */
};

enum vmx_pf_outcome vmx_shadow_pf_outcome(uint32_t idt_vectoring_info);

#endif
