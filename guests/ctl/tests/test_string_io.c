/*
 * Host unit tests for the INS/OUTS arithmetic (guests/ctl/string_io.c):
 * address size from CS and prefixes, element addresses with DF = 0 and 1,
 * wrap-around inside the address size, RSI/RDI/RCX updates and their
 * masks. `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "guests/ctl/vmm.h"

static void test_address_bytes(void **state)
{
	static const uint8_t outsb[] = { 0x6e };
	static const uint8_t rep_outsb[] = { 0xf3, 0x6e };
	static const uint8_t a32_rep_outsw[] = { 0x66, 0x67, 0xf3, 0x6f };
	static const uint8_t seg_a16[] = { 0x2e, 0x67, 0xf3, 0x6c };
	static const uint8_t rex_a32[] = { 0x67, 0xf3, 0x48, 0x6e };
	static const uint8_t late_67[] = { 0xf3, 0x6e, 0x67 };   /* after the opcode */

	(void)state;
	/* CS alone: L -> 8, D -> 4, else 2; vm86 is 16-bit whatever CS says */
	assert_int_equal(sio_address_bytes(false, false, false, outsb, 1), 2);
	assert_int_equal(sio_address_bytes(false, true, false, outsb, 1), 4);
	assert_int_equal(sio_address_bytes(true, false, false, outsb, 1), 8);
	assert_int_equal(sio_address_bytes(false, true, true, outsb, 1), 2);
	assert_int_equal(sio_address_bytes(false, true, false, rep_outsb, 2), 4);
	/* 0x67 toggles 16 <-> 32, and 64 -> 32 */
	assert_int_equal(sio_address_bytes(false, false, false, a32_rep_outsw, 4), 4);
	assert_int_equal(sio_address_bytes(false, true, false, a32_rep_outsw, 4), 2);
	assert_int_equal(sio_address_bytes(true, false, false, a32_rep_outsw, 4), 4);
	assert_int_equal(sio_address_bytes(false, true, false, seg_a16, 4), 2);
	assert_int_equal(sio_address_bytes(true, false, false, rex_a32, 4), 4);
	assert_int_equal(sio_address_bytes(false, false, false, late_67, 3), 2);
	/* instruction bytes unavailable: CS decides */
	assert_int_equal(sio_address_bytes(false, true, false, NULL, 0), 4);
	/* REX is not a prefix outside 64-bit mode (0x48 is DEC EAX there) */
	assert_int_equal(sio_address_bytes(false, true, false, rex_a32 + 2, 2), 4);
}

static void test_up_and_down(void **state)
{
	struct sio_op op;

	(void)state;
	/* OUTSW, 32-bit, DS base 0x10000, ESI 0x2000, DF = 0 */
	sio_init(&op, 0x12000, 0x2000, 2, 4, false, false);
	assert_int_equal(op.seg_base, 0x10000);
	assert_int_equal(sio_linear(&op, 0), 0x12000);
	assert_int_equal(sio_linear(&op, 1), 0x12002);
	assert_int_equal(sio_linear(&op, 5), 0x1200a);
	assert_int_equal(sio_index_after(&op, 5), 0x200a);
	/* DF = 1 walks down */
	sio_init(&op, 0x12000, 0x2000, 4, 4, true, false);
	assert_int_equal(sio_linear(&op, 1), 0x11ffc);
	assert_int_equal(sio_linear(&op, 3), 0x11ff4);
	assert_int_equal(sio_index_after(&op, 3), 0x1ff4);
	/* zero elements: nothing moves */
	assert_int_equal(sio_index_after(&op, 0), 0x2000);
}

static void test_wrap_16bit(void **state)
{
	struct sio_op op;

	(void)state;
	/* real mode: DS = 0x1000 (base 0x10000), SI = 0xfffe, bytes upward:
	 * the offset wraps to 0 inside the segment */
	sio_init(&op, 0x1fffe, 0xabcd0000fffeULL, 1, 2, false, false);
	assert_int_equal(op.seg_base, 0x10000);
	assert_int_equal(sio_linear(&op, 0), 0x1fffe);
	assert_int_equal(sio_linear(&op, 1), 0x1ffff);
	assert_int_equal(sio_linear(&op, 2), 0x10000);
	assert_int_equal(sio_linear(&op, 3), 0x10001);
	/* only SI changes: the bits above 16 are kept */
	assert_int_equal(sio_index_after(&op, 3), 0xabcd00000001ULL);
	/* downward through 0 */
	sio_init(&op, 0x10001, 0x0001, 1, 2, true, false);
	assert_int_equal(sio_linear(&op, 2), 0x1ffff);
	assert_int_equal(sio_index_after(&op, 2), 0xffff);
}

static void test_32bit_linear_truncates(void **state)
{
	struct sio_op op;

	(void)state;
	/* legacy 32-bit: base 0xfffff000 + 0x2000 wraps at 4 GiB */
	sio_init(&op, 0x1000, 0x2000, 1, 4, false, false);
	assert_int_equal(op.seg_base, 0xfffffffffffff000ULL);
	assert_int_equal(sio_linear(&op, 0), 0x1000);
	assert_int_equal(sio_linear(&op, 0x10), 0x1010);
	/* ESI wraps at 32 bits */
	sio_init(&op, 0xfffffffe, 0xfffffffe, 2, 4, false, false);
	assert_int_equal(sio_linear(&op, 1), 0);
	assert_int_equal(sio_index_after(&op, 1), 0);
}

static void test_64bit(void **state)
{
	struct sio_op op;

	(void)state;
	sio_init(&op, 0xffff800000001000ULL, 0xffff800000001000ULL, 4, 8, false, true);
	assert_int_equal(op.seg_base, 0);
	assert_true(sio_linear(&op, 2) == 0xffff800000001008ULL);
	assert_true(sio_index_after(&op, 2) == 0xffff800000001008ULL);
	/* 0x67 in 64-bit mode: ESI wraps, and the 32-bit write zero-extends;
	 * the linear address is not truncated (FS base above 4 GiB) */
	sio_init(&op, 0x100000000ULL + 0xffffffffULL, 0xdead0000ffffffffULL, 1, 4, false, true);
	assert_true(op.seg_base == 0x100000000ULL);
	assert_true(sio_linear(&op, 1) == 0x100000000ULL);
	assert_true(sio_index_after(&op, 1) == 0);
}

static void test_count_and_rcx(void **state)
{
	(void)state;
	assert_int_equal(sio_count(0x123456789ULL, 2), 0x6789);
	assert_int_equal(sio_count(0x123456789ULL, 4), 0x23456789);
	assert_true(sio_count(0x123456789ULL, 8) == 0x123456789ULL);
	assert_true(sio_rcx_after(0xaaaa0005ULL, 5, 2, false) == 0xaaaa0000ULL);
	assert_true(sio_rcx_after(0xffffffff00000003ULL, 3, 4, false) == 0xffffffff00000000ULL);
	assert_true(sio_rcx_after(0xffffffff00000003ULL, 3, 4, true) == 0);
	assert_true(sio_rcx_after(10, 4, 8, true) == 6);
	assert_int_equal(sio_addr_mask(2), 0xffff);
	assert_true(sio_addr_mask(8) == ~0ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_bytes),
		cmocka_unit_test(test_up_and_down),
		cmocka_unit_test(test_wrap_16bit),
		cmocka_unit_test(test_32bit_linear_truncates),
		cmocka_unit_test(test_64bit),
		cmocka_unit_test(test_count_and_rcx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
