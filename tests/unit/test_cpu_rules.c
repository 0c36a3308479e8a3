/*
 * Host tests for core/cpu_rules.c: the CR4 and EFER bits derived from the
 * guest's CPUID, PAT memory types, canonical addresses, and the MOV-to-CR4
 * and WRMSR-to-EFER #GP conditions (SDM Vol. 2 MOV CR / WRMSR, Vol. 3 2.5,
 * 11.12.2; APM Vol. 2 3.1, 7.8.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/cpu_rules.h"

#define BIT(n) (1u << (n))

/* A typical 64-bit CPU after core/cpuid.c's filtering: leaf 1 EDX with
 * VME DE PSE TSC PAE MCE PGE FXSR SSE, ECX with PCID (no VMX, SMX, XSAVE);
 * leaf 7 with FSGSBASE SMEP SMAP UMIP (PKU hidden); SYSCALL NX LM. */
static const struct cpu_rules_cpuid typical = {
	.l1_ecx = BIT(17),
	.l1_edx = BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(6) | BIT(7) | BIT(13) |
		  BIT(24) | BIT(25),
	.l7_ebx = BIT(0) | BIT(7) | BIT(20),
	.l7_ecx = BIT(2),
	.e1_edx = BIT(11) | BIT(20) | BIT(29),
};

static void test_cr4_from_cpuid(void **state)
{
	struct cpu_rules r;

	(void)state;
	cpu_rules_derive(&r, &typical);
	assert_int_equal(r.cr4_allowed,
			 RULES_CR4_VME | RULES_CR4_PVI | RULES_CR4_TSD | RULES_CR4_DE |
			 RULES_CR4_PSE | RULES_CR4_PAE | RULES_CR4_MCE | RULES_CR4_PGE |
			 RULES_CR4_PCE | RULES_CR4_OSFXSR | RULES_CR4_OSXMMEXCPT |
			 RULES_CR4_UMIP | RULES_CR4_FSGSBASE | RULES_CR4_PCIDE |
			 RULES_CR4_SMEP | RULES_CR4_SMAP);
	assert_int_equal(r.va_bits, 48);
	/* nothing announced: only PCE */
	cpu_rules_derive(&r, &(struct cpu_rules_cpuid){ 0 });
	assert_int_equal(r.cr4_allowed, RULES_CR4_PCE);
	assert_int_equal(r.efer_allowed, 0);
	/* each leaf 7 ECX feature bit opens exactly its CR4 bit */
	const struct { uint32_t bit; uint64_t cr4; } one[] = {
		{ 3, RULES_CR4_PKE }, { 16, RULES_CR4_LA57 }, { 2, RULES_CR4_UMIP },
	};
	for (unsigned i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		cpu_rules_derive(&r, &(struct cpu_rules_cpuid){ .l7_ecx = BIT(one[i].bit) });
		assert_int_equal(r.cr4_allowed, RULES_CR4_PCE | one[i].cr4);
	}
	cpu_rules_derive(&r, &(struct cpu_rules_cpuid){ .l1_ecx = BIT(5) | BIT(6) | BIT(26) });
	assert_int_equal(r.cr4_allowed, RULES_CR4_PCE | RULES_CR4_VMXE | RULES_CR4_SMXE |
			 RULES_CR4_OSXSAVE);
	/* LA57 makes addresses 57 bits wide */
	cpu_rules_derive(&r, &(struct cpu_rules_cpuid){ .l7_ecx = BIT(16) });
	assert_int_equal(r.va_bits, 57);
}

static void test_efer_from_cpuid(void **state)
{
	struct cpu_rules r;

	(void)state;
	cpu_rules_derive(&r, &typical);
	assert_int_equal(r.efer_allowed, RULES_EFER_SCE | RULES_EFER_LME | RULES_EFER_LMA |
			 RULES_EFER_NXE);
	cpu_rules_derive(&r, &(struct cpu_rules_cpuid){ .e1_edx = BIT(25) });
	assert_int_equal(r.efer_allowed, RULES_EFER_FFXSR);
}

static void test_pat(void **state)
{
	(void)state;
	assert_true(cpu_rules_pat_valid(0x0007040600070406ULL));   /* power-on */
	assert_true(cpu_rules_pat_valid(0x0007010600070106ULL));
	assert_true(cpu_rules_pat_valid(0));
	assert_true(cpu_rules_pat_valid(0x0707070707070707ULL));
	/* 2, 3 and 8-255 in any byte */
	for (int byte = 0; byte < 8; byte++) {
		uint64_t base = 0x0606060606060606ULL & ~(0xffULL << (8 * byte));
		assert_false(cpu_rules_pat_valid(base | 2ULL << (8 * byte)));
		assert_false(cpu_rules_pat_valid(base | 3ULL << (8 * byte)));
		assert_false(cpu_rules_pat_valid(base | 8ULL << (8 * byte)));
		assert_false(cpu_rules_pat_valid(base | 0xffULL << (8 * byte)));
		assert_true(cpu_rules_pat_valid(base | 5ULL << (8 * byte)));
	}
}

