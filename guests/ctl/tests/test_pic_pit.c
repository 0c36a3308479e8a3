/*
 * Host unit tests for the interrupt controllers, the timer and the MMIO
 * test device (guests/ctl/dev_pic8259.c, dev_pit8254.c, dev_mmiotest.c):
 * 8259A initialisation, priorities, masking, EOI forms, edge and level
 * triggering, the cascade, AEOI, poll mode and the spurious vector; 8254
 * counting in modes 0, 2 and 3, latches, read-back, IRQ 0 edges over
 * virtual time (also stepped one cycle at a time in modes 0, 2, 3, 4),
 * port 0x61; the MMIO test device's registers.
 * `make test-ctl`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/devices.h"

static struct pic8259 pic;

static void wr(uint16_t port, uint8_t v)
{
	if (port == 0x20 || port == 0x21)
		pic8259_master_ops.write(&pic, port - 0x20, 1, v);
	else if (port == 0xa0 || port == 0xa1)
		pic8259_slave_ops.write(&pic, port - 0xa0, 1, v);
	else
		pic8259_elcr_ops.write(&pic, port - 0x4d0, 1, v);
}

static uint8_t rd(uint16_t port)
{
	if (port == 0x20 || port == 0x21)
		return (uint8_t)pic8259_master_ops.read(&pic, port - 0x20, 1);
	return (uint8_t)pic8259_slave_ops.read(&pic, port - 0xa0, 1);
}

/* The PC BIOS/Linux initialisation: master 0x20, slave 0x28. */
static void pic_setup(uint8_t aeoi)
{
	pic8259_init(&pic);
	wr(0x20, 0x11);
	wr(0x21, 0x20);
	wr(0x21, 0x04);
	wr(0x21, 0x01 | aeoi);
	wr(0xa0, 0x11);
	wr(0xa1, 0x28);
	wr(0xa1, 0x02);
	wr(0xa1, 0x01 | aeoi);
	wr(0x21, 0x00);
	wr(0xa1, 0x00);
}

static void pulse(unsigned irq)
{
	pic8259_set_irq(&pic, irq, 1);
	pic8259_set_irq(&pic, irq, 0);
}

static void test_pic_priority_and_eoi(void **state)
{
	(void)state;
	pic_setup(0);
	assert_false(pic8259_intr(&pic));
	pulse(1);
	pulse(0);
	assert_true(pic8259_intr(&pic));
	wr(0x20, 0x0a);
	assert_int_equal(rd(0x20), 0x03);               /* IRR */
	assert_int_equal(pic8259_ack(&pic), 0x20);      /* IRQ 0 first */
	wr(0x20, 0x0b);
	assert_int_equal(rd(0x20), 0x01);               /* ISR */
	assert_false(pic8259_intr(&pic));               /* IRQ 1 waits for the EOI */
	wr(0x20, 0x20);                                 /* non-specific EOI */
	assert_int_equal(rd(0x20), 0x00);
	assert_true(pic8259_intr(&pic));
	assert_int_equal(pic8259_ack(&pic), 0x21);
	wr(0x20, 0x61);                                 /* specific EOI, IRQ 1 */
	assert_int_equal(rd(0x20), 0x00);
	/* nothing pending: the spurious vector, nothing in service */
	assert_int_equal(pic8259_ack(&pic), 0x27);
	assert_int_equal(pic.spurious, 1);
	assert_int_equal(rd(0x20), 0x00);
}

