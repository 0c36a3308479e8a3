/*
 * Host tests for core/guest_mem.c's page walks for the instruction
 * emulator (guest_translate, guest_xlat_mark_used), over one fake RAM slot:
 * a reserved bit in an entry is -EINVAL (the emulator's #PF with P and
 * RSVD) also where the walk translates or cannot read the next table, and
 * an access sets the accessed bits of the entries it used and the dirty
 * bit of the leaf for a write, never an accessed bit in a PAE PDPTE.
 * ptattack.bin found both missing (docs/test-guests.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/cpuid.h"
#include "core/guest_mem.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "mmu/guest_walk.h"

#define RAM_BYTES 0x20000
#define P   1ULL
#define RW  2ULL
#define A   0x20ULL
#define D   0x40ULL
#define PS  0x80ULL
#define CR0_PG    ((1ULL << 31) | 1)
#define CR4_PAE   (1ULL << 5)
#define EFER_LMA  ((1ULL << 8) | (1ULL << 10))

static uint8_t ram[RAM_BYTES] __attribute__((aligned(4096)));
static struct vm_extent extent;
static struct vm vm;
static struct vcpu vcpu;
static unsigned dirty_marks;

const struct virt_ops *virt;

/* The VM's CPUID: MAXPHYADDR 40, no 1 GiB pages. */
void cpuid_emulate(struct vcpu_regs *r)
{
	*r = (struct vcpu_regs){ 0 };
}

const struct cpu_rules *cpuid_rules(void)
{
	static const struct cpu_rules rules = { .va_bits = 48, .pa_bits = 40 };

	return &rules;
}

struct vm_slot *vm_slot_find(struct vm *v, uint64_t gpa)
{
	return gpa < RAM_BYTES ? &v->slots[0] : 0;
}

void vm_mark_dirty(struct vm *v, uint64_t gpa)
{
	(void)v;
	(void)gpa;
	dirty_marks++;
}

void vm_shadow_wrote(struct vm *v, uint64_t gpa, size_t len)
{
	(void)v;
	(void)gpa;
	(void)len;
}

/* The VM's map: the slot's RAM at the fake host addresses. */
int mmu_lookup(const struct mmu_space *s, uint64_t gpa, uint64_t *hpa, unsigned *perms)
{
	(void)s;
	if (gpa >= RAM_BYTES)
		return -1;
	*hpa = (uint64_t)(uintptr_t)ram + gpa;
	*perms = 7;
	return 0;
}

static uint64_t get(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, ram + gpa, 8);
	return v;
}

static void put(uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, 8);
}

/* 4-level tables: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000; linear
 * 0x5000 -> 0x9000 through the PTE 'pte'. */
static void long_mode(uint64_t pte)
{
	memset(ram, 0, sizeof(ram));
	put(0x1000, 0x2000 | P | RW);
	put(0x2000, 0x3000 | P | RW);
	put(0x3000, 0x4000 | P | RW);
	put(0x4000 + 5 * 8, pte);
	vm = (struct vm){ .slots[0] = { .used = true, .gpa = 0, .size = RAM_BYTES,
					.extents = &extent, .nextents = 1 } };
	extent = (struct vm_extent){ .offset = 0, .hpa = (uint64_t)(uintptr_t)ram,
				     .size = RAM_BYTES };
	vcpu = (struct vcpu){ .vm = &vm };
	dirty_marks = 0;
}

static int translate(uint64_t cr4, uint64_t efer, uint64_t cr3, uint64_t la,
		     struct guest_translation *t)
{
	return guest_translate(&vcpu, &vcpu.data, CR0_PG, cr3, cr4, efer, la, t);
}

static void test_reserved_bits(void **state)
{
	struct guest_translation t;

	(void)state;
	long_mode(0x9000 | P | RW);
	assert_int_equal(translate(CR4_PAE, EFER_LMA, 0x1000, 0x5123, &t), 0);
	assert_int_equal(t.gpa, 0x9123);
	/* bit 40 (= MAXPHYADDR) in the leaf: the walk would translate it */
	put(0x4000 + 5 * 8, (1ULL << 40) | 0x9000 | P | RW);
	assert_int_equal(translate(CR4_PAE, EFER_LMA, 0x1000, 0x5123, &t), -22);
	/* in a link: the walk cannot read the next table; RSVD comes first */
	put(0x4000 + 5 * 8, 0x9000 | P | RW);
	put(0x3000, (1ULL << 41) | 0x4000 | P | RW);
	assert_int_equal(translate(CR4_PAE, EFER_LMA, 0x1000, 0x5123, &t), -22);
	/* PS in a 2 MiB PDE's bit 13 */
	put(0x3000, 0x200000 | (1ULL << 13) | PS | P | RW);
	assert_int_equal(translate(CR4_PAE, EFER_LMA, 0x1000, 0x5123, &t), -22);
	/* not present before the reserved bit: not present */
	put(0x2000, 0x3000 | RW);
	assert_int_equal(translate(CR4_PAE, EFER_LMA, 0x1000, 0x5123, &t), -2);
}

