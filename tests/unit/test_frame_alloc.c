/*
 * Host test for core/frame_alloc.c. A 64 MiB heap buffer plays physical
 * memory [0, 64 MiB): virt = phys + virt_offset with virt_offset = the
 * buffer's address. Every page handed out is checked against an independent
 * model (free ranges, reserved ranges, limit, the first MiB, the bitmap), its
 * contents are checked to be zero, and the free count must come back exactly
 * after any mix of allocations and frees (hundreds of VMs created and
 * destroyed must leave the allocator as they found it).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/frame_alloc.h"
#include "abi/errno.h"

#define PG          4096ull
#define MiB         (1ull << 20)
#define MEM_BYTES   (64 * MiB)
#define MEM_PAGES   (MEM_BYTES / PG)
#define DIRT        0xaa
#define ALIGN_UP_PG(x) (((x) + PG - 1) & ~(PG - 1))

static uint8_t *mem;                    /* "physical" [0, MEM_BYTES) */
static uint64_t bitmap[MEM_PAGES / 64 + 1];

static uintptr_t voff(void)
{
	return (uintptr_t)mem;
}

static int setup_mem(void **state)
{
	(void)state;
	mem = aligned_alloc(PG, MEM_BYTES);
	assert_non_null(mem);
	memset(mem, DIRT, MEM_BYTES);
	return 0;
}

