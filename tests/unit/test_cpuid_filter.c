/*
 * The guest's CPUID (core/cpuid_filter.c): with a host that claims every
 * feature (all ones), what the guest sees is exactly the allow list; every
 * feature the virtual CPU does not provide is hidden whatever the host
 * has; the features the hypervisor and the VMM do provide, and that
 * guests need, stay visible; leaves that describe what is not virtualized
 * are empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/cpuid_filter.h"

static struct cpuid_regs all_ones(uint32_t leaf, uint32_t sub, enum emul_vendor v)
{
	struct cpuid_regs c = { ~0u, ~0u, ~0u, ~0u };

	cpuid_filter(leaf, sub, v, &c);
	return c;
}

static uint32_t reg(const struct cpuid_regs *c, char r)
{
	return r == 'a' ? c->eax : r == 'b' ? c->ebx : r == 'c' ? c->ecx : c->edx;
}

/* Nothing beyond the allow list reaches a guest, on either vendor. */
static void test_output_is_the_allow_list(void **state)
{
	(void)state;
	for (int v = 0; v < 2; v++)
		for (unsigned i = 0; i < cpuid_feature_reg_count; i++) {
			const struct cpuid_feature_reg *f = &cpuid_feature_regs[i];
			struct cpuid_regs c = all_ones(f->leaf, f->subleaf, v ? EMUL_VENDOR_AMD
									      : EMUL_VENDOR_INTEL);
			assert_int_equal(reg(&c, f->reg), f->allowed | f->forced);
			c = (struct cpuid_regs){ 0 };
			cpuid_filter(f->leaf, f->subleaf, EMUL_VENDOR_INTEL, &c);
			assert_int_equal(reg(&c, f->reg), f->forced);
		}
}

struct feature {
	uint32_t leaf, sub;
	char reg;
	unsigned bit;
	const char *name;
};

/* What the virtual CPU does not provide (no state switched, no MSR, no
 * device behind it): hidden whatever the host has. Written out here,
 * independently of the allow list, so that adding one of these to the list
 * fails this test. */
static const struct feature not_provided[] = {
	{ 1, 0, 'c', 3, "MONITOR/MWAIT" }, { 1, 0, 'c', 5, "VMX" }, { 1, 0, 'c', 6, "SMX" },
	{ 1, 0, 'c', 7, "EIST (IA32_PERF_CTL)" }, { 1, 0, 'c', 8, "TM2" },
	{ 1, 0, 'c', 15, "PDCM (IA32_PERF_CAPABILITIES)" }, { 1, 0, 'c', 21, "x2APIC" },
	{ 1, 0, 'c', 24, "TSC-deadline timer" }, { 1, 0, 'c', 26, "XSAVE" },
	{ 1, 0, 'c', 27, "OSXSAVE" }, { 1, 0, 'c', 28, "AVX" }, { 1, 0, 'c', 12, "FMA" },
	{ 1, 0, 'd', 21, "debug store" }, { 1, 0, 'd', 22, "ACPI thermal MSRs" },
	{ 1, 0, 'd', 29, "thermal monitor" }, { 1, 0, 'd', 28, "HTT (one CPU)" },
	{ 7, 0, 'b', 1, "IA32_TSC_ADJUST" }, { 7, 0, 'b', 2, "SGX" }, { 7, 0, 'b', 5, "AVX2" },
	{ 7, 0, 'b', 16, "AVX-512F" }, { 7, 0, 'b', 25, "processor trace" },
	{ 7, 0, 'c', 3, "PKU" }, { 7, 0, 'c', 4, "OSPKE" }, { 7, 0, 'c', 7, "CET shadow stacks" },
	{ 7, 0, 'c', 16, "LA57" }, { 7, 0, 'c', 22, "RDPID (TSC_AUX)" },
	{ 7, 0, 'c', 5, "WAITPKG" }, { 7, 0, 'c', 31, "PKS" },
	{ 7, 0, 'd', 5, "UINTR" }, { 7, 0, 'd', 20, "CET IBT" },
	{ 7, 0, 'd', 26, "IBRS/IBPB (IA32_SPEC_CTRL)" },
	{ 7, 0, 'd', 29, "IA32_ARCH_CAPABILITIES" }, { 7, 0, 'd', 31, "SSBD" },
	{ 7, 1, 'a', 17, "FRED" }, { 7, 1, 'a', 26, "LAM" },
	{ 0x80000001, 0, 'c', 2, "SVM" }, { 0x80000001, 0, 'c', 3, "extended APIC space" },
	{ 0x80000001, 0, 'c', 23, "core performance counters" },
	{ 0x80000001, 0, 'c', 29, "MONITORX" },
	{ 0x80000001, 0, 'd', 27, "RDTSCP (TSC_AUX)" },
};

