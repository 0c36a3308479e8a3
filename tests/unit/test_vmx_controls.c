/*
 * Host tests for arch/x86/vmx/controls.c: VMX controls from capability
 * MSR values (Intel SDM Vol. 3 Appendix A), with MSR values shaped like
 * real CPUs and Bochs models, and the fixed-bit/mask arithmetic for the
 * guest's CR0 and CR4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/controls.h"

#define CAP(may1, must1) (((uint64_t)(may1) << 32) | (uint32_t)(must1))
#define CR0_PE  (1ULL << 0)
#define CR0_NE  (1ULL << 5)
#define CR0_PG  (1ULL << 31)
#define CR0_CD  (1ULL << 30)
#define CR0_WP  (1ULL << 16)
#define CR4_PSE (1ULL << 4)
#define CR4_PAE (1ULL << 5)
#define CR4_SMEP (1ULL << 20)
#define CR4_SMAP (1ULL << 21)
#define CR4_VMXE (1ULL << 13)

/* A Skylake-like CPU: TRUE MSRs (BASIC[55]), INS/OUTS info (BASIC[54]),
 * the "default1" bits forced in the plain MSRs but not in the TRUE ones
 * (CR3-load/store exiting, SDM A.2), secondary controls as Bochs'
 * corei7_skylake_x reports them (docs/platforms.md). */
static struct vmx_cap_msrs skylake(void)
{
	return (struct vmx_cap_msrs){
		.basic = 0x00da040000000004ULL,
		.pinbased = CAP(0x7f, 0x16),
		.true_pinbased = CAP(0x7f, 0x16),
		.procbased = CAP(0xfff9fffe, 0x0401e172),
		.true_procbased = CAP(0xfff9fffe, 0x04006172),
		.exit = CAP(0x01ffffff, 0x00036dff),
		.true_exit = CAP(0x01ffffff, 0x00036dfb),
		.entry = CAP(0x0003ffff, 0x000011ff),
		.true_entry = CAP(0x0003ffff, 0x000011fb),
		.procbased2 = CAP(0x02177fff, 0),
		.ept_vpid_cap = 0x00000f0106734141ULL,
		.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff,
		.cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3767ff,
	};
}

/* Virtual NMIs (pin bit 5) with NMI-window exiting (primary bit 22) when
 * the CPU offers both, the window control left 0 for vcpu.c to switch;
 * without either, neither (SDM 26.2.1.1: NMI-window exiting needs
 * virtual NMIs, which need NMI exiting). */
static void test_virtual_nmis(void **state)
{
	struct vmx_cap_msrs m = skylake();
	struct vmx_controls c;
	struct vmx_controls_error err;

	(void)state;
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_true(c.virtual_nmis);
	assert_true(c.pin & VMX_PIN_VIRTUAL_NMIS);
	assert_true(c.pin & VMX_PIN_NMI_EXIT);
	assert_false(c.proc & VMX_PROC_NMI_WINDOW_EXIT);

	m.true_procbased &= ~((uint64_t)VMX_PROC_NMI_WINDOW_EXIT << 32);
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_false(c.virtual_nmis);
	assert_false(c.pin & VMX_PIN_VIRTUAL_NMIS);

	m = skylake();
	m.true_pinbased &= ~((uint64_t)VMX_PIN_VIRTUAL_NMIS << 32);
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_false(c.virtual_nmis);
	assert_false(c.pin & VMX_PIN_VIRTUAL_NMIS);
	assert_true(c.pin & VMX_PIN_NMI_EXIT);
}

static void test_adjust_controls(void **state)
{
	uint32_t out = 0, missing = 0;

	(void)state;
	/* must-be-1 bits are added */
	assert_int_equal(vmx_adjust_controls(0x1, CAP(0xff, 0x16), &out, &missing), 0);
	assert_int_equal(out, 0x17);
	/* a wanted bit outside allowed-1 fails and is named */
	assert_int_equal(vmx_adjust_controls(0x101, CAP(0xff, 0x16), &out, &missing), -1);
	assert_int_equal(missing, 0x100);
	/* a contradictory MSR (must be 1 but may not be 1) fails too */
	assert_int_equal(vmx_adjust_controls(0, CAP(0x0f, 0x10), &out, &missing), -1);
	assert_int_equal(missing, 0x10);
	/* nothing wanted, nothing forced */
	assert_int_equal(vmx_adjust_controls(0, CAP(0xffffffff, 0), &out, &missing), 0);
	assert_int_equal(out, 0);
}

