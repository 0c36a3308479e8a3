/*
 * Host tests for mmu/guest_access.c: a guest access as the CPU checks it,
 * over a fake guest-physical memory: rights with WP, NX, SMEP and SMAP,
 * reserved bits per paging mode, the #PF error code, and the accessed and
 * dirty bits (set only by a successful access, D only by a write, retried
 * when an entry changes under the walk).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mmu/guest_access.h"

#define MEM_BYTES 0x20000
#define CR0_PE_PG ((1ULL << 31) | 1)
#define CR0_WP    (1ULL << 16)
#define CR4_PSE   (1ULL << 4)
#define CR4_PAE   (1ULL << 5)
#define CR4_SMEP  (1ULL << 20)
#define CR4_SMAP  (1ULL << 21)
#define EFER_LMA_NXE ((1ULL << 8) | (1ULL << 10) | (1ULL << 11))
#define P  1ULL
#define RW 2ULL
#define US 4ULL
#define A  0x20ULL
#define D  0x40ULL
#define PS 0x80ULL
#define NX (1ULL << 63)

static uint8_t mem[MEM_BYTES];
static unsigned updates, change_on_update;

static int read_mem(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	if (gpa + len > MEM_BYTES)
		return -14;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static uint64_t get(uint64_t gpa, unsigned len)
{
	uint64_t v = 0;

	memcpy(&v, mem + gpa, len);
	return v;
}

static void put(uint64_t gpa, uint64_t v, unsigned len)
{
	memcpy(mem + gpa, &v, len);
}

/* Stores like a CMPXCHG; with change_on_update the first store finds the
 * entry changed by "another CPU" (bit 9, ignored by the walk, set). */
static int update(void *ctx, uint64_t gpa, uint64_t old, uint64_t new, unsigned len)
{
	(void)ctx;
	if (change_on_update) {
		change_on_update--;
		put(gpa, get(gpa, len) | 0x200, len);
		return 1;
	}
	if (get(gpa, len) != old)
		return 1;
	updates++;
	put(gpa, new, len);
	return 0;
}

static const struct guest_access_cpu cpu = { .maxphyaddr = 40, .pdpe1gb = true,
					     .update_entry = update };

/* 4-level tables: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000; va
 * 0x5000 -> 0x9000 through a 4 KiB PTE with 'pte_bits'. */
static struct guest_paging long_mode(uint64_t pte_bits, uint64_t cr4)
{
	memset(mem, 0, sizeof(mem));
	put(0x1000, 0x2000 | P | RW | US, 8);
	put(0x2000, 0x3000 | P | RW | US, 8);
	put(0x3000, 0x4000 | P | RW | US, 8);
	put(0x4000 + 5 * 8, 0x9000 | P | pte_bits, 8);
	updates = change_on_update = 0;
	return (struct guest_paging){ .cr0 = CR0_PE_PG | CR0_WP, .cr3 = 0x1000,
				      .cr4 = CR4_PAE | cr4, .efer = EFER_LMA_NXE,
				      .read_gpa = read_mem };
}

static int acc(const struct guest_paging *p, const struct guest_access_cpu *c,
	       uint64_t va, unsigned kind, uint32_t *code)
{
	struct guest_translation t;

	*code = 0xdead;
	return guest_access(p, c, va, kind, &t, code);
}

