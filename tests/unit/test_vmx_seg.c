/*
 * Host tests for arch/x86/vmx/seg.c: VMCS segment access rights (Intel SDM
 * Vol. 3 Table 24-2) and the adjustments VM entry needs (SDM 26.3.1.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/seg.h"

static const struct vcpu_segment code64 = { .limit = 0xffffffff, .selector = 0x08,
	.type = 0xb, .present = 1, .s = 1, .l = 1, .g = 1 };
static const struct vcpu_segment data32 = { .limit = 0xffffffff, .selector = 0x10,
	.type = 0x3, .present = 1, .s = 1, .db = 1, .g = 1 };

static void test_pack_known_values(void **state)
{
	struct vcpu_segment s;

	(void)state;
	assert_int_equal(vmx_ar_pack(&code64), 0xa09b);
	assert_int_equal(vmx_ar_pack(&data32), 0xc093);
	/* real-mode reset CS: 0x9b */
	s = (struct vcpu_segment){ .limit = 0xffff, .selector = 0xf000, .base = 0xf0000,
				   .type = 0xb, .present = 1, .s = 1 };
	assert_int_equal(vmx_ar_pack(&s), 0x9b);
	/* DPL 3, AVL */
	s = data32;
	s.dpl = 3;
	s.avl = 1;
	assert_int_equal(vmx_ar_pack(&s), 0xd0f3);
	/* 64-bit busy TSS */
	s = (struct vcpu_segment){ .limit = 0x67, .type = 0xb, .present = 1 };
	assert_int_equal(vmx_ar_pack(&s), 0x8b);
}

static void test_unusable_and_not_present(void **state)
{
	struct vcpu_segment s = data32;

	(void)state;
	s.unusable = 1;
	assert_int_equal(vmx_ar_pack(&s), VMX_AR_UNUSABLE);
	/* not present means unusable in VMX terms; the DPL survives (SS.DPL
	 * is the CPL even when SS is unusable) */
	s = data32;
	s.present = 0;
	s.dpl = 3;
	assert_int_equal(vmx_ar_pack(&s), VMX_AR_UNUSABLE | (3u << 5));
	/* unpacking an unusable segment reads as not present */
	vmx_ar_unpack(VMX_AR_UNUSABLE | 0x93, &s);
	assert_true(s.unusable);
	assert_false(s.present);
}