static void test_what_is_not_provided_is_hidden(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(not_provided) / sizeof(not_provided[0]); i++) {
		const struct feature *f = &not_provided[i];
		for (int v = 0; v < 2; v++) {
			struct cpuid_regs c = all_ones(f->leaf, f->sub, v ? EMUL_VENDOR_AMD
									  : EMUL_VENDOR_INTEL);
			if (reg(&c, f->reg) & (1u << f->bit))
				fail_msg("%s (leaf %#x.%u %c bit %u) is shown", f->name,
					 f->leaf, f->sub, f->reg, f->bit);
		}
	}
}

/* Leaves without subleaves ignore ECX: any value gets the allow list
 * (a guest that leaves ECX uninitialised must not see the host's leaf). */
static void test_ecx_ignored_without_subleaves(void **state)
{
	static const uint32_t leaves[] = { 1, 6, 0x80000001 };

	(void)state;
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		for (uint32_t sub = 1; sub < 0x100000; sub = sub * 7 + 3) {
			struct cpuid_regs a = all_ones(leaves[i], 0, EMUL_VENDOR_INTEL);
			struct cpuid_regs b = all_ones(leaves[i], sub, EMUL_VENDOR_INTEL);

			if (memcmp(&a, &b, sizeof(a)))
				fail_msg("leaf %#x with ECX %#x: %08x %08x %08x %08x, with 0: "
					 "%08x %08x %08x %08x", leaves[i], sub, b.eax, b.ebx,
					 b.ecx, b.edx, a.eax, a.ebx, a.ecx, a.edx);
		}
	}
	/* x2APIC (leaf 1 ECX bit 21) stays hidden whatever ECX held */
	assert_false(all_ones(1, 0xdeadbeef, EMUL_VENDOR_INTEL).ecx & (1u << 21));
}

/* What the hypervisor and the VMM provide and guests rely on: shown when
 * the host has it. */
static const struct feature provided[] = {
	{ 1, 0, 'd', 0, "FPU" }, { 1, 0, 'd', 4, "TSC" }, { 1, 0, 'd', 5, "MSR" },
	{ 1, 0, 'd', 6, "PAE" }, { 1, 0, 'd', 8, "CX8" }, { 1, 0, 'd', 9, "APIC (the VMM's)" },
	{ 1, 0, 'd', 11, "SYSENTER" }, { 1, 0, 'd', 13, "PGE" }, { 1, 0, 'd', 15, "CMOV" },
	{ 1, 0, 'd', 16, "PAT" }, { 1, 0, 'd', 24, "FXSR" }, { 1, 0, 'd', 25, "SSE" },
	{ 1, 0, 'd', 26, "SSE2" }, { 1, 0, 'c', 0, "SSE3" }, { 1, 0, 'c', 13, "CX16" },
	{ 1, 0, 'c', 31, "hypervisor" }, { 7, 0, 'b', 7, "SMEP" }, { 7, 0, 'b', 20, "SMAP" },
	{ 7, 0, 'c', 2, "UMIP" }, { 0x80000001, 0, 'd', 11, "SYSCALL" },
	{ 0x80000001, 0, 'd', 20, "NX" }, { 0x80000001, 0, 'd', 29, "long mode" },
	{ 0x80000001, 0, 'c', 0, "LAHF/SAHF in 64-bit mode" },
};

