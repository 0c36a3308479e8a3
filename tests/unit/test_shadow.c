/*
 * Host tests for mmu/shadow_*.c: shadow paging over a fake machine.
 *
 * Host "physical" memory has two parts: table frames handed out by a fake
 * allocator (below 4 GiB, or above it with alloc_high, aliased onto the same
 * backing), and the VM's RAM at GUEST_HPA. The VM's map (a small NPT-format
 * mmu_space) sends gpa [0, 5 MiB) and [6 MiB, 8 MiB) to GUEST_HPA + gpa;
 * [5 MiB, 6 MiB) is an MMIO hole, everything above 8 MiB is in no slot.
 * The tests build the guest's own page tables in that RAM in each paging
 * mode and check the shadow tables as the hardware would walk them
 * (hw_walk): host address, R/W, U/S and NX of every translation, exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mmu/mmu.h"
#include "mmu/guest_access.h"
#include "mmu/shadow.h"
#include "mmu/shadow_internal.h"

#define NFRAMES    2048
#define HIGH_BASE  (1ULL << 32)
#define GUEST_HPA  0x40000000ULL
#define RAM_BYTES  (8ULL << 20)
#define HOLE_LO    (5ULL << 20)
#define HOLE_HI    (6ULL << 20)

#define P   1ULL
#define RW  2ULL
#define US  4ULL
#define A   0x20ULL
#define D   0x40ULL
#define PS  0x80ULL
#define NX  (1ULL << 63)
#define ADDR 0x000ffffffffff000ULL

#define CR0_PE_PG ((1ULL << 31) | 1)
#define CR0_WP_   (1ULL << 16)
#define CR4_PSE_  (1ULL << 4)
#define CR4_PAE_  (1ULL << 5)
#define EFER_LONG ((1ULL << 8) | (1ULL << 10) | (1ULL << 11))  /* LME LMA NXE */

/* ---- the fake machine ------------------------------------------------- */

static uint8_t *frames, *ram;
static uint8_t frame_used[NFRAMES];
static int frames_used, fail_after = -1;
static bool alloc_high;
static unsigned ad_updates;
static unsigned gpa_reads;      /* guest walks read guest memory; a hit does not */

static int alloc_at(uint64_t base, uint64_t *pa)
{
	if (fail_after == 0)
		return -12;
	if (fail_after > 0)
		fail_after--;
	for (unsigned i = 1; i < NFRAMES; i++) {
		if (!frame_used[i]) {
			frame_used[i] = 1;
			frames_used++;
			memset(frames + (size_t)i * 4096, 0xa5, 4096);
			memset(frames + (size_t)i * 4096, 0, 4096);
			*pa = base + (uint64_t)i * 4096;
			return 0;
		}
	}
	return -12;
}

static int fake_alloc(void *ctx, uint64_t *pa)
{
	(void)ctx;
	return alloc_at(alloc_high ? HIGH_BASE : 0, pa);
}

static int fake_alloc_low(void *ctx, uint64_t *pa)
{
	(void)ctx;
	return alloc_at(0, pa);
}

static void fake_free(void *ctx, uint64_t pa)
{
	uint64_t i = (pa & 0xffffffff) / 4096;

	(void)ctx;
	assert_true(i > 0 && i < NFRAMES && frame_used[i]);
	frame_used[i] = 0;
	frames_used--;
}

static void *fake_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	if (pa >= GUEST_HPA && pa < GUEST_HPA + RAM_BYTES)
		return ram + (pa - GUEST_HPA);
	uint64_t i = (pa & 0xffffffff) / 4096;
	assert_true(i > 0 && i < NFRAMES && frame_used[i]);
	return frames + (pa & 0xffffffff);
}

static struct mmu_alloc allocator = { fake_alloc, fake_free, fake_virt, NULL,
				      fake_alloc_low };
static struct mmu_space space;
static struct shadow sh;

static bool in_ram(uint64_t gpa)
{
	return gpa < RAM_BYTES && !(gpa >= HOLE_LO && gpa < HOLE_HI);
}

static int read_gpa(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	assert_true(in_ram(gpa) && in_ram(gpa + len - 1));  /* shadow asks RAM only */
	gpa_reads++;
	memcpy(buf, ram + gpa, len);
	return 0;
}

static uint64_t gget(uint64_t gpa, unsigned len)
{
	uint64_t v = 0;

	memcpy(&v, ram + gpa, len);
	return v;
}

static void gput(uint64_t gpa, uint64_t v, unsigned len)
{
	memcpy(ram + gpa, &v, len);
}

