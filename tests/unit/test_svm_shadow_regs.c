/*
 * Shadow paging's register rules on SVM (arch/x86/svm/shadow_regs.c):
 * the hardware values for each guest paging mode, the VMRUN checks made on
 * the guest's values, which changes reach the shadow tables, and how a
 * guest #PF combines with an interrupted event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "arch/x86/svm/shadow_regs.h"
#include "arch/x86/svm/vmcb.h"

#define ROOT 0x12345000ull
#define PE (1ull << 0)
#define TS (1ull << 3)
#define ET (1ull << 4)
#define WP (1ull << 16)
#define PG (1ull << 31)
#define PSE (1ull << 4)
#define PAE (1ull << 5)
#define PGE (1ull << 7)
#define SMEP (1ull << 20)
#define SMAP (1ull << 21)
#define SCE (1ull << 0)
#define LME (1ull << 8)
#define LMA (1ull << 10)
#define NXE (1ull << 11)
#define SVME (1ull << 12)

static void expect_hw(struct svm_paging_regs g, uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	struct svm_paging_regs h = svm_shadow_hardware(&g, ROOT);

	assert_int_equal(h.cr0, cr0);
	assert_int_equal(h.cr3, ROOT);
	assert_int_equal(h.cr4, cr4);
	assert_int_equal(h.efer, efer);
}

/* Real mode, 32-bit paging, PAE and long mode: PG and WP forced, PAE for
 * legacy guests, SMEP/SMAP and LME off while paging is off. */
static void test_hardware_values(void **state)
{
	(void)state;
	/* reset state: real mode, LME set by a boot loader ahead of PG */
	expect_hw((struct svm_paging_regs){ ET, 0x1000, SMEP | SMAP | PGE, LME | NXE },
		  ET | PG | WP, PAE | PGE, NXE | SVME);
	/* protected mode, paging off */
	expect_hw((struct svm_paging_regs){ PE | ET, 0, 0, 0 }, PE | ET | PG | WP, PAE, SVME);
	/* 32-bit paging with PSE, WP clear: the hardware writes protected */
	expect_hw((struct svm_paging_regs){ PE | PG, 0x2000, PSE | SMEP, SCE },
		  PE | PG | WP, PSE | PAE | SMEP, SCE | SVME);
	/* PAE */
	expect_hw((struct svm_paging_regs){ PE | PG | WP | TS, 0x3000, PAE, NXE },
		  PE | PG | WP | TS, PAE, NXE | SVME);
	/* long mode: as it is, with SVME */
	expect_hw((struct svm_paging_regs){ PE | PG | WP, 0x4000, PAE | SMAP, LME | LMA | NXE },
		  PE | PG | WP, PAE | SMAP, LME | LMA | NXE | SVME);
}

static void test_guest_valid(void **state)
{
	(void)state;
	struct svm_paging_regs ok = { PE | PG, 0x1000, PAE, LME | LMA };
	struct svm_paging_regs no_pae = { PE | PG, 0x1000, 0, LME | LMA };
	struct svm_paging_regs lme_off_paging = { PE, 0x1000, 0, LME };
	struct svm_paging_regs cr3_mbz = { PE | PG, 1ull << 52, PAE, LME | LMA };

	assert_true(svm_shadow_guest_valid(&ok));
	assert_false(svm_shadow_guest_valid(&no_pae));
	assert_true(svm_shadow_guest_valid(&lme_off_paging));
	assert_false(svm_shadow_guest_valid(&cr3_mbz));
}

/* Only the bits that decide translation count: CR0.TS or EFER.SCE alone
 * leave the shadow as it is. */