static void test_rights_and_error_codes(void **state)
{
	struct guest_paging p = long_mode(0, 0);        /* read-only, supervisor */
	uint32_t code;

	(void)state;
	assert_int_equal(acc(&p, &cpu, 0x5123, 0, &code), GUEST_ACCESS_OK);
	/* supervisor write with CR0.WP: P|W; without WP it goes through */
	assert_int_equal(acc(&p, &cpu, 0x5123, GUEST_ACC_WRITE, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_W);
	p.cr0 &= ~CR0_WP;
	assert_int_equal(acc(&p, &cpu, 0x5123, GUEST_ACC_WRITE, &code), GUEST_ACCESS_OK);
	/* user read of a supervisor page: P|U */
	assert_int_equal(acc(&p, &cpu, 0x5123, GUEST_ACC_USER, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_U);
	/* not present: no P; a fetch has I/D with NXE */
	assert_int_equal(acc(&p, &cpu, 0x6000, GUEST_ACC_FETCH | GUEST_ACC_USER, &code),
			 GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_U | PF_ERR_I);
	/* NX */
	p = long_mode(RW | US | NX, 0);
	assert_int_equal(acc(&p, &cpu, 0x5000, GUEST_ACC_FETCH, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_I);
	/* a table beyond memory is not a fault but -EFAULT */
	put(0x3000 + 8, 0x7ff000 | P | RW, 8);
	assert_int_equal(acc(&p, &cpu, 0x200000, 0, &code), -14);
}

static void test_smep_smap(void **state)
{
	struct guest_paging p = long_mode(RW | US, CR4_SMEP | CR4_SMAP);
	struct guest_access_cpu ac = cpu;
	uint32_t code;

	(void)state;
	/* supervisor fetch from a user page */
	assert_int_equal(acc(&p, &cpu, 0x5000, GUEST_ACC_FETCH, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_I);
	/* supervisor data access: refused unless RFLAGS.AC, and always
	 * for an implicit one */
	assert_int_equal(acc(&p, &cpu, 0x5000, 0, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P);
	ac.rflags_ac = true;
	assert_int_equal(acc(&p, &ac, 0x5000, GUEST_ACC_WRITE, &code), GUEST_ACCESS_OK);
	assert_int_equal(acc(&p, &ac, 0x5000, GUEST_ACC_IMPLICIT, &code), GUEST_ACCESS_FAULT);
	/* the user itself is fine */
	assert_int_equal(acc(&p, &cpu, 0x5000, GUEST_ACC_USER | GUEST_ACC_FETCH, &code),
			 GUEST_ACCESS_OK);
	/* SMEP alone sets I/D without NXE */
	p.efer &= ~(1ULL << 11);
	assert_int_equal(acc(&p, &cpu, 0x5000, GUEST_ACC_FETCH, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_I);
}

static void test_reserved_bits(void **state)
{
	struct guest_paging p = long_mode(RW, 0);
	struct guest_access_cpu no1g = cpu;
	uint32_t code;

	(void)state;
	/* an address bit beyond MAXPHYADDR (40) in the PTE */
	put(0x4000 + 5 * 8, (1ULL << 45) | 0x9000 | P | RW, 8);
	assert_int_equal(acc(&p, &cpu, 0x5000, GUEST_ACC_WRITE, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_RSVD | PF_ERR_W);
	/* NX without EFER.NXE */
	put(0x4000 + 5 * 8, NX | 0x9000 | P, 8);
	p.efer &= ~(1ULL << 11);
	assert_int_equal(acc(&p, &cpu, 0x5000, 0, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_RSVD);
	p.efer |= 1ULL << 11;
	assert_int_equal(acc(&p, &cpu, 0x5000, 0, &code), GUEST_ACCESS_OK);
	/* PS in a PML4E */
	put(0x1000, 0x2000 | P | RW | PS, 8);
	assert_int_equal(acc(&p, &cpu, 0x5000, 0, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_RSVD);
	put(0x1000, 0x2000 | P | RW, 8);
	/* a 1 GiB page: bit 13 is reserved, and PS itself without 1 GiB pages */
	put(0x2000 + 8, 0x40000000 | P | RW | PS, 8);
	assert_int_equal(acc(&p, &cpu, 0x40000123, 0, &code), GUEST_ACCESS_OK);
	assert_int_equal(acc(&p, &no1g, 0x40000123, 0, &code), GUEST_ACCESS_OK);
	no1g.pdpe1gb = false;
	assert_int_equal(acc(&p, &no1g, 0x40000123, 0, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_RSVD);
	put(0x2000 + 8, 0x40002000 | P | RW | PS, 8);
	assert_int_equal(acc(&p, &cpu, 0x40000123, 0, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_RSVD);
	/* a 2 MiB page: bit 20 is reserved */
	put(0x3000 + 8, 0x200000 | (1ULL << 20) | P | RW | PS, 8);
	assert_int_equal(acc(&p, &cpu, 0x200000, 0, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_RSVD);
}

/* A link with an address bit at or above MAXPHYADDR points at a table the
 * walker cannot read (outside memory): the reserved bit is found first, as
 * the CPU finds it when it reads that entry (ptattack.bin found the
 * shadow's not-present #PF instead). */
static void test_reserved_bit_in_link_before_its_table(void **state)
{
	struct guest_paging p = long_mode(RW, 0);
	uint32_t code;

	(void)state;
	/* the PDE: the PT at 0x4000 with bit 40 (= MAXPHYADDR) set */
	put(0x3000, (1ULL << 40) | 0x4000 | P | RW | US, 8);
	assert_int_equal(acc(&p, &cpu, 0x5000, 0, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_RSVD);
	assert_int_equal(acc(&p, &cpu, 0x5000, GUEST_ACC_WRITE, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_RSVD | PF_ERR_W);
	/* the PML4E, bit 51 */
	put(0x3000, 0x4000 | P | RW | US, 8);
	put(0x1000, (1ULL << 51) | 0x2000 | P | RW | US, 8);
	assert_int_equal(acc(&p, &cpu, 0x5000, 0, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_RSVD);
	/* below MAXPHYADDR a table outside memory stays -EFAULT */
	put(0x1000, (1ULL << 39) | 0x2000 | P | RW | US, 8);
	assert_int_equal(acc(&p, &cpu, 0x5000, 0, &code), -14);
	/* and nothing was marked accessed on the way */
	assert_int_equal(updates, 0);
}

/* The check alone, for the emulator's walks (core/guest_mem.c): true for
 * a reserved bit in any entry up to the first not-present one, whatever
 * guest_walk returned (ptattack.bin's MOVS through such a PTE went to
 * MMIO at the reserved address instead of faulting). */
static void test_walk_reserved(void **state)
{
	struct guest_paging p = long_mode(RW, 0);
	struct guest_translation t;

	(void)state;
	assert_int_equal(guest_walk(&p, 0x5000, &t), 0);
	assert_false(guest_walk_reserved(&p, &cpu, &t));
	/* the leaf: the walk translates it, the check refuses it */
	put(0x4000 + 5 * 8, (1ULL << 40) | 0x9000 | P | RW, 8);
	assert_int_equal(guest_walk(&p, 0x5000, &t), 0);
	assert_true(guest_walk_reserved(&p, &cpu, &t));
	/* XD without EFER.NXE */
	put(0x4000 + 5 * 8, NX | 0x9000 | P, 8);
	p.efer &= ~(1ULL << 11);
	assert_int_equal(guest_walk(&p, 0x5000, &t), 0);
	assert_true(guest_walk_reserved(&p, &cpu, &t));
	p.efer |= 1ULL << 11;
	assert_false(guest_walk_reserved(&p, &cpu, &t));
	/* a link whose table the walk could not read (-EFAULT) */
	put(0x3000, (1ULL << 41) | 0x4000 | P | RW, 8);
	assert_int_equal(guest_walk(&p, 0x5000, &t), -14);
	assert_true(guest_walk_reserved(&p, &cpu, &t));
	/* after a not-present entry nothing counts; paging off: nothing */
	put(0x3000, 0x4000 | RW | (1ULL << 41), 8);
	assert_int_not_equal(guest_walk(&p, 0x5000, &t), 0);
	assert_false(guest_walk_reserved(&p, &cpu, &t));
	p.cr0 &= ~(1ULL << 31);
	assert_false(guest_walk_reserved(&p, &cpu, &t));
}

static void test_32bit_pse(void **state)
{
	struct guest_paging p = { .cr0 = CR0_PE_PG, .cr3 = 0x1000, .cr4 = CR4_PSE,
				  .read_gpa = read_mem };
	struct guest_access_cpu c36 = cpu;
	uint32_t code;

	(void)state;
	memset(mem, 0, sizeof(mem));
	updates = 0;
	/* a 4 MiB page with PSE-36 address bit 32 (PDE bit 13) */
	put(0x1000 + 4, 0x00400000 | (1u << 13) | P | RW | PS, 4);
	assert_int_equal(acc(&p, &cpu, 0x00400000, GUEST_ACC_WRITE, &code), GUEST_ACCESS_OK);
	assert_int_equal(get(0x1000 + 4, 4), 0x00400000 | (1u << 13) | P | RW | PS | A | D);
	/* with MAXPHYADDR 32 that bit is reserved, as is bit 21 always */
	c36.maxphyaddr = 32;
	assert_int_equal(acc(&p, &c36, 0x00400000, 0, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_RSVD);
	put(0x1000 + 4, 0x00400000 | (1u << 21) | P | PS, 4);
	assert_int_equal(acc(&p, &cpu, 0x00400000, 0, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(code, PF_ERR_P | PF_ERR_RSVD);
	/* without CR4.PSE the PS bit means nothing: a page table at 0x400000
	 * beyond memory */
	p.cr4 = 0;
	assert_int_equal(acc(&p, &cpu, 0x00400000, 0, &code), -14);
}

static void test_accessed_dirty(void **state)
{
	struct guest_paging p = long_mode(RW, 0);
	struct guest_translation t;
	uint32_t code;

	(void)state;
	/* a refused access sets nothing */
	assert_int_equal(acc(&p, &cpu, 0x5000, GUEST_ACC_USER, &code), GUEST_ACCESS_FAULT);
	assert_int_equal(updates, 0);
	/* a read sets A on every level, D nowhere */
	assert_int_equal(acc(&p, &cpu, 0x5000, 0, &code), GUEST_ACCESS_OK);
	assert_int_equal(updates, 4);
	assert_int_equal(get(0x1000, 8), 0x2000 | P | RW | US | A);
	assert_int_equal(get(0x4000 + 5 * 8, 8), 0x9000 | P | RW | A);
	/* a write then sets D on the leaf only */
	assert_int_equal(acc(&p, &cpu, 0x5000, GUEST_ACC_WRITE, &code), GUEST_ACCESS_OK);
	assert_int_equal(updates, 5);
	assert_int_equal(get(0x4000 + 5 * 8, 8), 0x9000 | P | RW | A | D);
	assert_int_equal(get(0x3000, 8), 0x4000 | P | RW | US | A);
	/* an entry changed under the walk: walked again, and done */
	p = long_mode(RW, 0);
	change_on_update = 1;
	assert_int_equal(guest_access(&p, &cpu, 0x5000, GUEST_ACC_WRITE, &t, &code),
			 GUEST_ACCESS_OK);
	assert_int_equal(get(0x1000, 8), 0x2000 | P | RW | US | A | 0x200);
	assert_int_equal(t.gpa, 0x9000);
	/* tables that never stop changing: -EFAULT, not a loop */
	p = long_mode(RW, 0);
	change_on_update = 100;
	assert_int_equal(guest_access(&p, &cpu, 0x5000, 0, &t, &code), -14);
	/* PAE: the PDPTE has no A bit */
	memset(mem, 0, sizeof(mem));
	put(0x1000, 0x2000 | P, 8);
	put(0x2000, 0x3000 | P | RW, 8);
	put(0x3000 + 5 * 8, 0x9000 | P | RW, 8);
	p = (struct guest_paging){ .cr0 = CR0_PE_PG, .cr3 = 0x1000, .cr4 = CR4_PAE,
				   .read_gpa = read_mem };
	change_on_update = 0;
	assert_int_equal(acc(&p, &cpu, 0x5000, 0, &code), GUEST_ACCESS_OK);
	assert_int_equal(get(0x1000, 8), 0x2000 | P);
	assert_int_equal(get(0x2000, 8), 0x3000 | P | RW | A);
}

static void test_paging_off(void **state)
{
	struct guest_paging p = { .cr0 = 1, .cr4 = CR4_SMEP | CR4_SMAP,
				  .read_gpa = read_mem };
	uint32_t code;

	(void)state;
	updates = 0;
	assert_int_equal(acc(&p, &cpu, 0x5000, GUEST_ACC_FETCH | GUEST_ACC_WRITE, &code),
			 GUEST_ACCESS_OK);
	assert_int_equal(updates, 0);
}

/* A PAE PDPTE as a CR3 load checks it: reserved 2:1, 8:5 and
 * 63:MAXPHYADDR when present (NX is no PDPTE bit); anything when not. */
static void test_pdpte_reserved(void **state)
{
	(void)state;
	assert_false(guest_pdpte_reserved(0x1001, 36));
	assert_false(guest_pdpte_reserved(0x1019, 36));         /* PWT, PCD */
	assert_false(guest_pdpte_reserved(0xfffffffe6ULL, 36)); /* not present */
	assert_false(guest_pdpte_reserved((1ULL << 39) | 1, 40));
	static const uint64_t bad[] = { 0x1003, 0x1005, 0x1021, 0x1041, 0x1081,
					0x1101, (1ULL << 36) | 1, (1ULL << 63) | 1 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(guest_pdpte_reserved(bad[i], 36));
	assert_true(guest_pdpte_reserved((1ULL << 40) | 1, 40));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rights_and_error_codes),
		cmocka_unit_test(test_smep_smap),
		cmocka_unit_test(test_reserved_bits),
		cmocka_unit_test(test_reserved_bit_in_link_before_its_table),
		cmocka_unit_test(test_walk_reserved),
		cmocka_unit_test(test_32bit_pse),
		cmocka_unit_test(test_accessed_dirty),
		cmocka_unit_test(test_paging_off),
		cmocka_unit_test(test_pdpte_reserved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