static void test_pic_mask_and_edges(void **state)
{
	(void)state;
	pic_setup(0);
	wr(0x21, 0xfe);
	assert_int_equal(rd(0x21), 0xfe);
	pulse(3);                                       /* masked: latched in IRR */
	assert_false(pic8259_intr(&pic));
	assert_false(pic8259_would_deliver(&pic, 3));
	assert_true(pic8259_would_deliver(&pic, 0));
	wr(0x20, 0x0a);
	assert_int_equal(rd(0x20), 0x08);
	wr(0x21, 0xf6);                                 /* unmask 3 */
	assert_true(pic8259_intr(&pic));
	assert_int_equal(pic8259_ack(&pic), 0x23);
	/* an edge needs the line to drop first */
	pic8259_set_irq(&pic, 0, 1);
	assert_int_equal(pic8259_ack(&pic), 0x20);
	wr(0x20, 0x20);
	wr(0x20, 0x20);
	pic8259_set_irq(&pic, 0, 1);                    /* still high: no new edge */
	assert_false(pic8259_intr(&pic));
	/* level-triggered (ELCR): IRR follows the line, INTA leaves it */
	wr(0x21, 0x00);
	wr(0x4d0, 0x20);
	pic8259_set_irq(&pic, 5, 1);
	assert_int_equal(pic8259_ack(&pic), 0x25);
	wr(0x20, 0x20);
	assert_true(pic8259_intr(&pic));
	pic8259_set_irq(&pic, 5, 0);
	assert_false(pic8259_intr(&pic));
}

static void test_pic_cascade(void **state)
{
	(void)state;
	pic_setup(0);
	pulse(9);
	assert_true(pic8259_intr(&pic));
	assert_int_equal(pic8259_ack(&pic), 0x29);
	wr(0xa0, 0x0b);
	assert_int_equal(rd(0xa0), 0x02);               /* slave ISR bit 1 */
	wr(0x20, 0x0b);
	assert_int_equal(rd(0x20), 0x04);               /* master ISR bit 2 */
	wr(0xa0, 0x20);
	wr(0x20, 0x20);
	assert_int_equal(rd(0xa0) | rd(0x20), 0);
	/* IRQ 8-15 masked on the slave */
	wr(0xa1, 0xff);
	pulse(12);
	assert_false(pic8259_intr(&pic));
	assert_false(pic8259_would_deliver(&pic, 12));
}

static void test_pic_aeoi_and_poll(void **state)
{
	(void)state;
	pic_setup(0x02);
	pulse(4);
	assert_int_equal(pic8259_ack(&pic), 0x24);
	wr(0x20, 0x0b);
	assert_int_equal(rd(0x20), 0x00);               /* AEOI: never in service */
	pulse(6);
	wr(0x20, 0x0c);                                 /* OCW3 poll */
	assert_int_equal(rd(0x20), 0x86);
	assert_false(pic8259_intr(&pic));
	wr(0x20, 0x0c);
	assert_int_equal(rd(0x20), 0x00);
}

/* ---- 8254 ----------------------------------------------------------------- */

static int irq_level, irq_rises;

static void irq_line(void *ctx, int level)
{
	assert_ptr_equal(ctx, &irq_level);
	if (level && !irq_level)
		irq_rises++;
	irq_level = level;
}

static struct pit8254 pit;

static void pit_wr(unsigned off, uint8_t v)
{
	pit8254_bus_ops.write(&pit, off, 1, v);
}

static uint8_t pit_rd(unsigned off)
{
	return (uint8_t)pit8254_bus_ops.read(&pit, off, 1);
}

static void pit_setup(void)
{
	irq_level = irq_rises = 0;
	pit8254_init(&pit, irq_line, &irq_level);
}