static void test_skylake_uses_true_msrs(void **state)
{
	struct vmx_cap_msrs m = skylake();
	struct vmx_controls c;
	struct vmx_controls_error err;

	(void)state;
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	/* TRUE procbased: CR3 exiting not forced; window exiting allowed but off */
	assert_false(c.proc & (VMX_PROC_CR3_LOAD_EXIT | VMX_PROC_CR3_STORE_EXIT));
	assert_false(c.proc & VMX_PROC_INTR_WINDOW_EXIT);
	assert_false(c.proc & VMX_PROC_UNCOND_IO_EXIT);
	assert_true(c.proc & VMX_PROC_HLT_EXIT);
	assert_true(c.proc & VMX_PROC_USE_IO_BITMAPS);
	assert_true(c.proc & VMX_PROC_USE_MSR_BITMAPS);
	assert_true(c.proc & VMX_PROC_SECONDARY);
	assert_true(c.proc & VMX_PROC_CR8_LOAD_EXIT);
	assert_int_equal(c.pin & (VMX_PIN_EXT_INTR_EXIT | VMX_PIN_NMI_EXIT),
			 VMX_PIN_EXT_INTR_EXIT | VMX_PIN_NMI_EXIT);
	assert_int_equal(c.pin & 0x16, 0x16);   /* must-be-1 kept */
	assert_int_equal(c.proc2, VMX_PROC2_EPT | VMX_PROC2_VPID | VMX_PROC2_UNRESTRICTED |
				  VMX_PROC2_INVPCID);
	assert_true(c.ept && c.vpid && c.unrestricted && c.pat && c.insouts_info);
	assert_int_equal(c.eptp_flags, VMX_EPTP_WALK4 | VMX_EPTP_MT_WB);
	assert_true(c.invept_single && c.invept_all && c.invvpid_single && c.invvpid_all);
	assert_true(c.exit & VMX_EXIT_HOST_64BIT);
	assert_true(c.exit & VMX_EXIT_LOAD_EFER && c.exit & VMX_EXIT_SAVE_EFER);
	assert_true(c.exit & VMX_EXIT_LOAD_PAT && c.exit & VMX_EXIT_SAVE_PAT);
	assert_true(c.entry & VMX_ENTRY_LOAD_EFER && c.entry & VMX_ENTRY_LOAD_PAT);
	assert_false(c.entry & VMX_ENTRY_IA32E_GUEST);  /* per vCPU */
	/* TRUE entry allows "load debug controls" to be 0; we want it */
	assert_true(c.entry & VMX_ENTRY_LOAD_DEBUG);
}

static void test_without_true_msrs_default1_is_forced(void **state)
{
	struct vmx_cap_msrs m = skylake();
	struct vmx_controls c;
	struct vmx_controls_error err;

	(void)state;
	m.basic &= ~VMX_BASIC_TRUE_CTLS;
	m.true_procbased = 0;           /* never read: garbage must not matter */
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_int_equal(c.proc & (VMX_PROC_CR3_LOAD_EXIT | VMX_PROC_CR3_STORE_EXIT),
			 VMX_PROC_CR3_LOAD_EXIT | VMX_PROC_CR3_STORE_EXIT);
}

static void test_secondary_features_are_optional(void **state)
{
	struct vmx_cap_msrs m;
	struct vmx_controls c;
	struct vmx_controls_error err;

	(void)state;
	/* lynnfield: EPT and VPID, no unrestricted guest (allowed-1 0x7f) */
	m = skylake();
	m.procbased2 = CAP(0x7f, 0);
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_true(c.ept && c.vpid);
	assert_false(c.unrestricted);
	assert_int_equal(c.proc2, VMX_PROC2_EPT | VMX_PROC2_VPID);
	/* without UG, PE and PG are fixed to 1 and owned */
	assert_int_equal(c.cr0_must1 & (CR0_PE | CR0_PG), CR0_PE | CR0_PG);
	assert_int_equal(c.cr0_mask & CR0_PE, CR0_PE);

	/* penryn: no EPT, no VPID, no UG (allowed-1 0x41) */
	m = skylake();
	m.procbased2 = CAP(0x41, 0);
	m.ept_vpid_cap = 0;
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_false(c.ept || c.vpid || c.unrestricted);
	assert_int_equal(c.proc2, 0);

	/* UG offered but EPT not usable (no 4-level walk): no UG either */
	m = skylake();
	m.ept_vpid_cap &= ~VMX_EPT_CAP_WALK4;
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_false(c.ept || c.unrestricted);
	assert_true(c.vpid);

	/* EPT without an INVEPT we can use is not used */
	m = skylake();
	m.ept_vpid_cap &= ~(VMX_EPT_CAP_INVEPT_SINGLE | VMX_EPT_CAP_INVEPT_ALL);
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_false(c.ept || c.unrestricted);

	/* VPID without INVVPID is not used */
	m = skylake();
	m.ept_vpid_cap &= ~VMX_VPID_CAP_INVVPID;
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_false(c.vpid);
	assert_false(c.proc2 & VMX_PROC2_VPID);

	/* UC paging structures when WB is not offered */
	m = skylake();
	m.ept_vpid_cap &= ~VMX_EPT_CAP_WB;
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_int_equal(c.eptp_flags, VMX_EPTP_WALK4 | VMX_EPTP_MT_UC);

	/* no secondary controls at all */
	m = skylake();
	m.procbased = m.true_procbased = CAP(0x7ff9fffe, 0x0401e172);
	m.procbased2 = 0;
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_false(c.proc & VMX_PROC_SECONDARY);
	assert_false(c.ept);
}