static void test_same_paging(void **state)
{
	(void)state;
	struct svm_paging_regs a = { PE | PG | WP, 0x1000, PAE, LME | LMA | NXE };
	struct svm_paging_regs b = a;

	b.cr0 |= TS;
	b.efer |= SCE;
	b.cr4 |= PGE;
	assert_true(svm_shadow_same_paging(&a, &b));
	uint64_t differ[][4] = {
		{ WP, 0, 0, 0 }, { PG, 0, 0, 0 }, { 0, 0x1000, 0, 0 },
		{ 0, 0, PSE, 0 }, { 0, 0, PAE, 0 }, { 0, 0, SMEP, 0 }, { 0, 0, SMAP, 0 },
		{ 0, 0, 0, NXE }, { 0, 0, 0, LMA }, { 0, 0, 0, LME },
	};
	for (unsigned i = 0; i < sizeof(differ) / sizeof(differ[0]); i++) {
		b = a;
		b.cr0 ^= differ[i][0];
		b.cr3 ^= differ[i][1];
		b.cr4 ^= differ[i][2];
		b.efer ^= differ[i][3];
		assert_false(svm_shadow_same_paging(&a, &b));
	}
}

/* The shadow hears of a change that translates otherwise, of the first
 * registers, and of every MOV to CR3, even of the value CR3 already holds:
 * a PAE guest's rewritten PDPTE counts from that load (ptattack32.bin found
 * the old PD still in use when the shadow skipped it). */
static void test_must_sync(void **state)
{
	(void)state;
	struct svm_paging_regs a = { PE | PG, 0x1000, PAE, 0 };
	struct svm_paging_regs b = a;

	assert_false(svm_shadow_must_sync(&a, &b, true, false));
	assert_true(svm_shadow_must_sync(&a, &b, true, true));
	assert_true(svm_shadow_must_sync(&a, &b, false, false));
	b.cr3 = 0x2000;
	assert_true(svm_shadow_must_sync(&a, &b, true, false));
	b = a;
	b.cr0 |= TS;
	assert_false(svm_shadow_must_sync(&a, &b, true, false));
}

static uint64_t event(uint32_t type, uint8_t vector)
{
	return SVM_EVTINJ_VALID | type | vector;
}

/* SDM Vol. 3 Table 6-5: #PF in #PF delivery is #DF, in #DF delivery a
 * triple fault; in a contributory exception's delivery it is handled
 * serially (delivered), as after benign events; interrupts are queued
 * again. */
static void test_pf_outcome(void **state)
{
	(void)state;
	assert_int_equal(svm_shadow_pf_outcome(0), SVM_PF_DELIVER);
	assert_int_equal(svm_shadow_pf_outcome(event(SVM_EVTINJ_TYPE_EXEPT, 14)),
			 SVM_PF_DOUBLE_FAULT);
	for (uint8_t v = 10; v <= 13; v++)
		assert_int_equal(svm_shadow_pf_outcome(event(SVM_EVTINJ_TYPE_EXEPT, v)),
				 SVM_PF_DELIVER);
	assert_int_equal(svm_shadow_pf_outcome(event(SVM_EVTINJ_TYPE_EXEPT, 0)),
			 SVM_PF_DELIVER);
	assert_int_equal(svm_shadow_pf_outcome(event(SVM_EVTINJ_TYPE_EXEPT, 8)),
			 SVM_PF_TRIPLE_FAULT);
	assert_int_equal(svm_shadow_pf_outcome(event(SVM_EVTINJ_TYPE_EXEPT, 1)),
			 SVM_PF_DELIVER);
	assert_int_equal(svm_shadow_pf_outcome(event(SVM_EVTINJ_TYPE_EXEPT, 6)),
			 SVM_PF_DELIVER);
	assert_int_equal(svm_shadow_pf_outcome(event(SVM_EVTINJ_TYPE_INTR, 0x30)),
			 SVM_PF_REQUEUE_IRQ);
	assert_int_equal(svm_shadow_pf_outcome(event(SVM_EVTINJ_TYPE_SOFT, 0x80)),
			 SVM_PF_DELIVER);
	assert_int_equal(svm_shadow_pf_outcome(event(SVM_EVTINJ_TYPE_NMI, 2)),
			 SVM_PF_REQUEUE_NMI);
	/* a software interrupt with vector 14 is no #PF */
	assert_int_equal(svm_shadow_pf_outcome(event(SVM_EVTINJ_TYPE_SOFT, 14)),
			 SVM_PF_DELIVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hardware_values),
		cmocka_unit_test(test_guest_valid),
		cmocka_unit_test(test_same_paging),
		cmocka_unit_test(test_must_sync),
		cmocka_unit_test(test_pf_outcome),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