static void test_pit_mode2_periodic(void **state)
{
	(void)state;
	pit_setup();
	assert_int_equal(pit8254_next_irq(&pit), PIT_NEVER);
	pit8254_advance(&pit, 1000);
	pit_wr(3, 0x34);                                /* counter 0, LSB/MSB, mode 2 */
	pit_wr(0, 100);
	assert_int_equal(pit8254_next_irq(&pit), PIT_NEVER);     /* MSB missing */
	pit_wr(0, 0);
	assert_int_equal(pit8254_next_irq(&pit), 1100);
	pit8254_advance(&pit, 1010);
	assert_int_equal(pit8254_count(&pit, 0), 90);
	assert_int_equal(pit_rd(0), 90);                /* live: LSB then MSB */
	assert_int_equal(pit_rd(0), 0);
	pit_wr(3, 0x00);                                /* latch */
	pit8254_advance(&pit, 1050);
	assert_int_equal(pit_rd(0), 90);
	assert_int_equal(pit_rd(0), 0);
	assert_int_equal(pit_rd(0), 50);                /* unlatched again */
	pit_rd(0);
	pit8254_advance(&pit, 1099);
	assert_int_equal(irq_rises, 0);
	pit8254_advance(&pit, 1100);
	assert_int_equal(irq_rises, 1);
	assert_int_equal(pit8254_next_irq(&pit), 1200);
	pit8254_advance(&pit, 1450);                    /* 3 edges: one reaches the PIC */
	assert_int_equal(irq_rises, 2);
	assert_int_equal(pit.irq_edges, 2);
	assert_int_equal(pit8254_next_irq(&pit), 1500);
	/* read-back: status of counter 0, OUT high, mode 2, LSB/MSB */
	pit_wr(3, 0xe2);
	assert_int_equal(pit_rd(0), 0xb4);
	/* a new control word stops the counter */
	pit_wr(3, 0x30);
	assert_int_equal(pit8254_next_irq(&pit), PIT_NEVER);
	pit8254_advance(&pit, 5000);
	assert_int_equal(irq_rises, 2);
}

static void test_pit_mode0_and_mode3(void **state)
{
	(void)state;
	pit_setup();
	pit_wr(3, 0x30);                                /* mode 0 one-shot */
	pit_wr(0, 0x10);
	pit_wr(0, 0);
	assert_false(pit8254_out(&pit, 0));
	assert_int_equal(pit8254_next_irq(&pit), 16);
	pit8254_advance(&pit, 16);
	assert_true(pit8254_out(&pit, 0));
	assert_int_equal(irq_rises, 1);
	assert_int_equal(pit8254_next_irq(&pit), PIT_NEVER);
	pit8254_advance(&pit, 100);
	assert_int_equal(pit8254_count(&pit, 0), (uint16_t)(16 - 100));   /* wraps */

	pit_wr(3, 0x16);                                /* counter 0, LSB, mode 3 */
	pit_wr(0, 20);
	pit8254_advance(&pit, 103);
	assert_int_equal(pit8254_count(&pit, 0), 14);   /* counts by 2 */
	assert_true(pit8254_out(&pit, 0));
	pit8254_advance(&pit, 111);
	assert_false(pit8254_out(&pit, 0));
	assert_int_equal(pit8254_next_irq(&pit), 120);
	pit_wr(3, 0x26);                                /* MSB only */
	pit_wr(0, 1);
	assert_int_equal(pit8254_count(&pit, 0), 256);
}

/*
 * The run loop advances the clock one cycle per KVM_RUN return, and
 * pit8254_advance recomputes the next edge only once it is passed: step
 * one cycle at a time through several periods of each mode and check
 * every edge arrives on its cycle and next_irq is the edge still ahead.
 */
static void step_and_check(uint8_t control, uint16_t n, uint64_t first, uint64_t period)
{
	uint64_t load;
	unsigned rises = 0;

	pit_setup();
	pit8254_advance(&pit, 500);
	pit_wr(3, control);
	pit_wr(0, (uint8_t)n);
	pit_wr(0, (uint8_t)(n >> 8));
	load = 500;
	for (uint64_t t = load + 1; t <= load + 6 * n + 3; t++) {
		uint64_t d = t - load, next;

		pit8254_advance(&pit, t);
		if (d >= first && (period ? (d - first) % period == 0 : d == first))
			rises++;
		assert_int_equal(irq_rises, rises);
		if (d < first)
			next = load + first;
		else if (period)
			next = load + first + ((d - first) / period + 1) * period;
		else
			next = PIT_NEVER;
		assert_int_equal(pit8254_next_irq(&pit), next);
	}
}