static int teardown_mem(void **state)
{
	(void)state;
	free(mem);
	return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static bool bit_free(const struct frame_alloc *fa, uint64_t pfn)
{
	return fa->bitmap[pfn / 64] >> (pfn % 64) & 1;
}

static uint64_t count_free_bits(const struct frame_alloc *fa)
{
	uint64_t n = 0;

	for (uint64_t pfn = 0; pfn < fa->npages; pfn++)
		n += bit_free(fa, pfn);
	return n;
}

/* nfree is exactly the number of free bits */
static void check_consistent(const struct frame_alloc *fa)
{
	assert_int_equal(count_free_bits(fa), fa->nfree);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

struct snapshot {
	uint64_t bits[MEM_PAGES / 64 + 1];
	uint64_t nfree;
};

static void take(const struct frame_alloc *fa, struct snapshot *s)
{
	memcpy(s->bits, fa->bitmap, frame_alloc_bitmap_bytes(fa->npages));
	s->nfree = fa->nfree;
}

static void same_as(const struct frame_alloc *fa, const struct snapshot *s)
{
	assert_int_equal(fa->nfree, s->nfree);
	assert_memory_equal(s->bits, fa->bitmap, frame_alloc_bitmap_bytes(fa->npages));
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* An allocator over all 64 MiB with these free ranges minus the reserved. */
static void make_fa(struct frame_alloc *fa)
{
	frame_alloc_init(fa, bitmap, MEM_PAGES, voff());
	frame_alloc_add_free(fa, 1 * MiB, 8 * MiB);
	frame_alloc_add_free(fa, 16 * MiB, 20 * MiB);
	frame_alloc_add_free(fa, 32 * MiB, 40 * MiB);
	frame_alloc_reserve(fa, 2 * MiB, 3 * MiB);
	frame_alloc_reserve(fa, 33 * MiB + 5, 33 * MiB + 6);   /* one frame */
}

/* The same set, as a predicate. */
static bool model_free(uint64_t pa)
{
	bool in_free = (pa >= 1 * MiB && pa < 8 * MiB) ||
		       (pa >= 16 * MiB && pa < 20 * MiB) ||
		       (pa >= 32 * MiB && pa < 40 * MiB);
	bool reserved = (pa >= 2 * MiB && pa < 3 * MiB) || pa == 33 * MiB;

	return in_free && !reserved;
}

#define MODEL_FREE_PAGES ((7 + 4 + 8 - 1) * MiB / PG - 1)

/* ---- init, add_free, reserve --------------------------------------------- */

static void test_init_has_nothing_free(void **state)
{
	struct frame_alloc fa;
	uint64_t pa = 0x1234;

	(void)state;
	memset(bitmap, 0xff, sizeof(bitmap));       /* stale bits are cleared */
	frame_alloc_init(&fa, bitmap, MEM_PAGES, voff());
	assert_int_equal(fa.nfree, 0);
	assert_int_equal(fa.npages, MEM_PAGES);
	check_consistent(&fa);
	assert_int_equal(frame_alloc_pages(&fa, 1, 1, &pa), -ENOMEM);
	assert_int_equal(pa, 0x1234);
	assert_int_equal(frame_alloc_bitmap_bytes(0), 0);
	assert_int_equal(frame_alloc_bitmap_bytes(1), 8);
	assert_int_equal(frame_alloc_bitmap_bytes(64), 8);
	assert_int_equal(frame_alloc_bitmap_bytes(65), 16);
	assert_int_equal(frame_alloc_bitmap_bytes(MEM_PAGES), MEM_PAGES / 8);
}

static void test_add_free_rounds_inward(void **state)
{
	struct frame_alloc fa;

	(void)state;
	frame_alloc_init(&fa, bitmap, MEM_PAGES, voff());
	frame_alloc_add_free(&fa, 0x1001, 0x5fff);  /* whole frames 2, 3, 4 */
	assert_int_equal(fa.nfree, 3);
	assert_false(bit_free(&fa, 1));
	assert_true(bit_free(&fa, 2) && bit_free(&fa, 3) && bit_free(&fa, 4));
	assert_false(bit_free(&fa, 5));
	frame_alloc_add_free(&fa, 0x1001, 0x5fff);  /* again: no double count */
	assert_int_equal(fa.nfree, 3);
	frame_alloc_add_free(&fa, 0x20001, 0x20fff); /* no whole frame inside */
	frame_alloc_add_free(&fa, 0x30000, 0x30000); /* empty */
	frame_alloc_add_free(&fa, 0x40000, 0x3f000); /* backwards */
	assert_int_equal(fa.nfree, 3);
	frame_alloc_add_free(&fa, 0x8000, 0x9000);   /* exactly one frame */
	assert_true(bit_free(&fa, 8));
	assert_int_equal(fa.nfree, 4);
	/* clipped at npages: nothing beyond the bitmap is written */
	frame_alloc_add_free(&fa, MEM_BYTES - 2 * PG, MEM_BYTES + 100 * MiB);
	assert_int_equal(fa.nfree, 6);
	check_consistent(&fa);
}

static void test_reserve_rounds_outward(void **state)
{
	struct frame_alloc fa;

	(void)state;
	frame_alloc_init(&fa, bitmap, MEM_PAGES, voff());
	frame_alloc_add_free(&fa, 0, 16 * PG);
	assert_int_equal(fa.nfree, 16);
	frame_alloc_reserve(&fa, 3 * PG + 1, 3 * PG + 2);   /* touches frame 3 */
	assert_false(bit_free(&fa, 3));
	assert_true(bit_free(&fa, 2) && bit_free(&fa, 4));
	frame_alloc_reserve(&fa, 6 * PG - 1, 6 * PG + 1);   /* frames 5 and 6 */
	assert_false(bit_free(&fa, 5) || bit_free(&fa, 6));
	assert_true(bit_free(&fa, 7));
	frame_alloc_reserve(&fa, 8 * PG, 9 * PG);           /* exactly frame 8 */
	assert_false(bit_free(&fa, 8));
	assert_true(bit_free(&fa, 9));
	frame_alloc_reserve(&fa, 8 * PG, 9 * PG);           /* no double count */
	assert_int_equal(fa.nfree, 16 - 4);
	frame_alloc_reserve(&fa, MEM_BYTES, MEM_BYTES + MiB); /* beyond: ignored */
	assert_int_equal(fa.nfree, 16 - 4);
	check_consistent(&fa);

	/* an end within a page of 2^64 must not round up to 0 */
	frame_alloc_reserve(&fa, 12 * PG, UINT64_MAX);
	assert_true(bit_free(&fa, 11));
	assert_int_equal(fa.nfree, 16 - 4 - 4);
	frame_alloc_reserve(&fa, 0, UINT64_MAX - PG + 2);
	assert_int_equal(fa.nfree, 0);
	check_consistent(&fa);
}

/* ---- allocation ---------------------------------------------------------- */

static void test_single_pages_exhaust_model(void **state)
{
	struct frame_alloc fa;
	static uint8_t handed_out[MEM_PAGES];
	uint64_t pa, n = 0;

	(void)state;
	memset(mem, DIRT, MEM_BYTES);
	memset(handed_out, 0, sizeof(handed_out));
	make_fa(&fa);
	assert_int_equal(fa.nfree, MODEL_FREE_PAGES);
	check_consistent(&fa);

	while (frame_alloc_pages(&fa, 1, 1, &pa) == 0) {
		assert_int_equal(pa % PG, 0);
		assert_true(pa < MEM_BYTES);
		assert_true(model_free(pa));
		assert_false(handed_out[pa / PG]);
		handed_out[pa / PG] = 1;
		assert_true(all_zero(mem + pa, PG));
		assert_false(bit_free(&fa, pa / PG));
		memset(mem + pa, 0x5c, PG);             /* the owner dirties it */
		n++;
	}
	assert_int_equal(n, MODEL_FREE_PAGES);
	assert_int_equal(fa.nfree, 0);
	check_consistent(&fa);

	/* exhausted: -ENOMEM, nothing changes, *pa untouched */
	struct snapshot *s = malloc(sizeof(*s));
	take(&fa, s);
	pa = 0xabc;
	assert_int_equal(frame_alloc_pages(&fa, 1, 1, &pa), -ENOMEM);
	assert_int_equal(frame_alloc_pages(&fa, 2, 1, &pa), -ENOMEM);
	assert_int_equal(pa, 0xabc);
	same_as(&fa, s);

	/* return them all: every model page is free again, nothing else */
	for (uint64_t pfn = 0; pfn < MEM_PAGES; pfn++)
		if (handed_out[pfn])
			assert_int_equal(frame_free_pages(&fa, pfn * PG, 1), 0);
	assert_int_equal(fa.nfree, MODEL_FREE_PAGES);
	for (uint64_t pfn = 0; pfn < MEM_PAGES; pfn++)
		assert_int_equal(bit_free(&fa, pfn), model_free(pfn * PG));
	free(s);
}

static void check_run(struct frame_alloc *fa, uint64_t pa, uint64_t n,
		      uint64_t align)
{
	assert_int_equal(pa % (align * PG), 0);
	for (uint64_t i = 0; i < n; i++) {
		assert_true(model_free(pa + i * PG));
		assert_false(bit_free(fa, pa / PG + i));
	}
	assert_true(all_zero(mem + pa, n * PG));
}

static void test_aligned_runs(void **state)
{
	struct frame_alloc fa;
	uint64_t pa, pa2, before;

	(void)state;
	memset(mem, DIRT, MEM_BYTES);
	make_fa(&fa);
	before = fa.nfree;

	assert_int_equal(frame_alloc_pages(&fa, 3, 2, &pa), 0);
	check_run(&fa, pa, 3, 2);
	assert_int_equal(frame_alloc_pages(&fa, 512, 512, &pa2), 0);  /* 2 MiB */
	check_run(&fa, pa2, 512, 512);
	assert_true(pa2 + 512 * PG <= pa || pa + 3 * PG <= pa2);
	assert_int_equal(fa.nfree, before - 515);

	uint64_t pa3;
	assert_int_equal(frame_alloc_pages(&fa, 1, 64, &pa3), 0);
	check_run(&fa, pa3, 1, 64);
	uint64_t pa4;
	assert_int_equal(frame_alloc_pages(&fa, 17, 16, &pa4), 0);
	check_run(&fa, pa4, 17, 16);
	check_consistent(&fa);

	assert_int_equal(frame_free_pages(&fa, pa, 3), 0);
	assert_int_equal(frame_free_pages(&fa, pa2, 512), 0);
	assert_int_equal(frame_free_pages(&fa, pa3, 1), 0);
	assert_int_equal(frame_free_pages(&fa, pa4, 17), 0);
	assert_int_equal(fa.nfree, before);

	/* a run as large as the largest free range: 32..40 MiB minus frame
	 * 33 MiB leaves [33 MiB + 4K, 40 MiB) */
	assert_int_equal(frame_alloc_pages(&fa, 7 * MiB / PG - 1, 1, &pa), 0);
	assert_int_equal(pa, 33 * MiB + PG);
	check_run(&fa, pa, 7 * MiB / PG - 1, 1);
	assert_int_equal(frame_free_pages(&fa, pa, 7 * MiB / PG - 1), 0);
	/* one more page than the largest range holds */
	pa = 0xabc;
	assert_int_equal(frame_alloc_pages(&fa, 7 * MiB / PG, 1, &pa), -ENOMEM);
	assert_int_equal(pa, 0xabc);
	assert_int_equal(fa.nfree, before);
	check_consistent(&fa);
}

static void test_bad_requests(void **state)
{
	struct frame_alloc fa;
	struct snapshot *s = malloc(sizeof(*s));
	uint64_t pa = 0xabc;

	(void)state;
	make_fa(&fa);
	take(&fa, s);
	assert_int_equal(frame_alloc_pages(&fa, 0, 1, &pa), -ENOMEM);
	assert_int_equal(frame_alloc_pages(&fa, 1, 0, &pa), -ENOMEM);
	assert_int_equal(frame_alloc_pages(&fa, 1, 3, &pa), -ENOMEM);   /* not 2^n */
	assert_int_equal(frame_alloc_pages(&fa, 1, 6, &pa), -ENOMEM);
	assert_int_equal(frame_alloc_pages(&fa, fa.nfree + 1, 1, &pa), -ENOMEM);
	assert_int_equal(frame_alloc_pages(&fa, UINT64_MAX, 1, &pa), -ENOMEM);
	assert_int_equal(frame_alloc_pages(&fa, 1, 1ull << 63, &pa), -ENOMEM);
	/* 4 MiB-aligned candidates 4, 16, 32, 36 MiB: none has 1025 frames */
	assert_int_equal(frame_alloc_pages(&fa, 1025, 1024, &pa), -ENOMEM);
	assert_int_equal(pa, 0xabc);
	same_as(&fa, s);
	free(s);
}

/* Enough free frames in total but no contiguous run: -ENOMEM, no change. */
static void test_fragmented(void **state)
{
	struct frame_alloc fa;
	struct snapshot *s = malloc(sizeof(*s));
	uint64_t pa = 0xabc;

	(void)state;
	frame_alloc_init(&fa, bitmap, MEM_PAGES, voff());
	for (uint64_t pfn = 257; pfn < 257 + 200; pfn += 2)   /* odd frames */
		frame_alloc_add_free(&fa, pfn * PG, (pfn + 1) * PG);
	assert_int_equal(fa.nfree, 100);
	take(&fa, s);
	assert_int_equal(frame_alloc_pages(&fa, 2, 1, &pa), -ENOMEM);
	assert_int_equal(frame_alloc_pages(&fa, 1, 2, &pa), -ENOMEM);
	assert_int_equal(frame_alloc_pages(&fa, 100, 1, &pa), -ENOMEM);
	assert_int_equal(pa, 0xabc);
	same_as(&fa, s);
	assert_int_equal(frame_alloc_pages(&fa, 1, 1, &pa), 0);
	assert_int_equal(pa / PG % 2, 1);
	free(s);
}

/*
 * The worst case of a rescanning search: free runs one frame shorter than
 * the request, each ended by a used frame. The search must stay linear in
 * the bitmap (a bounded number of word reads per candidate, not a rescan
 * of the run), and still find the first fit once one exists.
 */
static void test_search_is_linear(void **state)
{
	const uint64_t run = 1023, first = 256;     /* frames */
	uint64_t nused = 0, pa = 0, bound;
	struct frame_alloc fa;

	(void)state;
	frame_alloc_init(&fa, bitmap, MEM_PAGES, voff());
	frame_alloc_add_free(&fa, first * PG, MEM_BYTES);
	for (uint64_t pfn = first + run; pfn < MEM_PAGES; pfn += run + 1) {
		frame_alloc_reserve(&fa, pfn * PG, (pfn + 1) * PG);
		nused++;
	}
	/* per candidate: the words up to its used frame, plus a few; two
	 * passes (from the next-fit hint, then from 0) */
	bound = 2 * (MEM_PAGES / 64 + 4 * (nused + 1));
	fa.words_scanned = 0;
	assert_int_equal(frame_alloc_pages(&fa, run + 1, 1, &pa), -ENOMEM);
	assert_true(fa.words_scanned <= bound);
	fa.words_scanned = 0;
	assert_int_equal(frame_alloc_pages(&fa, run, 1, &pa), 0);
	assert_int_equal(pa, first * PG);
	assert_true(fa.words_scanned <= bound);
	/* joining two runs gives the only fit for run + 1 frames */
	assert_int_equal(frame_free_pages(&fa, (first + 5 * (run + 1) - 1) * PG,
					  1), 0);
	fa.words_scanned = 0;
	assert_int_equal(frame_alloc_pages(&fa, run + 1, 1, &pa), 0);
	assert_int_equal(pa, (first + 4 * (run + 1)) * PG);
	assert_true(fa.words_scanned <= bound);
	/* aligned requests skip the same way */
	fa.words_scanned = 0;
	assert_int_equal(frame_alloc_pages(&fa, 1024, 512, &pa), -ENOMEM);
	assert_true(fa.words_scanned <= bound);
}

static void test_free_then_reallocate(void **state)
{
	struct frame_alloc fa;
	uint64_t pa, pb;

	(void)state;
	frame_alloc_init(&fa, bitmap, MEM_PAGES, voff());
	frame_alloc_add_free(&fa, 4 * MiB, 4 * MiB + 4 * PG);   /* 4 frames */
	assert_int_equal(frame_alloc_pages(&fa, 4, 1, &pa), 0);
	assert_int_equal(pa, 4 * MiB);
	assert_int_equal(fa.nfree, 0);
	memset(mem + pa, DIRT, 4 * PG);
	assert_int_equal(frame_free_pages(&fa, pa + PG, 2), 0);
	assert_int_equal(fa.nfree, 2);
	assert_int_equal(frame_alloc_pages(&fa, 2, 1, &pb), 0);
	assert_int_equal(pb, pa + PG);                          /* the only fit */
	assert_true(all_zero(mem + pb, 2 * PG));                /* zeroed again */
	assert_int_equal(mem[pa], DIRT);                        /* neighbours kept */
	assert_int_equal(mem[pa + 3 * PG], DIRT);
	assert_int_equal(frame_free_pages(&fa, pa, 4), 0);
	assert_int_equal(fa.nfree, 4);
	check_consistent(&fa);
}

static void test_bad_frees_change_nothing(void **state)
{
	struct frame_alloc fa;
	struct snapshot *s = malloc(sizeof(*s));
	uint64_t pa;

	(void)state;
	make_fa(&fa);
	assert_int_equal(frame_alloc_pages(&fa, 8, 8, &pa), 0);
	assert_int_equal(pa, MiB);      /* first fit; frames after it are free */
	take(&fa, s);

	/* misaligned */
	assert_int_equal(frame_free_pages(&fa, pa + 1, 1), -EINVAL);
	assert_int_equal(frame_free_pages(&fa, pa + PG - 1, 1), -EINVAL);
	/* out of range, including sizes that would wrap */
	assert_int_equal(frame_free_pages(&fa, MEM_BYTES, 1), -EINVAL);
	assert_int_equal(frame_free_pages(&fa, MEM_BYTES - PG, 2), -EINVAL);
	assert_int_equal(frame_free_pages(&fa, pa, UINT64_MAX), -EINVAL);
	assert_int_equal(frame_free_pages(&fa, pa, MEM_PAGES), -EINVAL);
	assert_int_equal(frame_free_pages(&fa, UINT64_MAX & ~(PG - 1), 1), -EINVAL);
	/* already free: a frame that never was allocated, and a run that
	 * overlaps allocated and free frames (nothing of it is freed) */
	assert_int_equal(frame_free_pages(&fa, pa + 8 * PG, 1), -EINVAL);
	assert_int_equal(frame_free_pages(&fa, pa + 4 * PG, 5), -EINVAL);
	assert_int_equal(frame_free_pages(&fa, pa + 7 * PG, 2), -EINVAL);
	same_as(&fa, s);

	/* the good free, then the same free again */
	assert_int_equal(frame_free_pages(&fa, pa, 8), 0);
	take(&fa, s);
	assert_int_equal(frame_free_pages(&fa, pa, 8), -EINVAL);
	assert_int_equal(frame_free_pages(&fa, pa + 3 * PG, 1), -EINVAL);
	same_as(&fa, s);
	check_consistent(&fa);
	free(s);
}

/* ---- churn --------------------------------------------------------------- */

struct run {
	uint64_t pa, n;
};

static void test_mixed_runs_restore_count(void **state)
{
	struct frame_alloc fa;
	struct snapshot *s = malloc(sizeof(*s));
	static const uint64_t aligns[] = { 1, 1, 1, 2, 4, 8, 16, 64, 512 };
	static bool owned[MEM_PAGES];
	struct run live[400];
	unsigned nlive = 0, allocs = 0, frees = 0;

	(void)state;
	memset(owned, 0, sizeof(owned));
	make_fa(&fa);
	take(&fa, s);

	for (unsigned step = 0; step < 3000; step++) {
		bool do_alloc = nlive == 0 ||
			(nlive < 400 && (rng() % 100) < (step < 2000 ? 60 : 30));

		if (do_alloc) {
			uint64_t align = aligns[rng() % 9];
			uint64_t n = align == 512 ? 1 + rng() % 600 : 1 + rng() % 40;
			uint64_t pa, before = fa.nfree;

			if (frame_alloc_pages(&fa, n, align, &pa)) {
				assert_int_equal(fa.nfree, before);
				continue;
			}
			allocs++;
			assert_int_equal(fa.nfree, before - n);
			assert_int_equal(pa % (align * PG), 0);
			for (uint64_t i = 0; i < n; i++) {
				assert_true(model_free(pa + i * PG));
				assert_false(owned[pa / PG + i]);  /* no overlap */
				owned[pa / PG + i] = true;
			}
			assert_true(all_zero(mem + pa, n * PG));
			memset(mem + pa, DIRT, n * PG);
			live[nlive++] = (struct run){ pa, n };
		} else {
			unsigned k = (unsigned)(rng() % nlive);
			struct run r = live[k];

			assert_int_equal(frame_free_pages(&fa, r.pa, r.n), 0);
			for (uint64_t i = 0; i < r.n; i++)
				owned[r.pa / PG + i] = false;
			live[k] = live[--nlive];
			frees++;
		}
		if (step % 256 == 0)
			check_consistent(&fa);
	}
	assert_true(allocs > 300 && frees > 300);
	while (nlive) {
		nlive--;
		assert_int_equal(frame_free_pages(&fa, live[nlive].pa, live[nlive].n), 0);
	}
	same_as(&fa, s);
	free(s);
}

/* What a VM costs (a VMCB/VMCS, permission maps, nested page tables, a 2 MiB
 * RAM chunk), created and destroyed hundreds of times, partly overlapping. */
static void test_vm_lifecycle_restores_count(void **state)
{
	struct frame_alloc fa;
	struct snapshot *s = malloc(sizeof(*s));
	static const struct { uint64_t n, align; } vm_shape[] = {
		{ 1, 1 }, { 2, 2 }, { 3, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 },
		{ 512, 512 }, { 4, 1 },
	};
	enum { SHAPE = sizeof(vm_shape) / sizeof(vm_shape[0]), ALIVE = 3 };
	uint64_t vms[ALIVE][SHAPE];

	(void)state;
	make_fa(&fa);
	take(&fa, s);
	for (unsigned vm = 0; vm < 500; vm++) {
		uint64_t *v = vms[vm % ALIVE];

		if (vm >= ALIVE)        /* destroy the VM that used this slot */
			for (unsigned i = 0; i < SHAPE; i++)
				assert_int_equal(frame_free_pages(&fa, v[i],
								  vm_shape[i].n), 0);
		for (unsigned i = 0; i < SHAPE; i++)
			assert_int_equal(frame_alloc_pages(&fa, vm_shape[i].n,
							   vm_shape[i].align, &v[i]), 0);
	}
	for (unsigned k = 0; k < ALIVE; k++)
		for (unsigned i = 0; i < SHAPE; i++)
			assert_int_equal(frame_free_pages(&fa, vms[k][i], vm_shape[i].n), 0);
	same_as(&fa, s);
	check_consistent(&fa);
	free(s);
}

/* ---- frame_alloc_setup --------------------------------------------------- */

#define LIMIT (60 * MiB)

static const struct boot_mmap_entry e820[] = {
	{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },            /* below 640 KiB */
	{ 0x9fc00, 0x400, 2 },
	{ 0xf0000, 0x10000, 2 },                        /* BIOS, then a hole */
	{ 0x100000, 47 * MiB, MB2_MEM_AVAILABLE },      /* 1 MiB .. 48 MiB */
	{ 48 * MiB, MiB, MB2_MEM_ACPI },
	{ 49 * MiB + 0x800, 13 * MiB - 0x800, MB2_MEM_AVAILABLE },  /* across LIMIT */
	{ 0xfec00000, 0x1000, 2 },
	{ 0x100000000ull, 0x40000000ull, MB2_MEM_AVAILABLE },       /* above LIMIT */
};
#define E820_N (sizeof(e820) / sizeof(e820[0]))

static bool touches(uint64_t pa, uint64_t start, uint64_t end)
{
	return pa < end && start < pa + PG;
}

/* Independent model of which frames setup may hand out. */
static bool setup_model_free(uint64_t pa, const struct boot_mmap_entry *map,
			     unsigned nmap, const struct phys_range *res,
			     unsigned nres, uint64_t limit, uint64_t bm_start,
			     uint64_t bm_end)
{
	bool usable = false;

	if (pa < MiB || pa + PG > limit || touches(pa, bm_start, bm_end))
		return false;
	for (unsigned i = 0; i < nmap; i++) {
		uint64_t s = map[i].base, e = map[i].base + map[i].len;

		if (map[i].type == MB2_MEM_AVAILABLE) {
			if (pa >= s && pa + PG <= e)
				usable = true;
		} else if (touches(pa, s, e)) {
			return false;
		}
	}
	for (unsigned r = 0; r < nres; r++)
		if (touches(pa, res[r].start, res[r].end))
			return false;
	return usable;
}

/*
 * Runs setup over 'map'/'res' with dirty memory, then allocates every frame
 * and checks each against the model; the number handed out must equal the
 * model's count, so the two sets are the same.
 */
static void setup_and_drain(const struct boot_mmap_entry *map, unsigned nmap,
			    const struct phys_range *res, unsigned nres,
			    uint64_t limit, uint64_t *bm_where)
{
	struct frame_alloc fa;
	uint64_t pa, n = 0, expect = 0;

	memset(mem, DIRT, MEM_BYTES);
	assert_int_equal(frame_alloc_setup(&fa, map, nmap, res, nres, limit, voff()), 0);

	uint64_t where = (uintptr_t)fa.bitmap - voff();
	uint64_t bm_bytes = frame_alloc_bitmap_bytes(fa.npages);
	uint64_t bm_end = where + bm_bytes;
	*bm_where = where;

	/* the bitmap: page-aligned, above 1 MiB, below the limit, in usable
	 * RAM, clear of every reserved range and every non-usable map entry */
	assert_int_equal(where % PG, 0);
	assert_true(where >= MiB && bm_end <= limit && bm_end <= MEM_BYTES);
	assert_true(fa.npages * PG <= limit);
	bool in_usable = false;
	for (unsigned i = 0; i < nmap; i++) {
		uint64_t s = map[i].base, e = map[i].base + map[i].len;

		if (map[i].type == MB2_MEM_AVAILABLE && where >= s && bm_end <= e)
			in_usable = true;
		if (map[i].type != MB2_MEM_AVAILABLE && where < e && s < bm_end)
			fail_msg("bitmap [%#lx, %#lx) overlaps map entry %u",
				 (unsigned long)where, (unsigned long)bm_end, i);
	}
	assert_true(in_usable);
	for (unsigned r = 0; r < nres; r++)
		if (where < res[r].end && res[r].start < bm_end)
			fail_msg("bitmap [%#lx, %#lx) overlaps reserved range %u",
				 (unsigned long)where, (unsigned long)bm_end, r);

	for (uint64_t p = 0; p < limit && p + PG <= MEM_BYTES; p += PG)
		expect += setup_model_free(p, map, nmap, res, nres, limit,
					   where, ALIGN_UP_PG(bm_end));
	assert_int_equal(fa.nfree, expect);
	check_consistent(&fa);

	while (frame_alloc_pages(&fa, 1, 1, &pa) == 0) {
		if (!setup_model_free(pa, map, nmap, res, nres, limit, where,
				      ALIGN_UP_PG(bm_end)))
			fail_msg("handed out %#lx", (unsigned long)pa);
		assert_true(all_zero(mem + pa, PG));
		memset(mem + pa, 0x33, PG);
		n++;
	}
	assert_int_equal(n, expect);
	assert_int_equal(fa.nfree, 0);
}

static void test_setup_e820(void **state)
{
	static const struct phys_range res[] = {
		{ 0x1a0000, 0x1b0000 },                 /* boot information */
		{ 0x100000, 0x1a0000 },                 /* the image */
		{ 8 * MiB, 9 * MiB + 17 },              /* a module, unaligned end */
		{ 0x2345678, 0x2345678 + 0x1234 },      /* another, unaligned */
	};
	uint64_t where;

	(void)state;
	setup_and_drain(e820, E820_N, res, 4, LIMIT, &where);
	/* the first fit after the reserved ranges, found although the list
	 * is not sorted */
	assert_int_equal(where, 0x1b0000);
}

/* Buggy firmware: a reserved entry inside a usable one. Neither the bitmap
 * nor any frame may land there. */
static void test_setup_overlapping_map(void **state)
{
	static const struct boot_mmap_entry map[] = {
		{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
		{ 0x100000, 31 * MiB, MB2_MEM_AVAILABLE },
		{ 0x100000, 0x2000, 2 },                /* at the first candidate */
		{ 0x180000, 0x1000, MB2_MEM_NVS },
		{ 5 * MiB + 0x800, 0x1000, MB2_MEM_BAD },
	};
	static const struct phys_range res[] = { { 0x102000, 0x180000 } };
	uint64_t where;

	(void)state;
	setup_and_drain(map, 5, res, 1, 32 * MiB, &where);
	assert_int_equal(where, 0x181000);
}

/* A non-usable entry reaching up to 2^64 - 1 (rounding its end up to a page
 * wraps): it still covers everything from its base. */
static void test_setup_entry_near_top(void **state)
{
	static const struct boot_mmap_entry map[] = {
		{ 0x100000, 31 * MiB, MB2_MEM_AVAILABLE },
		{ 24 * MiB + 0x10, UINT64_MAX - 24 * MiB - 0x10, 2 },
	};
	static const struct boot_mmap_entry all_reserved[] = {
		{ 0x100000, 31 * MiB, MB2_MEM_AVAILABLE },
		{ 0, UINT64_MAX, 2 },
	};
	struct frame_alloc fa;
	uint64_t where;

	(void)state;
	setup_and_drain(map, 2, NULL, 0, 32 * MiB, &where);
	assert_int_equal(where, MiB);
	/* nothing usable is left, and the search for a bitmap place ends */
	assert_int_equal(frame_alloc_setup(&fa, all_reserved, 2, NULL, 0, 32 * MiB,
					   voff()), -ENOMEM);
}

/* A limit that is not page-aligned, and no reserved ranges at all. */
static void test_setup_unaligned_limit(void **state)
{
	uint64_t where;

	(void)state;
	setup_and_drain(e820, E820_N, NULL, 0, 20 * MiB + 0x801, &where);
	assert_int_equal(where, MiB);
}

static void test_setup_no_room_for_bitmap(void **state)
{
	struct frame_alloc fa;
	static const struct boot_mmap_entry low_only[] = {
		{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
		{ 0xf0000, 0x10000, 2 },
	};
	static const struct boot_mmap_entry one_mib[] = {
		{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
		{ 0x100000, 0x100000, MB2_MEM_AVAILABLE },
	};
	static const struct phys_range all_of_it[] = { { 0x100000, 0x200000 } };
	static const struct phys_range all_but_a_byte[] = {
		{ 0x100000, 0x1fffff }, { 0x1fffff, 0x200000 },
	};

	(void)state;
	assert_int_equal(frame_alloc_setup(&fa, low_only, 2, NULL, 0, LIMIT, voff()),
			 -ENOMEM);
	assert_int_equal(frame_alloc_setup(&fa, one_mib, 2, all_of_it, 1, LIMIT,
					   voff()), -ENOMEM);
	assert_int_equal(frame_alloc_setup(&fa, one_mib, 2, all_but_a_byte, 2,
					   LIMIT, voff()), -ENOMEM);
	/* the limit leaves only the first MiB */
	assert_int_equal(frame_alloc_setup(&fa, e820, E820_N, NULL, 0, MiB, voff()),
			 -ENOMEM);
	/* no map at all */
	assert_int_equal(frame_alloc_setup(&fa, e820, 0, NULL, 0, LIMIT, voff()),
			 -ENOMEM);
	/* usable RAM exists only above the limit */
	assert_int_equal(frame_alloc_setup(&fa, e820 + 7, 1, NULL, 0, LIMIT, voff()),
			 -ENOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_has_nothing_free),
		cmocka_unit_test(test_add_free_rounds_inward),
		cmocka_unit_test(test_reserve_rounds_outward),
		cmocka_unit_test(test_single_pages_exhaust_model),
		cmocka_unit_test(test_aligned_runs),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_fragmented),
		cmocka_unit_test(test_search_is_linear),
		cmocka_unit_test(test_free_then_reallocate),
		cmocka_unit_test(test_bad_frees_change_nothing),
		cmocka_unit_test(test_mixed_runs_restore_count),
		cmocka_unit_test(test_vm_lifecycle_restores_count),
		cmocka_unit_test(test_setup_e820),
		cmocka_unit_test(test_setup_overlapping_map),
		cmocka_unit_test(test_setup_entry_near_top),
		cmocka_unit_test(test_setup_unaligned_limit),
		cmocka_unit_test(test_setup_no_room_for_bitmap),
	};

	return cmocka_run_group_tests(tests, setup_mem, teardown_mem);
}
