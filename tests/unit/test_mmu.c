/*
 * Host tests for mmu/: second-level tables (NPT and EPT formats) and the
 * guest page-table walker, over a fake physical memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mmu/mmu.h"
#include "mmu/guest_walk.h"

#define FAKE_PAGES 4096
static uint8_t *fake_mem;               /* "physical" page i at i*4096 */
static int pages_used, alloc_fail_after = -1;
static uint8_t page_in_use[FAKE_PAGES];

static int fake_alloc(void *ctx, uint64_t *pa)
{
	(void)ctx;
	if (alloc_fail_after == 0)
		return -12;
	if (alloc_fail_after > 0)
		alloc_fail_after--;
	for (int i = 1; i < FAKE_PAGES; i++) {
		if (!page_in_use[i]) {
			page_in_use[i] = 1;
			pages_used++;
			memset(fake_mem + (size_t)i * 4096, 0, 4096);
			*pa = (uint64_t)i * 4096;
			return 0;
		}
	}
	return -12;
}

static void fake_free(void *ctx, uint64_t pa)
{
	(void)ctx;
	assert_true(page_in_use[pa / 4096]);
	page_in_use[pa / 4096] = 0;
	pages_used--;
}

static void *fake_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	assert_true(pa < (uint64_t)FAKE_PAGES * 4096);
	return fake_mem + pa;
}

static const struct mmu_alloc fake = { fake_alloc, fake_free, fake_virt, 0, NULL };

static int setup(void **state)
{
	(void)state;
	fake_mem = aligned_alloc(4096, (size_t)FAKE_PAGES * 4096);
	memset(page_in_use, 0, sizeof(page_in_use));
	pages_used = 0;
	alloc_fail_after = -1;
	return fake_mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(fake_mem);
	return 0;
}

static void expect_map(struct mmu_space *s, uint64_t gpa, uint64_t hpa, unsigned perms)
{
	uint64_t got;
	unsigned p;

	assert_int_equal(mmu_lookup(s, gpa, &got, &p), 0);
	assert_int_equal(got, hpa);
	assert_int_equal(p, perms);
}

static void test_npt_small_and_large(void **state)
{
	struct mmu_space s;
	uint64_t hpa;
	unsigned p;

	(void)state;
	for (int fmt = 0; fmt < 2; fmt++) {
		assert_int_equal(mmu_space_init(&s, fmt, &fake, true, true), 0);
		/* 4 KiB pages: misaligned for large pages */
		assert_int_equal(mmu_map(&s, 0x1000, 0x5000, 0x3000, MMU_RWX), 0);
		expect_map(&s, 0x1000, 0x5000, MMU_RWX);
		expect_map(&s, 0x3fff, 0x7fff, MMU_RWX);
		assert_int_equal(mmu_lookup(&s, 0x4000, &hpa, &p), -2);
		assert_int_equal(mmu_lookup(&s, 0x0, &hpa, &p), -2);
		/* 2 MiB page when both sides are aligned */
		uint64_t before = s.ntables;
		assert_int_equal(mmu_map(&s, 0x200000, 0x400000, 0x200000, MMU_RWX), 0);
		assert_int_equal(s.ntables, before);    /* a PD leaf, no new PT */
		expect_map(&s, 0x3fffff, 0x5fffff, MMU_RWX);
		/* 1 GiB page */
		assert_int_equal(mmu_map(&s, 1ULL << 30, 2ULL << 30, 1ULL << 30, MMU_RWX), 0);
		expect_map(&s, (1ULL << 30) + 0x12345, (2ULL << 30) + 0x12345, MMU_RWX);
		assert_int_equal(s.mapped_bytes, 0x3000 + 0x200000 + (1ULL << 30));
		mmu_space_destroy(&s);
		assert_int_equal(pages_used, 0);
	}
}

static void test_read_only_and_ept_perms(void **state)
{
	struct mmu_space s;

	(void)state;
	assert_int_equal(mmu_space_init(&s, MMU_FORMAT_NPT, &fake, true, true), 0);
	assert_int_equal(mmu_map(&s, 0x10000, 0x20000, 0x1000, MMU_READ | MMU_EXEC), 0);
	expect_map(&s, 0x10000, 0x20000, MMU_READ | MMU_EXEC);
	mmu_space_destroy(&s);

	assert_int_equal(mmu_space_init(&s, MMU_FORMAT_EPT, &fake, true, true), 0);
	assert_int_equal(mmu_map(&s, 0x10000, 0x20000, 0x1000, MMU_READ), 0);
	expect_map(&s, 0x10000, 0x20000, MMU_READ);
	assert_int_equal(mmu_map(&s, 0x11000, 0x21000, 0x1000, MMU_WRITE | MMU_READ), 0);
	expect_map(&s, 0x11000, 0x21000, MMU_READ | MMU_WRITE);
	mmu_space_destroy(&s);
	assert_int_equal(pages_used, 0);
}

