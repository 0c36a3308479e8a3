/*
 * Shadow paging on VMX (arch/x86/vmx/shadow_event.c): how a guest #PF
 * found during an event's delivery combines with that event, from the
 * exit's IDT-vectoring information (SDM Vol. 3 24.9.3, Table 6-5).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "arch/x86/vmx/shadow_event.h"
#include "arch/x86/vmx/vmcs.h"

/* A valid IDT-vectoring information field (SDM Table 24-17 layout). */
static uint32_t event(uint32_t type, uint8_t vector, int has_error)
{
	return VMX_INTR_VALID | type | vector | (has_error ? VMX_INTR_HAS_ERROR : 0);
}

static void test_pf_outcome(void **state)
{
	(void)state;
	assert_int_equal(vmx_shadow_pf_outcome(0), VMX_PF_DELIVER);
	/* the valid bit decides, not leftover bits */
	assert_int_equal(vmx_shadow_pf_outcome(VMX_INTR_TYPE_HW_EXC | 8), VMX_PF_DELIVER);
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_HW_EXC, 14, 1)),
			 VMX_PF_DOUBLE_FAULT);
	/* contributory, then #PF: handled serially (SDM Vol. 3 Table 6-5) */
	for (uint8_t v = 10; v <= 13; v++)
		assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_HW_EXC, v, 1)),
				 VMX_PF_DELIVER);
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_HW_EXC, 0, 0)),
			 VMX_PF_DELIVER);
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_HW_EXC, 8, 1)),
			 VMX_PF_TRIPLE_FAULT);
	/* benign exceptions: #DB, #UD, #NM, #MF, #AC */
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_HW_EXC, 1, 0)),
			 VMX_PF_DELIVER);
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_HW_EXC, 6, 0)),
			 VMX_PF_DELIVER);
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_HW_EXC, 17, 1)),
			 VMX_PF_DELIVER);
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_EXT, 0x30, 0)),
			 VMX_PF_REQUEUE_IRQ);
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_NMI, 2, 0)),
			 VMX_PF_REQUEUE_NMI);
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_SW_INT, 0x80, 0)),
			 VMX_PF_DELIVER);
	/* INT n with vector 14 or 8, INT3, ICEBP: software events, no #DF */
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_SW_INT, 14, 0)),
			 VMX_PF_DELIVER);
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_SW_INT, 8, 0)),
			 VMX_PF_DELIVER);
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_SW_EXC, 3, 0)),
			 VMX_PF_DELIVER);
	assert_int_equal(vmx_shadow_pf_outcome(event(VMX_INTR_TYPE_PRIV_SW_EXC, 1, 0)),
			 VMX_PF_DELIVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pf_outcome),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