static void test_accessed_dirty(void **state)
{
	struct guest_translation t;

	(void)state;
	long_mode(0x9000 | P | RW);
	/* a read: A everywhere, no D */
	assert_int_equal(translate(CR4_PAE, EFER_LMA, 0x1000, 0x5000, &t), 0);
	assert_true(guest_xlat_holds(&vcpu.data, 0x5000));
	guest_xlat_mark_used(&vcpu, &vcpu.data, false);
	assert_int_equal(get(0x1000), 0x2000 | P | RW | A);
	assert_int_equal(get(0x2000), 0x3000 | P | RW | A);
	assert_int_equal(get(0x3000), 0x4000 | P | RW | A);
	assert_int_equal(get(0x4000 + 5 * 8), 0x9000 | P | RW | A);
	assert_int_equal(dirty_marks, 4);
	assert_int_equal(vcpu.data.marked, XLAT_MARKED_ACCESSED);
	/* the cache still holds and the write through it sets D in the leaf */
	assert_int_equal(translate(CR4_PAE, EFER_LMA, 0x1000, 0x5008, &t), 0);
	assert_int_equal(t.nentries, 0);                /* from the cache */
	assert_int_equal(vcpu.data.marked, XLAT_MARKED_ACCESSED);
	guest_xlat_mark_used(&vcpu, &vcpu.data, true);
	assert_int_equal(get(0x4000 + 5 * 8), 0x9000 | P | RW | A | D);
	assert_int_equal(get(0x3000), 0x4000 | P | RW | A);  /* no D in a link */
	assert_int_equal(dirty_marks, 5);
	assert_int_equal(vcpu.data.marked, XLAT_MARKED_ACCESSED | XLAT_MARKED_DIRTY);
	/* the guest clears A in its leaf: the cache no longer holds, the
	 * next walk fills it again with nothing marked */
	put(0x4000 + 5 * 8, 0x9000 | P | RW);
	assert_int_equal(translate(CR4_PAE, EFER_LMA, 0x1000, 0x5008, &t), 0);
	assert_int_equal(t.nentries, 4);                /* walked again */
	assert_int_equal(vcpu.data.marked, 0);
	guest_xlat_mark_used(&vcpu, &vcpu.data, false);
	assert_int_equal(get(0x4000 + 5 * 8), 0x9000 | P | RW | A);
	put(0x4000 + 5 * 8, 0x9000 | P | RW | A | D);
	assert_int_equal(translate(CR4_PAE, EFER_LMA, 0x1000, 0x5008, &t), 0);
	/* a guest change meanwhile is left alone and the cache dropped */
	put(0x4000 + 5 * 8, 0xa000 | P | RW | A);
	vcpu.data.entry_val[3] = 0x9000 | P | RW | A;   /* as if read before it */
	guest_xlat_mark_used(&vcpu, &vcpu.data, true);
	assert_int_equal(get(0x4000 + 5 * 8), 0xa000 | P | RW | A);
	assert_false(vcpu.data.valid);
}

/* PAE: PDPT at 0x1000 (PDPTE 0 -> PD 0x3000), PD -> PT 0x4000. The PDPTE
 * has no accessed bit: bit 5 is reserved there (SDM Vol. 3 Table 4-8). */
static void test_pae_pdpte_untouched(void **state)
{
	struct guest_translation t;

	(void)state;
	long_mode(0x9000 | P | RW);
	put(0x1000, 0x3000 | P);
	assert_int_equal(translate(CR4_PAE, 0, 0x1000, 0x5000, &t), 0);
	guest_xlat_mark_used(&vcpu, &vcpu.data, true);
	assert_int_equal(get(0x1000), 0x3000 | P);
	assert_int_equal(get(0x3000), 0x4000 | P | RW | A);
	assert_int_equal(get(0x4000 + 5 * 8), 0x9000 | P | RW | A | D);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserved_bits),
		cmocka_unit_test(test_accessed_dirty),
		cmocka_unit_test(test_pae_pdpte_untouched),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