static void test_what_is_provided_is_shown(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(provided) / sizeof(provided[0]); i++) {
		const struct feature *f = &provided[i];
		struct cpuid_regs c = all_ones(f->leaf, f->sub, EMUL_VENDOR_INTEL);
		if (!(reg(&c, f->reg) & (1u << f->bit)))
			fail_msg("%s (leaf %#x %c bit %u) is hidden", f->name, f->leaf,
				 f->reg, f->bit);
	}
	/* the hypervisor bit even when the host has none */
	struct cpuid_regs c = { 0 };
	cpuid_filter(1, 0, EMUL_VENDOR_AMD, &c);
	assert_int_equal(c.ecx, 1u << 31);
}

static void test_leaves_of_what_is_not_virtualized_are_empty(void **state)
{
	static const uint32_t empty[] = { 0x5, 0xa, 0xd, 0xf, 0x10, 0x12, 0x14, 0x19,
					  0x1d, 0x1e, 0x8000000a, 0x8000001f,
					  0x80000020, 0x80000021, 0x80000022 };

	(void)state;
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		struct cpuid_regs c = all_ones(empty[i], 0, EMUL_VENDOR_INTEL);
		assert_int_equal(c.eax | c.ebx | c.ecx | c.edx, 0);
	}
	/* leaf 6: ARAT only */
	struct cpuid_regs c = all_ones(6, 0, EMUL_VENDOR_INTEL);
	assert_int_equal(c.eax, 1u << 2);
	assert_int_equal(c.ebx | c.ecx | c.edx, 0);
	/* leaf 7: subleaves 0 and 1 only */
	c = all_ones(7, 0, EMUL_VENDOR_INTEL);
	assert_int_equal(c.eax, 1);
	c = all_ones(7, 2, EMUL_VENDOR_INTEL);
	assert_int_equal(c.eax | c.ebx | c.ecx | c.edx, 0);
	c = all_ones(7, 1, EMUL_VENDOR_INTEL);
	assert_int_equal(c.ebx | c.ecx | c.edx, 0);
}

/* 0x80000007: the invariant TSC only. Bochs' ryzen announced HwPstate,
 * RAPL and ScalableMca through it, whose MSRs are #GP here (cpuwalk.bin
 * found it). */
static void test_power_management_leaf(void **state)
{
	(void)state;
	for (int v = 0; v < 2; v++) {
		enum emul_vendor vendor = v ? EMUL_VENDOR_AMD : EMUL_VENDOR_INTEL;
		struct cpuid_regs c = all_ones(0x80000007, 0, vendor);
		assert_int_equal(c.eax, 0);
		assert_int_equal(c.ebx, 0);
		assert_int_equal(c.ecx, 0);
		assert_int_equal(c.edx, 1u << 8);
		c = (struct cpuid_regs){ 0, 0x1b, 0, 0x6599 };  /* Bochs ryzen */
		cpuid_filter(0x80000007, 0, vendor, &c);
		assert_int_equal(c.ebx, 0);
		assert_int_equal(c.edx, 0x100);
		c = (struct cpuid_regs){ 0, 0, 0, 0x6499 };     /* no invariant TSC */
		cpuid_filter(0x80000007, 0, vendor, &c);
		assert_int_equal(c.edx, 0);
	}
}

/* 0x80000008 EBX: AMD's EferLmsleUnsupported always (EFER.LMSLE is
 * reserved here), no speculation-control bits; nothing on Intel. EDX 0. */