static void test_pit_stepwise_edges(void **state)
{
	(void)state;
	step_and_check(0x34, 7, 7, 7);          /* mode 2: every period */
	step_and_check(0x36, 8, 8, 8);          /* mode 3, even count */
	step_and_check(0x36, 9, 9, 9);          /* mode 3, odd count */
	step_and_check(0x30, 5, 5, 0);          /* mode 0: once, at terminal count */
	step_and_check(0x38, 5, 6, 0);          /* mode 4: the strobe's end */
}

static void test_pit_port61(void **state)
{
	uint8_t v;

	(void)state;
	pit_setup();
	pit8254_port61_ops.write(&pit, 0, 1, 0x01);     /* gate 2 high */
	pit_wr(3, 0xb0);                                /* counter 2, LSB/MSB, mode 0 */
	pit_wr(2, 50);
	pit_wr(2, 0);
	v = (uint8_t)pit8254_port61_ops.read(&pit, 0, 1);
	assert_int_equal(v & 0x21, 0x01);               /* gate, OUT 2 low */
	pit8254_advance(&pit, 60);
	v = (uint8_t)pit8254_port61_ops.read(&pit, 0, 1);
	assert_int_equal(v & 0x21, 0x21);               /* OUT 2 high */
	assert_int_equal(irq_rises, 0);                 /* only counter 0 has an IRQ */
	/* the refresh bit toggles on every read */
	assert_int_not_equal((uint8_t)pit8254_port61_ops.read(&pit, 0, 1) & 0x10, v & 0x10);
}

/* ---- the MMIO test device ---------------------------------------------------- */

static void test_mmiotest(void **state)
{
	const struct bus_device_ops *o = &mmiotest_bus_ops;
	struct mmiotest m;

	(void)state;
	mmiotest_init(&m);
	assert_true(o->read(&m, MMIOTEST_ID, 8) == MMIOTEST_ID_VALUE);
	o->write(&m, 0x10, 8, 0x1122334455667788ULL);
	o->write(&m, 0x11, 1, 0xaa);
	assert_true(o->read(&m, 0x10, 8) == 0x112233445566aa88ULL);
	assert_int_equal(o->read(&m, 0x12, 2), 0x5566);
	o->write(&m, 0x7fe, 8, 0xffffffffffffffffULL);  /* cut at the end of DATA */
	assert_int_equal(o->read(&m, 0x7fe, 8), 0xffff);
	assert_int_equal(o->read(&m, MMIOTEST_READS, 8), 3);
	assert_int_equal(o->read(&m, MMIOTEST_WRITES, 8), 3);
	assert_int_equal(o->read(&m, MMIOTEST_SEQ, 8), 0);
	assert_int_equal(o->read(&m, MMIOTEST_SEQ, 4), 1);
	o->write(&m, MMIOTEST_MARK, 8, 7);
	assert_int_equal(o->read(&m, MMIOTEST_MARK, 8), 7);
	assert_int_equal(o->read(&m, MMIOTEST_WRITES, 8), 3);   /* MARK is not counted */
	assert_int_equal(o->read(&m, 0x900, 8), 0);
	o->write(&m, MMIOTEST_RESET, 1, 1);
	assert_int_equal(o->read(&m, 0x10, 8), 0);
	assert_int_equal(o->read(&m, MMIOTEST_READS, 8), 1);
	assert_int_equal(o->read(&m, MMIOTEST_SEQ, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pic_priority_and_eoi),
		cmocka_unit_test(test_pic_mask_and_edges),
		cmocka_unit_test(test_pic_cascade),
		cmocka_unit_test(test_pic_aeoi_and_poll),
		cmocka_unit_test(test_pit_mode2_periodic),
		cmocka_unit_test(test_pit_mode0_and_mode3),
		cmocka_unit_test(test_pit_stepwise_edges),
		cmocka_unit_test(test_pit_port61),
		cmocka_unit_test(test_mmiotest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