static void test_roundtrip(void **state)
{
	const struct vcpu_segment segs[] = { code64, data32,
		{ .limit = 0xffff, .type = 3, .present = 1, .s = 1 },
		{ .limit = 0xfffff, .type = 0xf, .present = 1, .s = 1, .dpl = 2, .avl = 1, .g = 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		struct vcpu_segment out = { .base = 0x1234, .limit = 0x5678, .selector = 0x9 };
		vmx_ar_unpack(vmx_ar_pack(&segs[i]), &out);
		assert_int_equal(out.type, segs[i].type);
		assert_int_equal(out.s, segs[i].s);
		assert_int_equal(out.dpl, segs[i].dpl);
		assert_int_equal(out.present, segs[i].present);
		assert_int_equal(out.avl, segs[i].avl);
		assert_int_equal(out.l, segs[i].l);
		assert_int_equal(out.db, segs[i].db);
		assert_int_equal(out.g, segs[i].g);
		assert_false(out.unusable);
		/* base, limit and selector are not access rights */
		assert_int_equal(out.base, 0x1234);
		assert_int_equal(out.limit, 0x5678);
		assert_int_equal(out.selector, 0x9);
	}
}

static void test_entry_accessed_bit_and_real_mode(void **state)
{
	struct vcpu_segment s;

	(void)state;
	/* data segment type 2 (not accessed) gains the accessed bit */
	s = data32;
	s.type = 2;
	vmx_seg_for_entry(&s, VMX_SEG_KIND_DATA, false, false);
	assert_int_equal(s.type, 3);
	/* real mode: DPL 0; CS with selector low bits set becomes data type 3 */
	s = (struct vcpu_segment){ .selector = 0x1003, .base = 0x10030, .limit = 0xffff,
				   .type = 0xb, .present = 1, .s = 1, .dpl = 3 };
	vmx_seg_for_entry(&s, VMX_SEG_KIND_CS, true, false);
	assert_int_equal(s.type, 3);
	assert_int_equal(s.dpl, 0);
	/* ...but an ordinary real-mode CS keeps its code type */
	s = (struct vcpu_segment){ .selector = 0x1000, .base = 0x10000, .limit = 0xffff,
				   .type = 0xa, .present = 1, .s = 1 };
	vmx_seg_for_entry(&s, VMX_SEG_KIND_CS, true, false);
	assert_int_equal(s.type, 0xb);
	/* protected mode: DPL kept */
	s = data32;
	s.dpl = 3;
	vmx_seg_for_entry(&s, VMX_SEG_KIND_SS, false, false);
	assert_int_equal(s.dpl, 3);
	/* unusable segments are left alone */
	s = data32;
	s.unusable = 1;
	s.type = 2;
	vmx_seg_for_entry(&s, VMX_SEG_KIND_DATA, false, true);
	assert_int_equal(s.type, 2);
}

static void test_entry_ldtr_and_tr(void **state)
{
	struct vcpu_segment s;

	(void)state;
	/* reset-state LDTR (selector 0) is unusable */
	s = (struct vcpu_segment){ .limit = 0xffff, .type = 2, .present = 1 };
	vmx_seg_for_entry(&s, VMX_SEG_KIND_LDTR, true, false);
	assert_true(s.unusable);
	assert_int_equal(vmx_ar_pack(&s) & VMX_AR_UNUSABLE, VMX_AR_UNUSABLE);
	/* a real LDT stays */
	s = (struct vcpu_segment){ .selector = 0x28, .limit = 0xfff, .type = 2, .present = 1 };
	vmx_seg_for_entry(&s, VMX_SEG_KIND_LDTR, false, false);
	assert_false(s.unusable);

	/* reset-state TR (16-bit busy, type 3) in real mode: 11 */
	s = (struct vcpu_segment){ .limit = 0xffff, .type = 3, .present = 1 };
	vmx_seg_for_entry(&s, VMX_SEG_KIND_TR, true, false);
	assert_int_equal(s.type, VMX_TSS_BUSY);
	/* 16-bit busy TSS in 16/32-bit protected mode is valid and kept */
	s = (struct vcpu_segment){ .selector = 0x18, .limit = 0x2b, .type = 3, .present = 1 };
	vmx_seg_for_entry(&s, VMX_SEG_KIND_TR, false, false);
	assert_int_equal(s.type, VMX_TSS16_BUSY);
	/* ...but not in IA-32e mode */
	vmx_seg_for_entry(&s, VMX_SEG_KIND_TR, false, true);
	assert_int_equal(s.type, VMX_TSS_BUSY);
	/* available TSS types become busy */
	s = (struct vcpu_segment){ .selector = 0x18, .limit = 0x67, .type = 9, .present = 1 };
	vmx_seg_for_entry(&s, VMX_SEG_KIND_TR, false, false);
	assert_int_equal(s.type, VMX_TSS_BUSY);
	s.type = 1;
	vmx_seg_for_entry(&s, VMX_SEG_KIND_TR, false, false);
	assert_int_equal(s.type, VMX_TSS16_BUSY);
	/* an unusable TR is left for the entry check to refuse */
	s = (struct vcpu_segment){ .unusable = 1, .type = 9 };
	vmx_seg_for_entry(&s, VMX_SEG_KIND_TR, false, false);
	assert_int_equal(s.type, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_known_values),
		cmocka_unit_test(test_unusable_and_not_present),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_entry_accessed_bit_and_real_mode),
		cmocka_unit_test(test_entry_ldtr_and_tr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
