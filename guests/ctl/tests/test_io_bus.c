/*
 * Host unit tests for the device buses (guests/ctl/io_bus.c): claims,
 * overlap rejection, routing by offset, unclaimed accesses (all ones on the
 * IO bus, zero on the MMIO bus) and their counters. `make test-ctl`.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "guests/ctl/io_bus.h"

struct recorder {
	uint64_t last_offset, last_value;
	unsigned last_size, reads, writes;
	uint64_t read_value;
};

static uint64_t rec_read(void *opaque, uint64_t offset, unsigned size)
{
	struct recorder *r = opaque;

	r->reads++;
	r->last_offset = offset;
	r->last_size = size;
	return r->read_value;
}

static void rec_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct recorder *r = opaque;

	r->writes++;
	r->last_offset = offset;
	r->last_size = size;
	r->last_value = value;
}

static const struct bus_device_ops rec_ops = { rec_read, rec_write };
static const struct bus_device_ops write_only_ops = { NULL, rec_write };

static void test_claim_and_overlap(void **state)
{
	struct io_bus bus;
	struct recorder a, b;

	(void)state;
	io_bus_init(&bus, "io", true);
	assert_int_equal(io_bus_register(&bus, 0x3f8, 8, &rec_ops, &a, "uart"), 0);
	/* exact, partial at either end, containing, contained */
	assert_int_equal(io_bus_register(&bus, 0x3f8, 8, &rec_ops, &b, "x"), -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x3f0, 9, &rec_ops, &b, "x"), -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x3ff, 1, &rec_ops, &b, "x"), -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x300, 0x200, &rec_ops, &b, "x"), -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x3fa, 2, &rec_ops, &b, "x"), -EEXIST);
	/* adjacent on both sides is fine */
	assert_int_equal(io_bus_register(&bus, 0x3f0, 8, &rec_ops, &b, "below"), 0);
	assert_int_equal(io_bus_register(&bus, 0x400, 1, &rec_ops, &b, "above"), 0);
	assert_int_equal(bus.nranges, 3);
	/* malformed */
	assert_int_equal(io_bus_register(&bus, 0x500, 0, &rec_ops, &b, "x"), -EINVAL);
	assert_int_equal(io_bus_register(&bus, ~0ULL, 2, &rec_ops, &b, "x"), -EINVAL);
	assert_int_equal(io_bus_register(&bus, 0x500, 1, NULL, &b, "x"), -EINVAL);
	/* the very top of the address space is claimable */
	assert_int_equal(io_bus_register(&bus, ~0ULL, 1, &rec_ops, &b, "top"), 0);
	assert_ptr_equal(io_bus_find(&bus, 0x3fd)->opaque, &a);
	assert_null(io_bus_find(&bus, 0x401));
}

static void test_full(void **state)
{
	struct io_bus bus;
	struct recorder a;

	(void)state;
	io_bus_init(&bus, "io", true);
	for (unsigned i = 0; i < IO_BUS_MAX_RANGES; i++)
		assert_int_equal(io_bus_register(&bus, i * 2, 1, &rec_ops, &a, "x"), 0);
	assert_int_equal(io_bus_register(&bus, 0x1000, 1, &rec_ops, &a, "x"), -ENOSPC);
}

static void test_routing(void **state)
{
	struct io_bus bus;
	struct recorder a = { .read_value = 0x12345678 };

	(void)state;
	io_bus_init(&bus, "io", true);
	assert_int_equal(io_bus_register(&bus, 0x3f8, 8, &rec_ops, &a, "uart"), 0);
	/* reads are cut to the access size */
	assert_int_equal(io_bus_read(&bus, 0x3fd, 1), 0x78);
	assert_int_equal(a.last_offset, 5);
	assert_int_equal(a.last_size, 1);
	assert_int_equal(io_bus_read(&bus, 0x3f8, 2), 0x5678);
	assert_int_equal(io_bus_read(&bus, 0x3f8, 4), 0x12345678);
	io_bus_write(&bus, 0x3f9, 1, 0xabcd);
	assert_int_equal(a.last_value, 0xcd);
	assert_int_equal(a.last_offset, 1);
	assert_int_equal(a.writes, 1);
	assert_int_equal(bus.unclaimed_reads + bus.unclaimed_writes, 0);
}