static void test_amd_address_size_leaf(void **state)
{
	(void)state;
	struct cpuid_regs c = { 0x3030, 0, 0x7, 0 };
	cpuid_filter(0x80000008, 0, EMUL_VENDOR_AMD, &c);
	assert_int_equal(c.eax, 0x3030);        /* address sizes unchanged */
	assert_int_equal(c.ebx, 1u << 20);
	assert_int_equal(c.ecx, 0);             /* one core (NC = 0) */
	c = all_ones(0x80000008, 0, EMUL_VENDOR_AMD);
	assert_false(c.ebx & ((1u << 12) | (1u << 14) | (1u << 15) | (1u << 24)));
	c = all_ones(0x80000008, 0, EMUL_VENDOR_INTEL);
	assert_int_equal(c.ebx, 0);
	/* EDX describes INVLPGB and RDPRU, both hidden */
	for (int v = 0; v < 2; v++) {
		c = all_ones(0x80000008, 0, v ? EMUL_VENDOR_AMD : EMUL_VENDOR_INTEL);
		assert_int_equal(c.edx, 0);
		assert_int_equal(c.eax, ~0u);   /* address sizes as the host's */
	}
}

/* One thread of one core, whatever the host has: leaf 4's sharing and
 * core counts, leaves 0xB/0x1F's levels, AMD's topology leaves. */
static void test_topology_is_one_cpu(void **state)
{
	(void)state;
	struct cpuid_regs c = all_ones(4, 1, EMUL_VENDOR_INTEL);
	assert_int_equal(c.eax, 0x3fffu);       /* cache type, level, ... kept */
	assert_int_equal(c.ebx & c.ecx & c.edx, ~0u);
	for (uint32_t leaf = 0xb; leaf <= 0x1f; leaf += 0x1f - 0xb) {
		c = all_ones(leaf, 0, EMUL_VENDOR_INTEL);
		assert_int_equal(c.eax, 0);             /* no APIC-ID bits */
		assert_int_equal(c.ebx, 1);             /* one thread */
		assert_int_equal(c.ecx, 1u << 8);       /* level 0: SMT */
		assert_int_equal(c.edx, ~0u);           /* the APIC ID: vmm_cpuid */
		c = all_ones(leaf, 1, EMUL_VENDOR_INTEL);
		assert_int_equal(c.ebx, 1);             /* one core */
		assert_int_equal(c.ecx, 2u << 8 | 1);   /* level 1: core */
		c = all_ones(leaf, 2, EMUL_VENDOR_INTEL);
		assert_int_equal(c.eax | c.ebx, 0);     /* invalid level */
		assert_int_equal(c.ecx, 2);
	}
	for (uint32_t leaf = 0x8000001d; leaf <= 0x8000001e; leaf++) {
		c = all_ones(leaf, 0, EMUL_VENDOR_AMD);
		assert_int_equal(c.eax | c.ebx | c.ecx | c.edx, 0);
	}
}

/* Leaves without features pass unchanged: the vendor, the brand. */
static void test_other_leaves_unchanged(void **state)
{
	(void)state;
	struct cpuid_regs c = { 0x16, 0x68747541, 0x444d4163, 0x69746e65 };
	cpuid_filter(0, 0, EMUL_VENDOR_AMD, &c);
	assert_int_equal(c.ebx, 0x68747541);
	c = all_ones(0x80000002, 0, EMUL_VENDOR_AMD);
	assert_int_equal(c.eax & c.ebx & c.ecx & c.edx, ~0u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_is_the_allow_list),
		cmocka_unit_test(test_what_is_not_provided_is_hidden),
		cmocka_unit_test(test_ecx_ignored_without_subleaves),
		cmocka_unit_test(test_what_is_provided_is_shown),
		cmocka_unit_test(test_leaves_of_what_is_not_virtualized_are_empty),
		cmocka_unit_test(test_power_management_leaf),
		cmocka_unit_test(test_amd_address_size_leaf),
		cmocka_unit_test(test_topology_is_one_cpu),
		cmocka_unit_test(test_other_leaves_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