static void test_unmap_splits_large_pages(void **state)
{
	struct mmu_space s;
	uint64_t hpa;
	unsigned p;

	(void)state;
	assert_int_equal(mmu_space_init(&s, MMU_FORMAT_NPT, &fake, true, true), 0);
	assert_int_equal(mmu_map(&s, 0, 0, 1ULL << 30, MMU_RWX), 0);
	assert_false(s.flush_needed);
	/* punch one 4 KiB hole in the middle of the 1 GiB page */
	assert_int_equal(mmu_unmap(&s, 0x12345000, 0x1000), 0);
	assert_true(s.flush_needed);
	assert_int_equal(mmu_lookup(&s, 0x12345000, &hpa, &p), -2);
	expect_map(&s, 0x12344fff, 0x12344fff, MMU_RWX);
	expect_map(&s, 0x12346000, 0x12346000, MMU_RWX);
	expect_map(&s, 0x3fffffff, 0x3fffffff, MMU_RWX);
	assert_int_equal(s.mapped_bytes, (1ULL << 30) - 0x1000);
	/* unmapping everything leaves nothing translated */
	assert_int_equal(mmu_unmap(&s, 0, 1ULL << 30), 0);
	assert_int_equal(s.mapped_bytes, 0);
	assert_int_equal(s.ntables, 1);         /* empty tables given back */
	assert_int_equal(pages_used, 1);
	assert_int_equal(mmu_lookup(&s, 0x1000, &hpa, &p), -2);
	/* remapping over an area with tables frees them */
	assert_int_equal(mmu_map(&s, 0, 0, 1ULL << 30, MMU_RWX), 0);
	assert_int_equal(s.ntables, 2);         /* PML4 + PDPT */
	mmu_space_destroy(&s);
	assert_int_equal(pages_used, 0);
}

/* Many small maps and unmaps in a far region return every table frame:
 * the control partition's VM windows rely on it. */
static void test_unmap_frees_tables(void **state)
{
	struct mmu_space s;

	(void)state;
	assert_int_equal(mmu_space_init(&s, MMU_FORMAT_NPT, &fake, true, true), 0);
	for (int round = 0; round < 50; round++) {
		uint64_t base = (64ULL << 30) + (uint64_t)round * (16ULL << 30);
		assert_int_equal(mmu_map(&s, base, 0x200000, 0x3000, MMU_RWX), 0);
		assert_int_equal(mmu_map(&s, base + 0x400000, 0x200000, 0x200000, MMU_RWX), 0);
		assert_true(s.ntables > 1);
		assert_int_equal(mmu_unmap(&s, base, 16ULL << 30), 0);
		assert_int_equal(s.ntables, 1);
		assert_int_equal(pages_used, 1);
	}
	mmu_space_destroy(&s);
	assert_int_equal(pages_used, 0);
}

static void test_bad_arguments(void **state)
{
	struct mmu_space s;

	(void)state;
	assert_int_equal(mmu_space_init(&s, MMU_FORMAT_NPT, &fake, true, false), 0);
	assert_int_equal(mmu_map(&s, 0x1001, 0, 0x1000, MMU_RWX), -22);
	assert_int_equal(mmu_map(&s, 0x1000, 0x10, 0x1000, MMU_RWX), -22);
	assert_int_equal(mmu_map(&s, 0x1000, 0, 0, MMU_RWX), -22);
	assert_int_equal(mmu_map(&s, 0x1000, 0, 0x1000, 0), -22);
	assert_int_equal(mmu_map(&s, MMU_GPA_LIMIT - 0x1000, 0, 0x2000, MMU_RWX), -22);
	assert_int_equal(mmu_unmap(&s, 0, 0x1800), -22);
	/* 1 GiB not allowed: an aligned 1 GiB range uses 2 MiB pages */
	assert_int_equal(mmu_map(&s, 1ULL << 30, 1ULL << 30, 1ULL << 30, MMU_RWX), 0);
	assert_int_equal(s.ntables, 3);         /* PML4, PDPT, one PD */
	/* out of table memory: an error, the space stays consistent */
	alloc_fail_after = 0;
	assert_int_equal(mmu_map(&s, 0x1000, 0x1000, 0x1000, MMU_RWX), -12);
	alloc_fail_after = -1;
	mmu_space_destroy(&s);
	assert_int_equal(pages_used, 0);
}