/* MTRR_DEF_TYPE with MTRRCAP = 0: a valid type and E; FE and the rest
 * reserved. */
static void test_mtrr_def_type(void **state)
{
	(void)state;
	assert_true(cpu_rules_mtrr_def_type_valid(0));                 /* reset */
	assert_true(cpu_rules_mtrr_def_type_valid(0x806));             /* E, WB */
	assert_true(cpu_rules_mtrr_def_type_valid(0x800));             /* E, UC */
	for (unsigned t = 0; t < 256; t++)
		assert_int_equal(cpu_rules_mtrr_def_type_valid(0x800 | t),
				 t == 0 || t == 1 || t == 4 || t == 5 || t == 6);
	assert_false(cpu_rules_mtrr_def_type_valid(0xc06));            /* FE */
	assert_false(cpu_rules_mtrr_def_type_valid(0x106));            /* bit 8 */
	assert_false(cpu_rules_mtrr_def_type_valid(0x1006));           /* bit 12 */
	assert_false(cpu_rules_mtrr_def_type_valid(1ULL << 63 | 6));
}

static void test_canonical_and_msrs(void **state)
{
	struct cpu_rules r48, r57;
	const uint32_t addr_msrs[] = { 0x175, 0x176, 0xc0000082, 0xc0000083,
				       0xc0000100, 0xc0000101, 0xc0000102 };

	(void)state;
	cpu_rules_derive(&r48, &typical);
	cpu_rules_derive(&r57, &(struct cpu_rules_cpuid){ .l7_ecx = BIT(16) });
	assert_true(cpu_rules_canonical(&r48, 0x00007fffffffffffULL));
	assert_true(cpu_rules_canonical(&r48, 0xffff800000000000ULL));
	assert_false(cpu_rules_canonical(&r48, 0x0000800000000000ULL));
	assert_false(cpu_rules_canonical(&r48, 0x8000000000000000ULL));
	assert_true(cpu_rules_canonical(&r57, 0x0000800000000000ULL));
	assert_true(cpu_rules_canonical(&r57, 0xff00000000000000ULL));
	assert_false(cpu_rules_canonical(&r57, 0x0100000000000000ULL));
	for (unsigned i = 0; i < sizeof(addr_msrs) / sizeof(addr_msrs[0]); i++) {
		assert_true(cpu_rules_msr_value_valid(&r48, addr_msrs[i], 0xffff888000000000ULL));
		assert_false(cpu_rules_msr_value_valid(&r48, addr_msrs[i], 0x0000800000000000ULL));
		assert_false(cpu_rules_msr_value_valid(&r48, addr_msrs[i], 0x8000000000001000ULL));
	}
	/* SYSENTER_CS, STAR and SFMASK hold no address */
	assert_true(cpu_rules_msr_value_valid(&r48, 0x174, 0x8000000000000000ULL));
	assert_true(cpu_rules_msr_value_valid(&r48, 0xc0000081, 0x8000000000000000ULL));
	assert_true(cpu_rules_msr_value_valid(&r48, 0xc0000084, 0x8000000000000000ULL));
	assert_false(cpu_rules_msr_value_valid(&r48, 0x277, 0x0007040600070402ULL));
	assert_true(cpu_rules_msr_value_valid(&r48, 0x277, 0x0007040600070406ULL));
}