static void test_unclaimed_io_reads_ones(void **state)
{
	struct io_bus bus;

	(void)state;
	io_bus_init(&bus, "io", true);
	assert_int_equal(io_bus_read(&bus, 0x61, 1), 0xff);
	assert_int_equal(io_bus_read(&bus, 0x62, 2), 0xffff);
	assert_int_equal(io_bus_read(&bus, 0x64, 4), 0xffffffff);
	io_bus_write(&bus, 0x70, 1, 0);
	assert_int_equal(bus.unclaimed_reads, 3);
	assert_int_equal(bus.unclaimed_writes, 1);
	assert_int_equal(bus.last_unclaimed, 0x70);
}

static void test_unclaimed_mmio_reads_zero(void **state)
{
	struct io_bus bus;
	struct recorder a = { 0 };

	(void)state;
	io_bus_init(&bus, "mmio", false);
	assert_int_equal(io_bus_read(&bus, 0xfee00020, 4), 0);
	assert_int_equal(io_bus_read(&bus, 0xfee00020, 8), 0);
	assert_int_equal(bus.unclaimed_reads, 2);
	/* a device without a read callback reads as fill, not counted */
	assert_int_equal(io_bus_register(&bus, 0xd0000000, 0x1000, &write_only_ops, &a, "wo"), 0);
	assert_int_equal(io_bus_read(&bus, 0xd0000010, 8), 0);
	assert_int_equal(bus.unclaimed_reads, 2);
	io_bus_write(&bus, 0xd0000010, 8, 0x1122334455667788ULL);
	assert_int_equal(a.last_value, 0x1122334455667788ULL);
	assert_int_equal(a.last_offset, 0x10);
}

/* A moved range answers at its new base only, and ahead of a range it
 * now overlaps (a relocated local APIC hides what is under it). */
static void test_move(void **state)
{
	static const struct bus_device_ops apic_ops = { rec_read, rec_write };
	struct io_bus bus;
	struct recorder hpet = { .read_value = 1 }, apic = { .read_value = 2 };

	(void)state;
	io_bus_init(&bus, "mmio", false);
	assert_int_equal(io_bus_register(&bus, 0xfed00000, 0x1000, &rec_ops, &hpet, "hpet"), 0);
	assert_int_equal(io_bus_register(&bus, 0xfee00000, 0x1000, &apic_ops, &apic, "lapic"), 0);
	assert_int_equal(io_bus_move(&bus, &apic_ops, 0xfed40000), 0);
	assert_int_equal(io_bus_read(&bus, 0xfed40030, 4), 2);
	assert_int_equal(apic.last_offset, 0x30);
	assert_int_equal(io_bus_read(&bus, 0xfee00030, 4), 0);       /* gone */
	assert_int_equal(bus.unclaimed_reads, 1);
	/* over the HPET's page: the APIC answers there, the HPET elsewhere */
	assert_int_equal(io_bus_move(&bus, &apic_ops, 0xfed00000), 0);
	assert_int_equal(io_bus_read(&bus, 0xfed00000, 4), 2);
	assert_int_equal(hpet.reads, 0);
	assert_int_equal(io_bus_move(&bus, &apic_ops, 0xfee00000), 0);
	assert_int_equal(io_bus_read(&bus, 0xfed00000, 4), 1);
	assert_int_equal(bus.nranges, 2);
	/* nothing to move; a range that would wrap stays where it is */
	assert_int_equal(io_bus_move(&bus, &write_only_ops, 0), -ENOENT);
	assert_int_equal(io_bus_move(&bus, &apic_ops, 0xfffffffffffff001ULL), -EINVAL);
	assert_int_equal(io_bus_move(&bus, &apic_ops, ~0ULL), -EINVAL);
	assert_int_equal(io_bus_read(&bus, 0xfee00030, 4), 2);
}

static void test_size_mask(void **state)
{
	(void)state;
	assert_int_equal(io_size_mask(1), 0xff);
	assert_int_equal(io_size_mask(2), 0xffff);
	assert_int_equal(io_size_mask(4), 0xffffffff);
	assert_true(io_size_mask(8) == ~0ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_and_overlap),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_routing),
		cmocka_unit_test(test_unclaimed_io_reads_ones),
		cmocka_unit_test(test_unclaimed_mmio_reads_zero),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_size_mask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