/* Without EPT the guest runs on shadow tables: CR3 loads and stores and
 * INVLPG exit, the CPU runs with CR0.WP and CR4.PAE whatever the guest
 * set, and the bits that say how the guest translates are owned. With
 * EPT none of it. */
static void test_shadow_paging_without_ept(void **state)
{
	const uint32_t exits = VMX_PROC_CR3_LOAD_EXIT | VMX_PROC_CR3_STORE_EXIT |
			       VMX_PROC_INVLPG_EXIT;
	struct vmx_cap_msrs m = skylake();
	struct vmx_controls c;
	struct vmx_controls_error err;

	(void)state;
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_false(c.shadow);
	assert_int_equal(c.proc & exits, 0);
	assert_false(c.cr0_mask & CR0_WP);
	assert_false(c.cr4_mask & (CR4_PSE | CR4_PAE));

	/* penryn: no EPT, no VPID, no UG */
	m.procbased2 = CAP(0x41, 0);
	m.ept_vpid_cap = 0;
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_true(c.shadow);
	assert_int_equal(c.proc & exits, exits);
	assert_int_equal(c.cr0_must1, CR0_PE | CR0_NE | CR0_WP | CR0_PG);
	assert_int_equal(c.cr0_mask & (CR0_WP | CR0_PG), CR0_WP | CR0_PG);
	assert_int_equal(c.cr4_must1, CR4_VMXE | CR4_PAE);
	assert_int_equal(c.cr4_mask & (CR4_PSE | CR4_PAE | CR4_SMEP | CR4_SMAP),
			 CR4_PSE | CR4_PAE | CR4_SMEP | CR4_SMAP);
	/* a 32-bit guest without WP runs with WP and PAE, reads its own */
	assert_int_equal(vmx_guest_cr0(&c, 0x80000011), 0x80010031);
	assert_int_equal(vmx_cr_view(0x80010031, 0x80000011, c.cr0_mask), 0x80000011);
	assert_int_equal(vmx_guest_cr4(&c, CR4_PSE), CR4_PSE | CR4_PAE | CR4_VMXE);
	assert_int_equal(vmx_cr_view(CR4_PSE | CR4_PAE | CR4_VMXE, CR4_PSE, c.cr4_mask),
			 CR4_PSE);

	/* INVLPG exiting not allowed: the CPU cannot be used */
	m.true_procbased &= ~((uint64_t)VMX_PROC_INVLPG_EXIT << 32);
	assert_int_equal(vmx_controls_compute(&m, &c, &err), -1);
	assert_int_equal(err.missing, VMX_PROC_INVLPG_EXIT);
}

static void test_pat_switching_is_optional(void **state)
{
	struct vmx_cap_msrs m = skylake();
	struct vmx_controls c;
	struct vmx_controls_error err;

	(void)state;
	m.true_entry &= ~((uint64_t)VMX_ENTRY_LOAD_PAT << 32);
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_false(c.pat);
	assert_false(c.exit & (VMX_EXIT_SAVE_PAT | VMX_EXIT_LOAD_PAT));
	assert_false(c.entry & VMX_ENTRY_LOAD_PAT);
}

/* EFER switching is optional (Core 2 has no EFER controls): without
 * one of the three, none is used and the MSR-load areas switch EFER. */
static void test_efer_switching_is_optional(void **state)
{
	struct vmx_cap_msrs m = skylake();
	struct vmx_controls c;
	struct vmx_controls_error err;

	(void)state;
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_true(c.efer_switch);
	assert_int_equal(c.exit & (VMX_EXIT_SAVE_EFER | VMX_EXIT_LOAD_EFER),
			 VMX_EXIT_SAVE_EFER | VMX_EXIT_LOAD_EFER);
	assert_true(c.entry & VMX_ENTRY_LOAD_EFER);

	m.true_exit &= ~((uint64_t)VMX_EXIT_LOAD_EFER << 32);
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_false(c.efer_switch);
	assert_false(c.exit & (VMX_EXIT_SAVE_EFER | VMX_EXIT_LOAD_EFER));
	assert_false(c.entry & VMX_ENTRY_LOAD_EFER);

	m = skylake();
	m.true_entry &= ~((uint64_t)VMX_ENTRY_LOAD_EFER << 32);
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	assert_false(c.efer_switch);
	assert_false(c.exit & (VMX_EXIT_SAVE_EFER | VMX_EXIT_LOAD_EFER));
}