/* An unmap whose two ends both need a split, with frames for only one:
 * it must fail having changed nothing (the old code split the first leaf,
 * removed its part, then failed on the second and returned with half the
 * range gone: a caller freeing nothing on error then kept stale state). */
static void test_unmap_all_or_nothing(void **state)
{
	struct mmu_space s;
	uint64_t hpa;
	unsigned p;

	(void)state;
	for (int fmt = 0; fmt < 2; fmt++) {
		assert_int_equal(mmu_space_init(&s, fmt, &fake, true, false), 0);
		assert_int_equal(mmu_map(&s, 0, 0x400000, 0x400000, MMU_RWX), 0);
		int used = pages_used;
		uint64_t tables = s.ntables, bytes = s.mapped_bytes;
		alloc_fail_after = 1;
		assert_int_equal(mmu_unmap(&s, 0x100000, 0x200000), -12);
		alloc_fail_after = -1;
		for (uint64_t a = 0; a < 0x400000; a += 0x80000)
			expect_map(&s, a, 0x400000 + a, MMU_RWX);
		assert_int_equal(pages_used, used);
		assert_int_equal(s.ntables, tables);
		assert_int_equal(s.mapped_bytes, bytes);
		/* with frames it works, and takes only what it kept */
		assert_int_equal(mmu_unmap(&s, 0x100000, 0x200000), 0);
		assert_int_equal(mmu_lookup(&s, 0x100000, &hpa, &p), -2);
		assert_int_equal(mmu_lookup(&s, 0x2ff000, &hpa, &p), -2);
		expect_map(&s, 0xff000, 0x4ff000, MMU_RWX);
		expect_map(&s, 0x300000, 0x700000, MMU_RWX);
		/* a range on leaf boundaries needs no frame at all */
		alloc_fail_after = 0;
		assert_int_equal(mmu_unmap(&s, 0x300000, 0x100000), 0);
		alloc_fail_after = -1;
		mmu_space_destroy(&s);
		assert_int_equal(pages_used, 0);
	}
}

/* ---- guest walker ------------------------------------------------------ */

static int read_fake(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	if (gpa + len > (uint64_t)FAKE_PAGES * 4096)
		return -14;
	memcpy(buf, fake_mem + gpa, len);
	return 0;
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(fake_mem + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(fake_mem + gpa, &v, 4); }

#define CR0_PE_PG ((1ULL << 31) | 1)
#define CR4_PSE (1ULL << 4)
#define CR4_PAE (1ULL << 5)
#define EFER_LME_LMA ((1ULL << 8) | (1ULL << 10))

static void test_walk_paging_off(void **state)
{
	struct guest_paging p = { .cr0 = 1, .read_gpa = read_fake };
	struct guest_translation t;

	(void)state;
	assert_int_equal(guest_walk(&p, 0x1234567, &t), 0);
	assert_int_equal(t.gpa, 0x1234567);
	assert_true(t.writable && t.user);
}

static void test_walk_32bit(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PE_PG, .cr3 = 0x1000, .cr4 = CR4_PSE,
				  .read_gpa = read_fake };
	struct guest_translation t;

	(void)state;
	memset(fake_mem, 0, 0x10000);
	/* PDE 0 -> PT at 0x2000; PTE 5 -> 0x7000, read-only supervisor */
	put32(0x1000 + 0 * 4, 0x2000 | 7);
	put32(0x2000 + 5 * 4, 0x7000 | 1);
	assert_int_equal(guest_walk(&p, 0x5abc, &t), 0);
	assert_int_equal(t.gpa, 0x7abc);
	assert_false(t.writable);
	assert_false(t.user);
	/* PDE 1: 4 MiB page at 0x00c00000 with PSE-36 bits -> 0x1_00c00000 */
	put32(0x1000 + 1 * 4, 0x00c00000 | (1u << 13) | 0x87);
	assert_int_equal(guest_walk(&p, 0x00412345, &t), 0);
	assert_int_equal(t.gpa, 0x100c12345ULL);
	assert_true(t.writable && t.user);
	assert_int_equal(t.page_size, 4u << 20);
	/* not present */
	assert_int_equal(guest_walk(&p, 0x6000, &t), -2);
	assert_int_equal(guest_walk(&p, 0x00800000, &t), -2);
}