static int update_entry(void *ctx, uint64_t gpa, uint64_t old, uint64_t new, unsigned len)
{
	(void)ctx;
	if (gget(gpa, len) != old)
		return 1;
	gput(gpa, new, len);
	ad_updates++;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	frames = aligned_alloc(4096, (size_t)NFRAMES * 4096);
	ram = aligned_alloc(4096, RAM_BYTES);
	assert_non_null(frames);
	assert_non_null(ram);
	memset(frame_used, 0, sizeof(frame_used));
	memset(ram, 0, RAM_BYTES);
	frames_used = 0;
	fail_after = -1;
	alloc_high = false;
	ad_updates = 0;
	allocator.alloc_page_below_4g = fake_alloc_low;
	assert_int_equal(mmu_space_init(&space, MMU_FORMAT_NPT, &allocator, true, true), 0);
	assert_int_equal(mmu_map(&space, 0, GUEST_HPA, HOLE_LO, MMU_RWX), 0);
	assert_int_equal(mmu_map(&space, HOLE_HI, GUEST_HPA + HOLE_HI, RAM_BYTES - HOLE_HI,
				 MMU_RWX), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mmu_space_destroy(&space);
	assert_int_equal(frames_used, 0);       /* nothing leaked */
	free(frames);
	free(ram);
	return 0;
}

static void shadow_up(unsigned budget)
{
	const struct shadow_config cfg = {
		.space = &space, .alloc = &allocator, .read_gpa = read_gpa,
		.update_entry = update_entry, .maxphyaddr = 40, .pdpe1gb = true,
		.budget_frames = budget,
	};

	assert_int_equal(shadow_init(&sh, &cfg), 0);
}

static void shadow_down(void)
{
	int before = frames_used;
	unsigned held = sh.frames;

	shadow_destroy(&sh);
	assert_int_equal(frames_used, before - (int)held);
	assert_int_equal(sh.frames, 0);
}

/* ---- the hardware's view of the shadow tables ------------------------- */

struct hw {
	bool present;
	uint64_t hpa;           /* of the 4 KiB page */
	bool rw, us, nx;        /* combined over the levels */
};

static uint64_t *table(uint64_t hpa)
{
	return fake_virt(NULL, hpa);
}

/* Walks like the CPU: 4-level, or PAE with the PDPTE registers. */
static struct hw hw_walk(uint64_t gva)
{
	bool long_mode = sh.paging.efer & (1ULL << 10);
	struct hw h = { .rw = true, .us = true };
	const uint64_t *t = table(sh.root_hpa);
	int levels = 4;

	if (!long_mode) {
		assert_true(sh.root_hpa < HIGH_BASE);
		gva &= 0xffffffff;
		uint64_t e = t[(gva >> 30) & 3];
		if (!(e & P))
			return h;
		assert_int_equal(e & ~ADDR, P);         /* no reserved bit */
		t = table(e & ADDR);
		levels = 2;
	}
	for (int l = levels; l >= 1; l--) {
		uint64_t e = t[(gva >> (12 + 9 * (l - 1))) & 511];
		if (!(e & P))
			return h;
		assert_false(e & PS);                   /* 4 KiB leaves only */
		h.rw = h.rw && (e & RW);
		h.us = h.us && (e & US);
		h.nx = h.nx || (e & NX);
		if (l == 1) {
			h.present = true;
			h.hpa = e & ADDR;
			return h;
		}
		t = table(e & ADDR);
	}
	return h;
}

static void expect_hw(uint64_t gva, uint64_t gpa, bool rw, bool us, bool nx)
{
	struct hw h = hw_walk(gva);

	assert_true(h.present);
	assert_int_equal(h.hpa, GUEST_HPA + (gpa & ~0xfffULL));
	assert_int_equal(h.rw, rw);
	assert_int_equal(h.us, us);
	assert_int_equal(h.nx, nx);
}

/*
 * The reverse map holds exactly the present entries, leaves and links:
 * every chain is well-linked, each node is a present entry, and the count
 * matches.
 */
static void check_rmap(void)
{
	const uint32_t *heads = shadow_virt(&sh, sh.rmap_hash_hpa);
	unsigned linked = 0, present = 0;

	for (unsigned b = 0; b < HASH_BUCKETS; b++) {
		uint32_t prev = SP_NONE;
		for (uint32_t n = heads[b]; n != SP_NONE;) {
			const struct shadow_page *sp = sp_at(&sh, n / 512);
			const struct rmap_link *l = (const struct rmap_link *)
				table(sp->rmap_hpa) + n % 512;
			assert_true(table(sp->table_hpa)[n % 512] & P);
			assert_int_equal(l->prev, prev);
			assert_true(++linked <= sh.capacity * 512);     /* no cycle */
			prev = n;
			n = l->next;
		}
	}
	for (uint32_t i = 0; i < sh.capacity; i++) {
		const struct shadow_page *sp = sp_at(&sh, i);
		if (sp->role.level)
			for (unsigned j = 0; j < 512; j++)
				present += !!(table(sp->table_hpa)[j] & P);
	}
	assert_int_equal(linked, present);
}

/*
 * Leaf j of a level-1 shadow table is the composition of what it mirrors
 * with the VM's map: gfn + j for a direct table, else the guest's current
 * PTE (a 32-bit table's quadrant q holds PTEs q*512..), writable only when
 * that PTE is writable and dirty.
 */
static void check_composition(const struct shadow_page *sp, unsigned j, uint64_t leaf)
{
	uint64_t gpa, pte;

	if (sp->role.direct) {
		gpa = (sp->gfn + j) << 12;
	} else if (sh.paging.cr4 & CR4_PAE_) {
		pte = gget((sp->gfn << 12) + 8 * j, 8);
		gpa = pte & ADDR;
	} else {
		pte = gget((sp->gfn << 12) + 4 * (sp->role.quadrant * 512 + j), 4);
		gpa = pte & 0xfffff000;
	}
	assert_int_equal(leaf & ADDR, GUEST_HPA + gpa);
	if (!sp->role.direct) {
		assert_true(pte & P);
		if (leaf & RW)
			assert_true((pte & RW) && (pte & D));
		assert_int_equal(leaf & US, pte & US);
	}
}

/*
 * An MMIO leaf (not present) says exactly what the entry it mirrors maps:
 * a gpa in no slot, with the guest PTE's R/W, U/S and NX, D only once the
 * PTE is dirty; a direct table's leaf maps gfn + j with every right.
 */
static void check_mmio_leaf(const struct shadow_page *sp, unsigned j, uint64_t leaf)
{
	uint64_t gpa = leaf & ADDR, hpa, pte = P | RW | US | D;
	unsigned perms;

	assert_int_equal(leaf & ~(ADDR | SPTE_MMIO | RW | US | D | NX), 0);
	assert_true(leaf & SPTE_MMIO);
	assert_false(in_ram(gpa));
	assert_int_not_equal(mmu_lookup(&space, gpa, &hpa, &perms), 0);
	if (sp->role.direct) {
		assert_int_equal(gpa, (sp->gfn + j) << 12);
	} else if (sh.paging.cr4 & CR4_PAE_) {
		pte = gget((sp->gfn << 12) + 8 * j, 8);
		assert_int_equal(gpa, pte & ADDR);
	} else {
		pte = gget((sp->gfn << 12) + 4 * (sp->role.quadrant * 512 + j), 4);
		assert_int_equal(gpa, pte & 0xfffff000);
	}
	assert_true(pte & P);
	assert_int_equal(leaf & (RW | US), pte & (RW | US));
	if (leaf & D)
		assert_true(pte & D);
	if (leaf & NX)
		assert_true((pte & NX) && (sh.paging.efer & (1ULL << 11)));
}

/*
 * Isolation and coherence over every shadow leaf: it maps the VM's RAM
 * (never the hole, never beyond, never a shadow frame), and is read-only
 * when it maps a gfn some shadow table mirrors; a not-present entry is
 * empty or an exact MMIO leaf.
 */
static void check_all_leaves(void)
{
	for (uint32_t i = 0; i < sh.capacity; i++) {
		const struct shadow_page *sp = sp_at(&sh, i);
		if (!sp->role.level)
			continue;
		const uint64_t *t = table(sp->table_hpa);
		for (unsigned j = 0; j < 512; j++) {
			if (!(t[j] & P) && t[j])
				assert_int_equal(sp->role.level, 1);    /* leaves only */
			if (sp->role.level != 1)
				continue;
			if (!(t[j] & P)) {
				if (t[j])
					check_mmio_leaf(sp, j, t[j]);
				continue;
			}
			uint64_t hpa = t[j] & ADDR;
			assert_true(hpa >= GUEST_HPA && hpa < GUEST_HPA + RAM_BYTES);
			uint64_t gpa = hpa - GUEST_HPA;
			assert_true(in_ram(gpa));
			if (gfn_is_guest_table(&sh, gpa >> 12))
				assert_false(t[j] & RW);
			check_composition(sp, j, t[j]);
		}
	}
	check_rmap();
}

static int fault(uint64_t gva, unsigned acc, struct shadow_fault_info *info)
{
	/* the error code's P bit, as the hardware would report it */
	return shadow_fault(&sh, gva, acc, false, hw_walk(gva).present, info);
}

/* ---- guest page tables ------------------------------------------------ */

/* 4-level: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000; gva 0x5000 ->
 * gpa 0x9000 with pte_bits. */
static struct shadow_paging long_guest(uint64_t pte_bits)
{
	gput(0x1000, 0x2000 | P | RW | US, 8);
	gput(0x2000, 0x3000 | P | RW | US, 8);
	gput(0x3000, 0x4000 | P | RW | US, 8);
	gput(0x4000 + 5 * 8, 0x9000 | P | pte_bits, 8);
	return (struct shadow_paging){ .cr0 = CR0_PE_PG | CR0_WP_, .cr3 = 0x1000,
				       .cr4 = CR4_PAE_, .efer = EFER_LONG };
}

/* ---- tests --------------------------------------------------------------- */

static void test_long_mode_fill(void **state)
{
	struct shadow_paging p = long_guest(RW | US);
	struct shadow_fault_info info;

	(void)state;
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_int_equal(sh.npages, 1);                 /* the root */
	assert_false(hw_walk(0x5000).present);
	/* a read: accessed bits on the way, no dirty bit, a read-only leaf */
	assert_int_equal(fault(0x5123, 0, &info), SHADOW_FIXED);
	expect_hw(0x5123, 0x9000, false, true, false);
	assert_int_equal(gget(0x1000, 8), 0x2000 | P | RW | US | A);
	assert_int_equal(gget(0x2000, 8), 0x3000 | P | RW | US | A);
	assert_int_equal(gget(0x3000, 8), 0x4000 | P | RW | US | A);
	assert_int_equal(gget(0x4028, 8), 0x9000 | P | RW | US | A);
	assert_int_equal(sh.npages, 4);
	assert_int_equal(sh.budget_used, 8);            /* each + its rmap */
	/* the first write sets D, then the leaf becomes writable */
	assert_int_equal(fault(0x5123, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	assert_int_equal(gget(0x4028, 8), 0x9000 | P | RW | US | A | D);
	expect_hw(0x5123, 0x9000, true, true, false);
	assert_int_equal(sh.npages, 4);
	/* an entry already dirty maps writable on a read */
	gput(0x4000 + 6 * 8, 0xa000 | P | RW | A | D | NX, 8);
	assert_int_equal(fault(0x6000, 0, &info), SHADOW_FIXED);
	expect_hw(0x6000, 0xa000, true, false, true);
	/* rights of an upper level are its own shadow entry's */
	gput(0x3000 + 8, 0x7000 | P | US | NX, 8);      /* PD[1]: read-only, NX */
	gput(0x7000, 0xb000 | P | RW | US | D, 8);
	assert_int_equal(fault(0x200000, 0, &info), SHADOW_FIXED);
	expect_hw(0x200000, 0xb000, false, true, true);
	check_all_leaves();
	shadow_down();
}

static void test_guest_faults(void **state)
{
	struct shadow_paging p = long_guest(RW);        /* supervisor only */
	struct shadow_fault_info info;

	(void)state;
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	/* not present: the guest's #PF, nothing set, nothing installed */
	assert_int_equal(fault(0x8000, GUEST_ACC_WRITE | GUEST_ACC_USER, &info),
			 SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_W | PF_ERR_U);
	assert_int_equal(ad_updates, 0);
	assert_int_equal(sh.npages, 1);
	/* a user write to a supervisor page: P|W|U */
	assert_int_equal(fault(0x5000, GUEST_ACC_WRITE | GUEST_ACC_USER, &info),
			 SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_P | PF_ERR_W | PF_ERR_U);
	assert_int_equal(gget(0x4028, 8), 0x9000 | P | RW);
	/* a fetch from an NX page: P|I */
	gput(0x4028, 0x9000 | P | RW | NX, 8);
	assert_int_equal(fault(0x5000, GUEST_ACC_FETCH, &info), SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_P | PF_ERR_I);
	/* a reserved bit: P|RSVD */
	gput(0x4028, (1ULL << 45) | 0x9000 | P | RW, 8);
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_P | PF_ERR_RSVD);
	assert_int_equal(sh.npages, 1);
	assert_false(hw_walk(0x5000).present);
	/* the shadow's own leaf forbids what the guest's does: a supervisor
	 * leaf faults for a user read, which is the guest's #PF too */
	gput(0x4028, 0x9000 | P | RW, 8);
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_FIXED);
	expect_hw(0x5000, 0x9000, false, false, false);
	assert_int_equal(fault(0x5000, GUEST_ACC_USER, &info), SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_P | PF_ERR_U);
	shadow_down();
}

static void test_mmio_and_dirty_log(void **state)
{
	struct shadow_paging p = long_guest(RW | D);
	struct shadow_fault_info info;

	(void)state;
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	/* a leaf in the hole and one beyond every slot: the caller emulates */
	gput(0x4000 + 7 * 8, 0x512000 | P | RW, 8);
	gput(0x4000 + 8 * 8, 0x40000000 | P | RW, 8);
	assert_int_equal(fault(0x7abc, 0, &info), SHADOW_MMIO);
	assert_int_equal(info.gpa, 0x512abc);
	assert_int_equal(fault(0x8010, GUEST_ACC_WRITE, &info), SHADOW_MMIO);
	assert_int_equal(info.gpa, 0x40000010);
	assert_false(hw_walk(0x7000).present);
	assert_false(hw_walk(0x8000).present);
	/* dirty logging: gpa 0x9000 read-only in the VM's map */
	assert_int_equal(mmu_map(&space, 0x9000, GUEST_HPA + 0x9000, 0x1000,
				 MMU_READ | MMU_EXEC), 0);
	assert_int_equal(fault(0x5008, GUEST_ACC_WRITE, &info), SHADOW_DIRTY_LOG);
	assert_int_equal(info.gpa, 0x9008);
	assert_false(hw_walk(0x5000).present);
	assert_int_equal(fault(0x5008, 0, &info), SHADOW_FIXED);
	expect_hw(0x5000, 0x9000, false, false, false); /* dirty, yet read-only */
	/* the caller logs it, maps it writable and retries: the read-only
	 * leaf is upgraded in place */
	assert_int_equal(mmu_map(&space, 0x9000, GUEST_HPA + 0x9000, 0x1000, MMU_RWX), 0);
	unsigned npages = sh.npages;
	assert_int_equal(fault(0x5008, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	expect_hw(0x5000, 0x9000, true, false, false);
	assert_int_equal(sh.npages, npages);
	/* protecting it again (KVM_GET_DIRTY_LOG) takes a reset: no
	 * writable leaf survives it */
	assert_int_equal(mmu_map(&space, 0x9000, GUEST_HPA + 0x9000, 0x1000,
				 MMU_READ | MMU_EXEC), 0);
	sh.flush_needed = false;
	assert_int_equal(shadow_reset(&sh), 0);
	assert_true(sh.flush_needed);
	assert_int_equal(sh.npages, 1);
	assert_false(hw_walk(0x5000).present);
	assert_int_equal(fault(0x5008, GUEST_ACC_WRITE, &info), SHADOW_DIRTY_LOG);
	check_all_leaves();
	shadow_down();
}

/* The level-1 shadow entry for gva, as the hardware would reach it in a
 * 4-level root: 0 when the path to it is not present. */
static uint64_t shadow_leaf(uint64_t gva)
{
	const uint64_t *t = table(sh.root_hpa);

	for (int l = 4; l > 1; l--) {
		uint64_t e = t[(gva >> (12 + 9 * (l - 1))) & 511];
		if (!(e & P))
			return 0;
		t = table(e & ADDR);
	}
	return t[(gva >> 12) & 511];
}

/* An access to MMIO whose shadow leaf is an MMIO leaf: no guest walk. */
static void expect_mmio_hit(uint64_t gva, unsigned acc, uint64_t gpa)
{
	struct shadow_fault_info info;
	unsigned reads = gpa_reads, updates = ad_updates;

	assert_int_equal(fault(gva, acc, &info), SHADOW_MMIO);
	assert_int_equal(info.gpa, gpa);
	assert_int_equal(gpa_reads, reads);
	assert_int_equal(ad_updates, updates);
}

/* The same answer, from the guest walk. */
static void expect_mmio_walk(uint64_t gva, unsigned acc, uint64_t gpa)
{
	struct shadow_fault_info info;
	unsigned reads = gpa_reads;

	assert_int_equal(fault(gva, acc, &info), SHADOW_MMIO);
	assert_int_equal(info.gpa, gpa);
	assert_true(gpa_reads > reads);
}

static void test_mmio_leaves(void **state)
{
	struct shadow_paging p = long_guest(RW | US | D);
	const uint64_t pte7 = 0x4000 + 7 * 8, pte8 = 0x4000 + 8 * 8;
	struct shadow_fault_info info;

	(void)state;
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	/* install: the walk's answer, and a leaf that says it */
	gput(pte7, 0x512000 | P | RW | US, 8);
	expect_mmio_walk(0x7abc, 0, 0x512abc);
	assert_int_equal(shadow_leaf(0x7000), 0x512000 | SPTE_MMIO | RW | US);
	assert_int_equal(gget(pte7, 8), 0x512000 | P | RW | US | A);
	assert_false(hw_walk(0x7000).present);
	/* hits: reads, user reads, at any offset */
	expect_mmio_hit(0x7010, 0, 0x512010);
	expect_mmio_hit(0x7ff8, GUEST_ACC_USER, 0x512ff8);
	/* the first write walks, to set D as the CPU would; later ones hit */
	expect_mmio_walk(0x7008, GUEST_ACC_WRITE, 0x512008);
	assert_int_equal(gget(pte7, 8), 0x512000 | P | RW | US | A | D);
	assert_int_equal(shadow_leaf(0x7000), 0x512000 | SPTE_MMIO | RW | US | D);
	expect_mmio_hit(0x7008, GUEST_ACC_WRITE | GUEST_ACC_USER, 0x512008);
	check_all_leaves();

	/* what the path forbids takes the walk and the guest's own #PF */
	gput(pte8, 0x40000000 | P | NX, 8);
	expect_mmio_walk(0x8004, 0, 0x40000004);
	expect_mmio_hit(0x8004, 0, 0x40000004);
	assert_int_equal(fault(0x8004, GUEST_ACC_USER, &info), SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_P | PF_ERR_U);
	assert_int_equal(fault(0x8004, GUEST_ACC_WRITE, &info), SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_P | PF_ERR_W);
	assert_int_equal(fault(0x8004, GUEST_ACC_FETCH, &info), SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_P | PF_ERR_I);
	/* SMEP / SMAP: a supervisor access to a user page is walked */
	p.cr4 |= 1ULL << 21;
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_int_equal(fault(0x7000, 0, &info), SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_P);
	assert_int_equal(shadow_leaf(0x7000), 0x512000 | SPTE_MMIO | RW | US | D);
	p.cr4 &= ~(1ULL << 21);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	expect_mmio_hit(0x7000, 0, 0x512000);

	/* a guest PTE write drops it; the next access maps RAM */
	gput(pte7, 0xa000 | P | RW | US | D, 8);
	shadow_guest_wrote(&sh, pte7, 8);
	assert_int_equal(shadow_leaf(0x7000), 0);
	assert_int_equal(fault(0x7000, 0, &info), SHADOW_FIXED);
	expect_hw(0x7000, 0xa000, true, true, false);
	gput(pte7, 0x512000 | P | RW | US | A | D, 8);
	shadow_guest_wrote(&sh, pte7, 8);
	expect_mmio_walk(0x7000, 0, 0x512000);
	expect_mmio_hit(0x7000, 0, 0x512000);
	/* a write to a table above drops the path to it */
	shadow_guest_wrote(&sh, 0x3000, 8);
	assert_int_equal(shadow_leaf(0x7000), 0);
	expect_mmio_walk(0x7000, 0, 0x512000);
	/* INVLPG */
	sh.flush_needed = false;
	shadow_invlpg(&sh, 0x7123);
	assert_int_equal(shadow_leaf(0x7000), 0);
	expect_mmio_walk(0x7000, 0, 0x512000);
	expect_mmio_hit(0x7000, 0, 0x512000);

	/* a CR3 switch: the other address space maps gva 0x7000 to RAM; back
	 * again, the cached root still holds the MMIO leaf */
	gput(0x20000, 0x21000 | P | RW | US, 8);
	gput(0x21000, 0x22000 | P | RW | US, 8);
	gput(0x22000, 0x23000 | P | RW | US, 8);
	gput(0x23000 + 7 * 8, 0xb000 | P | RW | US | D, 8);
	struct shadow_paging other = p;
	other.cr3 = 0x20000;
	assert_int_equal(shadow_cr3_write(&sh, &other), 0);
	assert_int_equal(shadow_leaf(0x7000), 0);
	assert_int_equal(fault(0x7000, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	expect_hw(0x7000, 0xb000, true, true, false);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	expect_mmio_hit(0x7000, 0, 0x512000);
	check_all_leaves();

	/* a slot over the gpa (KVM_SET_USER_MEMORY_REGION): the reset the
	 * VM's map change takes (core/vm.c, vm_slat_changed) drops the leaf,
	 * and the next access maps the new RAM */
	assert_int_equal(mmu_map(&space, 0x512000, GUEST_HPA + 0x512000, 0x1000, MMU_RWX), 0);
	assert_int_equal(shadow_reset(&sh), 0);
	assert_int_equal(shadow_leaf(0x7000), 0);
	assert_int_equal(fault(0x7000, 0, &info), SHADOW_FIXED);
	expect_hw(0x7000, 0x512000, true, true, false);
	assert_int_equal(mmu_unmap(&space, 0x512000, 0x1000), 0);
	assert_int_equal(shadow_reset(&sh), 0);
	expect_mmio_walk(0x7000, 0, 0x512000);
	check_all_leaves();
	shadow_down();
}

/* A 2 MiB guest page half over the hole: MMIO leaves in a direct table;
 * the page's rights are in the link, which a write makes writable only
 * once the guest's PDE is dirty. */
static void test_mmio_leaves_large_page(void **state)
{
	struct shadow_paging p = long_guest(RW | US | D);
	struct shadow_fault_info info;

	(void)state;
	shadow_up(64);
	gput(0x3000 + 2 * 8, 0x400000 | P | RW | US | PS, 8);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	expect_mmio_walk(0x510008, 0, 0x510008);
	assert_int_equal(shadow_leaf(0x510000), 0x510000 | SPTE_MMIO | RW | US | D);
	expect_mmio_hit(0x510008, GUEST_ACC_USER, 0x510008);
	expect_mmio_walk(0x510008, GUEST_ACC_WRITE, 0x510008);
	assert_true(gget(0x3000 + 2 * 8, 8) & D);
	expect_mmio_hit(0x510ff0, GUEST_ACC_WRITE, 0x510ff0);
	expect_mmio_walk(0x5ff000, GUEST_ACC_WRITE, 0x5ff000);  /* another leaf */
	expect_mmio_hit(0x5ff000, GUEST_ACC_WRITE, 0x5ff000);
	assert_int_equal(fault(0x4ff000, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	expect_hw(0x4ff000, 0x4ff000, true, true, false);
	/* the PDE rewritten: the direct table stays cached, the link goes */
	shadow_guest_wrote(&sh, 0x3000 + 2 * 8, 8);
	assert_int_equal(shadow_leaf(0x510000), 0);
	check_all_leaves();
	shadow_down();
}

static void test_large_pages(void **state)
{
	struct shadow_paging p = long_guest(RW);
	struct shadow_fault_info info;

	(void)state;
	shadow_up(64);
	/* a 2 MiB page at gva 0x40000000 over gpa 4 MiB: the first MiB is
	 * RAM, the second the MMIO hole */
	gput(0x2000 + 8, 0x6000 | P | RW | US, 8);
	gput(0x6000, 0x400000 | P | RW | US | PS, 8);
	/* a 1 GiB page at gva 0x80000000 over gpa 0 */
	gput(0x2000 + 16, 0 | P | RW | PS, 8);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_int_equal(fault(0x40012345, 0, &info), SHADOW_FIXED);
	expect_hw(0x40012345, 0x412345, false, true, false);
	assert_int_equal(gget(0x6000, 8), 0x400000 | P | RW | US | PS | A);
	/* the rest of its RAM half fills the same direct table */
	unsigned npages = sh.npages;
	assert_int_equal(fault(0x400ff000, 0, &info), SHADOW_FIXED);
	expect_hw(0x400ff000, 0x4ff000, false, true, false);
	assert_int_equal(sh.npages, npages);
	assert_int_equal(fault(0x40100000, 0, &info), SHADOW_MMIO);
	assert_int_equal(info.gpa, 0x500000);
	assert_int_equal(fault(0x401ff000, 0, &info), SHADOW_MMIO);
	assert_false(hw_walk(0x40100000).present);
	/* the write sets the large page's D; its link becomes writable */
	assert_int_equal(fault(0x40012345, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	assert_int_equal(gget(0x6000, 8), 0x400000 | P | RW | US | PS | A | D);
	expect_hw(0x40012345, 0x412345, true, true, false);
	/* 1 GiB: direct level-2 and level-1 tables under the PDPTE */
	unsigned before = sh.npages;
	assert_int_equal(fault(0x80123000, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	expect_hw(0x80123000, 0x123000, true, false, false);
	assert_int_equal(sh.npages, before + 2);
	assert_int_equal(fault(0x80600000, 0, &info), SHADOW_FIXED);  /* RAM after the hole */
	expect_hw(0x80600000, 0x600000, true, false, false);
	assert_int_equal(fault(0x87fff000, 0, &info), SHADOW_MMIO);
	assert_int_equal(info.gpa, 0x7fff000);
	/* two guest large pages over the same gpa share the direct tables;
	 * each keeps its own rights: this one is clean and read-only */
	gput(0x2000 + 24, 0 | P | US | PS, 8);
	before = sh.npages;
	assert_int_equal(fault(0xc0123000, GUEST_ACC_USER, &info), SHADOW_FIXED);
	expect_hw(0xc0123000, 0x123000, false, true, false);
	assert_int_equal(sh.npages, before);
	assert_int_equal(fault(0xc0123000, GUEST_ACC_USER | GUEST_ACC_WRITE, &info),
			 SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_P | PF_ERR_W | PF_ERR_U);
	check_all_leaves();
	shadow_down();
}

/* PAE: the PDPT at 0x1020 (32-byte aligned, not page-aligned), PDPTE 0 ->
 * PD 0x3000 -> PT 0x4000; gva 0x5000 -> gpa 0x9000. */
static struct shadow_paging pae_guest(void)
{
	gput(0x1020, 0x3000 | P, 8);
	gput(0x1028 + 8, 0x8000 | P, 8);                /* PDPTE 2 */
	gput(0x3000, 0x4000 | P | RW | US, 8);
	gput(0x4000 + 5 * 8, 0x9000 | P | RW | US, 8);
	gput(0x8000, 0x600000 | P | RW | PS, 8);        /* a 2 MiB page */
	return (struct shadow_paging){ .cr0 = CR0_PE_PG | CR0_WP_, .cr3 = 0x1020,
				       .cr4 = CR4_PAE_, .efer = 1ULL << 11 };
}

static void test_pae_guest(void **state)
{
	struct shadow_paging p = pae_guest();
	struct shadow_fault_info info;

	(void)state;
	alloc_high = true;              /* every frame above 4 GiB but roots */
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_true(sh.root_hpa < HIGH_BASE);
	assert_int_equal(fault(0x5000, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	expect_hw(0x5000, 0x9000, true, true, false);
	assert_int_equal(gget(0x1020, 8), 0x3000 | P);  /* a PDPTE has no A bit */
	assert_int_equal(gget(0x3000, 8), 0x4000 | P | RW | US | A);
	assert_int_equal(fault(0x80001000, 0, &info), SHADOW_FIXED);
	expect_hw(0x80001000, 0x601000, false, false, false);
	/* gva 0x40000000: PDPTE 1 not present */
	assert_int_equal(fault(0x40000000, 0, &info), SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, 0);
	/* the PDPTEs are registers: a write to the PDPT does nothing until
	 * the next CR3 load (SDM Vol. 3 4.4.1) */
	gput(0x1020, 0, 8);
	shadow_guest_wrote(&sh, 0x1020, 8);
	shadow_invlpg(&sh, 0x5000);
	assert_false(hw_walk(0x5000).present);
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_FIXED);
	expect_hw(0x5000, 0x9000, true, true, false);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_false(hw_walk(0x5000).present);          /* now it counts */
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, 0);
	/* a reserved bit in a present PDPTE: #GP at the load, nothing changes */
	uint64_t root = sh.root_hpa;
	gput(0x1020, 0x3000 | P | RW, 8);
	assert_int_equal(shadow_cr3_write(&sh, &p), -22);
	assert_int_equal(sh.root_hpa, root);
	check_all_leaves();
	shadow_down();
}

static void test_pae_roots_cached(void **state)
{
	struct shadow_paging p = pae_guest(), q = p;
	struct shadow_fault_info info;

	(void)state;
	/* a second PDPT in the same page: PDPTE 0 -> the same PD */
	gput(0x1040, 0x3000 | P, 8);
	q.cr3 = 0x1040;
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	uint64_t root_p = sh.root_hpa;
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_FIXED);
	assert_int_equal(shadow_cr3_write(&sh, &q), 0);
	uint64_t root_q = sh.root_hpa;
	assert_int_not_equal(root_p, root_q);
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_FIXED);
	int used = frames_used;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(shadow_cr3_write(&sh, &p), 0);
		assert_int_equal(sh.root_hpa, root_p);
		expect_hw(0x5000, 0x9000, false, true, false);
		assert_int_equal(shadow_cr3_write(&sh, &q), 0);
		assert_int_equal(sh.root_hpa, root_q);
		expect_hw(0x5000, 0x9000, false, true, false);
	}
	assert_int_equal(frames_used, used);
	shadow_down();
}

static void test_pae_root_below_4g(void **state)
{
	struct shadow_paging p = pae_guest();

	(void)state;
	alloc_high = true;
	allocator.alloc_page_below_4g = NULL;   /* alloc_page gives high frames */
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), -12);
	assert_int_equal(sh.root_hpa, 0);
	alloc_high = false;
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_true(sh.root_hpa && sh.root_hpa < HIGH_BASE);
	shadow_down();
}

/* 32-bit paging: PD at 0x1000, PT at 0x2000 (1024 4-byte entries). */
static struct shadow_paging guest_32(void)
{
	gput(0x1000 + 2 * 4, 0x2000 | P | RW | US, 4);         /* 8 MiB */
	gput(0x2000 + 514 * 4, 0x7000 | P | RW | US | D, 4);
	gput(0x2000 + 515 * 4, 0x9000 | P | RW | US, 4);
	gput(0x1000 + 3 * 4, 0x400000 | P | RW | US | PS, 4);  /* 12 MiB: 4 MiB page */
	return (struct shadow_paging){ .cr0 = CR0_PE_PG | CR0_WP_, .cr3 = 0x1000,
				       .cr4 = CR4_PSE_ };
}

static void test_32bit_guest(void **state)
{
	struct shadow_paging p = guest_32();
	struct shadow_fault_info info;
	union shadow_role pd_q0 = { .level = 2, .quadrant = 0 };
	union shadow_role pt_q1 = { .level = 1, .quadrant = 1 };

	(void)state;
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	/* gva 0xa03000: PDE 2, PTE 515, the PT's second half (quadrant 1) */
	assert_int_equal(fault(0xa03000, GUEST_ACC_USER, &info), SHADOW_FIXED);
	expect_hw(0xa03000, 0x9000, false, true, false);
	assert_int_equal(gget(0x1008, 4), 0x2000 | P | RW | US | A);
	assert_int_equal(gget(0x2000 + 515 * 4, 4), 0x9000 | P | RW | US | A);
	uint32_t pd = sp_find(&sh, 1, pd_q0), pt = sp_find(&sh, 2, pt_q1);
	assert_int_not_equal(pd, SP_NONE);
	assert_int_not_equal(pt, SP_NONE);
	assert_int_equal(table(sh.root_hpa)[0], sp_at(&sh, pd)->table_hpa | P);
	/* PDE 2 is shadow PDEs 4 and 5; gva 0xa03000 is in the second */
	assert_int_equal(table(sp_at(&sh, pd)->table_hpa)[5],
			 sp_at(&sh, pt)->table_hpa | P | RW | US | A);
	assert_int_equal(table(sp_at(&sh, pt)->table_hpa)[3],
			 (GUEST_HPA + 0x9000) | P | US | A | D);
	assert_int_equal(fault(0xa02000, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	expect_hw(0xa02000, 0x7000, true, true, false);
	/* the 4 MiB page: 2 MiB shadow halves; its second MiB is MMIO */
	assert_int_equal(fault(0xc10000, 0, &info), SHADOW_FIXED);
	expect_hw(0xc10000, 0x410000, false, true, false);
	assert_int_equal(fault(0xd50000, 0, &info), SHADOW_MMIO);
	assert_int_equal(info.gpa, 0x550000);
	assert_int_equal(fault(0xe05000, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	expect_hw(0xe05000, 0x605000, true, true, false);
	/* the guest rewrites PTE 515: that shadow entry only is dropped */
	sh.flush_needed = false;
	gput(0x2000 + 515 * 4, 0xb000 | P | RW | US, 4);
	shadow_guest_wrote(&sh, 0x2000 + 515 * 4, 4);
	assert_true(sh.flush_needed);
	assert_false(hw_walk(0xa03000).present);
	expect_hw(0xa02000, 0x7000, true, true, false);
	assert_int_equal(fault(0xa03000, 0, &info), SHADOW_FIXED);
	expect_hw(0xa03000, 0xb000, false, true, false);
	/* PDE 3 (the 4 MiB page) rewritten: shadow PDEs 6 and 7 dropped */
	gput(0x1000 + 3 * 4, 0, 4);
	shadow_guest_wrote(&sh, 0x1000 + 3 * 4, 4);
	assert_int_equal(table(sp_at(&sh, pd)->table_hpa)[6], 0);
	assert_int_equal(table(sp_at(&sh, pd)->table_hpa)[7], 0);
	assert_false(hw_walk(0xc10000).present);
	assert_false(hw_walk(0xe05000).present);
	expect_hw(0xa02000, 0x7000, true, true, false);
	assert_int_equal(fault(0xc10000, 0, &info), SHADOW_GUEST_PF);
	/* the tables themselves are write-protected: a write through the
	 * guest's own mapping of its PT is a page-table write */
	gput(0x2000 + 516 * 4, 0x2000 | P | RW | US | D, 4);
	shadow_guest_wrote(&sh, 0x2000 + 516 * 4, 4);
	assert_int_equal(fault(0xa04000, GUEST_ACC_WRITE, &info), SHADOW_PT_WRITE);
	assert_int_equal(info.gpa, 0x2000);
	expect_hw(0xa04000, 0x2000, false, true, false);
	check_all_leaves();
	shadow_down();
}

static void test_32bit_without_pse(void **state)
{
	struct shadow_paging p = guest_32();
	struct shadow_fault_info info;

	(void)state;
	p.cr4 = 0;      /* PS is ignored: PDE 3 points to a PT at 0x400000 */
	gput(0x400000 + 0x10 * 4, 0x9000 | P | RW, 4);
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_int_equal(fault(0xc10000, 0, &info), SHADOW_FIXED);
	expect_hw(0xc10000, 0x9000, false, false, false);
	check_all_leaves();
	shadow_down();
}

static void test_paging_off(void **state)
{
	struct shadow_paging p = { .cr0 = 1 };
	struct shadow_fault_info info;

	(void)state;
	alloc_high = true;
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_true(sh.root_hpa < HIGH_BASE);
	assert_int_equal(fault(0x123456, GUEST_ACC_WRITE | GUEST_ACC_FETCH, &info),
			 SHADOW_FIXED);
	expect_hw(0x123456, 0x123000, true, true, false);
	assert_int_equal(sh.npages, 3);         /* root, direct PD, direct PT */
	assert_int_equal(fault(0x500010, 0, &info), SHADOW_MMIO);
	assert_int_equal(info.gpa, 0x500010);
	assert_int_equal(fault(0xfee00000, 0, &info), SHADOW_MMIO);
	assert_int_equal(info.gpa, 0xfee00000);
	assert_int_equal(fault(0x7ff000, 0, &info), SHADOW_FIXED);
	expect_hw(0x7ff000, 0x7ff000, true, true, false);
	assert_int_equal(ad_updates, 0);
	check_all_leaves();
	/* turning paging on changes the mode: everything is dropped */
	unsigned resets = sh.nresets;
	struct shadow_paging on = long_guest(RW);
	assert_int_equal(shadow_cr3_write(&sh, &on), 0);
	assert_int_equal(sh.nresets, resets + 1);
	assert_int_equal(sh.npages, 1);
	shadow_down();
}

static void test_root_cached_per_cr3(void **state)
{
	struct shadow_paging p = long_guest(RW | US);
	struct shadow_paging q = p;
	struct shadow_fault_info info;

	(void)state;
	/* a second process: its own PML4 at 0x6000, the same kernel half */
	gput(0x6000, 0x2000 | P | RW | US, 8);
	q.cr3 = 0x6000;
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	uint64_t root_a = sh.root_hpa;
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_FIXED);
	assert_int_equal(shadow_cr3_write(&sh, &q), 0);
	uint64_t root_b = sh.root_hpa;
	assert_int_not_equal(root_a, root_b);
	assert_false(hw_walk(0x5000).present);
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_FIXED);
	expect_hw(0x5000, 0x9000, false, true, false);
	assert_int_equal(sh.npages, 5);         /* two roots, shared below */
	/* switching back and forth allocates nothing and keeps every entry */
	int used = frames_used;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(shadow_cr3_write(&sh, &p), 0);
		assert_int_equal(sh.root_hpa, root_a);
		expect_hw(0x5000, 0x9000, false, true, false);
		assert_int_equal(shadow_cr3_write(&sh, &q), 0);
		assert_int_equal(sh.root_hpa, root_b);
		expect_hw(0x5000, 0x9000, false, true, false);
	}
	assert_int_equal(frames_used, used);
	assert_int_equal(sh.nresets, 0);
	/* PCID bits and bit 63 of CR3 name the same root */
	q.cr3 = 0x6000 | 0x5 | (1ULL << 63);
	assert_int_equal(shadow_cr3_write(&sh, &q), 0);
	assert_int_equal(sh.root_hpa, root_b);
	shadow_down();
}

static void test_write_protection(void **state)
{
	struct shadow_paging p = long_guest(RW | D);
	struct shadow_fault_info info;

	(void)state;
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	/* gva 0x8000 -> gpa 0xa000, a data page, written: a writable leaf */
	gput(0x4000 + 8 * 8, 0xa000 | P | RW | D, 8);
	assert_int_equal(fault(0x8000, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	expect_hw(0x8000, 0xa000, true, false, false);
	/* the guest makes 0xa000 a page table (PD[1]) */
	gput(0xa000, 0xc000 | P | RW | D, 8);
	gput(0x3000 + 8, 0xa000 | P | RW, 8);
	shadow_guest_wrote(&sh, 0x3008, 8);
	sh.flush_needed = false;
	assert_int_equal(fault(0x200000, 0, &info), SHADOW_FIXED);
	expect_hw(0x200000, 0xc000, true, false, false);
	/* its first shadow write-protected every leaf mapping it */
	assert_true(sh.flush_needed);
	expect_hw(0x8000, 0xa000, false, false, false);
	/* a write there is the caller's to emulate */
	assert_int_equal(fault(0x8008, GUEST_ACC_WRITE, &info), SHADOW_PT_WRITE);
	assert_int_equal(info.gpa, 0xa008);
	/* ... which rewrites entry 0 while in use (8 bytes at 0xa000) */
	gput(0xa000, 0xd000 | P | RW, 8);
	shadow_guest_wrote(&sh, 0xa000, 8);
	assert_false(hw_walk(0x200000).present);
	assert_int_equal(fault(0x200000, 0, &info), SHADOW_FIXED);
	expect_hw(0x200000, 0xd000, false, false, false);
	/* a write spanning entries 1 and 2 (misaligned) drops both */
	gput(0xa008, 0xe000 | P | RW | D, 8);
	gput(0xa010, 0xf000 | P | RW | D, 8);
	assert_int_equal(fault(0x201000, 0, &info), SHADOW_FIXED);
	assert_int_equal(fault(0x202000, 0, &info), SHADOW_FIXED);
	shadow_guest_wrote(&sh, 0xa00c, 8);
	assert_false(hw_walk(0x201000).present);
	assert_false(hw_walk(0x202000).present);
	assert_true(hw_walk(0x200000).present);
	/* a leaf installed after the protection is read-only from the start */
	gput(0x4000 + 9 * 8, 0x3000 | P | RW | D, 8);   /* maps the PD */
	assert_int_equal(fault(0x9000, 0, &info), SHADOW_FIXED);
	expect_hw(0x9000, 0x3000, false, false, false);
	check_all_leaves();
	shadow_down();
}

static void test_hostile_tables(void **state)
{
	struct shadow_paging p = long_guest(RW | D);
	struct shadow_fault_info info;

	(void)state;
	shadow_up(64);
	/* PML4[1] -> a table outside every slot; PML4[2] -> a table in the
	 * MMIO hole: not-present #PF (the walk never reads them) */
	gput(0x1000 + 8, 0x10000000 | P | RW | US, 8);
	gput(0x1000 + 16, 0x500000 | P | RW | US, 8);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_int_equal(fault(1ULL << 39, GUEST_ACC_WRITE | GUEST_ACC_USER, &info),
			 SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_W | PF_ERR_U);
	assert_int_equal(fault(2ULL << 39, GUEST_ACC_FETCH, &info), SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_I);
	assert_int_equal(sh.npages, 1);
	/* a CR3 outside RAM: same */
	struct shadow_paging bad = p;
	bad.cr3 = 0x20000000;
	assert_int_equal(shadow_cr3_write(&sh, &bad), 0);
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, 0);
	/* recursive: PML4[511] -> the PML4 itself; gva 0xffff_ffff_ffff_f000
	 * walks it four times and maps the PML4 page, read-only */
	gput(0x1000 + 511 * 8, 0x1000 | P | RW | D, 8);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_int_equal(fault(0xfffffffffffff000ULL, 0, &info), SHADOW_FIXED);
	expect_hw(0xfffffffffffff000ULL, 0x1000, false, false, false);
	assert_int_equal(fault(0xfffffffffffff008ULL, GUEST_ACC_WRITE, &info),
			 SHADOW_PT_WRITE);
	assert_int_equal(info.gpa, 0x1008);
	/* the same gfn at four levels: four shadow pages */
	for (unsigned level = 1; level <= 4; level++)
		assert_int_not_equal(sp_find(&sh, 1, (union shadow_role){ .level = level }),
				     SP_NONE);
	/* a PTE that maps its own PT (0x4000) at gva 0x6000 */
	gput(0x4000 + 6 * 8, 0x4000 | P | RW | D, 8);
	assert_int_equal(fault(0x6000, GUEST_ACC_WRITE, &info), SHADOW_PT_WRITE);
	assert_int_equal(info.gpa, 0x4000);
	expect_hw(0x6000, 0x4000, false, false, false);
	/* the guest rewrites the PTE it is using to reach the PT itself */
	gput(0x4000 + 6 * 8, 0x9000 | P | RW | D, 8);
	shadow_guest_wrote(&sh, 0x4000 + 6 * 8, 8);
	assert_false(hw_walk(0x6000).present);
	assert_int_equal(fault(0x6000, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	expect_hw(0x6000, 0x9000, true, false, false);
	/* a 2 MiB page over the MMIO hole maps nothing of it */
	gput(0x3000 + 8, 0x400000 | P | RW | D | PS, 8);
	for (uint64_t off = 0; off < 0x200000; off += 0x1000) {
		int r = fault(0x200000 + off, GUEST_ACC_WRITE, &info);
		assert_int_equal(r, 0x400000 + off < HOLE_LO ? SHADOW_FIXED : SHADOW_MMIO);
	}
	check_all_leaves();
	shadow_down();
}

static void test_flood_and_unprotect(void **state)
{
	struct shadow_paging p = long_guest(RW | D);
	struct shadow_fault_info info;
	union shadow_role pt_role = { .level = 1 };

	(void)state;
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_FIXED);
	unsigned npages = sh.npages;
	/* two writes, a fault through the PT, two writes: still shadowed */
	shadow_guest_wrote(&sh, 0x4000 + 100 * 8, 8);
	shadow_guest_wrote(&sh, 0x4000 + 101 * 8, 8);
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_FIXED);
	shadow_guest_wrote(&sh, 0x4000 + 102 * 8, 8);
	shadow_guest_wrote(&sh, 0x4000 + 103 * 8, 8);
	assert_true(gfn_is_guest_table(&sh, 4));
	assert_int_equal(sh.npages, npages);
	/* the third in a row frees it: unlinked from the PD, its leaves gone */
	sh.flush_needed = false;
	shadow_guest_wrote(&sh, 0x4000 + 104 * 8, 8);
	assert_false(gfn_is_guest_table(&sh, 4));
	assert_int_equal(sh.npages, npages - 1);
	assert_int_equal(sh.budget_used, 2 * (npages - 1));
	assert_true(sh.flush_needed);
	assert_false(hw_walk(0x5000).present);
	check_all_leaves();
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_FIXED);
	expect_hw(0x5000, 0x9000, true, false, false);
	assert_int_equal(sh.npages, npages);
	/* the root is never freed, however often the guest writes it */
	for (int i = 0; i < 5; i++)
		shadow_guest_wrote(&sh, 0x1000 + 8 * 300, 8);
	assert_true(gfn_is_guest_table(&sh, 1));
	expect_hw(0x5000, 0x9000, true, false, false);
	/* a PT the guest stopped using (PD[1] no longer points to it) but
	 * still cached, so still protected: its page is data now */
	gput(0x4000 + 8 * 8, 0xa000 | P | RW | D, 8);   /* gva 0x8000 */
	gput(0xa000, 0xc000 | P | RW | D, 8);
	gput(0x3000 + 8, 0xa000 | P | RW, 8);
	shadow_guest_wrote(&sh, 0x3008, 8);
	assert_int_equal(fault(0x200000, 0, &info), SHADOW_FIXED);
	gput(0x3000 + 8, 0, 8);
	shadow_guest_wrote(&sh, 0x3008, 8);
	assert_int_equal(fault(0x8000, GUEST_ACC_WRITE, &info), SHADOW_PT_WRITE);
	/* a write there the caller cannot emulate: unprotect, and the retried
	 * write faults once more and then runs natively */
	assert_int_equal(shadow_unprotect(&sh, 0xa123), 0);
	assert_int_equal(sp_find(&sh, 0xa, pt_role), SP_NONE);
	assert_false(gfn_is_guest_table(&sh, 0xa));
	assert_int_equal(fault(0x8000, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	expect_hw(0x8000, 0xa000, true, false, false);
	check_all_leaves();
	/* shadowing it again write-protects it again */
	gput(0x3000 + 8, 0xa000 | P | RW, 8);
	shadow_guest_wrote(&sh, 0x3008, 8);
	assert_int_equal(fault(0x200000, 0, &info), SHADOW_FIXED);
	expect_hw(0x8000, 0xa000, false, false, false);
	/* a PT in use by the very access cannot be unprotected for good:
	 * the retried fault shadows it again (the caller must emulate) */
	gput(0x4000 + 6 * 8, 0x4000 | P | RW | D, 8);
	assert_int_equal(fault(0x6000, GUEST_ACC_WRITE, &info), SHADOW_PT_WRITE);
	assert_int_equal(shadow_unprotect(&sh, 0x4000), 0);
	assert_int_equal(fault(0x6000, GUEST_ACC_WRITE, &info), SHADOW_PT_WRITE);
	/* the root's own table stays */
	assert_int_equal(shadow_unprotect(&sh, 0x1000), -16);
	assert_true(gfn_is_guest_table(&sh, 1));
	assert_int_equal(shadow_unprotect(&sh, 0x9000), 0);    /* not a table */
	check_all_leaves();
	shadow_down();
}

static void test_invlpg_and_reset(void **state)
{
	struct shadow_paging p = long_guest(RW | US | D);
	struct shadow_fault_info info;

	(void)state;
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_FIXED);
	gput(0x4000 + 6 * 8, 0xa000 | P | RW | US | D, 8);
	assert_int_equal(fault(0x6000, 0, &info), SHADOW_FIXED);
	sh.flush_needed = false;
	shadow_invlpg(&sh, 0x5abc);
	assert_true(sh.flush_needed);
	assert_false(hw_walk(0x5000).present);
	expect_hw(0x6000, 0xa000, true, true, false);
	shadow_invlpg(&sh, 0x12345678000ULL);   /* nothing there */
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_FIXED);
	expect_hw(0x5000, 0x9000, true, true, false);
	/* reset: every table dropped, the root rebuilt, the flush asked for */
	sh.flush_needed = false;
	unsigned used = sh.frames;
	assert_int_equal(shadow_reset(&sh), 0);
	assert_true(sh.flush_needed);
	assert_int_equal(sh.npages, 1);
	assert_int_equal(sh.budget_used, 2);
	assert_true(sh.frames < used);
	assert_false(hw_walk(0x5000).present);
	assert_int_equal(fault(0x5000, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
	expect_hw(0x5000, 0x9000, true, true, false);
	shadow_down();
}

static void test_wp0(void **state)
{
	struct shadow_paging p = long_guest(US | D);     /* read-only */
	struct shadow_fault_info info;

	(void)state;
	p.cr0 &= ~CR0_WP_;
	shadow_up(64);
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	/* a supervisor write the guest allows, the shadow cannot map */
	assert_int_equal(fault(0x5010, GUEST_ACC_WRITE, &info), SHADOW_WP0_WRITE);
	assert_int_equal(info.gpa, 0x9010);
	expect_hw(0x5000, 0x9000, false, true, false);
	/* a user write is the guest's #PF as always */
	assert_int_equal(fault(0x5010, GUEST_ACC_WRITE | GUEST_ACC_USER, &info),
			 SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_P | PF_ERR_W | PF_ERR_U);
	/* CR0.WP is part of the mode: setting it drops everything */
	p.cr0 |= CR0_WP_;
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	assert_int_equal(sh.nresets, 1);
	assert_int_equal(fault(0x5010, GUEST_ACC_WRITE, &info), SHADOW_GUEST_PF);
	assert_int_equal(info.error_code, PF_ERR_P | PF_ERR_W);
	shadow_down();
}

static void test_budget(void **state)
{
	struct shadow_paging p = long_guest(RW);
	struct shadow_fault_info info;

	(void)state;
	/* 64 PDEs, each a PT with one page: 2 frames per PT */
	for (unsigned i = 0; i < 64; i++) {
		gput(0x3000 + i * 8, (0x100000 + i * 0x1000) | P | RW, 8);
		gput(0x100000 + i * 0x1000 + 8 * i, (0x200000 + i * 0x1000) | P | RW | D, 8);
	}
	shadow_up(SHADOW_BUDGET_MIN);
	int baseline = frames_used - (int)sh.frames;
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	for (int round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 64; i++) {
			uint64_t gva = ((uint64_t)i << 21) | ((uint64_t)i << 12);
			assert_int_equal(fault(gva, GUEST_ACC_WRITE, &info), SHADOW_FIXED);
			expect_hw(gva, 0x200000 + i * 0x1000, true, false, false);
			assert_true(sh.budget_used <= SHADOW_BUDGET_MIN);
			assert_int_equal(frames_used - baseline, (int)sh.frames);
		}
	}
	/* (16 - 3 * 2 for the upper tables) / 2 = 5 PTs fit: a drop-all
	 * every 5 faults */
	assert_int_equal(sh.nresets, (3 * 64 - 1) / 5);
	check_all_leaves();
	shadow_down();
	assert_int_equal(frames_used, baseline);
}

/* ---- random tables: refinement and progress ---------------------------- */

/*
 * A random walk over guest page tables that change under the shadow (every
 * change notified with shadow_guest_wrote, as the emulator will), with
 * faults, INVLPG, CR3 switches and resets, in every paging mode, checking
 * after each step:
 *  - refinement: every translation the hardware finds in the shadow tables
 *    is one the guest's tables give right now, to the same page, with no
 *    right the guest lacks (write needs the dirty bit too);
 *  - progress: after SHADOW_FIXED the hardware allows the access;
 *  - every other answer is the one a walk of the guest's tables predicts
 *    (the #PF error code, the MMIO gpa, a page-table write);
 *  - and, now and then, every leaf and the reverse map (check_all_leaves).
 * Table pages live at TPOOL..; the entries point at table pages (so
 * recursive and self-referencing maps arise), data pages, the MMIO hole,
 * beyond every slot, large pages partly over the hole, or random bits.
 */
#define TPOOL   0x100000ULL
#define NTABLES 12

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct rmode {
	struct shadow_paging paging;
	unsigned entry_bytes;
	unsigned levels;                /* guest levels below CR3 / the PDPT */
	const unsigned *index;          /* interesting indices per level */
	unsigned nindex;
};

static uint64_t random_entry(const struct rmode *m)
{
	static const uint64_t large_bases[] = { 0, 0x200000, 0x400000, 0x600000 };
	uint64_t bits = P | (rnd() % 10 < 8 ? RW : 0) | (rnd() % 10 < 8 ? US : 0) |
			(rnd() % 2 ? A : 0) | (rnd() % 2 ? D : 0);
	uint64_t e;

	if (m->entry_bytes == 8 && rnd() % 10 == 0)
		bits |= NX;
	/* deeper trees need more table pointers to reach a leaf */
	unsigned tables = 10 + 3 * (m->levels - 2);
	unsigned kind = rnd() % (10 + tables);

	if (kind < 1)
		e = 0;
	else if (kind < 1 + tables)
		e = (TPOOL + (rnd() % NTABLES) * 0x1000) | bits;
	else if ((kind -= tables) < 5)
		e = (0x200000 + (rnd() % 16) * 0x1000) | bits;
	else if (kind < 6)
		e = (rnd() % 2 ? 0x500000 + (rnd() % 16) * 0x1000 : 0x10000000) | bits;
	else if (kind < 9)
		e = (m->entry_bytes == 4 ? (rnd() % 2) * 0x400000
					 : large_bases[rnd() % 4]) | bits | PS;
	else
		e = rnd();
	return m->entry_bytes == 4 ? (uint32_t)e : e;
}

static int check_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	if (!in_ram(gpa))
		return -14;
	memcpy(buf, ram + gpa, len);
	return 0;
}

/* The guest's own verdict on an access, with no bit set. */
static int guest_says(uint64_t gva, unsigned acc, struct guest_translation *t,
		      uint32_t *code)
{
	const struct guest_paging p = {
		.cr0 = sh.paging.cr0, .cr3 = sh.paging.cr3, .cr4 = sh.paging.cr4,
		.efer = sh.paging.efer, .read_gpa = check_read,
	};
	const struct guest_access_cpu cpu = { .maxphyaddr = 40, .pdpe1gb = true };

	return guest_access(&p, &cpu, gva, acc, t, code);
}

static void check_refinement(uint64_t gva)
{
	struct hw h = hw_walk(gva);
	struct guest_translation t;
	uint32_t code;

	if (!h.present)
		return;
	assert_int_equal(guest_says(gva, 0, &t, &code), GUEST_ACCESS_OK);
	assert_int_equal(h.hpa, GUEST_HPA + (t.gpa & ~0xfffULL));
	if (h.rw) {
		assert_true(t.writable);
		assert_true(t.entry_val[t.nentries - 1] & D);
		assert_false(gfn_is_guest_table(&sh, t.gpa >> 12));
	}
	if (h.us)
		assert_true(t.user);
	if (!h.nx)
		assert_false(t.nx && (sh.paging.efer & (1ULL << 11)));
}

static void check_fault_answer(uint64_t gva, unsigned acc, int r,
			       const struct shadow_fault_info *info)
{
	struct guest_translation t;
	uint32_t code = 0;
	int g = guest_says(gva, acc, &t, &code);

	if (r == SHADOW_FIXED) {
		struct hw h = hw_walk(gva);
		assert_true(h.present);
		assert_true(!(acc & GUEST_ACC_WRITE) || h.rw);
		assert_true(!(acc & GUEST_ACC_USER) || h.us);
		assert_true(!(acc & GUEST_ACC_FETCH) || !h.nx);
		return;
	}
	if (r == SHADOW_GUEST_PF) {
		if (g == -14)           /* a table outside RAM */
			assert_int_equal(info->error_code & PF_ERR_P, 0);
		else
			assert_int_equal(g, GUEST_ACCESS_FAULT);
		if (g != -14)
			assert_int_equal(info->error_code, code);
		return;
	}
	assert_int_equal(g, GUEST_ACCESS_OK);
	assert_int_equal(info->gpa, t.gpa);
	if (r == SHADOW_MMIO) {
		assert_false(in_ram(t.gpa));
		return;
	}
	assert_true(acc & GUEST_ACC_WRITE);
	if (r == SHADOW_WP0_WRITE) {
		assert_false(sh.paging.cr0 & CR0_WP_);
		assert_false(acc & GUEST_ACC_USER);
		assert_false(t.writable);
		assert_false(gfn_is_guest_table(&sh, t.gpa >> 12));
		return;
	}
	assert_int_equal(r, SHADOW_PT_WRITE);
	assert_true(gfn_is_guest_table(&sh, t.gpa >> 12));
}

static uint64_t random_gva(const struct rmode *m)
{
	uint64_t gva = 0;
	unsigned shift = 12;

	for (unsigned l = 0; l < m->levels; l++) {
		gva |= (uint64_t)m->index[rnd() % m->nindex] << shift;
		shift += m->entry_bytes == 4 ? 10 : 9;
	}
	if (shadow_mode_of(&m->paging) == SHADOW_MODE_PAE)
		gva |= (rnd() % 4) << 30;
	if (gva & (1ULL << 47))
		gva |= 0xffff000000000000ULL;   /* canonical */
	return gva & (m->entry_bytes == 4 || m->levels == 2 ? 0xffffffffULL : ~0ULL);
}

static void random_cr3(struct rmode *m)
{
	unsigned k = rnd() % 3;

	if (shadow_mode_of(&m->paging) == SHADOW_MODE_PAE) {
		/* the PDPT changes only with a CR3 load: memory = registers */
		m->paging.cr3 = 0x1000 + 0x20 * k;
		for (unsigned i = 0; i < 4; i++)
			gput(m->paging.cr3 + 8 * i, rnd() % 4 ? (TPOOL + (rnd() % NTABLES) * 0x1000) | P : 0, 8);
	} else {
		m->paging.cr3 = TPOOL + k * 0x1000;
	}
	assert_int_equal(shadow_cr3_write(&sh, &m->paging), 0);
}

static void random_table_write(const struct rmode *m)
{
	uint64_t page = TPOOL + (rnd() % NTABLES) * 0x1000;
	unsigned idx = rnd() % 4 ? m->index[rnd() % m->nindex] : rnd() % (4096 / m->entry_bytes);
	uint64_t gpa = page + idx * m->entry_bytes;
	unsigned len = m->entry_bytes;

	if (len == 8 && rnd() % 8 == 0) {       /* the upper half alone */
		gpa += 4;
		len = 4;
		gput(gpa, (uint32_t)rnd(), 4);
	} else {
		gput(gpa, random_entry(m), len);
	}
	shadow_guest_wrote(&sh, gpa, len);
}

static void random_run(struct rmode *m, unsigned budget, unsigned steps, uint64_t seed)
{
	static const unsigned accs[] = { 0, GUEST_ACC_WRITE, GUEST_ACC_USER,
					 GUEST_ACC_USER | GUEST_ACC_WRITE, GUEST_ACC_FETCH,
					 GUEST_ACC_USER | GUEST_ACC_FETCH };
	struct shadow_fault_info info;

	rng_state = seed;
	memset(ram, 0, RAM_BYTES);
	/* data pages hold entry-like values too: a data page taken for a
	 * table is not all zeroes */
	for (uint64_t a = TPOOL; a < TPOOL + NTABLES * 0x1000; a += m->entry_bytes)
		gput(a, random_entry(m), m->entry_bytes);
	for (uint64_t a = 0x200000; a < 0x210000; a += m->entry_bytes)
		gput(a, random_entry(m), m->entry_bytes);
	shadow_up(budget);
	random_cr3(m);
	for (unsigned step = 0; step < steps; step++) {
		unsigned what = rnd() % 100;
		if (what < 55) {
			uint64_t gva = random_gva(m);
			unsigned acc = accs[rnd() % 6];
			int r = shadow_fault(&sh, gva, acc, false, hw_walk(gva).present,
					     &info);
			check_fault_answer(gva, acc, r, &info);
		} else if (what < 90) {
			random_table_write(m);
		} else if (what < 94) {
			shadow_invlpg(&sh, random_gva(m));
		} else if (what < 99) {
			random_cr3(m);
		} else {
			assert_int_equal(shadow_reset(&sh), 0);
		}
		for (unsigned i = 0; i < 24; i++)
			check_refinement(random_gva(m));
		if (step % 50 == 0)
			check_all_leaves();
	}
	check_all_leaves();
	shadow_down();
}

static void test_random_tables(void **state)
{
	static const unsigned idx9[] = { 0, 1, 2, 511 };
	static const unsigned idx10[] = { 0, 1, 256, 513, 1023 };
	struct rmode modes[] = {
		{ { CR0_PE_PG | CR0_WP_, 0, CR4_PAE_, EFER_LONG }, 8, 4, idx9, 4 },
		{ { CR0_PE_PG | CR0_WP_, 0, CR4_PAE_, 1ULL << 11 }, 8, 2, idx9, 4 },
		{ { CR0_PE_PG | CR0_WP_, 0, CR4_PSE_, 0 }, 4, 2, idx10, 5 },
		{ { CR0_PE_PG | CR0_WP_, 0, 0, 0 }, 4, 2, idx10, 5 },
		/* CR0.WP=0: supervisor writes ignore R/W */
		{ { CR0_PE_PG, 0, CR4_PAE_, EFER_LONG }, 8, 4, idx9, 4 },
		{ { CR0_PE_PG, 0, CR4_PSE_, 0 }, 4, 2, idx10, 5 },
	};

	(void)state;
	for (unsigned m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		random_run(&modes[m], 256, 3000, 0x1234567 + m);
		random_run(&modes[m], SHADOW_BUDGET_MIN + 8, 3000, 0x7654321 + m);
	}
}

static void test_allocator_failure(void **state)
{
	struct shadow_paging p = long_guest(RW);
	struct shadow_fault_info info;
	const struct shadow_config cfg = {
		.space = &space, .alloc = &allocator, .read_gpa = read_gpa,
		.update_entry = update_entry, .budget_frames = 64,
	};
	struct shadow bad_budget;

	(void)state;
	struct shadow_config c = cfg;
	c.budget_frames = SHADOW_BUDGET_MIN - 1;
	assert_int_equal(shadow_init(&bad_budget, &c), -22);
	c.budget_frames = SHADOW_BUDGET_MAX + 1;
	assert_int_equal(shadow_init(&bad_budget, &c), -22);
	c.budget_frames = 64;
	c.update_entry = NULL;
	assert_int_equal(shadow_init(&bad_budget, &c), -22);
	/* init fails half way: everything it took is given back */
	int used = frames_used;
	fail_after = 2;
	assert_int_equal(shadow_init(&sh, &cfg), -12);
	assert_int_equal(frames_used, used);
	fail_after = -1;
	/* the host runs out of frames while a fault fills: -ENOMEM, nothing
	 * leaks, and the shadow works again once frames come back */
	assert_int_equal(shadow_init(&sh, &cfg), 0);
	assert_int_equal(shadow_fault(&sh, 0x5000, 0, false, false, &info), -22); /* no CR3 yet */
	assert_int_equal(shadow_cr3_write(&sh, &p), 0);
	fail_after = 1;
	assert_int_equal(fault(0x5000, 0, &info), -12);
	fail_after = -1;
	assert_int_equal(shadow_reset(&sh), 0);
	assert_int_equal(fault(0x5000, 0, &info), SHADOW_FIXED);
	expect_hw(0x5000, 0x9000, false, false, false);
	shadow_down();
	assert_int_equal(frames_used, used);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_long_mode_fill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_and_dirty_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_leaves_large_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae_roots_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae_root_below_4g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit_without_pse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paging_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_cached_per_cr3, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_protection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_and_unprotect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invlpg_and_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wp0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocator_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_tables, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