static void test_efer_write(void **state)
{
	struct cpu_rules r;
	uint64_t out = 0x1234;
	const uint64_t long_mode = RULES_EFER_LME | RULES_EFER_LMA;

	(void)state;
	cpu_rules_derive(&r, &typical);
	/* SCE on in long mode: LMA kept */
	assert_true(cpu_rules_efer_write(&r, long_mode, long_mode | RULES_EFER_SCE, true, &out));
	assert_int_equal(out, long_mode | RULES_EFER_SCE);
	/* LMA in the written value is ignored: kept from the current EFER */
	assert_true(cpu_rules_efer_write(&r, long_mode, RULES_EFER_LME, true, &out));
	assert_int_equal(out, long_mode);
	assert_true(cpu_rules_efer_write(&r, 0, RULES_EFER_LMA | RULES_EFER_NXE, false, &out));
	assert_int_equal(out, RULES_EFER_NXE);
	/* LME changed with paging on: #GP, either way */
	out = 0x1234;
	assert_false(cpu_rules_efer_write(&r, long_mode, RULES_EFER_LMA, true, &out));
	assert_false(cpu_rules_efer_write(&r, 0, RULES_EFER_LME, true, &out));
	assert_int_equal(out, 0x1234);
	/* with paging off it may change */
	assert_true(cpu_rules_efer_write(&r, 0, RULES_EFER_LME, false, &out));
	assert_int_equal(out, RULES_EFER_LME);
	/* reserved: bit 2, SVME (12), LMSLE (13), FFXSR (14) not announced, 63 */
	const int reserved[] = { 1, 2, 9, 12, 13, 14, 15, 63 };
	for (unsigned i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		assert_false(cpu_rules_efer_write(&r, long_mode,
						  long_mode | 1ULL << reserved[i], true, &out));
}

/* MOV to CR0: every #GP(0) case, the bits a write cannot set, and LMA
 * following LME when paging turns on and off. */
static void test_cr0_write(void **state)
{
	const uint64_t pe = RULES_CR0_PE, pg = RULES_CR0_PG, et = RULES_CR0_ET;
	const uint64_t lme = RULES_EFER_LME, lma = RULES_EFER_LMA;
	uint64_t cr0 = 0, efer = 0;

	(void)state;
	/* real mode to protected mode; ET reads as 1 */
	assert_true(cpu_rules_cr0_write(et, pe, 0, 0, false, &cr0, &efer));
	assert_int_equal(cr0, pe | et);
	assert_int_equal(efer, 0);
	/* reserved bits of 31:0 stay clear: 0x7bc44031 keeps PE, ET, NE, AM,
	 * NW and CD (0x60040031) */
	assert_true(cpu_rules_cr0_write(et, 0x7bc44031, 0, 0, false, &cr0, &efer));
	assert_int_equal(cr0, 0x60040031);
	/* bits 63:32, PG without PE, NW without CD */
	assert_false(cpu_rules_cr0_write(et, pe | 1ULL << 32, 0, 0, false, &cr0, &efer));
	assert_false(cpu_rules_cr0_write(et, 1ULL << 63, 0, 0, false, &cr0, &efer));
	assert_false(cpu_rules_cr0_write(et, pg, 0, 0, false, &cr0, &efer));
	assert_false(cpu_rules_cr0_write(et, pe | RULES_CR0_NW, 0, 0, false, &cr0, &efer));
	assert_true(cpu_rules_cr0_write(et, pe | RULES_CR0_NW | RULES_CR0_CD, 0, 0, false,
					&cr0, &efer));
	/* 0x3bc44021: NW without CD, the fuzzer's case */
	assert_false(cpu_rules_cr0_write(et, 0x3bc44021, 0, 0, false, &cr0, &efer));
	/* IA-32e activation: PAE required, LMA set */
	assert_false(cpu_rules_cr0_write(pe | et, pe | pg, 0, lme, false, &cr0, &efer));
	assert_true(cpu_rules_cr0_write(pe | et, pe | pg, RULES_CR4_PAE, lme, false,
					&cr0, &efer));
	assert_int_equal(cr0, pe | pg | et);
	assert_int_equal(efer, lme | lma);
	/* paging on without LME: no LMA, PAE not needed */
	assert_true(cpu_rules_cr0_write(pe | et, pe | pg, 0, 0, false, &cr0, &efer));
	assert_int_equal(efer, 0);
	/* leaving IA-32e mode: not from 64-bit code, not with PCIDs on;
	 * from compatibility mode LMA clears */
	assert_false(cpu_rules_cr0_write(pe | pg | et, pe, RULES_CR4_PAE, lme | lma, true,
					 &cr0, &efer));
	assert_false(cpu_rules_cr0_write(pe | pg | et, pe, RULES_CR4_PAE | RULES_CR4_PCIDE,
					 lme | lma, false, &cr0, &efer));
	assert_true(cpu_rules_cr0_write(pe | pg | et, pe, RULES_CR4_PAE, lme | lma, false,
					&cr0, &efer));
	assert_int_equal(efer, lme);
	assert_int_equal(cr0, pe | et);
	/* a write that keeps PG changes nothing in EFER */
	assert_true(cpu_rules_cr0_write(pe | pg | et, pe | pg | RULES_CR0_CD | RULES_CR0_NW,
					RULES_CR4_PAE, lme | lma, true, &cr0, &efer));
	assert_int_equal(efer, lme | lma);
}

static void test_cr4_write(void **state)
{
	struct cpu_rules r;
	const uint64_t lma = RULES_EFER_LME | RULES_EFER_LMA;
	const uint64_t base = RULES_CR4_PAE | RULES_CR4_OSFXSR;

	(void)state;
	cpu_rules_derive(&r, &typical);
	assert_true(cpu_rules_cr4_write(&r, base, base | RULES_CR4_PGE, 0x1000, lma));
	/* bits the CPUID does not announce */
	const uint64_t missing[] = { RULES_CR4_PKE, RULES_CR4_OSXSAVE, RULES_CR4_VMXE,
				     RULES_CR4_SMXE, RULES_CR4_LA57, 1ULL << 15,
				     1ULL << 19, 1ULL << 23, 1ULL << 24, 1ULL << 25,
				     1ULL << 28, 1ULL << 32, 1ULL << 63 };
	for (unsigned i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		assert_false(cpu_rules_cr4_write(&r, base, base | missing[i], 0x1000, lma));
		assert_false(cpu_rules_cr4_write(&r, 0, missing[i], 0, 0));
	}
	/* PAE cleared in IA-32e mode; fine outside it */
	assert_false(cpu_rules_cr4_write(&r, base, RULES_CR4_OSFXSR, 0x1000, lma));
	assert_true(cpu_rules_cr4_write(&r, base, RULES_CR4_OSFXSR, 0x1000, 0));
	/* PCIDE: only in IA-32e mode with CR3[11:0] = 0 */
	assert_true(cpu_rules_cr4_write(&r, base, base | RULES_CR4_PCIDE, 0x1000, lma));
	assert_false(cpu_rules_cr4_write(&r, base, base | RULES_CR4_PCIDE, 0x1001, lma));
	assert_false(cpu_rules_cr4_write(&r, base, base | RULES_CR4_PCIDE, 0x1000, 0));
	/* already set: CR3 holds a PCID then */
	assert_true(cpu_rules_cr4_write(&r, base | RULES_CR4_PCIDE,
					base | RULES_CR4_PCIDE | RULES_CR4_PGE, 0x1005, lma));
	/* LA57 may not change in IA-32e mode even where announced */
	cpu_rules_derive(&r, &(struct cpu_rules_cpuid){ .l1_edx = BIT(6), .l7_ecx = BIT(16) });
	assert_false(cpu_rules_cr4_write(&r, RULES_CR4_PAE, RULES_CR4_PAE | RULES_CR4_LA57,
					 0, lma));
	assert_true(cpu_rules_cr4_write(&r, RULES_CR4_PAE, RULES_CR4_PAE | RULES_CR4_LA57,
					0, 0));
}

/* MOV to CR3: MAXPHYADDR from leaf 0x80000008 (36 without it); bits
 * 63:MAXPHYADDR reserved in 64-bit mode; bit 63 is "no flush" with PCIDE. */
static void test_cr3_write(void **state)
{
	struct cpu_rules r;
	uint64_t cr3 = 0;

	(void)state;
	cpu_rules_derive(&r, &(struct cpu_rules_cpuid){ 0 });
	assert_int_equal(r.pa_bits, 36);
	cpu_rules_derive(&r, &(struct cpu_rules_cpuid){ .e8_eax = 0x3028 });
	assert_int_equal(r.pa_bits, 40);
	assert_true(cpu_rules_cr3_write(&r, 0xfffffff000ULL, 0, true, &cr3));
	assert_int_equal(cr3, 0xfffffff000ULL);
	assert_false(cpu_rules_cr3_write(&r, 1ULL << 40, 0, true, &cr3));
	assert_int_equal(cr3, 0xfffffff000ULL);      /* untouched */
	assert_false(cpu_rules_cr3_write(&r, (1ULL << 63) | 0x1000, 0, true, &cr3));
	/* with PCIDE bit 63 is not stored; the others still count */
	assert_true(cpu_rules_cr3_write(&r, (1ULL << 63) | 0x1005, RULES_CR4_PCIDE,
					true, &cr3));
	assert_int_equal(cr3, 0x1005);
	assert_false(cpu_rules_cr3_write(&r, (1ULL << 63) | (1ULL << 45),
					 RULES_CR4_PCIDE, true, &cr3));
	/* outside 64-bit mode the source is 32 bits: nothing is reserved */
	assert_true(cpu_rules_cr3_write(&r, 0xfffff000ULL, 0, false, &cr3));
	assert_int_equal(cr3, 0xfffff000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr4_from_cpuid),
		cmocka_unit_test(test_efer_from_cpuid),
		cmocka_unit_test(test_pat),
		cmocka_unit_test(test_mtrr_def_type),
		cmocka_unit_test(test_canonical_and_msrs),
		cmocka_unit_test(test_efer_write),
		cmocka_unit_test(test_cr0_write),
		cmocka_unit_test(test_cr4_write),
		cmocka_unit_test(test_cr3_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