static void test_missing_required_controls_fail_clearly(void **state)
{
	struct vmx_cap_msrs m;
	struct vmx_controls c;
	struct vmx_controls_error err;

	(void)state;
	m = skylake();
	m.true_exit &= ~((uint64_t)VMX_EXIT_HOST_64BIT << 32);
	assert_int_equal(vmx_controls_compute(&m, &c, &err), -1);
	assert_string_equal(err.what, "VM-exit");
	assert_int_equal(err.msr, 0x48f);       /* IA32_VMX_TRUE_EXIT_CTLS */
	assert_int_equal(err.missing, VMX_EXIT_HOST_64BIT);
	assert_null(err.why);

	m = skylake();
	m.basic &= ~VMX_BASIC_TRUE_CTLS;
	m.procbased &= ~((uint64_t)VMX_PROC_USE_MSR_BITMAPS << 32);
	assert_int_equal(vmx_controls_compute(&m, &c, &err), -1);
	assert_string_equal(err.what, "primary processor-based");
	assert_int_equal(err.msr, 0x482);       /* plain MSR without BASIC[55] */
	assert_int_equal(err.missing, VMX_PROC_USE_MSR_BITMAPS);

	/* interrupt-window exiting must be allowed, it is switched later */
	m = skylake();
	m.true_procbased &= ~((uint64_t)VMX_PROC_INTR_WINDOW_EXIT << 32);
	assert_int_equal(vmx_controls_compute(&m, &c, &err), -1);
	assert_int_equal(err.missing, VMX_PROC_INTR_WINDOW_EXIT);

	/* a CPU that forces IA-32e mode guest cannot run real-mode guests */
	m = skylake();
	m.true_entry |= VMX_ENTRY_IA32E_GUEST;
	assert_int_equal(vmx_controls_compute(&m, &c, &err), -1);
	assert_non_null(err.why);
}

static void test_cr_fixed_bits_and_masks(void **state)
{
	struct vmx_cap_msrs m = skylake();
	struct vmx_controls c;
	struct vmx_controls_error err;

	(void)state;
	assert_int_equal(vmx_controls_compute(&m, &c, &err), 0);
	/* UG: PE and PG free, NE still forced; reset CR0 0x60000010 runs
	 * with NE added and the guest reads its own value back */
	assert_int_equal(c.cr0_must1, CR0_NE);
	assert_int_equal(vmx_guest_cr0(&c, 0x60000010), 0x60000030);
	assert_int_equal(vmx_cr_view(0x60000030, 0x60000010, c.cr0_mask), 0x60000010);
	/* owned: NE, PG and everything FIXED1 forbids (bits 63:32) */
	assert_true(c.cr0_mask & CR0_NE);
	assert_true(c.cr0_mask & CR0_PG);
	assert_false(c.cr0_mask & CR0_PE);
	assert_false(c.cr0_mask & CR0_CD);
	assert_true(c.cr0_mask & (1ULL << 32));
	/* CR4.VMXE forced and hidden */
	assert_int_equal(vmx_guest_cr4(&c, CR4_PAE), CR4_PAE | CR4_VMXE);
	assert_int_equal(vmx_cr_view(CR4_PAE | CR4_VMXE, CR4_PAE, c.cr4_mask), CR4_PAE);
	assert_true(c.cr4_mask & CR4_VMXE);
	assert_false(c.cr4_mask & CR4_PAE);
	/* a bit FIXED1 forbids is dropped from the value the CPU runs with */
	assert_int_equal(vmx_guest_cr4(&c, 1ULL << 23) & (1ULL << 23), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adjust_controls),
		cmocka_unit_test(test_skylake_uses_true_msrs),
		cmocka_unit_test(test_virtual_nmis),
		cmocka_unit_test(test_without_true_msrs_default1_is_forced),
		cmocka_unit_test(test_secondary_features_are_optional),
		cmocka_unit_test(test_shadow_paging_without_ept),
		cmocka_unit_test(test_pat_switching_is_optional),
		cmocka_unit_test(test_efer_switching_is_optional),
		cmocka_unit_test(test_missing_required_controls_fail_clearly),
		cmocka_unit_test(test_cr_fixed_bits_and_masks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
