/*
 * Host unit tests for the states KVM_SET_VCPU_EVENTS refuses
 * (core/vcpu_events_check.c): what GET reports is accepted back; unknown
 * and unoffered flags, SMM, bad vectors and error codes, two events at
 * once, INT n, events in a shadow and an NMI into blocked NMIs are not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/vcpu_events.h"

#define BASE_FLAGS (KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW)

static struct kvm_vcpu_events none(void)
{
	return (struct kvm_vcpu_events){ .flags = BASE_FLAGS };
}

/* Each state GET can report goes back unchanged. */
static void test_accepts_what_get_reports(void **state)
{
	struct kvm_vcpu_events e = none();

	(void)state;
	assert_null(vcpu_events_refusal(&e));
	e.nmi.pending = 1;
	e.nmi.masked = 1;
	e.interrupt.shadow = KVM_X86_SHADOW_INT_STI | KVM_X86_SHADOW_INT_MOV_SS;
	assert_null(vcpu_events_refusal(&e));
	e = none();
	e.exception = (typeof(e.exception)){ .injected = 1, .nr = 14,
					     .has_error_code = 1, .error_code = 0x1b };
	assert_null(vcpu_events_refusal(&e));
	e.exception = (typeof(e.exception)){ .pending = 1, .nr = 6 };
	assert_null(vcpu_events_refusal(&e));
	e = none();
	e.interrupt = (typeof(e.interrupt)){ .injected = 1, .nr = 0x30 };
	assert_null(vcpu_events_refusal(&e));
	e = none();
	e.nmi.injected = 1;
	assert_null(vcpu_events_refusal(&e));
	/* all-zero SMM state and a SIPI vector are accepted */
	e = none();
	e.flags |= KVM_VCPUEVENT_VALID_SMM | KVM_VCPUEVENT_VALID_SIPI_VECTOR;
	e.sipi_vector = 0x9a;
	assert_null(vcpu_events_refusal(&e));
	/* without VALID_SHADOW the shadow byte is not looked at */
	e = none();
	e.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	e.interrupt.shadow = 0xff;
	e.nmi.injected = 1;
	assert_null(vcpu_events_refusal(&e));
}

static void test_refuses_flags_and_smm(void **state)
{
	struct kvm_vcpu_events e = none();

	(void)state;
	e.flags |= 0x40;
	assert_non_null(vcpu_events_refusal(&e));
	e.flags = BASE_FLAGS | KVM_VCPUEVENT_VALID_PAYLOAD;
	assert_non_null(vcpu_events_refusal(&e));
	e.flags = BASE_FLAGS | KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	assert_non_null(vcpu_events_refusal(&e));
	e.flags = BASE_FLAGS | KVM_VCPUEVENT_VALID_SMM;
	e.smi.smm = 1;
	assert_non_null(vcpu_events_refusal(&e));
	e.smi.smm = 0;
	e.smi.latched_init = 1;
	assert_non_null(vcpu_events_refusal(&e));
	e.flags = BASE_FLAGS;           /* ignored without VALID_SMM */
	assert_null(vcpu_events_refusal(&e));
}

static void test_refuses_bad_exceptions(void **state)
{
	struct kvm_vcpu_events e = none();

	(void)state;
	e.exception = (typeof(e.exception)){ .injected = 1, .nr = 32 };
	assert_non_null(vcpu_events_refusal(&e));
	e.exception = (typeof(e.exception)){ .injected = 1, .nr = 2 };
	assert_non_null(vcpu_events_refusal(&e));
	e.exception = (typeof(e.exception)){ .pending = 1, .nr = 13 };  /* no code */
	assert_non_null(vcpu_events_refusal(&e));
	e.exception = (typeof(e.exception)){ .injected = 1, .nr = 6, .has_error_code = 1 };
	assert_non_null(vcpu_events_refusal(&e));
	e.exception = (typeof(e.exception)){ .injected = 1, .nr = 13, .has_error_code = 1,
					     .error_code = 0x10000 };
	assert_non_null(vcpu_events_refusal(&e));
	e.exception.error_code = 0xffff;
	assert_null(vcpu_events_refusal(&e));
	/* not being delivered: the fields are not looked at */
	e.exception = (typeof(e.exception)){ .nr = 200, .has_error_code = 1 };
	assert_null(vcpu_events_refusal(&e));
}

static void test_refuses_impossible_combinations(void **state)
{
	struct kvm_vcpu_events e = none();

	(void)state;
	e.exception = (typeof(e.exception)){ .injected = 1, .nr = 0 };
	e.nmi.injected = 1;
	assert_non_null(vcpu_events_refusal(&e));           /* two events */
	e = none();
	e.interrupt = (typeof(e.interrupt)){ .injected = 1, .nr = 0x20 };
	e.nmi.injected = 1;
	assert_non_null(vcpu_events_refusal(&e));
	e = none();
	e.interrupt = (typeof(e.interrupt)){ .injected = 1, .nr = 0x80, .soft = 1 };
	assert_non_null(vcpu_events_refusal(&e));           /* INT n: no length */
	e = none();
	e.interrupt = (typeof(e.interrupt)){ .injected = 1, .nr = 0x20,
					     .shadow = KVM_X86_SHADOW_INT_STI };
	assert_non_null(vcpu_events_refusal(&e));           /* in a shadow */
	e = none();
	e.nmi.injected = 1;
	e.interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS;
	assert_non_null(vcpu_events_refusal(&e));
	e = none();
	e.interrupt.shadow = 4;
	assert_non_null(vcpu_events_refusal(&e));           /* unknown bit */
	e = none();
	e.nmi.injected = 1;
	e.nmi.masked = 1;
	assert_non_null(vcpu_events_refusal(&e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_what_get_reports),
		cmocka_unit_test(test_refuses_flags_and_smm),
		cmocka_unit_test(test_refuses_bad_exceptions),
		cmocka_unit_test(test_refuses_impossible_combinations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