static void test_walk_pae(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PE_PG, .cr3 = 0x1020, .cr4 = CR4_PAE,
				  .read_gpa = read_fake };
	struct guest_translation t;

	(void)state;
	memset(fake_mem, 0, 0x10000);
	put64(0x1020 + 3 * 8, 0x2000 | 1);              /* PDPTE 3 */
	put64(0x2000 + 1 * 8, 0x3000 | 7);              /* PDE 1 -> PT */
	put64(0x3000 + 2 * 8, 0x9000 | 3 | (1ULL << 63));
	assert_int_equal(guest_walk(&p, 0xc0202010, &t), 0);
	assert_int_equal(t.gpa, 0x9010);
	assert_true(t.writable);
	assert_false(t.user);
	assert_true(t.nx);
	put64(0x2000 + 2 * 8, 0x40000000 | 0x87);       /* 2 MiB page */
	assert_int_equal(guest_walk(&p, 0xc0456789, &t), 0);
	assert_int_equal(t.gpa, 0x40056789);
	assert_int_equal(t.page_size, 2u << 20);
}

static void test_walk_4level(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PE_PG, .cr3 = 0x1000, .cr4 = CR4_PAE,
				  .efer = EFER_LME_LMA, .read_gpa = read_fake };
	struct guest_translation t;
	uint64_t va = (255ULL << 39) | (2ULL << 30) | (1ULL << 21) | (1ULL << 12) | 0x123;

	(void)state;
	memset(fake_mem, 0, 0x10000);
	put64(0x1000 + 255 * 8, 0x2000 | 7);
	put64(0x2000 + 2 * 8, 0x3000 | 7);
	put64(0x3000 + 1 * 8, 0x4000 | 7);
	put64(0x4000 + 1 * 8, 0x8000 | 7);
	assert_int_equal(guest_walk(&p, va, &t), 0);
	assert_int_equal(t.gpa, 0x8123);
	assert_true(t.writable && t.user);
	/* 1 GiB page at PDPTE 3 of PML4E 0 */
	put64(0x1000, 0x5000 | 7);
	put64(0x5000 + 3 * 8, 0x80000000ULL | 0x83);
	assert_int_equal(guest_walk(&p, 0xc1234567ULL, &t), 0);
	assert_int_equal(t.gpa, 0x81234567ULL);
	assert_false(t.user);
	assert_int_equal(t.page_size, 1u << 30);
	/* unreadable table */
	put64(0x5000 + 4 * 8, (0x7fffULL << 30) | 7);
	assert_int_equal(guest_walk(&p, 0x100000000ULL + 0x1000, &t), -14);
}

/* 5-level paging is refused, not walked as 4 levels (which would hand back
 * the translation of a different address). */
static void test_walk_la57_refused(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PE_PG, .cr3 = 0x1000,
				  .cr4 = CR4_PAE | (1ULL << 12),
				  .efer = EFER_LME_LMA, .read_gpa = read_fake };
	struct guest_translation t;

	(void)state;
	memset(fake_mem, 0, 0x10000);
	put64(0x1000, 0x2000 | 7);
	put64(0x2000, 0x3000 | 7);
	put64(0x3000, 0x4000 | 7);
	put64(0x4000, 0x8000 | 7);
	assert_int_equal(guest_walk(&p, 0x123, &t), -95);     /* -EOPNOTSUPP */
	p.cr4 &= ~(1ULL << 12);
	assert_int_equal(guest_walk(&p, 0x123, &t), 0);
	assert_int_equal(t.gpa, 0x8123);
	/* outside long mode the bit is not 5-level paging: PAE as before */
	p.cr4 |= 1ULL << 12;
	p.efer = 0;
	p.cr3 = 0x1000;
	assert_int_not_equal(guest_walk(&p, 0x123, &t), -95);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_npt_small_and_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_and_ept_perms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_splits_large_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_frees_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_paging_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_32bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_pae, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_4level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_la57_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
